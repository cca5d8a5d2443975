"""Inputs of a batch run -> a stream of ``RawDoc`` (or ``ReadError`` for a record that could not be read).

Inputs are paths, directories (recursive) or globs. The format comes from the extension or is forced:

- ``.html`` / ``.htm`` / ``.xhtml`` (html) and ``.txt`` (text): one document per file, id = the path;
- ``.jsonl`` / ``.ndjson`` (optionally ``.gz`` / ``.zst``): one document per line, id = the id field, else ``path:line``;
- ``.parquet``: one document per row, id = the id field, else ``path:row``;
- ``.warc`` / ``.warc.gz``: one document per HTTP response record, id = ``path:N`` (N-th response record),
  charset from the HTTP ``Content-Type`` header.

A directory yields its ``.html``/``.htm``/``.xhtml``/``.txt`` files (or, with a forced format, all its files),
hidden files excluded, in sorted order. Everything is streamed: one record at a time is in memory.
Nothing vanishes silently: a record that cannot be read (truncated gzip or WARC record, invalid JSON,
row without content, skipped non-HTML WARC response) comes out as a ``ReadError``.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import io
import json
import math
import os
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from detector.corpus.options import INPUT_FORMATS, FieldNames
from detector.document import RawDoc
from detector.errors import InputError

__all__ = [
    "InputFile",
    "ReadError",
    "expand_inputs",
    "iter_documents",
    "read_file",
    "row_to_raw_doc",
]

_EXTENSIONS: tuple[tuple[str, str], ...] = (
    (".html", "html"),
    (".htm", "html"),
    (".xhtml", "html"),
    (".txt", "text"),
    (".jsonl", "jsonl"),
    (".jsonl.gz", "jsonl"),
    (".jsonl.zst", "jsonl"),
    (".ndjson", "jsonl"),
    (".ndjson.gz", "jsonl"),
    (".ndjson.zst", "jsonl"),
    (".parquet", "parquet"),
    (".pq", "parquet"),
    (".warc", "warc"),
    (".warc.gz", "warc"),
)
_DIRECTORY_FORMATS = frozenset({"html", "text"})
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml", "text/xml"})
_PARQUET_BATCH = 256
_CHUNK = 1 << 16


@dataclass(frozen=True)
class ReadError:
    """A record that could not even be read (it still ends up in the errors file)."""

    id: str
    source: str
    error: str


@dataclass(frozen=True)
class InputFile:
    path: str
    format: str


def format_of(path: str) -> str | None:
    name = path.lower()
    # longest suffix first, so that ".jsonl.gz" is not mistaken for something ending in ".gz"
    for ext, fmt in sorted(_EXTENSIONS, key=lambda e: -len(e[0])):
        if name.endswith(ext):
            return fmt
    return None


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _walk(directory: str, input_format: str | None) -> Iterator[InputFile]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = os.path.join(root, name)
            fmt = input_format or format_of(path)
            if fmt is None or (input_format is None and fmt not in _DIRECTORY_FORMATS):
                continue
            yield InputFile(path, fmt)


def expand_inputs(inputs: Sequence[str], input_format: str | None = None) -> list[InputFile]:
    """The files to read, in a deterministic order. Raises ``InputError`` for an input that does
    not exist, a glob that matches nothing, or a file whose format cannot be told."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]  # type: ignore[list-item]
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise InputError(None, f"unknown input format {input_format!r}; use one of {', '.join(INPUT_FORMATS)}")
    files: list[InputFile] = []
    for item in inputs:
        item = os.fspath(item)
        if os.path.exists(item):
            paths = [item]
        elif _is_glob(item):
            paths = sorted(glob.glob(item, recursive=True))
            if not paths:
                raise InputError(item, "the pattern matches no file")
        else:
            raise InputError(item, "no such file or directory")
        for path in paths:
            if os.path.isdir(path):
                files.extend(_walk(path, input_format))
                continue
            fmt = input_format or format_of(path)
            if fmt is None:
                raise InputError(path, "cannot tell the format from the extension; use --input-format")
            files.append(InputFile(path, fmt))
    return files


def iter_documents(
    inputs: Sequence[str],
    *,
    input_format: str | None = None,
    fields: FieldNames = FieldNames(),
    max_bytes: int | None = None,
) -> Iterator[RawDoc | ReadError]:
    """Every document of ``inputs`` in a deterministic order (see the module doc)."""
    for f in expand_inputs(inputs, input_format):
        yield from read_file(f, fields, max_bytes=max_bytes)


