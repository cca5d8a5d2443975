"""Options of a batch run (``detector clean`` / ``clean_corpus``), in one frozen object."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from detector.document import FieldNames

__all__ = ["INPUT_FORMATS", "OUTPUT_FORMATS", "CleanOptions", "FieldNames"]

INPUT_FORMATS: tuple[str, ...] = ("html", "text", "jsonl", "parquet", "warc")
OUTPUT_FORMATS: tuple[str, ...] = ("jsonl", "jsonl.gz", "jsonl.zst", "parquet")


@dataclass(frozen=True)
class CleanOptions:
    details: bool = False
    """Add ``paragraphs`` (every block with its decision) to each output row."""
    min_quality: float | None = None
    """Write only documents with ``quality.score >= min_quality``; the others go to the rejects file."""
    keep_only: bool = False
    """Write only documents the detector keeps (``Config.min_quality``); the others go to rejects."""
    rejects: str | None = None
    """Where rejected documents go; default ``OUTPUT.rejects.jsonl``. Only with ``min_quality`` or
    ``keep_only`` (without them nothing is rejected: ``ValueError``)."""
    workers: int | None = None
    """Worker processes; ``None`` = all cores, 1 = run in this process."""
    doc_timeout: float | None = 30.0
    """Seconds one document may take (extraction + scoring); ``None`` = no budget."""
    templates: bool = True
    """Run the site-template pass (two passes over the corpus)."""
    template_min_docs: int = 3
    """A paragraph is site boilerplate if it occurs in at least this many documents of a site ..."""
    template_min_share: float = 0.1
    """... and in at least this share of that site's documents."""
    fields: FieldNames = field(default_factory=FieldNames)
    keep_fields: tuple[str, ...] | None = None
    """Other fields of an input record copied to its output row: ``None`` = all of them (the
    content fields excepted), ``()`` = none."""
    site_from: str | None = None
    """Where a document's site comes from when it has no URL: ``dir`` (the file's directory) or
    ``path:REGEX`` (group 1, or the match, of REGEX in the file's path); a field is
    ``fields.site``."""
    provenance: bool = False
    """Add ``provenance`` (detector version, model SHA-256, config hash) to every output row; it
    is always in ``OUTPUT.stats.json``."""
    input_format: str | None = None
    """Force the input format (see INPUT_FORMATS); ``None`` = by extension."""
    output_format: str | None = None
    """Force the output format (see OUTPUT_FORMATS); ``None`` = by the extension of OUTPUT."""
    shard_size: int = 100
    """Documents per shard: the unit of parallel work, of progress and of resume."""
    resume: bool = True
    """Reuse finished shards of an earlier run of the same command (same inputs and options)."""
    quiet: bool = False
    """No progress bar and no summary on stderr."""

    def __post_init__(self) -> None:
        if self.input_format is not None and self.input_format not in INPUT_FORMATS:
            raise ValueError(f"unknown input format {self.input_format!r}; use one of {', '.join(INPUT_FORMATS)}")
        if self.output_format is not None and self.output_format not in OUTPUT_FORMATS:
            raise ValueError(
                f"unknown output format {self.output_format!r}; use one of {', '.join(OUTPUT_FORMATS)}"
            )
        if self.shard_size < 1:
            raise ValueError("shard_size must be at least 1")
        if self.workers is not None and self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.doc_timeout is not None and self.doc_timeout <= 0:
            raise ValueError("doc_timeout must be positive (or None for no budget)")
        if self.site_from is not None and self.site_from != "dir" and not self.site_from.startswith("path:"):
            raise ValueError(f"unknown --site-from {self.site_from!r}; use field:NAME, dir or path:REGEX")
        if self.site_from is not None and self.site_from.startswith("path:"):
            try:
                re.compile(self.site_from[5:])
            except re.error as exc:
                raise ValueError(f"--site-from {self.site_from!r}: not a regular expression ({exc})") from None
        if self.rejects is not None and not self.filtering:
            raise ValueError(
                "--rejects needs --keep-only or --min-quality: without them every document is written "
                "to the output and nothing is rejected"
            )
        if self.template_min_docs < 1 or not 0.0 <= self.template_min_share <= 1.0:
            raise ValueError("template_min_docs must be >= 1 and template_min_share in [0, 1]")

    @property
    def filtering(self) -> bool:
        """Whether low-quality documents go to the rejects file instead of the output."""
        return self.keep_only or self.min_quality is not None

    @property
    def n_workers(self) -> int:
        if self.workers is not None:
            return self.workers
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not Linux
            return max(1, os.cpu_count() or 1)
