"""Defects found by a fifth newcomer pass."""

from __future__ import annotations

import io
import json

# --- 1: a number too large for a double (1e400) is read as inf and written back as Infinity ----------

OVERFLOW_LINES = (b'{"id": "o", "text": "Some text here.", "score": 1e400}\n'
                  b'{"id": "1e400", "text": "x", "v": [1, -2.5E999]}\n')
OVERFLOW_PROBLEMS = [("1e400", 49), ("-2.5E999", 39)]  # (number, 1-based column)


def test_the_shared_reader_refuses_a_number_too_large_for_a_double():
    from detector.jsonl import loads

    for line, (number, column) in zip(OVERFLOW_LINES.splitlines(), OVERFLOW_PROBLEMS):
        try:
            loads(line)
        except json.JSONDecodeError as exc:
            assert exc.msg == f"number {number} is out of range (too large for a double)"
            assert exc.pos == column - 1
        else:
            raise AssertionError(f"{line!r} was read")
    assert loads('{"a": 1.5e308, "b": 100000000000000000000000000}') == {"a": 1.5e308, "b": 10**26}


def test_filter_never_writes_infinity(detector):
    from detector.filtering import filter_jsonl

    out, rejects, warnings = io.BytesIO(), io.BytesIO(), []
    stats = filter_jsonl(io.BytesIO(OVERFLOW_LINES), out, detector=detector, rejects=rejects,
                         warn=warnings.append, min_quality=0.0)
    assert stats.malformed == 2 and out.getvalue() == b""
    assert warnings == [f"line {n}, column {c}: malformed JSON: number {number} is out of range "
                        "(too large for a double)" for n, (number, c) in enumerate(OVERFLOW_PROBLEMS, 1)]
    assert b"Infinity" not in rejects.getvalue()


def test_clean_reads_a_number_too_large_for_a_double_as_invalid_json(tmp_path):
    from detector.corpus.readers import ReadError, read_source

    path = tmp_path / "overflow.jsonl"
    path.write_bytes(OVERFLOW_LINES)
    entries = [entry for entry, _ in read_source(str(path), str(path), "jsonl", limit=2**20)]
    assert [(e.line, e.error) for e in entries if isinstance(e, ReadError)] == [
        (n, f"invalid-json: column {c}: number {number} is out of range (too large for a double)")
        for n, (number, c) in enumerate(OVERFLOW_PROBLEMS, 1)]
