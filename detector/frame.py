"""``score_frame``: score every row of a pandas, Polars or Dask DataFrame.

    import pandas as pd, detector
    df = pd.read_parquet("crawl.parquet")
    scored = detector.score_frame(df, html_col="html", url_col="url")
    kept = scored[scored.quality_keep]

    import polars as pl
    scored = detector.score_frame(pl.read_parquet("crawl.parquet"), html_col="html")

    import dask.dataframe as dd
    scored = detector.score_frame(dd.read_parquet("crawl/*.parquet"), html_col="html").compute()

Each row is one document (HTML in ``html_col`` or text in ``text_col``). The model is
called once per document over all its paragraphs; a row that cannot be scored gets its
message in ``error`` and empty scores, it never raises. Without ``detector=``, one Detector
per process and Config is loaded on first use and reused (``shared_detector``): a Dask worker,
a ``datasets`` map process or a notebook loads the model once, not once per partition or call.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

from detector.config import Config
from detector.document import FieldNames, RawDoc

COLUMNS = (
    "quality_score",
    "quality_keep",
    "quality_flags",
    "reasons",
    "clean_text",
    "title",
    "language",
    "n_paragraphs",
    "n_dropped",
    "error",
)

_DETECTORS: dict[Config, Any] = {}
_DETECTORS_LOCK = threading.Lock()


def shared_detector(config: Config | None = None) -> Any:
    """The Detector for ``config`` in this process, created (model loaded) on first use.

    One per process and Config: what lets Dask's ``map_partitions``, ``Dataset.map(num_proc=N)``
    and repeated calls load the model once per worker instead of once per partition or batch
    (a Detector object is not sent to the workers: it is large and Dask cannot tokenize it).
    Thread-safe; raises ModelError like ``Detector(config)``."""
    config = config or Config()
    detector = _DETECTORS.get(config)
    if detector is None:
        with _DETECTORS_LOCK:
            detector = _DETECTORS.get(config)
            if detector is None:
                from detector.pipeline import Detector

                detector = _DETECTORS[config] = Detector(config)
    return detector


def _row_doc(row: dict[str, Any], key: Hashable, html_col: str | None, text_col: str | None,
             url_col: str | None, id_col: str | None, content_col: str | None = None) -> RawDoc:
    fields = FieldNames(html=html_col or "", text=text_col or "", url=url_col or "", id=id_col or "",
                        content=content_col or None)
    return RawDoc.from_record(row, fields, default_id=f"row {key}")


def _row_error(exc: Exception, key: Hashable) -> str:
    """Why row ``key`` failed, naming its document: ``ID (row KEY): why`` when the row has an id
    (or a URL), else ``row KEY: why``."""
    if not hasattr(exc, "reason"):
        return f"{type(exc).__name__}: {exc}"
    source = getattr(exc, "source", None)
    if source is None or source == f"row {key}":
        return str(exc)
    return f"{source} (row {key}): {exc.reason}"


def score_rows(
    rows: Iterable[tuple[Hashable, dict[str, Any]]],
    *,
    html_col: str | None,
    text_col: str | None,
    url_col: str | None = None,
    id_col: str | None = None,
    content_col: str | None = None,
    detector: Any,
    details: bool = False,
    min_quality: float | None = None,
) -> dict[str, list[Any]]:
    """The score columns (``COLUMNS``, plus ``paragraphs`` with ``details``) for ``(key, row)``
    pairs, one list entry per row in order: the body shared by ``score_frame`` and the adapters
    (Hugging Face ``datasets``, datatrove). A row that fails gets its message in ``error``."""
    out: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    if details:
        out["paragraphs"] = []
    for key, row in rows:
        try:
            decision = detector.filter(_row_doc(row, key, html_col, text_col, url_col, id_col, content_col),
                                       min_quality=min_quality)
        except Exception as exc:  # noqa: BLE001 - a bad row is reported, never raised
            message = _row_error(exc, key)
            for name, empty in (
                ("quality_score", math.nan), ("quality_keep", False), ("quality_flags", []), ("reasons", ["error"]),
                ("clean_text", None), ("title", None), ("language", None), ("n_paragraphs", 0), ("n_dropped", 0),
                ("error", message),
            ):
                out[name].append(empty)
            if details:
                out["paragraphs"].append([])
            continue
        result = decision.result
        out["quality_score"].append(float(decision.score))
        out["quality_keep"].append(bool(decision.keep))
        out["quality_flags"].append(list(result.quality.flags))
        out["reasons"].append(list(decision.reasons))
        out["clean_text"].append(decision.clean_text)
        out["title"].append(result.title)
        out["language"].append(result.language)
        out["n_paragraphs"].append(len(result.paragraphs))
        out["n_dropped"].append(sum(1 for p in result.paragraphs if not p.keep))
        out["error"].append(None)
        if details:
            out["paragraphs"].append([p.to_dict() for p in result.paragraphs])
    return out


def _kind(df: Any) -> str:
    module = type(df).__module__.split(".")[0]
    if module == "pandas" and type(df).__name__ == "DataFrame":
        return "pandas"
    if module == "polars" and type(df).__name__ == "DataFrame":
        return "polars"
    if module in ("dask", "dask_expr") and hasattr(df, "map_partitions") and hasattr(df, "columns"):
        return "dask"
    raise TypeError(
        f"score_frame needs a pandas, Polars or Dask DataFrame, not {type(df).__module__}.{type(df).__name__}"
    )


def _content_columns(columns: Sequence[str], html_col: str | None, text_col: str | None,
                     url_col: str | None, id_col: str | None,
                     content_col: str | None = None) -> tuple[str | None, str | None, str | None]:
    if html_col is None and text_col is None and content_col is None:
        d = FieldNames()  # the default names every door reads
        html_col, text_col, content_col = (n if n in columns else None for n in (d.html, d.text, d.content))
        if html_col is None and text_col is None and content_col is None:
            raise ValueError(f"score_frame: no {d.describe()} column; name the content column with "
                             "html_col=, text_col= or content_col=")
    for name, col in (("html_col", html_col), ("text_col", text_col), ("content_col", content_col),
                      ("url_col", url_col), ("id_col", id_col)):
        if col is not None and col not in columns:
            raise KeyError(f"score_frame: {name}={col!r} is not a column (columns: {list(columns)})")
    return html_col, text_col, content_col


def score_frame(
    df: Any,
    *,
    html_col: str | None = None,
    text_col: str | None = None,
    url_col: str | None = None,
    id_col: str | None = None,
    content_col: str | None = None,
    detector: Any = None,
    details: bool = False,
    min_quality: float | None = None,
    config: Config | None = None,
) -> Any:
    """A copy of ``df`` with score columns added (same index, same row order), of the same kind:
    a pandas, Polars or Dask DataFrame (Dask: lazily, by ``map_partitions``).

    Columns: ``quality_score`` (float, NaN on error), ``quality_keep`` (the
    ``Detector.filter`` verdict), ``quality_flags`` and ``reasons`` (lists of str),
    ``clean_text``, ``title``, ``language``, ``n_paragraphs``, ``n_dropped``, ``error``
    (None, or why the row could not be scored); ``details=True`` adds ``paragraphs``
    (list of dicts as in the JSON contract).

    ``content_col`` holds HTML or text (detected). A row is read as every door reads a record:
    ``html_col`` wins, then ``text_col``, then ``content_col``. With none of the three given,
    the columns named as ``FieldNames()``'s defaults (``html``, ``text``, ``content``) are used;
    without ``id_col``, an ``id`` column (``FieldNames().id``) if the frame has one. A row's
    ``error`` names its id (else its URL) and its row, ``ID (row KEY): ...``, or the row alone
    (``row KEY: ...``); KEY is the pandas index label, the position in a Polars frame.
    ``detector`` reuses an existing Detector; without it the process's
    ``shared_detector(config)`` is used (the model loads once per process). For Dask,
    ``detector`` must be left out: each worker loads its own (one per worker process).

    Raises TypeError for anything but a pandas/Polars/Dask DataFrame, KeyError for a column
    that does not exist, ValueError when no content column can be found.
    """
    kind = _kind(df)
    html_col, text_col, content_col = _content_columns(list(df.columns), html_col, text_col, url_col, id_col,
                                                       content_col)
    if id_col is None and FieldNames().id in df.columns:
        id_col = FieldNames().id  # the id names a bad row in its error
    if kind == "dask":
        if detector is not None:
            raise ValueError("score_frame on a Dask DataFrame loads one Detector per worker: pass config=, not detector=")
        from detector.adapters.dask_frame import score_dask_frame

        return score_dask_frame(df, html_col=html_col, text_col=text_col, url_col=url_col, id_col=id_col,
                                content_col=content_col, details=details, min_quality=min_quality, config=config)
    if detector is None:
        detector = shared_detector(config)
    used = list(dict.fromkeys(c for c in (html_col, text_col, content_col, url_col, id_col) if c is not None))
    kwargs = dict(html_col=html_col, text_col=text_col, url_col=url_col, id_col=id_col, content_col=content_col,
                  detector=detector, details=details, min_quality=min_quality)
    if kind == "polars":
        import polars as pl

        rows = ((i, dict(zip(used, values))) for i, values in enumerate(df.select(used).iter_rows()))
        cols = score_rows(rows, **kwargs)
        types = {"quality_score": pl.Float64, "quality_keep": pl.Boolean, "quality_flags": pl.List(pl.String),
                 "reasons": pl.List(pl.String), "n_paragraphs": pl.Int64, "n_dropped": pl.Int64}
        return df.with_columns(
            pl.Series(name, values, dtype=types.get(name, pl.String if name != "paragraphs" else None))
            for name, values in cols.items()
        )
    import pandas as pd

    rows = ((key, dict(zip(used, values))) for key, values in zip(df.index, df[used].itertuples(index=False, name=None)))
    cols = score_rows(rows, **kwargs)
    out = df.copy()
    dtypes = {"quality_score": "float64", "quality_keep": "bool", "n_paragraphs": "int64", "n_dropped": "int64"}
    for name, values in cols.items():
        out[name] = pd.Series(values, index=df.index, dtype=dtypes.get(name, "object"))
    return out
