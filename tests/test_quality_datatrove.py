"""Each Gopher/C4/FineWeb-named flag fires on the same documents as datatrove's filter, on the
detector's cleaned texts of benchmark pages (AEB, and a WCXB-dev article sample).

Runs where datatrove and spaCy are installed (``pip install -e '.[bench]'``) and ../shared is there
(or ``DETECTOR_SHARED`` names it). Each datatrove filter is configured with one rule alone
(scripts/evaluate_verdict.py ``datatrove_flags``), so every flag is compared on its own.

Deliberate differences (excluded from the comparison, see docs/quality.md):
- ``gopher-stop-words`` on non-English documents: the document language's stop list (jusText), not
  Gopher's 8 English words (datatrove is given the same list here);
- ``gopher-short-words`` / ``gopher-long-words`` are not applied to ja, zh, th (no spaces);
- ``gopher-short-doc``, ``fineweb-list-like``: ja, zh, th count words as two letters each.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DETECTOR_SHARED", ROOT.parent / "shared"))
NO_SPACES = ("ja", "zh", "th")
WORD_COUNT_FLAGS = ("gopher-short-doc", "fineweb-list-like")


@pytest.mark.slow
def test_flags_agree_with_datatrove(detector):
    if importlib.util.find_spec("datatrove") is None or importlib.util.find_spec("spacy") is None:
        pytest.skip("datatrove and spacy are not installed (pip install -e '.[bench]')")
    if not (SHARED / "data" / "aeb" / "ground-truth.json").is_file():
        pytest.skip("../shared/data/aeb is not available")
    sys.path.insert(0, str(ROOT / "scripts"))
    from evaluate_verdict import datatrove_flags
    from make_shells import load_pages

    from detector import quality

    pages = load_pages(SHARED, sources=("aeb",), limit=60)
    if (SHARED / "data" / "wcxb-dev" / "metadata.json").is_file():
        pages += load_pages(SHARED, sources=("wcxb",), limit=30)
    checked: dict[str, int] = {}
    differ: dict[str, list[str]] = {}
    for page in pages:
        result = detector.score_html(page.html, url=page.url, id=page.id)
        if not result.text.strip():
            continue
        ours = {r.flag for r in quality.fired_rules(quality.measure(result.text, result.language, detector.config),
                                                    detector.config)}
        for flag, fires in datatrove_flags(result.text, result.language).items():
            if fires is None or (flag in WORD_COUNT_FLAGS and result.language in NO_SPACES):
                continue
            checked[flag] = checked.get(flag, 0) + 1
            if fires != (flag in ours):
                differ.setdefault(flag, []).append(f"{page.id} (datatrove {'drops' if fires else 'keeps'})")
    assert len(checked) == 23, sorted(checked)
    # at most one document in a hundred may differ, per flag
    too_many = {f: d for f, d in differ.items() if len(d) > max(1, checked[f] // 100)}
    assert not too_many, too_many


@pytest.mark.parametrize(
    "text",
    [
        "도서관이 밤에도 열렸다. 시민이 많이 왔다.",  # Korean
        "مرحبا بالعالم. هذا نص قصير.",  # Arabic
        "यह एक वाक्य है. दूसरा वाक्य.",  # Devanagari, a vowel sign before the stop
        "שלום עולם. זה טקסט.",  # Hebrew
        "ひらがな. カタカナ. 漢字.",
        "ภาษาไทย. นี่",  # Thai: not among spaCy's uncased letters, the stop stays on the word
        "Mr. Smith went to D.C. at 5 p.m. today.",
    ],
)
def test_a_final_full_stop_after_an_uncased_letter_is_its_own_word_as_in_spacy(text):
    """datatrove's English word split is spaCy's blank "en" tokenizer: a "." after a letter of a
    script without case (Hangul, Arabic, Devanagari ...) is a suffix there, so a sentence of Korean
    prose ends in a word of its own and C4 counts its sentences."""
    if importlib.util.find_spec("spacy") is None:
        pytest.skip("spacy is not installed (pip install -e '.[bench]')")
    import spacy

    from detector.quality import words

    assert words(text) == [t.text for t in spacy.blank("en")(text)]
