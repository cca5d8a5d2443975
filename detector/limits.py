"""A time limit for one piece of work, in any thread: how ``score``, ``filter``, the service and
the batch engine (``clean --doc-timeout``, ``corpus.process``) stop a document (or a request)
that runs past its budget. The one implementation of it: the others build on ``time_limit``.

In the main thread the limit is ``SIGALRM`` (``setitimer``): ``score``, ``filter``, and
``clean``'s local workers. In any other thread (the service's scoring threads, Dask's worker
threads) a timer thread raises the exception in the worker thread with CPython's
``PyThreadState_SetAsyncExc`` (the C API behind "raise in another thread"). Either way the
exception is raised as soon as the thread runs Python bytecode again: one long C call (a
regular expression, one lxml parse) finishes first, everything after it does not run.

``TimeLimitExceeded`` derives from ``BaseException`` so that library code's
``except Exception`` (trafilatura's, ours) cannot swallow it on its way out; leaving the
``with`` block turns it into ``DocumentTimeout``, an ordinary ``DetectorError``.
``time_limit.call`` runs a function under the limit and also converts an alarm that fires as
the ``with`` statement enters ``__exit__``, before that method's own ``try``.
"""

from __future__ import annotations

import ctypes
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from detector.config import MAX_SECONDS
from detector.errors import DocumentTimeout

__all__ = ["TimeLimitExceeded", "time_limit"]

T = TypeVar("T")


class TimeLimitExceeded(BaseException):
    """Raised inside the limited block when its time is up; leaving the block turns it into
    ``DocumentTimeout`` (``time_limit.call``: wherever it fires, see ``time_limit``)."""


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


_THREAD_START = threading.Thread.start.__code__


def _starting_a_thread(thread_id: int) -> bool:
    """Whether the thread is inside ``Thread.start`` while a thread being started has no id yet.
    Until a new thread runs, CPython (3.11 and before) gives its thread state the id of the
    thread that starts it, and the newest state with an id is the one
    ``PyThreadState_SetAsyncExc`` raises in: fired then, the exception killed the new thread
    before it said it had started, and its starter waited for that forever (a service thread of
    ``/v1/score-url``, which starts the fetch's timer, hung). ``threading._limbo`` holds the
    threads being started; one has its ``ident`` once its own thread state has."""
    if not any(t.ident is None for t in list(getattr(threading, "_limbo", {}))):
        return False
    frame = sys._current_frames().get(thread_id)
    while frame is not None:
        if frame.f_code is _THREAD_START:
            return True
        frame = frame.f_back
    return False


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
        while True:
            with self.lock:
                if not self.armed:
                    return
                if not _starting_a_thread(self.thread_id):
                    self.fired = True
                    _set_async_exc(self.thread_id, TimeLimitExceeded)
                    return
            time.sleep(0.001)  # the thread is starting another: fire once that one has its own id

    def disarm(self) -> None:
        self.timer.cancel()
        with self.lock:
            self.armed = False
        if self.fired:  # raised already, or still pending: never let it fire after the block
            _clear_async_exc(self.thread_id)


def _on_alarm(signum: int, frame: Any) -> None:
    raise TimeLimitExceeded


class time_limit:  # noqa: N801 - used as a function: ``with time_limit(30, "doc-1"):``
    """Run the block with at most ``seconds`` of wall time (``None`` or 0: no limit).

    Raises ``DocumentTimeout`` (naming ``source``, and ``option``: what sets the limit, such as
    ``--doc-timeout``) when the time is up; ValueError, before the
    block runs, for ``seconds`` over ``config.MAX_SECONDS`` (``inf``, ``1e12``: no timer can wait
    that long). Not re-entrant: one limit per thread at a time (in the main thread it owns
    ``SIGALRM``).

    A context manager class, not a generator: a limit can run out at any bytecode, also while
    the timer is being armed (a tiny budget on a loaded machine) or inside ``contextlib``'s own
    frames, where a generator's ``try`` does not reach and a bare ``TimeLimitExceeded`` escaped
    the ``with`` statement. ``__enter__`` converts what fires while arming, ``__exit__`` what
    fires in the block or while disarming. What fires as ``__exit__`` is entered (at its first
    bytecode, before its ``try``) still leaves the ``with`` statement bare: ``call`` converts that
    too, for callers that must never see it (the batch engine's ``corpus.process.guarded``)."""

    def __init__(self, seconds: float | None, source: str | None = None, option: str | None = None) -> None:
        self.seconds = seconds if seconds and seconds > 0 else None
        self.source, self.option = source, option
        self._main = False
        self._alarm: _ThreadAlarm | None = None
        self._previous: Any = None

    def __enter__(self) -> None:
        seconds = self.seconds
        if seconds is None:
            return
        if not seconds <= MAX_SECONDS:
            raise ValueError(f"a time limit of {seconds!r} seconds is over {MAX_SECONDS:g} (one day)")
        self._main = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        try:
            if self._main:
                self._previous = signal.signal(signal.SIGALRM, _on_alarm)
                signal.setitimer(signal.ITIMER_REAL, seconds)
            else:
                self._alarm = _ThreadAlarm(seconds)
        except TimeLimitExceeded:  # ran out before the block started
            self._disarm()
            raise self._timeout() from None

    def _timeout(self) -> DocumentTimeout:  # only with a limit set: seconds is not None
        return DocumentTimeout(self.source, self.seconds or 0.0, self.option)

    def _disarm(self) -> None:
        if self._alarm is not None:
            self._alarm.disarm()
        elif self._main and self._previous is not None:
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
            finally:
                signal.signal(signal.SIGALRM, self._previous)
                self._previous = None

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        if self.seconds is None:
            return False
        try:
            self._disarm()
        except TimeLimitExceeded:  # ran out while disarming: the block was past its budget
            exc_type = TimeLimitExceeded
        if exc_type is not None and issubclass(exc_type, TimeLimitExceeded):
            raise self._timeout() from None
        return False

    def call(self, fn: Callable[..., T], /, *args: Any, **kw: Any) -> T:
        """``fn(*args, **kw)`` under this limit: its result, or ``DocumentTimeout`` when the time
        is up, wherever the limit runs out -- also as the ``with`` statement enters ``__exit__``,
        where ``__exit__``'s own ``try`` does not reach: the limit is disarmed (``SIGALRM``'s
        handler restored) and the bare ``TimeLimitExceeded`` converted here."""
        try:
            with self:
                return fn(*args, **kw)
        except TimeLimitExceeded:  # fired at __exit__'s first bytecode: it did not disarm
            self._disarm()  # the timer has fired (it fires once): nothing is left to fire here
            raise self._timeout() from None
