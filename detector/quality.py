"""Document quality: Gopher repetition and quality rules, C4/FineWeb-style line rules, and the
detector's own boilerplate and redundancy shares. Every rule that fires becomes a flag."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from detector.config import Config
from detector.document import Document, ParagraphScore, QualityScore
from detector.extract.textutil import cached_folded_tokens, cached_tokens
from detector.language import stopwords

# How much each fired rule multiplies the score by. Informational flags cost nothing.
PENALTIES: dict[str, float] = {
    "empty": 0.0,
    "too-short": 0.35,
    "too-long": 0.8,
    "mean-word-length": 0.6,
    "symbol-ratio": 0.6,
    "low-stopword-ratio": 0.55,
    "bullet-lines": 0.7,
    "ellipsis-lines": 0.7,
    "duplicate-paragraphs": 0.6,
    "duplicate-lines": 0.7,
    "top-ngram-repetition": 0.7,
    "duplicate-ngrams": 0.7,
    "boilerplate-heavy": 0.8,
    "redundant": 0.75,
    "low-relevance": 0.7,
}
_NO_SPACES = frozenset({"ja", "zh", "th"})
_TOP_NGRAM_LIMITS = {2: 0.20, 3: 0.18, 4: 0.16}
_DUP_NGRAM_LIMITS = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}


def _ngrams(words: Sequence[str], n: int) -> list[tuple[str, ...]]:
    return list(zip(*(words[k:] for k in range(n))))


def _top_ngram_share(words: Sequence[str], n: int, total_chars: int) -> float:
    """Share of characters (of ``total_chars``) in the most frequent n-gram's occurrences."""
    if len(words) < n + 1:
        return 0.0
    counts = Counter(_ngrams(words, n))
    gram, count = counts.most_common(1)[0]
    if count < 2:
        return 0.0
    return count * sum(len(w) for w in gram) / (total_chars or 1)


def _duplicate_ngram_shares(words: Sequence[str], sizes: Sequence[int]) -> dict[int, float]:
    """For each n in ``sizes`` (consecutive, ascending), the share of characters inside n-grams
    that occur more than once (Gopher).

    An n-gram occurring twice has its (n-1)-gram prefix and suffix occurring twice, so each
    size only counts the n-grams starting where both (n-1)-grams were repeated: every
    occurrence of a repeated n-gram is among them, and far fewer grams get hashed.
    """
    char_end = [0]
    for w in words:
        char_end.append(char_end[-1] + len(w))
    total = char_end[-1] or 1
    shares: dict[int, float] = {}
    starts: list[int] | None = None
    for n in sizes:
        if len(words) < n:
            shares[n] = 0.0
            continue
        if starts is None:
            grams = _ngrams(words, n)
            candidates: Sequence[int] = range(len(grams))
        else:
            repeated = set(starts)
            candidates = [i for i in starts if i + 1 in repeated]
            grams = [tuple(words[i : i + n]) for i in candidates]
        counts = Counter(grams)
        starts = [i for i, gram in zip(candidates, grams) if counts[gram] > 1]
        shares[n] = _covered_chars(starts, n, char_end) / total
    return shares


def _covered_chars(starts: Sequence[int], n: int, char_end: Sequence[int]) -> int:
    """Characters of the words covered by the n-grams at ``starts`` (ascending)."""
    covered, reach = 0, 0
    for i in starts:
        lo = max(i, reach)
        reach = i + n
        covered += char_end[reach] - char_end[lo]
    return covered


