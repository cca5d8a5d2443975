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
import platform
import zlib
from collections.abc import Iterable, Sequence
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
from detector.model import DEFAULT_PARAMS, KEY_COLUMNS, ParagraphModel, TwoStageClassifier, build_pipeline

log = logging.getLogger(__name__)

LABEL_THRESHOLD = 0.5
# The two plain-text versions of each page weigh less than its HTML: they teach text mode,
# but at full weight they pulled the shared trees away from HTML (out-of-fold AEB F1 0.965
# at 1.0, 0.968 at 0.3).
TEXT_WEIGHT = 0.3


@dataclass(frozen=True)
class LabeledPage:
    """A page with its true article body (paragraphs, without the headline)."""

    id: str
    html: bytes | str
    truth: str
    url: str | None = None
    source: str = "aeb"


@dataclass(frozen=True)
class PreparedPage:
    page: LabeledPage
    html_doc: Document
    text_doc: Document
    clean_doc: Document


def block_labels(doc: Document, truth: str) -> np.ndarray:
    """Share of each block's token trigrams that occur in ``truth`` (0..1)."""
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
    paragraphs) with a few of the page's own junk lines before and after it, as a scraper that
    mostly worked leaves it. Teaches the model short texts in text mode, junk and all."""
    salt = zlib.crc32(page.id.encode("utf-8"))
    paragraphs = [p for p in page.truth.split("\n") if p.strip()]
    if salt % 3 == 0:
        paragraphs = paragraphs[:2]
    share = block_labels(html_doc, page.truth)
    junk = [b.text for b, s in zip(html_doc.blocks, share) if s < 0.2 and b.kind != "title" and len(b.text) < 300]
    picked = [junk[(salt >> k) % len(junk)] for k in (0, 5, 11)] if junk else []
    chunks = picked[:1] + paragraphs + picked[1:]
    return extract(RawDoc(id=page.id + "#clean", content="\n\n".join(chunks), format="text"), config)


def prepare_pages(pages: Iterable[LabeledPage], config: Config | None = None) -> list[PreparedPage]:
    config = config or Config()
    prepared = []
    for page in pages:
        html_doc = extract(RawDoc(id=page.id, content=page.html, url=page.url, format="html"), config)
        prepared.append(
            PreparedPage(page, html_doc, text_version(html_doc, config), clean_version(page, html_doc, config))
        )
    return prepared


def page_table(prepared: PreparedPage) -> pd.DataFrame:
    """Feature rows of both versions of a page, with ``label``, ``weight`` and ``group``."""
    frames = []
    for doc in (prepared.html_doc, prepared.text_doc, prepared.clean_doc):
        if not doc.blocks:
            continue
        table = featurize(doc)
        share = block_labels(doc, prepared.page.truth)
        table["label"] = (share >= LABEL_THRESHOLD).astype(int)
        n_tokens = np.array([len(tokens(b.text)) for b in doc.blocks], dtype=float)
        table["weight"] = (np.sqrt(n_tokens) + 1.0) * (1.0 if doc is prepared.html_doc else TEXT_WEIGHT)
        table["group"] = prepared.page.id
        table["doc"] = doc.id
        table["source"] = prepared.page.source
        # the headline is the title field, not body text: it teaches nothing about relevance,
        # but it stays in the table (weight 0) as part of its document's context
        table.loc[[b.kind == "title" for b in doc.blocks], "weight"] = 0.0
        frames.append(table)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def training_table(prepared: Sequence[PreparedPage]) -> pd.DataFrame:
    return pd.concat([page_table(p) for p in prepared], ignore_index=True)


def fit_model(table: pd.DataFrame, params: dict[str, Any] | None = None, *, seed: int = 0) -> ParagraphModel:
    pipeline = build_pipeline(params, seed=seed)
    pipeline.fit(
        table.loc[:, [*FEATURE_COLUMNS, *KEY_COLUMNS]],
        table["label"].to_numpy(),
        classifier__sample_weight=table["weight"].to_numpy(),
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
    scored by a model trained without it. ``extra_prepared`` (seed, synthetic) pages join every
    fold's training set and are never scored."""
    tables = [page_table(p) for p in prepared]
    extra_table = training_table(extra_prepared) if extra_prepared else pd.DataFrame()
    ids = np.array([p.page.id for p in prepared])
    relevance: dict[str, np.ndarray] = {}
    for fold, (train_idx, test_idx) in enumerate(GroupKFold(n_splits=folds).split(ids, groups=ids)):
        train = pd.concat([tables[i] for i in train_idx] + ([extra_table] if len(extra_table) else []), ignore_index=True)
        model = fit_model(train, params, seed=fold)
        for i in test_idx:
            relevance[prepared[i].page.id] = model.predict_relevance(featurize(prepared[i].html_doc))
        log.info("fold %d/%d done (%d training rows)", fold + 1, folds, len(train))
    return relevance


