"""Hugging Face ``datasets``: ``ScoreBatch`` adds our columns in ``Dataset.map(batched=True)``.

    from datasets import load_dataset
    from detector.adapters.hf_datasets import ScoreBatch
    ds = load_dataset("json", data_files="crawl.jsonl", split="train")
    ds = ds.map(ScoreBatch(html_column="html"), batched=True, batch_size=64, num_proc=4)
    kept = ds.filter(lambda row: row["quality_keep"])

``ScoreBatch`` holds only its options (a Config and column names), so ``num_proc`` processes
receive it cheaply and each loads the model once (``detector.frame.shared_detector``); the
fingerprint ``datasets`` caches by stays the same between runs with the same options. Adds the
columns of ``score_frame`` (``quality_score``, ``quality_keep``, ``quality_flags``,
``reasons``, ``clean_text``, ``title``, ``language``, ``n_paragraphs``, ``n_dropped``,
``error``; ``paragraphs`` with ``details=True``). Extra: ``datasets``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from detector.config import Config
from detector.frame import score_rows, shared_detector


@dataclass(frozen=True)
class ScoreBatch:
    """Callable for ``Dataset.map(batched=True)``: ``batch`` (column -> list) -> new columns.

    ``html_column`` / ``text_column`` name the content (HTML wins when both hold a value);
    ``url_column`` and ``id_column`` are optional. A row that cannot be scored gets ``error``
    and empty scores (``quality_score`` None instead of NaN, for Arrow)."""

    html_column: str | None = "html"
    text_column: str | None = None
    url_column: str | None = None
    id_column: str | None = None
    details: bool = False
    min_quality: float | None = None
    config: Config = field(default_factory=Config)

    def __call__(self, batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        used = [c for c in (self.html_column, self.text_column, self.url_column, self.id_column) if c]
        missing = [c for c in used if c not in batch]
        if missing:
            raise KeyError(f"ScoreBatch: no column {missing[0]!r} in the dataset (columns: {sorted(batch)})")
        n = len(batch[used[0]])
        rows = ((i, {c: batch[c][i] for c in used}) for i in range(n))
        out = score_rows(rows, html_col=self.html_column, text_col=self.text_column, url_col=self.url_column,
                         id_col=self.id_column, detector=shared_detector(self.config), details=self.details,
                         min_quality=self.min_quality)
        out["quality_score"] = [None if isinstance(v, float) and math.isnan(v) else v for v in out["quality_score"]]
        return out
