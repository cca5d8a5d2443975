"""What each input file gave a batch run, for the warnings that a legal but suspicious input
deserves: an input file from which no document was read (an empty JSONL, a WARC without a
response record, a Parquet file without rows).

A task counts the entries (documents and read errors) of its shard per input file
(``ShardInputs``) and returns the counts with its summary; the run sums them over the shards, in
any order (``InputCounts``), resumed shards included (the counts are kept in the shards'
completion markers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["InputCounts", "ShardInputs"]


class ShardInputs:
    """Per input file of one shard: how many entries were read."""

    def __init__(self) -> None:
        self.documents: dict[str, int] = {}

    def add(self, path: str, doc_id: str) -> None:
        """Count one entry (a document or a read error) of input file ``path``."""
        self.documents[path] = self.documents.get(path, 0) + 1

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{path: {"documents": n}}``: plain JSON, for a task's summary and its marker."""
        return {path: {"documents": n} for path, n in self.documents.items()}


class InputCounts:
    """Per input file of a run: the ``ShardInputs`` of its shards, summed. ``known`` turns false
    when a shard came without its counts (a marker written by an older version): then nothing
    is said, rather than a file called empty that was not."""

    def __init__(self) -> None:
        self.documents: dict[str, int] = {}
        self.known = True

    def merge(self, shard: Mapping[str, Mapping[str, Any]] | None) -> None:
        """Add one shard's ``ShardInputs.to_dict()`` (None: the shard's counts are unknown)."""
        if shard is None:
            self.known = False
            return
        for path, counts in shard.items():
            self.documents[path] = self.documents.get(path, 0) + int(counts.get("documents", 0))

    def empty(self, paths: Iterable[str]) -> list[str]:
        """The input files of ``paths`` (in their order) from which no entry was read."""
        if not self.known:
            return []
        return [path for path in paths if not self.documents.get(path)]
