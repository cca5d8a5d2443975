"""``score_frame``: score every row of a pandas DataFrame.

    import pandas as pd, detector
    df = pd.read_parquet("crawl.parquet")
    scored = detector.score_frame(df, html_col="html", url_col="url")
    kept = scored[scored.quality_keep]

Each row is one document (HTML in ``html_col`` or text in ``text_col``). The model is
called once per document over all its paragraphs; a row that cannot be scored gets its
message in ``error`` and empty scores, it never raises.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

import pandas as pd

from detector.document import FieldNames, RawDoc

COLUMNS = (
    "quality_score",
    "quality_keep",
    "quality_flags",
    "drop_reasons",
    "clean_text",
    "title",
    "language",
    "n_paragraphs",
    "n_dropped",
    "error",
)


def _row_doc(row: dict[str, Any], key: Hashable, html_col: str | None, text_col: str | None,
             url_col: str | None, id_col: str | None) -> RawDoc:
    fields = FieldNames(html=html_col or "", text=text_col or "", url=url_col or "", id=id_col or "")
    return RawDoc.from_record(row, fields, default_id=f"row {key}")


def score_frame(
    df: pd.DataFrame,
    *,
    html_col: str | None = None,
    text_col: str | None = None,
    url_col: str | None = None,
    id_col: str | None = None,
    detector: Any = None,
    details: bool = False,
    min_quality: float | None = None,
) -> pd.DataFrame:
    """A copy of ``df`` with score columns added (same index, same row order).

    Columns: ``quality_score`` (float, NaN on error), ``quality_keep`` (the
    ``Detector.filter`` verdict), ``quality_flags`` and ``drop_reasons`` (lists),
    ``clean_text``, ``title``, ``language``, ``n_paragraphs``, ``n_dropped``, ``error``
    (None, or why the row could not be scored); ``details=True`` adds ``paragraphs``
    (list of dicts as in the JSON contract).

    When a row has both, ``html_col`` wins over ``text_col``. With neither given, columns
    named ``html`` or ``text`` are used. ``detector`` reuses an existing Detector (creating
    one loads the model).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"score_frame needs a pandas DataFrame, not {type(df).__name__}")
    if html_col is None and text_col is None:
        html_col = "html" if "html" in df.columns else None
        text_col = "text" if "text" in df.columns else None
        if html_col is None and text_col is None:
            raise ValueError("score_frame: name the content column with html_col= or text_col=")
    for name, col in (("html_col", html_col), ("text_col", text_col), ("url_col", url_col), ("id_col", id_col)):
        if col is not None and col not in df.columns:
            raise KeyError(f"score_frame: {name}={col!r} is not a column (columns: {list(df.columns)})")
    if detector is None:
        from detector.pipeline import Detector

        detector = Detector()

    used = [c for c in (html_col, text_col, url_col, id_col) if c is not None]
    rows: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    if details:
        rows["paragraphs"] = []
    for key, values in zip(df.index, df[used].itertuples(index=False, name=None)):
        row = dict(zip(used, values))
        try:
            decision = detector.filter(
                _row_doc(row, key, html_col, text_col, url_col, id_col), min_quality=min_quality
            )
        except Exception as exc:  # noqa: BLE001 - a bad row is reported, never raised
            message = str(exc) if hasattr(exc, "reason") else f"{type(exc).__name__}: {exc}"
            for name, empty in (
                ("quality_score", math.nan), ("quality_keep", False), ("quality_flags", []), ("drop_reasons", []),
                ("clean_text", None), ("title", None), ("language", None), ("n_paragraphs", 0), ("n_dropped", 0),
                ("error", message),
            ):
                rows[name].append(empty)
            if details:
                rows["paragraphs"].append([])
            continue
        result = decision.result
        rows["quality_score"].append(float(decision.score))
        rows["quality_keep"].append(bool(decision.keep))
        rows["quality_flags"].append(list(result.quality.flags))
        rows["drop_reasons"].append(list(decision.reasons))
        rows["clean_text"].append(decision.text)
        rows["title"].append(result.title)
        rows["language"].append(result.language)
        rows["n_paragraphs"].append(len(result.paragraphs))
        rows["n_dropped"].append(sum(1 for p in result.paragraphs if not p.keep))
        rows["error"].append(None)
        if details:
            rows["paragraphs"].append([p.to_dict() for p in result.paragraphs])

    out = df.copy()
    dtypes = {"quality_score": "float64", "quality_keep": "bool", "n_paragraphs": "int64", "n_dropped": "int64"}
    for name, values in rows.items():
        out[name] = pd.Series(values, index=df.index, dtype=dtypes.get(name, "object"))
    return out
