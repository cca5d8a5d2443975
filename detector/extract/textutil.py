"""Small text helpers shared by extraction, features and redundancy (language-neutral)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

_TOKEN = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？…])\s+|(?<=[。！？])")


def normalize_space(text: str) -> str:
    """Runs of whitespace as one space, none at either end (``re.sub(r"\\s+", " ", text).strip()``:
    ``str.split`` and ``\\s`` know the same whitespace)."""
    return " ".join(text.split())


def tokens(text: str) -> list[str]:
    """``\\w+`` runs, the benchmark's own tokenisation (language-neutral)."""
    return _TOKEN.findall(text)


# Every stage (extraction, features, redundancy, decide, quality) tokenises the same block
# texts: the caches make that once per text. Big enough for the distinct blocks of a large
# page (AEB: 90 on average), small enough to cost a few MB (about 0.9 kB an entry).
@lru_cache(maxsize=2048)
def cached_tokens(text: str) -> tuple[str, ...]:
    """``tokens(text)`` as a tuple, remembered for the texts seen last."""
    return tuple(_TOKEN.findall(text))


@lru_cache(maxsize=2048)
def cached_folded_tokens(text: str) -> tuple[str, ...]:
    """``cached_tokens(text)``, each casefolded."""
    toks = cached_tokens(text)
    # casefolding maps each character on its own (no context) and never makes a space, and no
    # token holds one: folding the tokens joined by spaces folds each token, in one call
    return tuple(" ".join(toks).casefold().split(" ")) if toks else ()


def token_shingles(toks: Sequence[str], n: int = 3) -> list[tuple[str, ...]]:
    """The overlapping n-grams of tokens as tuples (one shingle, all the tokens, for shorter
    texts). Compared as tuples, not as hashes: equal shingles are equal n-grams, never a
    collision of two different ones."""
    if not toks:
        return []
    if len(toks) < n:
        return [tuple(toks)]
    return list(zip(*(toks[k:] for k in range(n))))


def shingle_set(toks: Sequence[str], n: int = 3) -> set[tuple[str, ...]]:
    """``set(token_shingles(toks, n))``."""
    if len(toks) < n:
        return set(token_shingles(toks, n))
    return set(zip(*(toks[k:] for k in range(n))))


def split_sentences(text: str) -> list[str]:
    return [s for s in (p.strip() for p in _SENTENCE_END.split(text)) if s]