def read_file(f: InputFile, fields: FieldNames = FieldNames(), *, max_bytes: int | None = None) -> Iterator[RawDoc | ReadError]:
    """The documents of one input file. Never raises for bad content."""
    try:
        if f.format in ("html", "text"):
            yield _read_single(f, max_bytes)
        elif f.format == "jsonl":
            yield from _read_jsonl(f.path, fields)
        elif f.format == "parquet":
            yield from _read_parquet(f.path, fields)
        elif f.format == "warc":
            yield from _read_warc(f.path)
        else:  # pragma: no cover - expand_inputs refuses unknown formats
            yield ReadError(f.path, f.path, f"unreadable: unknown input format {f.format!r}")
    except OSError as exc:  # unreadable file (permissions, vanished, I/O error)
        yield ReadError(f.path, f.path, f"unreadable: {exc}")


# --- rows (JSONL, Parquet; also used by the Dask engine) -------------------------------------


def _value(row: Mapping[str, Any], name: str | None) -> Any:
    if not name:
        return None
    value = row.get(name)
    if isinstance(value, float) and math.isnan(value):  # a missing value in a pandas frame
        return None
    return value


def row_to_raw_doc(row: Mapping[str, Any], fields: FieldNames, default_id: str) -> RawDoc:
    """One JSONL / Parquet row -> RawDoc. Raises ``InputError`` (naming the row) when the row
    has no usable content."""
    raw_id = _value(row, fields.id)
    doc_id = default_id if raw_id is None or raw_id == "" else str(raw_id)
    url = _value(row, fields.url)
    site = _value(row, fields.site)
    for name, fmt in ((fields.html, "html"), (fields.text, "text")):
        content = _value(row, name)
        if content is None:
            continue
        if isinstance(content, (bytearray, memoryview)):
            content = bytes(content)
        if not isinstance(content, (str, bytes)):
            raise InputError(doc_id, f"field {name!r} holds a {type(content).__name__}, not text")
        return RawDoc(
            id=doc_id,
            content=content,
            url=str(url) if url else None,
            format=fmt,  # type: ignore[arg-type]
            site=str(site) if site else None,
        )
    raise InputError(doc_id, f"record has no {fields.html!r} or {fields.text!r} field")


# --- compressed streams that report truncation instead of losing what came before -------------


class _TolerantReader(io.RawIOBase):
    """Reads a decompressing stream; a truncated or corrupt stream ends the data (instead of
    raising, which would lose the records already decompressed) and sets ``truncated``."""

    def __init__(self, inner: BinaryIO, raw: BinaryIO) -> None:
        self._inner = inner
        self._raw = raw
        self.truncated: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.truncated:
            return 0
        try:
            data = self._inner.read1(len(buffer))  # read() would drop what it had read before the error
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            self.truncated = f"truncated: gzip stream cut off or corrupt ({exc})"
            return 0
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        self._inner.close()
        self._raw.close()
        super().close()


