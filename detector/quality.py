"""The document verdict: quality rules on the text the detector keeps, and one verdict for every door.

Every document rule is computed on ``Result.text`` -- the kept paragraphs joined by a blank line,
exactly what a downstream filter would read. The rules that bear a known filter's name implement
that filter's definition (datatrove 0.10.1, ``src/datatrove/pipeline/filters/``):

- ``gopher-*`` quality rules: ``GopherQualityFilter.filter`` (gopher_quality_filter.py:61-125),
  Rae et al. 2021, "Scaling Language Models: Methods, Analysis & Insights from Training Gopher",
  appendix A.1.1;
- ``gopher-*`` repetition rules: ``GopherRepetitionFilter.filter`` (gopher_repetition_filter.py:110-144),
  the same paper's table A1;
- ``c4-*``: ``C4QualityFilter.filter`` (c4_filters.py:88-136), Raffel et al. 2020, section 2.2;
- ``fineweb-*``: ``FineWebQualityFilter.filter`` (fineweb_quality_filter.py:33-56), Penedo et al. 2024.

Deliberate differences (tests/test_quality_datatrove.py measures the agreement):

- words are split by :func:`words`, a regular expression that mimics spaCy's blank English
  tokenizer (datatrove's ``split_into_words`` for English) without loading spaCy; in zh, ja and
  th by the segmenter datatrove assigns the language (jieba; SudachiPy split mode A with
  SudachiDict-core; PyThaiNLP newmm-safe: :func:`word_splitter`), called directly rather than
  through spaCy, as datatrove does for its codes cmn / jpn / tha (its ISO 639-1 "zh" falls to
  spaCy's "xx" tokenizer, a quirk of its tokenizer_assignment.csv loading not followed here);
- sentences (C4) are counted by :func:`count_sentences`, which mimics spaCy's ``sentencizer``;
- terminal punctuation (FineWeb) is Unicode's ``Sentence_Terminal`` property, which differs from
  datatrove's hand-written set in 19 rare characters;
- ``gopher-stop-words`` counts Gopher's 8 English stop words in English (and undetected-language)
  documents, and the document language's stop list (jusText's) elsewhere, as FineWeb-2 does with
  per-language lists; ``gopher-mean-word-length`` is not applied to languages written without
  spaces (ja, zh, th), whose words average 1.5 characters against datatrove's English limits,
  nor to Korean, whose characters are syllables (``_SHORT_WORD_LANGUAGES``).

Besides the named rules there are the detector's own: ``empty`` (nothing kept) and
``no-main-content`` (fewer than ``Config.min_content_words`` prose words kept, or no stretch of
consecutively kept paragraphs of ``Config.min_main_run_chars`` characters, a CJK character
counting as several (``Config.main_run_char_widths``, :func:`text_width`): the page's main content
is missing -- a consent or paywall shell, a removed article, an unrendered JavaScript app, a tag
or search page). Signals that describe the raw page rather than the kept text
(``page_boilerplate_share``, ``page_redundancy_share``, ``page_dropped_share``) are reported under
their own names and never fire a rule.

:func:`verdict` is the one verdict used by ``Detector.filter``, ``clean --keep-only`` (corpus
``reject_reasons``), ``detector filter``, ``/v1/filter`` and ``score_frame``.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from bisect import bisect_left
from itertools import accumulate
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import regex

from detector.config import Config
from detector.document import Document, ParagraphScore, QualityScore, Result
from detector.language import identify_language, stopwords

# --- tokenisation (datatrove's English split_into_words is spaCy's blank "en" tokenizer) ----

GOPHER_STOP_WORDS = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})
"""Gopher's stop words (gopher_quality_filter.py:10), matched case-sensitively as datatrove does."""

_NO_SPACES = frozenset({"ja", "zh", "th"})
_SHORT_WORD_LANGUAGES = _NO_SPACES | {"ko"}
"""Languages whose words are a few characters long, where Gopher's English bounds on the mean
word length (3-10 characters) do not apply: those written without spaces (a segmenter's word
averages 1.5 characters) and Korean, whose Hangul characters are syllables of two or three
letters each (a space-separated Korean word averages about 3 characters, so that real Korean
prose falls below Gopher's lower bound about as often as above it)."""
# spaCy's English tokenizer, in brief (spacy/lang/punctuation.py, spacy/lang/en/tokenizer_exceptions.py):
# split on whitespace; peel prefixes and suffixes off each chunk; split the rest at infixes. spaCy's
# lower-case letter class, after which a final "." is a suffix, holds its "uncased" scripts
# (spacy/lang/char_classes.py ``_uncased``): ``_UNCASED``.
_ABBREVIATIONS = frozenset(
    "Adm. Ak. Ala. Apr. Ariz. Ark. Aug. Bros. Calif. Co. Colo. Conn. Corp. D.C. Dec. Del. Dr. E.G. E.g. Feb. "
    "Fla. Ga. Gen. Gov. I.E. I.e. Ia. Id. Ill. Inc. Ind. Jan. Jr. Jul. Jun. Kan. Kans. Ky. La. Ltd. Mar. Mass. "
    "Md. Messrs. Mich. Minn. Miss. Mo. Mont. Mr. Mrs. Ms. Mt. N.C. N.D. N.H. N.J. N.M. N.Y. Neb. Nebr. Nev. "
    "Nov. Oct. Okla. Ore. Pa. Ph.D. Prof. Rep. Rev. S.C. Sen. Sep. Sept. St. Tenn. Va. Wash. Wis. a.m. co. "
    "e.g. i.e. p.m. v.s. vs. ä. ö. ü.".split()
) | {c + "." for c in "abcdefghijklmnopqrstuvwxyz"}
_UNCASED = "".join(
    rf"\p{{{script}}}"
    for script in ("Arabic", "Bengali", "Devanagari", "Ethiopic", "Han", "Hangul", "Hebrew", "Hiragana", "Kannada",
                   "Katakana", "Sinhala", "Tamil", "Telugu")
)  # fmt: skip
"""spaCy's uncased letters (its ``_uncased`` ranges cover these scripts; Thai, Georgian, Khmer and
the rest are not among them), for the character class after which a final "." is a suffix."""
_QUOTES = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉⟦⟧"
_PUNCT_LIST = "…,:;!?¿؟¡()\\[\\]{}<>_#*&。？！，、；：～·।،۔؛٪"
_URL = regex.compile(r"^(?:https?://|www\.)\S+?(?=[.,;:!?)\]'\"]*$)")
_PREFIX = regex.compile(rf"^(?:\.\.+|[§%=—–]|\+(?![0-9])|[{_PUNCT_LIST}{regex.escape(_QUOTES)}$£€¥฿₽₹\p{{So}}])")
_SUFFIX = regex.compile(
    rf"(?:\.\.+|['’][sS]|[—–{_PUNCT_LIST}{regex.escape(_QUOTES)}\p{{So}}]|(?<=[0-9])[+%$£€¥]"
    rf"|(?<=[0-9\p{{Ll}}{_UNCASED}%²\-+…{regex.escape(_QUOTES)}])\.|(?<=\p{{Lu}}\p{{Lu}})\.)$"
)
_INFIX = regex.compile(
    r"\.\.+|…|(?<=[0-9])[+\-*^](?=[0-9-])|(?<=[\p{Ll}'\"”’])\.(?=[\p{Lu}'\"”’])|(?<=\p{L}),(?=\p{L})"
    r"|(?<=[\p{L}0-9])(?:---|--|——|-|–|—|~)(?=\p{L})|(?<=[\p{L}0-9])[:<>=/](?=\p{L})"
)
_CONTRACTION = regex.compile(r"^(\p{L}+)(n['’]t)$", regex.IGNORECASE)
_SENTENCE_TERMINAL = regex.compile(r"\p{Sentence_Terminal}")
_PUNCT = regex.compile(r"[\p{P}\p{S}\p{Cc}\p{Cf}]")
_SYMBOLS = regex.compile(r"[\p{P}\p{S}\p{Cc}\p{Cf}\s]*")  # per character: _PUNCT or str.isspace()
_CITATION = re.compile(r"\[\d*]|\[edit]|\[citation needed]")  # c4_filters.py:14
_C4_END = (".", "?", "!", '"', "'")  # c4_filters.py:15
_C4_POLICY = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")


