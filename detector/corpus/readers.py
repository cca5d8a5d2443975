"""Reading input files -> ``Entry`` (a ``RawDoc`` or a ``ReadError``, with the record's other fields).

Formats, by extension or forced (``--input-format``):

- ``.html`` / ``.htm`` / ``.xhtml`` (html) and ``.txt`` (text), also gzipped (``.html.gz``, ``.htm.gz``,
  ``.txt.gz``): one document per file, id = the path;
- ``.jsonl`` / ``.ndjson`` (optionally ``.gz`` / ``.zst``): one document per line, id = the id field,
  else ``path:line``; its ``line`` (the ``RawDoc``'s or the ``ReadError``'s) is the line number;
- ``.parquet``: one document per row, id = the id field, else ``path:row``;
- ``.warc`` / ``.warc.gz``: one document per HTTP response record, id = ``path:N`` (N-th response
  record), charset from the HTTP ``Content-Type`` header, chunked and gzip/deflate/brotli payloads
  decoded by fastwarc (``auto_decode="all"``).

Every read is bounded in bytes before it is held (``limit`` = ``Config.max_input_bytes`` per
document; a JSONL line may be ``LINE_FACTOR`` times that, for JSON escapes): a longer line, record,
row or decompressed file is a ``too-large`` error record and the reader goes on. A record that cannot
be read (truncated gzip/zstd/WARC, invalid JSON, row without content, skipped non-HTML WARC response)
is a ``ReadError``: nothing vanishes silently. A file named ``.gz`` / ``.zst`` that is not gzip / zstd,
and a JSONL file in UTF-16 or UTF-32 (a byte-order mark), are one ``ReadError`` for the whole file.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, BinaryIO

from detector.document import FieldNames, RawDoc
from detector.errors import FieldError, InputError
from detector.filtering import bom_problem
from detector.jsonl import json_problem, loads as json_loads, not_an_object

__all__ = ["Entry", "ReadError", "format_of", "iter_documents", "read_range", "read_source"]

EXTENSIONS: tuple[tuple[str, str], ...] = (
    (".html", "html"), (".htm", "html"), (".xhtml", "html"), (".txt", "text"),
    (".html.gz", "html"), (".htm.gz", "html"), (".txt.gz", "text"),
    (".jsonl", "jsonl"), (".jsonl.gz", "jsonl"), (".jsonl.zst", "jsonl"),
    (".ndjson", "jsonl"), (".ndjson.gz", "jsonl"), (".ndjson.zst", "jsonl"),
    (".parquet", "parquet"), (".pq", "parquet"),
    (".warc", "warc"), (".warc.gz", "warc"),
)
DIRECTORY_FORMATS = frozenset({"html", "text"})
"""What a directory yields without ``--input-format``: page files."""
LINE_FACTOR = 4
"""A JSONL line may hold ``LINE_FACTOR * limit`` bytes (escaped HTML grows; 64 MiB by default, as ``filter``)."""
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml", "application/xml", "text/xml"})
_CHUNK = 1 << 16
_MAGIC: dict[str, tuple[bytes, str]] = {".gz": (b"\x1f\x8b", "gzip"), ".zst": (b"\x28\xb5\x2f\xfd", "zstd")}
"""What a file named ``.gz`` / ``.zst`` must start with."""


@dataclass(frozen=True)
class ReadError:
    """A record that could not even be read (it still ends up in the errors file). ``line``: its
    line in a JSONL file."""

    id: str
    source: str
    error: str
    line: int | None = None


Entry = tuple[RawDoc | ReadError, dict[str, Any] | None]
"""A document (or why it could not be read) and the other fields of its record (JSONL/Parquet)."""


def format_of(path: str) -> str | None:
    name = path.lower()
    # longest suffix first, so that ".jsonl.gz" is not mistaken for something ending in ".gz"
    for ext, fmt in sorted(EXTENSIONS, key=lambda e: -len(e[0])):
        if name.endswith(ext):
            return fmt
    return None


def _too_large(doc_id: str, path: str, what: str, limit: int) -> ReadError:
    return ReadError(doc_id, path, f"too-large: {what} over the {limit / 2**20:.0f} MiB limit")


# --- rows (JSONL, Parquet) -------------------------------------------------------------------


def _row_entry(row: dict[str, Any], fields: FieldNames, default_id: str, path: str, keep: Any,
               line: int | None = None) -> Entry:
    try:
        doc = RawDoc.from_record(row, fields, default_id=default_id, url_as_id=False)
    except InputError as exc:  # a field of the wrong type (FieldError), or no content field
        kind = "bad-field" if isinstance(exc, FieldError) else "no-content"
        return ReadError(exc.source, path, f"{kind}: {exc.reason}", line), None
    if line is not None:
        doc = replace(doc, line=line)
    if keep is None:
        return doc, None
    content = {fields.html, fields.text, fields.content}
    extra = {k: v for k, v in row.items() if k not in content and (keep is True or k in keep)}
    return doc, extra or None


# --- compressed streams, bounded and noticing truncation ------------------------------------


class _Decoded(io.RawIOBase):
    """A decompressing stream that reads at most ``len(buffer)`` bytes at a time; a truncated or
    corrupt stream ends the data (instead of raising, which would lose the records already
    decompressed) and sets ``truncated``."""

    truncated: str | None = None

    def readable(self) -> bool:
        return True

    def _read(self, n: int) -> bytes:
        raise NotImplementedError

    def readinto(self, buffer: Any) -> int:
        if self.truncated:
            return 0
        data = self._read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


class _TolerantReader(_Decoded):
    """gzip (one or more members)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def _read(self, n: int) -> bytes:
        try:
            return self._inner.read1(n)
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            self.truncated = f"truncated: gzip stream cut off or corrupt ({exc})"
            return b""


