"""Executors choose where the tasks of a batch run execute; the run itself is ``corpus.run``.

- ``local.LocalExecutor``: this process (``workers=1``) or a process pool;
- ``dask.DaskExecutor``: a ``dask.distributed`` cluster (imported only when used).
"""

from detector.corpus.executors.base import Executor, Task
from detector.corpus.executors.local import LocalExecutor

__all__ = ["Executor", "LocalExecutor", "Task"]
