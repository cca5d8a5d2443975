"""Training data and training for the paragraph model.

Every labelled page (AEB benchmark page, seed page, synthetic page) goes through the
project's own extraction; each candidate block is labelled by the share of its token
trigrams found in the page's true body. Each page is used twice: as HTML (all DOM blocks,
with their markup signals) and as scraped plain text (the blocks around the article span,
without markup), so the one model serves both input formats.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import platform
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import GroupKFold

from detector.config import Config
from detector.document import Document, RawDoc
from detector.extract import extract
from detector.extract.textutil import token_shingles, tokens
from detector.features import FEATURE_COLUMNS, featurize
from detector.context import CONTEXT_COLUMNS
from detector.estimators import DEFAULT_PARAMS, TwoStageClassifier, build_pipeline
from detector.model import KEY_COLUMNS, BlockScores, ParagraphModel

log = logging.getLogger(__name__)

LABEL_THRESHOLD = 0.5
# The two plain-text versions of each page weigh less than its HTML: they teach text mode,
# but at full weight they pulled the shared trees away from HTML (out-of-fold AEB F1 0.965
# at 1.0, 0.968 at 0.3).
TEXT_WEIGHT = 0.3


@dataclass(frozen=True)
class LabeledPage:
    """A page with its true main content (paragraphs, without the headline).

    ``include`` / ``exclude`` are snippets a correct extraction must keep / must drop (WCXB's
    ``with`` / ``without``): they override the overlap label of the blocks that hold them.
    ``site`` groups folds (a site's pages are never split between training and test)."""

    id: str
    html: bytes | str
    truth: str
    url: str | None = None
    source: str = "aeb"
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    page_type: str | None = None
    junk_reasons: tuple[tuple[str, str], ...] = ()
    """(text, reason) of junk lines whose reason is known (synthetic pages)."""
    paragraph_labels: tuple[tuple[str, bool], ...] = ()
    """(paragraph text, keep) given by the user: they override the overlap label of the block
    with that text."""
    is_text: bool = False
    """The page is plain text (``html`` holds the text)."""

    @property
    def site(self) -> str:
        from detector.training.wcxb import site_of

        return site_of(self.url) or self.id


@dataclass(frozen=True)
class PreparedPage:
    page: LabeledPage
    html_doc: Document
    text_doc: Document
    clean_doc: Document


def block_labels(
    doc: Document, truth: str, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> np.ndarray:
    """Share of each block's token trigrams that occur in ``truth`` (0..1), of shape (n_blocks,).

    A block that holds an ``exclude`` snippet is junk (0) and one that holds an ``include``
    snippet is body (1), whatever the overlap says (include wins). A snippet of fewer than three
    words ("Home", "Login") only counts where it is at least half of the block's words: as a
    substring it would also hit body paragraphs that use the word."""
    out = _overlap_labels(doc, truth)
    if include or exclude:
        for i, block in enumerate(doc.blocks):
            if exclude and _holds_snippet(block.text, exclude):
                out[i] = 0.0
            if include and _holds_snippet(block.text, include):
                out[i] = 1.0
    return out


def _holds_snippet(text: str, snippets: Sequence[str]) -> bool:
    low = " ".join(text.split()).casefold()
    n_words = len(tokens(low))
    for snippet in snippets:
        s = " ".join(snippet.split()).casefold()
        if not s or s not in low:
            continue
        n = len(tokens(s))
        if n >= 3 or n * 2 >= n_words:
            return True
    return False


def _overlap_labels(doc: Document, truth: str) -> np.ndarray:
    truth_tokens = tokens(truth)
    truth_grams = set(token_shingles(truth_tokens, 3))
    short_grams = set(token_shingles(truth_tokens, 1)) | set(token_shingles(truth_tokens, 2))
    out = np.zeros(len(doc.blocks))
    short: list[int] = []
    for i, block in enumerate(doc.blocks):
        toks = tokens(block.text)
        if len(toks) < 3:
            short.append(i)
            continue
        grams = token_shingles(toks, 3)
        out[i] = sum(1 for g in grams if g in truth_grams) / len(grams)
    # a word or two matches some body by chance ("News", "1"): only trust it next to body text
    for i in short:
        toks = tokens(doc.blocks[i].text)
        grams = token_shingles(toks, len(toks)) if toks else []
        near_body = any(out[j] >= LABEL_THRESHOLD for j in range(max(0, i - 2), min(len(out), i + 3)) if j not in short)
        out[i] = float(bool(grams) and grams[0] in short_grams and near_body)
    return out


def text_version(doc: Document, config: Config) -> Document:
    """The page as a scraper would have saved it: the blocks around trafilatura's article span
    (a few before, more after, where related links and promos live) as plain text."""
    overlap = [b.extractor_overlap for b in doc.blocks]
    kept = [i for i, o in enumerate(overlap) if o >= 0.5]
    if kept:
        lo, hi = max(0, kept[0] - 3), min(len(overlap), kept[-1] + 9)
    else:
        lo, hi = 0, min(len(overlap), 30)
    body = "\n\n".join(b.text for b in doc.blocks[lo:hi])
    if doc.title:
        body = doc.title + "\n\n" + body
    return extract(RawDoc(id=doc.id + "#text", content=body, url=doc.url, format="text"), config)


def clean_version(page: LabeledPage, html_doc: Document, config: Config) -> Document:
    """Nearly clean scraped text: the true body (or, for a third of the pages, its first two
    paragraphs) with a few of the page's own junk lines around it, as a scraper that mostly
    worked leaves it: one line before it on half of the pages, none to two after it. Teaches
    the model short texts in text mode, junk and all, without tying junk to a position."""
    salt = zlib.crc32(page.id.encode("utf-8"))
    paragraphs = [p for p in page.truth.split("\n") if p.strip()]
    if salt % 3 == 0:
        paragraphs = paragraphs[:2]
    share = block_labels(html_doc, page.truth)
    junk = [b.text for b, s in zip(html_doc.blocks, share) if s < 0.2 and b.kind != "title" and len(b.text) < 300]
    picked = [junk[(salt >> k) % len(junk)] for k in (0, 5, 11)] if junk else []
    # where the leftover junk sits varies page by page (before the body, after it, both or
    # neither): always one line before and two after taught text mode that a first and a last
    # paragraph are junk by position, and true bodies given as text lost their opening and
    # closing paragraphs
    before = picked[:1] if (salt >> 15) % 2 == 0 else []
    after = picked[1:][: (salt >> 17) % 3]
    chunks = before + paragraphs + after
    return extract(RawDoc(id=page.id + "#clean", content="\n\n".join(chunks), format="text"), config)


def prepare_pages(
    pages: Iterable[LabeledPage], config: Config | None = None, *, progress: Callable[[int], None] | None = None
) -> list[PreparedPage]:
    """Extract every page (HTML, its scraped-text version, its nearly clean text version).
    A plain-text page is used as it is. ``progress(n)`` is called after each page."""
    config = config or Config()
    prepared = []
    for page in pages:
        if progress is not None:
            progress(1)
        if page.is_text:
            doc = extract(RawDoc(id=page.id, content=page.html, url=page.url, format="text"), config)
            empty = Document(id=page.id + "#none", url=page.url, title=None, blocks=(), format="text")
            prepared.append(PreparedPage(page, doc, empty, empty))
            continue
        html_doc = extract(RawDoc(id=page.id, content=page.html, url=page.url, format="html"), config)
        prepared.append(
            PreparedPage(page, html_doc, text_version(html_doc, config), clean_version(page, html_doc, config))
        )
    return prepared


def _keeps_text_version(page: LabeledPage) -> bool:
    """The scraped-text version of a page of a large corpus (anything but AEB, seed and synthetic
    pages) is kept for one page in three: it bounds the training rows (WCXB-dev's text versions
    alone are 290k rows) while every page keeps its HTML and nearly clean text versions."""
    return page.source in ("aeb", "seed", "synthetic") or zlib.crc32(page.id.encode("utf-8")) % 3 == 0


def reason_labels(prepared: PreparedPage, doc: Document, labels: np.ndarray) -> list[str]:
    """The drop reason of each junk block of ``doc`` ("" for body blocks and unknown reasons):
    the page's own (synthetic pages), else what the markup of the same text in the page's HTML
    makes certain (``decide.markup_reason``). Plain-text versions get the reasons of their
    HTML twins, so the reason model learns to read them from words alone."""
    from detector.decide import markup_reason

    known = {" ".join(t.split()): r for t, r in prepared.page.junk_reasons}
    for block in prepared.html_doc.blocks:
        if block.text not in known:
            reason = markup_reason(block)
            if reason:
                known[block.text] = reason
    return ["" if label else known.get(b.text, "") for b, label in zip(doc.blocks, labels)]


def page_table(prepared: PreparedPage) -> pd.DataFrame:
    """Feature rows of both versions of a page, with ``label``, ``weight``, ``group`` and
    ``reason``."""
    frames = []
    for doc in (prepared.html_doc, prepared.text_doc, prepared.clean_doc):
        if not doc.blocks:
            continue
        if doc is prepared.text_doc and not _keeps_text_version(prepared.page):
            continue
        table = featurize(doc)
        page = prepared.page
        share = block_labels(doc, page.truth, page.include, page.exclude)
        if page.paragraph_labels:
            given = {_label_key(t): k for t, k in page.paragraph_labels}
            keys = [_label_key(b.text) for b in doc.blocks]
            share = np.array([float(given[key]) if key in given else s for key, s in zip(keys, share)])
            if doc is prepared.html_doc and (unmatched := len(given.keys() - set(keys))):
                log.warning("%s: %d of %d paragraph labels match no block of the page (a label is matched to a "
                            "block's whole text, case and spacing aside); they are not used", page.id, unmatched,
                            len(given))
        table["label"] = (share >= LABEL_THRESHOLD).astype(int)
        table["reason"] = reason_labels(prepared, doc, table["label"].to_numpy())
        n_tokens = np.array([len(tokens(b.text)) for b in doc.blocks], dtype=float)
        table["weight"] = (np.sqrt(n_tokens) + 1.0) * (1.0 if doc is prepared.html_doc else TEXT_WEIGHT)
        table["group"] = page.site
        table["doc"] = doc.id
        table["source"] = prepared.page.source
        # the headline is the title field, not body text: it teaches nothing about relevance,
        # but it stays in the table (weight 0) as part of its document's context
        table.loc[[b.kind == "title" for b in doc.blocks], "weight"] = 0.0
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _label_key(text: str) -> str:
    """A paragraph label's text as it is matched to a block's: spacing and case aside."""
    return " ".join(text.split()).casefold()


def training_table(prepared: Sequence[PreparedPage]) -> pd.DataFrame:
    return pd.concat([page_table(p) for p in prepared], ignore_index=True)


def fit_model(
    table: pd.DataFrame, params: dict[str, Any] | None = None, *, seed: int = 0, n_jobs: int = 1
) -> ParagraphModel:
    """The paragraph model fitted on ``table`` (``training_table`` rows: features, ``text``,
    ``label``, ``weight``, keys). ``n_jobs``: threads for the boosting stage's independent fits
    (the same model for any value)."""
    pipeline = build_pipeline(params, seed=seed, n_jobs=n_jobs)
    weight = table["weight"].to_numpy()
    pipeline.fit(
        table.loc[:, [*FEATURE_COLUMNS, "text", *KEY_COLUMNS]],
        table["label"].to_numpy(),
        lexical__sample_weight=weight,
        lexical__reasons=table["reason"].fillna("").to_numpy() if "reason" in table.columns else None,
        classifier__sample_weight=weight,
    )
    return ParagraphModel(pipeline, {"params": params or {}})


def predict_text(model: ParagraphModel, doc: Document, config: Config | None = None) -> str:
    from detector.pipeline import Detector

    return Detector(config, model=model).score_document(doc).text


def out_of_fold_relevance(
    prepared: Sequence[PreparedPage],
    extra_prepared: Sequence[PreparedPage] = (),
    *,
    folds: int = 5,
    params: dict[str, Any] | None = None,
) -> dict[str, np.ndarray]:
    """Grouped k-fold relevance of every block of every page's HTML version: each page is
    scored by a model trained without any page of its site. ``extra_prepared`` (seed, synthetic) pages join every
    fold's training set and are never scored."""
    tables = [page_table(p) for p in prepared]
    extra_table = training_table(extra_prepared) if extra_prepared else pd.DataFrame()
    sites = np.array([p.page.site for p in prepared])
    relevance: dict[str, np.ndarray] = {}
    for fold, (train_idx, test_idx) in enumerate(GroupKFold(n_splits=folds).split(sites, groups=sites)):
        train = pd.concat([tables[i] for i in train_idx] + ([extra_table] if len(extra_table) else []), ignore_index=True)
        model = fit_model(train, params, seed=fold)
        for i in test_idx:
            relevance[prepared[i].page.id] = model.predict_relevance(featurize(prepared[i].html_doc))
        log.info("fold %d/%d done (%d training rows)", fold + 1, folds, len(train))
    return relevance


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-fold outputs: block relevance of every page's HTML version (``{page_id: array of
    shape (n_blocks,)}``) and, for pages asked for, the text kept when the page's true body is
    given as plain text (``{page_id: text}``)."""

    relevance: dict[str, np.ndarray]
    plain_text: dict[str, str]
    lexical: dict[str, np.ndarray] = field(default_factory=dict)
    """The lexical stage's score of every block of the same pages (out-of-fold too)."""