class _ZstdReader(_Decoded):
    """Multi-frame zstd through zstandard's ``stream_reader`` (bounded output per read, linear in
    the data: the old reader re-sliced a growing buffer, quadratic in the line length); a
    truncated last frame is found by walking the frames' block headers."""

    def __init__(self, raw: BinaryIO) -> None:
        import zstandard

        self._raw = raw
        self._reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=False)
        self._checked = False

    def _read(self, n: int) -> bytes:
        import zstandard

        try:
            data = self._reader.read(n)
        except zstandard.ZstdError as exc:
            self.truncated = f"truncated: corrupt zstd stream ({exc})"
            return b""
        if not data and not self._checked:
            self._checked = True
            self.truncated = _zstd_problem(self._raw)
        return data


def _zstd_problem(raw: BinaryIO) -> str | None:
    """Why the zstd stream in ``raw`` is cut off (``None`` if every frame is whole): walks frame
    and block headers (RFC 8878 sections 3.1.1) with seeks, without decompressing. Every frame,
    block and checksum must end within the file: a seek past its end does not fail, so each skip
    is checked against the file's size (a cut inside the last block went unnoticed)."""
    size = raw.seek(0, io.SEEK_END)
    raw.seek(0)
    while True:
        magic = raw.read(4)
        if not magic:
            return None
        if len(magic) < 4:
            return "truncated: zstd stream ends inside a frame header"
        number = int.from_bytes(magic, "little")
        if 0x184D2A50 <= number <= 0x184D2A5F:  # skippable frame
            skip = raw.read(4)
            if len(skip) < 4 or raw.tell() + int.from_bytes(skip, "little") > size:
                return "truncated: zstd stream ends inside a skippable frame"
            raw.seek(int.from_bytes(skip, "little"), io.SEEK_CUR)
            continue
        if number != 0xFD2FB528:
            return "truncated: corrupt zstd stream (bad frame magic)"
        fhd = raw.read(1)
        if not fhd:
            return "truncated: zstd stream ends inside a frame header"
        d = fhd[0]
        single = bool(d & 0x20)
        fcs = (1 if single else 0, 2, 4, 8)[d >> 6]
        header = (0 if single else 1) + (0, 1, 2, 4)[d & 3] + fcs
        if len(raw.read(header)) < header:
            return "truncated: zstd stream ends inside a frame header"
        last = False
        while not last:
            bh = raw.read(3)
            if len(bh) < 3:
                return "truncated: zstd stream ends inside a frame"
            h = int.from_bytes(bh, "little")
            last, kind = bool(h & 1), (h >> 1) & 3
            if kind == 3:
                return "truncated: corrupt zstd stream (reserved block type)"
            skip = 1 if kind == 1 else h >> 3  # an RLE block holds one byte
            if raw.tell() + skip > size:
                return "truncated: zstd stream ends inside a frame"
            raw.seek(skip, io.SEEK_CUR)
        if d & 0x04 and len(raw.read(4)) < 4:
            return "truncated: zstd stream ends inside a frame checksum"


