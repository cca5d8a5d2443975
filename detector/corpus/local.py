"""The local engine: a process pool over shards of the input, two passes, resumable.

The input stream is cut into shards of ``shard_size`` consecutive documents (the cut depends only
on the input, so the output does not depend on the number of workers). Work lives in
``OUTPUT.shards/``:

- pass 1 (site templates on): each shard is extracted once; the extracted ``Document``s are
  spilled to ``extract/NNNNNN.pkl.zst`` and the shard's template counts to ``NNNNNN.counts``.
  Pass 2 reads the spilled documents instead of extracting again: the spill round trip costs
  about 5% of an extraction (see docs/batch.md). The parent merges the counts (hashes and
  counts only) into the ``TemplateIndex``.
- pass 2: each shard's documents are scored with their site's templates and written to
  ``out/NNNNNN.*`` (output rows, rejects, errors, tally).
- without templates there is a single pass from the input straight to ``out/``.

Every shard file is written to a temporary name and renamed, and a shard counts as done only
when its marker exists. A rerun of the same command (same inputs, options and model, checked by
``manifest.json``) skips done shards; at the end the shards are joined, in order, into OUTPUT and
the work directory is removed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from detector.config import Config
from detector.corpus.options import CleanOptions
from detector.corpus.process import (
    CleanSummary,
    Outcome,
    Tally,
    describe,
    error_outcome,
    process_document,
    score_extracted,
    time_budget,
)
from detector.corpus.readers import InputFile, ReadError, expand_inputs, read_file
from detector.corpus.templates import TemplateCounter, TemplateIndex, fingerprints_of
from detector.corpus.writers import (
    OutputPaths,
    atomic_write_bytes,
    atomic_write_json,
    concat_shards,
    marker_path,
    output_format_of,
    output_paths,
    read_marker,
    shard_done,
    write_shard,
)
from detector.document import RawDoc
from detector.errors import InputError
from detector.pipeline import Detector

__all__ = ["run_local"]

MANIFEST = "manifest.json"
Item = tuple[str, RawDoc | ReadError]  # (source file, document or read error)


# --- layout of the work directory ---------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    work: str
    fmt: str
    rejects_fmt: str

    def spill(self, i: int) -> str:
        return os.path.join(self.work, "extract", f"{i:06d}.pkl.zst")

    def counts(self, i: int) -> str:
        return os.path.join(self.work, "extract", f"{i:06d}.counts")

    def output(self, i: int) -> str:
        return os.path.join(self.work, "out", f"{i:06d}.{self.fmt}")

    def rejects(self, i: int) -> str:
        return os.path.join(self.work, "out", f"{i:06d}.rejects.{self.rejects_fmt}")

    def errors(self, i: int) -> str:
        return os.path.join(self.work, "out", f"{i:06d}.errors.jsonl")

    def tally(self, i: int) -> str:
        return os.path.join(self.work, "out", f"{i:06d}.tally.json")

    @property
    def extract_done(self) -> str:
        return os.path.join(self.work, "extract.done")

    @property
    def templates(self) -> str:
        return os.path.join(self.work, "templates.pkl")


# --- the worker side ----------------------------------------------------------------------------


class _Worker:
    """One Detector per process, reused for every shard it is given."""

    def __init__(self, config: Config, options: CleanOptions) -> None:
        self.detector = Detector(config)
        self.options = options
        self._templates: tuple[str, TemplateIndex] | None = None

    def templates(self, path: str) -> TemplateIndex:
        if self._templates is None or self._templates[0] != path:
            with open(path, "rb") as fh:
                self._templates = (path, pickle.load(fh))
        return self._templates[1]


_WORKER: _Worker | None = None  # the pool worker's own Detector (one per process, see _init_worker)


def _init_worker(config: Config, options: CleanOptions, parent: int) -> None:
    global _WORKER
    # Ctrl-C goes to the whole process group: the parent stops the pool, workers must not die mid-write
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    _single_threaded()
    _WORKER = _Worker(config, options)


def _die_with_parent(parent: int) -> None:
    """A parent killed with SIGKILL cannot stop its pool: have Linux kill the worker with it."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


