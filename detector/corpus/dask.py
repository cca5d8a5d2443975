"""The Dask engine: the same batch run as ``local.py``, distributed over a ``dask.distributed`` cluster.

    clean_corpus(["s3://bucket/crawl/*.parquet"], "/shared/cleaned.parquet",
                 engine="dask", scheduler="tcp://scheduler:8786")

The Dask engine only distributes; every document goes through the same functions as in the
local engine (``Detector.extract``, ``process.score_extracted`` / ``process_document``), and the
shards are written, checked and joined by the local engine's code (``local.Layout``,
``local._write_outcomes``, ``local._assemble``), so the output is the same, row for row.

- **partitions** (the unit of work, of progress and of resume): a JSONL or WARC file; a run of
  Parquet row groups of about ``shard_size`` rows; ``shard_size`` consecutive HTML/text files.
  Inputs are local paths (as for the local engine) or fsspec URLs (``s3://``, ``gs://``,
  ``https://`` ..., whatever filesystem package is installed), globs included. Ids are the same
  as the local engine's (``path:line``, ``path:row``).
- **pass 1** (site templates): each partition is extracted once on a worker; the extracted
  documents are spilled to ``OUTPUT.shards/extract/`` and the task returns the partition's
  ``TemplateCounter``. The counters are summed on the cluster as they arrive (a tree of
  ``merge`` tasks, hashes and counts only), and the total becomes the ``TemplateIndex`` on a
  worker. Sums do not depend on the order, so neither does the index.
- **pass 2**: each partition's documents are scored with that index and written to
  ``OUTPUT.shards/out/``; the client joins the shards in input order into OUTPUT.

Workers read the inputs themselves and write the shards, so the output must be on a filesystem
that the client and every worker share (NFS, Lustre, ... or one machine). A rerun of the same
command skips the partitions that are done. A document that fails is an error record; only a
failure of the cluster itself (a worker lost three times, an unreachable filesystem) stops the run.

Dask is imported only here, and only when the engine is used (the ``dask`` extra of the
boilerplate-detector distribution: ``pip install -e '.[dask]'`` in a checkout).
"""

from __future__ import annotations

import ctypes
import functools
import logging
import operator
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from detector.config import Config
from detector.corpus.local import (
    Layout,
    _assemble,
    _manifest,
    _prepare_work_dir,
    _write_outcomes,
    _zstd_pickle,
    _zstd_unpickle,
)
from detector.corpus.options import CleanOptions
from detector.corpus.process import (
    CleanSummary,
    DocTimeout,
    Outcome,
    Tally,
    describe,
    error_outcome,
    process_document,
    score_extracted,
    time_budget,
)
from detector.corpus.readers import (
    _DIRECTORY_FORMATS,
    InputFile,
    ReadError,
    _is_glob,
    expand_inputs,
    format_of,
    read_file,
    row_to_raw_doc,
)
from detector.corpus.templates import TemplateCounter, TemplateIndex, fingerprints_of
from detector.corpus.writers import (
    atomic_write_bytes,
    atomic_write_json,
    marker_path,
    output_format_of,
    output_paths,
    read_marker,
    shard_done,
)
from detector.document import RawDoc
from detector.errors import DetectorError, InputError
from detector.pipeline import Detector

__all__ = ["Partition", "Source", "plan_partitions", "read_partition", "run_dask"]

_PARQUET_BATCH = 256  # rows per Arrow batch, as in readers._read_parquet
_CHECK_FILES = 8  # local inputs probed on every worker before the run (shared filesystem check)
Item = tuple[str, RawDoc | ReadError]  # (source file, document or read error), as in local.py


# --- inputs and partitions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One input file: ``path`` names it in ids and error records (as the user wrote it, like the
    local engine); ``location`` is where a worker opens it (an absolute path or an fsspec URL)."""

    path: str
    format: str
    location: str

    @property
    def remote(self) -> bool:
        return "://" in self.location


@dataclass(frozen=True)
class Partition:
    """The unit of work: several HTML/text files, one JSONL/WARC file, or a run of Parquet row
    groups of one file (``row_groups``; ``first_row`` rows of the file come before them)."""

    index: int
    sources: tuple[Source, ...]
    row_groups: tuple[int, ...] | None = None
    first_row: int = 0

    def describe(self) -> str:
        names = ", ".join(s.path for s in self.sources[:3]) + (" ..." if len(self.sources) > 3 else "")
        if self.row_groups is not None:
            names += f" (row groups {self.row_groups[0]}-{self.row_groups[-1]})"
        return f"partition {self.index} ({names})"


def _is_url(item: str) -> bool:
    return "://" in item


def expand_sources(inputs: Sequence[str], input_format: str | None = None) -> list[Source]:
    """The files of ``inputs`` in the local engine's order; fsspec URLs (and URL globs) too."""
    sources: list[Source] = []
    for item in inputs:
        item = os.fspath(item)
        if _is_url(item):
            sources.extend(_expand_url(item, input_format))
        else:
            sources.extend(Source(f.path, f.format, os.path.abspath(f.path)) for f in expand_inputs([item], input_format))
    return sources


