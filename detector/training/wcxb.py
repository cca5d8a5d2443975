"""WCXB (Web Content Extraction Benchmark, CC-BY-4.0, Murrough Foley 2026): loading and metric.

The dev split (``../shared/data/wcxb-dev``) holds pages of 2025 of seven types (article,
forum, product, collection, listing, documentation, service). Per page: ``html/<id>.html.gz``
and ``ground-truth/<id>.json`` with ``main_content`` (plain text, blank-line paragraphs, title
excluded), ``with`` (snippets a correct extraction must include) and ``without`` (boilerplate
snippets it must exclude).

The metric is the benchmark's own (``../shared/data/README.md``):

- tokens are lower-cased ``\\w+`` runs; per page the bag-of-words overlap gives
  precision = overlap / predicted tokens and recall = overlap / true tokens, F1 from the two;
  an empty truth scores 1 when the output is empty too, else 0; an empty output scores 0;
- precision, recall and F1 are each the mean over pages (F1 is not recomputed from the means);
- snippets: the share of ``with`` snippets found and of ``without`` snippets present
  (case-insensitive substring), averaged over pages that have any.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"\w+")
PAGE_TYPES = ("article", "forum", "product", "collection", "listing", "documentation", "service")


@dataclass(frozen=True)
class WcxbPage:
    """One WCXB page: undecoded HTML, its main content and the snippet lists."""

    id: str
    url: str
    html: bytes
    truth: str
    page_type: str
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()


def load_wcxb(data_dir: Path | str, *, types: Sequence[str] | None = None) -> list[WcxbPage]:
    """Read every page of a WCXB split, sorted by id; ``types`` keeps only those page types.

    A page whose files are missing or unreadable is skipped with a warning.

    Raises
    ------
    ValueError
        ``data_dir`` has no ``ground-truth/`` folder.
    """
    data_dir = Path(data_dir)
    truth_dir = data_dir / "ground-truth"
    if not truth_dir.is_dir():
        raise ValueError(f"{data_dir}: no ground-truth/ folder (is this a WCXB split?)")
    pages: list[WcxbPage] = []
    for path in sorted(truth_dir.glob("*.json")):
        page_id = path.stem
        try:
            record = json.loads(path.read_text("utf-8"))
            gt = record["ground_truth"]
            page_type = str(record.get("_internal", {}).get("page_type", {}).get("primary") or "unknown")
            html = gzip.decompress((data_dir / "html" / f"{page_id}.html.gz").read_bytes())
            pages.append(
                WcxbPage(
                    id=page_id,
                    url=str(record.get("url") or ""),
                    html=html,
                    truth=str(gt.get("main_content") or ""),
                    page_type=page_type,
                    with_snippets=tuple(s for s in gt.get("with") or () if isinstance(s, str) and s.strip()),
                    without_snippets=tuple(s for s in gt.get("without") or () if isinstance(s, str) and s.strip()),
                )
            )
        except (OSError, EOFError, ValueError, KeyError, TypeError, gzip.BadGzipFile) as exc:
            log.warning("skipping WCXB page %s: %s", page_id, exc)
    if types:
        wanted = set(types)
        pages = [p for p in pages if p.page_type in wanted]
    return pages


def site_of(url: str | None) -> str:
    """The site a URL belongs to, for grouping folds: its host without ``www.``, reduced to
    the last two labels (three where the second-level label is a short public suffix such as
    ``co.uk`` or ``com.br``). An empty string when the URL has no host."""
    host = (urlsplit(url or "").hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    labels = host.split(".")
    if len(labels) <= 2:
        return host
    keep = 3 if len(labels[-2]) <= 3 and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


# --- metric ----------------------------------------------------------------------


def bag_of_words(text: str) -> Counter[str]:
    return Counter(t.lower() for t in _TOKEN.findall(text or ""))


@dataclass(frozen=True)
class BowScore:
    """One page's bag-of-words precision, recall, F1 and snippet shares (None: no snippets)."""

    precision: float
    recall: float
    f1: float
    with_found: float | None
    without_leaked: float | None


