"""HTTP service: the detector behind FastAPI.

    detector serve        # or: uvicorn --factory detector.service:create_app \
                          #       --http detector.service:HeaderTimeoutH11Protocol

One ``Detector`` per process, created when the app starts (lifespan) and kept in
``app.state``. Scoring is CPU work, so it runs in a small thread pool and every request
has a time budget (504 when it is exceeded, and its work is stopped) and each document a
per-document one (``Config.doc_timeout``). Reads are bounded too: request headers in time
(``header_timeout``), the body in bytes (413) and time (408). Settings and their defaults
live in ``ServiceSettings``. All errors are JSON: ``{"error": {"type": ..., "message": ...}}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field, SkipValidation, ValidationError, ValidationInfo, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from detector.config import Config
from detector.settings import ServiceSettings
from detector.document import RawDoc, record_name
from detector.errors import DetectorError, DocumentTimeout, FetchError, InputError, check_unicode, over_budget
from detector.fetch import BlockedURLError, InvalidURLError, fetch_url
from detector.jsonl import json_problem, loads as json_loads, not_an_object
from detector.limits import time_limit
from detector.tally import Tally, error_kind

T = TypeVar("T")
log = logging.getLogger("detector.service")

ENV_OPTIONS = "DETECTOR_SERVICE_OPTIONS"
HEADER_TIMEOUT_STATE = "detector.header_timeout"

# what sets each time budget, named in its timeout message (the option of `detector serve`, the setting)
DOC_TIMEOUT_SETTING = "detector serve --doc-timeout, Config.doc_timeout"
REQUEST_TIMEOUT_SETTING = "detector serve --request-timeout, ServiceSettings.request_timeout"
BODY_TIMEOUT_SETTING = "detector serve --body-timeout, ServiceSettings.body_timeout"


# --- request / response models (they make the OpenAPI schema) -----------------------------
def _unicode_only(value: Any, info: ValidationInfo) -> Any:
    """A lone surrogate (``"\\ud800"``, valid JSON) is a 422 naming the field, not a 500 later."""
    try:
        check_unicode(value, str(info.field_name), None)
    except InputError as exc:
        raise ValueError(exc.reason) from None
    return value


class DocumentIn(BaseModel):
    """One document: ``html``, ``text`` or ``content`` (HTML or text, detected), read as every
    door reads a record (``RawDoc.from_record`` with the default ``FieldNames``): ``html`` wins,
    then ``text``, then ``content``."""

    model_config = ConfigDict(extra="ignore")

    html: str | None = Field(None, description="The page's HTML.")
    text: str | None = Field(None, description="Plain scraped text, one paragraph per line or blank-line separated.")
    content: str | None = Field(None, description="HTML or plain text, detected (read when there is no html or text).")
    url: str | None = Field(None, description="Where the document came from (reported back, never fetched).")
    id: str | int | None = Field(None, description="Your id for the document (reported back; an integer as "
                                 "its decimal string).")

    @field_validator("url", "id", mode="before")
    @classmethod
    def _name(cls, value: Any, info: ValidationInfo) -> Any:
        """``id`` and ``url`` by the rule of every door (``document.record_name``): an integer id is
        its string, a list, object, float or boolean is refused, naming the field. A string is
        left to ``_valid_unicode`` (a lone surrogate is a 422 here, not replaced)."""
        if isinstance(value, str):
            return value
        try:
            return record_name(value, str(info.field_name), "<input>", integer=info.field_name == "id")
        except InputError as exc:
            raise ValueError(exc.reason) from None

    @field_validator("html", "text", "content", "url", "id")
    @classmethod
    def _valid_unicode(cls, value: Any, info: ValidationInfo) -> Any:
        return _unicode_only(value, info)


class ScoreRequest(DocumentIn):
    details: bool = Field(True, description="Include the per-paragraph scores.")


class FilterRequest(BaseModel):
    # each document is validated on its own (``_document``): a bad one is its error entry, not a 422
    documents: list[SkipValidation[DocumentIn]] = Field(
        ..., description="The batch to filter. A document that is not valid (a field of the wrong type) gets an "
        "error entry; the others are judged.")
    min_quality: float | None = Field(None, ge=0.0, le=1.0, description="Keep threshold (default: the server's).")


class ScoreURLRequest(BaseModel):
    url: str = Field(..., description="An http(s) URL serving text/html or text/plain.")
    details: bool = True

    @field_validator("url")
    @classmethod
    def _valid_unicode(cls, value: Any, info: ValidationInfo) -> Any:
        return _unicode_only(value, info)


class DecisionOut(BaseModel):
    index: int
    id: str | None
    url: str | None
    keep: bool
    score: float | None
    reasons: list[str]
    clean_text: str = Field(description="The kept text (the same field as `detector filter` and score_frame).")
    error: str | None = None


class FilterSummary(BaseModel):
    """Counts of one request, from the ``Tally`` every door counts with: ``kept`` documents
    passed the verdict, ``dropped`` did not, ``errors`` could not be scored."""

    documents: int
    kept: int
    dropped: int
    errors: int

    @classmethod
    def of(cls, tally: Tally) -> FilterSummary:
        return cls(documents=tally.documents, kept=tally.output, dropped=tally.rejected, errors=tally.errors)


class FilterResponse(BaseModel):
    decisions: list[DecisionOut]
    summary: FilterSummary


class ModelInfo(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    version: str | None
    sha256: str | None
    metrics: dict[str, Any]
    detector_version: str
    min_quality: float


class Health(BaseModel):
    status: str
    model_version: str | None


class ErrorBody(BaseModel):
    type: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": text}
    for code, text in {
        413: "Request body larger than the server's cap.",
        422: "Invalid request or a document that cannot be scored.",
        504: "The request exceeded its time budget.",
    }.items()
}


# --- errors --------------------------------------------------------------------------
class ServiceError(Exception):
    def __init__(self, status: int, type_: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message


def error_response(status: int, type_: str, message: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "message": message, **extra}
    return JSONResponse({"error": body}, status_code=status)


def _validation_message(errors: list[Mapping[str, Any]]) -> str:
    parts = []
    for err in errors:
        if err.get("type") == "json_invalid":
            ctx = err.get("ctx") or {}
            where = err.get("loc", ())[-1] if err.get("loc") else "?"
            return f"request body is not valid JSON: {ctx.get('error', 'decode error')} (at character {where})"
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts)


def _unparsed_body_message(exc: StarletteHTTPException) -> str | None:
    """Why FastAPI could not parse a JSON body, when it could not for a reason of the body's own.

    FastAPI turns a ``json.JSONDecodeError`` into ``RequestValidationError`` (``json_invalid``)
    but any other error of ``json.loads`` into a bare 400 "There was an error parsing the
    body", raised ``from`` that error: bytes that are not UTF-8 (``UnicodeDecodeError``) and
    arrays or objects nested past the parser's recursion limit (``RecursionError``). Those are
    bad JSON too; ``None`` for anything else."""
    cause = exc.__cause__
    if exc.status_code != 400 or cause is None:
        return None
    if isinstance(cause, UnicodeDecodeError):
        # named by its first byte that is not UTF-8, as filter does (json guesses UTF-16 from a
        # body's first bytes, \xff\xfe, and the codec's own message named 'utf-16-le')
        problem, column = json_problem(cause, bytes(cause.object))
        return f"request body is not valid JSON: {problem}" + (f" (at character {column - 1})" if column else "")
    if isinstance(cause, RecursionError):
        return "request body is JSON nested too deeply"
    return None


class _StrictJSONRequest(Request):
    """A request whose JSON body is strict JSON (``detector.jsonl.loads``): ``NaN``, ``Infinity``
    and ``-Infinity`` are malformed JSON (``json_invalid``), as in ``detector filter``."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = json_loads(await self.body())
        return self._json