def score_document(doc: Document, decisions: Sequence[ParagraphScore], config: Config) -> QualityScore:
    flags: list[str] = [f"note:{n}" for n in doc.notes]
    signals: dict[str, float] = {}
    if not doc.blocks:
        return QualityScore(0.0, False, ("empty", *flags), {"words": 0.0})
    kept = [d for d in decisions if d.keep and d.kind != "title"]
    words = [w for d in kept for w in cached_tokens(d.text)]
    lowered = [w for d in kept for w in cached_folded_tokens(d.text)]
    n_words = len(words)
    signals["words"] = float(n_words)
    fired: list[str] = []
    if n_words == 0:
        fired.append("empty")
    elif n_words < config.min_words:
        fired.append("too-short")
    if n_words > config.max_words:
        fired.append("too-long")
    lang = doc.language
    if n_words and lang not in _NO_SPACES:
        mean_len = sum(map(len, words)) / n_words
        signals["mean_word_length"] = mean_len
        if not config.min_mean_word_length <= mean_len <= config.max_mean_word_length:
            fired.append("mean-word-length")
    text = "\n".join(d.text for d in kept)
    if n_words:
        symbols = text.count("#") + text.count("...") + text.count("…")
        signals["symbol_ratio"] = symbols / n_words
        if symbols / n_words > config.max_symbol_ratio:
            fired.append("symbol-ratio")
        stops = stopwords(lang)
        if stops and n_words >= 20:
            ratio = sum(map(stops.__contains__, lowered)) / n_words
            signals["stopword_ratio"] = ratio
            if ratio < config.min_stopword_ratio:
                fired.append("low-stopword-ratio")
        lines = [d.text for d in kept]
        bullets = sum(1 for line in lines if line.lstrip().startswith(("•", "-", "*", "·", "▪")))
        ellipsis = sum(1 for line in lines if line.rstrip().endswith(("...", "…")))
        if lines and bullets / len(lines) > 0.9:
            fired.append("bullet-lines")
        if lines and ellipsis / len(lines) > 0.3:
            fired.append("ellipsis-lines")

    # Gopher repetition, measured on the whole document as scraped
    all_texts = [b.text for b in doc.blocks]
    para_counts = Counter(all_texts)
    dup_paras = sum(c - 1 for c in para_counts.values() if c > 1)
    signals["duplicate_paragraph_fraction"] = dup_paras / len(all_texts)
    if dup_paras / len(all_texts) > config.max_duplicate_paragraph_fraction:
        fired.append("duplicate-paragraphs")
    total_chars = sum(len(t) for t in all_texts) or 1
    dup_chars = sum(len(t) * (c - 1) for t, c in para_counts.items() if c > 1)
    signals["duplicate_line_char_fraction"] = dup_chars / total_chars
    if dup_chars / total_chars > config.max_duplicate_line_char_fraction:
        fired.append("duplicate-lines")
    lowered_chars = sum(map(len, lowered))
    top = max(
        (_top_ngram_share(lowered, n, lowered_chars) / limit for n, limit in _TOP_NGRAM_LIMITS.items()), default=0.0
    )
    signals["top_ngram_ratio_to_limit"] = top
    if top > 1.0:
        fired.append("top-ngram-repetition")
    if len(lowered) >= 10:
        shares = _duplicate_ngram_shares(lowered, tuple(_DUP_NGRAM_LIMITS))
        dup = max(shares[n] / limit for n, limit in _DUP_NGRAM_LIMITS.items())
        signals["duplicate_ngram_ratio_to_limit"] = dup
        if dup > 1.0:
            fired.append("duplicate-ngrams")

    # the detector's own shares: junk inside the article's span, and restated text
    kept_idx = [d.index for d in decisions if d.keep]
    if kept_idx:
        span = [d for d in decisions if kept_idx[0] <= d.index <= kept_idx[-1]] if doc.format == "html" else list(decisions)
        span_chars = sum(len(d.text) for d in span) or 1
        share = sum(len(d.text) for d in span if not d.keep) / span_chars
        signals["boilerplate_share"] = share
        if share > config.max_boilerplate_fraction:
            fired.append("boilerplate-heavy")
    kept_chars = sum(len(d.text) for d in kept) or 1
    redundant = sum(len(d.text) for d in kept if d.redundancy >= 0.5) / kept_chars
    signals["redundancy_share"] = redundant if kept else 0.0
    if kept and redundant > config.max_redundancy_fraction:
        fired.append("redundant")
    if kept:
        mean_rel = sum(d.relevance * len(d.text) for d in kept) / kept_chars
    else:
        mean_rel = 0.0
    signals["mean_relevance"] = mean_rel
    if kept and mean_rel < 0.5:
        fired.append("low-relevance")

    score = 0.5 + 0.5 * mean_rel
    for flag in fired:
        score *= PENALTIES.get(flag, 1.0)
    score = max(0.0, min(1.0, score))
    if math.isnan(score):
        score = 0.0
    return QualityScore(score, score >= config.min_quality, (*fired, *flags), signals)
