"""``quality.words`` (the fast tokenizer) splits every text exactly as the implementation it
replaced, and ``quality.measure``'s shared tokens equal tokenising each piece on its own.

``_reference_words`` is the previous implementation, kept verbatim as the reference: the fast one
only adds a shortcut (a chunk of letters and digits is one word) and must never change a token.
"""

from __future__ import annotations

import os
import random
import sys
from collections import Counter
from pathlib import Path

import pytest

from detector import quality
from detector.quality import (
    _ABBREVIATIONS,
    _CONTRACTION,
    _INFIX,
    _PREFIX,
    _SUFFIX,
    _URL,
    count_sentences,
    prose_line_words,
    words,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DETECTOR_SHARED", ROOT.parent / "shared"))


def _reference_words(text: str) -> list[str]:
    """quality.words before the speed-up (commit 23909c9), unchanged."""
    out: list[str] = []
    for chunk in text.split():
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
    return out


def _reference_is_symbol(word: str) -> bool:
    """quality._is_symbol before the speed-up."""
    return all(quality._PUNCT.match(ch) or ch.isspace() for ch in word)


def _reference_top_ngram_chars(toks: list[str], n: int) -> int:
    """quality._top_ngram_chars before the speed-up."""
    grams = Counter(" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1))
    if not grams:
        return 0
    gram, times = grams.most_common(1)[0]
    return len(gram) * times


def _reference_duplicate_ngram_chars(toks: list[str], n: int) -> int:
    """quality._duplicate_ngram_chars before the speed-up (datatrove's scan, verbatim)."""
    seen: set[str] = set()
    repeated = i = 0
    while i < len(toks) - n + 1:
        gram = "".join(toks[i : i + n])
        if gram in seen:
            repeated += len(gram)
            i += n
        else:
            seen.add(gram)
            i += 1
    return repeated


TRICKY = [
    'He said: "don\'t go." It\'s 45-17 in St. Louis...',
    "well-known COVID-19, see www.example.com/a?b=1. and https://x.org/p).",
    "Inc., Inc.) e.g., (e.g.) U.S. U.S.A. ABC. A. a. co. vs. Ph.D.'s",
    "don’t can't WON'T isn’t n't 't o'clock rock'n'roll foo's FOO'S",
    "10% $5 +5 5+ €10. 3*4 2^8 1-2 a/b x<y k=v a:b a~b well--known a—b a–b 1,000 a,b",
    "…and… wait... .. .... ---- -- — – ~ § %x =x ¿Qué? ¡Sí! «quote» „quote“ 「引用」 『書』",
    "²³ x². 5². ½. Ⅻ. ١٢٣٪ ٪٥ ３４５。 日本語です。 ภาษาไทย。 한국어. Ελληνικά. русский,",
    "#tag #1 @user _under_ *bold* **x** [1] [edit] (see below) {curly} <tag> `code` ´x´",
    "😀 ©2024 ®. ™, ☃x x☃ ★★★ ♥. → ← • - * · ‧",
    "www., www.x www.x., http:// https://a https://a.b/c?d=e&f=g#h!!",
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\u2028\u2029 \u00a0nbsp\u00a0 zero\u200bwidth soft\u00adhyphen",
    "ä. ö. ü. Ä. d.c. D.C. N.Y., Mt. Messrs. Sept. Sep. 9a.m. 9 a.m. p.m.,",
    "", "   ", ".", "'", '"', "'s", "''", "n't", "-", "x", "1",
]


@pytest.mark.parametrize("text", TRICKY)
def test_words_equal_the_reference_on_tricky_strings(text):
    assert words(text) == _reference_words(text)


def test_an_alphanumeric_chunk_is_one_word_for_every_character():
    # the shortcut: letters and digits alone never meet a prefix, suffix, infix, abbreviation,
    # URL or contraction; checked for every alphanumeric code point, alone and inside a word
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if ch.isalnum():
            assert _reference_words(ch) == [ch], hex(cp)
            assert _reference_words(f"a{ch}1") == [f"a{ch}1"], hex(cp)


def test_is_symbol_equals_the_reference_for_every_character():
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        assert quality._is_symbol(ch) == _reference_is_symbol(ch), hex(cp)
    for word in ("", "...", "a.", ".a", "—–", "1", "«»", "\u200b"):
        assert quality._is_symbol(word) == _reference_is_symbol(word), word


def test_shared_tokens_equal_tokenising_each_piece():
    text = 'First line. "Quoted."\nSecond [1] line, e.g. Inc.)\n\nThird\x85line\u2028(x).\r\nLast !'
    lines = text.splitlines()
    assert [w for line in lines for w in words(line)] == words(text)
    for line in lines:
        assert prose_line_words(line, "en", words(line)) == prose_line_words(line, "en")
        assert count_sentences(line, words(line)) == count_sentences(line)


def test_ngram_measures_equal_the_reference_scan():
    rng = random.Random(0)
    # few distinct words (many repeats, overlapping ones, and "ab"+"c" == "a"+"bc" collisions)
    vocab = ["a", "b", "ab", "c", "bc", "the", "of", ""]
    for trial in range(400):
        toks = [rng.choice(vocab[: 2 + trial % 7]) for _ in range(rng.randrange(0, 60))]
        for n in range(1, 11):
            assert quality._top_ngram_chars(toks, n) == _reference_top_ngram_chars(toks, n), (toks, n)
            assert quality._duplicate_ngram_chars(toks, n) == _reference_duplicate_ngram_chars(toks, n), (toks, n)
    assert quality._duplicate_ngram_chars(list("abcabcabc"), 3) == _reference_duplicate_ngram_chars(list("abcabcabc"), 3) == 6


@pytest.mark.slow
def test_words_equal_the_reference_on_every_cleaned_benchmark_text(detector):
    if not (SHARED / "data" / "aeb" / "ground-truth.json").is_file():
        pytest.skip("../shared/data/aeb is not available")
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_shells import load_pages

    pages = load_pages(SHARED, sources=("aeb",))
    if (SHARED / "data" / "wcxb-dev" / "metadata.json").is_file():
        pages += load_pages(SHARED, sources=("wcxb",), limit=100)
    checked = 0
    for page in pages:
        text = detector.score_html(page.html, url=page.url, id=page.id).text
        for piece in (text, *text.splitlines()):
            assert words(piece) == _reference_words(piece), page.id
        toks = words(text)
        for n in (2, 5, 8, 10):
            assert quality._top_ngram_chars(toks, n) == _reference_top_ngram_chars(toks, n), page.id
            assert quality._duplicate_ngram_chars(toks, n) == _reference_duplicate_ngram_chars(toks, n), page.id
        checked += bool(text.strip())
    assert checked >= 150


def test_a_body_on_one_line_with_an_unpunctuated_tail_is_prose_up_to_its_last_sentence():
    body = ("Viver uma verdadeira experiência amorosa é um dos maiores prazeres da vida. "
            "Gostar é sentir com a alma, mas expressar os sentimentos depende de cada um.")
    # the line ends in the author's name: C4 would drop the line, but it is prose up to "um."
    assert prose_line_words(body + " Lívia Barros Calado", "pt") == prose_line_words(body, "pt") > 20
    assert prose_line_words(body + " Read in browser »", "pt") == prose_line_words(body, "pt")
    # a menu, a label or a tail-only line is still no prose; an ellipsis is not a sentence end
    assert prose_line_words("Home News Sport Weather Contact", "en") == 0
    assert prose_line_words("Wait... what comes next", "en") == 0
    # the policy words still disqualify what is counted
    assert prose_line_words("We use cookies on this site. Accept all", "en") == 0


def test_ngram_measures_after_a_hash_collision_and_on_lone_surrogates(monkeypatch):
    """The n-gram measures compare substrings by hash; a collision falls back on comparing the
    strings (forced here), and any code point, a lone surrogate too, can be hashed."""
    rng = random.Random(1)
    vocab = ["a", "b", "ab", "c", "bc", "\ud800", "x\udfff"]
    cases = [[rng.choice(vocab) for _ in range(rng.randrange(0, 40))] for _ in range(100)]
    for toks in cases:
        for n in (1, 2, 3, 5, 8):
            assert quality._top_ngram_chars(toks, n) == _reference_top_ngram_chars(toks, n), (toks, n)
            assert quality._duplicate_ngram_chars(toks, n) == _reference_duplicate_ngram_chars(toks, n), (toks, n)
    monkeypatch.setattr(quality._Substrings, "same", lambda self, *args: False)  # every check finds a collision
    for toks in cases:
        for n in (1, 2, 3, 5, 8):
            assert quality._top_ngram_chars(toks, n) == _reference_top_ngram_chars(toks, n), (toks, n)
            assert quality._duplicate_ngram_chars(toks, n) == _reference_duplicate_ngram_chars(toks, n), (toks, n)


def test_an_alphanumeric_character_is_no_sentence_mark_nor_punctuation():
    # count_sentences lets a token that starts alphanumeric open a sentence without its regexes
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        if ch.isalnum():
            assert quality._PUNCT.fullmatch(ch) is None and quality._SENTENCE_TERMINAL.fullmatch(ch) is None, hex(cp)



@pytest.mark.parametrize(
    "words", [[], ["a"], ["a", "b"] * 50, [str(i % 7) for i in range(3000)], [f"w{i}" for i in range(500)]]
)
def test_substring_ids_name_each_substring_and_its_first_occurrence(words):
    # what np.unique(substrings, return_index=True, return_inverse=True) says, ids numbered otherwise
    import numpy as np

    text = " ".join(words)
    starts = np.cumsum([0] + [len(w) + 1 for w in words])[: len(words)].astype(np.int64)
    stops = starts + np.array([len(w) for w in words], dtype=np.int64)
    ids, first = quality._Substrings(text).ids(starts, stops)
    values, index, inverse = np.unique(np.array(words, dtype=object), return_index=True, return_inverse=True)
    assert len(first) == len(values)
    assert first[ids].tolist() == index[inverse].tolist()


def test_ngram_measures_of_several_n_at_once_equal_one_n_at_a_time(monkeypatch):
    """measure asks _Ngrams for every n at once (one sort, n-grams of different n told apart by
    their kind), also for n longer than the text, and after a hash collision."""
    rng = random.Random(2)
    vocab = ["a", "b", "ab", "c", "bc", "the", "\ud800"]
    cases = [[rng.choice(vocab[: 2 + trial % 6]) for _ in range(rng.randrange(0, 40))] for trial in range(300)]
    ns = (2, 3, 4, 5, 8, 10, 30)
    for toks in cases:
        grams = quality._Ngrams(toks)
        assert grams.top_chars_each(ns) == [_reference_top_ngram_chars(toks, n) for n in ns], toks
        assert grams.duplicate_chars_each(ns) == [_reference_duplicate_ngram_chars(toks, n) for n in ns], toks
    monkeypatch.setattr(quality._Substrings, "same", lambda self, *args: False)
    for toks in cases[:50]:
        grams = quality._Ngrams(toks)
        assert grams.top_chars_each(ns) == [_reference_top_ngram_chars(toks, n) for n in ns], toks
        assert grams.duplicate_chars_each(ns) == [_reference_duplicate_ngram_chars(toks, n) for n in ns], toks


def test_title_words_looked_up_in_the_text_equal_the_set_of_its_word_runs():
    # _WordRuns finds a word run with str.find and tells word characters by isalnum() or "_",
    # which is what \w matches
    import re

    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        assert (re.fullmatch(r"\w", ch) is not None) == (ch.isalnum() or ch == "_"), hex(cp)
    rng = random.Random(3)
    alphabet = "ab_1 .-éÉ\u0130ς"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 25)))
        title = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
        runs = quality._WordRuns(text)
        tokens = quality._title_token_set(text)
        assert bool(runs) == bool(tokens), text
        for word in quality._WORD_RUNS.findall(title.lower()):
            assert (word in runs) == (word in tokens), (text, word)
        assert quality._similarity_to_tokens(runs, title) == quality.text_similarity(text, title), (text, title)



def test_ngram_measures_when_every_hash_collides(monkeypatch):
    """Only the ids the n-gram measures read are checked against the strings (the most frequent
    n-grams, the n-grams where the duplicate scan stops): with every hash equal, those checks
    send them back to comparing strings."""
    init = quality._Substrings.__init__

    def colliding(self, text):
        init(self, text)
        self.prefix = self.prefix * 0

    monkeypatch.setattr(quality._Substrings, "__init__", colliding)
    rng = random.Random(5)
    vocab = ["a", "b", "ab", "c", "bc", "the"]
    ns = (1, 2, 3, 5, 8)
    for trial in range(300):
        toks = [rng.choice(vocab[: 2 + trial % 5]) for _ in range(rng.randrange(0, 40))]
        grams = quality._Ngrams(toks)
        assert grams.top_chars_each(ns) == [_reference_top_ngram_chars(toks, n) for n in ns], toks
        assert grams.duplicate_chars_each(ns) == [_reference_duplicate_ngram_chars(toks, n) for n in ns], toks