def _open_stream(raw: BinaryIO, location: str = "") -> tuple[BinaryIO, Any]:
    """A buffered binary stream of the decompressed content and the object that knows whether it
    was truncated (``None`` for plain files). Raises ``InputError`` naming ``location`` when it is
    named ``.gz`` / ``.zst`` but does not start with that format's magic bytes (such a file was
    read as plain text: a screen of line noise instead of one error)."""
    magic = raw.read(4)
    raw.seek(0)
    check_magic(location, magic)
    if magic[:2] == b"\x1f\x8b":
        inner: Any = _TolerantReader(gzip.GzipFile(fileobj=raw, mode="rb"))
    elif magic == b"\x28\xb5\x2f\xfd":
        inner = _ZstdReader(raw)
    else:
        return raw, None
    return io.BufferedReader(inner, buffer_size=_CHUNK), inner


def check_magic(location: str, magic: bytes) -> None:
    """Raise ``InputError`` when ``location`` is named ``.gz`` / ``.zst`` and ``magic`` (its first
    bytes) is not that format's, or is nothing (``check_not_empty``)."""
    check_not_empty(location, magic)
    for ext, (expected, name) in _MAGIC.items():
        if location.lower().endswith(ext) and magic and not magic.startswith(expected):
            raise InputError(location, f"unreadable: not a {name} file (named {ext}, but it does not start "
                                       f"with the {name} magic bytes {expected.hex(' ')})")


def check_not_empty(location: str, head: bytes) -> None:
    """Raise ``InputError`` when ``location`` is named ``.gz`` / ``.zst`` and ``head`` (its first
    bytes) is empty: a 0-byte file is no compressed stream at all (even an empty one has a
    header), but a download or copy that was cut off or never written, and must not pass as an
    input that merely holds no document."""
    for ext, (_, name) in _MAGIC.items():
        if location.lower().endswith(ext) and not head:
            raise InputError(location, f"unreadable: empty compressed file (0 bytes, not even a {name} header: "
                                       "cut off or never written)")


def _open(location: str) -> BinaryIO:
    if "://" in location:
        import fsspec

        return fsspec.open(location, "rb").open()
    return open(location, "rb")  # noqa: SIM115 - the caller closes it


def _lines(stream: BinaryIO, max_line: int, end: int | None = None) -> Iterator[bytes | None]:
    """Lines of at most ``max_line`` bytes; ``None`` for a longer line (its rest is skipped
    without being held). With ``end``, stops at the first line starting at or after it."""
    while end is None or stream.tell() < end:
        line = stream.readline(max_line + 1)
        if not line:
            return
        if len(line) > max_line and not line.endswith(b"\n"):
            while True:
                rest = stream.readline(_CHUNK)
                if not rest or rest.endswith(b"\n"):
                    break
            yield None
            continue
        yield line


# --- formats ---------------------------------------------------------------------------------


def _read_single(path: str, location: str, fmt: str, limit: int, site: str | None) -> Entry:
    with _open(location) as raw:
        stream, inner = _open_stream(raw, location)
        content = stream.read(limit + 1)
    if inner is not None and inner.truncated:
        return ReadError(path, path, inner.truncated), None
    if len(content) > limit:
        return _too_large(path, path, "file" if inner is None else "decompressed file", limit), None
    return RawDoc(id=path, content=content, format=fmt, site=site), None  # type: ignore[arg-type]


