"""Reading one JSON record of the input (a JSONL line, a request body) the same way at every door:
``detector filter``, ``detector clean``'s JSONL reader and the HTTP service."""

from __future__ import annotations

import json
import re
from typing import Any

_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(NaN|-?Infinity)', re.DOTALL)
"""A JSON string (skipped: a constant's name inside one is text) or one of the constants Python's
``json`` accepts and JSON does not."""


class _Constant(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _reject(name: str) -> Any:
    raise _Constant(name)


def loads(data: str | bytes) -> Any:
    """``json.loads``, but strict JSON: ``NaN``, ``Infinity`` and ``-Infinity`` (which Python's
    ``json`` accepts, and strict parsers of our output would not) raise ``json.JSONDecodeError``
    ("NaN is not valid JSON", at the constant's position), as any other malformed JSON does."""
    try:
        return json.loads(data, parse_constant=_reject)
    except _Constant as exc:
        text = data.decode(json.detect_encoding(data), "surrogatepass") if isinstance(data, bytes) else data
        pos = next((m.start(1) for m in _CONSTANT.finditer(text) if m.group(1) == exc.name), 0)
        raise json.JSONDecodeError(f"{exc.name} is not valid JSON", text, pos) from None
