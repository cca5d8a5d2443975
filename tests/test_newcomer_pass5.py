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


# --- 2: clean of a Parquet file with a timestamp, binary or NaN column into JSONL ---------------------


def test_clean_writes_parquet_columns_json_has_no_type_for_as_strict_json(tmp_path):
    import datetime
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    from detector.corpus import CleanOptions, clean_corpus

    text = "A short note about the harbour. The council met on Tuesday and approved the plan."
    pq.write_table(pa.table({"id": ["a", "b"], "text": [text, text],
                             "fetched": [datetime.datetime(2024, 5, 1, 12, 30), datetime.datetime(2024, 5, 2)],
                             "day": [datetime.date(2024, 5, 1), None],
                             "raw": [b"caf\xc3\xa9", b"\x00\xff"],
                             "price": pa.array([decimal.Decimal("1.50"), None], pa.decimal128(5, 2)),
                             "score": [float("nan"), float("inf")]}), tmp_path / "p.parquet")
    out = tmp_path / "o.jsonl"
    # it was "internal error: TypeError: Object of type datetime is not JSON serializable" (exit 1,
    # every document lost), and a NaN column was written as NaN
    clean_corpus([str(tmp_path / "p.parquet")], out, options=CleanOptions(workers=1, quiet=True, templates=False))

    def strict(name):
        raise ValueError(f"{name} in the output")

    rows = [json.loads(line, parse_constant=strict) for line in out.read_text("utf-8").splitlines()]
    assert [(r["id"], r["fetched"], r["day"], r["raw"], r["price"], r["score"]) for r in rows] == [
        ("a", "2024-05-01T12:30:00", "2024-05-01", "café", "1.50", None),
        ("b", "2024-05-02T00:00:00", None, "\x00\\xff", None, None)]


# --- 3: a thread's time limit fired while it started a thread: the new thread died, its starter hung --


def test_a_time_limit_that_runs_out_while_the_thread_starts_a_thread_stops_it():
    # /v1/score-url with a tiny --doc-timeout hung a scoring thread for good (504 after the whole
    # request budget, "Exception ignored in thread started by: <Timer ...> TimeLimitExceeded"):
    # the exception went to the fetch's new timer thread, which had its starter's id, and killed it
    # before Thread.start's wait for it was over
    import threading
    import time

    from detector.errors import DocumentTimeout
    from detector.limits import time_limit

    def starts_threads() -> None:
        end = time.monotonic() + 2
        while time.monotonic() < end:
            timer = threading.Timer(60, lambda: None)
            timer.daemon = True
            timer.start()
            timer.cancel()

    outcomes: list[str] = []

    def limited() -> None:
        try:
            time_limit(0.002, "doc").call(starts_threads)
            outcomes.append("finished")
        except DocumentTimeout:
            outcomes.append("timeout")

    hung = 0
    for _ in range(30):
        worker = threading.Thread(target=limited, daemon=True)
        worker.start()
        worker.join(10)
        hung += worker.is_alive()
    assert hung == 0 and outcomes == ["timeout"] * 30, (hung, outcomes)


# --- 4: stdout closed (>&-): an internal error after the work, for every command writing there ----


def test_a_closed_stdout_is_one_line_and_exit_2_before_any_work(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    article = root / "seeds" / "migrant-crisis-article.txt"
    records = tmp_path / "r.jsonl"
    records.write_text(json.dumps({"id": "a", "text": article.read_text("utf-8")}) + "\n", encoding="utf-8")
    cli = [sys.executable, "-c", "import sys; from detector.cli import main; sys.exit(main())"]
    for args, what in ((["score", str(article)], "the results"), (["filter"], "the kept documents"),
                       (["clean", str(records), "-o", "-", "-q"], "the rows (-o -)")):
        with open(records, "rb") as stdin:
            proc = subprocess.run([*cli, *args], stdin=stdin, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                                  preexec_fn=lambda: os.close(1), timeout=300)
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr == (f"detector {args[0]}: error: stdout is closed (>&-), and {what} go there; "
                               "redirect it to a file (or to /dev/null)\n"), proc.stderr
    with open(os.devnull, "rb") as stdin:  # a command whose data goes to files is not concerned
        proc = subprocess.run([*cli, "clean", str(records), "-o", "o.jsonl", "-q", "--workers", "1"], stdin=stdin,
                              stderr=subprocess.PIPE, text=True, cwd=tmp_path, preexec_fn=lambda: os.close(1),
                              timeout=300)
    assert proc.returncode == 0 and (tmp_path / "o.jsonl").read_text("utf-8").count("\n") == 1, proc.stderr


# --- 5: gzip or zstd JSONL on filter's stdin: a "malformed" line for every 0x0a byte ---------------


def test_filter_refuses_compressed_jsonl_as_a_whole(detector):
    import gzip

    import pytest
    import zstandard

    from detector.errors import InputError
    from detector.filtering import filter_jsonl

    data = b"".join(json.dumps({"id": str(i), "text": f"line {i}\n" * 40}).encode() + b"\n" for i in range(50))
    for packed, name, tool in ((gzip.compress(data), "gzip", "zcat"),
                               (zstandard.ZstdCompressor().compress(data), "zstd", "zstdcat")):
        warnings: list[str] = []
        with pytest.raises(InputError) as info:
            filter_jsonl(io.BytesIO(packed), io.BytesIO(), detector=detector, warn=warnings.append)
        assert str(info.value) == (f"<stdin>: JSONL must be uncompressed text (found {name} data; "
                                   f"decompress it first, e.g. with {tool})")
        assert warnings == []


# --- 6: a body starting \xff\xfe was "not UTF-8 JSON: 'utf-16-le' codec can't decode ..." ----------


def test_the_service_names_the_first_byte_of_a_body_that_is_not_utf8(detector):
    from fastapi.testclient import TestClient

    from detector.service import create_app

    with TestClient(create_app(detector=detector)) as client:
        for body, message in ((b'\xff\xfe{"text": "x"}', "not UTF-8 (byte 0xff: invalid start byte) (at character 0)"),
                              (b'{"text": "caf\xe9"}', "not UTF-8 (byte 0xe9: invalid continuation byte) (at character 13)")):
            response = client.post("/v1/score", content=body, headers={"content-type": "application/json"})
            assert response.status_code == 422, response.text
            assert response.json()["error"] == {"type": "invalid_json",
                                                "message": f"request body is not valid JSON: {message}"}