def _read_jsonl(
    path: str, stream: BinaryIO, inner: Any, fields: FieldNames, limit: int, keep: Any,
    first_line: int = 0, end: int | None = None,
) -> Iterator[Entry]:
    lineno = first_line
    max_line = LINE_FACTOR * limit
    for lineno, line in enumerate(_lines(stream, max_line, end), first_line + 1):
        default_id = f"{path}:{lineno}"
        if line is None:
            yield replace(_too_large(default_id, path, "line", max_line), line=lineno), None
            continue
        if lineno == 1 and (problem := bom_problem(line)):  # UTF-16 split on byte 0x0a is line noise
            yield ReadError(path, path, f"unreadable: {problem}"), None
            return
        if inner is not None and inner.truncated and not line.endswith(b"\n"):
            yield ReadError(default_id, path, inner.truncated, lineno), None
            return
        if not line.strip():
            continue
        try:
            row = json_loads(line)  # strict: NaN and Infinity are invalid JSON
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError: worded as detector filter words them
            problem, column = json_problem(exc, line)
            where = "" if column is None else f"column {column}: "
            yield ReadError(default_id, path, f"invalid-json: {where}{problem}", lineno), None
            continue
        if not isinstance(row, dict):
            yield ReadError(default_id, path, f"invalid-json: {not_an_object(row)}", lineno), None
            continue
        yield _row_entry(row, fields, default_id, path, keep, lineno)
    if inner is not None and inner.truncated:
        yield ReadError(f"{path}:{lineno + 1}", path, inner.truncated, lineno + 1), None


