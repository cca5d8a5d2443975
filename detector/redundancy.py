"""How much of each block was already said earlier in the same document.

Three kinds of repetition, strongest first: the title repeated as a block, an exact or near
copy of an earlier block, and a restatement (the same content words, reworded). Redundancy is
in [0, 1]; ``restates`` lists the earlier blocks a block repeats, most similar first.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np

from detector.config import Config
from detector.document import Document
from detector.extract.textutil import cached_folded_tokens, cached_tokens
from detector.language import stopwords

_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_PROSE_KINDS = frozenset({"paragraph", "quote", "list", "table"})


_ASCII_MATCH = str.maketrans(
    {code: " " if _NON_WORD.fullmatch(chr(code)) else "0" if _DIGITS.fullmatch(chr(code)) else chr(code).lower() for code in range(128)}
)
"""For ASCII text: each non-word character (and "_") a space, each digit "0", letters lower-cased."""
_ZEROS = re.compile(r"00+")


def normalize_for_match(text: str) -> str:
    """Case, punctuation, spacing and digits removed: ``Posted 3 days ago`` == ``posted 5 days ago``."""
    if not text.isascii():  # (a constant-time test)
        return _NON_WORD.sub(" ", _DIGITS.sub("0", text.casefold())).strip()
    # the same for ASCII text (most blocks) in one translation: runs of digits become one "0"
    # (no letter becomes one), runs of spaces one space
    mapped = text.translate(_ASCII_MATCH)
    if "00" in mapped:
        mapped = _ZEROS.sub("0", mapped)
    return " ".join(mapped.split())


def fingerprint(text: str) -> str:
    """A stable hash of a paragraph's normalised text (site-template detection keys on it)."""
    return hashlib.blake2b(normalize_for_match(text).encode("utf-8"), digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class Redundancy:
    score: float
    restates: tuple[int, ...] = ()
    duplicate_of: int | None = None
    repeats_title: bool = False


_NONE = Redundancy(0.0)
_TITLE = Redundancy(1.0, (), None, True)


# ISO 639-1 -> Snowball stemmer (snowballstemmer, https://snowballstem.org/algorithms/)
_SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish",
    "yi": "yiddish",
}  # fmt: skip


@lru_cache(maxsize=None)
def _stemmer(language: str | None) -> Callable[[str], str] | None:
    """The Snowball stemmer of ``language`` (ISO 639-1) as ``stem(word) -> str``, or None when
    Snowball has none. Stemmer objects keep state while stemming: one per thread; stems are
    remembered (the 16k words seen last, per language), so a word costs one stemming per process."""
    name = _SNOWBALL.get((language or "").lower()[:2])
    if name is None:
        return None
    import snowballstemmer

    if name not in snowballstemmer.algorithms():
        return None
    local = threading.local()

    @lru_cache(maxsize=16384)
    def stem(word: str) -> str:
        stemmer = getattr(local, "stemmer", None)
        if stemmer is None:
            stemmer = local.stemmer = snowballstemmer.stemmer(name)
        return stemmer.stemWord(word)

    return stem


def _content_words(text: str, stops: frozenset[str], language: str | None = None) -> list[str]:
    """Stems of the content words (casefolded tokens over two characters, not stop words).

    Snowball stemmers for the languages that have one ("migrants"/"migrant" -> "migrant",
    "relations"/"relational" -> "relat"); elsewhere a crude, language-neutral conflation by
    the first six letters."""
    return _stems([w for w in cached_folded_tokens(text) if _is_content_word(w, stops)], language)


def _is_content_word(folded: str, stops: frozenset[str]) -> bool:
    """A casefolded token that ``_content_words`` keeps: over two characters, not a stop word."""
    return len(folded) > 2 and folded not in stops


def _stems(words: list[str], language: str | None) -> list[str]:
    """The Snowball stems of casefolded ``words`` (``_stemmer``), else their first six letters."""
    stem = _stemmer(language)
    return list(map(stem, words)) if stem is not None else [w[:6] for w in words]


