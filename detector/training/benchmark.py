"""The article-extraction benchmark (AEB): loading, the metric, baselines and timed runs.

The metric is the one of the benchmark's README (../shared/data/README.md):

- tokens are ``\\w+`` runs (Unicode, case kept);
- shingles are overlapping 4-grams of tokens; a text of 1-3 tokens is one shingle, an
  empty text has none;
- predicted and true shingles are matched as multisets, giving TP, FP, FN per page;
- page precision = TP/(TP+FP), averaged only over pages with a non-empty prediction;
  page recall = TP/(TP+FN), averaged over all pages; F1 = harmonic mean of the two means;
- accuracy = share of pages whose token sequence equals the truth's exactly.

This module does no training: the detector's out-of-fold predictions come from
``detector.training`` and are scored here with :func:`score_predictions`.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

SHINGLE_SIZE = 4
_TOKEN = re.compile(r"\w+")

Extractor = Callable[[bytes, "str | None"], str]


# --- data --------------------------------------------------------------------------


@dataclass(frozen=True)
class AebPage:
    """One benchmark page: the fetched HTML (undecoded bytes) and the hand-marked body."""

    id: str
    url: str
    html: bytes
    truth: str


def load_aeb(data_dir: Path | str) -> list[AebPage]:
    """Read ``html/<id>.html.gz`` and ``ground-truth.json`` from ``data_dir``, sorted by id.

    A page whose HTML is missing or unreadable is skipped with a warning, so one broken
    file does not take the benchmark down. A missing or corrupt ``ground-truth.json``
    raises (there is nothing to evaluate without it).
    """
    data_dir = Path(data_dir)
    truth_path = data_dir / "ground-truth.json"
    try:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{truth_path}: cannot read the benchmark ground truth: {exc}") from exc
    if not isinstance(truth, dict):
        raise ValueError(f"{truth_path}: expected an object {{id: {{articleBody, url}}}}")

    pages: list[AebPage] = []
    for page_id in sorted(truth):
        entry = truth[page_id]
        path = data_dir / "html" / f"{page_id}.html.gz"
        try:
            body = entry["articleBody"]
            if not isinstance(body, str):
                raise ValueError("articleBody is not a string")
            html = gzip.decompress(path.read_bytes())
        except (OSError, EOFError, ValueError, KeyError, TypeError, gzip.BadGzipFile) as exc:
            log.warning("skipping AEB page %s: %s", page_id, exc)
            continue
        pages.append(AebPage(id=page_id, url=str(entry.get("url") or ""), html=html, truth=body))
    return pages


# --- metric ------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(tokens: Sequence[str], n: int = SHINGLE_SIZE) -> Counter[tuple[str, ...]]:
    """Overlapping n-grams as a multiset; 1..n-1 tokens make one shingle, none make none."""
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class PageCounts:
    tp: int
    fp: int
    fn: int
    exact: bool
    empty_prediction: bool

    @property
    def precision(self) -> float | None:
        """None for an empty prediction (excluded from the precision mean)."""
        if self.empty_prediction or self.tp + self.fp == 0:
            return None
        return self.tp / (self.tp + self.fp)

    @property
    def recall(self) -> float:
        # A page whose truth has no tokens has nothing to miss (does not occur in AEB).
        if self.tp + self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn)


def page_counts(predicted: str, truth: str) -> PageCounts:
    """Multiset shingle matching of one page's prediction against its truth."""
    pred_tokens = tokenize(predicted)
    true_tokens = tokenize(truth)
    pred = shingles(pred_tokens)
    true = shingles(true_tokens)
    tp = sum((pred & true).values())
    return PageCounts(
        tp=tp,
        fp=sum(pred.values()) - tp,
        fn=sum(true.values()) - tp,
        exact=pred_tokens == true_tokens,
        empty_prediction=not pred_tokens,
    )


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    accuracy: float


def aggregate(counts: Sequence[PageCounts]) -> Scores:
    """Macro-average page precision (non-empty predictions only) and recall (all pages)."""
    if not counts:
        return Scores(0.0, 0.0, 0.0, 0.0)
    precisions = [p for p in (c.precision for c in counts) if p is not None]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(c.recall for c in counts) / len(counts)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    accuracy = sum(c.exact for c in counts) / len(counts)
    return Scores(precision=precision, recall=recall, f1=f1, accuracy=accuracy)


