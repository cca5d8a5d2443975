"""``score_frame``: score columns added to a DataFrame, one row per document."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import detector as detector_pkg
from detector.frame import score_frame

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PAGE = (SEEDS / "migrant-crisis-page.html").read_text("utf-8")
ARTICLE = (SEEDS / "migrant-crisis-article.txt").read_text("utf-8")
JUNK = "Home | News | Sport | Contact\nSubscribe now!\nCookie settings\n© 2024 Example Media"


@pytest.fixture(scope="module")
def det():
    from detector import Detector

    return Detector()


@pytest.fixture()
def frame():
    return pd.DataFrame(
        {
            "html": [PAGE, None, None, None, 42],
            "text": [None, ARTICLE, JUNK, None, None],
            "url": ["https://example.com/p", None, "https://example.com/j", None, None],
            "doc": ["p", "a", "j", "empty", "int"],
        },
        index=[10, 11, 12, 13, 13],  # a duplicate label must not confuse the output
    )


def test_columns_and_values(frame, det):
    before = frame.copy()
    out = score_frame(frame, html_col="html", text_col="text", url_col="url", id_col="doc", detector=det)
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert list(out.index) == list(frame.index)
    assert list(out.columns[: len(frame.columns)]) == list(frame.columns)
    assert out["quality_score"].dtype == "float64" and out["quality_keep"].dtype == bool

    for pos, doc in [(0, {"html": PAGE, "url": "https://example.com/p"}), (1, {"text": ARTICLE}), (2, {"text": JUNK})]:
        expected = det.filter(doc)
        row = out.iloc[pos]
        assert row["quality_score"] == pytest.approx(expected.score)
        assert row["quality_keep"] == expected.keep
        assert row["clean_text"] == expected.text
        assert row["reasons"] == list(expected.reasons)
        assert row["quality_flags"] == list(expected.result.quality.flags)
        assert row["n_paragraphs"] == len(expected.result.paragraphs)
        assert row["n_dropped"] == sum(not p.keep for p in expected.result.paragraphs)
        assert row["error"] is None
    assert out.iloc[0]["quality_keep"] and out.iloc[1]["quality_keep"] and not out.iloc[2]["quality_keep"]
    assert out.iloc[1]["n_dropped"] > 0  # the promo, the read-time line ...


def test_bad_rows_get_errors(frame, det):
    out = score_frame(frame, html_col="html", text_col="text", id_col="doc", detector=det)
    empty, wrong = out.iloc[3], out.iloc[4]
    assert math.isnan(empty["quality_score"]) and not empty["quality_keep"]
    assert "empty" in empty["error"] and "no value" in empty["error"]
    assert "int" in wrong["error"] and "not str or bytes" in wrong["error"]
    assert empty["reasons"] == wrong["reasons"] == ["error"]  # as filter --rejects and /v1/filter say
    assert out["error"].isna().sum() == 3


def test_a_bad_row_is_named_by_its_id_and_its_row(det):
    # the error named a bad row "row 11" only, though the frame has an id column
    df = pd.DataFrame({"id": ["ok", "int-html", None], "html": ["<p>A short page.</p>", 5, 7]}, index=[10, 11, 12])
    out = score_frame(df, detector=det)  # the id column is found as the content column is
    assert out.loc[10, "error"] is None
    assert out.loc[11, "error"] == "int-html (row 11): field 'html' holds int, not str or bytes (it must be a string)"
    assert out.loc[12, "error"].startswith("row 12: field 'html' holds int")  # no id: the row alone
    named = score_frame(df.rename(columns={"id": "key"}), id_col="key", detector=det)
    assert named.loc[11, "error"].startswith("int-html (row 11): ")
    assert score_frame(df.rename(columns={"id": "key"}), detector=det).loc[11, "error"].startswith("row 11: ")
    pl = pytest.importorskip("polars")
    polars_out = score_frame(pl.DataFrame({"id": ["ok", "empty"], "html": ["<p>A page.</p>", None]}), detector=det)
    assert polars_out["error"].to_list()[1].startswith("empty (row 1): record has no 'html'")  # row: the position


def test_details_and_defaults(det):
    df = pd.DataFrame({"text": [ARTICLE]})
    out = detector_pkg.score_frame(df, detector=det, details=True)  # lazy export, default column
    paragraphs = out.iloc[0]["paragraphs"]
    assert len(paragraphs) == out.iloc[0]["n_paragraphs"]
    assert {"index", "text", "kind", "relevance", "redundancy", "keep", "reason"} <= set(paragraphs[0])


def test_min_quality(det):
    df = pd.DataFrame({"text": [ARTICLE]})
    assert score_frame(df, detector=det, min_quality=0.0).iloc[0]["quality_keep"]
    strict = score_frame(df, detector=det, min_quality=1.0).iloc[0]
    assert strict["quality_keep"] == (strict["quality_score"] >= 1.0)


def test_usage_errors(det):
    with pytest.raises(KeyError, match="nope"):
        score_frame(pd.DataFrame({"text": ["x"]}), text_col="nope", detector=det)
    with pytest.raises(ValueError, match="html_col"):
        score_frame(pd.DataFrame({"body": ["x"]}), detector=det)
    with pytest.raises(TypeError):
        score_frame([{"text": "x"}], detector=det)  # type: ignore[arg-type]


def test_an_integer_id_column_with_a_missing_value_keeps_its_ids(det):
    # pandas reads an integer column with a gap as float (12.0, NaN): 12.0 is the id "12", the
    # gap is no id, and a fractional id is still refused
    df = pd.DataFrame({"id": [12, None, 3], "html": [5, 6, 7]}, index=[0, 1, 2])
    df.loc[2, "id"] = 3.5
    assert df["id"].dtype == float
    out = score_frame(df, detector=det)
    assert out.loc[0, "error"].startswith("12 (row 0): field 'html' holds int")
    assert out.loc[1, "error"].startswith("row 1: field 'html' holds int")
    assert out.loc[2, "error"].startswith("row 2: field 'id' holds float, not a string or an integer")
