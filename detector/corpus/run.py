"""The batch run, once, whatever executor runs its tasks (the shape of datatrove's
``executor/base.py``): plan -> pass 1 -> site templates -> pass 2 -> assemble -> summary.

1. Where the results go: the output format (from the extension, else an error), the folders, and
   that no output path is an input or another output -- all before anything is read or loaded.
2. The inputs: files in order (``sources``); a glob or folder that finds one of our own outputs
   skips it, an input named outright that is an output is an error.
3. The model: loaded once here, so a bad model is one error before any work.
4. The work folder: locked, and resumed when the manifest matches (``workdir``). The temporary
   files a crashed run's atomic writes left, in it and beside the outputs, are removed
   (``atomic.remove_stale_temps``).
5. Pass 1 (site templates on): ``extract_task`` per shard; the template counts are summed into
   the ``TemplateIndex`` (hashes and counts only). Without templates: a single ``clean_task`` pass.
   Either pass also counts what each input file gave (``inputs``): a file from which no
   document was read, and a file whose records share ids, is one warning line on stderr each
   (not with ``quiet``).
6. Pass 2: ``score_task`` per shard.
7. Assembly: the shards joined in order into OUTPUT, rejects and errors (``-o -``: JSONL on stdout).
8. Summary: tallies summed into ``OUTPUT.stats.json`` with the run's provenance; the work folder goes.

Every shard file is written atomically and counts as done only with its marker, so a rerun of the
same command (same inputs, options and model) skips done shards and gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from detector.atomic import atomic_write_bytes, atomic_write_json, remove_stale_temps
from detector.config import Config
from detector.corpus.executors.base import Executor, Task
from detector.corpus.options import CleanOptions
from detector.corpus.sources import ReadSpec, Shard, Source, expand_sources, plan_shards
from detector.corpus.tally import CleanSummary, Tally
from detector.corpus.inputs import InputCounts, first_repeated, id_digest
from detector.corpus.tasks import Job, clean_task, context, extract_task, score_task
from detector.corpus.templates import TemplateCounter, TemplateIndex
from detector.corpus.workdir import Layout, WorkDir, manifest_of
from detector.corpus.writers import (
    OutputPaths,
    concat_shards,
    output_format_of,
    output_paths,
    read_marker,
    shard_done,
)
from detector.errors import InputError, printable

__all__ = ["ENGINES", "clean_corpus", "resolve_config"]

ENGINES = ("local", "dask")
STDOUT = "-"


def resolve_config(config: Config | None, options: CleanOptions) -> Config:
    """The detector's Config for a run: ``min_quality`` (if given) also sets ``quality.keep``."""
    config = config or Config()
    if options.min_quality is not None:
        config = config.replace(min_quality=options.min_quality)
    if config.model_path is not None:  # workers resolve paths from their own working directory
        config = config.replace(model_path=os.path.abspath(config.model_path))
    return config


def _log(options: CleanOptions, message: str) -> None:
    if not options.quiet:
        print(f"detector clean: {message}", file=sys.stderr)


def _short(doc_id: str | None, limit: int = 80) -> str:
    """``doc_id`` quoted for a warning line: ``repr`` (control characters escaped), cut to ``limit``."""
    if doc_id is None:  # the file changed since it was read
        return "(not found again)"
    text = repr(doc_id)
    return text if len(text) <= limit else text[:limit - 4] + "...'"


# --- 1. where the results go ---------------------------------------------------------------------


def _check_outputs(output: str, options: CleanOptions) -> tuple[OutputPaths, str, str]:
    if output == STDOUT:
        if options.output_format not in (None, "jsonl"):
            raise InputError(output, "-o - writes JSONL; drop --output-format or name an output file")
        fmt = "jsonl"
    else:
        fmt = output_format_of(output, options.output_format)
    paths = output_paths(output, options)
    rejects_fmt = output_format_of(paths.rejects)
    named = {"output": paths.output, "rejects": paths.rejects, "errors": paths.errors, "stats": paths.stats}
    if output == STDOUT:
        named = {"rejects": paths.rejects} if options.rejects else {}
    seen: dict[str, str] = {}
    for what, path in named.items():
        real = os.path.realpath(path)
        if real in seen:
            raise InputError(path, f"the {what} file is also the {seen[real]} file; give them different names")
        seen[real] = what
        if os.path.isdir(path):
            raise InputError(path, f"the {what} path is a folder; name a file")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise InputError(path, f"the output folder {folder} does not exist")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise InputError(path, f"the output folder {folder} is not writable")
    return paths, fmt, rejects_fmt