def words(text: str, language: str | None = None) -> list[str]:
    """The text's words as datatrove counts them (``split_into_words``). Shape: list of str.

    In Chinese, Japanese and Thai (``language`` zh, ja, th: written without spaces) the words
    of the language's segmenter, as datatrove's ``load_word_tokenizer`` assigns it
    (:func:`word_splitter`). In every other language (and without ``language``) the words of
    datatrove's English tokenizer, spaCy's blank "en": whitespace-separated chunks with leading
    and trailing punctuation split off as tokens of their own ("end." -> "end", ".").

    The words of a text are the words of its lines, one after another (every line break is
    whitespace)."""
    if language is not None and language[:2].lower() in SEGMENTED_LANGUAGES:
        return word_splitter(language)(text)
    return _english_words(text)


def _english_words(text: str) -> list[str]:
    """:func:`words` for English: spaCy's blank "en" tokenizer, mimicked. Most chunks are letters
    and digits only: no prefix, suffix, infix, abbreviation, URL or contraction contains one of
    those alone, so such a chunk is one word as it is."""
    out: list[str] = []
    for chunk in text.split():
        if chunk.isalnum():
            out.append(chunk)
        elif chunk[:-1].isalnum() and (
            chunk[-1] in _PLAIN_SUFFIXES
            or (chunk[-1] == "." and chunk[-2] in _LOWER_OR_DIGIT and chunk not in _ABBREVIATIONS)
        ):
            # "word," and "word." (most of the rest): a letter or digit matches no prefix, suffix
            # or infix, so the mark is the one suffix (a "." after a lower-case letter or a digit)
            out += (chunk[:-1], chunk[-1])
        else:
            out.extend(_chunk_words(chunk))
    return out


_PLAIN_SUFFIXES = frozenset(",;:!?)")
"""Marks that are a suffix (``_SUFFIX``) after any letter or digit."""
_LOWER_OR_DIGIT = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


@lru_cache(maxsize=16384)
def _chunk_words(chunk: str) -> tuple[str, ...]:
    """The tokens of one whitespace-free ``chunk`` (``_split_chunk``), remembered: punctuated
    chunks recur within and across pages ("said,", "it's", "(AP)")."""
    out: list[str] = []
    _split_chunk(chunk, out)
    return tuple(out)


def _split_chunk(chunk: str, out: list[str]) -> None:
    """Append the tokens of one whitespace-free ``chunk`` to ``out`` (spaCy's prefix, suffix,
    special-case and infix passes, in its order)."""
    suffixes: list[str] = []
    while chunk:
        if chunk in _ABBREVIATIONS or _URL.match(chunk) and not suffixes:
            break
        m = _PREFIX.match(chunk)
        if m and len(m.group()) < len(chunk) or m and not suffixes and len(chunk) == len(m.group()):
            out.append(m.group())
            chunk = chunk[m.end():]
            continue
        m = _SUFFIX.search(chunk)
        if m and m.start() > 0:
            suffixes.append(m.group())
            chunk = chunk[: m.start()]
            continue
        break
    if chunk:
        url = _URL.match(chunk)
        if url and url.end() < len(chunk):
            suffixes.extend(reversed(list(chunk[url.end():])))
            chunk = chunk[: url.end()]
        contraction = _CONTRACTION.match(chunk)
        if chunk in _ABBREVIATIONS or url:
            out.append(chunk)
        elif contraction:
            out.extend(contraction.groups())
        else:
            start = 0
            for m in _INFIX.finditer(chunk):
                if m.start() > start:
                    out.append(chunk[start : m.start()])
                out.append(m.group())
                start = m.end()
            if start < len(chunk):
                out.append(chunk[start:])
    out.extend(reversed(suffixes))


# --- words of languages written without spaces (datatrove's segmenters) ------------------
#
# datatrove 0.10.1 picks a word tokenizer per language (utils/word_tokenizers.py:420-494, from
# assets/tokenizer_assignment.csv): Mandarin Chinese ("cmn", rows cmn/zho/yue/wuu) gets spaCy's
# blank "zh" with the jieba segmenter (SpaCyTokenizer, word_tokenizers.py:112-114; spaCy's
# ChineseTokenizer cuts with ``jieba.cut(text, cut_all=False)``), Japanese ("jpn") spaCy's "ja"
# on SudachiPy, split mode A, SudachiDict-core (word_tokenizers.py:115-119,
# utils/japanese_tokenizer.py:201-215; texts cut into 40,000-byte chunks, word_tokenizers.py:140),
# Thai ("tha") PyThaiNLP's ``newmm-safe`` (ThaiTokenizer, word_tokenizers.py:212-221); every
# tokenizer's words are stripped and the empty ones dropped (``strip_strings``, word_tokenizers.py:15).

SEGMENTED_LANGUAGES = frozenset({"zh", "ja", "th"})
"""ISO 639-1 codes whose words come from a segmenter (:func:`word_splitter`), not from spaces."""

_SUDACHI_MAX_BYTES = 40_000  # datatrove's chunk for Japanese (word_tokenizers.py:140)
_sudachi_local = threading.local()  # a SudachiPy tokenizer serves one thread at a time


def word_splitter(language: str):
    """The function that splits a text of ``language`` (zh, ja, th) into words as datatrove
    does for that language (the segmenter is imported on first use). A missing segmenter
    (``jieba``, ``sudachipy`` with ``sudachidict_core``, ``pythainlp``: dependencies of the
    package) raises ImportError."""
    code = language[:2].lower()
    if code == "zh":
        return _chinese_words
    if code == "ja":
        return _japanese_words
    if code == "th":
        return _thai_words
    raise ValueError(f"no segmenter for {language!r}")


def _strip_strings(tokens) -> list[str]:
    """datatrove's ``strip_strings`` (word_tokenizers.py:15): tokens stripped, empty ones dropped."""
    return [t for t in (tok.strip() for tok in tokens) if t]


@lru_cache(maxsize=1)
def _jieba():
    """jieba, its dictionary loaded (once per process; jieba.initialize holds its own lock)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)  # its dictionary loading talks on stderr
    jieba.initialize()
    return jieba


def _chinese_words(text: str) -> list[str]:
    """jieba's accurate mode (``cut_all=False``, HMM on), as spaCy's ChineseTokenizer runs it."""
    return _strip_strings(_jieba().cut(text, cut_all=False))


@lru_cache(maxsize=1)
def _sudachi_dictionary():
    """SudachiPy's default dictionary, SudachiDict-core (once per process)."""
    from sudachipy import Dictionary

    return Dictionary()