def cross_validate(
    prepared: Sequence[PreparedPage],
    extra_prepared: Sequence[PreparedPage] = (),
    *,
    folds: int = 5,
    params: dict[str, Any] | None = None,
    config: Config | None = None,
    plain_text: Callable[[LabeledPage], bool] | None = None,
    extra_table: pd.DataFrame | None = None,
    tables: Sequence[pd.DataFrame] | None = None,
    jobs: int = 1,
) -> CrossValidation:
    """Grouped k-fold by site: every page is scored by a model trained without any page of its
    site (``extra_prepared`` pages, e.g. seed and synthetic, join every training fold and are never
    scored). Pages for which ``plain_text(page)`` is true are also scored as plain text (their
    true body), by the same fold's model.

    ``jobs`` > 1 trains the folds in that many forked processes (Linux; elsewhere, or with one
    fold, in this process), each fit using that many threads for its independent boosting
    fits (``TwoStageClassifier(n_jobs=...)``). Each fold's model is seeded by its fold number,
    so the figures are the same for any ``jobs`` when its trees are single-threaded
    (``OMP_NUM_THREADS=1``).
    Raises RuntimeError when a forked fold fails (with the child's traceback)."""
    config = config or Config()
    tables = list(tables) if tables is not None else [page_table(p) for p in prepared]
    if extra_table is None:
        extra_table = training_table(extra_prepared) if extra_prepared else pd.DataFrame()
    sites = np.array([p.page.site for p in prepared])
    folds = min(folds, len(set(sites.tolist())))
    splits = list(GroupKFold(n_splits=folds).split(sites, groups=sites))

    def run(fold_numbers: Sequence[int]) -> CrossValidation:
        from detector.pipeline import Detector

        out = CrossValidation({}, {}, {})
        for fold in fold_numbers:
            train_idx, test_idx = splits[fold]
            train = pd.concat([tables[i] for i in train_idx] + ([extra_table] if len(extra_table) else []), ignore_index=True)
            # one rank can be left with a fold of its own while the others are done: threads
            # inside the fit keep every core busy (the fitted model does not depend on them)
            model = fit_model(train, params, seed=fold, n_jobs=max(jobs, 1))
            detector = Detector(config, model=model)
            for i in test_idx:
                page = prepared[i].page
                scores = model.predict(featurize(prepared[i].html_doc))
                out.relevance[page.id] = scores.relevance
                if scores.lexical is not None:
                    out.lexical[page.id] = scores.lexical
                if plain_text is not None and plain_text(page):
                    out.plain_text[page.id] = detector.score_text(page.truth, id=page.id + "#truth").text
            log.info("fold %d/%d done (%d training rows, %d pages scored)", fold + 1, folds, len(train), len(test_idx))
        return out

    jobs = min(jobs, len(splits))
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        parts = forked_map(run, [list(range(len(splits)))[rank::jobs] for rank in range(jobs)])
    else:
        parts = [run(range(len(splits)))]
    merged = CrossValidation({}, {}, {})
    for part in parts:
        merged.relevance.update(part.relevance)
        merged.plain_text.update(part.plain_text)
        merged.lexical.update(part.lexical)
    return merged


