"""Exceptions. Every error names the input it is about."""

from __future__ import annotations


class DetectorError(Exception):
    """Base class for errors the detector raises on purpose."""


class InputError(DetectorError, ValueError):
    """The input cannot be scored (too large, binary, not HTML/text, undecodable ...)."""

    def __init__(self, source: str | None, message: str) -> None:
        self.source = source or "<input>"
        self.reason = message
        super().__init__(f"{self.source}: {message}")


class FetchError(DetectorError):
    """A URL could not be fetched (network, status, size, content type, blocked address)."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        self.reason = message
        super().__init__(f"{url}: {message}")


class ModelError(DetectorError):
    """The model file is missing, does not match its card, or cannot be loaded."""
