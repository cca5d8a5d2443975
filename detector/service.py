"""HTTP service: the detector behind FastAPI.

    uvicorn --factory detector.service:create_app          # or: detector serve

One ``Detector`` per process, created when the app starts (lifespan) and kept in
``app.state``. Scoring is CPU work, so it runs in a small thread pool and every request
has a time budget (504 when it is exceeded); the request body is capped (413).
All errors are JSON: ``{"error": {"type": ..., "message": ...}}``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from detector.config import Config
from detector.document import RawDoc
from detector.errors import DetectorError, FetchError, InputError
from detector.fetch import BlockedURLError, InvalidURLError, fetch_url

T = TypeVar("T")
log = logging.getLogger("detector.service")

ENV_OPTIONS = "DETECTOR_SERVICE_OPTIONS"


# --- settings ------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceSettings:
    max_body_bytes: int = 10 * 2**20
    request_timeout: float = 30.0
    allow_private_urls: bool = False
    threads: int = 4
    max_batch: int = 1000
    fetch_timeout: float = 10.0
    fetch_max_bytes: int = 10 * 2**20


# --- request / response models (they make the OpenAPI schema) -----------------------------
class DocumentIn(BaseModel):
    """One document: ``html`` or ``text`` (``html`` wins when both are given)."""

    model_config = ConfigDict(extra="ignore")

    html: str | None = Field(None, description="The page's HTML.")
    text: str | None = Field(None, description="Plain scraped text, one paragraph per line or blank-line separated.")
    url: str | None = Field(None, description="Where the document came from (reported back, never fetched).")
    id: str | int | None = Field(None, description="Your id for the document (reported back).")


class ScoreRequest(DocumentIn):
    details: bool = Field(True, description="Include the per-paragraph scores.")


class FilterRequest(BaseModel):
    documents: list[DocumentIn] = Field(..., description="The batch to filter.")
    min_quality: float | None = Field(None, ge=0.0, le=1.0, description="Keep threshold (default: the server's).")


class ScoreURLRequest(BaseModel):
    url: str = Field(..., description="An http(s) URL serving text/html or text/plain.")
    details: bool = True


class DecisionOut(BaseModel):
    index: int
    id: str | None
    url: str | None
    keep: bool
    score: float | None
    reasons: list[str]
    text: str
    error: str | None = None


class FilterSummary(BaseModel):
    documents: int
    kept: int
    dropped: int
    errors: int


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


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, before the app parses them.

    The body is read here (up to the cap) and replayed to the app, so a chunked body
    without Content-Length is bounded too.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, send: Send, size: str) -> None:
        body = json.dumps(
            {"error": {"type": "too_large", "message": f"request body {size} exceeds the limit of {self.max_bytes} bytes"}}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:
                    await self._reject(send, f"of {declared} bytes")
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._reject(send, "")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


# --- the work, run in threads ------------------------------------------------------------
def _raw_doc(doc: DocumentIn, fallback_id: str) -> RawDoc:
    doc_id = str(doc.id) if doc.id is not None else (doc.url or fallback_id)
    if doc.html is not None:
        return RawDoc(id=doc_id, content=doc.html, url=doc.url, format="html")
    if doc.text is not None:
        return RawDoc(id=doc_id, content=doc.text, url=doc.url, format="text")
    raise InputError(doc_id, "document has neither 'html' nor 'text'")


def _filter_batch(detector: Any, req: FilterRequest, cancelled: threading.Event) -> FilterResponse:
    decisions: list[DecisionOut] = []
    for i, doc in enumerate(req.documents):
        if cancelled.is_set():  # the request already timed out: stop burning CPU
            break
        doc_id = str(doc.id) if doc.id is not None else None
        try:
            decision = detector.filter(_raw_doc(doc, f"documents[{i}]"), min_quality=req.min_quality)
        except Exception as exc:  # noqa: BLE001 - one bad document never fails the batch
            message = str(exc) if isinstance(exc, DetectorError) else f"internal error: {type(exc).__name__}: {exc}"
            decisions.append(
                DecisionOut(index=i, id=doc_id, url=doc.url, keep=False, score=None, reasons=["error"], text="",
                            error=message)
            )
            continue
        d = decision.to_dict()
        decisions.append(
            DecisionOut(index=i, id=doc_id, url=doc.url, keep=d["keep"], score=d["score"], reasons=d["reasons"],
                        text=d["text"])
        )
    kept = sum(1 for d in decisions if d.keep)
    errors = sum(1 for d in decisions if d.error is not None)
    return FilterResponse(
        decisions=decisions,
        summary=FilterSummary(documents=len(decisions), kept=kept, dropped=len(decisions) - kept - errors, errors=errors),
    )


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


class _Runner:
    """Runs blocking work in the app's thread pool under the request's time budget."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.pool = ThreadPoolExecutor(max_workers=settings.threads, thread_name_prefix="detector")

    async def run(self, fn: Callable[[threading.Event], T]) -> T:
        cancelled = threading.Event()
        future = self.pool.submit(fn, cancelled)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout=self.settings.request_timeout)
        except (asyncio.TimeoutError, TimeoutError):
            cancelled.set()
            future.cancel()  # drops it if it has not started yet
            raise ServiceError(
                504, "timeout", f"the request took longer than its time budget of {self.settings.request_timeout:g}s"
            ) from None
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
    *,
    max_body_bytes: int = 10 * 2**20,
    request_timeout: float = 30.0,
    allow_private_urls: bool = False,
    threads: int = 4,
    max_batch: int = 1000,
    detector: Any = None,
) -> FastAPI:
    """Build the service. The Detector is created at startup (or pass one in ``detector``)."""
    from detector import __version__

    settings = ServiceSettings(
        max_body_bytes=max_body_bytes,
        request_timeout=request_timeout,
        allow_private_urls=allow_private_urls,
        threads=max(1, threads),
        max_batch=max_batch,
        fetch_timeout=min(10.0, request_timeout),
        fetch_max_bytes=max_body_bytes,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if detector is None:
            from detector.pipeline import Detector

            app.state.detector = await asyncio.to_thread(Detector, config)
        else:
            app.state.detector = detector
        app.state.runner = _Runner(settings)
        app.state.started = time.time()
        try:
            yield
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
    app.state.settings = settings
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc.status, exc.type, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        kind = "invalid_json" if any(e.get("type") == "json_invalid" for e in errors) else "invalid_request"
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg")} for e in errors]
        return error_response(422, kind, _validation_message(errors), details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
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
        if req.html is None and req.text is None:
            raise ServiceError(422, "invalid_request", "give the document as 'html' or 'text'")
        det = _detector(request)

        def work(cancelled: threading.Event) -> dict[str, Any]:
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
        return await _runner(request).run(lambda cancelled: _filter_batch(det, req, cancelled))

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
        det = _detector(request)

        def work(cancelled: threading.Event) -> dict[str, Any]:
            raw = fetch_url(
                req.url,
                timeout=settings.fetch_timeout,
                total_timeout=settings.request_timeout,
                max_bytes=settings.fetch_max_bytes,
                allow_private=settings.allow_private_urls,
            )
            if cancelled.is_set():
                raise ServiceError(504, "timeout", "time budget exceeded")
            return det.score(raw).to_dict(details=req.details)

        try:
            return await _runner(request).run(work)
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
def options_to_env(config: Config | None, **settings: Any) -> str:
    """Serialise ``create_app`` arguments for ``create_app_from_env`` (uvicorn workers)."""
    cfg: dict[str, Any] = {}
    if config is not None:
        defaults = Config()
        for f in fields(Config):
            value = getattr(config, f.name)
            if value != getattr(defaults, f.name):
                cfg[f.name] = str(value) if isinstance(value, Path) else value
    return json.dumps({"config": cfg, **settings})


def create_app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` with several workers: options come from
    the ``DETECTOR_SERVICE_OPTIONS`` environment variable (set by ``detector serve``)."""
    options = json.loads(os.environ.get(ENV_OPTIONS) or "{}")
    cfg = options.pop("config", None) or {}
    if cfg.get("model_path") is not None:
        cfg["model_path"] = Path(cfg["model_path"])
    config = Config(**cfg) if cfg else None
    return create_app(config, **options)