class Forked:
    """``fn(item)`` running in a forked process from the moment this is made; ``result()`` waits
    for it. The child inherits ``fn`` and everything it closes over (prepared pages, tables)
    without pickling them; only the result travels back, pickled through a pipe. POSIX only."""

    def __init__(self, fn: Callable[[Any], Any], item: Any = None) -> None:
        import traceback

        ctx = multiprocessing.get_context("fork")

        def child(conn: Any) -> None:
            try:
                conn.send((True, fn(item)))
            except BaseException:  # noqa: BLE001 - reported to the parent, which raises
                conn.send((False, traceback.format_exc()))
            finally:
                conn.close()

        self._receive, send = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=child, args=(send,), daemon=True)
        self._process.start()
        send.close()

    def result(self) -> Any:
        """The call's return value, once the child has finished.

        Raises
        ------
        RuntimeError
            The call raised (its traceback is in the message) or the child died without a result."""
        try:
            ok, value = self._receive.recv()  # before join: a large result would fill the pipe
        except EOFError:
            ok, value = False, "the process died without a result"
        finally:
            self._receive.close()
        self._process.join()
        if not ok:
            raise RuntimeError("a forked process failed:\n" + value)
        return value

    def stop(self) -> None:
        """End the child if it still runs (after another call failed)."""
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def forked_map(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """``[fn(item) for item in items]``, each call in its own forked process (``Forked``), all at
    once.

    Raises
    ------
    RuntimeError
        A call raised (its traceback is in the message) or a child died without a result; the
        other children are ended."""
    running = [Forked(fn, item) for item in items]
    try:
        return [r.result() for r in running]
    finally:
        for r in running:
            r.stop()


@dataclass
class FixedRelevance:
    """Stands in for a ParagraphModel when the scores are already known (out-of-fold)."""

    relevance: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)
    lexical: np.ndarray | None = None

    def predict_relevance(self, features: pd.DataFrame) -> np.ndarray:
        return self.relevance

    def predict(self, features: pd.DataFrame) -> BlockScores:
        return BlockScores(self.relevance, None, self.lexical)


