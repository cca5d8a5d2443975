"""Known trafilatura failure classes on AEB, one small hand-written page each (tests/pages/).

For every page the detector must keep each body paragraph listed in expected.json and
drop every junk snippet. trafilatura is run on the same pages and its outcome printed
(run with ``-s`` to see it); it is not asserted to fail.

The pages' wording is kept apart from the synthetic training generator (TRAIN_BANK in
detector/synthetic.py), which the last test checks, so these tests measure generalisation.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import lxml.html
import pytest

PAGES_DIR = Path(__file__).resolve().parent / "pages"
EXPECTED = json.loads((PAGES_DIR / "expected.json").read_text(encoding="utf-8"))["pages"]
IDS = [p["file"].removesuffix(".html") for p in EXPECTED]


def norm(text: str) -> str:
    return " ".join(text.split())


def check(text: str, page: dict) -> tuple[list[str], list[str]]:
    """(must-keep paragraphs missing from ``text``, junk snippets present in it)."""
    text = norm(text)
    missing = [k for k in page["keep"] if norm(k) not in text]
    junk = [j for j in page["junk"] if norm(j) in text]
    return missing, junk


def visible_text(html: bytes) -> str:
    root = lxml.html.fromstring(html)
    for el in root.xpath("//script|//style|//head"):
        el.drop_tree()
    return norm(root.text_content())


@pytest.fixture(scope="module")
def detector():
    from detector import Detector

    return Detector()


@pytest.mark.parametrize("page", EXPECTED, ids=IDS)
def test_expected_texts_are_on_the_page(page):
    """expected.json matches its page: every keep and junk text is visible there."""
    text = visible_text((PAGES_DIR / page["file"]).read_bytes())
    assert page["keep"] and page["junk"]
    for snippet in page["keep"] + page["junk"]:
        assert norm(snippet) in text, f"{page['file']}: not on the page: {snippet!r}"


# Where the shipped model still fails a class, the test says so instead of hiding it: these
# are expected failures (xfail, not strict, so a model that fixes one shows up as XPASS).
# The generalised model (AEB + WCXB-dev) is more lenient on these AEB-era pages than the AEB-only
# model was: it keeps short junk lines it half believes (0.5-0.8) inside the article container.
_LENIENT = "generalised model keeps short junk lines inside the article container at 0.5-0.8"
JUNK_STILL_KEPT: dict[str, str] = {
    "teaser_list": _LENIENT + " (teaser items at 0.68-0.79)",
    "newsletter": _LENIENT + " (sign-up error lines at 0.74-0.78)",
    "related": _LENIENT + " (related headlines at 0.50-0.77)",
}
# ("reprint" and "split_body" pass since the stage-one-as-one-booster model of 2026-12-03.)
BODY_STILL_LOST: dict[str, str] = {}


def _page_params(known: dict[str, str]) -> list:
    return [
        pytest.param(page, id=page_id, marks=[pytest.mark.xfail(reason=known[page_id], strict=False)])
        if page_id in known
        else pytest.param(page, id=page_id)
        for page, page_id in zip(EXPECTED, IDS)
    ]


@pytest.fixture(scope="module")
def results(detector):
    return {
        page["file"]: detector.score_html((PAGES_DIR / page["file"]).read_bytes(), url=page["url"], id=page["file"])
        for page in EXPECTED
    }


@pytest.mark.parametrize("page", _page_params(BODY_STILL_LOST))
def test_detector_keeps_the_whole_body(results, page):
    missing, _ = check(results[page["file"]].text, page)
    assert not missing, (
        f"{page['file']} ({page['failure_class']}): "
        f"{len(missing)}/{len(page['keep'])} body paragraphs missing {[m[:60] for m in missing]}"
    )


@pytest.mark.parametrize("page", _page_params(JUNK_STILL_KEPT))
def test_detector_drops_the_junk(results, page):
    _, junk = check(results[page["file"]].text, page)
    assert not junk, (
        f"{page['file']} ({page['failure_class']}): "
        f"{len(junk)}/{len(page['junk'])} junk snippets kept {[j[:60] for j in junk]}"
    )


@pytest.mark.parametrize("page", EXPECTED, ids=IDS)
def test_trafilatura_outcome_is_recorded(page, record_property):
    """trafilatura finds the article on each page (the page is realistic); whether it also
    fails the class is printed, not asserted."""
    import trafilatura

    html = (PAGES_DIR / page["file"]).read_bytes()
    text = trafilatura.extract(html, url=page["url"], include_comments=False) or ""
    missing, junk = check(text, page)
    fails = bool(missing or junk)
    record_property("trafilatura_fails", fails)
    print(
        f"\ntrafilatura default on {page['file']}: {'FAILS' if fails else 'passes'} "
        f"(missing {len(missing)}/{len(page['keep'])} body paragraphs, "
        f"kept {len(junk)}/{len(page['junk'])} junk snippets)"
    )
    assert len(missing) < len(page["keep"]), "trafilatura found none of the body: page is not article-like"


def _grams(text: str, n: int = 4) -> set[tuple[str, ...]]:
    toks = re.findall(r"\w+", text.lower())
    return {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}


def test_test_pages_are_apart_from_the_synthetic_training_bank():
    from detector.training.synthetic import TRAIN_BANK, generate

    synthetic_texts = [b["text"] for p in generate(120, seed=0) for b in p.blocks]
    synthetic_lower = "\n".join(t.lower() for t in synthetic_texts)
    synthetic_grams = set().union(*(_grams(t) for t in synthetic_texts))
    bank = {norm(t).lower() for by_lang in TRAIN_BANK.values() for ts in by_lang.values() for t in ts}
    for page in EXPECTED:
        for snippet in page["junk"]:
            low = norm(snippet).lower()
            if len(low.split()) < 3:
                continue  # generic labels ("Advertisement") are fair to share
            assert low not in bank, f"{page['file']}: junk snippet is a TRAIN_BANK phrase: {snippet!r}"
            assert low not in synthetic_lower, f"{page['file']}: {snippet!r} occurs in synthetic pages"
            grams = _grams(snippet)
            if grams:
                shared = len(grams & synthetic_grams) / len(grams)
                assert shared < 0.5, f"{page['file']}: {snippet!r} shares {shared:.0%} of its 4-grams with synthetic pages"
