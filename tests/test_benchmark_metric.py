"""The AEB metric (detector/benchmark.py) on hand-made strings, and trafilatura's AEB figure."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import pytest

from detector.training.benchmark import (
    AebPage,
    PageCounts,
    aggregate,
    load_aeb,
    page_counts,
    run_system,
    score_predictions,
    shingles,
    tokenize,
    trafilatura_default,
)

AEB_DIR = Path(__file__).resolve().parents[2] / "shared/data/aeb"

TEXT = "The quick brown fox jumps over the lazy dog near the river bank"  # 13 tokens, 10 shingles


def test_tokens_are_unicode_word_runs_with_case_kept():
    assert tokenize("Hello, WORLD! it's 2024.") == ["Hello", "WORLD", "it", "s", "2024"]
    assert tokenize("서울의 봄 — 영화") == ["서울의", "봄", "영화"]
    assert tokenize("Привет, мир!") == ["Привет", "мир"]
    assert tokenize("") == [] and tokenize("… — !") == []


def test_shingles_are_overlapping_4grams_and_short_texts_make_one():
    assert sum(shingles(tokenize(TEXT)).values()) == 10
    assert shingles(["a", "b", "c"]) == {("a", "b", "c"): 1}
    assert shingles(["a"]) == {("a",): 1}
    assert shingles([]) == {}


def test_exact_match():
    c = page_counts(TEXT, TEXT)
    assert (c.tp, c.fp, c.fn, c.exact, c.empty_prediction) == (10, 0, 0, True, False)
    assert c.precision == 1.0 and c.recall == 1.0


def test_exact_ignores_punctuation_and_whitespace_but_not_case():
    assert page_counts("The quick, brown\n\nfox!", "The quick brown fox").exact
    lower = page_counts("the quick brown fox", "The quick brown fox")
    assert not lower.exact and lower.tp == 0 and lower.fp == 1 and lower.fn == 1


def test_partial_prediction_misses_and_adds():
    truth = TEXT
    predicted = "The quick brown fox jumps over the lazy dog. Subscribe to our weekly letter now"
    c = page_counts(predicted, truth)
    # shared prefix "The quick brown fox jumps over the lazy dog" gives 6 common 4-grams
    assert c.tp == 6
    assert c.fp == len(tokenize(predicted)) - 3 - 6
    assert c.fn == 10 - 6
    assert not c.exact
    assert c.precision == pytest.approx(6 / (6 + c.fp))
    assert c.recall == pytest.approx(6 / 10)


def test_duplicates_are_matched_as_a_multiset():
    para = "one two three four five"  # 2 shingles
    twice = page_counts(f"{para}\n\n{para}", para)
    # the repeated text: 2 shingles match once each, the second copy's 2 are false positives,
    # plus the 3 shingles bridging the copies
    assert twice.tp == 2 and twice.fn == 0
    assert twice.fp == len(tokenize(para)) * 2 - 3 - 2
    truth_twice = page_counts(para, f"{para} {para}")
    assert truth_twice.tp == 2 and truth_twice.fp == 0 and truth_twice.fn == 5


def test_one_to_three_token_texts_are_one_shingle():
    assert page_counts("Hello world", "Hello world") == PageCounts(1, 0, 0, True, False)
    c = page_counts("Hello world", "Hello there world")
    assert (c.tp, c.fp, c.fn) == (0, 1, 1)
    # a short prediction against a long truth: its single 2-gram shingle is not a 4-gram
    c = page_counts("quick brown", TEXT)
    assert (c.tp, c.fp, c.fn) == (0, 1, 10)


def test_empty_prediction_is_excluded_from_precision_but_counted_in_recall():
    empty = page_counts("", TEXT)
    assert empty.empty_prediction and empty.precision is None and empty.recall == 0.0
    assert page_counts(" — ", TEXT).empty_prediction  # no tokens is empty too
    perfect = page_counts(TEXT, TEXT)
    half = page_counts("The quick brown fox jumps over the lazy", TEXT)  # 5/10 recall, precision 1
    scores = aggregate([empty, perfect, half])
    assert scores.precision == pytest.approx(1.0)  # mean over the two non-empty pages
    assert scores.recall == pytest.approx((0.0 + 1.0 + 0.5) / 3)
    p, r = scores.precision, scores.recall
    assert scores.f1 == pytest.approx(2 * p * r / (p + r))
    assert scores.accuracy == pytest.approx(1 / 3)


def test_page_means_are_macro_averages_not_pooled_counts():
    small_bad = page_counts("x y z w v", "a b c d e")  # precision 0
    big_good = page_counts(TEXT * 10, TEXT * 10)  # precision 1, many shingles
    assert aggregate([small_bad, big_good]).precision == pytest.approx(0.5)


def test_unicode_pages_korean_and_russian():
    ko_truth = "서울시는 올해 자전거 도로를 크게 늘렸다 시민들은 출근길이 편해졌다고 말했다"
    ko_pred = "서울시는 올해 자전거 도로를 크게 늘렸다 많이 본 뉴스"
    c = page_counts(ko_pred, ko_truth)
    assert c.tp == 3 and not c.exact
    ru = "Реконструкция парка у реки продолжалась почти два года"
    assert page_counts(ru, ru).exact
    c = page_counts("Реконструкция парка у реки", ru)
    assert (c.tp, c.fp, c.fn) == (1, 0, len(tokenize(ru)) - 3 - 1)


def test_aggregate_of_nothing_is_zero():
    s = aggregate([])
    assert (s.precision, s.recall, s.f1, s.accuracy) == (0, 0, 0, 0)


def _write_aeb(root: Path, pages: dict[str, tuple[str, str]], broken: tuple[str, ...] = ()) -> None:
    (root / "html").mkdir(parents=True)
    truth = {}
    for pid, (html, body) in pages.items():
        truth[pid] = {"articleBody": body, "url": f"https://example.com/{pid}"}
        (root / "html" / f"{pid}.html.gz").write_bytes(gzip.compress(html.encode()))
    for pid in broken:
        truth[pid] = {"articleBody": "x", "url": ""}
        (root / "html" / f"{pid}.html.gz").write_bytes(b"not gzip at all")
    (root / "ground-truth.json").write_text(json.dumps(truth))


def test_load_aeb_sorts_and_skips_broken_pages(tmp_path, caplog):
    _write_aeb(
        tmp_path,
        {"b": ("<p>bee</p>", "bee"), "a": ("<p>ay</p>", "ay")},
        broken=("c",),
    )
    with caplog.at_level(logging.WARNING):
        pages = load_aeb(tmp_path)
    assert [p.id for p in pages] == ["a", "b"]
    assert pages[0] == AebPage("a", "https://example.com/a", b"<p>ay</p>", "ay")
    assert "c" in caplog.text


def test_load_aeb_missing_ground_truth_names_the_file(tmp_path):
    with pytest.raises(ValueError, match="ground-truth.json"):
        load_aeb(tmp_path)


def test_run_system_records_a_failing_page_and_goes_on():
    pages = [AebPage("ok", "", b"fine", TEXT), AebPage("bad", "", b"broken", TEXT)]

    def fn(html, url):
        if html == b"broken":
            raise RuntimeError("boom")
        return TEXT

    s = run_system("t", fn, pages)
    assert [p.error for p in s.per_page][0] is None and "boom" in s.per_page[1].error
    assert s.precision == 1.0 and s.recall == pytest.approx(0.5) and s.pages_per_s > 0


def test_score_predictions_counts_missing_pages_as_empty():
    pages = [AebPage("a", "", b"", TEXT), AebPage("b", "", b"", TEXT)]
    s = score_predictions("oof", {"a": TEXT}, pages)
    assert s.recall == pytest.approx(0.5) and s.precision == 1.0 and s.pages_per_s is None


@pytest.mark.aeb
@pytest.mark.skipif(not AEB_DIR.is_dir(), reason="needs ../shared/data/aeb")
def test_trafilatura_default_reproduces_published_f1():
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    pages = load_aeb(AEB_DIR)
    assert len(pages) == 181
    scores = run_system("trafilatura default", trafilatura_default, pages)
    assert scores.f1 == pytest.approx(0.960, abs=0.01)
