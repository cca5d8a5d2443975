"""The run's ``CleanSummary`` (``OUTPUT.stats.json``), made from the shards' summed ``Tally``
(``detector.tally``, the one count shared with ``detector filter`` and the service)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from detector.tally import HISTOGRAM_BINS, Tally

__all__ = ["CleanSummary", "Tally"]


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
    """Shards with work an earlier run had finished: with site templates, those whose pass 1
    (extract) was done, scored or not."""
    resumed_scored_shards: int = 0
    """Shards an earlier run had finished outright (scored): the others were scored by this run."""
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
            "resumed_scored_shards": self.resumed_scored_shards,
            "templates": {"sites": self.template_sites, "paragraphs": self.template_paragraphs,
                          "documents_without_site": self.documents_without_site},
            "rejects_path": self.rejects_path,
            "errors_path": self.errors_path,
            "provenance": self.provenance,
        }

    def format(self) -> str:
        """A human summary for the terminal."""
        lines = [
            f"{self.documents} document{'' if self.documents == 1 else 's'} in {self.elapsed:.1f}s ({self.docs_per_second:.1f} docs/s, "
            f"{self.workers} worker{'s' if self.workers != 1 else ''})",
            f"  written {self.written} -> {self.output}",
        ]
        if self.rejects_path:
            lines.append(f"  rejected {self.rejected} -> {self.rejects_path}")
        elif self.rejected:  # -o - without --rejects: no rejects file is written
            lines.append(f"  rejected {self.rejected} (not written: give --rejects FILE to keep them)")
        errors_to = f"-> {self.errors_path}" if self.errors_path else "(on stderr, one line each)"
        lines.append(f"  errors {self.errors} {errors_to}")
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
            n = self.documents_without_site
            lines.append(f"  no site (no URL): {n} document{'' if n == 1 else 's'} got no site templates "
                         "(give --site-from)")
        if self.template_sites:
            lines.append(f"  site templates: {self.template_paragraphs} paragraphs on {self.template_sites} sites")
        peak = max(self.quality_histogram) if self.quality_histogram else 0
        lines.append("  quality histogram:")
        for i, n in enumerate(self.quality_histogram):
            bar = "#" * (round(30 * n / peak) if peak else 0)
            lines.append(f"    {i / HISTOGRAM_BINS:.1f}-{(i + 1) / HISTOGRAM_BINS:.1f} {n:>7} {bar}")
        if self.resumed_shards:
            done, extracted = self.resumed_scored_shards, self.resumed_shards - self.resumed_scored_shards
            line = (f"  resumed: {done} of {self.shards} shard{'' if self.shards == 1 else 's'} "
                    f"{'was' if done == 1 else 'were'} already done")
            if extracted > 0:  # killed during pass 2: these were extracted, but scored by this run
                line += f", and pass 1 (extract) of {extracted} more"
            lines.append(line)
        return "\n".join(lines)