def texts_from_relevance(
    prepared: Sequence[PreparedPage],
    relevance: dict[str, np.ndarray],
    config: Config | None = None,
    lexical: dict[str, np.ndarray] | None = None,
) -> dict[str, str]:
    from detector.pipeline import Detector

    out = {}
    lexical = lexical or {}
    for p in prepared:
        fixed = FixedRelevance(relevance[p.page.id], lexical=lexical.get(p.page.id))
        detector = Detector(config, model=fixed)  # type: ignore[arg-type]
        out[p.page.id] = detector.score_document(p.html_doc).text
    return out


def label_ceilings(prepared: Sequence[PreparedPage], config: Config | None = None) -> dict[str, dict[str, str]]:
    """What a perfect paragraph model could reach with these blocks: the training labels (a
    block is main content when its share of the true body is at least ``LABEL_THRESHOLD``,
    ``block_labels``) in place of the model's relevance.

    Returns ``{"labels joined": {page_id: text}, "labels + decisions": {page_id: text}}``: the
    labelled blocks of each page's HTML joined in page order (no decision layer: the ceiling of
    the extraction and its blocks), and the same labels as relevance 1 / 0 through the
    detector's decisions (``texts_from_relevance``: what the decision layer's rules cost or
    add when the model is right). A diagnostic for ``scripts/evaluate.py --oracle``; it reads
    the truth, so it is never a system's figure."""
    labels = {
        p.page.id: block_labels(p.html_doc, p.page.truth, p.page.include, p.page.exclude) >= LABEL_THRESHOLD
        for p in prepared
    }
    joined = {
        p.page.id: "\n".join(b.text for b, keep in zip(p.html_doc.blocks, labels[p.page.id]) if keep) for p in prepared
    }
    decided = texts_from_relevance(prepared, {k: v.astype(float) for k, v in labels.items()}, config)
    return {"labels joined": joined, "labels + decisions": decided}


