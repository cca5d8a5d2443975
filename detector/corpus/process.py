"""One document of a batch -> one ``Outcome``: an output row, a reject, or an error. Never raises
for a bad document.

The per-document time budget (``CleanOptions.doc_timeout``) is enforced here, with ``SIGALRM``
when running in a process's main thread (the local engine's workers, ``--workers 1``): the
document is interrupted as soon as control returns to Python. In other threads (e.g. Dask's
thread workers) signals are not available, and a document that took longer than its budget is
recorded as a timeout error after the fact.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from detector.corpus.options import CleanOptions
from detector.corpus.readers import ReadError
from detector.document import Document, RawDoc, Result
from detector.quality import verdict

if TYPE_CHECKING:
    from detector.config import Config
    from detector.corpus.templates import TemplateIndex
    from detector.pipeline import Detector

__all__ = [
    "DocTimeout",
    "Outcome",
    "error_outcome",
    "process_document",
    "result_outcome",
    "score_extracted",
    "time_budget",
]

OutcomeKind = Literal["output", "reject", "error"]


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    record: dict[str, Any]


class DocTimeout(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"time budget of {seconds:g}s exceeded")
        self.seconds = seconds


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise ``DocTimeout`` inside the block once ``seconds`` have passed."""
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        start = time.perf_counter()
        yield
        if time.perf_counter() - start > seconds:
            raise DocTimeout(seconds)
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise DocTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def describe(exc: BaseException) -> str:
    if isinstance(exc, DocTimeout):
        return f"timeout: {exc}"
    return f"{type(exc).__name__}: {exc}"


def error_outcome(doc_id: str, source: str, error: str) -> Outcome:
    return Outcome("error", {"id": doc_id, "source": source, "error": error})


def reject_reasons(result: Result, threshold: float, config: Config | None = None) -> list[str]:
    """Why a document is not written to the output (empty when it is): ``quality.verdict``."""
    v = verdict(result, config, threshold)
    return [] if v.keep else list(v.reasons)


def result_outcome(result: Result, config: Config, options: CleanOptions) -> Outcome:
    """An output row, or (with ``min_quality`` / ``keep_only``) a reject with its reasons."""
    record = result.to_dict(details=options.details)
    if not options.filtering:
        return Outcome("output", record)
    threshold = options.min_quality if options.min_quality is not None else config.min_quality
    reasons = reject_reasons(result, threshold, config)
    if not reasons:
        return Outcome("output", record)
    record["reasons"] = reasons
    return Outcome("reject", record)


def score_extracted(
    detector: Detector,
    doc: Document,
    *,
    templates: TemplateIndex | None,
    options: CleanOptions,
    source: str,
    budget: float | None = None,
) -> Outcome:
    """Score an already extracted document (pass 2 of the local engine). ``budget`` is what is
    left of the document's time budget (default: all of it)."""
    budget = options.doc_timeout if budget is None else budget
    try:
        with time_budget(budget):
            fps = templates.for_site(doc.site) if templates is not None else frozenset()
            result = detector.score_document(doc, template_fingerprints=fps)
    except Exception as exc:  # noqa: BLE001 - a bad document must never stop the batch
        return error_outcome(doc.id, source, describe(exc))
    return result_outcome(result, detector.config, options)


def process_document(
    detector: Detector,
    raw: RawDoc | ReadError,
    *,
    templates: TemplateIndex | None = None,
    options: CleanOptions = CleanOptions(),
    source: str | None = None,
) -> Outcome:
    """Extract and score one document. ``source`` names the input it came from in error records
    (default: its URL or id)."""
    if isinstance(raw, ReadError):
        return error_outcome(raw.id, raw.source, raw.error)
    src = source or raw.url or raw.id
    try:
        with time_budget(options.doc_timeout):
            doc = detector.extract(raw)
            fps = templates.for_site(doc.site) if templates is not None else frozenset()
            result = detector.score_document(doc, template_fingerprints=fps)
    except Exception as exc:  # noqa: BLE001 - a bad document must never stop the batch
        return error_outcome(raw.id, src, describe(exc))
    return result_outcome(result, detector.config, options)


# --- counting outcomes -------------------------------------------------------------------------

HISTOGRAM_BINS = 10