def _single_threaded() -> Any:
    """One OpenMP/BLAS thread per worker: N workers already use N cores, and extra threads would
    fight over them (measured: the model's gradient-boosting predict ran ~5x slower per document).
    ``ParagraphModel`` limits OpenMP around its own predict; this also covers BLAS and numpy."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _call(fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    assert _WORKER is not None
    return fn(_WORKER, *args)


def _zstd_pickle(obj: Any) -> bytes:
    import zstandard

    return zstandard.ZstdCompressor(level=1).compress(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _zstd_unpickle(path: str) -> Any:
    import zstandard

    with open(path, "rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as reader:
        return pickle.load(reader)


def _extract_shard(worker: _Worker, index: int, items: list[Item], layout: Layout) -> dict[str, int]:
    """Pass 1: extract every document once, spill them, count their paragraph fingerprints."""
    counter = TemplateCounter()
    entries: list[tuple[Any, ...]] = []
    errors = 0
    budget = worker.options.doc_timeout
    for source, item in items:
        if isinstance(item, ReadError):
            entries.append(("error", item.id, item.source, item.error))
            errors += 1
            continue
        start = time.perf_counter()
        try:
            with time_budget(budget):
                doc = worker.detector.extract(item)
        except Exception as exc:  # noqa: BLE001 - a bad document must never stop the batch
            entries.append(("error", item.id, source, describe(exc)))
            errors += 1
            continue
        entries.append(("doc", doc, source, time.perf_counter() - start))
        counter.add(doc.site, fingerprints_of(doc))
    atomic_write_bytes(layout.spill(index), _zstd_pickle(entries))
    atomic_write_bytes(layout.counts(index), pickle.dumps(counter, protocol=pickle.HIGHEST_PROTOCOL))
    meta = {"documents": len(items), "errors": errors}
    atomic_write_json(marker_path(layout.spill(index)), meta)
    return meta


def _score_shard(worker: _Worker, index: int, layout: Layout) -> dict[str, Any]:
    """Pass 2: score the spilled documents with their site's templates."""
    entries = _zstd_unpickle(layout.spill(index))
    templates = worker.templates(layout.templates)
    budget = worker.options.doc_timeout
    outcomes: list[Outcome] = []
    for entry in entries:
        if entry[0] == "error":
            outcomes.append(error_outcome(entry[1], entry[2], entry[3]))
            continue
        _, doc, source, took = entry
        left = None if budget is None else max(budget - took, 1e-3)
        outcomes.append(
            score_extracted(worker.detector, doc, templates=templates, options=worker.options, source=source, budget=left)
        )
    return _write_outcomes(index, outcomes, layout)


def _process_shard(worker: _Worker, index: int, items: list[Item], layout: Layout) -> dict[str, Any]:
    """Single pass (no templates): extract, score and write."""
    outcomes = [
        process_document(worker.detector, item, templates=None, options=worker.options, source=source)
        for source, item in items
    ]
    return _write_outcomes(index, outcomes, layout)


def _write_outcomes(index: int, outcomes: list[Outcome], layout: Layout) -> dict[str, Any]:
    tally = Tally()
    for outcome in outcomes:
        tally.add(outcome)
    write_shard((o.record for o in outcomes if o.kind == "output"), layout.output(index), layout.fmt)
    write_shard((o.record for o in outcomes if o.kind == "reject"), layout.rejects(index), layout.rejects_fmt)
    write_shard((o.record for o in outcomes if o.kind == "error"), layout.errors(index), "jsonl")
    data = tally.to_dict()
    atomic_write_json(layout.tally(index), data)
    atomic_write_json(marker_path(layout.tally(index)), {"documents": tally.documents})
    return data


# --- the parent side ----------------------------------------------------------------------------