def out_of_fold_predictions(
    eval_pages: Sequence[LabeledPage],
    *,
    extra_pages: Sequence[LabeledPage] = (),
    folds: int = 5,
    params: dict[str, Any] | None = None,
    config: Config | None = None,
) -> dict[str, str]:
    """Grouped k-fold predicted article text of every evaluation page (``{page_id: text}``):
    a page is never scored by a model that saw it."""
    config = config or Config()
    prepared = prepare_pages(eval_pages, config)
    extra_prepared = prepare_pages(extra_pages, config)
    relevance = out_of_fold_relevance(prepared, extra_prepared, folds=folds, params=params)
    return texts_from_relevance(prepared, relevance, config)


# --- sources of labelled pages --------------------------------------------------------


def aeb_pages(data_dir: Path) -> list[LabeledPage]:
    from detector.training.benchmark import load_aeb

    return [LabeledPage(p.id, p.html, p.truth, p.url or None, "aeb") for p in load_aeb(data_dir)]


def wcxb_pages(data_dir: Path, *, types: Sequence[str] | None = None) -> list[LabeledPage]:
    """WCXB pages with their main content and ``with`` / ``without`` snippets."""
    from detector.training.wcxb import load_wcxb

    return [
        LabeledPage(
            f"wcxb:{p.id}", p.html, p.truth, p.url or None, "wcxb",
            include=p.with_snippets, exclude=p.without_snippets, page_type=p.page_type,
        )
        for p in load_wcxb(data_dir, types=types)
    ]  # fmt: skip