def _remove_stale_temps(paths: OutputPaths, work: str, options: CleanOptions, stdout: bool) -> None:
    """A rerun after a crash: the temporary files an earlier run's atomic writes left in the work
    folder, and beside the outputs those of the outputs themselves (``.OUTPUT.PID.RANDOM.tmp``,
    not another program's or another output's), are removed (``atomic.remove_stale_temps``: only
    that name pattern, only when their writer is dead). Raises nothing."""
    named = [] if stdout else [paths.output, paths.errors, paths.stats]
    if options.filtering and (options.rejects or not stdout):
        named.append(paths.rejects)
    beside: dict[str, set[str]] = {}
    for path in named:
        folder, name = os.path.split(os.path.abspath(path))
        beside.setdefault(folder, set()).add(name)
    for folder, names in beside.items():
        remove_stale_temps(folder, frozenset(names))
    for folder in (work, os.path.join(work, "extract"), os.path.join(work, "out")):
        remove_stale_temps(folder)


# --- 2. the inputs --------------------------------------------------------------------------------


def _sources(inputs: Sequence[str], paths: OutputPaths, options: CleanOptions, stdout: bool) -> list[Source]:
    own = {} if stdout else {os.path.realpath(p): w for w, p in (("output", paths.output), ("errors", paths.errors),
                                                                 ("stats", paths.stats))}
    if options.filtering or options.rejects:
        own[os.path.realpath(paths.rejects)] = "rejects"
    for item in inputs:  # an input named outright must never be overwritten
        if os.path.exists(item) and not os.path.isdir(item) and os.path.realpath(item) in own:
            raise InputError(item, f"is both an input and the {own[os.path.realpath(item)]} file; "
                                   "choose another -o / --rejects")
    work = os.path.realpath(paths.work) + os.sep
    sources = expand_sources(list(inputs), options.input_format)
    # an output found inside a folder or glob input is skipped when an earlier run wrote it (its
    # stats file is there); otherwise it is the user's own file and would be overwritten: refuse
    if own and not os.path.exists(paths.stats):
        for s in sources:
            real = "" if s.remote else os.path.realpath(s.location)
            if real in own and os.path.exists(real):
                raise InputError(s.location, f"is an input (found in {', '.join(inputs)}) and would be overwritten "
                                             f"as the {own[real]} file; choose another -o / --rejects")
    # a rerun with a glob (`*.jsonl`) or a folder must not read its own outputs back in
    sources = [s for s in sources
               if s.remote or (os.path.realpath(s.location) not in own and not os.path.realpath(s.location).startswith(work))]
    if not sources:
        raise InputError(", ".join(inputs),
                         "no input files (folders are searched for .html, .htm, .xhtml and .txt files, also .gz)")
    return sources


def _provenance(config: Config, manifest: dict[str, Any], detector: Any) -> dict[str, Any]:
    from detector import __version__

    digest = hashlib.sha256(json.dumps({"config": manifest["config"], "options": manifest["options"]},
                                       sort_keys=True, default=str).encode("utf-8", "replace")).hexdigest()
    return {"detector_version": __version__, "model_sha256": detector.model.info.get("sha256"),
            "config_sha256": digest}


def _progress(options: CleanOptions, desc: str, total: int | None) -> Any:
    from tqdm import tqdm

    disable = options.quiet or not sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit="doc", disable=disable, dynamic_ncols=True, smoothing=0.1)


