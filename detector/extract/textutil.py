"""Small text helpers shared by extraction, features and redundancy (language-neutral)."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

_SPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？…])\s+|(?<=[。！？])")


def normalize_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """``\\w+`` runs, the benchmark's own tokenisation (language-neutral)."""
    return _TOKEN.findall(text)


def token_shingles(toks: Sequence[str], n: int = 3) -> list[int]:
    """Hashes of overlapping n-grams of tokens (one shingle for shorter texts)."""
    if not toks:
        return []
    if len(toks) < n:
        return [zlib.crc32("\x1f".join(toks).encode("utf-8"))]
    return [zlib.crc32("\x1f".join(toks[i : i + n]).encode("utf-8")) for i in range(len(toks) - n + 1)]


def split_sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in _SENTENCE_END.split(text)) if s]
