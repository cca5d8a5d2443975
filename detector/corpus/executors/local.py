"""The local executor: tasks in this process (``workers=1``) or in a process pool.

On Linux the pool forks after the run has loaded the model in the parent, so workers start with
the Detector in memory and a bad model is one error in the parent, never a pool of tracebacks.
Each worker uses one OpenMP/BLAS thread (N workers already use N cores), ignores Ctrl-C (the
parent stops the pool, so a worker never dies mid-write) and dies with its parent, even when the
parent is killed with SIGKILL. A worker that dies itself (the out-of-memory killer, a crash in a C
library) breaks the pool: the run stops with ``WorkerDied`` (rerun to resume), not with
``concurrent.futures``' ``BrokenProcessPool``.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from detector.corpus.executors.base import Executor, Task
from detector.corpus.tasks import run_task
from detector.errors import WorkerDied

__all__ = ["LocalExecutor"]


def _single_threaded() -> Any:
    """One OpenMP/BLAS thread (measured: with more, N workers' gradient-boosting predicts ran ~5x
    slower per document)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _die_with_parent(parent: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


def _init_worker(parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    _single_threaded()


def _mp_context() -> Any:
    import multiprocessing as mp

    # Linux: fork (workers inherit the loaded model; scripts need no __main__ guard). Elsewhere
    # fork is unsafe or missing: spawn, and each worker loads the model itself.
    return mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")


class LocalExecutor(Executor):
    """``workers`` processes (1 = this process)."""

    engine = "local"

    def __init__(self, workers: int = 1) -> None:
        super().__init__(workers)
        self._pool: ProcessPoolExecutor | None = None
        self._limits: Any = None

    def __enter__(self) -> LocalExecutor:
        if self.workers == 1:
            self._limits = _single_threaded()  # restored on exit
        return self

    def start(self, job: Any) -> None:
        if self.workers > 1 and self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=_mp_context(), initializer=_init_worker,
                                             initargs=(os.getpid(),))

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._limits is not None:
            self._limits.restore_original_limits()
            self._limits = None
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if exc_type is None:
            pool.shutdown(wait=True)
            return
        # interrupted or failed: stop now; finished shards are on disk for the next run
        processes = list((getattr(pool, "_processes", None) or {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)  # shutdown(wait=False) forgets it
        pool.shutdown(wait=False, cancel_futures=True)
        for p in processes:
            if p.is_alive():
                p.terminate()
        for p in processes:
            p.join(5)
        # let the pool's manager thread see its workers gone and close its wake-up pipe now:
        # otherwise it may close the pipe while concurrent.futures' exit hook writes to it, and a
        # one-line error ends with that hook's "Bad file descriptor" traceback (CPython 3.11)
        if manager is not None and manager.is_alive():
            manager.join(5)

    def _submit(self, task: Task, job: Any) -> Future[Any]:
        """Raises ``WorkerDied`` when a worker has died (the pool is broken)."""
        if self._pool is None:  # in this process, now
            fut: Future[Any] = Future()
            fut.set_result(run_task(task.fn, job, *task.args))
            return fut
        try:
            return self._pool.submit(run_task, task.fn, job, *task.args)
        except BrokenProcessPool as exc:
            raise WorkerDied() from exc

    def _wait(self, futures: list[Any]) -> Iterable[Any]:
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        return done

    def _result(self, future: Any, task: Task) -> Any:
        """The task's result; raises what it raised, and ``WorkerDied`` when a worker died."""
        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise WorkerDied() from exc