def _expand_url(item: str, input_format: str | None) -> list[Source]:
    import fsspec
    from fsspec.implementations.local import LocalFileSystem

    try:
        fs, path = fsspec.core.url_to_fs(item)
    except (ImportError, ValueError) as exc:  # no filesystem package for this protocol
        raise InputError(item, f"cannot open this URL: {exc}") from exc
    single = False
    if _is_glob(path):
        paths = sorted(fs.glob(path))
        if not paths:
            raise InputError(item, "the pattern matches no file")
    elif fs.isdir(path):
        paths = [path]
    elif fs.exists(path):
        paths, single = [path], True
    else:
        raise InputError(item, "no such file or directory")

    def source(p: str, name: str, fmt: str) -> Source:
        # a file:// URL is read in place; other filesystems through fsspec
        location = p if isinstance(fs, LocalFileSystem) else fs.unstrip_protocol(p)
        return Source(name, fmt, location)

    found: list[Source] = []
    for p in paths:
        if fs.isdir(p):  # like readers._walk: sorted, no hidden files, HTML/text unless forced
            for f in sorted(fs.find(p)):
                if any(part.startswith(".") for part in f[len(p):].split("/") if part):
                    continue
                fmt = input_format or format_of(f)
                if fmt is None or (input_format is None and fmt not in _DIRECTORY_FORMATS):
                    continue
                found.append(source(f, fs.unstrip_protocol(f), fmt))
            continue
        fmt = input_format or format_of(p)
        if fmt is None:
            raise InputError(item, "cannot tell the format from the extension; use --input-format")
        found.append(source(p, item if single else fs.unstrip_protocol(p), fmt))
    return found


def _parquet_row_groups(location: str) -> list[int] | None:
    """Rows per row group of a Parquet file (runs on a worker); ``None`` if unreadable (the
    partition reader then reports the error like the local engine)."""
    import pyarrow.parquet as pq

    try:
        with _open_binary(location) as fh:
            meta = pq.ParquetFile(fh).metadata
            return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    except (OSError, ValueError):
        return None


def plan_partitions(
    sources: Sequence[Source], shard_size: int, row_groups: dict[str, list[int] | None] | None = None
) -> list[Partition]:
    """Cut the sources into partitions, in input order. ``row_groups`` maps a Parquet location to
    its rows per row group (files without an entry are one partition)."""
    row_groups = row_groups or {}
    parts: list[Partition] = []
    batch: list[Source] = []

    def add(sources: tuple[Source, ...], groups: tuple[int, ...] | None = None, first: int = 0) -> None:
        parts.append(Partition(len(parts), sources, groups, first))

    def flush() -> None:
        if batch:
            add(tuple(batch))
            batch.clear()

    for s in sources:
        if s.format in ("html", "text"):
            batch.append(s)
            if len(batch) == shard_size:
                flush()
            continue
        flush()
        rows = row_groups.get(s.location) if s.format == "parquet" else None
        if not rows:
            add((s,))
            continue
        start = first = 0
        group: list[int] = []
        for i, n in enumerate(rows):
            if not group:
                first = start
            group.append(i)
            start += n
            if start - first >= shard_size:
                add((s,), tuple(group), first)
                group = []
        if group:
            add((s,), tuple(group), first)
    flush()
    return parts


# --- reading a partition (on a worker) ----------------------------------------------------------


def _open_binary(location: str) -> Any:
    if _is_url(location):
        import fsspec

        return fsspec.open(location, "rb").open()
    return open(location, "rb")  # noqa: SIM115 - the caller closes it