@dataclass
class FixedRelevance:
    """Stands in for a ParagraphModel when the relevance is already known (out-of-fold)."""

    relevance: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    def predict_relevance(self, features: pd.DataFrame) -> np.ndarray:
        return self.relevance


def texts_from_relevance(
    prepared: Sequence[PreparedPage], relevance: dict[str, np.ndarray], config: Config | None = None
) -> dict[str, str]:
    from detector.pipeline import Detector

    out = {}
    for p in prepared:
        detector = Detector(config, model=FixedRelevance(relevance[p.page.id]))  # type: ignore[arg-type]
        out[p.page.id] = detector.score_document(p.html_doc).text
    return out


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
    table["weight"] = [np.sqrt(len(tokens(b.text))) + 1.0 for b in doc.blocks]
    table["group"] = "seed:text"
    table["doc"] = "seed:text"
    table["source"] = "seed"
    table.loc[[b.kind == "title" for b in doc.blocks], "weight"] = 0.0
    return table


def generated_pages(n: int = 300, seed: int = 0) -> list[LabeledPage]:
    """Synthetic pages for the classes the benchmark lacks (``detector.synthetic``)."""
    from detector.training.synthetic import generate

    return [LabeledPage(f"synthetic:{p.id}", p.html, p.body, p.url, "synthetic") for p in generate(n, seed=seed)]


def synthetic_pages(path: Path) -> list[LabeledPage]:
    """Synthetic pages saved as JSONL by ``scripts/make_synthetic.py``."""
    pages = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                pages.append(LabeledPage(f"synthetic:{rec['id']}", rec["html"], rec["body"], rec.get("url"), "synthetic"))
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


def train_and_save(
    output: Path,
    *,
    aeb_dir: Path | None,
    seeds_dir: Path | None,
    synthetic: Path | None = None,
    synthetic_n: int = 0,
    params: dict[str, Any] | None = None,
    config: Config | None = None,
    metrics: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train on every labelled page available and write the model and its card."""
    config = config or Config()
    pages: list[LabeledPage] = []
    if aeb_dir is not None:
        pages += aeb_pages(aeb_dir)
    if seeds_dir is not None:
        pages += seed_pages(seeds_dir)
    if synthetic is not None:
        pages += synthetic_pages(synthetic)
    if synthetic_n:
        pages += generated_pages(synthetic_n)
    if not pages:
        raise ValueError("no training pages: give --data, --seeds or --synthetic")
    prepared = prepare_pages(pages, config)
    tables = [training_table(prepared)]
    if seeds_dir is not None:
        tables.append(seed_text_table(seeds_dir, config))
    table = pd.concat(tables, ignore_index=True)
    model = fit_model(table, params)
    sources = table.groupby("source")["group"].nunique().to_dict()
    card = {
        "version": output.stem,
        "trained_on": {
            "pages_by_source": {str(k): int(v) for k, v in sources.items()},
            "rows": int(len(table)),
            "positive_share": round(float(table["label"].mean()), 4),
            "label": f"block token-trigram share inside the true body >= {LABEL_THRESHOLD}",
        },
        "params": {**DEFAULT_PARAMS, **(params or {})},
        "structure": {
            "stage1": "CalibratedClassifierCV(HistGradientBoostingClassifier, isotonic, cv=2) on the features",
            "stage2": "HistGradientBoostingClassifier on the features + the context of stage-1 scores "
            f"(detector.context; stage-1 scores from {TwoStageClassifier().inner_folds} grouped inner folds)",
            "combination": f"relevance = min(stage1, stage2) for blocks under {TwoStageClassifier().short_tokens} tokens, "
            "else stage1",
            "context_features": list(CONTEXT_COLUMNS),
        },
        "environment": environment(),
        "metrics": metrics or {},
    }
    model.save(output, card)
    # the trees compiled for onnxruntime beside the joblib, their SHA-256 in the card
    return model.save_compiled(output)