def _content_word_codes(texts: list[str], stops: frozenset[str], language: str | None) -> tuple[np.ndarray, np.ndarray]:
    """The ``_content_words`` of each of ``texts`` as codes, ``_codes`` of them all one text
    after the other, and each text's count (int64 arrays). Each distinct token of the texts is
    casefolded, tested and stemmed once: the texts of a page share most of their words."""
    toks = [cached_tokens(text) for text in texts]
    stream = list(chain.from_iterable(toks))
    ids = {tok: k for k, tok in enumerate(dict.fromkeys(stream))}
    # (casefolding a token on its own is casefolding it in its text: see ``cached_folded_tokens``)
    content = [(k, w) for k, w in enumerate(map(str.casefold, ids)) if _is_content_word(w, stops)]
    stems = _stems([w for _, w in content], language)
    # the distinct tokens are in order of first appearance, so are the stems numbered here
    stem_ids: dict[str, int] = {}
    word_of = np.full(len(ids), -1, dtype=np.int64)
    word_of[[k for k, _ in content]] = [stem_ids.setdefault(s, len(stem_ids)) for s in stems]
    token_words = word_of[np.fromiter(map(ids.__getitem__, stream), dtype=np.intp, count=len(stream))]
    is_word = token_words >= 0
    rows = np.repeat(np.arange(len(texts)), np.fromiter(map(len, toks), dtype=np.intp, count=len(toks)))
    return token_words[is_word], np.bincount(rows[is_word], minlength=len(texts)).astype(np.int64)


def _repeats_title(key: str, title_words: list[str], title_set: frozenset[str] | None = None) -> bool:
    # a key is single-space separated words: count them before splitting (most blocks fail here)
    n_words = key.count(" ") + 1 if key else 0
    if n_words < 3 or n_words > 2 * len(title_words) + 2:
        return False
    a, b = set(key.split()), set(title_words) if title_set is None else title_set
    return len(a & b) / len(a | b) >= 0.8


def _codes(tokens: list[str]) -> np.ndarray:
    """Each token's rank of first appearance (int64), counted in C."""
    ids = {tok: k for k, tok in enumerate(dict.fromkeys(tokens))}
    return np.fromiter(map(ids.__getitem__, tokens), dtype=np.int64, count=len(tokens))


def _ngram_rows(codes: np.ndarray, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, n-gram code) of every n-gram of n consecutive codes inside one row; ``codes`` is
    the rows' codes concatenated, ``lengths`` each row's count. Codes < base**n, distinct
    for distinct n-grams."""
    rows = np.repeat(np.arange(len(lengths)), lengths)
    if n == 1:
        return rows, codes
    base = int(codes.max()) + 1 if len(codes) else 1
    last = len(codes) - n + 1
    if last <= 0:
        return rows[:0], codes[:0]
    gram = codes[:last].copy()
    for k in range(1, n):
        gram = gram * base + codes[k : k + last]
    # keep the n-grams whose first and last token are in the same row
    same = rows[:last] == rows[n - 1 :]
    return rows[:last][same], gram[same]


def _distinct(
    rows: np.ndarray, grams: np.ndarray, n_rows: int, *, compact: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (row, gram) pairs as (row, compact gram id, count in the row), sorted by row.
    ``compact``: the grams are already compact ids (0 .. k-1, each present: ``_codes``)."""
    if not len(grams):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    if compact:
        n_ids, gram_ids = int(grams.max()) + 1, grams
    else:
        uniq, gram_ids = np.unique(grams, return_inverse=True)
        n_ids = len(uniq)
    pair, counts = np.unique(rows * n_ids + gram_ids, return_counts=True)
    return pair // n_ids, pair % n_ids, counts


