"""The executor protocol: ``run(tasks, on_done)`` runs tasks somewhere and hands each result back.

An executor only chooses where a task runs (as ``tasks.run_task(fn, job, *args)``) and keeps a few
tasks in flight so that memory stays flat whatever the corpus size; the run (``corpus.run``) owns
the passes, the resume bookkeeping and the reduction of the results. Subclasses implement
``_submit`` / ``_wait`` / ``_result``; a test may wrap ``run`` to stop a run part way (the public
hook for interruptions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Executor", "Task"]


@dataclass(frozen=True)
class Task:
    """Run ``fn(context, job, *args)`` for shard ``index``."""

    index: int
    fn: Callable[..., Any]
    args: tuple[Any, ...]

    def describe(self) -> str:
        return f"shard {self.index} ({self.fn.__name__})"


class Executor:
    """Base class: a context manager whose ``run`` executes tasks and calls ``on_done(index, result)``
    for each, in the parent, as results arrive (shards finishing together in index order)."""

    engine = "local"

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def start(self, job: Any) -> None:
        """Prepare the workers for ``job`` (called once per pass, before ``run``)."""

    def check_paths(self, paths: list[str]) -> None:
        """Raise ``InputError`` when a worker cannot see one of ``paths`` (shared filesystems)."""

    @property
    def in_flight(self) -> int:
        return self.workers + 1

    def run(self, tasks: Iterable[Task], on_done: Callable[[int, Any], None], job: Any = None) -> None:
        it = iter(tasks)
        pending: dict[Any, Task] = {}

        def fill() -> None:
            while len(pending) < self.in_flight:
                task = next(it, None)
                if task is None:
                    return
                pending[self._submit(task, job)] = task

        fill()
        while pending:
            done = self._wait(list(pending))
            for fut in sorted(done, key=lambda f: pending[f].index):
                task = pending.pop(fut)
                on_done(task.index, self._result(fut, task))
            fill()

    # --- backends ---------------------------------------------------------------------------
    def _submit(self, task: Task, job: Any) -> Any:
        raise NotImplementedError

    def _wait(self, futures: list[Any]) -> Iterable[Any]:
        raise NotImplementedError

    def _result(self, future: Any, task: Task) -> Any:
        return future.result()
