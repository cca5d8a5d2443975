"""``detector filter`` as a subprocess: JSONL in, kept documents out, line by line."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PAGE = SEEDS / "migrant-crisis-page.html"
ARTICLE = SEEDS / "migrant-crisis-article.txt"
JUNK = "Home | News | Sport | Contact\nSubscribe now!\nCookie settings\n© 2024 Example Media"


def _cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "detector", "filter", *args]


@pytest.fixture(scope="module")
def detector():
    from detector import Detector

    return Detector()


def _stream() -> bytes:
    lines = [
        json.dumps({"id": "article", "text": ARTICLE.read_text("utf-8"), "source": "seed"}),
        json.dumps({"id": "page", "html": PAGE.read_text("utf-8"), "url": "https://example.com/page"}),
        "{this is not json",
        json.dumps({"id": "junk", "text": JUNK}),
        "",
        "[1, 2, 3]",
        json.dumps({"id": "no-content", "url": "https://example.com/x"}),
        json.dumps({"id": "bad-type", "html": 12}),
    ]
    return ("\n".join(lines) + "\n").encode("utf-8") + b"\xff\xfe not utf-8\n"


def test_filter_stream(tmp_path, detector):
    rejects = tmp_path / "rejects.jsonl"
    proc = subprocess.run(_cmd("--rejects", str(rejects)), input=_stream(), capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()

    out = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert [r["id"] for r in out] == ["article", "page"]
    article = out[0]
    assert article["source"] == "seed"  # input fields pass through
    assert article["text"] == ARTICLE.read_text("utf-8")
    expected = detector.filter({"id": "article", "text": ARTICLE.read_text("utf-8")})
    assert article["clean_text"] == expected.text
    assert article["quality"]["keep"] is True
    assert article["quality"]["score"] == pytest.approx(expected.score, abs=1e-4)
    assert "More From Author" in article["text"] and "More From Author" not in article["clean_text"]
    assert out[1]["url"] == "https://example.com/page" and out[1]["clean_text"]

    rejected = {r["id"] if "id" in r else r["line"]: r for r in map(json.loads, rejects.read_text("utf-8").splitlines())}
    assert set(rejected) == {"junk", "no-content", "bad-type", 3, 6, 9}  # malformed lines are not lost
    assert rejected[3]["reasons"] == ["error"] and rejected[3]["error"].startswith("malformed JSON")
    assert rejected[6]["raw"] and "expected a JSON object" in rejected[6]["error"]
    junk = rejected["junk"]
    assert junk["reasons"] == list(detector.filter({"text": JUNK}).reasons) and junk["reasons"]
    assert junk["quality"]["keep"] is False
    assert rejected["no-content"]["reasons"] == ["error"]
    assert "no 'html', 'text' or 'content' field" in rejected["no-content"]["error"]
    assert "must be a string" in rejected["bad-type"]["error"]

    err = proc.stderr.decode("utf-8")
    assert "line 3, column 2: malformed JSON: Expecting property name" in err
    assert "line 6: malformed: expected a JSON object" in err
    assert "line 7: error:" in err and "line 8: error:" in err
    assert "line 9, column 1: malformed JSON" in err  # invalid UTF-8
    assert "5 documents: 2 kept, 1 dropped, 2 errors, 3 malformed lines" in err
    assert not list(tmp_path.glob(".rejects*"))  # temp file renamed away


def test_field_names_and_threshold(tmp_path, detector):
    text = ARTICLE.read_text("utf-8")
    score = detector.filter({"text": text}).score
    line = json.dumps({"key": "k1", "body": text, "link": "https://example.com/k1"}) + "\n"
    common = ("--text-field", "body", "--id-field", "key", "--url-field", "link", "--drop-raw")
    kept = subprocess.run(_cmd(*common, "--min-quality", f"{max(score - 0.01, 0):.4f}"), input=line.encode(),
                          capture_output=True)
    assert kept.returncode == 0
    record = json.loads(kept.stdout)
    assert record["key"] == "k1" and "body" not in record and record["clean_text"]
    if score < 0.99:
        rejects = tmp_path / "r.jsonl"
        dropped = subprocess.run(_cmd(*common, "--min-quality", f"{score + 0.01:.4f}", "--rejects", str(rejects)),
                                 input=line.encode(), capture_output=True)
        assert dropped.returncode == 0 and dropped.stdout == b""
        assert json.loads(rejects.read_text())["key"] == "k1"


def test_drop_raw_keeps_the_content_out_of_error_records_too(tmp_path):
    # an error record (a document that could not be scored) went to --rejects with its html/text
    lines = [
        json.dumps({"id": "junk", "text": JUNK, "lang": "en"}),
        json.dumps({"id": "json", "html": "", "text": '{"a": 1}', "content": "<p>RAW-MARKER</p>", "lang": "en"}),
        '{"id": "surrogate", "html": "<p>RAW-MARKER \\ud800</p>", "lang": "en"}',
        json.dumps({"id": "bad-type", "html": 12, "text": "RAW-MARKER", "lang": "en"}),
    ]
    rejects = tmp_path / "r.jsonl"
    proc = subprocess.run(_cmd("--drop-raw", "--rejects", str(rejects), "--quiet"),
                          input="\n".join(lines).encode() + b"\n", capture_output=True)
    assert proc.returncode == 0 and proc.stdout == b"", proc.stderr
    records = {r["id"]: r for r in map(json.loads, rejects.read_text("utf-8").splitlines())}
    assert set(records) == {"junk", "json", "surrogate", "bad-type"}
    for doc_id in ("json", "surrogate", "bad-type"):
        assert records[doc_id]["reasons"] == ["error"] and records[doc_id]["error"], records[doc_id]
    assert [records[i]["line"] for i in ("json", "surrogate", "bad-type")] == [2, 3, 4]
    for record in records.values():
        assert not {"html", "text", "content"} & set(record), record
        assert record["lang"] == "en"  # the other fields stay
    assert "RAW-MARKER" not in rejects.read_text("utf-8")


def test_output_is_line_buffered():
    # the first kept document comes out before stdin is closed
    proc = subprocess.Popen(_cmd("--quiet"), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write((json.dumps({"id": "first", "text": ARTICLE.read_text("utf-8")}) + "\n").encode())
        proc.stdin.flush()
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        assert sel.select(timeout=300), "no output while stdin is still open"
        assert json.loads(proc.stdout.readline())["id"] == "first"
        proc.stdin.close()
        assert proc.wait(120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_broken_pipe_is_nonzero(tmp_path):
    line = json.dumps({"text": ARTICLE.read_text("utf-8")}) + "\n"
    src = tmp_path / "in.jsonl"
    src.write_text(line * 20)
    # `head -c 1` closes the pipe after one byte
    script = f'{" ".join(_cmd())} < {src} | head -c 1 > /dev/null; echo "${{PIPESTATUS[0]}}"'
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env={**os.environ})
    assert proc.stdout.strip() == "141", proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["--min-quality", "2"], ["--no-such-option"], ["--max-line-bytes", "0"]])
def test_usage_errors(args):
    proc = subprocess.run(_cmd(*args), input=b"", capture_output=True)
    assert proc.returncode == 2
    assert proc.stderr


def test_long_line_is_malformed_and_stream_goes_on():
    text = ARTICLE.read_text("utf-8")
    good = json.dumps({"id": "ok", "text": text})
    long = json.dumps({"id": "long", "text": text * 20})
    data = f"{long}\n{good}\n".encode()
    proc = subprocess.run(_cmd("--max-line-bytes", str(len(good) + 10)), input=data, capture_output=True)
    assert proc.returncode == 0
    assert [json.loads(x)["id"] for x in proc.stdout.splitlines()] == ["ok"]
    assert b"line 1: malformed: longer than" in proc.stderr


def test_rejects_through_a_symlink_is_written_in_place(tmp_path):
    target = tmp_path / "target.jsonl"
    target.write_text("")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    proc = subprocess.run(_cmd("--rejects", str(link)), input=(json.dumps({"id": "j", "text": JUNK}) + "\n").encode(),
                          capture_output=True)
    assert proc.returncode == 0
    assert link.is_symlink()  # not replaced by a regular file
    assert json.loads(target.read_text())["id"] == "j"


def test_an_unwritable_rejects_file_is_named_without_the_temporary_file():
    # the message named the hidden temporary file the rejects are written through
    if not Path("/sys/kernel").is_dir():
        pytest.skip("needs Linux sysfs: a folder no one, root included, can create files in")
    target = "/sys/rejects.jsonl"
    proc = subprocess.run(_cmd("--rejects", target), input=b'{"text": "hello"}\n', capture_output=True)
    err = proc.stderr.decode().strip()
    assert proc.returncode == 2 and proc.stdout == b""
    # refused before the model loads: no file can be created there (os.access says yes to root)
    assert err.startswith(f"detector filter: --rejects {target}: cannot create a file in folder /sys") and ".tmp" not in err
    assert "\n" not in err


def test_an_id_with_line_breaks_and_terminal_escapes_is_printed_on_one_line_escaped():
    """A bad record is one line of stderr even when its id holds a line break or an ANSI escape."""
    bad = json.dumps({"id": "a\nb\x1b[31mRED\r\x00", "url": "https://example.com/x"})
    good = json.dumps({"id": "ok", "text": ARTICLE.read_text("utf-8")})
    proc = subprocess.run(_cmd(), input=f"{bad}\n{good}\n".encode(), capture_output=True)
    assert proc.returncode == 0 and [json.loads(x)["id"] for x in proc.stdout.splitlines()] == ["ok"]
    err = [line for line in proc.stderr.decode().splitlines() if line.startswith("line ")]
    assert err == [r"line 1: error: a\nb\x1b[31mRED\r\x00: record has no 'html', 'text' or 'content' field (no value in any)"]
    assert "\x1b" not in proc.stderr.decode()
