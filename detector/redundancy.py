"""How much of each block was already said earlier in the same document.

Three kinds of repetition, strongest first: the title repeated as a block, an exact or near
copy of an earlier block, and a restatement (the same content words, reworded). Redundancy is
in [0, 1]; ``restates`` lists the earlier blocks a block repeats, most similar first.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, repeat

from detector.config import Config
from detector.document import Document
from detector.extract.textutil import cached_folded_tokens
from detector.language import stopwords

_DIGITS = re.compile(r"\d+")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_PROSE_KINDS = frozenset({"paragraph", "quote", "list", "table"})


def normalize_for_match(text: str) -> str:
    """Case, punctuation, spacing and digits removed: ``Posted 3 days ago`` == ``posted 5 days ago``."""
    return _NON_WORD.sub(" ", _DIGITS.sub("0", text.casefold())).strip()


def fingerprint(text: str) -> str:
    """A stable hash of a paragraph's normalised text (site-template detection keys on it)."""
    return hashlib.blake2b(normalize_for_match(text).encode("utf-8"), digest_size=8).hexdigest()


@dataclass(frozen=True)
class Redundancy:
    score: float
    restates: tuple[int, ...] = ()
    duplicate_of: int | None = None
    repeats_title: bool = False


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
    remembered (64k words per language), so a word costs one stemming per process."""
    name = _SNOWBALL.get((language or "").lower()[:2])
    if name is None:
        return None
    import snowballstemmer

    if name not in snowballstemmer.algorithms():
        return None
    local = threading.local()

    @lru_cache(maxsize=65536)
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
    words = [w for w in cached_folded_tokens(text) if len(w) > 2 and w not in stops]
    stem = _stemmer(language)
    return list(map(stem, words)) if stem is not None else [w[:6] for w in words]


def _shingles(key: str) -> set[tuple[str, ...]]:
    """Word 3-grams of a ``normalize_for_match`` key (the whole key when it is shorter)."""
    toks = key.split()
    if len(toks) < 3:
        return {tuple(toks)} if toks else set()
    return set(zip(toks, toks[1:], toks[2:]))


def _repeats_title(key: str, title_words: list[str]) -> bool:
    # a key is single-space separated words: count them before splitting (most blocks fail here)
    n_words = key.count(" ") + 1 if key else 0
    if n_words < 3 or n_words > 2 * len(title_words) + 2:
        return False
    a, b = set(key.split()), set(title_words)
    return len(a & b) / len(a | b) >= 0.8


def _bigrams(words: list[str]) -> Counter[tuple[str, str]]:
    return Counter(zip(words, words[1:]))


def _containment(part: Counter, whole: Counter) -> float:
    total = sum(part.values())
    # min(count in part, count in whole) per key, summed in C
    return sum(map(min, part.values(), map(whole.get, part, repeat(0)))) / total if total else 0.0


def score_redundancy(doc: Document, config: Config) -> list[Redundancy]:
    """One Redundancy per block of ``doc``, in order.

    Restatement = the mean of two containments against everything said before: content-word
    stems (the same things mentioned) and stem bigrams (the same phrases reused). Either alone
    confuses a paragraph on the same topic with one that repeats it; together they separate them
    on the hand-labelled seed. Earlier blocks are found through inverted indexes (shingle ->
    blocks, bigram -> blocks), so a page costs in proportion to its text, not to its blocks squared.
    """
    stops = stopwords(doc.language)
    title_key = normalize_for_match(doc.title or "")
    title_words = title_key.split()
    seen_exact: dict[str, int] = {}
    shingle_index: defaultdict[tuple[str, ...], list[int]] = defaultdict(list)
    bigram_index: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
    shingle_sizes: dict[int, int] = {}
    said_unigrams: Counter[str] = Counter()
    said_bigrams: Counter[tuple[str, str]] = Counter()
    out: list[Redundancy] = []
    title_seen = False
    min_restate = config.restate_threshold / 4
    for i, block in enumerate(doc.blocks):
        key = normalize_for_match(block.text)
        if block.kind == "title" and not title_seen:
            title_seen = True
            seen_exact.setdefault(key, i)
            out.append(Redundancy(0.0))
            continue
        if title_key and (key == title_key or _repeats_title(key, title_words)):
            out.append(Redundancy(1.0, (), None, True))
            continue
        if key in seen_exact:
            j = seen_exact[key]
            out.append(Redundancy(1.0, (j,), j))
            continue
        seen_exact[key] = i
        if block.kind not in _PROSE_KINDS:
            out.append(Redundancy(0.0))
            continue
        words = _content_words(block.text, stops, doc.language)
        shingles = _shingles(key)
        bigrams = _bigrams(words)
        shared_shingles: Counter[int] = Counter(chain.from_iterable(map(shingle_index.get, shingles, repeat(()))))
        best_jaccard, best_j = 0.0, -1
        for j, shared in shared_shingles.items():
            jac = shared / (len(shingles) + shingle_sizes[j] - shared)
            if jac > best_jaccard or (jac == best_jaccard and j < best_j):
                best_jaccard, best_j = jac, j
        # an index list holds each block once: a block is indexed under its distinct bigrams
        shared_bigrams: Counter[int] = Counter(chain.from_iterable(map(bigram_index.get, bigrams, repeat(()))))
        if best_jaccard >= config.near_duplicate_jaccard:
            out.append(Redundancy(best_jaccard, (best_j,), best_j))
        else:
            n_bigrams = len(bigrams) or 1
            pair = [(r, j) for j, shared in shared_bigrams.items() if (r := shared / n_bigrams) >= min_restate]
            score = 0.0
            if len(words) >= 5 and said_unigrams:
                score = (_containment(Counter(words), said_unigrams) + _containment(bigrams, said_bigrams)) / 2
            pair.sort(key=lambda p: (-p[0], p[1]))
            # a restatement is never a duplicate: keep it below the duplicate threshold
            out.append(Redundancy(min(score, config.duplicate_threshold - 0.01), tuple(j for _, j in pair[:8])))
        for sh in shingles:
            shingle_index[sh].append(i)
        shingle_sizes[i] = len(shingles)
        for bg in bigrams:
            bigram_index[bg].append(i)
        # the same counts as adding the Counters, but counted in C
        said_unigrams.update(words)
        said_bigrams.update(zip(words, words[1:]))
    return out