@dataclass
class Tally:
    """Counts over outcomes; shards are tallied separately and merged (sums, so order-free)."""

    documents: int = 0
    output: int = 0
    rejected: int = 0
    errors: int = 0
    kept: int = 0
    """Scored documents whose ``quality.keep`` is true."""
    dropped: int = 0
    """Scored documents whose ``quality.keep`` is false."""
    dropped_paragraphs: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    reject_reasons: dict[str, int] = field(default_factory=dict)
    error_kinds: dict[str, int] = field(default_factory=dict)
    histogram: list[int] = field(default_factory=lambda: [0] * HISTOGRAM_BINS)

    def add(self, outcome: Outcome) -> None:
        self.documents += 1
        rec = outcome.record
        if outcome.kind == "error":
            self.errors += 1
            kind = str(rec.get("error", "")).split(":", 1)[0] or "error"
            _bump(self.error_kinds, kind)
            return
        if outcome.kind == "reject":
            self.rejected += 1
            for reason in rec.get("reasons", ()):
                _bump(self.reject_reasons, reason)
        else:
            self.output += 1
        quality = rec.get("quality", {})
        if quality.get("keep"):
            self.kept += 1
        else:
            self.dropped += 1
        for flag in quality.get("flags", ()):
            _bump(self.flags, flag)
        score = float(quality.get("score", 0.0))
        self.histogram[min(HISTOGRAM_BINS - 1, max(0, int(score * HISTOGRAM_BINS)))] += 1
        by_reason = rec.get("stats", {}).get("dropped_by_reason", {})
        for reason, n in by_reason.items():
            if n:
                _bump(self.dropped_paragraphs, reason, int(n))

    def merge(self, other: Tally) -> Tally:
        for name in ("documents", "output", "rejected", "errors", "kept", "dropped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("dropped_paragraphs", "flags", "reject_reasons", "error_kinds"):
            mine = getattr(self, name)
            for key, n in getattr(other, name).items():
                _bump(mine, key, n)
        self.histogram = [a + b for a, b in zip(self.histogram, other.histogram)]
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "output": self.output,
            "rejected": self.rejected,
            "errors": self.errors,
            "kept": self.kept,
            "dropped": self.dropped,
            "dropped_paragraphs": dict(sorted(self.dropped_paragraphs.items())),
            "flags": dict(sorted(self.flags.items())),
            "reject_reasons": dict(sorted(self.reject_reasons.items())),
            "error_kinds": dict(sorted(self.error_kinds.items())),
            "histogram": list(self.histogram),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tally:
        return cls(**{k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
                      for k, v in data.items()})


def _bump(counts: dict[str, int], key: str, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


@dataclass(frozen=True)
class CleanSummary:
    """What a batch run did; ``to_dict()`` is written to ``OUTPUT.stats.json``."""

    output: str
    documents: int
    written: int
    rejected: int
    errors: int
    kept: int
    dropped: int
    dropped_paragraphs: dict[str, int]
    flags: dict[str, int]
    reject_reasons: dict[str, int]
    error_kinds: dict[str, int]
    quality_histogram: tuple[int, ...]
    elapsed: float
    docs_per_second: float
    workers: int
    engine: str = "local"
    shards: int = 0
    resumed_shards: int = 0
    template_sites: int = 0
    template_paragraphs: int = 0
    rejects_path: str | None = None
    errors_path: str | None = None

    @classmethod
    def from_tally(cls, tally: Tally, **kw: Any) -> CleanSummary:
        return cls(
            documents=tally.documents,
            written=tally.output,
            rejected=tally.rejected,
            errors=tally.errors,
            kept=tally.kept,
            dropped=tally.dropped,
            dropped_paragraphs=dict(sorted(tally.dropped_paragraphs.items())),
            flags=dict(sorted(tally.flags.items())),
            reject_reasons=dict(sorted(tally.reject_reasons.items())),
            error_kinds=dict(sorted(tally.error_kinds.items())),
            quality_histogram=tuple(tally.histogram),
            **kw,
        )

    def to_dict(self) -> dict[str, Any]:
        edges = [round(i / HISTOGRAM_BINS, 2) for i in range(HISTOGRAM_BINS + 1)]
        return {
            "output": self.output,
            "documents": self.documents,
            "outcomes": {"output": self.written, "rejected": self.rejected, "errors": self.errors},
            "quality_keep": {"kept": self.kept, "dropped": self.dropped},
            "dropped_paragraphs_by_reason": self.dropped_paragraphs,
            "flags": self.flags,
            "reject_reasons": self.reject_reasons,
            "error_kinds": self.error_kinds,
            "quality_histogram": [
                {"from": edges[i], "to": edges[i + 1], "count": n} for i, n in enumerate(self.quality_histogram)
            ],
            "elapsed_seconds": round(self.elapsed, 3),
            "docs_per_second": round(self.docs_per_second, 2),
            "workers": self.workers,
            "engine": self.engine,
            "shards": self.shards,
            "resumed_shards": self.resumed_shards,
            "templates": {"sites": self.template_sites, "paragraphs": self.template_paragraphs},
            "rejects_path": self.rejects_path,
            "errors_path": self.errors_path,
        }

    def format(self) -> str:
        """A human summary for the terminal."""
        lines = [
            f"{self.documents} documents in {self.elapsed:.1f}s ({self.docs_per_second:.1f} docs/s, "
            f"{self.workers} worker{'s' if self.workers != 1 else ''})",
            f"  written {self.written} -> {self.output}",
        ]
        if self.rejects_path:
            lines.append(f"  rejected {self.rejected} -> {self.rejects_path}")
        lines.append(f"  errors {self.errors} -> {self.errors_path}")
        lines.append(f"  quality.keep: {self.kept} kept, {self.dropped} dropped")
        if self.reject_reasons:
            lines.append("  reject reasons: " + ", ".join(f"{k} {v}" for k, v in self.reject_reasons.items()))
        if self.error_kinds:
            lines.append("  errors by kind: " + ", ".join(f"{k} {v}" for k, v in self.error_kinds.items()))
        if self.dropped_paragraphs:
            lines.append(
                "  dropped paragraphs: " + ", ".join(f"{k} {v}" for k, v in self.dropped_paragraphs.items())
            )
        if self.template_sites:
            lines.append(f"  site templates: {self.template_paragraphs} paragraphs on {self.template_sites} sites")
        peak = max(self.quality_histogram) if self.quality_histogram else 0
        lines.append("  quality histogram:")
        for i, n in enumerate(self.quality_histogram):
            bar = "#" * (round(30 * n / peak) if peak else 0)
            lines.append(f"    {i / HISTOGRAM_BINS:.1f}-{(i + 1) / HISTOGRAM_BINS:.1f} {n:>7} {bar}")
        if self.resumed_shards:
            lines.append(f"  resumed: {self.resumed_shards} of {self.shards} shards were already done")
        return "\n".join(lines)