def clean_corpus(
    inputs: Sequence[str] | str,
    output: str | os.PathLike[str],
    *,
    options: CleanOptions = CleanOptions(),
    config: Config | None = None,
    engine: str = "local",
    scheduler: Any = None,
    executor: Executor | None = None,
) -> CleanSummary:
    """Clean and score every document of ``inputs`` into ``output``.

    ``output`` is ``*.jsonl``, ``*.jsonl.gz``, ``*.jsonl.zst``, ``*.parquet`` or ``-`` (JSONL on
    stdout): one row per input document with its other input fields (or, with ``min_quality`` /
    ``keep_only``, per kept document; the others go to ``options.rejects``, default
    ``OUTPUT.rejects.jsonl``). Documents that fail go to ``OUTPUT.errors.jsonl``; the summary is
    returned and written to ``OUTPUT.stats.json``. ``engine`` is ``local`` (``options.workers``
    processes) or ``dask`` (``scheduler``: an address, a scheduler file, a ``Client``, a cluster,
    or ``None`` for a ``LocalCluster``); ``executor`` overrides both.

    Raises ``InputError`` (a missing input, an unknown output extension, an output that is an
    input, a locked or unwritable output, a ``scheduler`` without ``engine="dask"`` ...) before
    any work, ``ModelError`` for a bad model, ``WorkerDied`` when a worker process of the local
    engine died (the finished shards are kept: calling again with the same arguments resumes).
    """
    start = time.perf_counter()
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [os.fspath(inputs)]
    inputs = [os.fspath(i) for i in inputs]
    output = os.fspath(output)
    if engine not in ENGINES:
        raise InputError(engine, f"unknown engine; use one of {', '.join(ENGINES)}")
    if scheduler is not None and engine != "dask" and executor is None:  # it would be ignored
        where = f" {scheduler}" if isinstance(scheduler, (str, os.PathLike)) else ""
        raise InputError("--scheduler", f"a Dask scheduler{where} is only used with --engine dask "
                                        f"(engine='dask'); this run uses the {engine} engine")
    if engine == "dask" and "://" in output:
        raise InputError(output, "the Dask engine writes to a path on a shared filesystem, not to a URL")
    stdout = output == STDOUT
    # 1.-2.
    paths, fmt, rejects_fmt = _check_outputs(output, options)
    sources = _sources(inputs, paths, options, stdout)
    config = resolve_config(config, options)
    if executor is None:  # (a scheduler address that cannot be one is refused here, at once)
        if engine == "dask":
            from detector.corpus.executors.dask import DaskExecutor

            executor = DaskExecutor(scheduler, options.n_workers, quiet=options.quiet)
        else:
            from detector.corpus.executors.local import LocalExecutor

            executor = LocalExecutor(options.n_workers)
    # 3. the model, once, before any work
    detector = context(config).detector
    # 4. the work folder
    work = WorkDir(tempfile.mkdtemp(prefix="detector-clean-") if stdout else os.path.abspath(paths.work))
    layout = Layout(work.path, fmt, rejects_fmt)
    manifest = manifest_of(sources, options, config, fmt, rejects_fmt)
    spec = ReadSpec(fields=options.fields, keep=True if options.keep_fields is None else frozenset(options.keep_fields),
                    limit=config.max_input_bytes, site_from=options.site_from)
    job = Job(config, options, spec, layout, _provenance(config, manifest, detector))
    work.lock()
    try:
        _remove_stale_temps(paths, work.path, options, stdout)
        state = _Run(job, executor, sources)
        with executor:
            executor.check_paths([layout.work] + [s.location for s in sources])
            work.open(manifest, options.resume and not stdout)
            executor.start(job)
            if options.templates:
                n_shards = state.extract()
                templates = state.build_templates(n_shards)
                state.score(n_shards)
            else:
                n_shards = state.single()
                templates = TemplateIndex()
        state.warn_inputs()
        # 7. assembly
        tally = Tally()
        for i in range(n_shards):
            tally.merge(state.tallies[i])
        _assemble(layout, n_shards, paths, options, stdout)
        # 8. summary
        elapsed = time.perf_counter() - start
        summary = CleanSummary.from_tally(
            tally,
            output=output,
            elapsed=elapsed,
            docs_per_second=state.processed / elapsed if elapsed > 0 else 0.0,
            workers=executor.workers,
            engine=executor.engine,
            shards=n_shards,
            resumed_shards=state.resumed,
            resumed_scored_shards=state.scored_resumed,
            template_sites=len(templates.sites),
            template_paragraphs=len(templates),
            rejects_path=paths.rejects if options.filtering and (options.rejects or not stdout) else None,
            errors_path=None if stdout else paths.errors,
            documents_without_site=state.no_site if options.templates else 0,
            provenance=job.provenance or {},
        )
        if not stdout:
            atomic_write_json(paths.stats, summary.to_dict())
        work.remove()
    finally:
        work.release()
        if stdout:
            work.remove()
    return summary


