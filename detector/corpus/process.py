"""One document of a batch -> one ``Outcome``: an output row, a reject, or an error. Never raises
for a bad document.

The per-document time budget (``CleanOptions.doc_timeout``, ``--doc-timeout``) is
``limits.time_limit``, the one time limit of every door (see ``detector.limits``): ``SIGALRM`` in a
process's main thread (local workers, ``--workers 1``), and in any other thread (Dask runs tasks in
worker threads) ``limits.TimeLimitExceeded`` raised in that thread (``PyThreadState_SetAsyncExc``).
Either way the document is interrupted as soon as control returns to Python. That exception is a
``BaseException``: an ``except Exception`` in extraction code (trafilatura's, ours) cannot swallow
it and let the document run on past its budget. ``guarded`` runs each document's work under the
limit (``time_limit.call``), so a limit that runs out anywhere -- while it is armed, in the work,
between the work's end and the limit's own checks -- comes back as a ``DocumentTimeout``, returned
with every other ``Exception`` instead of raised; ``describe`` words it as the document's error
record: ``timeout: took longer than the 30 s per-document budget (--doc-timeout)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from detector.corpus.options import CleanOptions
from detector.corpus.readers import ReadError
from detector.document import Document, RawDoc, Result
from detector.errors import DocumentTimeout
from detector.limits import time_limit
from detector.quality import verdict
from detector.tally import OutcomeKind

if TYPE_CHECKING:
    from detector.config import Config
    from detector.corpus.templates import TemplateIndex
    from detector.pipeline import Detector

__all__ = [
    "Outcome",
    "describe",
    "error_outcome",
    "guarded",
    "process_document",
    "result_outcome",
    "score_extracted",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    record: dict[str, Any]


def guarded(seconds: float | None, fn: Callable[..., T], *args: Any, **kw: Any) -> T | Exception:
    """``fn(*args, **kw)`` under the document's time limit of ``seconds`` (``None``: none): its
    result, or the ``Exception`` it raised, returned instead of raised -- past ``seconds`` a
    ``DocumentTimeout``, wherever the limit ran out (``limits.time_limit.call``). A bad or slow
    document never stops the batch. One limit at a time: ``fn`` must not set one itself."""
    try:
        return time_limit(seconds, None, "--doc-timeout").call(fn, *args, **kw)
    except Exception as exc:  # noqa: BLE001 - a bad document must never stop the batch
        return exc


def describe(exc: Exception) -> str:
    """A document's error record: ``timeout: took longer than ...`` for its timeout, else the
    exception's type and message."""
    if isinstance(exc, DocumentTimeout):
        return exc.reason  # without the "<input>: " of its str: the record has the id and source
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
    time budget (default: all of it); ``line`` is the JSONL line it was read from, if any. A
    timeout's record names the whole budget (``options.doc_timeout``, what ``--doc-timeout``
    set), not the part extraction left."""
    budget = options.doc_timeout if budget is None else budget
    result = guarded(budget, _score, detector, doc, templates)
    if isinstance(result, DocumentTimeout) and options.doc_timeout:
        result = DocumentTimeout(None, options.doc_timeout, "--doc-timeout")
    if isinstance(result, Exception):
        return error_outcome(doc.id, source, describe(result), line)
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
    result = guarded(options.doc_timeout, _extract_and_score, detector, raw, templates)
    if isinstance(result, Exception):
        return error_outcome(raw.id, src, describe(result), raw.line)
    return result_outcome(result, detector.config, options, extra, provenance)


def _score(detector: Detector, doc: Document, templates: TemplateIndex | None) -> Result:
    fps = templates.for_site(doc.site) if templates is not None else frozenset()
    return detector.score_document(doc, template_fingerprints=fps)


def _extract_and_score(detector: Detector, raw: RawDoc, templates: TemplateIndex | None) -> Result:
    return _score(detector, detector.extract(raw), templates)
