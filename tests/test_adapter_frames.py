"""score_frame on Polars and Dask frames (same columns as pandas; Dask: one model per worker)."""

from __future__ import annotations

import pandas as pd
import pytest

from detector import frame as frame_mod
from detector.frame import COLUMNS, score_frame
from adapter_pages import format_of, reference, seed_pages


def pandas_pages() -> pd.DataFrame:
    """HTML pages in ``html``, the text article in ``text``."""
    rows = [{"url": url, "html": None if format_of(url) == "text" else content,
             "text": content if format_of(url) == "text" else None} for url, content in seed_pages()]
    return pd.DataFrame(rows)


def test_polars_frame_gets_the_same_columns_and_values(detector):
    pl = pytest.importorskip("polars")
    pdf = pandas_pages()
    expected = score_frame(pdf, html_col="html", text_col="text", url_col="url", detector=detector)
    out = score_frame(pl.from_pandas(pdf), html_col="html", text_col="text", url_col="url", detector=detector)
    assert isinstance(out, pl.DataFrame)
    assert out.columns == list(expected.columns) and out.height == len(pdf)
    for col in COLUMNS:
        got, want = out[col].to_list(), expected[col].tolist()
        assert [g if not isinstance(g, pl.Series) else g.to_list() for g in got] == want, col
    assert out.schema["quality_flags"] == pl.List(pl.String) and out.schema["quality_keep"] == pl.Boolean
    ref = reference(detector)
    assert dict(zip(out["url"], zip(out["quality_keep"], out["clean_text"]))) == ref


def test_dask_frame_loads_the_model_once_per_worker_not_per_partition(detector, monkeypatch):
    dd = pytest.importorskip("dask.dataframe")
    import detector.pipeline as pipeline

    loads = []

    class CountingDetector(pipeline.Detector):
        def __init__(self, *args, **kwargs):
            loads.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(pipeline, "Detector", CountingDetector)
    monkeypatch.setattr(frame_mod, "_DETECTORS", {})
    pdf = pandas_pages()
    ddf = dd.from_pandas(pdf, npartitions=4)
    lazy = score_frame(ddf, html_col="html", text_col="text", url_col="url")
    assert loads == []  # building the graph loads nothing
    out = lazy.compute(scheduler="threads")
    assert len(loads) == 1  # one process (threads share it), four partitions
    assert list(out.columns) == [*pdf.columns, *COLUMNS]
    assert dict(zip(out["url"], zip(out["quality_keep"], out["clean_text"]))) == reference(detector)
    # the pattern that failed (TokenizationError / the model in every task) is refused clearly
    with pytest.raises(ValueError, match="one Detector per worker"):
        score_frame(ddf, html_col="html", detector=detector)


def test_not_a_frame_is_a_type_error(detector):
    with pytest.raises(TypeError, match="pandas, Polars or Dask"):
        score_frame({"html": ["x"]}, detector=detector)