def _read_parquet(
    path: str, location: str, fields: FieldNames, limit: int, keep: Any,
    row_groups: Sequence[int] | None = None, first_row: int = 0,
) -> Iterator[Entry]:
    import pyarrow.parquet as pq

    row_no = first_row
    try:
        with _open(location) as fh:
            pf = pq.ParquetFile(fh)
            names = pf.schema_arrow.names
            content = [c for c in (fields.html, fields.text, fields.content) if c and c in names]
            groups = list(range(pf.metadata.num_row_groups)) if row_groups is None else list(row_groups)
            for g in groups:
                meta = pf.metadata.row_group(g)
                # rows per Arrow batch: about `limit` bytes of (uncompressed) row data at a time
                per_row = meta.total_byte_size / max(meta.num_rows, 1)
                batch_size = int(max(1, min(256, limit // max(per_row, 1))))
                for batch in pf.iter_batches(batch_size=batch_size, row_groups=[g]):
                    sizes = {c: batch.column(c) for c in content}
                    for i in range(batch.num_rows):
                        row_no += 1
                        default_id = f"{path}:{row_no}"
                        big = next((c for c, col in sizes.items() if _value_size(col[i]) > limit), None)
                        if big is not None:
                            yield _too_large(default_id, path, f"field {big!r}", limit), None
                            continue
                        yield _row_entry(batch.slice(i, 1).to_pylist()[0], fields, default_id, path, keep)
    except (OSError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
        yield ReadError(f"{path}:{row_no + 1}", path, f"unreadable: Parquet: {exc}"), None


def _value_size(scalar: Any) -> int:
    try:
        buf = scalar.as_buffer() if scalar.is_valid else None
    except (AttributeError, NotImplementedError):
        return 0
    return buf.size if buf is not None else 0


def _charset(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _gzip_problem(raw: BinaryIO) -> str | None:
    """Why the gzip stream is not intact (``None`` if it is). fastwarc skips a record cut off
    inside its headers without a word, so a .warc.gz is checked on its own; inflating again costs
    far less than extracting the documents."""
    raw.seek(0)
    d = zlib.decompressobj(wbits=31)
    in_member = False
    while chunk := raw.read(_CHUNK):
        try:
            while chunk:
                # each call inflates at most _CHUNK bytes (thrown away): it either consumes input
                # or ends a member, whose leftover input (``unused_data``) starts the next one.
                # Feeding a finished member its own tail again never ends: a record of more than
                # _CHUNK bytes made the loop spin forever, its unused data growing.
                in_member = True
                d.decompress(chunk, _CHUNK)
                if d.eof:
                    in_member = False
                    chunk = d.unused_data
                    d = zlib.decompressobj(wbits=31)
                else:
                    chunk = d.unconsumed_tail
        except zlib.error as exc:
            return f"truncated: corrupt gzip stream ({exc})"
    return "truncated: the gzip stream ends inside a record" if in_member else None


def _find(raw: BinaryIO, marker: bytes, start: int) -> int | None:
    """Offset of the first ``marker`` at or after ``start`` (scanned in chunks), or ``None``."""
    raw.seek(start)
    offset, tail = start, b""
    while chunk := raw.read(_CHUNK):
        data = tail + chunk
        i = data.find(marker)
        if i >= 0:
            return offset - len(tail) + i
        tail = data[-(len(marker) - 1):]
        offset += len(chunk)
    return None


def _warc_entry(record: Any, path: str, n: int, limit: int) -> tuple[Entry, bool]:
    """(the entry of one response record, whether it was cut off)."""
    doc_id = f"{path}:{n}"
    url = record.headers.get("WARC-Target-URI")
    body = record.reader.read(limit + 1)
    if len(body) > limit:
        return (_too_large(doc_id, path, "WARC record", limit), None), False
    http = record.http_headers
    encoded = http is not None and any(http.get(h) for h in ("Transfer-Encoding", "Content-Encoding"))
    if not url or (not encoded and len(body) < record.content_length):
        why = f"{len(body)} of {record.content_length} bytes" if url else "no WARC-Target-URI"
        return (ReadError(doc_id, path, f"truncated: WARC record ({why})"), None), True
    status = http.status_code if http is not None else None
    if status is not None and not 200 <= status < 300:
        return (ReadError(doc_id, path, f"skipped: HTTP status {status} ({url})"), None), False
    ctype = (record.http_content_type or "").lower() or None
    if ctype is None or ctype in _HTML_TYPES:
        fmt = "html" if ctype else None
    elif ctype == "text/plain":
        fmt = "text"
    else:
        return (ReadError(doc_id, path, f"skipped: content type {ctype} is not HTML or text ({url})"), None), False
    doc = RawDoc(id=doc_id, content=body, url=url, format=fmt,  # type: ignore[arg-type]
                 encoding=_charset(record.http_charset), content_type=ctype)
    return (doc, None), False


def _read_warc(path: str, raw: BinaryIO, limit: int) -> Iterator[Entry]:
    """Response records through fastwarc (``auto_decode="all"``: chunked transfer coding and
    gzip/deflate/brotli content coding are undone). Resync after a bad record: when the header
    after record N cannot be parsed, the reader looks for the next record start (``WARC/1.`` or,
    in a ``.warc.gz``, the next gzip member) after N's start; if a record parses there, N's
    Content-Length lied (too short or negative) and N is an error; if not, that header is the bad
    record (one error) and the search goes on. Every other record is read."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    gzipped = raw.read(2) == b"\x1f\x8b"
    marker = b"\x1f\x8b\x08" if gzipped else b"WARC/1."
    n = 0
    pos = 0
    pending: tuple[Entry, int] | None = None  # the last record read and its offset, held until the next parses
    resync = False  # this round starts at a record start found by searching
    last_truncated = False
    while True:
        raw.seek(pos)
        parsed = False
        try:
            for record in ArchiveIterator(raw, record_types=WarcRecordType.response, parse_http=True,
                                          auto_decode="all", fsspec_args=False):
                if pending is not None:
                    entry = pending[0]
                    if resync and not parsed:  # the record before lied about its length
                        entry = (ReadError(entry[0].id, path, "truncated: WARC record (its Content-Length "
                                                             "does not match the record)"), None)
                    yield entry
                parsed = True
                n += 1
                entry, last_truncated = _warc_entry(record, path, n, limit)
                pending = (entry, pos + record.stream_pos)
            break
        except (GeneratorExit, KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - fastwarc raises OSError, or a Rust panic (BaseException)
            failure = exc
        if parsed:  # search from just after the last good record's start
            nxt = _find(raw, marker, pending[1] + 1) if pending is not None else None
        else:  # the header at `pos` itself is broken: it is the bad record
            if pending is not None:
                yield pending[0]
                pending = None
            n += 1
            yield ReadError(f"{path}:{n}", path, f"unreadable: WARC: {failure}"), None
            nxt = _find(raw, marker, pos + 1)
        if nxt is None:
            if parsed:
                if pending is not None:
                    yield pending[0]
                    pending = None
                yield ReadError(f"{path}:{n + 1}", path, f"unreadable: WARC: {failure}"), None
            return
        pos, resync = nxt, True
    if pending is not None:
        yield pending[0]
    problem = _gzip_problem(raw) if gzipped else None
    if problem and not last_truncated:
        yield ReadError(f"{path}:{n + 1}", path, problem), None


def gunzip_bounded(data: bytes, limit: int, name: str) -> bytes:
    """The gzip ``data`` decompressed, at most ``limit`` bytes (``score`` reads ``.html.gz``).
    Raises ``InputError`` naming ``name`` when it is larger or corrupt."""
    d = zlib.decompressobj(wbits=31)
    try:
        out = d.decompress(data, limit + 1)
    except zlib.error as exc:
        raise InputError(name, f"not a readable gzip file ({exc})") from None
    if len(out) > limit:
        raise InputError(name, f"decompressed input is larger than the {limit}-byte limit")
    if not d.eof:
        raise InputError(name, "truncated: the gzip stream is cut off")
    return out


# --- entry points ----------------------------------------------------------------------------


def read_source(
    path: str, location: str, fmt: str, *, fields: FieldNames = FieldNames(), limit: int,
    keep: Any = None, site: str | None = None,
) -> Iterator[Entry]:
    """Every entry of one whole input file (``path`` names it in ids, ``location`` is where it is
    opened: a local path or an fsspec URL). Never raises for bad content or an unreadable file."""
    try:
        if fmt in ("html", "text"):
            yield _read_single(path, location, fmt, limit, site)
        elif fmt == "parquet":
            yield from _read_parquet(path, location, fields, limit, keep)
        elif fmt == "jsonl":
            with _open(location) as raw:
                stream, inner = _open_stream(raw, location)
                yield from _read_jsonl(path, stream, inner, fields, limit, keep)
        elif fmt == "warc":
            with _open(location) as raw:  # warcio reads gzipped and plain records alike, whatever the name
                check_not_empty(location, raw.read(4))
                raw.seek(0)
                yield from _read_warc(path, raw, limit)
        else:  # pragma: no cover - sources refuse unknown formats
            yield ReadError(path, path, f"unreadable: unknown input format {fmt!r}"), None
    except OSError as exc:  # unreadable file (permissions, vanished, I/O error)
        yield ReadError(path, path, f"unreadable: {exc.strerror or exc}"), None
    except InputError as exc:  # named .gz / .zst but empty or not compressed so (check_magic)
        yield ReadError(path, path, exc.reason), None


def read_range(
    path: str, location: str, *, start: int, end: int, first_line: int, fields: FieldNames, limit: int,
    keep: Any = None,
) -> Iterator[Entry]:
    """The lines of a plain JSONL file that start in ``[start, end)``; ``first_line`` lines come
    before ``start``. Never raises for bad content."""
    try:
        with _open(location) as raw:
            raw.seek(start)
            yield from _read_jsonl(path, raw, None, fields, limit, keep, first_line, end)
    except OSError as exc:
        yield ReadError(f"{path}:{first_line + 1}", path, f"unreadable: {exc.strerror or exc}"), None


def read_row_groups(
    path: str, location: str, *, row_groups: Sequence[int], first_row: int, fields: FieldNames, limit: int,
    keep: Any = None,
) -> Iterator[Entry]:
    """The rows of some row groups of a Parquet file (``first_row`` rows come before them)."""
    return _read_parquet(path, location, fields, limit, keep, row_groups, first_row)


def iter_documents(
    inputs: Sequence[str] | str,
    *,
    input_format: str | None = None,
    fields: FieldNames = FieldNames(),
    max_bytes: int = 16 * 2**20,
) -> Iterator[RawDoc | ReadError]:
    """Every document of ``inputs`` in a deterministic order (files, directories, globs)."""
    from detector.corpus.sources import expand_sources

    for s in expand_sources([inputs] if isinstance(inputs, str) else list(inputs), input_format):
        for item, _ in s.read(fields=fields, limit=max_bytes):
            yield item
