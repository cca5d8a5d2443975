"""One document of a batch -> one ``Outcome``: an output row, a reject, or an error. Never raises
for a bad document.

The per-document time budget (``CleanOptions.doc_timeout``) is enforced by ``time_budget``: with
``SIGALRM`` in a process's main thread (local workers, ``--workers 1``), and in any other thread
(Dask runs tasks in worker threads) by raising ``DocTimeout`` in that thread
(``PyThreadState_SetAsyncExc``). Either way the document is interrupted as soon as control returns
to Python; ``guarded`` returns a ``DocTimeout`` that fired between a task's own checks instead of
letting it escape. ``DocTimeout`` derives from ``BaseException`` (as ``limits.TimeLimitExceeded``):
an ``except Exception`` in extraction code (trafilatura's, ours) cannot swallow it and let the
document run on past its budget; the code here catches it by name.
"""

from __future__ import annotations

import ctypes
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from detector.corpus.options import CleanOptions
from detector.corpus.readers import ReadError
from detector.document import Document, RawDoc, Result
from detector.errors import over_budget
from detector.quality import verdict
from detector.tally import OutcomeKind

if TYPE_CHECKING:
    from detector.config import Config
    from detector.corpus.templates import TemplateIndex
    from detector.pipeline import Detector

__all__ = [
    "DocTimeout",
    "Outcome",
    "error_outcome",
    "guarded",
    "process_document",
    "result_outcome",
    "score_extracted",
    "time_budget",
]

@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    record: dict[str, Any]


class DocTimeout(BaseException):
    """A document ran past its time budget (``CleanOptions.doc_timeout``, ``--doc-timeout``).

    A ``BaseException``, not an ``Exception``, so that a broad ``except Exception`` in the code
    it interrupts cannot swallow it; ``process_document``, ``score_extracted`` and ``guarded``
    turn it into the document's error record (``timeout: ...``)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(over_budget(seconds, "--doc-timeout"))
        self.seconds = seconds


class _ThreadBudget:
    """Raise ``DocTimeout`` in the calling (non-main) thread after ``seconds``; a budget that was
    cancelled never fires later."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._active = False
        self._fired = False
        self._tid = ctypes.c_ulong(threading.get_ident())
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        seconds = self.seconds
        # the interpreter instantiates the exception without arguments
        exc_type = type("DocTimeout", (DocTimeout,), {"__init__": lambda s: DocTimeout.__init__(s, seconds)})
        with self._lock:
            if self._active:
                self._fired = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(self._tid, ctypes.py_object(exc_type))

    def __enter__(self) -> _ThreadBudget:
        self._active = True
        self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            self._active = False
            self._timer.cancel()
            if self._fired:  # raised but maybe not delivered yet: never let it escape later
                ctypes.pythonapi.PyThreadState_SetAsyncExc(self._tid, None)


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Raise ``DocTimeout`` inside the block once ``seconds`` have passed (any thread)."""
    if not seconds or seconds <= 0:
        yield
        return
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        with _ThreadBudget(seconds):
            yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise DocTimeout(seconds)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    try:  # armed inside the try: a budget that runs out at once still restores the handler
        signal.setitimer(signal.ITIMER_REAL, seconds)
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def guarded(seconds: float | None, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """``fn(*args, **kw)`` under ``time_budget(seconds)``; a ``DocTimeout`` that escapes ``fn``
    (fired between its own checks) is returned, not raised."""
    try:
        with time_budget(seconds):
            return fn(*args, **kw)
    except DocTimeout as exc:
        return exc


def describe(exc: BaseException) -> str:
    if isinstance(exc, DocTimeout):
        return f"timeout: {exc}"
    return f"{type(exc).__name__}: {exc}"


def error_outcome(doc_id: str, source: str, error: str, line: int | None = None) -> Outcome:
    """An error record: ``id``, ``source``, ``line`` (the line of a JSONL input; as ``detector
    filter`` names a record) and ``error``."""
    where = {} if line is None else {"line": line}
    return Outcome("error", {"id": doc_id, "source": source, **where, "error": error})


def reject_reasons(result: Result, threshold: float, config: Config | None = None) -> list[str]:
    """Why a document is not written to the output (empty when it is): ``quality.verdict``."""
    v = verdict(result, config, threshold)
    return [] if v.keep else list(v.reasons)


def result_outcome(
    result: Result, config: Config, options: CleanOptions, extra: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
) -> Outcome:
    """An output row, or (with ``min_quality`` / ``keep_only``) a reject with its reasons. The
    record's other input fields (``extra``) pass through; the contract's keys win a clash."""
    record = result.to_dict(details=options.details)
    if extra:
        record = {**record, **{k: v for k, v in extra.items() if k not in record}}
    if provenance is not None:
        record["provenance"] = provenance
    if not options.filtering:
        return Outcome("output", record)
    threshold = options.min_quality if options.min_quality is not None else config.min_quality
    reasons = reject_reasons(result, threshold, config)
    if not reasons:
        return Outcome("output", record)
    record["reasons"] = reasons
    return Outcome("reject", record)


def score_extracted(
    detector: Detector,
    doc: Document,
    *,
    templates: TemplateIndex | None,
    options: CleanOptions,
    source: str,
    budget: float | None = None,
    extra: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
    line: int | None = None,
) -> Outcome:
    """Score an already extracted document (pass 2). ``budget`` is what is left of the document's
    time budget (default: all of it); ``line`` is the JSONL line it was read from, if any."""
    budget = options.doc_timeout if budget is None else budget
    try:
        with time_budget(budget):
            fps = templates.for_site(doc.site) if templates is not None else frozenset()
            result = detector.score_document(doc, template_fingerprints=fps)
    except (Exception, DocTimeout) as exc:  # noqa: BLE001 - a bad document must never stop the batch
        return error_outcome(doc.id, source, describe(exc), line)
    return result_outcome(result, detector.config, options, extra, provenance)


def process_document(
    detector: Detector,
    raw: RawDoc | ReadError,
    *,
    templates: TemplateIndex | None = None,
    options: CleanOptions = CleanOptions(),
    source: str | None = None,
    extra: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
) -> Outcome:
    """Extract and score one document. ``source`` names the input it came from in error records
    (default: its URL or id)."""
    if isinstance(raw, ReadError):
        return error_outcome(raw.id, raw.source, raw.error, raw.line)
    src = source or raw.url or raw.id
    try:
        with time_budget(options.doc_timeout):
            doc = detector.extract(raw)
            fps = templates.for_site(doc.site) if templates is not None else frozenset()
            result = detector.score_document(doc, template_fingerprints=fps)
    except (Exception, DocTimeout) as exc:  # noqa: BLE001 - a bad document must never stop the batch
        return error_outcome(raw.id, src, describe(exc), raw.line)
    return result_outcome(result, detector.config, options, extra, provenance)
