"""The data that flows through the pipeline: RawDoc -> Document -> Result.

All records are small frozen dataclasses. ``Result.to_dict()`` is the JSON contract
(validated against ``schema.json`` in the tests).
"""

from __future__ import annotations

import json
import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Literal
from urllib.parse import urlsplit

SCHEMA_VERSION = 1

Kind = Literal["title", "heading", "paragraph", "list", "quote", "table", "meta"]
KINDS: tuple[str, ...] = ("title", "heading", "paragraph", "list", "quote", "table", "meta")

Reason = Literal[
    "promo", "navigation", "page-meta", "repeated-title", "duplicate", "low-relevance", "template"
]
REASONS: tuple[str, ...] = (
    "promo",
    "navigation",
    "page-meta",
    "repeated-title",
    "duplicate",
    "low-relevance",
    "template",
    "consent",
    "comment",
    "caption",
    "legal",
    "no-main-content",
)
"""Why a paragraph was dropped. ``promo``: self-promotion (newsletter, follow us, affiliate notes,
house ads); ``navigation``: menus, link lists, teasers of other pages; ``page-meta``: byline, date,
read time, tags; ``consent``: cookie/privacy banners; ``comment``: reader comments (when they are
not the page's content); ``caption``: image captions and credits; ``legal``: copyright,
disclaimers, reprint lines; ``no-main-content``: kept by the paragraph rules on a page that
the document verdict finds has no main content (``Config.withhold_flags``); ``repeated-title``, ``duplicate``, ``template`` (boilerplate of the
site); ``low-relevance``: not main content, no more specific reason. ``consent`` to ``legal``
were added in 0.2 and ``no-main-content`` after them (schema_version stays 1: the old values keep their meaning, except that copyright and
licence lines, formerly ``page-meta``, are now ``legal``)."""

Format = Literal["html", "text"]

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_text(value: str) -> str:
    """``value`` with every lone surrogate (``"\\ud800"`` in JSON: half of an emoji cut by a
    scraper) replaced by U+FFFD, so that it can be encoded as UTF-8. A valid pair never reaches
    a ``str`` as two surrogates (the JSON decoder joins it), so nothing else changes."""
    return _LONE_SURROGATE.sub("\ufffd", value) if not value.isascii() else value


CONTROL_CHARS: dict[int, str] = {
    c: "\ufffd" for c in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)]
}
"""C0 and C1 control characters but tab and newline -> U+FFFD (a ``str.translate`` table)."""


def replace_controls(text: object) -> str:
    """``str(text)`` with every C0/C1 control character (ESC, BEL, CR, DEL, U+0080-U+009F ...)
    replaced by U+FFFD, tab and newline kept: scraped text made safe for a terminal. Used by the
    terminal report and ``Result.to_markdown``; the JSON contract keeps the text as it is."""
    return str(text).translate(CONTROL_CHARS)


