"""``Detector``: read -> extract -> featurize -> score -> decide for one document."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from detector import decide, quality
from detector.config import Config
from detector.document import Decision, Document, FieldNames, RawDoc, Result
from detector.errors import InputError
from detector.extract import extract
from detector.features import feature_arrays, featurize
from detector.model import BlockScores, ParagraphModel, load_model
from detector.redundancy import score_redundancy


class Detector:
    """Scores documents paragraph by paragraph and as a whole.

    >>> det = Detector()
    >>> result = det.score_html(open("page.html", "rb").read(), url="https://example.com/a")
    >>> result.text, result.quality.score
    """

    def __init__(self, config: Config | None = None, *, model: ParagraphModel | None = None) -> None:
        if config is not None and not isinstance(config, Config):
            raise TypeError(f"Detector(config): a detector.Config, not {type(config).__name__} ({config!r:.80})")
        self.config = config or Config()
        self.model = model or load_model(self.config.model_path, sha256=self.config.model_sha256)

    # --- stages ------------------------------------------------------------------
    def extract(self, raw: RawDoc) -> Document:
        """Decode and split the input into candidate blocks (no scoring)."""
        return extract(raw, self.config)

    def score_document(
        self, doc: Document, *, template_fingerprints: Collection[str] = ()
    ) -> Result:
        """Score an extracted document. ``template_fingerprints`` are paragraph fingerprints
        (``redundancy.fingerprint``) known to be boilerplate of this document's site."""
        blocks = doc.blocks
        if type(self.model) is ParagraphModel:  # reads the feature arrays, no table needed
            scores = self.model.predict(feature_arrays(doc))
        elif hasattr(self.model, "predict"):
            scores = self.model.predict(featurize(doc))
        else:  # any stand-in that only knows relevance
            scores = BlockScores(self.model.predict_relevance(featurize(doc)))
        relevance = scores.relevance
        redundancy = score_redundancy(doc, self.config)
        decisions = decide.decide_blocks(
            doc, relevance, redundancy, self.config, template_fingerprints=template_fingerprints,
            text_reasons=scores.reasons, lexical=scores.lexical,
        )  # fmt: skip
        q = quality.score_document(doc, decisions, self.config)
        decisions = decide.withhold_contentless(doc, decisions, q, self.config)
        kept_text = "\n\n".join(p.text for p in decisions if p.keep and p.kind != "title")
        stats = decide.block_stats(decisions)
        stats["blocks"] = len(blocks)
        return Result(
            id=doc.id,
            url=doc.url,
            title=doc.title,
            text=kept_text,
            quality=q,
            paragraphs=tuple(decisions),
            stats=stats,
            language=doc.language,
            format=doc.format,
        )

    # --- one-call entry points -----------------------------------------------------
    def score(self, raw: RawDoc, *, template_fingerprints: Collection[str] = ()) -> Result:
        return self.score_document(self.extract(raw), template_fingerprints=template_fingerprints)

    def score_html(
        self,
        html: str | bytes,
        url: str | None = None,
        *,
        id: str | None = None,
        encoding: str | None = None,
    ) -> Result:
        return self.score(
            RawDoc(id=id or url or "<html>", content=html, url=url, format="html", encoding=encoding)
        )

    def score_text(self, text: str | bytes, url: str | None = None, *, id: str | None = None) -> Result:
        return self.score(RawDoc(id=id or url or "<text>", content=text, url=url, format="text"))

    def score_content(
        self,
        content: str | bytes,
        *,
        url: str | None = None,
        id: str | None = None,
        format: str | None = None,
        encoding: str | None = None,
    ) -> Result:
        """Score HTML or plain text, detecting which unless ``format`` says."""
        if format not in (None, "html", "text"):
            raise InputError(id or url, f"unknown format {format!r} (use 'html' or 'text')")
        return self.score(
            RawDoc(id=id or url or "<input>", content=content, url=url, format=format, encoding=encoding)  # type: ignore[arg-type]
        )

    def filter(
        self, doc: RawDoc | Mapping[str, Any] | str | bytes, *, min_quality: float | None = None
    ) -> Decision:
        """The pre-ingest verdict (``quality.verdict``): keep or drop, the cleaned text and the reasons.

        ``doc`` is a RawDoc, raw content (``str`` or ``bytes``, format detected), or a mapping
        read by ``RawDoc.from_record`` with the default ``FieldNames``: ``html``, else ``text``,
        else ``content`` (format detected), and optionally ``url``, ``id`` -- the same fields
        ``detector filter``, ``detector clean`` and the service read by default.

        Raises ``InputError`` (one line naming the document) for what cannot be scored: binary or
        undecodable bytes, JSON, a record with no content field, content over
        ``Config.max_input_bytes``. A batch caller catches it per document (``detector filter``
        and ``clean`` write it to their errors; ``score_frame`` returns it in an ``error`` column).
        """
        raw = to_raw_doc(doc)
        result = self.score(raw)
        v = quality.verdict(result, self.config, min_quality)
        return Decision(keep=v.keep, clean_text=result.text, score=v.score, reasons=v.reasons, result=result)


def to_raw_doc(doc: RawDoc | Mapping[str, Any] | str | bytes, fields: FieldNames = FieldNames()) -> RawDoc:
    """The RawDoc for what users pass to ``filter``: a RawDoc as is, ``str``/``bytes`` as content,
    a mapping by ``RawDoc.from_record(doc, fields)`` (default ``FieldNames()``, as every door).
    Raises ``InputError`` for a record without content or an object of another type."""
    if isinstance(doc, RawDoc):
        return doc
    if isinstance(doc, (str, bytes)):
        return RawDoc(id="<input>", content=doc)
    if isinstance(doc, Mapping):
        return RawDoc.from_record(doc, fields)
    raise InputError(None, f"cannot score an object of type {type(doc).__name__}")
