"""The streaming pre-ingest filter behind ``detector filter``: JSONL documents in, the kept
ones out with ``clean_text``, ``title`` and ``quality`` added, one line at a time.

Used by the CLI; callable from Python on any pair of binary streams::

    from detector import Detector
    from detector.filtering import Fields, filter_jsonl
    stats = filter_jsonl(sys.stdin.buffer, sys.stdout.buffer, detector=Detector())
"""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from detector.atomic import AtomicFile
from detector.document import FieldNames, RawDoc
from detector.errors import InputError, check_unicode, printable
from detector.jsonl import json_problem, loads as json_loads, not_an_object
from detector.limits import time_limit
from detector.tally import Tally, error_kind

DEFAULT_MAX_LINE_BYTES = 64 * 2**20


Fields = FieldNames  # the one field-name class (detector.document); ``Fields`` kept for compatibility


FilterStats = Tally  # the one count (detector.tally); ``FilterStats`` kept for compatibility


def summary(tally: Tally, seconds: float) -> str:
    """The one-paragraph summary ``detector filter`` prints on stderr: ``output`` is what it
    kept, ``rejected`` what it dropped (with the reasons), ``malformed`` the lines that were not
    documents."""
    rate = tally.documents / seconds if seconds > 0 else 0.0
    text = (
        f"detector filter: {tally.documents} document{'' if tally.documents == 1 else 's'}: {tally.output} kept, {tally.rejected} dropped, "
        f"{tally.errors} errors, {tally.malformed} malformed lines ({seconds:.1f}s, {rate:.1f} docs/s)"
    )
    if tally.reject_reasons:
        text += "\n  drop reasons: " + ", ".join(f"{k}={v}" for k, v in sorted(tally.reject_reasons.items()))
    return text


_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


_COMPRESSED = ((b"\x1f\x8b", "gzip", "zcat"), (b"\x28\xb5\x2f\xfd", "zstd", "zstdcat"))


def bom_problem(head: bytes) -> str | None:
    """Why a JSONL stream starting with ``head`` (its first line, or at least 4 bytes) cannot be
    read as JSONL: a UTF-16 or UTF-32 byte-order mark (its lines are not split on byte 0x0a), or
    gzip or zstd data (``detector filter < docs.jsonl.gz``: a "malformed" line for every 0x0a).
    ``None`` otherwise; a UTF-8 byte-order mark is fine (``json.loads`` skips it)."""
    for bom, name in _BOMS:  # UTF-32 LE starts with the UTF-16 LE mark: it is tried first
        if head.startswith(bom):
            return f"JSONL must be UTF-8 (found a {name} byte-order mark)"
    for magic, name, tool in _COMPRESSED:
        if head.startswith(magic):
            return f"JSONL must be uncompressed text (found {name} data; decompress it first, e.g. with {tool})"
    return None


NOT_JSONL_HINT = "input must be JSON Lines: one JSON object per line"
"""Added to the message of a malformed first line that shows the stream is not JSONL at all."""


def _not_jsonl(line: bytes) -> bool:
    """Whether a malformed first line shows the stream is not JSON Lines at all: it does not start
    a JSON object (plain text, HTML, a JSON array) or is a lone ``{`` (pretty-printed JSON)."""
    head = line.removeprefix(b"\xef\xbb\xbf").strip()
    return not head.startswith(b"{") or head == b"{"


def _size(n: int) -> str:
    """``n`` bytes for a person: ``64 MiB``, ``512 KiB``, else ``1000 bytes``."""
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def _limit(n: int) -> str:
    """A byte limit for a person, with the exact count when ``_size`` rounds it to a unit:
    ``64 MiB (67108864 bytes)``, but ``1000 bytes`` once."""
    size = _size(n)
    return size if size == f"{n} bytes" else f"{size} ({n} bytes)"


class OutputClosed(Exception):
    """The consumer of stdout went away (broken pipe)."""


def _record_to_raw(record: dict[str, Any], fields_: Fields, lineno: int) -> RawDoc:
    return RawDoc.from_record(record, fields_, default_id=f"<stdin>:{lineno}")  # filter_jsonl strips it from its messages


