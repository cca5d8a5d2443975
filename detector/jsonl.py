"""Reading one JSON record of the input (a JSONL line, a request body) the same way at every door:
``detector filter``, ``detector clean``'s JSONL reader and the HTTP service."""

from __future__ import annotations

import json
import math
import re
from typing import Any

_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(NaN|-?Infinity|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)', re.DOTALL)
"""A JSON string (skipped: a constant's name inside one is text), one of the constants Python's
``json`` accepts and JSON does not, or a number (to find one too large for a double)."""


class _Constant(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _reject(name: str) -> Any:
    raise _Constant(name)


class _Overflow(_Constant):
    pass


def _float(literal: str) -> float:
    """A JSON number as a float; one too large for a double (``1e400``), which Python reads as
    ``inf`` and would write back as ``Infinity``, is refused as those constants are."""
    value = float(literal)
    if math.isinf(value):
        raise _Overflow(literal)
    return value


_JSON_TYPES = ((type(None), "null"), (bool, "boolean"), ((int, float), "number"), (str, "string"),
               ((list, tuple), "array"), (dict, "object"))


def json_type(value: Any) -> str:
    """The JSON name of the type of a value ``loads`` gave: ``null``, ``boolean``, ``number``,
    ``string``, ``array``, ``object`` (else Python's name for it)."""
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), type(value).__name__)


def not_an_object(value: Any) -> str:
    """What every door says of a record that is not a JSON object: ``expected a JSON object, got
    number``."""
    return f"expected a JSON object, got {json_type(value)}"


def loads(data: str | bytes) -> Any:
    """``json.loads``, but strict JSON: ``NaN``, ``Infinity`` and ``-Infinity`` (which Python's
    ``json`` accepts, and strict parsers of our output would not) raise ``json.JSONDecodeError``
    ("NaN is not valid JSON", at the constant's position), as any other malformed JSON does; so
    does a number too large for a double ("number 1e400 is out of range"), which would be written
    back as ``Infinity``."""
    try:
        return json.loads(data, parse_constant=_reject, parse_float=_float)
    except _Constant as exc:
        text = data.decode(json.detect_encoding(data), "surrogatepass") if isinstance(data, bytes) else data
        pos = next((m.start(1) for m in _CONSTANT.finditer(text) if m.group(1) == exc.name), 0)
        msg = (f"number {exc.name} is out of range (too large for a double)" if isinstance(exc, _Overflow)
               else f"{exc.name} is not valid JSON")
        raise json.JSONDecodeError(msg, text, pos) from None


def json_problem(exc: ValueError, line: bytes) -> tuple[str, int | None]:
    """What ``loads(line)`` said, for a person, and the column (1-based, in characters) where it
    went wrong, or ``None``: without json's own "line 1 column N (char M)" (the line of the
    record, not of the stream: each door names the line itself) and, for bytes that are not
    UTF-8, the first bad byte and its column instead of the codec's message. ``detector filter``
    says ``line 17, column 88: malformed JSON: Expecting ',' delimiter``, ``detector clean``
    ``invalid-json: column 88: Expecting ',' delimiter`` in the error record of line 17."""
    if isinstance(exc, json.JSONDecodeError):
        # not colno: the line's own newline starts a "line 2"; an error past the end is at its end
        msg = exc.msg.removesuffix(" starting at").removesuffix(" at")  # "Invalid control character at"
        return msg, min(exc.pos, len(exc.doc.rstrip("\r\n"))) + 1
    if isinstance(exc, UnicodeDecodeError):
        try:  # json guesses UTF-16 from a line's first bytes (\xff\xfe): name the first byte that is not UTF-8
            line.decode("utf-8")
        except UnicodeDecodeError as bad:
            column = len(line[:bad.start].decode("utf-8", "replace")) + 1
            return f"not UTF-8 (byte 0x{line[bad.start:bad.start + 1].hex()}: {bad.reason})", column
    return str(exc), None