def _mp_context() -> Any:
    import multiprocessing as mp

    # Linux: fork, so that workers start with the detector already imported and scripts that
    # call clean_corpus need no `if __name__ == "__main__"` guard. The pool forks before its
    # own threads start. Elsewhere (macOS, Windows) fork is unsafe or missing: spawn.
    if sys.platform.startswith("linux"):
        return mp.get_context("fork")
    return mp.get_context("spawn")


class _Runner:
    """Runs shard tasks in this process (one worker) or in a process pool, at most a few shards
    in flight so that memory stays flat whatever the corpus size."""

    def __init__(self, n_workers: int, config: Config, options: CleanOptions) -> None:
        self.n_workers = n_workers
        self._config = config
        self._options = options
        self._local: _Worker | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._limits: Any = None

    def __enter__(self) -> _Runner:
        if self.n_workers == 1:
            self._limits = _single_threaded()  # restored on exit
            self._local = _Worker(self._config, self._options)
        else:
            self._pool = ProcessPoolExecutor(
                self.n_workers, mp_context=_mp_context(), initializer=_init_worker,
                initargs=(self._config, self._options, os.getpid()),
            )
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._limits is not None:
            self._limits.restore_original_limits()
        if self._pool is None:
            return
        if exc_type is None:
            self._pool.shutdown(wait=True)
            return
        # interrupted or failed: stop now; finished shards are on disk for the next run
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            if p.is_alive():
                p.terminate()
        for p in processes:
            p.join(5)

    def run(self, tasks: Iterable[tuple[int, Callable[..., Any], tuple[Any, ...]]], on_done: Callable[[int, Any], None]) -> None:
        if self._local is not None:
            for index, fn, args in tasks:
                on_done(index, fn(self._local, *args))
            return
        assert self._pool is not None
        it = iter(tasks)
        pending: dict[Future[Any], int] = {}
        limit = self.n_workers + 1

        def fill() -> None:
            while len(pending) < limit:
                task = next(it, None)
                if task is None:
                    return
                index, fn, args = task
                pending[self._pool.submit(_call, fn, args)] = index  # type: ignore[union-attr]

        fill()
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=lambda f: pending[f]):
                index = pending.pop(fut)
                on_done(index, fut.result())
            fill()


def _progress(options: CleanOptions, desc: str, total: int | None) -> Any:
    from tqdm import tqdm

    disable = options.quiet or not sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit="doc", disable=disable, dynamic_ncols=True, smoothing=0.1)


def _chunks(files: list[InputFile], options: CleanOptions, max_bytes: int) -> Iterator[tuple[int, list[Item]]]:
    shard: list[Item] = []
    index = 0
    for f in files:
        for item in read_file(f, options.fields, max_bytes=max_bytes):
            shard.append((f.path, item))
            if len(shard) == options.shard_size:
                yield index, shard
                index, shard = index + 1, []
    if shard:
        yield index, shard


def _without_own_files(files: list[InputFile], paths: OutputPaths) -> list[InputFile]:
    """A rerun with a shell glob (``*.jsonl``) must not read its own output back in."""
    own = {os.path.abspath(p) for p in (paths.output, paths.errors, paths.rejects, paths.stats)}
    work = os.path.abspath(paths.work) + os.sep
    return [f for f in files if os.path.abspath(f.path) not in own and not os.path.abspath(f.path).startswith(work)]


def _manifest(files: list[InputFile], options: CleanOptions, config: Config, fmt: str) -> dict[str, Any]:
    from detector import __version__
    from detector.model import shipped_model_path

    def stat(path: str) -> list[Any]:
        try:
            st = os.stat(path)
            return [path, st.st_size, st.st_mtime_ns]
        except OSError:
            return [path, None, None]

    ignored = {"workers", "quiet", "resume", "rejects"}
    opts = {k: v for k, v in dataclasses.asdict(options).items() if k not in ignored}
    model = config.model_path or shipped_model_path()
    return {
        "version": __version__,
        "format": fmt,
        "rejects_format": output_format_of(options.rejects) if options.rejects else "jsonl",
        "inputs": [[*stat(f.path), f.format] for f in files],
        "options": opts,
        "config": {k: str(v) if isinstance(v, os.PathLike) else v for k, v in dataclasses.asdict(config).items()},
        "model": stat(str(model)),
    }


