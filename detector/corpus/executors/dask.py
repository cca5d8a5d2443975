"""The Dask executor: the tasks of a batch run on a ``dask.distributed`` cluster.

    clean_corpus(["/shared/crawl/*.parquet"], "/shared/cleaned.parquet",
                 engine="dask", scheduler="tcp://scheduler:8786")

Only Dask lives here: connecting (an address, a scheduler file, a ``Client``, a cluster object, or
a ``LocalCluster`` of ``workers`` processes started for the run), submitting ``tasks.run_task`` with
a few shards in flight, and turning a task the cluster lost into one clear error. Workers read
their shards and write their results themselves, so inputs and the output must be on a filesystem
the client and every worker share (checked before the run starts).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import uuid
from collections.abc import Iterable
from typing import Any

from detector.corpus.executors.base import Executor, Task
from detector.corpus.tasks import run_task
from detector.errors import DetectorError, InputError

__all__ = ["DaskExecutor"]

CONNECT_TIMEOUT = 15.0
"""Seconds to reach a scheduler before the run stops with an error."""
_CHECK_FILES = 8
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|inproc|ucx)://)?\[?[\w.\-:]+\]?:\d{1,5}$")


def _require_dask() -> None:
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise DetectorError(
            f"the Dask engine needs dask and distributed ({exc}); install the dask extra of boilerplate-detector: pip install -e '.[dask]' in its checkout"
        ) from exc


def _check_address(scheduler: str) -> None:
    """A scheduler string must be a scheduler file or ``[protocol://]host:port``."""
    if scheduler.endswith(".json"):
        if not os.path.isfile(scheduler):
            raise InputError(scheduler, "no such scheduler file")
        return
    if not _ADDRESS.match(scheduler):
        raise InputError(scheduler, "not a Dask scheduler address; use tcp://HOST:PORT or a scheduler file (*.json)")


def _missing(paths: list[str]) -> list[str]:
    """Which of ``paths`` this worker cannot see (runs on every worker)."""
    return [p for p in paths if not os.path.exists(p)]


class DaskExecutor(Executor):
    """Runs tasks on the cluster behind ``scheduler``; ``None`` starts a ``LocalCluster`` of
    ``workers`` single-threaded processes for the run."""

    engine = "dask"

    def __init__(self, scheduler: Any = None, workers: int = 1, *, quiet: bool = False) -> None:
        super().__init__(workers)
        _require_dask()
        if isinstance(scheduler, str):
            _check_address(scheduler)
        self.scheduler = scheduler
        self.quiet = quiet
        self.client: Any = None
        self._own: list[Any] = []
        self._tag = uuid.uuid4().hex[:8]  # keys unique to this run (a cluster may outlive many runs)

    def __enter__(self) -> DaskExecutor:
        from distributed import Client, LocalCluster

        scheduler = self.scheduler
        if isinstance(scheduler, Client):
            self.client = scheduler
        else:
            if scheduler is None:
                # one thread per process: the detector is pure-Python bound; Dask's warnings (tasks
                # cancelled on Ctrl-C) would drown the progress bar, errors still show
                scheduler = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                         dashboard_address=":0", silence_logs=logging.ERROR)
                self._own.append(scheduler)
            try:
                if isinstance(scheduler, str) and scheduler.endswith(".json"):
                    self.client = Client(scheduler_file=scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT)
                else:
                    self.client = Client(scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT)
            except (OSError, TimeoutError, ValueError) as exc:
                self.__exit__(None, None, None)
                raise InputError(str(scheduler), f"cannot connect to the Dask scheduler: {exc}") from exc
            self._own.insert(0, self.client)
        info = self.client.scheduler_info(n_workers=-1).get("workers") or {}
        if info:
            self.workers = len(info)
        if not self.quiet:
            try:
                link = self.client.dashboard_link
            except Exception:  # noqa: BLE001 - a scheduler started with --no-dashboard has none
                link = None
            print(f"Dask dashboard: {link}" if link else "Dask dashboard: none (the scheduler runs without one)",
                  file=sys.stderr)
            if not info:
                print(f"Dask: no worker is connected to {self.client.scheduler.address} yet; the run starts when "
                      "one is (`dask worker ADDRESS`)", file=sys.stderr)
        return self

    def __exit__(self, *exc: Any) -> None:
        for thing in self._own:
            try:
                thing.close()
            except Exception:  # noqa: BLE001 - closing must not hide the run's own error
                pass
        self._own.clear()

    @property
    def in_flight(self) -> int:
        return 2 * max(self.workers, 1) + 1

    def check_paths(self, paths: list[str]) -> None:
        probe = [p for p in paths if "://" not in p][: _CHECK_FILES + 1]
        missing = {addr: m for addr, m in self.client.run(_missing, probe).items() if m}
        if not missing:
            return
        addr, absent = next(iter(sorted(missing.items())))
        raise InputError(
            absent[0],
            f"not visible from the Dask worker {addr} (and {len(missing) - 1} other(s)): inputs and output "
            "must be on a filesystem shared by this machine and every worker",
        )

    def _submit(self, task: Task, job: Any) -> Any:
        key = f"detector-{task.fn.__name__}-{task.index:06d}-{self._tag}"
        return self.client.submit(run_task, task.fn, job, *task.args, key=key, pure=False)

    def _wait(self, futures: list[Any]) -> Iterable[Any]:
        from distributed import as_completed

        first = next(iter(as_completed(futures, loop=self.client.loop)))
        return [first] + [f for f in futures if f is not first and f.done()]

    def _result(self, future: Any, task: Task) -> Any:
        if future.status == "finished":
            return future.result()
        try:
            exc = future.exception()
        except BaseException as cancelled:  # noqa: BLE001 - a cancelled future raises here
            exc = cancelled
        if isinstance(exc, (DetectorError, OSError)):  # e.g. a worker cannot load the model: the run's error
            raise exc
        raise RuntimeError(
            f"{task.describe()} failed on the cluster: {type(exc).__name__}: {exc}; the shards already done "
            "are kept: rerun the same command to resume"
        ) from exc