def _present(value: Any) -> Any:
    """``None`` for a missing value (``None``, NaN, pandas' NA / NaT), else ``value``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


def record_name(value: Any, field: str, source: str, *, integer: bool = True) -> str | None:
    """A record's ``id`` / ``site`` (``integer``: an integer is read as its decimal string) or
    ``url`` (``integer=False``) field as a string, ``None`` when it is absent (missing, ``None``,
    NaN, ``""``); a float with no fraction is the integer it holds (``12.0``: an integer column
    with missing values, as pandas reads it). The one rule every door reads these fields by
    (``RawDoc.from_record``, the service's request models). Raises ``FieldError`` naming
    ``source`` for any other type: a list, an object, a fractional float, a boolean
    (``{"id": ["x"]}``, ``{"id": 1.5}``, ``{"url": 7}``)."""
    value = _present(value)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return scrub_text(value)
    # an integer id column with a missing value is float in pandas (and Parquet read by it): its
    # 12.0 is the id 12
    whole = isinstance(value, numbers.Integral) or isinstance(value, float) and value.is_integer()
    if integer and whole and not isinstance(value, bool):
        return str(int(value))
    from detector.errors import FieldError

    wanted = "a string or an integer" if integer else "a string"
    raise FieldError(source, f"field {field!r} holds {type(value).__name__}, not {wanted}")


@dataclass(frozen=True)
class FieldNames:
    """Which fields of a record (JSONL line, Parquet row, frame row, request body) hold what.

    The one field-name class of every door, and its defaults are the one place the default
    names live: ``Detector.filter`` (a mapping), ``detector clean`` / ``filter`` (their
    ``--html-field --text-field --content-field --url-field --id-field`` default to these), the
    service's request bodies and ``score_frame``'s column detection. The content fields are
    read in the order ``html`` (as HTML), ``text`` (as plain text), ``content`` (HTML or text,
    detected): the first that holds something wins. A name set to ``""`` or ``None`` is not
    read. ``site`` (if set) overrides the URL's host as the group for site-template detection.
    """

    html: str = "html"
    text: str = "text"
    url: str = "url"
    id: str = "id"
    site: str | None = None
    content: str | None = "content"

    @property
    def content_fields(self) -> tuple[tuple[str, Format | None], ...]:
        """``(name, format)`` of the content fields that are set, in the order they are read
        (``format`` ``None``: detected)."""
        return tuple((n, f) for n, f in ((self.html, "html"), (self.text, "text"), (self.content, None)) if n)

    def describe(self) -> str:
        """The content field names for a message: ``'html', 'text' or 'content'``."""
        names = [repr(n) for n, _ in self.content_fields]
        return " or ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " or " + names[-1]


@dataclass(frozen=True)
class RawDoc:
    """One input document before extraction.

    ``content`` is bytes (undecoded, e.g. from a file, WARC or HTTP) or str.
    ``format`` forces ``"html"`` or ``"text"``; ``None`` means detect.
    ``encoding`` is a charset declared outside the content (HTTP header), if known.
    ``site`` groups documents for site-template detection; default: the URL's host.
    ``line`` is the line of the JSONL file it was read from (``detector clean``'s error records
    name it), if any.
    Raises ``InputError`` (naming ``id``) when ``content`` is neither str nor bytes;
    ``FieldError`` (an ``InputError``) when ``url`` is not a string or not a URL
    ``urllib.parse.urlsplit`` can read (``http://[::1``).
    """

    id: str
    content: bytes | str
    url: str | None = None
    format: Format | None = None
    encoding: str | None = None
    content_type: str | None = None
    site: str | None = None
    line: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.content, (str, bytes)):
            from detector.errors import InputError

            raise InputError(self.id, f"content is {type(self.content).__name__}, not str or bytes")
        if self.url is not None:
            from detector.errors import FieldError

            if not isinstance(self.url, str):
                raise FieldError(self.id, f"url is {type(self.url).__name__}, not str")
            try:
                urlsplit(self.url).hostname  # what site_of_url reads; raises on a bad IPv6 host
            except ValueError as exc:
                raise FieldError(self.id, f"url {self.url[:200]!r} is not a URL: {exc}") from None

    @classmethod
    def from_record(
        cls,
        record: Mapping[str, Any],
        fields: FieldNames = FieldNames(),
        *,
        default_id: str = "<input>",
        url_as_id: bool = True,
    ) -> RawDoc:
        """The one record -> RawDoc adapter (readers, filter, service, frame, ``Detector.filter``).

        The id is the ``fields.id`` value, else (with ``url_as_id``) the URL, else
        ``default_id``. Missing values (``None``, NaN, pandas NA) count as absent; bytes-like
        content is kept as bytes; lone surrogates in strings become U+FFFD. An empty or blank
        field gives way to a later one that holds something (``{"html": "", "text": "..."}`` is
        the text); when every present field is blank, the first is the (empty) document. The
        content fields are ``fields.content_fields`` (default ``html``, ``text``, ``content``).
        The id and the site are strings or integers (``{"id": 123}`` is ``"123"``), the URL a
        string (``record_name``).
        Raises ``InputError`` (naming the record) when no content field holds a string or bytes;
        ``FieldError`` (an ``InputError``) when one holds something else (a number, a list), or
        when the id, URL or site has a type it cannot have (a list, an object, a float, a boolean).
        """
        given_id = record_name(record.get(fields.id), fields.id, default_id) if fields.id else None
        url = record_name(record.get(fields.url), fields.url, given_id or default_id, integer=False) if fields.url else None
        doc_id = given_id or (url if url_as_id and url else default_id)
        site = record_name(record.get(fields.site), fields.site, doc_id) if fields.site else None
        found: tuple[str | bytes, str | None] | None = None  # the first present field, if all are blank
        for name, fmt in fields.content_fields:
            content = _present(record.get(name))
            if content is None:
                continue
            if isinstance(content, (bytearray, memoryview)):
                content = bytes(content)
            if isinstance(content, str):
                content = scrub_text(content)
            elif not isinstance(content, bytes):
                from detector.errors import FieldError

                raise FieldError(
                    doc_id, f"field {name!r} holds {type(content).__name__}, not str or bytes (it must be a string)"
                )
            if content.strip():
                found = (content, fmt)
                break
            found = found or (content, fmt)
        if found is not None:
            return cls(id=doc_id, content=found[0], url=url, format=found[1], site=site)  # type: ignore[arg-type]
        from detector.errors import InputError

        raise InputError(doc_id, f"record has no {fields.describe()} field (no value in any)")


@dataclass(frozen=True, slots=True)
class Block:
    """One candidate paragraph with the signals its source gave us.

    For plain text most signals keep their defaults. ``extractor_overlap`` is the share
    of the block's tokens that trafilatura kept in its own extraction (1.0 for text).
    """

    text: str
    kind: str = "paragraph"
    tag: str = "p"
    path: str = ""
    link_density: float = 0.0
    position: float = 0.0
    depth: int = 0
    extractor_overlap: float = 1.0
    in_main: bool = True
    boilerplate_path: bool = False
    after_rule: bool = False
    """A thematic break (``<hr>``, or a separator line in text) comes right before this block."""
    opens_with_label: bool = False
    """The block opens with a short bold label on a line of its own (``<b>About X</b><br>``)."""
    hidden: bool = False
    """The block stands inside an element the page hides (``hidden``, ``aria-hidden``,
    ``display:none``, ``visibility:hidden``): a collapsed tab or accordion, or a closed menu or
    dialog. Walked all the same, as trafilatura does; the model reads it as a feature."""


@dataclass(frozen=True, slots=True)
class Document:
    """An extracted document: a title and its blocks in reading order."""

    id: str
    url: str | None
    title: str | None
    blocks: tuple[Block, ...]
    format: Format
    language: str | None = None
    site: str | None = None
    notes: tuple[str, ...] = ()
    """What decoding or extraction noticed (charset fixes, truncation); becomes quality flags."""
    discussion: bool = False
    """The page declares itself a discussion thread (schema.org ``DiscussionForumPosting`` or
    ``QAPage``, in JSON-LD or microdata): its posts, in reply/comment markup, are the content."""
    site_name: str | None = None
    """The site's own name as the page gives it (``og:site_name``, or the site's end of
    ``<title>``: ``extract.html.site_name``); None for plain text."""
    product: bool = False
    """The page declares itself a product page and not an article (schema.org ``Product`` in
    JSON-LD or microdata, or ``og:type`` product: ``extract.html.declares_product``): its
    customer reviews are readers' comments, not the product's description."""


REPR_TEXT = 40
"""How many characters of a text ``repr(Decision)`` and ``repr(ParagraphScore)`` show."""


def _clip(text: str, limit: int = REPR_TEXT) -> str:
    """``repr(text)``, cut to ``limit`` characters with its length when longer."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}...({len(text)} chars)"


@dataclass(frozen=True, slots=True)
class ParagraphScore:
    index: int
    text: str
    kind: str
    relevance: float
    redundancy: float
    keep: bool
    reason: str | None
    restates: tuple[int, ...] = ()

    def __repr__(self) -> str:
        """Every field, the text cut to ``REPR_TEXT`` characters (a paragraph can be pages long)."""
        return (f"ParagraphScore(index={self.index!r}, text={_clip(self.text)}, kind={self.kind!r}, "
                f"relevance={float(self.relevance):.4g}, redundancy={float(self.redundancy):.4g}, keep={self.keep!r}, "
                f"reason={self.reason!r}, restates={self.restates!r})")

    def to_dict(self) -> dict[str, Any]:
        """The paragraph as in the JSON contract; ``relevance`` and ``redundancy`` are the floats
        as computed (no rounding: see ``Result.to_dict``)."""
        return {
            "index": self.index,
            "text": self.text,
            "kind": self.kind,
            "relevance": float(self.relevance),
            "redundancy": float(self.redundancy),
            "keep": self.keep,
            "reason": self.reason,
            "restates": list(self.restates),
        }


@dataclass(frozen=True)
class QualityScore:
    score: float
    keep: bool
    flags: tuple[str, ...]
    signals: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The verdict as in the JSON contract; ``score`` and the ``signals`` are the floats as
        computed (no rounding: see ``Result.to_dict``)."""
        return {
            "score": float(self.score),
            "keep": self.keep,
            "flags": list(self.flags),
            "signals": {k: float(v) for k, v in self.signals.items()},
        }


@dataclass(frozen=True)
class Result:
    """Everything the detector says about one document."""

    id: str | None
    url: str | None
    title: str | None
    text: str
    quality: QualityScore
    paragraphs: tuple[ParagraphScore, ...]
    stats: dict[str, Any]
    language: str | None = None
    format: str | None = None

    @property
    def kept(self) -> tuple[ParagraphScore, ...]:
        return tuple(p for p in self.paragraphs if p.keep)

    @property
    def dropped(self) -> tuple[ParagraphScore, ...]:
        return tuple(p for p in self.paragraphs if not p.keep)

    @property
    def withheld(self) -> bool:
        """Whether the paragraph rules kept text that ``decide.withhold_contentless`` withheld
        (paragraphs dropped as ``no-main-content``: the page has no main content)."""
        return any(p.reason == "no-main-content" for p in self.paragraphs)

    def to_dict(self, details: bool = True) -> dict[str, Any]:
        """The JSON contract (``schema.json``): ``detector score --json``, ``detector clean``'s
        rows, ``POST /v1/score``; the paragraphs only with ``details``. Numbers are the floats
        as computed, not rounded (``json`` writes the shortest repr that reads back as the same
        float): this is machine output, compared with thresholds by the reader, and a rounded
        score misstates a verdict (``round(0.49996, 4)`` is 0.5 beside ``"keep": false`` under
        the 0.5 threshold). The reports round for reading (``quality.round_down``)."""
        out: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "language": self.language,
            "format": self.format,
            "text": self.text,
            "quality": self.quality.to_dict(),
            "stats": dict(self.stats),
        }
        if details:
            out["paragraphs"] = [p.to_dict() for p in self.paragraphs]
        return out

    def to_markdown(self) -> str:
        """The kept paragraphs as CommonMark/GFM, in reading order, for RAG loaders.

        The title is a ``#`` heading; each paragraph renders by its ``kind``: ``heading`` ->
        ``##``, ``list`` -> ``- item``, ``quote`` -> ``> text``, a run of ``table`` rows -> a
        one-column pipe table (a row's cells are joined in its text), anything else a paragraph.
        Characters that would start Markdown syntax at the head of a line are escaped, pipes in
        table cells too. C0/C1 control characters of the page (an ESC sequence, BEL) are replaced
        by U+FFFD, as in the terminal report (``replace_controls``; the output's own newlines
        stay), so the Markdown is safe to print. Returns ``""`` when nothing is kept and there is
        no title.
        """
        parts: list[str] = [f"# {_md_escape(self.title)}"] if self.title else []
        rows: list[str] = []
        items: list[str] = []

        def close() -> None:
            if rows:
                cells = [c.replace("|", "\\|") for c in rows]
                parts.append("\n".join([f"| {cells[0]} |", "| --- |", *(f"| {c} |" for c in cells[1:])]))
                rows.clear()
            if items:
                parts.append("\n".join(items))
                items.clear()

        for p in self.paragraphs:
            if not p.keep or p.kind == "title":
                continue
            text = " ".join(p.text.split())
            if p.kind == "table":
                if items:
                    close()
                rows.append(text)
                continue
            if p.kind == "list":
                if rows:
                    close()
                items.append(f"- {_md_escape(text)}")
                continue
            close()
            if p.kind == "heading":
                parts.append(f"## {_md_escape(text)}")
            elif p.kind == "quote":
                parts.append(f"> {_md_escape(text)}")
            else:
                parts.append(_md_escape(text))
        close()
        return replace_controls("\n\n".join(parts)) + "\n" if parts else ""


_MD_LINE_START = re.compile(r"^(#{1,6}\s|[-+*]\s|>|\d{1,9}[.)]\s|={3,}|-{3,}|`{3}|~{3})")


def _md_escape(text: str) -> str:
    """``text`` with a backslash before Markdown syntax that would start its line, and before
    inline HTML's ``<``."""
    text = text.replace("<", "\\<")
    return "\\" + text if _MD_LINE_START.match(text) else text


@dataclass(frozen=True, slots=True)
class Decision:
    """The pre-ingest verdict for one document (``Detector.filter``): ``keep``, the kept text
    ``clean_text``, ``score`` in [0, 1] and the ``reasons`` of a drop (``quality.verdict``). Every
    door that returns a verdict beside the input (``detector filter``, ``score_frame``,
    ``POST /v1/filter``, the adapters) names these fields the same way."""

    keep: bool
    clean_text: str
    score: float
    reasons: tuple[str, ...]
    result: Result

    @property
    def text(self) -> str:
        """Deprecated alias of ``clean_text``."""
        return self.clean_text

    def __repr__(self) -> str:
        """One short line: the verdict, the kept text cut to ``REPR_TEXT`` characters, and the
        document's id instead of its whole ``Result`` (all its paragraphs)."""
        return (f"Decision(keep={self.keep!r}, score={float(self.score):.4g}, reasons={self.reasons!r}, "
                f"clean_text={_clip(self.clean_text)}, result=<Result id={self.result.id!r}, "
                f"{len(self.result.paragraphs)} paragraphs>)")

    def to_dict(self) -> dict[str, Any]:
        """The decision as ``POST /v1/filter`` gives it; ``score`` is the float as computed (no
        rounding: see ``Result.to_dict``)."""
        return {
            "id": self.result.id,
            "url": self.result.url,
            "keep": self.keep,
            "score": float(self.score),
            "reasons": list(self.reasons),
            "clean_text": self.clean_text,
        }


def load_schema() -> dict[str, Any]:
    """The JSON Schema of ``Result.to_dict()``."""
    return json.loads(resources.files("detector").joinpath("schema.json").read_text("utf-8"))
