"""Exceptions. Every error names the input it is about."""

from __future__ import annotations

import re


class DetectorError(Exception):
    """Base class for errors the detector raises on purpose."""


class InputError(DetectorError, ValueError):
    """The input cannot be scored (too large, binary, not HTML/text, undecodable ...)."""

    def __init__(self, source: object, message: str) -> None:
        # ``source`` names the input (a path, an id, a URL); whatever a caller passed as one
        # (an integer id) is shown as its str
        self.source = printable(str(source)) if source else "<input>"
        self.reason = message
        super().__init__(f"{self.source}: {message}")


class FieldError(InputError):
    """A record (JSONL line, Parquet or frame row, request body) has a field of the wrong type: a
    list as its ``id``, a number as its ``url`` or ``html`` (``RawDoc.from_record``)."""


class FetchError(DetectorError):
    """A URL could not be fetched (network, status, size, content type, blocked address)."""

    def __init__(self, url: str, message: str) -> None:
        self.url = url
        self.reason = message
        super().__init__(f"{url}: {message}")


class ModelError(DetectorError):
    """The model file is missing, does not match its card, or cannot be loaded."""


class WorkerDied(DetectorError):
    """A worker process of a batch run died (killed: by the out-of-memory killer, by ``kill``; or
    a crash in a C library). The shards finished before it are kept: rerunning the same command
    resumes the run."""

    MESSAGE = (
        "a worker process died unexpectedly (killed, out of memory, or a crash in a C library); "
        "the finished shards are kept: rerun the same command to resume (with fewer --workers if "
        "memory ran out)"
    )

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)


def over_budget(seconds: float, option: str | None = None) -> str:
    """The words of every per-document timeout (``DocumentTimeout``: ``score``'s, ``filter``'s and
    ``clean``'s error records; the service's 504): ``took longer than the 30 s per-document budget
    (--doc-timeout)``, naming ``option``, what sets the budget, when given."""
    named = f" ({option})" if option else ""
    return f"took longer than the {seconds:g} s per-document budget{named}"


class DocumentTimeout(InputError):
    """Scoring one document (or serving one request) took longer than its time budget of
    ``seconds``. ``option`` names what sets the budget (``--doc-timeout``), so that the message
    says what to raise: ``timeout: took longer than the 30 s per-document budget (--doc-timeout)``
    (``over_budget``)."""

    def __init__(self, source: str | None, seconds: float, option: str | None = None) -> None:
        self.seconds = seconds
        self.option = option
        super().__init__(source, f"timeout: {over_budget(seconds, option)}")


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def check_unicode(value: object, field: str, source: str | None) -> None:
    """Raise ``InputError`` when the string ``value`` holds a lone surrogate (``"\\ud800"``: valid
    JSON, not valid Unicode; half of an emoji cut by a scraper): it cannot be written as UTF-8."""
    if not isinstance(value, str):
        return
    found = _LONE_SURROGATE.search(value)
    if found is not None:
        raise InputError(
            source,
            f"field {field!r} holds a lone surrogate (\\u{ord(found.group()):04x} at character {found.start()}): "
            "not valid Unicode, fix or drop it upstream",
        )


_CONTROL_ESCAPES = {
    c: {9: "\\t", 10: "\\n", 13: "\\r"}.get(c, f"\\x{c:02x}") for c in (*range(0x20), *range(0x7F, 0xA0))
}


def printable(text: str) -> str:
    """``text`` safe to print on one line of a terminal or a log: a lone surrogate written as a
    ``\\udXXX`` escape, a control character (C0, DEL, C1: a line break, a terminal escape
    sequence) as ``\\n``, ``\\t``, ``\\r`` or ``\\xNN``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").translate(_CONTROL_ESCAPES)
