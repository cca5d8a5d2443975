"""The field cases in ``../shared/cases/field/``: small pages rebuilt from failure classes people
reported against article extractors. Each ``NAME.html`` has ``NAME.expect.json`` with
``must_keep`` (paragraphs that must come out in ``text`` exactly once, not fused with another)
and ``must_drop`` (text that must not be in ``text``). Whitespace is normalised line by line.

Skipped when ``../shared`` is absent. The wording of these pages is never used in training.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parents[2] / "shared" / "cases" / "field"
NAMES = sorted(p.name.removesuffix(".html") for p in CASES.glob("*.html")) if CASES.is_dir() else []
# Cases the shipped model still fails, with why (not strict: a fix shows as XPASS).
KNOWN_FAILURES = {
    "11-promo-prose": "prose newsletter pitch and advertorial teaser in the body: the lexical stage reads the pitch as "
    "boilerplate (0.06) but the trees keep it (0.85); the lexical veto that drops it costs F1 on AEB and WCXB-dev, "
    "so it is off by default (Config(lexical_veto_below=0.1) turns it on); the advertorial reads like body (0.95); "
    "the all-caps newsletter label goes (site-name-labels)",
}
CASE_PARAMS = [
    pytest.param(n, marks=pytest.mark.xfail(strict=False, reason=KNOWN_FAILURES[n])) if n in KNOWN_FAILURES else n
    for n in NAMES
]


def norm(text: str) -> str:
    return " ".join(text.split())


def check(text: str, expect: dict) -> list[str]:
    """The failures of one output: a must-keep paragraph that is not exactly one line of the
    output (missing, repeated, or fused with other text), or must-drop text that is present."""
    lines = [norm(line) for line in text.splitlines() if line.strip()]
    flat = norm(text)
    problems = []
    for keep in expect["must_keep"]:
        n = lines.count(norm(keep))
        if n != 1:
            state = "fused with other text" if n == 0 and norm(keep) in flat else f"found {n} times"
            problems.append(f"keep ({state}): {keep[:80]!r}")
    for drop in expect["must_drop"]:
        if norm(drop) in flat:
            problems.append(f"drop (present): {drop[:80]!r}")
    return problems


def test_check_catches_fused_and_missing_paragraphs():
    expect = {"must_keep": ["One two three.", "Four five six."], "must_drop": ["Subscribe now"]}
    assert check("One two three.\n\nFour five six.", expect) == []
    assert len(check("One two three. Four five six.", expect)) == 2  # fused
    assert len(check("One two three.\n\nSubscribe now", expect)) == 2  # missing + junk
    assert len(check("One two three.\n\nFour five six.\n\nFour five six.", expect)) == 1  # repeated


@pytest.mark.skipif(not NAMES, reason="../shared/cases/field is not available")
@pytest.mark.parametrize("name", CASE_PARAMS)
def test_field_case(detector, name):
    expect = json.loads((CASES / f"{name}.expect.json").read_text("utf-8"))
    result = detector.score_html((CASES / f"{name}.html").read_bytes())
    problems = check(result.text, expect)
    assert not problems, f"{name} ({expect['class']}):\n" + "\n".join(problems)