def labeled_pages_jsonl(path: Path) -> list[LabeledPage]:
    """Labelled pages from a JSONL file, one page per line::

        {"id": "p1", "url": "https://example.com/a", "html": "<html>...</html>",
         "main_content": "First paragraph.\n\nSecond paragraph.",
         "paragraphs": [{"text": "Subscribe to our newsletter", "keep": false}],
         "with": ["snippet that must be kept"], "without": ["snippet that must go"]}

    ``html`` or ``text`` (plain scraped text; an empty ``html`` gives way to ``text``) is
    required, and ``main_content`` (the page's
    main content, paragraphs separated by blank lines, title excluded); ``id``, ``url``,
    ``paragraphs`` (per-paragraph keep/drop labels that override the overlap labels), ``with``
    and ``without`` are optional. Pages are grouped into folds by the URL's site.

    Raises
    ------
    ValueError
        One line naming the file, the line number and what is wrong (bytes that are not
        UTF-8 included), or the file alone when it holds no record.
    """
    pages = []
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            where = f"{path}:{n}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(f"{where}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{where}: not valid JSON ({exc})") from None
            if not isinstance(rec, dict):
                raise ValueError(f"{where}: expected a JSON object")
            html = rec.get("html")
            content = html if isinstance(html, str) and html.strip() else rec.get("text")
            if not isinstance(content, str) or not content.strip():
                raise ValueError(f"{where}: needs a non-empty 'html' or 'text' string")
            truth = rec.get("main_content")
            if not isinstance(truth, str):
                raise ValueError(f"{where}: needs 'main_content' (the page's main content as text)")
            labels = []
            for item in rec.get("paragraphs") or ():
                if not (isinstance(item, dict) and isinstance(item.get("text"), str) and isinstance(item.get("keep"), bool)):
                    raise ValueError(f"{where}: each of 'paragraphs' needs 'text' (string) and 'keep' (true/false)")
                labels.append((item["text"], item["keep"]))
            snippets = {}
            for key in ("with", "without"):
                value = rec.get(key) or []
                if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                    raise ValueError(f"{where}: '{key}' must be a list of strings")
                snippets[key] = tuple(value)
            url = rec.get("url")
            pages.append(
                LabeledPage(
                    id=f"{Path(path).stem}:{rec.get('id', n)}", html=content, truth=truth,
                    url=url if isinstance(url, str) else None, source=Path(path).stem,
                    include=snippets["with"], exclude=snippets["without"],
                    paragraph_labels=tuple(labels), is_text=content is not html,
                )
            )  # fmt: skip
    if not pages:
        raise ValueError(f"{path}: holds no record, so no labelled page to train on")
    return pages


def seed_pages(seeds_dir: Path) -> list[LabeledPage]:
    """The seed's two HTML pages and its text, with the hand labels as truth."""
    labels_path = seeds_dir / "migrant-crisis-labels.jsonl"
    if not labels_path.is_file():
        return []
    labels = [json.loads(line) for line in labels_path.read_text("utf-8").splitlines() if line.strip()]
    truth = "\n\n".join(r["text"] for r in labels if r["label"] == "keep" and r["kind"] != "title")
    url = "https://aiyoutuetrending.com/top-us-and-mexican-officials-meet-to-address-migrant-crisis/"
    pages = []
    for name in ("migrant-crisis-page.html", "migrant-crisis-page-inline.html"):
        path = seeds_dir / name
        if path.is_file():
            pages.append(LabeledPage(f"seed:{name}", path.read_bytes(), truth, url, "seed"))
    return pages


def seed_text_table(seeds_dir: Path, config: Config | None = None) -> pd.DataFrame:
    """The seed's scraped text with its hand labels (one row per labelled paragraph)."""
    config = config or Config()
    labels_path = seeds_dir / "migrant-crisis-labels.jsonl"
    text_path = seeds_dir / "migrant-crisis-article.txt"
    if not (labels_path.is_file() and text_path.is_file()):
        return pd.DataFrame()
    labels = [json.loads(line) for line in labels_path.read_text("utf-8").splitlines() if line.strip()]
    doc = extract(RawDoc(id="seed:text", content=text_path.read_text("utf-8"), format="text"), config)
    by_text = {r["text"]: r for r in labels}
    table = featurize(doc)
    table["label"] = [int(by_text.get(b.text, {}).get("label") == "keep") for b in doc.blocks]
    table["reason"] = [by_text.get(b.text, {}).get("reason") or "" for b in doc.blocks]
    table["weight"] = [np.sqrt(len(tokens(b.text))) + 1.0 for b in doc.blocks]
    table["group"] = "seed:text"
    table["doc"] = "seed:text"
    table["source"] = "seed"
    table.loc[[b.kind == "title" for b in doc.blocks], "weight"] = 0.0
    return table