def _earlier_shared(rows: np.ndarray, grams: np.ndarray, n_rows: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every pair of rows j < i sharing a gram: (i, j, number of distinct grams shared).
    ``(rows, grams)`` are distinct pairs; each gram held by g rows adds g(g-1)/2 pairs."""
    order = np.lexsort((rows, grams))
    r, g = rows[order], grams[order]
    bounds = np.flatnonzero(np.r_[True, g[1:] != g[:-1], True]) if len(g) else np.zeros(1, dtype=np.int64)
    sizes = np.diff(bounds)
    # entry p of a group ending at e pairs with the later entries p+1 .. e-1
    later = np.repeat(bounds[1:], sizes) - np.arange(len(r)) - 1
    first = np.repeat(np.arange(len(r)), later)
    offset = np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
    second = first + 1 + offset
    pair, shared = np.unique(r[second] * n_rows + r[first], return_counts=True)
    return pair // n_rows, pair % n_rows, shared


def _containment_with_earlier(rows: np.ndarray, grams: np.ndarray, counts: np.ndarray, n_rows: int) -> np.ndarray:
    """Per row: the sum over its distinct grams of min(count in the row, count in all earlier
    rows), the numerator of ``_containment(row, everything said before)``, float64."""
    if not len(rows):
        return np.zeros(n_rows)
    order = np.lexsort((rows, grams))
    g, c = grams[order], counts[order]
    before = np.cumsum(c) - c  # counts of all earlier entries in this order
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    before -= np.repeat(before[starts], np.diff(np.r_[starts, len(g)]))  # ... of this gram only
    return np.bincount(rows[order], weights=np.minimum(c, before), minlength=n_rows)


def score_redundancy(doc: Document, config: Config) -> list[Redundancy]:
    """One Redundancy per block of ``doc``, in order.

    Restatement = the mean of two containments against everything said before: content-word
    stems (the same things mentioned) and stem bigrams (the same phrases reused). Either alone
    confuses a paragraph on the same topic with one that repeats it; together they separate them
    on the hand-labelled seed. Near-duplicates: Jaccard similarity of word 3-gram shingles with
    an earlier block. All counts for all prose blocks of a page are taken at once (integer
    codes, the pairs of blocks sharing a shingle or a bigram, running
    sums per n-gram), so a page costs in proportion to its text plus its overlapping pairs.
    """
    stops = stopwords(doc.language)
    title_key = normalize_for_match(doc.title or "")
    title_words = title_key.split()
    title_set = frozenset(title_words)
    seen_exact: dict[str, int] = {}
    out: list[Redundancy | None] = []
    prose: list[int] = []  # blocks compared with earlier text, in order
    prose_keys: list[str] = []
    title_seen = False
    # 1. exact matches: the first title, repeats of the title, exact repeats, non-prose
    # a page repeats a fifth of its blocks: each distinct text normalised once
    keys = {text: normalize_for_match(text) for text in dict.fromkeys(b.text for b in doc.blocks)}
    # (each distinct key tested once)
    title_repeats = (
        {k for k in set(keys.values()) if k == title_key or _repeats_title(k, title_words, title_set)}
        if title_key
        else set()
    )
    copies: dict[int, Redundancy] = {}  # the Redundancy (frozen) of the copies of block j
    for i, block in enumerate(doc.blocks):
        key = keys[block.text]
        if block.kind == "title" and not title_seen:
            title_seen = True
            seen_exact.setdefault(key, i)
            out.append(_NONE)
        elif key in title_repeats:
            out.append(_TITLE)
        elif key in seen_exact:
            j = seen_exact[key]
            copy = copies.get(j)
            if copy is None:
                copy = copies[j] = Redundancy(1.0, (j,), j)
            out.append(copy)
        else:
            seen_exact[key] = i
            if block.kind in _PROSE_KINDS:
                prose.append(i)
                prose_keys.append(key)
                out.append(None)
            else:
                out.append(_NONE)
    if not prose:
        return out  # type: ignore[return-value]
    n = len(prose)
    # 2. n-gram incidence of the prose blocks: key-word 3-gram shingles, content-word stems and bigrams
    key_tokens = [k.split() for k in prose_keys]
    key_lengths = np.fromiter(map(len, key_tokens), dtype=np.int64, count=n)
    key_codes = _codes(list(chain.from_iterable(key_tokens)))
    sh_rows, sh_grams = _ngram_rows(key_codes, key_lengths, 3)
    # a key shorter than 3 words is one shingle of itself
    short = np.flatnonzero((key_lengths > 0) & (key_lengths < 3))
    if len(short):
        base = int(key_codes.max()) + 1
        starts = np.cumsum(key_lengths) - key_lengths
        one = key_codes[starts[short]]
        two = np.where(key_lengths[short] == 2, key_codes[np.minimum(starts[short] + 1, len(key_codes) - 1)], -1)
        # codes above every 3-gram code (< base**3), distinct for 1- and 2-word keys
        sh_rows = np.r_[sh_rows, short]
        sh_grams = np.r_[sh_grams, base**3 + (one * (base + 1) + two + 1)]
    sh_r, sh_g, _ = _distinct(sh_rows, sh_grams, n)
    shingle_sizes = np.bincount(sh_r, minlength=n)
    word_codes, n_words = _content_word_codes([doc.blocks[i].text for i in prose], stops, doc.language)
    uni_r, uni_g, uni_c = _distinct(*_ngram_rows(word_codes, n_words, 1), n, compact=True)
    bi_r, bi_g, bi_c = _distinct(*_ngram_rows(word_codes, n_words, 2), n)
    n_bigrams = np.bincount(bi_r, minlength=n)
    # 3. near-duplicates: the earlier block with the highest shingle Jaccard (lowest index on ties)
    si, sj, shared = _earlier_shared(sh_r, sh_g, n)
    jaccard = shared / (shingle_sizes[si] + shingle_sizes[sj] - shared)
    first = np.lexsort((sj, -jaccard, si))
    first = first[np.r_[True, si[first][1:] != si[first][:-1]]] if len(first) else first
    best_jaccard = np.zeros(n)
    best_j = np.full(n, -1, dtype=np.int64)
    best_jaccard[si[first]] = jaccard[first]
    best_j[si[first]] = sj[first]
    # 4. restatements: earlier blocks sharing enough bigrams (top 8), and the containments
    bi, bj, shared_bi = _earlier_shared(bi_r, bi_g, n)
    ratio = shared_bi / np.maximum(n_bigrams[bi], 1)
    keep = ratio >= config.restate_threshold / 4
    bi, bj, ratio = bi[keep], bj[keep], ratio[keep]
    order = np.lexsort((bj, -ratio, bi))
    bi, bj = bi[order], bj[order]
    group_start = np.flatnonzero(np.r_[True, bi[1:] != bi[:-1]]) if len(bi) else bi
    rank = np.arange(len(bi)) - np.repeat(group_start, np.diff(np.r_[group_start, len(bi)]))
    top = rank < 8
    restates: dict[int, list[int]] = {}
    for i, j in zip(bi[top].tolist(), bj[top].tolist()):
        restates.setdefault(i, []).append(prose[j])
    said_before = np.cumsum(n_words) - n_words
    uni = _containment_with_earlier(uni_r, uni_g, uni_c, n) / np.maximum(n_words, 1)
    big = _containment_with_earlier(bi_r, bi_g, bi_c, n) / np.maximum(n_words - 1, 1)
    score = np.where((n_words >= 5) & (said_before > 0), (uni + big) / 2, 0.0)
    cap = config.duplicate_threshold - 0.01
    near = config.near_duplicate_jaccard
    for row, (i, jac, j, sc) in enumerate(zip(prose, best_jaccard.tolist(), best_j.tolist(), score.tolist())):
        if jac >= near:
            out[i] = Redundancy(jac, (prose[j],), prose[j])
        else:
            said, score_i = restates.get(row), min(sc, cap)
            # (_NONE: the value of a new Redundancy(0.0), which is frozen, shared as for non-prose)
            out[i] = Redundancy(score_i, tuple(said or ())) if said or score_i else _NONE
    return out  # type: ignore[return-value]
