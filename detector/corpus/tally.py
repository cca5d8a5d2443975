"""Counting outcomes: ``Tally`` per shard (sums, so shards merge in any order) and the run's
``CleanSummary`` (``OUTPUT.stats.json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from detector.corpus.process import Outcome

__all__ = ["CleanSummary", "Tally"]

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
    documents_without_site: int = 0
    """Documents with neither a URL nor a site: site templates could not be looked for in them."""
    provenance: dict[str, Any] = field(default_factory=dict)
    """Detector version, model SHA-256 and config hash of the run."""

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
            "templates": {"sites": self.template_sites, "paragraphs": self.template_paragraphs,
                          "documents_without_site": self.documents_without_site},
            "rejects_path": self.rejects_path,
            "errors_path": self.errors_path,
            "provenance": self.provenance,
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
        if self.documents_without_site:
            lines.append(f"  no site (no URL): {self.documents_without_site} documents got no site templates "
                         "(give --site-from)")
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
