"""Counting documents: ``Tally``, the one count of outcomes for every door that handles many
documents (``detector clean`` per shard, ``detector filter`` over a stream, ``POST /v1/filter``
per request). Counts are sums, so tallies merge in any order (shards of a batch run)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from detector.errors import DocumentTimeout

__all__ = ["HISTOGRAM_BINS", "OutcomeKind", "Tally", "error_kind"]

OutcomeKind = Literal["output", "reject", "error"]
"""``output``: passed (written / kept); ``reject``: failed the verdict; ``error``: could not be scored."""

HISTOGRAM_BINS = 10


@dataclass
class Tally:
    """Counts over outcomes; shards (or streams, or requests) are tallied separately and merged
    (sums, so order-free). ``add(kind, record)`` reads the record the door writes: ``reasons``
    (a reject's), ``quality`` (``score`` in [0, 1], ``keep``, ``flags``), ``stats.dropped_by_reason``
    and ``error`` (``"KIND: message"``). ``malformed`` counts input that is not a document at
    all (a line of ``detector filter`` that is not a JSON object); it is not in ``documents``."""

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
    malformed: int = 0
    """Input that is not a document (not in ``documents``)."""

    def add(self, kind: OutcomeKind, record: Mapping[str, Any]) -> None:
        """Count one document: ``kind`` is where it went, ``record`` what was written for it."""
        self.documents += 1
        rec = record
        if kind == "error":
            self.errors += 1
            _bump(self.error_kinds, str(rec.get("error", "")).split(":", 1)[0] or "error")
            return
        if kind == "reject":
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
        for name in ("documents", "output", "rejected", "errors", "kept", "dropped", "malformed"):
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
            "malformed": self.malformed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tally:
        return cls(**{k: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else v)
                      for k, v in data.items()})


def error_kind(exc: BaseException) -> str:
    """The kind an error is counted under (``error_kinds``), as ``detector clean`` names it:
    ``timeout`` for a document over its time budget, else the exception's type name."""
    return "timeout" if isinstance(exc, DocumentTimeout) else type(exc).__name__


def _bump(counts: dict[str, int], key: str, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


