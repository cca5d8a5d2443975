"""Inputs of a batch run -> ``Source`` files -> ``Shard`` recipes, the unit of work, progress and resume.

A shard is a recipe a task reads by itself: a run of whole HTML/text files, a byte range of a plain
JSONL file (cut at line starts, with the number of lines before it, so ids stay ``path:line``), or a
run of Parquet row groups. A source that cannot be split without reading it (a gzip/zstd JSONL
stream, a WARC file) is read ahead by the planner into the shard (``Piece.entries``), one shard of
about ``shard_size`` documents at a time. The plan depends only on the inputs and ``shard_size``,
never on the executor or the number of workers, so neither does the output.

Inputs are paths, directories (recursive, sorted, hidden files skipped, symlinked directories not
followed), globs (``**`` does not follow symlinked directories either, so a loop cannot repeat or
hang the walk) or, for Dask runs, fsspec URLs. A file name that is not valid UTF-8, and a FIFO, socket
or device (named or in a folder), each become one error record (its name with U+FFFD), not an abort
or a hang. A file found through two inputs is read once, under the first name.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from detector.corpus.readers import (
    DIRECTORY_FORMATS,
    Entry,
    ReadError,
    format_of,
    read_range,
    read_row_groups,
    read_source,
)
from detector.document import FieldNames, RawDoc, scrub_text
from detector.errors import InputError

__all__ = ["Piece", "Shard", "Source", "expand_sources", "plan_shards", "read_shard"]

INPUT_FORMATS: tuple[str, ...] = ("html", "text", "jsonl", "parquet", "warc")
_SCAN = 1 << 20


@dataclass(frozen=True)
class Source:
    """One input file: ``path`` names it in ids and error records (as the user wrote it);
    ``location`` is where a task opens it (an absolute path or an fsspec URL). ``problem`` is set
    when the file cannot even be named (a file name that is not valid UTF-8)."""

    path: str
    format: str
    location: str
    problem: str | None = None

    @property
    def remote(self) -> bool:
        return "://" in self.location

    @property
    def compressed(self) -> bool:
        return self.location.lower().endswith((".gz", ".zst"))

    def read(self, *, fields: FieldNames = FieldNames(), limit: int, keep: Any = None,
             site: str | None = None) -> Iterator[Entry]:
        """Every entry of the whole file."""
        if self.problem:
            yield ReadError(self.path, self.path, self.problem), None
            return
        yield from read_source(self.path, self.location, self.format, fields=fields, limit=limit, keep=keep,
                               site=site)


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _source(path: str, fmt: str) -> Source:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # os.fsdecode gave surrogate escapes
        name = scrub_text(path)
        return Source(name, fmt, os.path.abspath(path), "unreadable: the file name is not valid UTF-8; rename it")
    return Source(path, fmt, os.path.abspath(path))


def _walk(directory: str, input_format: str | None) -> Iterator[Source]:
    """The input files under ``directory``, in sorted order. A folder that cannot be listed and
    an input-named entry that is not a regular file (a FIFO, socket or device, which would block
    or never end) each become one ``Source`` with a ``problem``: an error record, never a
    silent loss."""
    unlisted: list[OSError] = []
    # followlinks=False: a symlink loop is not walked; onerror: a folder os.walk cannot list
    for root, dirs, files in os.walk(directory, onerror=unlisted.append):
        yield from _unlisted(unlisted, input_format)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = os.path.join(root, name)
            fmt = input_format or format_of(path)
            if fmt is None or (input_format is None and fmt not in DIRECTORY_FORMATS):
                continue
            yield _named_source(path, fmt)
    yield from _unlisted(unlisted, input_format)


def _named_source(path: str, fmt: str) -> Source:
    """The ``Source`` of a file found in a folder or named outright: one with a ``problem`` when
    it is not a regular file (a FIFO, socket or device: opening or reading it would block or
    never end); it is never opened."""
    kind = _special_file(path)
    if kind is None:
        return _source(path, fmt)
    return Source(scrub_text(path), fmt, os.path.abspath(path), f"unreadable: not a regular file ({kind}); skipped")


def _unlisted(errors: list[OSError], input_format: str | None) -> Iterator[Source]:
    """One problem ``Source`` per folder ``os.walk`` could not list (``errors`` is emptied)."""
    for err in errors:
        path = os.fsdecode(err.filename) if err.filename is not None else "?"
        yield Source(scrub_text(path), input_format or "html", os.path.abspath(path),
                     f"unreadable: the folder cannot be listed ({err.strerror or err}); its files were not read")
    errors.clear()


def _special_file(path: str) -> str | None:
    """What ``path`` is when it exists and is not a regular file (after symlinks): "a FIFO",
    "a socket", "a device"; None otherwise (a missing target is the reader's error to report)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file"


def _glob(pattern: str) -> list[str]:
    """``glob.glob(pattern, recursive=True)`` without following symlinked directories: the
    literal head of the pattern is walked with ``os.walk`` and the rest matched per component."""
    parts = pattern.split(os.sep)
    head: list[str] = []
    for part in parts:
        if _is_glob(part):
            break
        head.append(part)
    root = os.sep.join(head) or ("." if not pattern.startswith(os.sep) else os.sep)
    rest = parts[len(head):]
    regex = re.compile(_translate(rest))
    found: list[str] = []
    if not os.path.isdir(root):
        return found
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel_dir = os.path.relpath(current, root)
        for name in dirs + files:
            if name.startswith("."):
                continue
            rel = name if rel_dir == "." else os.path.join(rel_dir, name)
            if regex.fullmatch(rel.replace(os.sep, "/")):
                found.append(os.path.join(root, rel) if head else rel)
    return sorted(found)


def _translate(parts: list[str]) -> str:
    """A regex for path components where ``**`` matches any number of directories."""
    out: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append("(?:[^/]+/)*" if not last else ".*")
            continue
        out.append(fnmatch.translate(part)[4:-3].replace(".*", "[^/]*") + ("" if last else "/"))
    return "".join(out)


def unique_inputs(inputs: Sequence[str]) -> tuple[list[str], int]:
    """``inputs`` without the ones that name an earlier input again (the same resolved path:
    ``a.html ./a.html``, ``seeds/ seeds``; a glob or URL by its text), first-seen order kept, and
    how many were dropped. Nothing is opened."""
    seen: set[str] = set()
    kept: list[str] = []
    for item in inputs:
        item = os.fspath(item)
        key = os.path.realpath(item) if os.path.exists(item) else item
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept, len(inputs) - len(kept)


def _unique(sources: list[Source]) -> list[Source]:
    """``sources`` without a file already found through an earlier input (the same resolved
    path, a remote file by its URL): each file is read once, under the first name it was given."""
    seen: set[str] = set()
    kept: list[Source] = []
    for s in sources:
        key = s.location if s.remote else os.path.realpath(s.location)
        if key not in seen:
            seen.add(key)
            kept.append(s)
    return kept


def expand_sources(inputs: Sequence[str], input_format: str | None = None) -> list[Source]:
    """The files of ``inputs`` in a deterministic order, each file once (a file named again, or
    found again through another folder or glob, is read under its first name: ``unique_inputs``
    counts the inputs named twice). A named input that is not a regular file (a FIFO, socket or
    device) is a ``Source`` with a ``problem`` (an error record), never opened. Raises
    ``InputError`` for an input that does not exist, a glob that matches nothing, or a file whose
    format cannot be told."""
    if input_format is not None and input_format not in INPUT_FORMATS:
        raise InputError(None, f"unknown input format {input_format!r}; use one of {', '.join(INPUT_FORMATS)}")
    sources: list[Source] = []
    for item in inputs:
        item = os.fspath(item)
        if "://" in item and not os.path.exists(item):
            sources.extend(_expand_url(item, input_format))
            continue
        if os.path.exists(item):
            paths = [item]
        elif _is_glob(item):
            paths = _glob(item)
            if not paths:
                raise InputError(item, "the pattern matches no file")
        else:
            raise InputError(item, "no such file or directory")
        for path in paths:
            if os.path.isdir(path):
                sources.extend(_walk(path, input_format))
                continue
            fmt = input_format or format_of(path)
            if fmt is None:
                raise InputError(path, "cannot tell the format from the extension; use --input-format")
            sources.append(_named_source(path, fmt))
    return _unique(sources)


def _expand_url(item: str, input_format: str | None) -> list[Source]:
    import fsspec
    from fsspec.implementations.local import LocalFileSystem

    try:
        fs, path = fsspec.core.url_to_fs(item)
    except (ImportError, ValueError) as exc:  # no filesystem package for this protocol
        raise InputError(item, f"cannot open this URL: {exc}") from exc
    single = False
    if _is_glob(path):
        paths = sorted(fs.glob(path))
        if not paths:
            raise InputError(item, "the pattern matches no file")
    elif fs.isdir(path):
        paths = [path]
    elif fs.exists(path):
        paths, single = [path], True
    else:
        raise InputError(item, "no such file or directory")

    def source(p: str, name: str, fmt: str) -> Source:
        # a file:// URL is read in place; other filesystems through fsspec
        return Source(name, fmt, p if isinstance(fs, LocalFileSystem) else fs.unstrip_protocol(p))

    found: list[Source] = []
    for p in paths:
        if fs.isdir(p):
            for f in sorted(fs.find(p)):
                if any(part.startswith(".") for part in f[len(p):].split("/") if part):
                    continue
                fmt = input_format or format_of(f)
                if fmt is None or (input_format is None and fmt not in DIRECTORY_FORMATS):
                    continue
                found.append(source(f, fs.unstrip_protocol(f), fmt))
            continue
        fmt = input_format or format_of(p)
        if fmt is None:
            raise InputError(item, "cannot tell the format from the extension; use --input-format")
        found.append(source(p, item if single else fs.unstrip_protocol(p), fmt))
    return found


# --- shards ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """Part of a shard from one source: the whole file (``start``/``row_groups`` unset), a byte range
    ``[start, end)`` of a plain JSONL file after ``first`` lines, row groups of a Parquet file after
    ``first`` rows, or ``entries`` the planner already read (sources that cannot be split)."""

    source: Source
    start: int | None = None
    end: int | None = None
    first: int = 0
    row_groups: tuple[int, ...] | None = None
    entries: tuple[Entry, ...] | None = None


@dataclass(frozen=True)
class Shard:
    index: int
    pieces: tuple[Piece, ...]
    documents: int
    """Planned documents (records, lines or files); a blank JSONL line counts but yields none."""

    def describe(self) -> str:
        names = ", ".join(dict.fromkeys(p.source.path for p in self.pieces))
        return f"shard {self.index} ({names})"


@dataclass(frozen=True)
class ReadSpec:
    """How records are read: field names, which other fields pass through, the per-record byte
    limit, and where a document's site comes from."""

    fields: FieldNames = FieldNames()
    keep: Any = True
    limit: int = 16 * 2**20
    site_from: str | None = None

    def site_of_path(self, path: str) -> str | None:
        """The site of a file's documents by ``site_from`` (``dir`` or ``path:REGEX``)."""
        if self.site_from == "dir":
            return os.path.basename(os.path.dirname(os.path.abspath(path))) or None
        if self.site_from and self.site_from.startswith("path:"):
            m = re.search(self.site_from[5:], path)
            if m:
                return m.group(1) if m.groups() else m.group(0)
        return None


def _line_cuts(location: str, every: int) -> Iterator[tuple[int, int, int, int]]:
    """``(start, end, first_line, lines)``: byte ranges of ``every`` lines of a plain file (a scan
    for newlines in 1 MiB reads; nothing is held)."""
    from detector.corpus.readers import _open

    with _open(location) as fh:
        start = offset = 0
        lines = first = 0
        while chunk := fh.read(_SCAN):
            i = 0
            while True:
                j = chunk.find(b"\n", i)
                if j < 0:
                    break
                lines += 1
                i = j + 1
                if lines - first == every:
                    yield start, offset + i, first, every
                    start, first = offset + i, lines
            offset += len(chunk)
        if offset > start:
            yield start, offset, first, lines - first + 1


def _row_group_rows(location: str) -> list[int] | None:
    import pyarrow.parquet as pq

    from detector.corpus.readers import _open

    try:
        with _open(location) as fh:
            meta = pq.ParquetFile(fh).metadata
            return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    except (OSError, ValueError):
        return None


def _unsplittable(location: str) -> bool:
    """Whether a file not named ``.gz`` / ``.zst`` still cannot be cut into byte ranges of lines:
    it starts with gzip or zstd magic bytes (``read_source`` decompresses it) or a UTF-16/UTF-32
    byte-order mark (``read_source`` makes it one error record; ranges would be line noise)."""
    from detector.corpus.readers import _open
    from detector.filtering import bom_problem

    try:
        with _open(location) as fh:
            head = fh.read(4)
    except OSError:  # the task reports it
        return False
    return head[:2] == b"\x1f\x8b" or head == b"\x28\xb5\x2f\xfd" or bom_problem(head) is not None


def _pieces(source: Source, spec: ReadSpec, shard_size: int) -> Iterator[tuple[Piece, int]]:
    """``(piece, documents)`` of one source, in order, each at most about ``shard_size``."""
    if source.problem or source.format in ("html", "text"):
        yield Piece(source), 1
        return
    if source.format == "parquet":
        rows = _row_group_rows(source.location)
        if not rows:  # unreadable: the task reports it
            yield Piece(source), 1
            return
        first = 0
        group: list[int] = []
        count = 0
        for i, n in enumerate(rows):
            group.append(i)
            count += n
            if count >= shard_size:
                yield Piece(source, row_groups=tuple(group), first=first), count
                first += count
                group, count = [], 0
        if group:
            yield Piece(source, row_groups=tuple(group), first=first), count
        return
    if source.format == "jsonl" and not source.compressed and not _unsplittable(source.location):
        try:
            for start, end, first, lines in _line_cuts(source.location, shard_size):
                yield Piece(source, start=start, end=end, first=first), lines
        except OSError:
            yield Piece(source), 1
        return
    # a stream that cannot be split without reading it: read ahead, one shard's worth at a time
    batch: list[Entry] = []
    for entry in source.read(fields=spec.fields, limit=spec.limit, keep=spec.keep):
        batch.append(entry)
        if len(batch) == shard_size:
            yield Piece(source, entries=tuple(batch)), len(batch)
            batch = []
    if batch:
        yield Piece(source, entries=tuple(batch)), len(batch)


def plan_shards(sources: Sequence[Source], spec: ReadSpec, shard_size: int) -> Iterator[Shard]:
    """The shards of ``sources`` in input order, streamed (read-ahead shards are built one at a
    time). A shard holds pieces of consecutive sources up to ``shard_size`` documents."""
    pieces: list[Piece] = []
    count = 0
    index = 0
    for source in sources:
        for piece, n in _pieces(source, spec, shard_size):
            if pieces and count + n > shard_size:
                yield Shard(index, tuple(pieces), count)
                index, pieces, count = index + 1, [], 0
            pieces.append(piece)
            count += n
    if pieces:
        yield Shard(index, tuple(pieces), count)


def read_shard(shard: Shard, spec: ReadSpec) -> Iterator[tuple[str, RawDoc | ReadError, dict[str, Any] | None]]:
    """Every document of a shard as ``(source path, RawDoc | ReadError, other fields)``. Never
    raises for bad content (a file that cannot be read is a ``ReadError``)."""
    for piece in shard.pieces:
        s = piece.source
        site = spec.site_of_path(s.path)
        if piece.entries is not None:
            entries: Any = piece.entries
        elif piece.start is not None:
            entries = read_range(s.path, s.location, start=piece.start, end=piece.end or 0, first_line=piece.first,
                                 fields=spec.fields, limit=spec.limit, keep=spec.keep)
        elif piece.row_groups is not None:
            entries = read_row_groups(s.path, s.location, row_groups=piece.row_groups, first_row=piece.first,
                                      fields=spec.fields, limit=spec.limit, keep=spec.keep)
        else:
            entries = s.read(fields=spec.fields, limit=spec.limit, keep=spec.keep, site=site)
        for item, extra in entries:
            if site and isinstance(item, RawDoc) and not item.site:
                from dataclasses import replace

                item = replace(item, site=site)
            yield s.path, item, extra