def _japanese_words(text: str) -> list[str]:
    """SudachiPy's morphemes in split mode A with SudachiDict-core (datatrove's JapaneseTokenizer,
    whose ``split_mode=None`` means A), in chunks of at most 40,000 UTF-8 bytes (SudachiPy
    refuses longer input; datatrove cuts the whole text, this the text it is given)."""
    tokenizer = getattr(_sudachi_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import SplitMode

        dictionary = _sudachi_dictionary()
        make = getattr(dictionary, "tokenizer", None) or dictionary.create  # create: SudachiPy < 0.7
        tokenizer = _sudachi_local.tokenizer = make(mode=SplitMode.A)
    out: list[str] = []
    for chunk in _byte_chunks(text, _SUDACHI_MAX_BYTES):
        out.extend(_strip_strings(m.surface() for m in tokenizer.tokenize(chunk)))
    return out


def _byte_chunks(text: str, limit: int) -> list[str]:
    """``text`` cut into pieces of at most ``limit`` UTF-8 bytes (whole characters)."""
    if len(text) * 4 <= limit or len(text.encode("utf-8")) <= limit:
        return [text]
    pieces, start, size = [], 0, 0
    for i, c in enumerate(text):
        n = len(c.encode("utf-8", "surrogatepass"))
        if size + n > limit:
            pieces.append(text[start:i])
            start, size = i, 0
        size += n
    pieces.append(text[start:])
    return pieces


def _thai_words(text: str) -> list[str]:
    """PyThaiNLP's ``newmm-safe`` dictionary segmenter, whitespace left out."""
    from pythainlp.tokenize import word_tokenize

    return _strip_strings(word_tokenize(text, keep_whitespace=False, engine="newmm-safe"))


def _is_symbol(word: str) -> bool:
    """True when every character is punctuation (datatrove's ``PUNCTUATION_SET``, text.py:181)."""
    return not word[:1].isalnum() and _SYMBOLS.fullmatch(word) is not None


def count_sentences(line: str, toks: Sequence[str] | None = None, language: str | None = None) -> int:
    """Sentences in ``line`` as spaCy's sentencizer splits them: a sentence ends at a token made
    of sentence-terminal marks (closing quotes and brackets after it stay with it).

    ``toks``: ``words(line, language)`` when the caller already has them (not checked)."""
    if toks is None:
        toks = words(line, language)
    n, open_sentence = 0, False
    for tok in toks:
        if tok[0].isalnum():  # most tokens: neither a terminal mark nor punctuation (tested for
            open_sentence = True  # every alphanumeric code point), so they open a sentence
            continue
        if _SENTENCE_TERMINAL.fullmatch(tok[0]) and not tok[0].isalnum() and all(
            _SENTENCE_TERMINAL.match(c) for c in tok
        ):
            if open_sentence:
                n += 1
                open_sentence = False
        elif not (_PUNCT.fullmatch(tok) and not open_sentence and n):
            open_sentence = True
    return n + (1 if open_sentence else 0)


# --- the rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One document rule: it fires when ``signals[signal] op limit`` (``op`` is "<" or ">").

    ``limit`` names the ``Config`` field holding the threshold; ``source`` is where the
    definition comes from. ``only_below``: (signal, ``Config`` field): the rule applies only
    while that signal is below that limit (a limit of 0: always)."""

    flag: str
    signal: str
    op: str
    limit: str
    source: str
    only_below: tuple[str, str] | None = None

    def applies(self, signals: dict[str, float], config: Config) -> bool:
        if self.only_below is None:
            return True
        signal, field_name = self.only_below
        cap = float(getattr(config, field_name))
        return cap <= 0 or signals.get(signal, 0.0) < cap

    def limit_value(self, config: Config) -> float:
        if self.limit.startswith("@"):  # an n-gram limit: "@gopher_top_ngram_limits:2"
            field_name, n = self.limit[1:].split(":")
            return dict(getattr(config, field_name))[int(n)]
        return float(getattr(config, self.limit))

    def fires(self, value: float, config: Config) -> bool:
        limit = self.limit_value(config)
        return value < limit if self.op == "<" else value > limit


_GQ = "datatrove GopherQualityFilter (gopher_quality_filter.py:{})"
_GR = "datatrove GopherRepetitionFilter (gopher_repetition_filter.py:{})"
_C4 = "datatrove C4QualityFilter (c4_filters.py:{})"
_FW = "datatrove FineWebQualityFilter (fineweb_quality_filter.py:{})"

RULES: tuple[Rule, ...] = (
    Rule("no-main-content", "prose_words", "<", "min_content_words", "detector: (almost) no prose kept"),
    Rule("no-main-content", "main_run_chars", "<", "min_main_run_chars",
         "detector: no stretch of consecutive kept paragraphs this long (the kept text is scattered)"),
    Rule("off-title", "title_overlap", "<", "min_title_overlap",
         "detector: kept text not about the page title (Readability.js _textSimilarity)",
         only_below=("words", "off_title_max_words")),
    Rule("gopher-short-doc", "gopher_words", "<", "gopher_min_words", _GQ.format("79")),
    Rule("gopher-long-doc", "gopher_words", ">", "gopher_max_words", _GQ.format("81")),
    Rule("gopher-short-words", "gopher_mean_word_length", "<", "gopher_min_mean_word_length", _GQ.format("86")),
    Rule("gopher-long-words", "gopher_mean_word_length", ">", "gopher_max_mean_word_length", _GQ.format("88")),
    Rule("gopher-hashes", "gopher_hash_ratio", ">", "gopher_max_symbol_word_ratio", _GQ.format("92")),
    Rule("gopher-ellipses", "gopher_ellipsis_ratio", ">", "gopher_max_symbol_word_ratio", _GQ.format("94")),
    Rule("gopher-bullet-lines", "gopher_bullet_lines", ">", "gopher_max_bullet_lines_ratio", _GQ.format("100")),
    Rule("gopher-ellipsis-lines", "gopher_ellipsis_lines", ">", "gopher_max_ellipsis_lines_ratio", _GQ.format("106")),
    Rule("gopher-alpha-words", "gopher_alpha_words", "<", "gopher_min_alpha_words_ratio", _GQ.format("114")),
    Rule("gopher-stop-words", "gopher_stop_words", "<", "gopher_min_stop_words", _GQ.format("122")),
    Rule("gopher-duplicate-paragraphs", "dup_para_frac", ">", "gopher_max_dup_para_frac", _GR.format("117")),
    Rule("gopher-duplicate-paragraph-chars", "dup_para_char_frac", ">", "gopher_max_dup_para_char_frac", _GR.format("119")),
    Rule("gopher-duplicate-lines", "dup_line_frac", ">", "gopher_max_dup_line_frac", _GR.format("124")),
    Rule("gopher-duplicate-line-chars", "dup_line_char_frac", ">", "gopher_max_dup_line_char_frac", _GR.format("126")),
    *(
        Rule("gopher-top-ngram", f"top_{n}_gram_frac", ">", f"@gopher_top_ngram_limits:{n}", _GR.format("131-137"))
        for n, _ in Config().gopher_top_ngram_limits
    ),
    *(
        Rule("gopher-duplicate-ngrams", f"dup_{n}_gram_frac", ">", f"@gopher_dup_ngram_limits:{n}", _GR.format("139-142"))
        for n, _ in Config().gopher_dup_ngram_limits
    ),
    Rule("c4-lorem-ipsum", "c4_lorem_ipsum", ">", "c4_max_lorem_ipsum", _C4.format("115")),
    Rule("c4-curly-bracket", "c4_curly_bracket", ">", "c4_max_curly_bracket", _C4.format("122")),
    Rule("c4-few-sentences", "c4_sentences", "<", "c4_min_sentences", _C4.format("132")),
    Rule("fineweb-line-punct", "fineweb_line_punct_ratio", "<", "fineweb_min_line_punct_ratio", _FW.format("38-40")),
    Rule("fineweb-short-lines", "fineweb_short_line_ratio", ">", "fineweb_max_short_line_ratio", _FW.format("42-44")),
    Rule("fineweb-duplicate-lines", "fineweb_char_dup_ratio", ">", "fineweb_max_char_dup_ratio", _FW.format("46-49")),
    Rule("fineweb-list-like", "fineweb_newline_ratio", ">", "fineweb_max_newline_ratio", _FW.format("51-54")),
)
RULES_BY_FLAG: dict[str, tuple[Rule, ...]] = {}
for _rule in RULES:
    RULES_BY_FLAG[_rule.flag] = (*RULES_BY_FLAG.get(_rule.flag, ()), _rule)

FILTERS: dict[str, tuple[str, ...]] = {
    "GopherQualityFilter": tuple(r.flag for r in RULES if "GopherQuality" in r.source),
    "GopherRepetitionFilter": tuple(dict.fromkeys(r.flag for r in RULES if "GopherRepetition" in r.source)),
    "C4QualityFilter": tuple(r.flag for r in RULES if "C4Quality" in r.source),
    "FineWebQualityFilter": tuple(r.flag for r in RULES if "FineWeb" in r.source),
}
"""The flags of each datatrove filter: the filter drops a document when any of them fires."""


# --- measuring the kept text --------------------------------------------------------------


def _duplicates(items: Sequence[str]) -> tuple[int, int]:
    """(repeated elements, their characters), counting every occurrence after the first
    (gopher_repetition_filter.py:35-46)."""
    seen: set[str] = set()
    n = chars = 0
    for item in items:
        if item in seen:
            n += 1
            chars += len(item)
        else:
            seen.add(item)
    return n, chars


def _top_ngram_chars(toks: Sequence[str], n: int) -> int:
    """Characters of the most frequent n-gram (space-joined) times its count
    (gopher_repetition_filter.py:49-54); 0 when the text has fewer than n words."""
    return _Ngrams(toks).top_chars(n)


def _duplicate_ngram_chars(toks: Sequence[str], n: int) -> int:
    """Characters inside repeated n-grams, scanning left to right and jumping over each repeat
    (gopher_repetition_filter.py:57-70)."""
    return _Ngrams(toks).duplicate_chars(n)


_HASH_BASE = 0x9E3779B97F4A7C15  # odd: invertible modulo 2**64
_KIND_SALT = 0xD6E8FEB86659FD93  # what a substring's kind adds to its hash, per unit (_Substrings.ids)
_HASH_POWERS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _hash_powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    """(B**j, B**-j) modulo 2**64 for j < ``length`` (uint64, grown by doubling and shared)."""
    size = max(1024, 1 << (max(length, 1) - 1).bit_length())
    cached = _HASH_POWERS.get(size)
    if cached is None:
        with np.errstate(over="ignore"):
            up = np.full(size, _HASH_BASE, dtype=np.uint64)
            down = np.full(size, pow(_HASH_BASE, -1, 2**64), dtype=np.uint64)
            up[0] = down[0] = 1
            cached = _HASH_POWERS[size] = (np.cumprod(up, dtype=np.uint64), np.cumprod(down, dtype=np.uint64))
    return cached


class _Substrings:
    """Equality of substrings of one string by polynomial hashes modulo 2**64, every equality
    the hashes claim that the caller reads checked on the strings themselves (:meth:`same`; a
    collision sends the caller back to comparing strings)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        codes = self.codes.astype(np.uint64)
        self.up, down = _hash_powers(len(codes) + 1)
        with np.errstate(over="ignore"):
            self.prefix = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(codes * down[: len(codes)])])

    def ids(
        self, starts: np.ndarray, stops: np.ndarray, kinds: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(id of each substring ``text[starts[k]:stops[k]]``, index of the first substring of
        each id): ids of equal hashes, not checked. Equal substrings have equal ids; unequal ones
        have different ids unless their hashes collide, which the caller rules out for the ids it
        reads (:meth:`same`: checking every one costs a fifth of the n-gram measures).

        ``kinds``: optional, a number per substring (uint64) added to its hash, so that equal
        substrings of different kinds have different ids (the n-grams of several n sorted at
        once, :class:`_Ngrams`; :meth:`same` compares kinds too)."""
        with np.errstate(over="ignore"):
            h = (self.prefix[stops] - self.prefix[starts]) * self.up[starts]
            if kinds is not None:
                h += kinds * np.uint64(_KIND_SALT)
        # np.unique(h, return_index=True, return_inverse=True)[1:], without its overhead; numpy's
        # default sort (faster than the stable one on these uint64: 0.49 -> 0.40 ms/page on AEB)
        # orders equal hashes anyhow, so each id's first substring is the least index of its run
        order = np.argsort(h)
        ordered = h[order]
        opens = np.empty(len(h), dtype=bool)
        opens[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=opens[1:])
        first = np.minimum.reduceat(order, np.flatnonzero(opens))
        ids = np.empty(len(h), dtype=np.intp)
        ids[order] = np.cumsum(opens) - 1
        return ids, first

    def same(
        self, starts: np.ndarray, stops: np.ndarray, kinds: np.ndarray | None, these: np.ndarray, those: np.ndarray
    ) -> bool:
        """Whether substring ``these[k]`` equals substring ``those[k]`` (and is of its kind) for
        every k, of the substrings ``text[starts[j]:stops[j]]``: their lengths compared, then
        their characters all at once."""
        lengths = stops - starts
        sizes = lengths[these]
        if not np.array_equal(sizes, lengths[those]) or kinds is not None and not np.array_equal(kinds[these], kinds[those]):
            return False
        offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return np.array_equal(
            self.codes[np.repeat(starts[these], sizes) + offsets], self.codes[np.repeat(starts[those], sizes) + offsets]
        )


class _Ngrams:
    """The word n-grams of one text for the Gopher repetition signals: space-joined n-grams
    (``top_chars``) and n-grams joined without a separator (``duplicate_chars``), each n-gram a
    substring of the whole joined text, compared through ``_Substrings`` rather than made one
    string at a time. Equal to building every n-gram string (the reference scans in the tests)."""

    def __init__(self, toks: Sequence[str]) -> None:
        self.toks = list(toks)
        self._spaced: _Substrings | None = None
        self._plain: _Substrings | None = None
        lengths = np.fromiter(map(len, self.toks), dtype=np.int64, count=len(self.toks))
        self.ends = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(lengths)])  # "".join offsets
        self.starts = self.ends + np.arange(len(self.ends))  # " ".join offsets (+1 per separator)

    def top_chars(self, n: int) -> int:
        """Characters of the most frequent space-joined n-gram times its count (the first
        such n-gram on ties, as ``Counter.most_common``); 0 with fewer than n words."""
        return self.top_chars_each((n,))[0]

    def top_chars_each(self, ns: Sequence[int]) -> list[int]:
        """``top_chars(n)`` for each n of ``ns``, the n-grams of every n hashed and sorted at
        once (``_Substrings.ids`` with their n as kind): one sort instead of one per n."""
        counts = [len(self.toks) - n + 1 for n in ns]
        if all(count <= 0 for count in counts):
            return [0] * len(ns)
        if self._spaced is None:
            self._spaced = _Substrings(" ".join(self.toks))
        starts, stops, kinds = self._grams(ns, counts, self.starts, self.starts - 1)
        # Equal hashes, unchecked: an id counts its n-gram's occurrences, and those of any n-gram
        # that collides with it. Once every n-gram of the most frequent ids is checked to equal
        # the first of its id, no n-gram occurs more often, and those ids are the most frequent.
        ids, first = self._spaced.ids(starts, stops, kinds)
        out: list[int] = []
        members: list[np.ndarray] = []  # the n-grams of the most frequent ids
        offset = 0
        for count in counts:
            if count <= 0:
                out.append(0)
                continue
            these = ids[offset : offset + count]
            grams = np.bincount(these)  # the ids of other n's count 0 here
            best = grams.max()
            members.append(offset + np.flatnonzero(grams[these] == best))
            gram = int(first[: len(grams)][grams == best].min())  # the earliest n-gram of the most frequent
            out.append(int(stops[gram] - starts[gram]) * int(best))
            offset += count
        checked = np.concatenate(members)
        if not self._spaced.same(starts, stops, kinds, checked, first[ids[checked]]):
            return [_top_ngram_chars_slow(self.toks, n) for n in ns]  # a hash collision
        return out

    def duplicate_chars(self, n: int) -> int:
        """Characters inside repeated n-grams (joined without a separator), scanning left to
        right and jumping over each repeat."""
        return self.duplicate_chars_each((n,))[0]

    def duplicate_chars_each(self, ns: Sequence[int]) -> list[int]:
        """``duplicate_chars(n)`` for each n of ``ns``, the n-grams of every n hashed and sorted
        at once (as ``top_chars_each``)."""
        counts = [len(self.toks) - n + 1 for n in ns]
        if all(count <= 0 for count in counts):
            return [0] * len(ns)
        if self._plain is None:
            self._plain = _Substrings("".join(self.toks))
        starts, stops, kinds = self._grams(ns, counts, self.ends, self.ends)
        # Equal hashes, unchecked: equal n-grams have one id, and the scan reads the ids only
        # where it stops; once the n-gram of every stop is checked to equal the first of its id,
        # what the scan read was true.
        ids, first = self._plain.ids(starts, stops, kinds)
        lengths = stops - starts
        out: list[int] = []
        stopped: list[int] = []
        offset = 0
        for n, count in zip(ns, counts):
            if count <= 0:
                out.append(0)
                continue
            out.append(self._scan(n, ids[offset : offset + count], first, offset, lengths[offset : offset + count], stopped))
            offset += count
        these = np.array(stopped, dtype=np.intp)
        if not self._plain.same(starts, stops, kinds, these, first[ids[these]]):
            return [_duplicate_ngram_chars_slow(self.toks, n) for n in ns]  # a hash collision
        return out

    @staticmethod
    def _grams(
        ns: Sequence[int], counts: Sequence[int], opens: np.ndarray, closes: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(starts, stops, kinds) of the n-grams of every n of ``ns`` that has some (``counts``),
        one n after another: n-gram i runs from ``opens[i]`` to ``closes[i + n]``; its kind is n."""
        have = [(n, count) for n, count in zip(ns, counts) if count > 0]
        starts = np.concatenate([opens[:count] for _, count in have])
        stops = np.concatenate([closes[n : n + count] for n, count in have])
        kinds = np.repeat(np.array([n for n, _ in have], dtype=np.uint64), [count for _, count in have])
        return starts, stops, kinds

    @staticmethod
    def _scan(n: int, ids: np.ndarray, first: np.ndarray, offset: int, lengths: np.ndarray, stopped: list[int]) -> int:
        """``duplicate_chars(n)`` from the ids of the n-grams (``ids``, position i the n-gram at
        word i) and the index of each id's first n-gram (``first``, counted from ``offset``
        before position 0: the n-grams of other n come first). The positions the scan stops at
        (whose ids it reads), plus ``offset``, are appended to ``stopped``."""
        count = len(ids)
        # The scan (``_duplicate_ngram_chars_slow``) meets an n-gram it has seen only where the
        # n-gram occurred before: it stops at those positions alone. An n-gram occurring there
        # was seen when the scan stopped at an earlier occurrence, or when it passed its first
        # one (every position up to a stop is passed, except those a repeat jumps over).
        first_of = first[ids] - offset
        earlier = np.flatnonzero(first_of < np.arange(count))
        if not len(earlier):  # no n-gram repeats: the scan finds none
            return 0
        seen: set[int] = set()  # n-grams of the positions in ``earlier`` the scan stopped at
        jumps: list[int] = []  # where a repeat sent the scan n positions on
        repeated = i = 0
        for at, gram, first_at, length in zip(
            earlier.tolist(), ids[earlier].tolist(), first_of[earlier].tolist(), lengths[earlier].tolist()
        ):
            if at < i:  # jumped over
                continue
            stopped.append(offset + at)
            k = bisect_left(jumps, first_at)
            if gram in seen or not (k and jumps[k - 1] + n > first_at):  # the first one was passed
                repeated += length
                jumps.append(at)
                i = at + n
            else:
                seen.add(gram)
                i = at + 1
        return repeated


def _top_ngram_chars_slow(toks: Sequence[str], n: int) -> int:
    """``_top_ngram_chars`` one n-gram string at a time (after a hash collision)."""
    joined, starts = " ".join(toks), [0, *accumulate(len(w) + 1 for w in toks)]
    grams = Counter(joined[a : b - 1] for a, b in zip(starts, starts[n:]))  # " ".join(toks[i : i + n])
    if not grams:
        return 0
    gram, count = grams.most_common(1)[0]
    return len(gram) * count


def _duplicate_ngram_chars_slow(toks: Sequence[str], n: int) -> int:
    """``_duplicate_ngram_chars`` one n-gram string at a time (after a hash collision)."""
    joined, ends = "".join(toks), [0, *accumulate(map(len, toks))]
    grams = [joined[a:b] for a, b in zip(ends, ends[n:])]  # "".join(toks[i : i + n])
    if len(set(grams)) == len(grams):  # no n-gram repeats: the scan below would find none
        return 0
    seen: set[str] = set()
    repeated = i = 0
    while i < len(grams):
        gram = grams[i]
        if gram in seen:
            repeated += len(gram)
            i += n
        else:
            seen.add(gram)
            i += 1
    return repeated


def measure(text: str, language: str | None, config: Config) -> dict[str, float]:
    """Every signal the document rules read, measured on ``text`` (the kept text).

    Returns ``{signal: value}`` (ratios in [0, 1], counts as floats). An empty text gives only
    ``words = 0``."""
    lines = text.splitlines() or [""]
    code = (language or "")[:2].lower()
    split = word_splitter(code) if code in SEGMENTED_LANGUAGES else _english_words
    line_toks = [split(line) for line in lines]  # the text is tokenised once, line by line
    toks = [w for lt in line_toks for w in lt]  # == words(text, language): a line break is whitespace
    # not _is_symbol(w), inlined: most words start with a letter or digit
    line_content = [[w for w in lt if w[:1].isalnum() or _SYMBOLS.fullmatch(w) is None] for lt in line_toks]
    content = [w for lc in line_content for w in lc]
    n_words = len(content)
    signals: dict[str, float] = {"words": float(n_words), "gopher_words": float(n_words)}
    if not toks or not text.strip():
        return {"words": 0.0, "prose_words": 0.0}
    n_toks = len(toks)
    # Gopher quality (gopher_quality_filter.py:71-123)
    if code not in _SHORT_WORD_LANGUAGES and content:
        signals["gopher_mean_word_length"] = sum(map(len, content)) / len(content)
    signals["gopher_hash_ratio"] = text.count("#") / n_toks
    signals["gopher_ellipsis_ratio"] = (text.count("...") + text.count("…")) / n_toks
    signals["gopher_bullet_lines"] = sum(s.lstrip().startswith(("•", "-")) for s in lines) / len(lines)
    signals["gopher_ellipsis_lines"] = sum(s.rstrip().endswith(("...", "…")) for s in lines) / len(lines)
    # a word all letters has one; only the others need a look at each character
    no_alpha = sum(1 for w in toks if not w.isalpha() and not any(map(str.isalpha, w)))
    signals["gopher_alpha_words"] = (n_toks - no_alpha) / n_toks
    lang = (language or "en").lower()[:2]
    stops = GOPHER_STOP_WORDS if lang == "en" else stopwords(lang)
    if stops:
        found = GOPHER_STOP_WORDS.intersection(toks) if lang == "en" else {w.casefold() for w in toks} & stops
        signals["gopher_stop_words"] = float(len(found))
    # Gopher repetition (gopher_repetition_filter.py:111-142)
    paragraphs = re.split(r"\n{2,}", text.strip())
    n_dup, dup_chars = _duplicates(paragraphs)
    signals["dup_para_frac"] = n_dup / len(paragraphs)
    signals["dup_para_char_frac"] = dup_chars / len(text)
    text_lines = re.split(r"\n+", text)
    n_dup, dup_chars = _duplicates(text_lines)
    signals["dup_line_frac"] = n_dup / len(text_lines)
    signals["dup_line_char_frac"] = dup_chars / len(text)
    ngrams = _Ngrams(toks)
    ns = [n for n, _ in config.gopher_top_ngram_limits]
    for n, chars in zip(ns, ngrams.top_chars_each(ns)):
        signals[f"top_{n}_gram_frac"] = chars / len(text)
    ns = [n for n, _ in config.gopher_dup_ngram_limits]
    for n, chars in zip(ns, ngrams.duplicate_chars_each(ns)):
        signals[f"dup_{n}_gram_frac"] = chars / len(text)
    # C4 (c4_filters.py:89-133): the lines C4 keeps, and what ends the document
    lorem = curly = 0.0
    sentences = 0
    for line, lt in zip(lines, line_toks):
        # C4's tests that skip a line, the cheapest first (each only skips: their order is free)
        line = cited = line.strip()
        if "[" in line:  # every citation mark starts with one
            line = _CITATION.sub("", line)
        if not line.endswith(_C4_END) or line.endswith("..."):
            continue
        line_words = cited.split()  # the words before the citation marks go
        if line_words and max(map(len, line_words)) > config.c4_max_word_length:
            continue
        if len(line_words) < config.c4_min_words_per_line:
            continue
        lowered = line.lower()
        lorem = max(lorem, float("lorem ipsum" in lowered))
        if "javascript" in lowered:
            continue
        curly = max(curly, float("{" in line))
        if any(map(lowered.__contains__, _C4_POLICY)):
            continue
        sentences += count_sentences(line, lt if line == cited else None, language)
    unpunctuated = (config.unpunctuated_prose_min_words
                    if language is not None and language[:2].lower() in config.unpunctuated_languages else 0)
    signals["prose_words"] = float(
        sum(prose_line_words(line, language, lt, len(lc), unpunctuated_min_words=unpunctuated)
            for line, lt, lc in zip(lines, line_toks, line_content))
    )
    signals["c4_lorem_ipsum"] = lorem
    signals["c4_curly_bracket"] = curly
    signals["c4_sentences"] = float(sentences)
    # FineWeb (fineweb_quality_filter.py:34-54)
    fw_lines = [line for line in text.split("\n") if line.strip()]
    signals["fineweb_line_punct_ratio"] = sum(
        1 for line in fw_lines if line and _SENTENCE_TERMINAL.fullmatch(line[-1])
    ) / len(fw_lines)
    signals["fineweb_short_line_ratio"] = sum(
        1 for line in fw_lines if len(line) <= config.fineweb_short_line_length
    ) / len(fw_lines)
    signals["fineweb_char_dup_ratio"] = _duplicates(fw_lines)[1] / max(1, len(text.replace("\n", "")))
    signals["fineweb_newline_ratio"] = text.count("\n") / n_toks
    return signals


_CLOSERS = "\"'”’»)]」』）"
_SENTENCE_END = regex.compile(r"\p{Sentence_Terminal}[" + regex.escape(_CLOSERS) + r"]*(?=\s)")


def _c4_notice(lowered: str) -> bool:
    """C4's line rules drop a line that mentions JavaScript or a cookie / privacy / terms notice
    (c4_filters.py:110-127); ``lowered``: the line in lower case."""
    return "javascript" in lowered or any(map(lowered.__contains__, _C4_POLICY))


def prose_line_words(
    line: str,
    language: str | None,
    toks: Sequence[str] | None = None,
    n_content: int | None = None,
    *,
    unpunctuated_min_words: int = 0,
) -> int:
    """Words of ``line`` when it reads as prose, else 0: it ends in sentence-terminal punctuation
    (closing quotes and brackets may follow), has at least 3 words (:func:`words` of
    ``language``: in zh, ja and th its segmenter's) and mentions neither JavaScript nor cookies, privacy policy or terms
    of use -- C4's line rules (c4_filters.py:94-127), with Unicode's sentence terminals.

    A line whose sentences end in an unpunctuated tail (a whole body on one line closing with a
    byline or "Read more »") is judged without that tail: its words up to its last sentence end.

    ``toks``: ``words(line, language)`` when the caller already has them (not checked); ``n_content``: how
    many of ``toks`` are not all punctuation, when the caller has counted them (not checked).
    ``unpunctuated_min_words`` (a language written without terminal punctuation,
    ``Config.unpunctuated_languages``): a line of at least this many words reads as prose without
    its closing mark."""
    stripped = line.strip()
    if unpunctuated_min_words:
        utoks = toks if toks is not None else words(stripped, language)
        n = sum(1 for w in utoks if not _is_symbol(w)) if n_content is None else n_content
        lowered = stripped.lower()
        if n >= unpunctuated_min_words and not _c4_notice(lowered):
            return n
    line = stripped.rstrip(_CLOSERS)
    if line and not _SENTENCE_TERMINAL.fullmatch(line[-1]):
        if line.isascii() and "." not in line and "?" not in line and "!" not in line:
            return 0  # no sentence end at all (ASCII's sentence terminals are . ? !): a menu, a label
        last = None
        for last in _SENTENCE_END.finditer(line):
            pass
        if last is None:
            return 0
        stripped = line = line[: last.end()].rstrip(_CLOSERS)
        toks = None
    if not line or not _SENTENCE_TERMINAL.fullmatch(line[-1]) or line.endswith("..."):
        return 0
    if toks is None or len(line) != len(stripped):  # closers taken off: tokenise what is left
        toks, n_content = words(line, language), None
    n = sum(1 for w in toks if not _is_symbol(w)) if n_content is None else n_content
    if n < 3:
        return 0
    lowered = line.lower()
    if _c4_notice(lowered):
        return 0
    return n


def fired_rules(signals: dict[str, float], config: Config) -> list[Rule]:
    """The rules whose signal passes its limit, in ``RULES`` order (one entry per rule)."""
    out = []
    for rule in RULES:
        value = signals.get(rule.signal)
        if value is not None and rule.fires(value, config) and rule.applies(signals, config):
            out.append(rule)
    if not signals.get("words"):
        out = [r for r in out if r.flag == "no-main-content"]
        if not out:
            out = [RULES[0]]
    return out


def longest_kept_run(
    decisions: Sequence[ParagraphScore], bridge_chars: int = 0, widths: Sequence[tuple[str, float]] = ()
) -> float:
    """The characters of the longest stretch of consecutively kept paragraphs (titles aside): how
    much of the kept text stands together as one body. A dropped paragraph with text ends a
    stretch, unless it is an interruption inside a body: shorter than ``bridge_chars`` between two
    kept paragraphs of at least ``bridge_chars`` each (an "Advertisement" label, a caption, a
    "Read more" link between paragraphs). 0 when nothing is kept.

    Characters are counted by :func:`text_width` with ``widths`` (``Config.main_run_char_widths``:
    a Chinese character counts as several Latin ones); without ``widths``, one each."""
    # text.strip() is not empty: text is neither empty nor all whitespace (what str.strip strips)
    body = [d for d in decisions if d.kind != "title" and d.text and not d.text.isspace()]
    size = [text_width(d.text, widths) for d in body]
    best = run = 0
    for i, d in enumerate(body):
        if d.keep:
            run += size[i]
            best = max(best, run)
        elif not (
            size[i] < bridge_chars
            and 0 < i < len(body) - 1
            and body[i - 1].keep
            and body[i + 1].keep
            and min(size[i - 1], size[i + 1]) >= bridge_chars
        ):
            run = 0
    return round(best, 2)  # widths' float sums: 4575.2, not 4575.200000000001


@lru_cache(maxsize=8)
def _script_pattern(scripts: tuple[str, ...]) -> regex.Pattern:
    return regex.compile("|".join(f"(\\p{{{name}}}+)" for name in scripts))


def text_width(text: str, widths: Sequence[tuple[str, float]] = ()) -> float:
    """``len(text)``, except that each character of a script named in ``widths`` ((Unicode
    script name, width) pairs, ``Config.main_run_char_widths``) counts its width. ASCII text
    (and text without such characters) measures exactly ``len(text)``."""
    if not widths or text.isascii():
        return len(text)
    widths = tuple(widths)
    extra = 0.0
    for m in _script_pattern(tuple(name for name, _ in widths)).finditer(text):
        k = m.lastindex
        extra += (widths[k - 1][1] - 1.0) * len(m.group(k))
    return len(text) + extra if extra else len(text)


def page_signals(doc: Document, decisions: Sequence[ParagraphScore]) -> dict[str, float]:
    """What the page looked like before cleaning (never a rule): ``page_boilerplate_share``
    (dropped characters inside the article's span, HTML), ``page_dropped_share`` (dropped
    characters of all blocks), ``page_redundancy_share`` (kept characters restating earlier
    text) and ``mean_relevance`` (kept paragraphs, weighted by characters)."""
    signals: dict[str, float] = {}
    body = [d for d in decisions if d.kind != "title"]
    total = sum(len(d.text) for d in body)
    kept = [d for d in body if d.keep]
    kept_chars = sum(len(d.text) for d in kept)
    signals["page_dropped_share"] = (total - kept_chars) / total if total else 0.0
    if kept:
        lo, hi = kept[0].index, kept[-1].index
        span = [d for d in body if lo <= d.index <= hi] if doc.format == "html" else body
        span_chars = sum(len(d.text) for d in span) or 1
        signals["page_boilerplate_share"] = sum(len(d.text) for d in span if not d.keep) / span_chars
        signals["page_redundancy_share"] = sum(len(d.text) for d in kept if d.redundancy >= 0.5) / (kept_chars or 1)
        signals["mean_relevance"] = sum(d.relevance * len(d.text) for d in kept) / (kept_chars or 1)
    else:
        signals["mean_relevance"] = 0.0
    return signals


_TITLE_TOKENS = re.compile(r"\W+")  # Readability.js REGEXPS.tokenize (/\W+/g), here Unicode-aware
_WORD_RUNS = re.compile(r"\w+")  # the non-empty pieces of a split by _TITLE_TOKENS
_TITLE_SEPARATORS = re.compile(r"\s[|\-–—\\/>»]\s")  # Readability.js _getArticleTitle's separators


def text_similarity(text_a: str, text_b: str) -> float:
    """Mozilla Readability's ``_textSimilarity(textA, textB)`` (Readability.js, used by
    ``_headerDuplicatesTitle``): both texts lower-cased and split at non-word characters; the
    share of ``text_b``'s characters (its tokens joined by a space) left once the tokens absent
    from ``text_a`` are removed -- 1.0 when every token of ``text_b`` occurs in ``text_a``, 0.0
    when none does or either text has no token. Tokens are Unicode words here (JavaScript's
    ``\\W`` is ASCII-only)."""
    return _similarity_to_tokens(_title_token_set(text_a), text_b)


def _title_token_set(text: str) -> set[str]:
    # the non-empty pieces of a split at runs of non-word characters are the runs of word
    # characters, found without a comprehension over the pieces
    return set(_WORD_RUNS.findall(text.lower()))


class _WordRuns:
    """``_title_token_set(text)`` as far as a few words are asked about (``in``, ``bool``):
    whether a word is a run of word characters of the lower-cased text, found with ``str.find``
    rather than every run of a long text split out (``title_overlap`` asks about a title's words).
    A word character is what ``\\w`` matches: ``str.isalnum()`` or "_"."""

    def __init__(self, text: str) -> None:
        self.lowered = text.lower()
        self._runs: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return _WORD_RUNS.search(self.lowered) is not None

    def __contains__(self, word: str) -> bool:
        """``word``: a run of word characters (of another text)."""
        found = self._runs.get(word)
        if found is None:
            found = self._runs[word] = self._is_run(word)
        return found

    def _is_run(self, word: str) -> bool:
        text, size = self.lowered, len(word)
        at = text.find(word)
        while at >= 0:
            before, after = text[at - 1 : at] if at else "", text[at + size : at + size + 1]
            if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
                return True
            at = text.find(word, at + 1)
        return False


def _similarity_to_tokens(tokens_a: set[str] | _WordRuns, text_b: str) -> float:
    """``text_similarity(text_a, text_b)`` given ``_title_token_set(text_a)``."""
    tokens_b = _WORD_RUNS.findall(text_b.lower())
    if not tokens_a or not tokens_b:
        return 0.0
    unique_b = [t for t in tokens_b if t not in tokens_a]
    return 1.0 - len(" ".join(unique_b)) / len(" ".join(tokens_b))


def title_overlap(text: str, title: str | None, language: str | None, min_words: int = 1) -> float | None:
    """How much of the page's title the kept ``text`` contains: :func:`text_similarity` of the
    text and the title, the best over the whole title and its parts split at Readability's title
    separators (``Headline | Site name``), in [0, 1]; only parts of at least ``min_words`` words
    count (a short title is mostly the site's name, "Robomow", "Playful Tones", not a headline).
    None when it cannot say: no title part that long, nothing kept, or a language written without
    spaces (ja, zh, th: a "word" is a whole phrase). The title is ``Document.title`` (og:title,
    twitter:title, the first h1, else <title>)."""
    if not title or not text.strip() or (language or "")[:2] in _NO_SPACES:
        return None
    parts = [title, *(part for part in _TITLE_SEPARATORS.split(title) if part.strip())]
    parts = [part for part in parts if len(_WORD_RUNS.findall(part)) >= min_words]
    if not parts:
        return None
    text_tokens = _WordRuns(text)  # the long side: only the title's words are looked up in it
    return max(_similarity_to_tokens(text_tokens, part) for part in parts)


def penalty(flag: str, config: Config) -> float:
    """How much a fired flag multiplies the quality score by (1.0: informational)."""
    return dict(config.quality_penalties).get(flag, 1.0)


def penalties(flags: Sequence[str], config: Config) -> list[float]:
    """The factors the fired ``flags`` multiply the quality score by: one per flag, except that
    the flags of one ``Config.quality_penalty_groups`` group (one piece of evidence) cost their
    smallest penalty once."""
    group_of = {flag: i for i, group in enumerate(config.quality_penalty_groups) for flag in group}
    out: list[float] = []
    grouped: dict[int, float] = {}
    for flag in flags:
        if flag in group_of:
            grouped[group_of[flag]] = min(grouped.get(group_of[flag], 1.0), penalty(flag, config))
        else:
            out.append(penalty(flag, config))
    return out + list(grouped.values())


def is_reason(flag: str, config: Config) -> bool:
    """Whether a fired ``flag`` is a reason to drop: a rule with a penalty, or a flag this module
    does not know (set by another scorer). Extraction notes and informational rules are not."""
    if flag.startswith("note:"):
        return False
    if flag in RULES_BY_FLAG or flag == "empty":
        return penalty(flag, config) < 1.0
    return True


def score_document(doc: Document, decisions: Sequence[ParagraphScore], config: Config) -> QualityScore:
    """The quality of one scored document, judged on its kept text.

    ``decisions``: the paragraph decisions of ``doc`` (decide.py). The kept text is the kept
    non-title paragraphs joined by a blank line (``Result.text``). Returns a QualityScore whose
    ``score`` is ``0.5 + 0.5 * mean relevance of the kept text`` times the penalty
    (``Config.quality_penalties``) of every fired rule (once per ``Config.quality_penalty_groups``
    group, :func:`penalties`), ``keep = score >= Config.min_quality``,
    ``flags`` the fired rules (then ``empty`` when nothing is kept, then extraction notes as
    ``note:...``) and ``signals`` every measured value (see :func:`measure`, :func:`page_signals`)."""
    notes = tuple(f"note:{n}" for n in doc.notes)
    text = "\n\n".join(d.text for d in decisions if d.keep and d.kind != "title")
    language = doc.language
    signals = measure(text, language, config)
    if signals.get("gopher_stop_words", math.inf) < config.gopher_min_stop_words and signals["words"] >= config.min_content_words:
        # a page that declares one language and is written in another (a CMS template's
        # lang="en" on a German post) lacks the declared language's stop words: the kept text's
        # own language decides, as FineWeb's language filter runs on the text before Gopher's rules
        found = identify_language(text)[0]
        if found and found != (language or "")[:2]:
            language = found
            signals = measure(text, language, config)
    signals.update(page_signals(doc, decisions))
    signals["main_run_chars"] = float(
        longest_kept_run(decisions, config.main_run_bridge_chars, config.main_run_char_widths)
    )
    overlap = title_overlap(text, doc.title, language, config.min_title_words)
    # every document carries every signal (a Parquet column, the JSON schema); without a title to
    # compare, nothing contradicts it: 1.0, and off-title cannot fire
    signals["title_overlap"] = 1.0 if overlap is None else overlap
    flags = list(dict.fromkeys(r.flag for r in fired_rules(signals, config)))
    if not signals["words"]:
        flags.append("empty")
    score = 0.5 + 0.5 * signals["mean_relevance"]
    for cost in penalties(flags, config):
        score *= cost
    score = 0.0 if math.isnan(score) else max(0.0, min(1.0, score))
    return QualityScore(score, score >= config.min_quality, (*flags, *notes), signals)


# --- the verdict --------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Keep or drop one scored document: ``score`` in [0, 1]; ``reasons`` are the flags that
    lowered the score (empty when kept), or ``low-quality`` / ``empty`` when no flag says why."""

    keep: bool
    score: float
    reasons: tuple[str, ...]


def verdict(result: Result, config: Config | None = None, min_quality: float | None = None) -> Verdict:
    """THE verdict on a scored document, for every door (Python, CLI, batch, HTTP).

    Keep when ``result.quality.score >= min_quality`` (default ``config.min_quality``) and some
    text is kept. Reasons of a drop: the document's flags that carry a penalty
    (``Config.quality_penalties``; flags unknown to the config count too), in the order they
    fired; ``empty`` when no text is kept (not when the text was withheld as ``no-main-content``,
    ``decide.withhold_contentless``: that flag says why); ``low-quality`` when the score alone is
    too low."""
    config = config or Config()
    threshold = config.min_quality if min_quality is None else min_quality
    score = float(result.quality.score)
    has_text = bool(result.text.strip())
    keep = score >= threshold and has_text
    if keep:
        return Verdict(True, score, ())
    reasons = [f for f in result.quality.flags if is_reason(f, config)]
    if not has_text and "empty" not in reasons and not result.withheld:  # withheld text is not "empty"
        reasons.append("empty")
    if not reasons:
        reasons.append("low-quality")
    return Verdict(False, score, tuple(reasons))


_RULELESS_FLAGS = {"empty": "no text kept (the input's, or every paragraph dropped)"}
"""What a flag set without a signal rule means, for ``explain`` (other such flags are the
extraction's notes, named for what they say: ``truncated-blocks``)."""


def explain(quality: QualityScore, config: Config | None = None) -> list[str]:
    """One line per fired rule: ``flag: value op limit (source) [x penalty]``, with the limits
    of ``config`` (default: ``Config()``). A flag none of whose rules fires with these limits (it
    was set under another configuration) says so: ``flag: signal value, not op limit with this
    configuration's limit``, never a comparison that does not hold."""
    config = config or Config()
    lines = []
    for flag in quality.flags:
        rules = [r for r in RULES_BY_FLAG.get(flag, ()) if r.signal in quality.signals]
        fired = [
            r for r in rules if r.fires(quality.signals[r.signal], config) and r.applies(quality.signals, config)
        ]
        cost = penalty(flag, config)
        effect = "drops" if cost == 0 else (f"x{cost:g}" if cost < 1 else "informational")
        if not rules:
            meaning = _RULELESS_FLAGS.get(flag)
            lines.append(f"{flag}: {meaning} ({effect})" if meaning else f"{flag} ({effect})")
            continue
        for r in fired:
            value, limit = shown_against(quality.signals[r.signal], r.limit_value(config))
            lines.append(f"{flag}: {r.signal} {value} {r.op} {limit} ({effect}; {r.source})")
        if not fired:  # set under another configuration: its rules do not fire with these limits
            for r in rules:
                value, limit = shown_against(quality.signals[r.signal], r.limit_value(config))
                lines.append(f"{flag}: {r.signal} {value}, not {r.op} {limit} with this configuration's limit "
                             f"({effect}; {r.source})")
    return lines


def words_judged(result: Result, config: Config | None = None) -> int:
    """How many words the verdict judged: the ``words`` signal of ``measure`` on the kept text
    (the language's segmenter for zh, ja and th -- jieba for Chinese --, datatrove's English
    tokenizer otherwise; punctuation not counted). When the kept text was withheld as
    ``no-main-content`` these are the withheld words. A ``Result`` without the signal (built by
    hand) is measured again, as ``score_document`` would have. ``str.split`` counts a Chinese
    paragraph as one word: reports show this count instead."""
    n = result.quality.signals.get("words")
    if n is None:
        n = measure(result.text, result.language, config or Config())["words"]
    return int(n)


def why_dropped(result: Result, config: Config | None = None, min_quality: float | None = None) -> str | None:
    """One line saying why a document is dropped (None when it is kept): the reasons with their
    measured value and limit, the score, and the words judged (kept, or withheld as
    ``no-main-content`` by ``decide.withhold_contentless``)."""
    config = config or Config()
    v = verdict(result, config, min_quality)
    if v.keep:
        return None
    threshold = config.min_quality if min_quality is None else min_quality
    words = words_judged(result, config)
    parts = []
    for reason in v.reasons:
        rules = [r for r in RULES_BY_FLAG.get(reason, ()) if r.signal in result.quality.signals]
        fired = [
            r for r in rules
            if r.fires(result.quality.signals[r.signal], config) and r.applies(result.quality.signals, config)
        ]
        if fired:
            r = fired[0]
            value, limit = shown_against(result.quality.signals[r.signal], r.limit_value(config))
            parts.append(f"{reason} ({r.signal} {value} {r.op} {limit})")
        else:
            parts.append(reason)
    kept = "words withheld (no main content)" if result.withheld else "words kept"
    return f"DROP: {', '.join(parts)}; score {round_down(v.score)} vs {threshold:.2f}, {words} {kept}"


def round_down(value: float, places: int = 2) -> str:
    """``value`` shown with ``places`` decimals, rounded down, as the reports show scores: a score
    just under a threshold never shows as the threshold (0.999 is ``0.99``, not ``1.00``; 0.4996
    ``0.49``, not ``0.50``). Rounded in decimal from the float's shortest repr, so 0.29 stays
    ``0.29`` (``0.29 * 100`` is 28.999...). Not finite: as ``f"{value:.2f}"`` (``nan``)."""
    from decimal import ROUND_FLOOR, Decimal

    value = float(value)
    if not math.isfinite(value):
        return f"{value:.{places}f}"
    shown = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR)
    return f"{shown + 0:.{places}f}"  # + 0: no "-0.00"


def _fmt(value: float, digits: int = 3) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.{digits}g}"


def shown_against(value: float, limit: float) -> tuple[str, str]:
    """``value`` and the ``limit`` it is compared with, as the rule lines (``explain``,
    ``why_dropped``; both reports) show them: three significant figures (a whole number whole),
    with more digits for both while the numbers shown compare otherwise than the real ones, so a
    value just past or short of its limit never shows as it (0.3004 against 0.3 is ``0.3004``
    and ``0.3``, not ``0.3 > 0.3``). Raises nothing: a NaN is shown as ``nan``."""
    value, limit = float(value), float(limit)

    def order(a: float, b: float) -> int:
        return (a > b) - (a < b)

    for digits in range(3, 17):
        shown = _fmt(value, digits), _fmt(limit, digits)
        if order(float(shown[0]), float(shown[1])) == order(value, limit):
            return shown
    # the shortest string that reads back as the float itself (repr) tells any two distinct floats
    # apart, and shows 0.3 as 0.3 (17 significant digits would show it as 0.29999999999999999)
    return tuple(_fmt(x) if x.is_integer() else repr(x) for x in (value, limit))  # type: ignore[return-value]