class _ZstdReader(io.RawIOBase):
    """Multi-frame zstd decompression that notices a truncated last frame."""

    def __init__(self, raw: BinaryIO) -> None:
        import zstandard

        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor()
        self._obj = self._dctx.decompressobj()
        self._in_frame = False
        self._pending = b""
        self.truncated: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        import zstandard

        while not self._pending:
            chunk = self._raw.read(_CHUNK)
            if not chunk:
                if self._in_frame:
                    self.truncated = "truncated: zstd stream ends inside a frame"
                return 0
            try:
                while chunk:
                    self._in_frame = True
                    self._pending += self._obj.decompress(chunk)
                    chunk = b""
                    if self._obj.eof:
                        self._in_frame = False
                        chunk = self._obj.unused_data
                        self._obj = self._dctx.decompressobj()
            except zstandard.ZstdError as exc:
                self.truncated = f"truncated: corrupt zstd stream ({exc})"
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _open_stream(path: str) -> tuple[io.BufferedReader, Any]:
    """A buffered binary stream of the decompressed content and the object that knows
    whether it was truncated (``None`` for plain files)."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller through the returned reader
    magic = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
    if magic[:2] == b"\x1f\x8b":
        inner: Any = _TolerantReader(gzip.GzipFile(fileobj=raw, mode="rb"), raw)  # type: ignore[arg-type]
    elif magic == b"\x28\xb5\x2f\xfd":
        inner = _ZstdReader(raw)
    else:
        return raw, None  # type: ignore[return-value]
    return io.BufferedReader(inner, buffer_size=_CHUNK), inner


# --- formats ---------------------------------------------------------------------------------


def _read_single(f: InputFile, max_bytes: int | None) -> RawDoc | ReadError:
    if max_bytes is not None:
        size = os.path.getsize(f.path)
        if size > max_bytes:
            return ReadError(f.path, f.path, f"too-large: {size / 2**20:.1f} MiB, over the {max_bytes / 2**20:.0f} MiB limit")
    with open(f.path, "rb") as fh:
        content = fh.read()
    return RawDoc(id=f.path, content=content, format=f.format)  # type: ignore[arg-type]


def _read_jsonl(path: str, fields: FieldNames) -> Iterator[RawDoc | ReadError]:
    stream, inner = _open_stream(path)
    lineno = 0
    with stream:
        for lineno, line in enumerate(stream, 1):
            default_id = f"{path}:{lineno}"
            if inner is not None and inner.truncated and not line.endswith(b"\n"):
                yield ReadError(default_id, path, inner.truncated)
                return
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
                yield ReadError(default_id, path, f"invalid-json: {exc}")
                continue
            if not isinstance(row, dict):
                yield ReadError(default_id, path, f"invalid-json: a line must be an object, not {type(row).__name__}")
                continue
            try:
                yield row_to_raw_doc(row, fields, default_id)
            except InputError as exc:
                yield ReadError(exc.source, path, f"no-content: {exc.reason}")
        if inner is not None and inner.truncated:
            yield ReadError(f"{path}:{lineno + 1}", path, inner.truncated)


def _read_parquet(path: str, fields: FieldNames) -> Iterator[RawDoc | ReadError]:
    import pyarrow.parquet as pq

    row_no = 0
    try:
        pf = pq.ParquetFile(path)
        present = set(pf.schema_arrow.names)
        wanted = [c for c in (fields.id, fields.url, fields.html, fields.text, fields.site) if c and c in present]
        batches = pf.iter_batches(batch_size=_PARQUET_BATCH, columns=list(dict.fromkeys(wanted)))
        for batch in batches:
            for row in batch.to_pylist():
                row_no += 1
                default_id = f"{path}:{row_no}"
                try:
                    yield row_to_raw_doc(row, fields, default_id)
                except InputError as exc:
                    yield ReadError(exc.source, path, f"no-content: {exc.reason}")
    except (OSError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
        yield ReadError(f"{path}:{row_no + 1}", path, f"unreadable: Parquet: {exc}")


def _charset(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _gzip_problem(path: str) -> str | None:
    """Why the gzip file at ``path`` is not intact (``None`` if it is). fastwarc skips a record
    cut off inside its headers without a word, so a .warc.gz is checked on its own; inflating
    again costs far less than extracting the documents."""
    d = zlib.decompressobj(wbits=31)
    in_member = False
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                while chunk:
                    in_member = True
                    d.decompress(chunk)
                    chunk = b""
                    if d.eof:
                        in_member = False
                        chunk = d.unused_data
                        d = zlib.decompressobj(wbits=31)
            except zlib.error as exc:
                return f"truncated: corrupt gzip stream ({exc})"
    return "truncated: the gzip stream ends inside a record" if in_member else None


def _read_warc(path: str) -> Iterator[RawDoc | ReadError]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    n = 0
    last_truncated = False
    with open(path, "rb") as stream:
        gzipped = stream.peek(2)[:2] == b"\x1f\x8b"
        try:
            for record in ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=True):
                n += 1
                doc_id = f"{path}:{n}"
                url = record.headers.get("WARC-Target-URI")
                body = record.reader.read()
                last_truncated = len(body) < record.content_length or not url
                if last_truncated:
                    why = f"{len(body)} of {record.content_length} bytes" if url else "no WARC-Target-URI"
                    yield ReadError(doc_id, path, f"truncated: WARC record ({why})")
                    continue
                http = record.http_headers
                status = http.status_code if http is not None else None
                if status is not None and not 200 <= status < 300:
                    yield ReadError(doc_id, path, f"skipped: HTTP status {status} ({url})")
                    continue
                ctype = (record.http_content_type or "").lower() or None
                if ctype is None or ctype in _HTML_TYPES:
                    fmt = "html" if ctype else None
                elif ctype == "text/plain":
                    fmt = "text"
                else:
                    yield ReadError(doc_id, path, f"skipped: content type {ctype} is not HTML or text ({url})")
                    continue
                yield RawDoc(
                    id=doc_id,
                    content=body,
                    url=url,
                    format=fmt,  # type: ignore[arg-type]
                    encoding=_charset(record.http_charset),
                    content_type=ctype,
                )
        except (GeneratorExit, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - fastwarc raises OSError, or a Rust panic (BaseException)
            yield ReadError(f"{path}:{n + 1}", path, f"unreadable: WARC: {exc}")
            return
    problem = _gzip_problem(path) if gzipped else None
    if problem and not last_truncated:
        yield ReadError(f"{path}:{n + 1}", path, problem)
