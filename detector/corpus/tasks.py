"""One body per task of a batch run, whatever executor runs it. Each task reads its own shard
(``sources.read_shard``), writes its results atomically and then its completion marker, and
returns a small summary for the run to reduce:

- ``extract_task`` (pass 1): extract every document once, spill the ``Document``s to
  ``extract/NNNNNN.pkl.zst`` and the shard's template counts to ``NNNNNN.counts``; returns
  ``{"documents", "errors", "no_site", "inputs"}`` (``inputs``: ``ShardInputs.to_dict()``, what
  each input file gave).
- ``score_task`` (pass 2): score the spilled documents with their site's templates, write
  ``out/NNNNNN.*``; returns the shard's ``Tally`` as a dict.
- ``clean_task`` (one pass, no templates): read, extract, score and write; returns the tally
  and ``inputs`` (also in the tally's completion marker, for a resumed run).

A task runs as ``fn(context, *args)``: ``Context`` holds the worker's ``Detector`` (one per process
and config, loaded once) and the template index it last read.
"""

from __future__ import annotations

import functools
import pickle
import time
from dataclasses import dataclass
from typing import Any

from detector.atomic import atomic_write_bytes, atomic_write_json
from detector.config import Config
from detector.corpus.options import CleanOptions
from detector.corpus.inputs import ShardInputs
from detector.corpus.process import Outcome, describe, error_outcome, guarded, process_document, score_extracted
from detector.corpus.readers import ReadError
from detector.corpus.sources import ReadSpec, Shard, read_shard
from detector.corpus.tally import Tally
from detector.corpus.templates import TemplateCounter, TemplateIndex, fingerprints_of
from detector.corpus.workdir import Layout
from detector.corpus.writers import marker_path, write_shard

__all__ = ["Context", "Job", "clean_task", "context", "extract_task", "run_task", "score_task"]


@dataclass(frozen=True)
class Job:
    """Everything a task needs besides its shard: the same object for every task of a run."""

    config: Config
    options: CleanOptions
    spec: ReadSpec
    layout: Layout
    provenance: dict[str, Any] | None = None
    """Added to every output row when ``options.provenance``."""


class Context:
    """A worker's state: its Detector (loaded on first use) and the last template index read."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._detector: Any = None
        self._templates: tuple[str, TemplateIndex] | None = None

    @property
    def detector(self) -> Any:
        if self._detector is None:
            from detector.pipeline import Detector

            self._detector = Detector(self.config)
        return self._detector

    def templates(self, path: str) -> TemplateIndex:
        if self._templates is None or self._templates[0] != path:
            with open(path, "rb") as fh:
                self._templates = (path, pickle.load(fh))
        return self._templates[1]


@functools.lru_cache(maxsize=2)
def context(config: Config) -> Context:
    """The Context of this process for ``config`` (one Detector per process and config)."""
    return Context(config)


def run_task(fn: Any, job: Job, *args: Any) -> Any:
    """How every executor calls a task: ``fn(context(job.config), job, *args)``."""
    return fn(context(job.config), job, *args)


def _zstd_pickle(obj: Any) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor(level=1).compress(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _zstd_unpickle(path: str) -> Any:
    import zstandard

    with open(path, "rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as reader:
        return pickle.load(reader)


def extract_task(ctx: Context, job: Job, shard: Shard) -> dict[str, int]:
    """Pass 1: extract every document of ``shard`` once, spill them, count their paragraph fingerprints."""
    detector = ctx.detector
    counter = TemplateCounter()
    entries: list[tuple[Any, ...]] = []
    errors = no_site = documents = 0
    inputs = ShardInputs()
    budget = job.options.doc_timeout
    for source, item, extra in read_shard(shard, job.spec):
        documents += 1
        inputs.add(source, item.id)
        if isinstance(item, ReadError):
            entries.append(("error", item.id, item.source, item.error, item.line))
            errors += 1
            continue
        start = time.perf_counter()
        doc = guarded(budget, detector.extract, item)
        if isinstance(doc, Exception):  # what extraction raised, or its timeout (DocumentTimeout)
            entries.append(("error", item.id, source, describe(doc), item.line))
            errors += 1
            continue
        entries.append(("doc", doc, source, time.perf_counter() - start, extra, item.line))
        if not doc.site:
            no_site += 1
        counter.add(doc.site, fingerprints_of(doc))
    layout = job.layout
    atomic_write_bytes(layout.spill(shard.index), _zstd_pickle(entries))
    atomic_write_bytes(layout.counts(shard.index), pickle.dumps(counter, protocol=pickle.HIGHEST_PROTOCOL))
    meta = {"documents": documents, "errors": errors, "no_site": no_site, "inputs": inputs.to_dict()}
    atomic_write_json(marker_path(layout.spill(shard.index)), meta)
    return meta


def score_task(ctx: Context, job: Job, index: int) -> dict[str, Any]:
    """Pass 2: score the spilled documents of shard ``index`` with their site's templates."""
    detector = ctx.detector
    layout = job.layout
    entries = _zstd_unpickle(layout.spill(index))
    templates = ctx.templates(layout.templates)
    budget = job.options.doc_timeout
    outcomes: list[Outcome] = []
    for entry in entries:
        if entry[0] == "error":
            _, doc_id, source, error, line = entry
            outcomes.append(error_outcome(doc_id, source, error, line))
            continue
        _, doc, source, took, extra, line = entry
        left = None if budget is None else max(budget - took, 1e-3)
        outcomes.append(score_extracted(detector, doc, templates=templates, options=job.options, source=source,
                                        budget=left, extra=extra, provenance=_provenance(job), line=line))
    return write_outcomes(index, outcomes, layout)


def clean_task(ctx: Context, job: Job, shard: Shard) -> dict[str, Any]:
    """One pass (no templates): read, extract, score and write shard ``shard``."""
    detector = ctx.detector
    outcomes: list[Outcome] = []
    inputs = ShardInputs()
    for source, item, extra in read_shard(shard, job.spec):
        inputs.add(source, item.id)
        outcomes.append(process_document(detector, item, templates=None, options=job.options, source=source,
                                          extra=extra, provenance=_provenance(job)))
    counts = inputs.to_dict()
    return {**write_outcomes(shard.index, outcomes, job.layout, {"inputs": counts}), "inputs": counts}


def _provenance(job: Job) -> dict[str, Any] | None:
    return job.provenance if job.options.provenance else None


def write_outcomes(index: int, outcomes: list[Outcome], layout: Layout,
                   marker: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write a shard's output rows, rejects and errors, then its tally and the tally's marker
    (with ``marker``'s items besides ``documents``); returns the tally as a dict."""
    tally = Tally()
    for outcome in outcomes:
        tally.add(outcome.kind, outcome.record)
    write_shard((o.record for o in outcomes if o.kind == "output"), layout.output(index), layout.fmt)
    write_shard((o.record for o in outcomes if o.kind == "reject"), layout.rejects(index), layout.rejects_fmt)
    write_shard((o.record for o in outcomes if o.kind == "error"), layout.errors(index), "jsonl")
    data = tally.to_dict()
    atomic_write_json(layout.tally(index), data)
    atomic_write_json(marker_path(layout.tally(index)), {"documents": tally.documents, **(marker or {})})
    return data
