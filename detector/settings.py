"""The HTTP service's settings: one frozen dataclass whose fields carry their defaults and help,
read by ``detector.service.create_app`` and ``detector serve`` alike (kept apart from the
service so the command line can build its parser without importing FastAPI)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from detector.config import MAX_SECONDS

__all__ = ["ServiceSettings"]


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class ServiceSettings:
    """Everything the service is started with besides the ``Config``: the one place its
    defaults and their help live (``create_app`` and ``detector serve`` read them from here).
    Raises ``ValueError`` for a value out of range (a timeout over ``config.MAX_SECONDS``)."""

    max_body_bytes: int = _setting(10 * 2**20, "request bodies over this get 413")
    request_timeout: float = _setting(
        30.0, "seconds a request may take, fetch and scoring included; past it 504 and its work is stopped")
    allow_private_urls: bool = _setting(
        False, "let /v1/score-url fetch loopback, private and link-local addresses (off: SSRF guard)")
    threads: int = _setting(4, "scoring threads per worker process")
    max_batch: int = _setting(1000, "most documents in one /v1/filter request")
    fetch_timeout: float = _setting(
        10.0, "seconds without data before /v1/score-url gives up on a server (the whole fetch has the request's budget)")
    fetch_max_bytes: int = _setting(10 * 2**20, "largest page /v1/score-url downloads, as sent and once decoded")
    header_timeout: float = _setting(10.0, "seconds a connection may take to send a request's headers; then it is closed")
    body_timeout: float = _setting(30.0, "seconds a request may take to send its body; past it 408")
    keep_alive_timeout: float = _setting(5.0, "seconds an idle keep-alive connection stays open")
    drain_max_bytes: int = _setting(
        64 * 2**20, "an oversized body is read and discarded up to this many bytes before the 413 is sent, so a "
        "client that writes its whole body before reading (urllib, requests) sees the 413, not a reset")

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "threads", "max_batch", "fetch_max_bytes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("request_timeout", "fetch_timeout", "header_timeout", "body_timeout", "keep_alive_timeout"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"{name} must be > 0 seconds, got {value}")
            if not value <= MAX_SECONDS:  # inf, nan, 1e12: a timer given it dies in its thread
                raise ValueError(f"{name} must be at most {MAX_SECONDS:g} seconds, got {value}")
        if self.drain_max_bytes < 0:
            raise ValueError(f"drain_max_bytes must be >= 0, got {self.drain_max_bytes}")

    @staticmethod
    def help(name: str) -> str:
        """The help text of field ``name``, with its default."""
        f = {f.name: f for f in fields(ServiceSettings)}[name]
        return f"{f.metadata['help']} (default: {f.default})"
