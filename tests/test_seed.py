"""Issue 2's must-shows on the hand-labelled seed article."""

from __future__ import annotations

import jsonschema
import pytest

from detector.document import load_schema


@pytest.fixture(scope="module")
def text_result(detector, seeds_dir):
    return detector.score_text((seeds_dir / "migrant-crisis-article.txt").read_text("utf-8"))


def test_paragraphs_align_with_labels(text_result, seed_labels):
    assert [p.text for p in text_result.paragraphs] == [r["text"] for r in seed_labels]


def test_dropped_are_exactly_the_labelled_drops(text_result, seed_labels):
    dropped = {p.index: p.reason for p in text_result.paragraphs if not p.keep}
    expected = {r["index"]: r["reason"] for r in seed_labels if r["label"] == "drop"}
    assert set(dropped) == set(expected)
    # the structural reasons are certain; promo/navigation/page-meta come from the same labels
    assert dropped == expected


def test_title_headings_and_body_are_kept(text_result, seed_labels):
    by_index = {p.index: p for p in text_result.paragraphs}
    kept_labels = [r for r in seed_labels if r["label"] == "keep"]
    assert sum(1 for r in kept_labels if r["kind"] == "heading") == 9
    for r in kept_labels:
        assert by_index[r["index"]].keep, r["text"][:60]
    assert text_result.title == seed_labels[0]["text"]


def test_restating_paragraphs_are_more_redundant_than_new_ones(text_result, seed_labels):
    red = {p.index: p.redundancy for p in text_result.paragraphs}
    new = [red[r["index"]] for r in seed_labels if r.get("redundancy") == "new"]
    restates = [red[r["index"]] for r in seed_labels if r.get("redundancy") == "restates"]
    assert new and restates
    assert max(new) < min(restates)


def test_restates_points_at_earlier_paragraphs(text_result, seed_labels):
    for p in text_result.paragraphs:
        assert all(j < p.index for j in p.restates)
    labelled = {r["index"]: r for r in seed_labels}
    # the big conclusion restates several earlier paragraphs, including the lead
    assert 2 in text_result.paragraphs[24].restates
    assert labelled[24]["redundancy"] == "restates"


@pytest.mark.parametrize(
    "page",
    ["migrant-crisis-page.html", "migrant-crisis-page-inline.html"],
)
def test_html_pages_keep_the_same_body_as_the_text(detector, seeds_dir, text_result, page):
    result = detector.score_html((seeds_dir / page).read_bytes(), url="https://aiyoutuetrending.com/x/")
    kept_body = [p.text for p in result.paragraphs if p.keep and p.kind != "title"]
    expected = [p.text for p in text_result.paragraphs if p.keep and p.kind != "title"]
    assert kept_body == expected
    assert result.text == text_result.text


def test_result_matches_the_json_schema(text_result):
    data = text_result.to_dict()
    jsonschema.validate(data, load_schema())
    assert data["schema_version"] == 1
    assert data["quality"]["keep"] is True
    assert data["stats"]["dropped_by_reason"]["repeated-title"] == 2


def test_quality_flags_say_why(detector):
    junk = detector.score_text("Buy now!\n\nClick here\n\nBuy now!")
    assert not junk.quality.keep
    assert junk.text == "" and "empty" in junk.quality.flags
    seed = detector.score_text(
        (__import__("pathlib").Path(__file__).parents[1] / "seeds/migrant-crisis-article.txt").read_text("utf-8")
    )
    assert seed.quality.keep and seed.quality.score > junk.quality.score
