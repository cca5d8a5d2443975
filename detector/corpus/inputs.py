"""What each input file gave a batch run, for the warnings that a legal but suspicious input
deserves: an input file from which no document was read (an empty JSONL, a WARC without a
response record, a Parquet file without rows), and records of one file that share an id.

A task counts the entries (documents and read errors) of its shard per input file, with a
64-bit digest of each entry's id (``ShardInputs``), and returns them with its summary; the run
sums them over the shards, in any order (``InputCounts``), resumed shards included (they are
kept in the shards' completion markers). The run holds 8 bytes per document, not its id; the
id a warning names is found again by reading the file up to its first record with a repeated
digest (``first_repeated``), which only happens when a file has repeated ids.

Ids key nothing in a run's outputs (rows are written in input order, each with its id), so a
repeated id loses no document; it is said because a consumer that keys rows by id would.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["InputCounts", "ShardInputs", "first_repeated", "id_digest"]


def id_digest(doc_id: str) -> int:
    """A 64-bit digest of a document id (BLAKE2b): two ids of one file that differ share one
    with a chance of about n²/2⁶⁵ (1 in 370,000 for ten million records)."""
    data = doc_id.encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


class ShardInputs:
    """Per input file of one shard: how many entries were read, and their ids' digests."""

    def __init__(self) -> None:
        self.documents: dict[str, int] = {}
        self.ids: dict[str, list[int]] = {}

    def add(self, path: str, doc_id: str) -> None:
        """Count one entry (a document or a read error) of input file ``path``."""
        self.documents[path] = self.documents.get(path, 0) + 1
        self.ids.setdefault(path, []).append(id_digest(doc_id))

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{path: {"documents": n, "ids": [digest, ...]}}``: plain JSON, for a task's summary
        and its marker."""
        return {path: {"documents": n, "ids": self.ids.get(path, [])} for path, n in self.documents.items()}


class InputCounts:
    """Per input file of a run: the ``ShardInputs`` of its shards, summed. ``known`` turns false
    when a shard came without its counts (a marker written by an older version): then nothing
    is said, rather than a file called empty that was not."""

    def __init__(self) -> None:
        self.documents: dict[str, int] = {}
        self.known = True
        self._ids: dict[str, list[np.ndarray]] = {}

    def merge(self, shard: Mapping[str, Mapping[str, Any]] | None) -> None:
        """Add one shard's ``ShardInputs.to_dict()`` (None: the shard's counts are unknown)."""
        if shard is None:
            self.known = False
            return
        for path, counts in shard.items():
            self.documents[path] = self.documents.get(path, 0) + int(counts.get("documents", 0))
            if counts.get("ids"):
                self._ids.setdefault(path, []).append(np.asarray(counts["ids"], dtype=np.uint64))

    def empty(self, paths: Iterable[str]) -> list[str]:
        """The input files of ``paths`` (in their order) from which no entry was read."""
        if not self.known:
            return []
        return [path for path in paths if not self.documents.get(path)]

    def repeated(self) -> dict[str, dict[int, int]]:
        """Per input file whose records share ids: ``{digest: records}`` of each shared id."""
        out: dict[str, dict[int, int]] = {}
        for path, parts in self._ids.items():
            digests, counts = np.unique(np.concatenate(parts), return_counts=True)
            shared = counts > 1
            if shared.any():
                out[path] = dict(zip(digests[shared].tolist(), counts[shared].tolist()))
        return out


def first_repeated(ids: Iterable[str], digests: Mapping[int, int]) -> str | None:
    """The first of ``ids`` (a file's, in order) whose digest is one of ``digests``."""
    for doc_id in ids:
        if id_digest(doc_id) in digests:
            return doc_id
    return None