def _read_lines(stream: IO[bytes], max_line_bytes: int):
    """Yield ``(lineno, line | None)``; ``None`` for a line over the limit (its rest is skipped)."""
    lineno = 0
    while True:
        line = stream.readline(max_line_bytes + 1)
        if not line:
            return
        lineno += 1
        if len(line) > max_line_bytes and not line.endswith(b"\n"):
            while True:  # drain the rest of the oversized line
                rest = stream.readline(2**20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield lineno, None
            continue
        yield lineno, line


def filter_jsonl(
    instream: IO[bytes],
    outstream: IO[bytes],
    *,
    detector: Any,
    rejects: IO[bytes] | None = None,
    fields: Fields = Fields(),
    min_quality: float | None = None,
    drop_raw: bool = False,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    warn: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True),
    doc_timeout: float | None = None,
    timeout_option: str | None = None,
) -> Tally:
    """Filter a JSONL byte stream; kept records are written and flushed one by one, each with
    ``clean_text``, ``title``, ``quality`` (``score``: the float as computed, not rounded, as in
    ``Result.to_dict``; ``keep``; ``flags``) and ``reasons`` added. Returns the ``Tally``: kept
    records are its ``output``, dropped ones ``rejected``, lines that are not JSON objects
    ``malformed`` (with ``rejects``, written there too: ``reasons`` ``["error"]``, the
    ``error``, the ``line`` number, for bad JSON the ``column``, and the ``raw`` line: none for a
    line over ``max_line_bytes``, which is not held). A malformed line is one ``warn`` line
    naming its line number (and column, for bad JSON: ``line 3, column 17: malformed JSON:
    Expecting ',' delimiter``); a line over ``max_line_bytes``
    names the limit; when the first line is not a JSON object and does not start one (plain
    text, HTML, a JSON array), its message adds ``NOT_JSONL_HINT``.

    Each record is read by ``RawDoc.from_record`` with ``fields`` (default ``FieldNames()``:
    ``html``, else ``text``, else ``content``, as ``Detector.filter``); ``drop_raw`` removes
    those content fields from every record written: kept, dropped and error records. A document
    that takes longer than ``doc_timeout`` seconds (``None``: the detector's
    ``config.doc_timeout``; 0: no limit) or whose id, url or a content field holds a lone
    surrogate is an error record, and the stream goes on. A timeout's message names
    ``timeout_option`` as what sets the budget (``detector filter`` passes ``--doc-timeout``;
    default: ``doc_timeout`` when it is given, else ``Config.doc_timeout``).
    Raises ``OutputClosed`` when ``outstream`` breaks, and ``InputError`` (naming ``<stdin>``,
    before any record is read) when the stream starts with a UTF-16 or UTF-32 byte-order mark
    (``bom_problem``); everything else is counted. A stream without a single record (empty,
    or blank lines only) is one ``warn`` line: "no documents read from <stdin>".
    """
    stats = Tally()
    timeout = getattr(getattr(detector, "config", None), "doc_timeout", None) if doc_timeout is None else doc_timeout
    option = timeout_option or ("Config.doc_timeout" if doc_timeout is None else "doc_timeout")

    def emit(stream: IO[bytes], record: dict[str, Any]) -> None:
        try:
            data = json.dumps(record, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate somewhere: keep it as the JSON escape it came as
            data = json.dumps(record).encode("ascii")
        stream.write(data + b"\n")

    def without_raw(record: dict[str, Any]) -> dict[str, Any]:
        """A copy of ``record``, without its content fields when ``drop_raw``."""
        if not drop_raw:
            return dict(record)
        content = {name for name, _ in fields.content_fields}
        return {k: v for k, v in record.items() if k not in content}

    def malformed(lineno: int, message: str, line: bytes | None, column: int | None = None) -> None:
        # not a document, but not lost either: with --rejects the line goes there as it came
        first = not stats.documents and not stats.malformed
        stats.malformed += 1
        if first and line is not None and _not_jsonl(line):  # the stream is not JSONL at all
            message = f"{message}; {NOT_JSONL_HINT}"
        where = f"line {lineno}" if column is None else f"line {lineno}, column {column}"
        warn(f"{where}: {message}")
        if rejects is not None:
            raw = {} if line is None else {"raw": line.decode("utf-8", "replace").rstrip("\r\n")}
            at = {} if column is None else {"column": column}
            emit(rejects, {"reasons": ["error"], "error": message, "line": lineno, **at, **raw})

    for lineno, line in _read_lines(instream, max_line_bytes):
        if lineno == 1 and line is not None and (problem := bom_problem(line)):
            raise InputError("<stdin>", problem)
        if line is None:
            malformed(lineno, f"malformed: longer than the line limit of {_limit(max_line_bytes)}, skipped; "
                              "raise it with --max-line-bytes", None)
            continue
        if not line.strip():
            continue
        try:
            record = json_loads(line)  # strict: NaN and Infinity are malformed JSON
        except ValueError as exc:  # includes invalid UTF-8
            problem, column = json_problem(exc, line)
            malformed(lineno, f"malformed JSON: {problem}", line, column)
            continue
        if not isinstance(record, dict):
            malformed(lineno, f"malformed: {not_an_object(record)}", line)
            continue
        try:
            raw = _record_to_raw(record, fields, lineno)  # an id, url or content of the wrong type: InputError
            for name in (fields.id, fields.url, *(n for n, _ in fields.content_fields)):
                check_unicode(record.get(name), name, raw.id)
            decision = time_limit(timeout, raw.id, option).call(detector.filter, raw, min_quality=min_quality)
        except Exception as exc:  # noqa: BLE001 - one bad document never stops the stream
            message = printable(str(exc) if hasattr(exc, "reason") else f"{type(exc).__name__}: {exc}")
            message = message.removeprefix(f"<stdin>:{lineno}: ")  # the line number is said once, below
            stats.add("error", {"error": f"{error_kind(exc)}: {message}"})
            warn(f"line {lineno}: error: {message}")
            if rejects is not None:
                emit(rejects, {**without_raw(record), "reasons": ["error"], "error": message, "line": lineno})
            continue
        out = without_raw(record)
        result = decision.result
        out["clean_text"] = decision.clean_text
        out["title"] = result.title
        out["quality"] = {
            "score": float(decision.score),  # as computed, as in Result.to_dict: not rounded
            "keep": decision.keep,
            "flags": list(result.quality.flags),
        }
        out["reasons"] = list(decision.reasons)  # on kept documents too, as /v1/filter gives them
        if decision.keep:
            stats.add("output", out)
            try:
                emit(outstream, out)
                outstream.flush()
            except (BrokenPipeError, ConnectionResetError) as exc:
                raise OutputClosed(str(exc)) from None
        else:
            stats.add("reject", out)
            if rejects is not None:
                emit(rejects, out)
    if not stats.documents and not stats.malformed:  # legal, but likely not what was meant
        warn("warning: no documents read from <stdin>")
    return stats


def _same_file(path: Path, stream: IO[str]) -> bool:
    try:
        a, b = os.stat(path), os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


class _Unbuffered:
    """Flush after every write (records interleave cleanly with the warnings)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def write(self, data: bytes) -> int:
        n = self.stream.write(data)
        self.stream.flush()
        return n

    def flush(self) -> None:
        self.stream.flush()


class RejectsFile:
    """Where ``--rejects`` goes. A new or regular file is written atomically (``detector.atomic``:
    a temporary file renamed over ``path`` by ``close()``); anything else (a symlink such as
    /dev/stderr, a FIFO, a device) is written in place. Raises ``OSError`` naming ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        atomic = not path.is_symlink() and (
            not path.exists() or stat.S_ISREG(path.stat().st_mode)
        ) and path.resolve().parent.parts[:2] not in (("/", "dev"), ("/", "proc"))
        self.file = AtomicFile(path) if atomic else None
        self.shared = False
        if self.file is not None:
            self.handle: Any = self.file.handle
        elif _same_file(path, sys.stderr):
            # /dev/stderr: share our own stderr stream so lines do not overwrite each other
            self.handle, self.shared = _Unbuffered(sys.stderr.buffer), True
        else:
            self.handle = open(path, "ab", buffering=0)

    def close(self) -> None:
        if self.shared:
            self.handle.flush()
        elif self.file is not None:
            self.file.commit()
        else:
            self.handle.close()