class _Run:
    """The passes of one run (5.-6.): which tasks to submit, which to skip, what to reduce."""

    def __init__(self, job: Job, executor: Executor, sources: list[Source]) -> None:
        self.job = job
        self.executor = executor
        self.sources = sources
        self.options = job.options
        self.layout = job.layout
        self.tallies: dict[int, Tally] = {}
        self.resumed = 0  # shards with work an earlier run had finished (pass 1 of them, at least)
        self.scored_resumed = 0  # shards an earlier run had finished: scored (pass 2, or the single pass)
        self.processed = 0  # documents scored by this run
        self.no_site = 0
        self.inputs = InputCounts()  # what each input file gave (pass 1, or the single pass)

    def shards(self) -> Iterator[Shard]:
        return plan_shards(self.sources, self.job.spec, self.options.shard_size)

    def _run(self, tasks: Iterator[Task], on_done: Callable[[int, Any], None]) -> None:
        self.executor.run(tasks, on_done, self.job)

    # 5. pass 1 ----------------------------------------------------------------------------------
    def extract(self) -> int:
        layout = self.layout
        if os.path.exists(layout.extract_done):
            with open(layout.extract_done, encoding="utf-8") as fh:
                done = json.load(fh)
            self.resumed = n = int(done["shards"])
            self.no_site = int(done.get("no_site", 0))
            for i in range(n):
                self.inputs.merge(read_marker(layout.spill(i)).get("inputs"))
            return n
        seen = {"shards": 0, "errors": 0}
        bar = _progress(self.options, "pass 1/2 extract", None)

        def tasks() -> Iterator[Task]:
            for shard in self.shards():
                seen["shards"] = shard.index + 1
                if shard_done(layout.spill(shard.index)) and os.path.exists(layout.counts(shard.index)):
                    self.resumed += 1
                    on_done(shard.index, read_marker(layout.spill(shard.index)))
                    continue
                yield Task(shard.index, extract_task, (shard,))

        def on_done(index: int, meta: dict[str, int]) -> None:
            seen["errors"] += meta["errors"]
            self.no_site += int(meta.get("no_site", 0))
            self.inputs.merge(meta.get("inputs"))
            bar.update(meta["documents"])
            bar.set_postfix(errors=seen["errors"], refresh=False)

        with bar:
            self._run(tasks(), on_done)
        if self.no_site:
            docs = "1 document carries" if self.no_site == 1 else f"{self.no_site} documents carry"
            _log(self.options, f"warning: {docs} no site (no URL), so site templates "
                               "cannot be found for them; give --site-from (field:NAME, dir or path:REGEX)")
        atomic_write_json(layout.extract_done, {"shards": seen["shards"], "no_site": self.no_site})
        return seen["shards"]

    def build_templates(self, n_shards: int) -> TemplateIndex:
        layout = self.layout
        if os.path.exists(layout.templates):
            with open(layout.templates, "rb") as fh:
                return pickle.load(fh)
        counter = TemplateCounter()
        for i in range(n_shards):
            with open(layout.counts(i), "rb") as fh:
                counter.merge(pickle.load(fh))
        index = counter.finalize(self.options.template_min_docs, self.options.template_min_share)
        atomic_write_bytes(layout.templates, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
        return index

    # 6. pass 2 ----------------------------------------------------------------------------------
    def _scored(self, bar: Any, running: Tally, count: bool) -> Callable[[int, Any], None]:
        def on_done(index: int, data: dict[str, Any]) -> None:
            tally = Tally.from_dict(data)
            self.tallies[index] = tally
            running.merge(Tally.from_dict(data))
            if count:
                self.processed += tally.documents
            bar.update(tally.documents)
            bar.set_postfix(kept=running.kept, dropped=running.dropped, errors=running.errors, refresh=False)

        return on_done

    def _resumed(self, index: int, on_done: Callable[[int, Any], None], inputs: bool = False) -> bool:
        """Whether shard ``index``'s tally is done; if so, ``on_done`` gets it (with ``inputs``,
        the input counts its marker holds: the single pass)."""
        if not shard_done(self.layout.tally(index)):
            return False
        with open(self.layout.tally(index), encoding="utf-8") as fh:
            data = json.load(fh)
        if inputs:
            data["inputs"] = read_marker(self.layout.tally(index)).get("inputs")
        on_done(index, data)
        return True

    def _counted(self, on_done: Callable[[int, Any], None]) -> Callable[[int, Any], None]:
        """``on_done`` for a single-pass task, whose result also holds its input counts."""
        def counted(index: int, data: dict[str, Any]) -> None:
            data = dict(data)
            self.inputs.merge(data.pop("inputs", None))
            on_done(index, data)

        return counted

    def warn_inputs(self) -> None:
        """One warning line per input file from which no document was read (legal, but
        likely not what was meant: an empty JSONL, a WARC without a response record), and one
        per input file whose records share ids, naming the first shared id (read again from
        the file: ``inputs.first_repeated``). Every record is still written: ids key nothing
        in the outputs."""
        if self.options.quiet:
            return
        for path in self.inputs.empty(s.path for s in self.sources if not s.problem):
            _log(self.options, f"warning: no documents read from {path}")
        repeated = self.inputs.repeated()
        for source in self.sources:
            digests = repeated.get(source.path)
            if not digests:
                continue
            spec = self.job.spec
            entries = source.read(fields=spec.fields, limit=spec.limit, keep=frozenset())
            first = first_repeated((item.id for item, _ in entries), digests)
            records = sum(digests.values())
            if len(digests) == 1:
                what = f"{records} records share the id {_short(first)}"
            else:
                times = f" ({digests[id_digest(first)]} records)" if first is not None else ""
                what = f"{records} records share {len(digests)} ids, the first {_short(first)}{times}"
            _log(self.options, f"warning: {source.path}: {what}; every record is written, each with its id")

    def score(self, n_shards: int) -> None:
        total = sum(read_marker(self.layout.spill(i))["documents"] for i in range(n_shards))
        running = Tally()
        bar = _progress(self.options, "pass 2/2 score", total)
        on_done, on_resumed = self._scored(bar, running, True), self._scored(bar, running, False)
        resumed = 0

        def tasks() -> Iterator[Task]:
            nonlocal resumed
            for index in range(n_shards):
                if self._resumed(index, on_resumed):
                    resumed += 1
                    continue
                yield Task(index, score_task, (index,))

        with bar:
            self._run(tasks(), on_done)
        self.resumed = max(self.resumed, resumed)
        self.scored_resumed = resumed

    def single(self) -> int:
        running = Tally()
        bar = _progress(self.options, "clean", None)
        on_done = self._counted(self._scored(bar, running, True))
        on_resumed = self._counted(self._scored(bar, running, False))
        seen = {"shards": 0}

        def tasks() -> Iterator[Task]:
            for shard in self.shards():
                seen["shards"] = shard.index + 1
                if self._resumed(shard.index, on_resumed, inputs=True):
                    self.resumed += 1
                    self.scored_resumed += 1
                    continue
                yield Task(shard.index, clean_task, (shard,))

        with bar:
            self._run(tasks(), on_done)
        return seen["shards"]


def _assemble(layout: Layout, n_shards: int, paths: OutputPaths, options: CleanOptions, stdout: bool) -> None:
    shards = range(n_shards)
    if options.filtering and (options.rejects or not stdout):
        concat_shards([layout.rejects(i) for i in shards], paths.rejects, layout.rejects_fmt)
    if stdout:
        out = sys.stdout.buffer
        for i in shards:
            with open(layout.output(i), "rb") as fh:
                while chunk := fh.read(1 << 20):
                    out.write(chunk)
        out.flush()
        for i in shards:  # no errors file beside stdout: one line per error on stderr
            with open(layout.errors(i), encoding="utf-8") as fh:
                for line in fh:
                    rec = json.loads(line)
                    where = f" (line {rec['line']})" if "line" in rec else ""
                    print(printable(f"detector clean: {rec['id']}{where}: {rec['error']}"), file=sys.stderr)
        return
    concat_shards([layout.errors(i) for i in shards], paths.errors, "jsonl")
    concat_shards([layout.output(i) for i in shards], paths.output, layout.fmt)

