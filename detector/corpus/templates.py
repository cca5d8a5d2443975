"""Site templates: paragraphs that recur across many documents of one site are site boilerplate.

Pass 1 counts, per site, in how many documents each paragraph fingerprint occurs
(``TemplateCounter``: only hashes and counts, compacted into sorted numpy arrays, about 20 bytes
per distinct paragraph of a site). ``finalize`` keeps the fingerprints found in at least
``min_docs`` documents and at least ``min_share`` of the site's documents (``TemplateIndex``);
pass 2 drops those paragraphs with reason ``template``.

Counts are sums, so the index does not depend on the order of documents, on how the corpus is
split into shards, or on how counters are merged: the same corpus gives the same templates
whatever the number of workers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from detector.corpus.options import FieldNames
from detector.document import Document, RawDoc

if TYPE_CHECKING:
    from detector.pipeline import Detector

__all__ = [
    "TemplateCounter",
    "TemplateIndex",
    "document_fingerprints",
    "fingerprints_of",
    "site_of",
]


def site_of(raw: RawDoc, fields: FieldNames = FieldNames()) -> str:
    """The site a document belongs to: its ``site`` (e.g. from ``--site-field``), else the host
    of its URL without ``www.``; ``""`` when neither is known (such documents get no templates)."""
    from detector.extract import site_of_url

    return raw.site or site_of_url(raw.url) or ""


def fingerprints_of(doc: Document) -> frozenset[str]:
    """The fingerprints of a document's paragraphs (the title is not site boilerplate)."""
    from detector.redundancy import fingerprint, normalize_for_match

    return frozenset(
        fingerprint(b.text) for b in doc.blocks if b.kind != "title" and normalize_for_match(b.text)
    )


def document_fingerprints(detector: Detector, raw: RawDoc) -> tuple[str, frozenset[str]]:
    """(site, paragraph fingerprints) of one document, extracting it with ``detector``."""
    doc = detector.extract(raw)
    return doc.site or site_of(raw), fingerprints_of(doc)


@dataclass(frozen=True)
class TemplateIndex:
    """Per site, the fingerprints of its boilerplate paragraphs."""

    sites: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def for_site(self, site: str | None) -> frozenset[str]:
        return self.sites.get(site or "", frozenset())

    def __len__(self) -> int:
        return sum(len(v) for v in self.sites.values())

    def to_dict(self) -> dict[str, list[str]]:
        return {site: sorted(fps) for site, fps in sorted(self.sites.items())}

    @classmethod
    def from_dict(cls, data: Mapping[str, Iterable[str]]) -> TemplateIndex:
        return cls({site: frozenset(fps) for site, fps in data.items()})


class TemplateCounter:
    """Per site: the number of documents, and in how many of them each fingerprint occurs.

    ``add`` and ``merge`` only buffer; the buffer is folded into sorted arrays of unique
    fingerprints (bytes) with uint32 counts once it is as large as what is already folded. That
    keeps the total work O(n log n) however many counters are merged, and the memory near
    20 bytes per distinct (site, paragraph).
    """

    _MIN_FLUSH = 50_000

    def __init__(self) -> None:
        self.docs: dict[str, int] = {}
        self._keys: dict[str, np.ndarray] = {}
        self._counts: dict[str, np.ndarray] = {}
        self._pending: dict[str, list[str]] = {}
        self._pending_arrays: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        self._n_pending = 0
        self._n_folded = 0

    # --- building -------------------------------------------------------------------------
    def add(self, site: str | None, fingerprints: Iterable[str]) -> None:
        """Count one document of ``site`` with these paragraph fingerprints (each counts once)."""
        if not site:
            return
        self.docs[site] = self.docs.get(site, 0) + 1
        fps = set(fingerprints)
        if fps:
            self._pending.setdefault(site, []).extend(fps)
            self._n_pending += len(fps)
            self._maybe_flush()

    def merge(self, other: TemplateCounter) -> TemplateCounter:
        """Add ``other``'s counts into this counter (returns self)."""
        if other is self:
            raise ValueError("cannot merge a counter into itself")
        other._flush()
        for site, n in other.docs.items():
            self.docs[site] = self.docs.get(site, 0) + n
        for site, keys in other._keys.items():
            self._pending_arrays.setdefault(site, []).append((keys, other._counts[site]))
            self._n_pending += len(keys)
        self._maybe_flush()
        return self

    def _maybe_flush(self) -> None:
        if self._n_pending >= max(self._MIN_FLUSH, self._n_folded):
            self._flush()

    def _flush(self) -> None:
        if not self._n_pending:
            return
        for site in set(self._pending) | set(self._pending_arrays):
            keys = [arr for arr, _ in self._pending_arrays.get(site, ())]
            counts = [cnt for _, cnt in self._pending_arrays.get(site, ())]
            fps = self._pending.get(site)
            if fps:
                keys.append(np.array([fp.encode("utf-8") for fp in fps], dtype=np.bytes_))
                counts.append(np.ones(len(fps), dtype=np.uint32))
            if site in self._keys:
                self._n_folded -= len(self._keys[site])
                keys.append(self._keys[site])
                counts.append(self._counts[site])
            all_keys = np.concatenate(keys)
            uniq, inverse = np.unique(all_keys, return_inverse=True)
            summed = np.bincount(inverse.ravel(), weights=np.concatenate(counts), minlength=len(uniq))
            self._keys[site] = uniq
            self._counts[site] = summed.astype(np.uint32)
            self._n_folded += len(uniq)
        self._pending.clear()
        self._pending_arrays.clear()
        self._n_pending = 0

    # --- reading --------------------------------------------------------------------------
    @property
    def n_documents(self) -> int:
        return sum(self.docs.values())

    @property
    def n_fingerprints(self) -> int:
        """Distinct (site, fingerprint) pairs counted so far."""
        self._flush()
        return self._n_folded

    def count(self, site: str, fp: str) -> int:
        """In how many documents of ``site`` the fingerprint ``fp`` occurs."""
        self._flush()
        keys = self._keys.get(site)
        if keys is None:
            return 0
        key = np.array([fp.encode("utf-8")], dtype=np.bytes_)
        i = int(np.searchsorted(keys, key)[0])
        return int(self._counts[site][i]) if i < len(keys) and keys[i] == key[0] else 0

    def finalize(self, min_docs: int = 3, min_share: float = 0.1) -> TemplateIndex:
        """Fingerprints in at least ``min_docs`` documents and ``min_share`` of their site's documents."""
        self._flush()
        sites: dict[str, frozenset[str]] = {}
        for site, n_docs in sorted(self.docs.items()):
            # round() first: 0.1 * 30 is 3.0000000000000004, which must still need 3 documents
            need = max(min_docs, math.ceil(round(min_share * n_docs, 9)), 1)
            if n_docs < need or site not in self._keys:
                continue
            hits = self._keys[site][self._counts[site] >= need]
            if len(hits):
                sites[site] = frozenset(k.decode("utf-8") for k in hits.tolist())
        return TemplateIndex(sites)

    # --- pickling (workers send their counters to the parent) ------------------------------
    def __getstate__(self) -> dict[str, Any]:
        self._flush()
        return {"docs": self.docs, "keys": self._keys, "counts": self._counts}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        self.docs = dict(state["docs"])
        self._keys = dict(state["keys"])
        self._counts = dict(state["counts"])
        self._n_folded = sum(len(k) for k in self._keys.values())