def _relabel(item: RawDoc | ReadError, old: str, new: str) -> RawDoc | ReadError:
    """Name the file as the user did (``new``) where the reader saw ``old`` (its absolute path or a
    local copy of a remote file), so that ids and error records match the local engine's."""
    if old == new:
        return item

    def fix_id(doc_id: str) -> str:
        return new + doc_id[len(old):] if doc_id == old or doc_id.startswith(old + ":") else doc_id

    if isinstance(item, ReadError):
        return ReadError(fix_id(item.id), new if item.source == old else item.source, item.error.replace(old, new))
    return replace(item, id=fix_id(item.id))


def _read_parquet_rows(source: Source, fields: Any, row_groups: tuple[int, ...] | None, first_row: int) -> Iterator[RawDoc | ReadError]:
    """Rows of some row groups of a Parquet file, exactly as ``readers._read_parquet`` reads them."""
    import pyarrow.parquet as pq

    path = source.path
    row_no = first_row
    try:
        with _open_binary(source.location) as fh:
            pf = pq.ParquetFile(fh)
            present = set(pf.schema_arrow.names)
            wanted = [c for c in (fields.id, fields.url, fields.html, fields.text, fields.site) if c and c in present]
            groups = list(row_groups) if row_groups is not None else None
            for batch in pf.iter_batches(batch_size=_PARQUET_BATCH, row_groups=groups, columns=list(dict.fromkeys(wanted))):
                for row in batch.to_pylist():
                    row_no += 1
                    default_id = f"{path}:{row_no}"
                    try:
                        yield row_to_raw_doc(row, fields, default_id)
                    except InputError as exc:
                        yield ReadError(exc.source, path, f"no-content: {exc.reason}")
    except (OSError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
        yield ReadError(f"{path}:{row_no + 1}", path, f"unreadable: Parquet: {exc}")


def _read_source(source: Source, fields: Any, max_bytes: int | None) -> Iterator[RawDoc | ReadError]:
    if not source.remote:
        for item in read_file(InputFile(source.location, source.format), fields, max_bytes=max_bytes):
            yield _relabel(item, source.location, source.path)
        return
    # a remote JSONL / WARC / HTML file: copy it to the worker's disk and read it with the local
    # engine's reader (the same handling of compression, truncation and bad records)
    suffix = "." + source.format
    fd, tmp = tempfile.mkstemp(prefix="detector-", suffix=suffix)
    os.close(fd)
    try:
        try:
            import fsspec

            fs, path = fsspec.core.url_to_fs(source.location)
            fs.get_file(path, tmp)
        except Exception as exc:  # noqa: BLE001 - an unreachable file is that file's error
            yield ReadError(source.path, source.path, f"unreadable: {type(exc).__name__}: {exc}")
            return
        for item in read_file(InputFile(tmp, source.format), fields, max_bytes=max_bytes):
            yield _relabel(item, tmp, source.path)
    finally:
        os.unlink(tmp)


def read_partition(part: Partition, options: CleanOptions, max_bytes: int | None = None) -> list[Item]:
    """Every document of a partition as ``(source file, RawDoc | ReadError)``; never raises for
    bad content (a file that cannot be read is a ``ReadError``)."""
    items: list[Item] = []
    for s in part.sources:
        if s.format == "parquet" and (part.row_groups is not None or s.remote):
            docs: Iterable[RawDoc | ReadError] = _read_parquet_rows(s, options.fields, part.row_groups, part.first_row)
        else:
            docs = _read_source(s, options.fields, max_bytes)
        items.extend((s.path, d) for d in docs)
    return items


# --- the worker side ----------------------------------------------------------------------------


@functools.lru_cache(maxsize=2)
def _detector(config: Config) -> Detector:
    """One Detector per worker process (and config), loaded by the first task that needs it and
    reused by every later task and run. Its model is read-only, so the threads of a worker may
    share it."""
    return Detector(config)


class _ThreadBudget:
    """``process.time_budget`` interrupts a document with SIGALRM, which only works in a
    process's main thread; Dask runs tasks in worker threads. This raises ``DocTimeout`` in the
    calling thread instead (``PyThreadState_SetAsyncExc``), with the same effect: the document
    is interrupted as soon as control returns to Python. In the main thread it does nothing
    (``time_budget`` is in charge there)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._active = False
        self._fired = False

    def __enter__(self) -> _ThreadBudget:
        if not self.seconds or self.seconds <= 0 or threading.current_thread() is threading.main_thread():
            return self
        seconds = self.seconds
        # the interpreter instantiates the exception without arguments
        exc_type = type("DocTimeout", (DocTimeout,), {"__init__": lambda s: DocTimeout.__init__(s, seconds)})
        tid = ctypes.c_ulong(threading.get_ident())

        def fire() -> None:
            with self._lock:
                if self._active:
                    self._fired = True
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(tid, ctypes.py_object(exc_type))

        self._active = True
        self._timer = threading.Timer(seconds, fire)
        self._timer.daemon = True
        self._timer.start()
        self._tid = tid
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._timer is None:
            return
        with self._lock:
            self._active = False
            self._timer.cancel()
            if self._fired:  # raised but maybe not delivered yet: never let it escape later
                ctypes.pythonapi.PyThreadState_SetAsyncExc(self._tid, None)


def _guarded(seconds: float | None, fn: Any, *args: Any, **kw: Any) -> Any:
    """``fn(*args, **kw)`` under a thread budget; a ``DocTimeout`` that escapes ``fn`` (fired
    between its own checks) is returned, not raised."""
    try:
        with _ThreadBudget(seconds):
            return fn(*args, **kw)
    except DocTimeout as exc:
        return exc


def _extract_one(detector: Detector, raw: RawDoc, budget: float | None) -> Any:
    with time_budget(budget):
        return detector.extract(raw)


def _extract_partition(part: Partition, layout: Layout, config: Config, options: CleanOptions) -> tuple[dict[str, int], TemplateCounter]:
    """Pass 1 (``local._extract_shard`` on a partition): extract every document once, spill them,
    and return the partition's template counts."""
    detector = _detector(config)
    items = read_partition(part, options, config.max_input_bytes)
    counter = TemplateCounter()
    entries: list[tuple[Any, ...]] = []
    errors = 0
    budget = options.doc_timeout
    for source, item in items:
        if isinstance(item, ReadError):
            entries.append(("error", item.id, item.source, item.error))
            errors += 1
            continue
        start = time.perf_counter()
        try:
            doc = _guarded(budget, _extract_one, detector, item, budget)
            if isinstance(doc, DocTimeout):
                raise doc
        except Exception as exc:  # noqa: BLE001 - a bad document must never stop the batch
            entries.append(("error", item.id, source, describe(exc)))
            errors += 1
            continue
        entries.append(("doc", doc, source, time.perf_counter() - start))
        counter.add(doc.site, fingerprints_of(doc))
    i = part.index
    atomic_write_bytes(layout.spill(i), _zstd_pickle(entries))
    atomic_write_bytes(layout.counts(i), _pickle(counter))
    meta = {"documents": len(items), "errors": errors}
    atomic_write_json(marker_path(layout.spill(i)), meta)
    return meta, counter


def _pickle(obj: Any) -> bytes:
    import pickle

    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def _load_counts(path: str) -> TemplateCounter:
    import pickle

    with open(path, "rb") as fh:
        return pickle.load(fh)


def _merge_counters(a: TemplateCounter, b: TemplateCounter) -> TemplateCounter:
    # a fresh counter: the inputs may still be held (and reused) by the cluster
    return TemplateCounter().merge(a).merge(b)


def _finalize(counter: TemplateCounter, min_docs: int, min_share: float) -> TemplateIndex:
    return counter.finalize(min_docs, min_share)


def _index_size(index: TemplateIndex) -> tuple[int, int]:
    return len(index.sites), len(index)


def _score_partition(index: int, layout: Layout, config: Config, options: CleanOptions, templates: TemplateIndex) -> dict[str, Any]:
    """Pass 2 (``local._score_shard``): score the spilled documents with their site's templates."""
    detector = _detector(config)
    entries = _zstd_unpickle(layout.spill(index))
    budget = options.doc_timeout
    outcomes: list[Outcome] = []
    for entry in entries:
        if entry[0] == "error":
            outcomes.append(error_outcome(entry[1], entry[2], entry[3]))
            continue
        _, doc, source, took = entry
        left = None if budget is None else max(budget - took, 1e-3)
        outcome = _guarded(
            left, score_extracted, detector, doc, templates=templates, options=options, source=source, budget=left
        )
        if isinstance(outcome, DocTimeout):
            outcome = error_outcome(doc.id, source, describe(outcome))
        outcomes.append(outcome)
    return _write_outcomes(index, outcomes, layout)


def _process_partition(part: Partition, layout: Layout, config: Config, options: CleanOptions) -> dict[str, Any]:
    """Single pass without templates (``local._process_shard``): read, extract, score and write."""
    detector = _detector(config)
    outcomes: list[Outcome] = []
    for source, item in read_partition(part, options, config.max_input_bytes):
        outcome = _guarded(
            options.doc_timeout, process_document, detector, item, templates=None, options=options, source=source
        )
        if isinstance(outcome, DocTimeout):
            outcome = error_outcome(getattr(item, "id", source), source, describe(outcome))
        outcomes.append(outcome)
    return _write_outcomes(part.index, outcomes, layout)


def _workers_missing(paths: list[str]) -> list[str]:
    """Which of ``paths`` this worker cannot see (runs on every worker)."""
    return [p for p in paths if not os.path.exists(p)]


# --- the client side ----------------------------------------------------------------------------


def _require_dask() -> None:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise DetectorError(
            f"the Dask engine needs dask and distributed ({exc}); install the dask extra of boilerplate-detector: pip install -e '.[dask]' in its checkout"
        ) from exc


class _Cluster:
    """A client for ``scheduler``: an address (``tcp://host:8786``), a scheduler file (``*.json``,
    from ``dask scheduler --scheduler-file``), a ``distributed.Client`` or a cluster object
    (``LocalCluster``, dask-jobqueue's ``SLURMCluster`` ...); ``None`` starts a ``LocalCluster``
    of ``options.n_workers`` processes for the run."""

    def __init__(self, scheduler: Any, options: CleanOptions) -> None:
        self.scheduler = scheduler
        self.options = options
        self.client: Any = None
        self._own: list[Any] = []

    def __enter__(self) -> Any:
        from distributed import Client, LocalCluster

        scheduler = self.scheduler
        if isinstance(scheduler, Client):
            self.client = scheduler
            return scheduler
        if scheduler is None:
            # one thread per process: the detector is pure-Python bound. Dask's warnings (e.g. tasks
            # cancelled on Ctrl-C) would drown the progress bar; errors still show
            cluster = LocalCluster(
                n_workers=self.options.n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
            self._own.append(cluster)
            scheduler = cluster
        try:
            if isinstance(scheduler, str) and scheduler.endswith(".json") and os.path.isfile(scheduler):
                # the file `dask scheduler --scheduler-file F` writes (common on HPC clusters)
                self.client = Client(scheduler_file=scheduler, set_as_default=False)
            else:
                self.client = Client(scheduler, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            self.__exit__(None, None, None)
            raise InputError(str(scheduler), f"cannot connect to the Dask scheduler: {exc}") from exc
        self._own.insert(0, self.client)
        return self.client

    def __exit__(self, *exc: Any) -> None:
        for thing in self._own:
            try:
                thing.close()
            except Exception:  # noqa: BLE001 - closing must not hide the run's own error
                pass
        self._own.clear()


def _dashboard_link(client: Any) -> str | None:
    try:
        return client.dashboard_link
    except Exception:  # noqa: BLE001 - a scheduler started with --no-dashboard has none
        return None


def _progress(options: CleanOptions, desc: str, total: int | None) -> Any:
    from tqdm import tqdm

    disable = options.quiet or not sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit="doc", disable=disable, dynamic_ncols=True, smoothing=0.1)


def _raise_failed(future: Any, part: Partition, work: str) -> None:
    try:
        exc = future.exception()
    except BaseException as cancelled:  # noqa: BLE001 - a cancelled future raises here
        exc = cancelled
    if isinstance(exc, DetectorError):  # e.g. a worker cannot load the model: the run's error, as is
        raise exc
    raise RuntimeError(
        f"{part.describe()} failed on the cluster: {type(exc).__name__}: {exc}; the partitions "
        f"already done are kept in {work}: rerun the same command to resume"
    ) from exc


class _Run:
    """One run of the engine on a connected client."""

    def __init__(self, client: Any, parts: list[Partition], layout: Layout, config: Config, options: CleanOptions) -> None:
        self.client = client
        self.parts = parts
        self.layout = layout
        self.config = config
        self.options = options
        self.tag = uuid.uuid4().hex[:8]  # keys unique to this run (a cluster may outlive many runs)
        self.resumed = 0
        self.processed = 0
        self.tallies: dict[int, Tally] = {}
        self.documents: dict[int, int] = {}  # per partition, from pass 1
        self.template_sites = 0
        self.template_paragraphs = 0

    def submit(self, name: str, i: int, fn: Any, *args: Any) -> Any:
        return self.client.submit(fn, *args, key=f"detector-{name}-{i:06d}-{self.tag}", pure=False)

    # pass 1 ----------------------------------------------------------------------------------
    def extract(self) -> Any:
        """Extract every partition; return the future of the ``TemplateIndex``."""
        from distributed import as_completed

        layout = self.layout
        role: dict[str, tuple[str, int]] = {}  # future key -> ("meta" | "counts", partition)
        futures: list[Any] = []
        errors = 0
        merges = 0
        with _progress(self.options, "pass 1/2 extract", None) as bar:
            for part in self.parts:
                i = part.index
                if shard_done(layout.spill(i)) and os.path.exists(layout.counts(i)):
                    self.resumed += 1
                    counts = self.submit("counts", i, _load_counts, layout.counts(i))
                    role[counts.key] = ("counts", i)
                    futures.append(counts)
                    done = read_marker(layout.spill(i))
                    self.documents[i] = int(done["documents"])
                    errors += int(done.get("errors", 0))
                    bar.update(self.documents[i])
                    continue
                both = self.submit("extract", i, _extract_partition, part, layout, self.config, self.options)
                meta = self.submit("extract-meta", i, operator.getitem, both, 0)
                counts = self.submit("extract-counts", i, operator.getitem, both, 1)
                role[meta.key], role[counts.key] = ("meta", i), ("counts", i)
                futures += [meta, counts]
            # sum the counters on the cluster as they arrive, two by two; a counter is freed as
            # soon as it is merged (only as_completed and `ready` hold futures)
            pending = as_completed(futures, loop=self.client.loop)
            futures = []
            ready: list[Any] = []
            for f in pending:
                kind, i = role.pop(f.key)
                if f.status != "finished":
                    _raise_failed(f, self.parts[i], layout.work)
                if kind == "meta":
                    meta = f.result()
                    self.documents[i] = meta["documents"]
                    self.processed += meta["documents"]
                    errors += meta["errors"]
                    bar.update(meta["documents"])
                    bar.set_postfix(errors=errors, refresh=False)
                    continue
                ready.append(f)
                if len(ready) == 2:
                    merges += 1
                    merged = self.submit("merge", merges, _merge_counters, *ready)
                    role[merged.key] = ("counts", i)
                    pending.add(merged)
                    ready = []
        total = ready[0] if ready else self.submit("no-counts", 0, TemplateCounter)
        index = self.submit("templates", 0, _finalize, total, self.options.template_min_docs, self.options.template_min_share)
        self.template_sites, self.template_paragraphs = self.submit("template-size", 0, _index_size, index).result()
        return index

    # pass 2 ----------------------------------------------------------------------------------
    def score(self, templates: Any) -> None:
        layout = self.layout
        total = sum(self.documents.values())
        futures = {}
        with _progress(self.options, "pass 2/2 score", total) as bar:
            running = Tally()
            for part in self.parts:
                i = part.index
                if shard_done(layout.tally(i)):
                    self._done(i, _read_json(layout.tally(i)), bar, running)
                    continue
                futures[self.submit("score", i, _score_partition, i, layout, self.config, self.options, templates)] = i
            self._collect(futures, bar, running, count=False)

    # one pass (no templates) -----------------------------------------------------------------
    def single(self) -> None:
        layout = self.layout
        futures = {}
        with _progress(self.options, "clean", None) as bar:
            running = Tally()
            for part in self.parts:
                i = part.index
                if shard_done(layout.tally(i)):
                    self.resumed += 1
                    self._done(i, _read_json(layout.tally(i)), bar, running)
                    continue
                futures[self.submit("clean", i, _process_partition, part, layout, self.config, self.options)] = i
            self._collect(futures, bar, running, count=True)

    def _collect(self, futures: dict[Any, int], bar: Any, running: Tally, count: bool) -> None:
        from distributed import as_completed

        for f in as_completed(list(futures), loop=self.client.loop):
            i = futures.pop(f)
            if f.status != "finished":
                _raise_failed(f, self.parts[i], self.layout.work)
            data = f.result()
            if count:
                self.processed += int(data["documents"])
            self._done(i, data, bar, running)

    def _done(self, i: int, data: dict[str, Any], bar: Any, running: Tally) -> None:
        tally = Tally.from_dict(data)
        self.tallies[i] = tally
        running.merge(Tally.from_dict(data))
        bar.update(tally.documents)
        bar.set_postfix(kept=running.kept, dropped=running.dropped, errors=running.errors, refresh=False)


def _read_json(path: str) -> Any:
    import json

    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _check_workers(client: Any, layout: Layout, sources: Sequence[Source]) -> None:
    """Fail early, with a clear message, when the workers cannot see the work directory or the
    local inputs (they must be on a filesystem shared by the client and the workers)."""
    probe = [layout.work] + [s.location for s in sources if not s.remote][:_CHECK_FILES]
    missing = {addr: m for addr, m in client.run(_workers_missing, probe).items() if m}
    if not missing:
        return
    addr, paths = next(iter(sorted(missing.items())))
    raise InputError(
        paths[0],
        f"not visible from the Dask worker {addr} (and {len(missing) - 1} other(s)): inputs and output "
        "must be on a filesystem shared by this machine and every worker",
    )


def run_dask(
    inputs: Iterable[str],
    output: str,
    *,
    options: CleanOptions,
    config: Config | None = None,
    scheduler: Any = None,
) -> CleanSummary:
    """Clean ``inputs`` into ``output`` on a Dask cluster (see the module doc). ``scheduler`` is a
    scheduler address, a scheduler file, a ``distributed.Client`` or a cluster object; ``None``
    starts a ``LocalCluster`` with ``options.n_workers`` worker processes."""
    _require_dask()
    start = time.perf_counter()
    config = config or Config()
    if config.model_path is not None:  # workers resolve paths from their own working directory
        config = config.replace(model_path=Path(config.model_path).resolve())
    output = os.fspath(output)
    if _is_url(output):
        raise InputError(output, "the Dask engine writes to a path on a shared filesystem, not to a URL")
    paths = output_paths(output, options)
    fmt = output_format_of(output, options.output_format)
    sources = expand_sources(list(inputs), options.input_format)
    if not sources:
        raise InputError(", ".join(inputs), "no input files")
    # workers get absolute paths: their working directory is not ours
    layout = Layout(os.path.abspath(paths.work), fmt, output_format_of(paths.rejects))

    with _Cluster(scheduler, options) as client:
        if not options.quiet:
            link = _dashboard_link(client)
            print(f"Dask dashboard: {link}" if link else "Dask dashboard: none (the scheduler runs without one)",
                  file=sys.stderr)
            if not client.scheduler_info(n_workers=-1).get("workers"):
                print(f"Dask: no worker is connected to {client.scheduler.address} yet; the run starts when "
                      "one is (`dask worker ADDRESS`)", file=sys.stderr)
        parquet = sorted({s.location for s in sources if s.format == "parquet"})
        row_groups = dict(zip(parquet, client.gather(client.map(_parquet_row_groups, parquet, pure=False))))
        parts = plan_partitions(sources, options.shard_size, row_groups)
        manifest = _manifest([InputFile(s.location, s.format) for s in sources], options, config, fmt)
        manifest["engine"] = "dask"
        manifest["partitions"] = [[p.index, [s.path for s in p.sources], p.row_groups, p.first_row] for p in parts]
        _prepare_work_dir(layout.work, manifest, options.resume)
        _check_workers(client, layout, sources)

        run = _Run(client, parts, layout, config, options)
        if options.templates:
            templates = run.extract()
            run.score(templates)
        else:
            run.single()
        n_workers = len(client.scheduler_info(n_workers=-1).get("workers", {})) or options.n_workers

    tally = Tally()
    for part in parts:
        tally.merge(run.tallies[part.index])
    _assemble(layout, len(parts), paths, options)
    elapsed = time.perf_counter() - start
    summary = CleanSummary.from_tally(
        tally,
        output=output,
        elapsed=elapsed,
        docs_per_second=run.processed / elapsed if elapsed > 0 else 0.0,
        workers=n_workers,
        engine="dask",
        shards=len(parts),
        resumed_shards=run.resumed,
        template_sites=run.template_sites,
        template_paragraphs=run.template_paragraphs,
        rejects_path=paths.rejects if options.filtering else None,
        errors_path=paths.errors,
    )
    atomic_write_json(paths.stats, summary.to_dict())
    shutil.rmtree(layout.work, ignore_errors=True)
    return summary