class _StrictJSONRoute(APIRoute):
    """Every route reads its body as ``_StrictJSONRequest``."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        handler = super().get_route_handler()

        async def strict(request: Request) -> Any:
            return await handler(_StrictJSONRequest(request.scope, request.receive))

        return strict


class _BodyTimeout(Exception):
    pass


class BodyLimitMiddleware:
    """Bound every request body in bytes and time before the app parses it.

    Over ``max_bytes`` (declared or counted: a chunked body is bounded too) the answer is 413;
    the rest of the body is first read and discarded, up to ``drain_bytes``, so a client that
    writes its whole body before reading (Python's urllib, requests) reads the 413 instead of
    a connection reset. A body slower than ``timeout`` seconds gets 408, naming the budget and
    ``BODY_TIMEOUT_SETTING``. The accepted body is replayed to the app.
    """

    def __init__(self, app: ASGIApp, max_bytes: int, timeout: float = 30.0, drain_bytes: int = 64 * 2**20) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.drain_bytes = drain_bytes

    @staticmethod
    async def _answer(send: Send, status: int, type_: str, message: str) -> None:
        body = json.dumps({"error": {"type": type_, "message": message}}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def _drain(self, next_message: Callable[[], Any], more: bool) -> None:
        """Read and drop the rest of the body, up to ``drain_bytes``, within the body's time."""
        drained = 0
        try:
            while more and drained <= self.drain_bytes:
                message = await next_message()
                if message["type"] == "http.disconnect":
                    return
                drained += len(message.get("body", b""))
                more = message.get("more_body", False)
        except _BodyTimeout:
            return

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout

        async def next_message() -> Message:
            left = deadline - loop.time()
            if left <= 0:
                raise _BodyTimeout
            try:
                return await asyncio.wait_for(receive(), left)
            except (asyncio.TimeoutError, TimeoutError):
                raise _BodyTimeout from None

        too_large = f"request body %s exceeds the limit of {self.max_bytes} bytes"
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:
                    await self._drain(next_message, True)
                    await self._answer(send, 413, "too_large", too_large % f"of {declared} bytes")
                    return
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                message = await next_message()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_bytes:
                    await self._drain(next_message, message.get("more_body", False))
                    await self._answer(send, 413, "too_large", (too_large % "").replace("  ", " "))
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
        except _BodyTimeout:
            await self._answer(send, 408, "timeout", f"the request body took longer than the {self.timeout:g} s "
                                                     f"body budget to arrive ({BODY_TIMEOUT_SETTING})")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class HeaderTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a deadline on each request's headers: uvicorn has none, so a
    client dripping header bytes (slowloris) would hold a connection forever. The connection is
    closed when the headers are not complete ``header_timeout`` seconds after the connection
    opened or the previous response ended. The app's lifespan hands its ``header_timeout`` to
    the server in the lifespan state (the ``app_state`` uvicorn gives its protocols)."""

    def connection_made(self, transport: Any) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._seen_cycle: Any = None
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        seconds = self.app_state.get(HEADER_TIMEOUT_STATE, ServiceSettings.header_timeout)
        self._header_timer = self.loop.call_later(seconds, self._headers_too_slow)

    def _disarm(self) -> None:
        if getattr(self, "_header_timer", None) is not None:
            self._header_timer.cancel()  # type: ignore[union-attr]
            self._header_timer = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not None and self.cycle is not self._seen_cycle:  # a request's headers are in
            self._seen_cycle = self.cycle
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request's headers

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.cycle is None or self.cycle is self._seen_cycle and self.cycle.response_complete:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


# --- the work, run in threads ------------------------------------------------------------
def _raw_doc(doc: DocumentIn, fallback_id: str) -> RawDoc:
    return RawDoc.from_record(doc.model_dump(), default_id=fallback_id)


def _reported(item: Any, name: str) -> str | None:
    """``item``'s ``id`` or ``url`` as an error entry reports it: ``None`` unless it is valid."""
    try:
        value = getattr(DocumentIn.model_validate({name: item[name]}), name)
    except (TypeError, KeyError, IndexError, ValidationError):
        return None
    return None if value is None else str(value)


def _document(item: Any, name: str) -> DocumentIn:
    """A batch's entry as a ``DocumentIn``. Raises ``InputError`` naming the document (``name``:
    its id, else ``documents[INDEX]``) and each bad field when it is not a valid one."""
    if not isinstance(item, Mapping):
        raise InputError(name, not_an_object(item))
    try:
        return DocumentIn.model_validate(item)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for err in exc.errors():
            field = str(err["loc"][0]) if err.get("loc") else "document"
            if err.get("type") == "value_error":  # our validator's message names the field (a lone surrogate)
                problems.setdefault(field, str((err.get("ctx") or {}).get("error", err.get("msg"))))
            else:
                got = type(item.get(field)).__name__
                problems.setdefault(field, f"field {field!r} holds {got}: {err.get('msg', 'invalid')}")
        raise InputError(name, "; ".join(problems.values())) from None


def _filter_batch(detector: Any, req: FilterRequest, deadline: float, doc_timeout: float | None) -> FilterResponse:
    """Each document under ``doc_timeout`` (a timeout is its error entry, naming
    ``DOC_TIMEOUT_SETTING``); the batch stops when
    the request's ``deadline`` (``time.monotonic()``) passes. A document that is not valid
    (``_document``) is an error entry too: one bad document never fails the batch."""
    decisions: list[DecisionOut] = []
    tally = Tally()
    for i, item in enumerate(req.documents):
        left = deadline - time.monotonic()
        if left <= 0:
            raise _RequestTimeout
        doc_id, url = _reported(item, "id"), _reported(item, "url")
        try:
            doc = _document(item, doc_id or f"documents[{i}]")
            limit = time_limit(min(left, doc_timeout or left), doc_id or f"documents[{i}]", DOC_TIMEOUT_SETTING)
            decision = limit.call(detector.filter, _raw_doc(doc, f"documents[{i}]"), min_quality=req.min_quality)
        except Exception as exc:  # noqa: BLE001 - one bad document never fails the batch
            if isinstance(exc, DocumentTimeout) and time.monotonic() >= deadline:
                raise _RequestTimeout from None
            message = str(exc) if isinstance(exc, DetectorError) else f"internal error: {type(exc).__name__}: {exc}"
            decisions.append(
                DecisionOut(index=i, id=doc_id, url=url, keep=False, score=None, reasons=["error"], clean_text="",
                            error=message)
            )
            tally.add("error", {"error": f"{error_kind(exc)}: {message}"})
            continue
        d = decision.to_dict()
        tally.add("output" if decision.keep else "reject", {"reasons": d["reasons"], "quality": {
            "score": d["score"], "keep": decision.keep, "flags": list(decision.result.quality.flags)}})
        decisions.append(
            DecisionOut(index=i, id=doc_id, url=url, keep=d["keep"], score=d["score"], reasons=d["reasons"],
                        clean_text=d["clean_text"])
        )
    return FilterResponse(decisions=decisions, summary=FilterSummary.of(tally))


def _model_info(detector: Any) -> dict[str, Any]:
    info = getattr(getattr(detector, "model", None), "info", None)
    if info is None:
        return {}
    if isinstance(info, Mapping):
        return dict(info)
    try:
        return asdict(info)
    except TypeError:
        return {k: getattr(info, k) for k in ("version", "sha256", "metrics") if hasattr(info, k)}


class _RequestTimeout(Exception):
    """The request's time budget passed (504)."""


class _Runner:
    """Runs blocking work in the app's thread pool under the request's time budget.

    Past the budget the client gets 504 and the work is stopped, not left running: the work runs
    under ``limits.time_limit``, which raises in its thread (at the next Python bytecode after
    the deadline). Why a thread and not a process or a cooperative check: a worker process per
    request would hold a second model and fork a multi-threaded server (unsafe with OpenMP); a
    check between stages would let one long stage (trafilatura on a 10 MB page) run on.
    """

    def __init__(self, settings: ServiceSettings, doc_timeout: float | None) -> None:
        self.settings = settings
        self.doc_timeout = doc_timeout
        self.pool = ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="detector")

    async def run(self, fn: Callable[[float], T], *, per_document: bool = False) -> T:
        """``fn(deadline)`` in a scoring thread. Unless ``per_document`` (``fn`` then limits each
        document itself), all of ``fn`` is limited to the request's budget and ``doc_timeout``.
        Raises ``ServiceError`` 504 when either runs out, its message naming the one that did and
        what sets it (``REQUEST_TIMEOUT_SETTING``, ``DOC_TIMEOUT_SETTING``); 500 for a bug."""
        budget = self.settings.request_timeout
        deadline = time.monotonic() + budget

        def limited() -> T:
            left = deadline - time.monotonic()
            if left <= 0:  # waited in the queue for all of its budget
                raise _RequestTimeout
            if per_document:
                return fn(deadline)
            return time_limit(min(left, self.doc_timeout or left), "request").call(fn, deadline)

        future = self.pool.submit(limited)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout=budget)
        except (asyncio.TimeoutError, TimeoutError, _RequestTimeout, DocumentTimeout) as exc:
            future.cancel()  # drops it if it has not started yet; a started one is stopped by its time limit
            if isinstance(exc, DocumentTimeout) and exc.seconds == self.doc_timeout and time.monotonic() < deadline:
                # the document's own budget ran out, not the request's
                raise ServiceError(504, "timeout", f"the document {over_budget(exc.seconds, DOC_TIMEOUT_SETTING)}") from None
            raise ServiceError(504, "timeout", f"the request took longer than the {budget:g} s request budget "
                                               f"({REQUEST_TIMEOUT_SETTING})") from None
        except (ServiceError, InputError, FetchError):
            raise
        except Exception as exc:  # noqa: BLE001 - a bug answers 500 as JSON and keeps the connection
            log.exception("internal error while scoring")
            raise ServiceError(500, "internal_error", f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


# --- the app ---------------------------------------------------------------------------
def create_app(
    config: Config | None = None,
    settings: ServiceSettings | None = None,
    *,
    detector: Any = None,
    **overrides: Any,
) -> FastAPI:
    """Build the service. The Detector is created at startup (or pass one in ``detector``).

    ``settings`` defaults to ``ServiceSettings()``; keyword ``overrides`` replace single fields
    (``create_app(request_timeout=5)``). Raises ``ValueError`` for an unknown or invalid setting
    (``ServiceSettings`` and ``Config`` refuse a timeout over ``config.MAX_SECONDS``).
    """
    from detector import __version__

    known = {f.name for f in fields(ServiceSettings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"unknown service setting(s): {', '.join(unknown)}")
    settings = replace(settings or ServiceSettings(), **overrides)
    doc_timeout = (config or Config()).doc_timeout

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        if detector is None:
            from detector.pipeline import Detector

            app.state.detector = await asyncio.to_thread(Detector, config)
        else:
            app.state.detector = detector
        app.state.runner = _Runner(settings, doc_timeout)
        app.state.started = time.time()
        try:
            yield {HEADER_TIMEOUT_STATE: settings.header_timeout}  # type: ignore[misc]
        finally:
            app.state.runner.close()

    # /docs (Swagger UI) and /redoc from assets in the fastapi-offline wheel, not a CDN: they work offline
    app = FastAPIOffline(
        title="detector",
        version=__version__,
        description="Content-quality and boilerplate detection for scraped web articles. "
        "Score one document, filter a batch before ingestion, or score a URL.",
        lifespan=lifespan,
    )
    app.router.route_class = _StrictJSONRoute  # before the routes: each is one
    app.state.settings = settings
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes, timeout=settings.body_timeout,
                       drain_bytes=settings.drain_max_bytes)

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc.status, exc.type, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        kind = "invalid_json" if any(e.get("type") == "json_invalid" for e in errors) else "invalid_request"
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in errors]
        message = _validation_message(errors)
        ctype = request.headers.get("content-type", "")
        if request.method == "POST" and "json" not in ctype.lower():
            # FastAPI reads a body of another type (curl -d sends a form) as no JSON at all
            message = f"send the body as JSON with Content-Type: application/json (got {ctype or 'none'}); {message}"
        return error_response(422, kind, message, details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        unparsed = _unparsed_body_message(exc)
        if unparsed is not None:
            return error_response(422, "invalid_json", unparsed)
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, kind, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return error_response(500, "internal_error", f"{type(exc).__name__}: {exc}")

    def _detector(request: Request) -> Any:
        return request.app.state.detector

    def _runner(request: Request) -> _Runner:
        return request.app.state.runner

    @app.get("/healthz", response_model=Health, tags=["service"])
    async def healthz(request: Request) -> Health:
        return Health(status="ok", model_version=_model_info(_detector(request)).get("version"))

    @app.get("/v1/model", response_model=ModelInfo, tags=["service"])
    async def model(request: Request) -> ModelInfo:
        """The model the service runs: version, file hash and the metrics from its card."""
        det = _detector(request)
        info = _model_info(det)
        metrics = info.get("metrics")
        return ModelInfo(
            version=None if info.get("version") is None else str(info.get("version")),
            sha256=info.get("sha256"),
            metrics=dict(metrics) if isinstance(metrics, Mapping) else {},
            detector_version=__version__,
            min_quality=float(getattr(getattr(det, "config", None), "min_quality", Config().min_quality)),
        )

    @app.get("/v1/schema", tags=["service"])
    async def schema() -> dict[str, Any]:
        """The JSON Schema of the result returned by /v1/score and /v1/score-url."""
        from detector.document import load_schema

        try:
            return load_schema()
        except (OSError, ValueError) as exc:
            raise ServiceError(404, "not_found", f"the result schema is not available: {exc}") from None

    @app.post("/v1/score", responses=ERRORS, tags=["score"])
    async def score(req: ScoreRequest, request: Request) -> dict[str, Any]:
        """Score one document (HTML or text). Returns the JSON contract (see /v1/schema)."""
        det = _detector(request)

        def work(deadline: float) -> dict[str, Any]:
            return det.score(_raw_doc(req, "<input>")).to_dict(details=req.details)

        try:
            return await _runner(request).run(work)
        except InputError as exc:
            raise ServiceError(422, "input_error", str(exc)) from None

    @app.post("/v1/filter", response_model=FilterResponse, responses=ERRORS, tags=["score"])
    async def filter_(req: FilterRequest, request: Request) -> FilterResponse:
        """Keep-or-drop decisions for a batch. A bad document gets an error entry; the batch goes on."""
        if len(req.documents) > settings.max_batch:
            raise ServiceError(
                422, "invalid_request", f"batch of {len(req.documents)} documents exceeds the limit of {settings.max_batch}"
            )
        det = _detector(request)
        runner = _runner(request)
        return await runner.run(lambda deadline: _filter_batch(det, req, deadline, runner.doc_timeout), per_document=True)

    @app.post(
        "/v1/score-url",
        responses={**ERRORS, 403: {"model": ErrorResponse, "description": "URL resolves to a forbidden address."},
                   502: {"model": ErrorResponse, "description": "The URL could not be fetched."}},
        tags=["score"],
    )
    async def score_url(req: ScoreURLRequest, request: Request) -> dict[str, Any]:
        """Fetch a page (http/https, text/html or text/plain, size- and time-capped) and score it.

        Unless the server runs with --allow-private-urls, URLs resolving to loopback, private,
        link-local or metadata addresses are refused (403).
        """
        det, runner = _detector(request), _runner(request)

        def work(deadline: float) -> dict[str, Any]:
            # the fetch has its own limits (--fetch-timeout, and the request's budget); the
            # document's budget (--doc-timeout) is for scoring what came back, as at /v1/score
            raw = fetch_url(
                req.url,
                timeout=min(settings.fetch_timeout, settings.request_timeout),
                total_timeout=max(0.0, deadline - time.monotonic()),  # the fetch ends with the request's budget
                max_bytes=settings.fetch_max_bytes,
                allow_private=settings.allow_private_urls,
            )
            left = deadline - time.monotonic()
            if left <= 0:
                raise _RequestTimeout
            limit = time_limit(min(left, runner.doc_timeout or left), raw.id, DOC_TIMEOUT_SETTING)
            return limit.call(det.score, raw).to_dict(details=req.details)

        try:
            return await runner.run(work, per_document=True)
        except BlockedURLError as exc:
            raise ServiceError(403, "blocked_url", str(exc)) from None
        except InvalidURLError as exc:
            raise ServiceError(422, "invalid_url", str(exc)) from None
        except FetchError as exc:
            raise ServiceError(502, "fetch_error", str(exc)) from None
        except InputError as exc:
            raise ServiceError(422, "input_error", str(exc)) from None

    return app


# --- multi-worker entry point ------------------------------------------------------------
def options_to_env(config: Config | None, settings: ServiceSettings) -> str:
    """Serialise ``create_app`` arguments for ``create_app_from_env`` (uvicorn workers)."""
    cfg: dict[str, Any] = {}
    if config is not None:
        defaults = Config().to_dict()
        cfg = {k: v for k, v in config.to_dict().items() if v != defaults[k]}
    return json.dumps({"config": cfg, "settings": asdict(settings)})


def create_app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` with several workers: options come from
    the ``DETECTOR_SERVICE_OPTIONS`` environment variable (set by ``detector serve``)."""
    options = json.loads(os.environ.get(ENV_OPTIONS) or "{}")
    cfg = options.get("config") or {}
    if cfg.get("model_path") is not None:
        cfg["model_path"] = Path(cfg["model_path"])
    config = Config(**cfg) if cfg else None
    return create_app(config, ServiceSettings(**(options.get("settings") or {})))