def _prepare_work_dir(work: str, manifest: dict[str, Any], resume: bool) -> bool:
    """Create (or reuse) the work directory; True when an earlier run's shards are reused."""
    text = json.dumps(manifest, sort_keys=True, default=str)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    path = os.path.join(work, MANIFEST)
    if os.path.isdir(work):
        try:
            with open(path, encoding="utf-8") as fh:
                old = json.load(fh).get("digest")
        except (OSError, ValueError):
            if os.listdir(work):
                raise InputError(work, "exists and was not made by `detector clean`; remove it or choose another -o")
            old = None
        if resume and old == digest:
            return True
        shutil.rmtree(work)
    os.makedirs(os.path.join(work, "extract"), exist_ok=True)
    os.makedirs(os.path.join(work, "out"), exist_ok=True)
    atomic_write_json(path, {"digest": digest, "manifest": manifest})
    return False


def run_local(
    inputs: Iterable[str], output: str, *, options: CleanOptions, config: Config
) -> CleanSummary:
    start = time.perf_counter()
    inputs = list(inputs)
    output = os.fspath(output)
    paths = output_paths(output, options)
    fmt = output_format_of(output, options.output_format)
    files = _without_own_files(expand_inputs(list(inputs), options.input_format), paths)
    if not files:
        raise InputError(
            ", ".join(inputs), "no input files (directories are searched for .html, .htm, .xhtml and .txt files)"
        )
    layout = Layout(paths.work, fmt, output_format_of(paths.rejects))
    _prepare_work_dir(paths.work, _manifest(files, options, config, fmt), options.resume)

    n_workers = options.n_workers
    tallies: dict[int, Tally] = {}
    # resumed: shards whose work an earlier run had finished; processed: documents scored by this run
    state = {"resumed": 0, "processed": 0}
    templates = TemplateIndex()
    with _Runner(n_workers, config, options) as runner:
        if options.templates:
            n_shards = _pass_extract(runner, files, layout, options, config, state)
            templates = _build_templates(layout, n_shards, options)
            _pass_score(runner, layout, n_shards, options, tallies, state)
        else:
            n_shards = _pass_single(runner, files, layout, options, config, tallies, state)

    tally = Tally()
    for i in range(n_shards):
        tally.merge(tallies[i])
    _assemble(layout, n_shards, paths, options)
    elapsed = time.perf_counter() - start
    summary = CleanSummary.from_tally(
        tally,
        output=output,
        elapsed=elapsed,
        docs_per_second=state["processed"] / elapsed if elapsed > 0 else 0.0,
        workers=n_workers,
        engine="local",
        shards=n_shards,
        resumed_shards=state["resumed"],
        template_sites=len(templates.sites),
        template_paragraphs=len(templates),
        rejects_path=paths.rejects if options.filtering else None,
        errors_path=paths.errors,
    )
    atomic_write_json(paths.stats, summary.to_dict())
    shutil.rmtree(paths.work, ignore_errors=True)
    return summary


def _pass_extract(
    runner: _Runner, files: list[InputFile], layout: Layout, options: CleanOptions, config: Config, state: dict[str, int]
) -> int:
    if os.path.exists(layout.extract_done):
        with open(layout.extract_done, encoding="utf-8") as fh:
            n_shards = int(json.load(fh)["shards"])
        state["resumed"] = max(state["resumed"], n_shards)
        return n_shards
    bar = _progress(options, "pass 1/2 extract", None)
    seen = {"shards": 0, "errors": 0}
    resumed = {"n": 0}

    def tasks() -> Iterator[tuple[int, Callable[..., Any], tuple[Any, ...]]]:
        for index, items in _chunks(files, options, config.max_input_bytes):
            seen["shards"] = index + 1
            if shard_done(layout.spill(index)) and os.path.exists(layout.counts(index)):
                resumed["n"] += 1
                bar.update(len(items))
                continue
            yield index, _extract_shard, (index, items, layout)

    def on_done(index: int, meta: dict[str, int]) -> None:
        seen["errors"] += meta["errors"]
        bar.update(meta["documents"])
        bar.set_postfix(errors=seen["errors"], refresh=False)

    with bar:
        runner.run(tasks(), on_done)
    state["resumed"] = max(state["resumed"], resumed["n"])
    atomic_write_json(layout.extract_done, {"shards": seen["shards"]})
    return seen["shards"]