def generated_pages(n: int = 300, seed: int = 0) -> list[LabeledPage]:
    """Synthetic pages for the classes the benchmark lacks (``detector.synthetic``)."""
    from detector.training.synthetic import generate

    return [
        LabeledPage(
            f"synthetic:{p.id}", p.html, p.body, p.url, "synthetic",
            junk_reasons=tuple((b["text"], b["reason"]) for b in p.blocks if b["label"] == "drop" and b["reason"]),
        )
        for p in generate(n, seed=seed)
    ]  # fmt: skip


def synthetic_pages(path: Path) -> list[LabeledPage]:
    """Synthetic pages saved as JSONL by ``scripts/make_synthetic.py``."""
    pages = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rec = json.loads(line)
                    page = LabeledPage(f"synthetic:{rec['id']}", rec["html"], rec["body"], rec.get("url"), "synthetic")
                except (ValueError, KeyError, TypeError) as exc:
                    raise ValueError(f"{path}:{n}: not a synthetic page record ({type(exc).__name__}: {exc})") from None
                pages.append(page)
    return pages


def environment() -> dict[str, str]:
    import trafilatura

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "trafilatura": trafilatura.__version__,
    }


def out_of_fold_figures(
    prepared: Sequence[PreparedPage], cv: CrossValidation, config: Config | None = None
) -> dict[str, dict[str, float]]:
    """Per source, the out-of-fold figures of ``cv``: AEB with its shingle metric, every other
    source with WCXB's bag-of-words F1 (mean over pages)."""
    from detector.training.benchmark import aggregate, page_counts
    from detector.training.wcxb import WcxbPage, page_score

    texts = texts_from_relevance(prepared, cv.relevance, config, cv.lexical)
    out: dict[str, dict[str, float]] = {}
    for source in sorted({p.page.source for p in prepared}):
        group = [p.page for p in prepared if p.page.source == source]
        if source == "aeb":
            s = aggregate([page_counts(texts[p.id], p.truth) for p in group])
            out[source] = {"pages": len(group), "precision": round(s.precision, 4), "recall": round(s.recall, 4),
                           "f1": round(s.f1, 4), "metric": "AEB shingle"}  # fmt: skip
        else:
            scores = [page_score(texts[p.id], WcxbPage(p.id, p.url or "", b"", p.truth, p.page_type or "", p.include, p.exclude))
                      for p in group]  # fmt: skip
            out[source] = {
                "pages": len(group),
                "precision": round(sum(x.precision for x in scores) / len(scores), 4),
                "recall": round(sum(x.recall for x in scores) / len(scores), 4),
                "f1": round(sum(x.f1 for x in scores) / len(scores), 4),
                "metric": "bag-of-words F1, mean over pages",
            }
    return out


