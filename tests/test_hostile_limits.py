"""``limits.time_limit``: the per-document / per-request time bound of score, filter and the service."""

from __future__ import annotations

import ctypes
import threading
import time

import pytest

from detector.errors import DocumentTimeout
from detector.limits import TimeLimitExceeded, time_limit


def _spin(seconds: float = 20.0) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:  # pure Python: interruptible between bytecodes
        pass
    return "not interrupted"


def test_main_thread_limit_stops_the_work():
    with pytest.raises(DocumentTimeout, match=r"doc-1: timeout: took longer than the 0\.2 s per-document budget$"):
        with time_limit(0.2, "doc-1"):
            _spin()


def test_other_thread_limit_stops_the_work_and_never_fires_later():
    result: dict[str, object] = {}

    def task() -> None:
        try:
            with time_limit(0.2, "slow"):
                result["slow"] = _spin()
        except DocumentTimeout as exc:
            result["slow"] = exc
        with time_limit(0.2, "fast"):
            result["fast"] = "done"
        time.sleep(0.5)  # a limit that was disarmed must not fire afterwards
        result["after"] = "clean"

    thread = threading.Thread(target=task)
    thread.start()
    thread.join(30)
    assert isinstance(result["slow"], DocumentTimeout)
    assert result["fast"] == "done" and result["after"] == "clean"


def test_a_limit_that_runs_out_while_its_timer_starts_is_a_document_timeout(monkeypatch):
    """A tiny budget on a loaded machine can fire before the timer thread's ``start()`` has
    returned, that is before the block runs: it is a ``DocumentTimeout`` too. A bare
    ``TimeLimitExceeded`` (a BaseException) had escaped the ``with`` statement, out of the
    service's ``except Exception`` and into its event loop, which it stopped."""
    real_timer = threading.Timer

    class SlowStart(real_timer):  # the timer fires while start() is still running Python code
        def start(self) -> None:
            super().start()
            self.finished.wait(5)
            _spin(0.2)

    monkeypatch.setattr(threading, "Timer", SlowStart)
    result: dict[str, object] = {}

    def task() -> None:
        try:
            with time_limit(0.001, "tiny"):
                result["ran"] = True
        except BaseException as exc:  # noqa: BLE001 - what escapes is the point
            result["raised"] = exc
        time.sleep(0.2)
        result["after"] = "clean"

    thread = threading.Thread(target=task)
    thread.start()
    thread.join(30)
    assert isinstance(result.get("raised"), DocumentTimeout), result
    assert "ran" not in result and result["after"] == "clean"


def test_library_except_exception_cannot_swallow_the_limit():
    def swallowing() -> str:
        try:
            return _spin()
        except Exception:  # noqa: BLE001 - what trafilatura's wrapper does
            return "swallowed"

    with pytest.raises(DocumentTimeout):
        with time_limit(0.2, "doc"):
            swallowing()


def test_the_shared_ctypes_function_is_left_alone():
    # other code in the process may call ctypes.pythonapi.PyThreadState_SetAsyncExc with its own arguments
    assert ctypes.pythonapi.PyThreadState_SetAsyncExc.argtypes is None


@pytest.mark.parametrize("in_thread", [False, True], ids=["main-thread", "other-thread"])
def test_call_converts_a_limit_that_runs_out_as_exit_is_entered(monkeypatch, in_thread):
    """The alarm can go off at ``__exit__``'s first bytecode, before its ``try``: a bare
    ``TimeLimitExceeded`` leaves the ``with`` statement, the limit not disarmed. ``call`` (the
    batch engine's ``guarded``) converts it, disarms the limit (SIGALRM's handler restored) and
    nothing fires later."""
    import signal

    real_exit = time_limit.__exit__

    def exit_hit_on_entry(self: time_limit, *exc: object) -> bool:
        monkeypatch.setattr(time_limit, "__exit__", real_exit)  # once
        raise TimeLimitExceeded  # what the alarm does there

    monkeypatch.setattr(time_limit, "__exit__", exit_hit_on_entry)
    handler = signal.getsignal(signal.SIGALRM)
    result: dict[str, object] = {}

    def task() -> None:
        try:
            result["out"] = time_limit(0.2, "doc-1", "--doc-timeout").call(lambda: "done")
        except BaseException as exc:  # noqa: BLE001 - what escapes is the point
            result["raised"] = exc
        time.sleep(0.4)  # past the 0.2 s: the limit was disarmed, it must not fire now
        result["after"] = "clean"

    if in_thread:
        thread = threading.Thread(target=task)
        thread.start()
        thread.join(30)
    else:
        task()
    assert isinstance(result.get("raised"), DocumentTimeout), result
    assert str(result["raised"]) == "doc-1: timeout: took longer than the 0.2 s per-document budget (--doc-timeout)"
    assert result["after"] == "clean" and signal.getsignal(signal.SIGALRM) is handler


@pytest.mark.parametrize("seconds", [float("inf"), 1e12])
def test_a_limit_no_timer_can_wait_is_refused_before_the_block_runs_in_any_thread(seconds):
    # time_limit(inf) had killed its timer thread with an OverflowError (a worker thread) or
    # raised it from setitimer (the main thread), after or while the block ran unbounded
    ran, errors = [], []

    def limited() -> None:
        try:
            with time_limit(seconds, "doc-1"):
                ran.append(True)
        except ValueError as exc:
            errors.append(str(exc))

    limited()
    worker = threading.Thread(target=limited)
    worker.start()
    worker.join()
    assert ran == [] and len(errors) == 2 and all("over 86400" in e for e in errors)


@pytest.mark.parametrize("seconds", [1e-5, 1e-6])
def test_a_tiny_budget_in_the_main_thread_is_one_error_per_document_never_a_crash(detector, seconds):
    """``detector filter --doc-timeout 1e-5`` (the main thread's SIGALRM): the alarm can go off
    while it is being armed, or inside ``contextlib``'s frames around a generator, where the
    generator's ``try`` did not reach: a bare ``TimeLimitExceeded`` ended the stream with a
    traceback (2 runs in 3 of five documents). Every document is now an error line or a result."""
    import io
    import json

    from detector.filtering import filter_jsonl

    text = "A sentence of the article, long enough to be scored as body text by the model. " * 20
    lines = b"".join(json.dumps({"id": f"d{i}", "text": text}).encode() + b"\n" for i in range(60))
    out, warned = io.BytesIO(), []
    tally = filter_jsonl(io.BytesIO(lines), out, detector=detector, doc_timeout=seconds, warn=warned.append)
    assert tally.documents == 60
    assert tally.errors + tally.output + tally.rejected == 60
    assert all("timeout: took longer than the" in line for line in warned)