def page_score(predicted: str, page: WcxbPage) -> BowScore:
    pred = bag_of_words(predicted)
    true = bag_of_words(page.truth)
    n_pred, n_true = sum(pred.values()), sum(true.values())
    if n_true == 0:
        p = r = f = 1.0 if n_pred == 0 else 0.0
    elif n_pred == 0:
        p = r = f = 0.0
    else:
        overlap = sum((pred & true).values())
        p, r = overlap / n_pred, overlap / n_true
        f = 2 * p * r / (p + r) if p + r else 0.0
    low = (predicted or "").lower()
    found = (
        sum(s.lower() in low for s in page.with_snippets) / len(page.with_snippets) if page.with_snippets else None
    )
    leaked = (
        sum(s.lower() in low for s in page.without_snippets) / len(page.without_snippets)
        if page.without_snippets
        else None
    )
    return BowScore(p, r, f, found, leaked)


@dataclass(frozen=True)
class WcxbScores:
    """Mean page figures of one system, overall and per page type."""

    name: str
    pages: int
    precision: float
    recall: float
    f1: float
    with_found: float
    without_leaked: float
    by_type: dict[str, "WcxbScores"] = field(default_factory=dict)
    per_page: dict[str, BowScore] = field(default_factory=dict)

    def to_dict(self, per_page: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "pages": self.pages,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "with_found": round(self.with_found, 4),
            "without_leaked": round(self.without_leaked, 4),
        }
        if self.by_type:
            out["by_type"] = {k: v.to_dict() for k, v in self.by_type.items()}
        if per_page:
            out["per_page"] = {k: {"precision": round(v.precision, 4), "recall": round(v.recall, 4),
                                   "f1": round(v.f1, 4)} for k, v in self.per_page.items()}
        return out


def _mean(values: Sequence[float | None]) -> float:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else 0.0


def _summary(name: str, scores: Sequence[BowScore]) -> WcxbScores:
    return WcxbScores(
        name=name,
        pages=len(scores),
        precision=_mean([s.precision for s in scores]),
        recall=_mean([s.recall for s in scores]),
        f1=_mean([s.f1 for s in scores]),
        with_found=_mean([s.with_found for s in scores]),
        without_leaked=_mean([s.without_leaked for s in scores]),
    )


def score_wcxb(name: str, predictions: Mapping[str, str], pages: Sequence[WcxbPage]) -> WcxbScores:
    """Score ``{page_id: predicted text}`` (a missing page counts as empty output)."""
    per_page = {p.id: page_score(predictions.get(p.id) or "", p) for p in pages}
    overall = _summary(name, list(per_page.values()))
    by_type = {}
    for t in [*PAGE_TYPES, *sorted({p.page_type for p in pages} - set(PAGE_TYPES))]:
        scores = [per_page[p.id] for p in pages if p.page_type == t]
        if scores:
            by_type[t] = _summary(name, scores)
    return WcxbScores(**{**overall.__dict__, "by_type": by_type, "per_page": per_page})


def format_wcxb_table(systems: Sequence[WcxbScores]) -> str:
    """Markdown: overall row per system, then F1 per page type."""
    lines = [
        "| system | pages | precision | recall | F1 | with found | without leaked |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in systems:
        lines.append(
            f"| {s.name} | {s.pages} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} | "
            f"{s.with_found:.3f} | {s.without_leaked:.3f} |"
        )
    types = [t for t in PAGE_TYPES if any(t in s.by_type for s in systems)]
    if types:
        lines += ["", "| system | " + " | ".join(f"{t} F1" for t in types) + " |",
                  "|---|" + "---|" * len(types)]
        for s in systems:
            cells = [f"{s.by_type[t].f1:.3f}" if t in s.by_type else "-" for t in types]
            lines.append(f"| {s.name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