# --- systems -----------------------------------------------------------------------


def trafilatura_default(html: bytes, url: str | None = None) -> str:
    """trafilatura's default extraction, comments excluded (as in the benchmark table)."""
    import trafilatura

    return trafilatura.extract(html, url=url, include_comments=False) or ""


def trafilatura_precision(html: bytes, url: str | None = None) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, include_comments=False, favor_precision=True) or ""


@dataclass(frozen=True)
class PageScore:
    id: str
    counts: PageCounts
    seconds: float
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        c = self.counts
        return {
            "id": self.id,
            "tp": c.tp,
            "fp": c.fp,
            "fn": c.fn,
            "precision": None if c.precision is None else round(c.precision, 4),
            "recall": round(c.recall, 4),
            "exact": c.exact,
            "seconds": round(self.seconds, 5),
            "error": self.error,
        }


@dataclass(frozen=True)
class SystemScores:
    name: str
    precision: float
    recall: float
    f1: float
    accuracy: float
    pages_per_s: float | None
    per_page: list[PageScore]

    def to_dict(self, per_page: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "accuracy": round(self.accuracy, 4),
            "pages_per_s": None if self.pages_per_s is None else round(self.pages_per_s, 2),
        }
        if per_page:
            out["per_page"] = [p.to_dict() for p in self.per_page]
        return out


def _system_scores(name: str, per_page: list[PageScore], seconds: float | None) -> SystemScores:
    s = aggregate([p.counts for p in per_page])
    speed = len(per_page) / seconds if seconds and per_page else None
    return SystemScores(name, s.precision, s.recall, s.f1, s.accuracy, speed, per_page)


def run_system(
    name: str, fn: Extractor, pages: Sequence[AebPage], *, warmup: bool = True
) -> SystemScores:
    """Run ``fn(html, url) -> text`` on every page, timing only the calls.

    With ``warmup`` one untimed call on the first page comes first, so lazy imports and
    caches do not count against whichever system happens to run first.
    A call that raises counts as an empty prediction for that page (recorded in
    ``per_page[i].error``); the run goes on.
    """
    if warmup and pages:
        try:
            fn(pages[0].html, pages[0].url or None)
        except Exception:  # reported by the timed call below
            pass
    per_page: list[PageScore] = []
    total = 0.0
    for page in pages:
        error = None
        start = time.perf_counter()
        try:
            predicted = fn(page.html, page.url or None) or ""
        except Exception as exc:  # a broken page must not stop the benchmark
            predicted, error = "", f"{type(exc).__name__}: {exc}"
            log.warning("%s failed on %s: %s", name, page.id, error)
        elapsed = time.perf_counter() - start
        total += elapsed
        per_page.append(PageScore(page.id, page_counts(predicted, page.truth), elapsed, error))
    return _system_scores(name, per_page, total)


def score_predictions(
    name: str,
    predictions: Mapping[str, str],
    pages: Sequence[AebPage],
    *,
    pages_per_s: float | None = None,
) -> SystemScores:
    """Score precomputed predictions (e.g. out-of-fold ones); a missing page counts as empty."""
    per_page = []
    for page in pages:
        predicted = predictions.get(page.id)
        error = None if predicted is not None else "no prediction"
        per_page.append(PageScore(page.id, page_counts(predicted or "", page.truth), 0.0, error))
    scores = _system_scores(name, per_page, None)
    return SystemScores(
        name, scores.precision, scores.recall, scores.f1, scores.accuracy, pages_per_s, per_page
    )


def format_table(systems: Sequence[SystemScores]) -> str:
    """A Markdown table: system, precision, recall, F1, accuracy, pages/s."""
    lines = [
        "| system | precision | recall | F1 | accuracy | pages/s |",
        "|---|---|---|---|---|---|",
    ]
    for s in systems:
        speed = "-" if s.pages_per_s is None else f"{s.pages_per_s:.1f}"
        lines.append(
            f"| {s.name} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | {s.accuracy:.3f} | {speed} |"
        )
    return "\n".join(lines)