def train_and_save(
    output: Path,
    *,
    aeb_dir: Path | None = None,
    wcxb_dir: Path | None = None,
    labeled: Sequence[Path] = (),
    seeds_dir: Path | None = None,
    synthetic: Path | None = None,
    synthetic_n: int = 0,
    params: dict[str, Any] | None = None,
    config: Config | None = None,
    folds: int = 0,
    metrics: dict[str, Any] | None = None,
    progress: Callable[[str, int], Callable[[int], None]] | None = None,
    require_labelled: bool = False,
    jobs: int = 1,
) -> dict[str, Any]:
    """Train on every labelled page given and write the model and its card.

    Sources: an AEB-style folder (``aeb_dir``), a WCXB split (``wcxb_dir``), labelled-page JSONL
    files (``labeled``, see ``labeled_pages_jsonl``), the seed, synthetic pages. With ``folds``
    >= 2 the card also gets out-of-fold figures per source (grouped by site; the seed and
    synthetic pages join every training fold). ``progress(stage, total)`` returns a callback
    taking a number of units done. ``require_labelled``: refuse to train when the labelled
    sources (AEB, WCXB, JSONL, seed) hold no page, as when a JSONL file is empty -- a model of
    synthetic pages alone is then not what was asked for. ``jobs``: forked processes for the
    out-of-fold folds (see ``cross_validate``) and threads for the final fit's independent
    boosting fits.

    Raises
    ------
    ValueError
        No training pages (or no labelled page with ``require_labelled``), a malformed
        labelled-page file, or fewer than 2 body or 2 junk paragraphs.
    """
    config = config or Config()
    pages: list[LabeledPage] = []
    if aeb_dir is not None:
        pages += aeb_pages(aeb_dir)
    if wcxb_dir is not None:
        pages += wcxb_pages(wcxb_dir)
    for path in labeled:
        pages += labeled_pages_jsonl(path)
    extra: list[LabeledPage] = []
    if seeds_dir is not None:
        extra += seed_pages(seeds_dir)
    if require_labelled and not pages and not extra:
        raise ValueError("the labelled sources given hold no labelled page (an empty --pages file, a --data or "
                         "--seeds folder without labels): nothing to train on but synthetic pages")
    if synthetic is not None:
        extra += synthetic_pages(synthetic)
    if synthetic_n:
        extra += generated_pages(synthetic_n)
    if not pages and not extra:
        raise ValueError("no training pages: give --data, --wcxb, --pages, --seeds or --synthetic")
    tick = progress("extracting pages", len(pages) + len(extra)) if progress else None
    prepared = prepare_pages(pages, config, progress=tick)
    extra_prepared = prepare_pages(extra, config, progress=tick)
    tables = [page_table(p) for p in prepared]
    extra_tables = [page_table(p) for p in extra_prepared]
    if seeds_dir is not None:
        extra_tables.append(seed_text_table(seeds_dir, config))
    extra_table = pd.concat([t for t in extra_tables if len(t)], ignore_index=True) if extra_tables else pd.DataFrame()
    body = sum(int(t["label"].sum()) for t in (*tables, extra_table) if len(t))
    junk = sum(len(t) for t in (*tables, extra_table)) - body
    if min(body, junk) < 2:  # before the folds: scikit-learn would only name its own cross-validation
        raise ValueError(f"the training pages hold {body} body and {junk} junk paragraphs: the model needs at least 2 "
                         "of each (check 'main_content' and the 'paragraphs' labels, or add --seeds or synthetic "
                         "pages)")
    figures: dict[str, Any] = dict(metrics or {})
    if folds >= 2 and len({p.page.site for p in prepared}) >= 2:
        log.info("out-of-fold figures: %d folds grouped by site", folds)
        cv = cross_validate(prepared, folds=folds, params=params, config=config, extra_table=extra_table, tables=tables,
                           jobs=jobs)
        figures["out_of_fold"] = out_of_fold_figures(prepared, cv, config)
    elif folds >= 2:
        log.warning("no out-of-fold figures: they need labelled pages (AEB, WCXB or JSONL) from at least 2 sites, "
                    "and %d site(s) were given (the seed and synthetic pages only join training)",
                    len({p.page.site for p in prepared}))  # fmt: skip
    table = pd.concat([*tables, extra_table], ignore_index=True)
    log.info("fitting the final model on %d rows", len(table))
    if progress:
        progress("fitting the model", 1)
    model = fit_model(table, params, n_jobs=jobs)
    if progress:
        progress("fitting the model", 1)(1)
    sources: dict[str, int] = {}
    for p in (*prepared, *extra_prepared):
        sources[p.page.source] = sources.get(p.page.source, 0) + 1
    card = {
        "version": output.stem,
        "trained_on": {
            "pages_by_source": {str(k): int(v) for k, v in sources.items()},
            "rows": int(len(table)),
            "positive_share": round(float(table["label"].mean()), 4),
            "label": f"block token-trigram share inside the true main content >= {LABEL_THRESHOLD}; "
            "a block holding a must-include / must-exclude snippet is body / junk whatever the share",
        },
        "params": {**DEFAULT_PARAMS, **(params or {})},
        "structure": {
            "lexical": "HashingVectorizer (word 1-2-grams, character bigrams of unspaced scripts; first 300 chars) -> "
            "SGDClassifier(log_loss); out-of-fold scores (3 grouped folds) feed the trees; a multi-class SGD on "
            "the same terms names drop reasons",
            "stage1": "CalibratedClassifierCV(HistGradientBoostingClassifier, isotonic, cv=2, ensemble=False) on the features",
            "stage2": "HistGradientBoostingClassifier on the features + the context of stage-1 scores "
            f"(detector.context; stage-1 scores from {TwoStageClassifier().inner_folds} grouped inner folds)",
            "combination": f"relevance = min(stage1, stage2) for blocks under {TwoStageClassifier().short_tokens} tokens, "
            "else stage1",
            "context_features": list(CONTEXT_COLUMNS),
        },
        "environment": environment(),
        "metrics": figures,
    }
    model.save(output, card)
    # the trees compiled for onnxruntime beside the joblib, their SHA-256 in the card
    return model.save_compiled(output)
