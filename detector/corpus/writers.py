"""Shards written atomically with a completion marker, and their concatenation into one output.

A shard is complete when its marker ``<path>.done`` exists: the data file is written to a
temporary name and renamed first, the marker after. A crash leaves at most a stray temporary
file, never a shard that looks complete and is not. Formats: ``jsonl``, ``jsonl.gz``,
``jsonl.zst`` (both concatenate as streams, so shards join byte for byte) and ``parquet``
(one row group per shard, schemas unified across shards).
"""

from __future__ import annotations

import contextlib
import datetime
import gzip
import io
import json
import math
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from detector.atomic import atomic_open, atomic_path, atomic_write_bytes, atomic_write_json
from detector.corpus.options import OUTPUT_FORMATS
from detector.document import scrub_text
from detector.errors import InputError

__all__ = [
    "concat_shards",
    "marker_path",
    "OutputPaths",
    "output_format_of",
    "output_paths",
    "read_marker",
    "read_records",
    "shard_done",
    "write_shard",
]

MARKER_SUFFIX = ".done"


_OUTPUT_EXTENSIONS: tuple[tuple[str, str], ...] = (
    (".parquet", "parquet"), (".pq", "parquet"),
    (".jsonl.gz", "jsonl.gz"), (".ndjson.gz", "jsonl.gz"),
    (".jsonl.zst", "jsonl.zst"), (".ndjson.zst", "jsonl.zst"),
    (".jsonl", "jsonl"), (".ndjson", "jsonl"),
)


def output_format_of(path: str, forced: str | None = None) -> str:
    """The output format: forced, else by extension (``.jsonl``, ``.jsonl.gz``, ``.jsonl.zst``,
    ``.parquet``). Raises ``InputError`` naming ``path`` for any other extension (``.csv`` is
    not silently JSONL)."""
    if forced is not None:
        if forced not in OUTPUT_FORMATS:
            raise InputError(path, f"unknown output format {forced!r}; use one of {', '.join(OUTPUT_FORMATS)}")
        return forced
    name = os.fspath(path).lower()
    for ext, fmt in _OUTPUT_EXTENSIONS:
        if name.endswith(ext):
            return fmt
    raise InputError(path, "cannot tell the output format from the extension; use .jsonl, .jsonl.gz, .jsonl.zst "
                           "or .parquet (or --output-format)")


def marker_path(path: str) -> str:
    return os.fspath(path) + MARKER_SUFFIX


def shard_done(path: str) -> bool:
    return os.path.exists(marker_path(path)) and os.path.exists(path)


def read_marker(path: str) -> dict[str, Any]:
    with open(marker_path(path), encoding="utf-8") as fh:
        return json.load(fh)