def _build_templates(layout: Layout, n_shards: int, options: CleanOptions) -> TemplateIndex:
    if os.path.exists(layout.templates):
        with open(layout.templates, "rb") as fh:
            return pickle.load(fh)
    counter = TemplateCounter()
    for i in range(n_shards):
        with open(layout.counts(i), "rb") as fh:
            counter.merge(pickle.load(fh))
    index = counter.finalize(options.template_min_docs, options.template_min_share)
    atomic_write_bytes(layout.templates, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
    return index


def _on_scored(bar: Any, tallies: dict[int, Tally], running: Tally, state: dict[str, int], count: bool) -> Callable[[int, Any], None]:
    def on_done(index: int, data: dict[str, Any]) -> None:
        tally = Tally.from_dict(data)
        tallies[index] = tally
        running.merge(Tally.from_dict(data))
        if count:
            state["processed"] += tally.documents
        bar.update(tally.documents)
        bar.set_postfix(kept=running.kept, dropped=running.dropped, errors=running.errors, refresh=False)

    return on_done


def _pass_score(
    runner: _Runner, layout: Layout, n_shards: int, options: CleanOptions, tallies: dict[int, Tally], state: dict[str, int]
) -> None:
    total = sum(read_marker(layout.spill(i))["documents"] for i in range(n_shards))
    running = Tally()
    bar = _progress(options, "pass 2/2 score", total)
    on_done = _on_scored(bar, tallies, running, state, count=True)
    on_resumed = _on_scored(bar, tallies, running, state, count=False)
    resumed = 0

    def tasks() -> Iterator[tuple[int, Callable[..., Any], tuple[Any, ...]]]:
        nonlocal resumed
        for index in range(n_shards):
            if shard_done(layout.tally(index)):
                resumed += 1
                with open(layout.tally(index), encoding="utf-8") as fh:
                    on_resumed(index, json.load(fh))
                continue
            yield index, _score_shard, (index, layout)

    with bar:
        runner.run(tasks(), on_done)
    state["resumed"] = max(state["resumed"], resumed)


def _pass_single(
    runner: _Runner,
    files: list[InputFile],
    layout: Layout,
    options: CleanOptions,
    config: Config,
    tallies: dict[int, Tally],
    state: dict[str, int],
) -> int:
    running = Tally()
    bar = _progress(options, "clean", None)
    scored = _on_scored(bar, tallies, running, state, count=True)
    seen = {"shards": 0}

    def tasks() -> Iterator[tuple[int, Callable[..., Any], tuple[Any, ...]]]:
        for index, items in _chunks(files, options, config.max_input_bytes):
            seen["shards"] = index + 1
            if shard_done(layout.tally(index)):
                state["resumed"] += 1
                with open(layout.tally(index), encoding="utf-8") as fh:
                    data = json.load(fh)
                tallies[index] = Tally.from_dict(data)
                running.merge(Tally.from_dict(data))
                bar.update(len(items))
                continue
            yield index, _process_shard, (index, items, layout)

    with bar:
        runner.run(tasks(), scored)
    return seen["shards"]


def _assemble(layout: Layout, n_shards: int, paths: OutputPaths, options: CleanOptions) -> None:
    shards = range(n_shards)
    concat_shards([layout.errors(i) for i in shards], paths.errors, "jsonl")
    if options.filtering:
        concat_shards([layout.rejects(i) for i in shards], paths.rejects, layout.rejects_fmt)
    concat_shards([layout.output(i) for i in shards], paths.output, layout.fmt)
