"""Dask DataFrames: ``score_dask_frame`` = ``map_partitions`` with one model per worker process.

    import dask.dataframe as dd
    from detector.adapters.dask_frame import score_dask_frame
    scored = score_dask_frame(dd.read_parquet("crawl/*.parquet"), html_col="html").compute()

(``detector.score_frame(ddf, ...)`` calls this.) ``ddf.map_partitions(score_frame,
detector=Detector())`` fails (Dask cannot tokenize a Detector, and would ship the model in every
task); ``map_partitions(score_frame)`` alone used to load the model once per partition. Here
every partition calls ``score_frame`` without a Detector, which takes the worker process's
``shared_detector(config)``: the model loads once per worker. Extra: ``dask``.
"""

from __future__ import annotations

from typing import Any

import dask.dataframe as dd
import pandas as pd

from detector.config import Config
from detector.frame import score_frame

_DTYPES = {"quality_score": "float64", "quality_keep": "bool", "n_paragraphs": "int64", "n_dropped": "int64"}


def _meta(ddf: dd.DataFrame, details: bool) -> pd.DataFrame:
    """The empty frame Dask needs to know the output's columns and dtypes without computing."""
    from detector.frame import COLUMNS

    meta = ddf._meta.copy()
    for name in (*COLUMNS, *(("paragraphs",) if details else ())):
        meta[name] = pd.Series([], dtype=_DTYPES.get(name, "object"), index=meta.index)
    return meta


def _score_partition(part: pd.DataFrame, config: Config | None, **kwargs: Any) -> pd.DataFrame:
    return score_frame(part, config=config, **kwargs)


def score_dask_frame(
    ddf: dd.DataFrame,
    *,
    html_col: str | None = None,
    text_col: str | None = None,
    url_col: str | None = None,
    id_col: str | None = None,
    content_col: str | None = None,
    details: bool = False,
    min_quality: float | None = None,
    config: Config | None = None,
) -> dd.DataFrame:
    """``ddf`` with ``score_frame``'s columns added, lazily (nothing runs until ``compute``).

    Same arguments and columns as ``score_frame`` except ``detector``: each worker process
    builds its own from ``config`` on its first partition and keeps it for the next ones.
    """
    return ddf.map_partitions(
        _score_partition,
        config,
        html_col=html_col,
        text_col=text_col,
        url_col=url_col,
        id_col=id_col,
        content_col=content_col,
        details=details,
        min_quality=min_quality,
        meta=_meta(ddf, details),
    )