def _json_value(value: Any) -> Any:
    """A passed-through value JSON has no type for, as JSON: a Parquet column's timestamp or date
    as ISO 8601, bytes as their UTF-8 text (other bytes as ``\\xNN``), anything else (a decimal)
    as its ``str``."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", "backslashreplace")
    return str(value)


def _finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float (a Parquet column's, which JSON cannot hold and
    Python would write as ``NaN``) as ``None``, as pandas' ``to_json`` writes them."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _json_line(record: dict[str, Any]) -> str:
    """One record as strict JSON: no ``NaN``/``Infinity`` (null instead), no failure on a value
    JSON has no type for (``_json_value``)."""
    try:
        return json.dumps(record, ensure_ascii=False, allow_nan=False, default=_json_value)
    except ValueError:  # a NaN or infinite float somewhere in a passed-through field
        return json.dumps(_finite(record), ensure_ascii=False, allow_nan=False, default=_json_value)


def _jsonl_bytes(records: Iterable[dict[str, Any]]) -> tuple[bytes, int]:
    buf = io.BytesIO()
    n = 0
    for record in records:
        line = _json_line(record)
        try:
            data = line.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate somewhere in a passed-through field
            data = scrub_text(line).encode("utf-8")
        buf.write(data)
        buf.write(b"\n")
        n += 1
    return buf.getvalue(), n


def _encode(records: Iterable[dict[str, Any]], fmt: str) -> tuple[bytes, int]:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        records = list(records)
        buf = io.BytesIO()
        pq.write_table(_to_table(records), buf, compression="zstd")
        return buf.getvalue(), len(records)
    data, n = _jsonl_bytes(records)
    if fmt == "jsonl.gz":
        # mtime=0 and no file name: the bytes depend only on the records
        out = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=6) as gz:
            gz.write(data)
        return out.getvalue(), n
    if fmt == "jsonl.zst":
        import zstandard

        return zstandard.ZstdCompressor(level=3).compress(data), n
    if fmt == "jsonl":
        return data, n
    raise ValueError(f"unknown shard format {fmt!r}")


def write_shard(records: Iterable[dict[str, Any]], path: str, fmt: str, *, meta: dict[str, Any] | None = None) -> int:
    """Write ``records`` to ``path`` in ``fmt`` atomically, then its completion marker
    (``<path>.done``, JSON with the record count and ``meta``). Returns the record count."""
    path = os.fspath(path)
    with contextlib.suppress(FileNotFoundError):  # a rewritten shard is incomplete until its new marker exists
        os.unlink(marker_path(path))
    data, n = _encode(records, fmt)
    atomic_write_bytes(path, data)
    atomic_write_json(marker_path(path), {"records": n, "format": fmt, **(meta or {})})
    return n


# --- Parquet -----------------------------------------------------------------------------------


JSON_TEXT = b"detector.json_text"
"""Parquet field metadata key marking a column written as JSON text: a passed-through field whose
values have no common Arrow type (``1`` in one record, ``"x"`` in another), within a shard or
across shards. Each value is its JSON (``"x"`` -> ``'"x"'``), null stays null."""


def _json_text(values: Iterable[Any]) -> Any:
    import pyarrow as pa

    return pa.array([None if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in values],
                    pa.string())


def _json_field(name: str) -> Any:
    import pyarrow as pa

    return pa.field(name, pa.string(), metadata={JSON_TEXT: b"1"})


def _from_pylist(records: list[dict[str, Any]]) -> Any:
    """``pa.Table.from_pylist(records)``; a column whose values have no common type is written
    as JSON text (``JSON_TEXT``) instead of failing the shard."""
    import pyarrow as pa

    try:
        return pa.Table.from_pylist(records)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    names = list(dict.fromkeys(k for r in records for k in r))
    arrays, fields = [], []
    for name in names:
        values = [r.get(name) for r in records]
        try:
            array = pa.array(values)
            fields.append(pa.field(name, array.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            array = _json_text(values)
            fields.append(_json_field(name))
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _to_table(records: Sequence[dict[str, Any]]) -> Any:
    import pyarrow as pa

    # the top-level strings of the contract keep their type even in a shard where all are null
    known = {"id": pa.string(), "url": pa.string(), "title": pa.string(), "language": pa.string(),
             "format": pa.string(), "text": pa.string(), "source": pa.string(), "error": pa.string()}
    if not records:
        return pa.table({"id": pa.array([], pa.string())})
    table = _from_pylist(list(records))
    for i, fld in enumerate(table.schema):
        if fld.name in known and pa.types.is_null(fld.type):
            table = table.set_column(i, fld.name, table.column(i).cast(known[fld.name]))
    return table


def _concat_parquet(paths: Sequence[str], output: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    nonempty = [p for p in paths if pq.ParquetFile(p).metadata.num_rows > 0]
    schemas = [pq.read_schema(p) for p in (nonempty or paths[:1])]
    if not schemas:
        schema = _to_table([]).schema
    else:
        schema = _unify(schemas)
    with atomic_path(output) as tmp, pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for p in nonempty:
            writer.write_table(_conform(pq.read_table(p), schema))


def _unify(schemas: Sequence[Any]) -> Any:
    """The shards' schemas unified (types promoted permissively: int and float -> float); a
    field whose types cannot be unified (int in one shard, string in another), or that is JSON
    text in any shard, becomes a JSON text column (``JSON_TEXT``)."""
    import pyarrow as pa

    names = list(dict.fromkeys(f.name for s in schemas for f in s))
    fields = []
    for name in names:
        found = [s.field(name) for s in schemas if s.get_field_index(name) >= 0]
        if any(_is_json_text(f) for f in found):
            fields.append(_json_field(name))
            continue
        try:
            fields.append(pa.unify_schemas([pa.schema([f]) for f in found], promote_options="permissive").field(0))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            fields.append(_json_field(name))
    return pa.schema(fields)


def _is_json_text(fld: Any) -> bool:
    return bool(fld.metadata) and fld.metadata.get(JSON_TEXT) == b"1"


def _conform(table: Any, schema: Any) -> Any:
    import pyarrow as pa

    columns = []
    for fld in schema:
        if fld.name in table.column_names:
            column = table.column(fld.name)
            if _is_json_text(fld) and not _is_json_text(table.schema.field(fld.name)):
                column = _json_text(column.to_pylist())  # this shard's typed values, as JSON text
            columns.append(column.cast(fld.type))
        else:
            columns.append(pa.nulls(table.num_rows, fld.type))
    return pa.Table.from_arrays(columns, schema=schema)


def concat_shards(paths: Sequence[str], output: str, fmt: str) -> None:
    """Join shard files (all in ``fmt``, in the given order) into ``output``, atomically."""
    if fmt == "parquet":
        _concat_parquet(paths, output)
        return

    with atomic_open(output) as out:
        for p in paths:
            with open(p, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)


def read_records(path: str, fmt: str | None = None) -> list[dict[str, Any]]:
    """All records of an output or shard file (for tests and small files)."""
    fmt = fmt or output_format_of(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    with open(path, "rb") as fh:
        data = fh.read()
    if fmt == "jsonl.gz":
        data = gzip.decompress(data)
    elif fmt == "jsonl.zst":
        import zstandard

        with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True) as reader:
            data = reader.read()
    return [json.loads(line) for line in data.splitlines() if line.strip()]


@dataclass(frozen=True)
class OutputPaths:
    """Where a run writes: OUTPUT, its errors, rejects and stats beside it, and its shards."""

    output: str
    errors: str
    rejects: str
    stats: str
    work: str


def output_paths(output: str, options: Any = None) -> OutputPaths:
    output = os.fspath(output)
    rejects = getattr(options, "rejects", None) or f"{output}.rejects.jsonl"
    return OutputPaths(
        output=output,
        errors=f"{output}.errors.jsonl",
        rejects=os.fspath(rejects),
        stats=f"{output}.stats.json",
        work=f"{output}.shards",
    )
