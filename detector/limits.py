"""A time limit for one piece of work, in any thread: how ``score``, ``filter`` and the
service stop a document (or a request) that runs past its budget.

In the main thread the limit is ``SIGALRM`` (``setitimer``), as the batch engine's
``--doc-timeout``. In any other thread (the service's scoring threads) a timer thread
raises the exception in the worker thread with CPython's ``PyThreadState_SetAsyncExc``
(the C API behind "raise in another thread"). Either way the exception is raised as soon
as the thread runs Python bytecode again: one long C call (a regular expression, one
lxml parse) finishes first, everything after it does not run.

``TimeLimitExceeded`` derives from ``BaseException`` so that library code's
``except Exception`` (trafilatura's, ours) cannot swallow it on its way out; leaving the
``with`` block turns it into ``DocumentTimeout``, an ordinary ``DetectorError``.
"""

from __future__ import annotations

import ctypes
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from detector.config import MAX_SECONDS
from detector.errors import DocumentTimeout

__all__ = ["TimeLimitExceeded", "time_limit"]


class TimeLimitExceeded(BaseException):
    """Raised inside the limited block when its time is up (never escapes ``time_limit``)."""


# private prototypes of the one C function: setting argtypes on ctypes.pythonapi's shared
# function object would change it for every other user in the process
_set_async_exc = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi)
)
_clear_async_exc_c = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi)
)


def _clear_async_exc(thread_id: int) -> None:
    _clear_async_exc_c(thread_id, None)  # NULL: drop the thread's pending exception, if any


class _ThreadAlarm:
    """Raises ``TimeLimitExceeded`` in one thread after ``seconds`` unless disarmed first."""

    def __init__(self, seconds: float) -> None:
        self.thread_id = threading.get_ident()
        self.lock = threading.Lock()
        self.armed = True
        self.fired = False
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self) -> None:
        with self.lock:
            if self.armed:
                self.fired = True
                _set_async_exc(self.thread_id, TimeLimitExceeded)

    def disarm(self) -> None:
        self.timer.cancel()
        with self.lock:
            self.armed = False
        if self.fired:  # raised already, or still pending: never let it fire after the block
            _clear_async_exc(self.thread_id)


@contextmanager
def time_limit(seconds: float | None, source: str | None = None, option: str | None = None) -> Iterator[None]:
    """Run the block with at most ``seconds`` of wall time (``None`` or 0: no limit).

    Raises ``DocumentTimeout`` (naming ``source``, and ``option``: what sets the limit, such as
    ``--doc-timeout``) when the time is up; ValueError, before the
    block runs, for ``seconds`` over ``config.MAX_SECONDS`` (``inf``, ``1e12``: no timer can wait
    that long). Not re-entrant: one limit per thread at a time (in the main thread it owns
    ``SIGALRM``)."""
    if not seconds or seconds <= 0:
        yield
        return
    if not seconds <= MAX_SECONDS:
        raise ValueError(f"a time limit of {seconds!r} seconds is over {MAX_SECONDS:g} (one day)")
    main = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    alarm: _ThreadAlarm | None = None
    previous: Any = None
    if main:

        def on_alarm(signum: int, frame: Any) -> None:
            raise TimeLimitExceeded

        previous = signal.signal(signal.SIGALRM, on_alarm)
    # the timer is armed inside the try: a limit that runs out before the block starts (a tiny
    # budget on a loaded machine fires while the timer thread is still being started) is a
    # DocumentTimeout too, never a bare TimeLimitExceeded out of the ``with`` statement
    try:
        try:
            if main:
                signal.setitimer(signal.ITIMER_REAL, seconds)
            else:
                alarm = _ThreadAlarm(seconds)
            yield
        finally:
            if alarm is not None:
                alarm.disarm()
            elif main:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
    except TimeLimitExceeded:
        raise DocumentTimeout(source, seconds, option) from None
