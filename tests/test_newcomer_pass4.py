"""Defects found by a fourth newcomer pass: a closed or broken stderr, NaN in JSON input, clean's
and filter's messages for bad lines, short reprs of limits, wording, and the docs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "seeds" / "migrant-crisis-article.txt"
SUBPROCESS_GUARD = 300  # seconds; only there so that a hang fails instead of blocking


def _mixed(path: Path) -> Path:
    """Two good records around a line that is not JSON."""
    text = ARTICLE.read_text("utf-8")
    path.write_text(json.dumps({"id": "a", "text": text}) + "\n" + '{"id": "b", bad\n'
                    + json.dumps({"id": "c", "text": text}) + "\n", encoding="utf-8")
    return path


def _records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- 1: stderr closed (2>&-): Python's sys.stderr is None, print(file=None) writes to stdout ------


def _stderr_closed(argv: list[str], stdin: Path | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """Run ``argv`` with its file descriptor 2 closed, as the shell's ``2>&-`` does."""
    with open(stdin or os.devnull, "rb") as inp:
        return subprocess.run(argv, stdin=inp, stdout=subprocess.PIPE, preexec_fn=lambda: os.close(2),
                              cwd=cwd, timeout=SUBPROCESS_GUARD)


def test_filter_with_stderr_closed_writes_only_records_to_stdout(tmp_path):
    for argv in ([sys.executable, "-c", "import sys; from detector.cli import main; sys.exit(main())", "filter"],
                 [sys.executable, "-m", "detector", "filter"]):
        proc = _stderr_closed(argv, _mixed(tmp_path / "in.jsonl"))
        assert proc.returncode == 0, argv
        assert [r["id"] for r in _records(proc.stdout.decode())] == ["a", "c"], proc.stdout[-300:]


def test_score_with_stderr_closed_writes_only_json_to_stdout(tmp_path):
    proc = _stderr_closed([sys.executable, "-m", "detector", "score", str(ARTICLE), str(tmp_path / "missing.html"),
                           "--json"])
    assert proc.returncode == 2
    assert [r["id"] for r in _records(proc.stdout.decode())] == [str(ARTICLE)]


def test_clean_to_stdout_with_stderr_closed_writes_only_records(tmp_path):
    proc = _stderr_closed([sys.executable, "-m", "detector", "clean", str(ROOT / "seeds"), "-o", "-",
                           "--workers", "1"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-300:]
    records = _records(proc.stdout.decode())
    assert records and all("id" in r for r in records)


# --- 2: stderr a pipe whose reader went away: the data is still written --------------------------


def _stderr_broken(argv: list[str], stdout: Path, stdin: Path | None = None, cwd: Path = ROOT) -> int:
    """Run ``argv`` with stderr a pipe whose read end the parent closes before the child writes."""
    with open(stdin or os.devnull, "rb") as inp, open(stdout, "wb") as out:
        proc = subprocess.Popen(argv, stdin=inp, stdout=out, stderr=subprocess.PIPE, cwd=cwd)
        proc.stderr.close()
        return proc.wait(timeout=SUBPROCESS_GUARD)


def test_filter_with_a_broken_stderr_still_writes_its_records(tmp_path):
    out = tmp_path / "out.jsonl"
    code = _stderr_broken([sys.executable, "-m", "detector", "filter"], out, _mixed(tmp_path / "in.jsonl"))
    assert code == 0
    assert [r["id"] for r in _records(out.read_text("utf-8"))] == ["a", "c"]


def test_clean_with_a_broken_stderr_still_writes_its_records(tmp_path):
    out = tmp_path / "x.jsonl"
    code = _stderr_broken([sys.executable, "-m", "detector", "clean", str(_mixed(tmp_path / "mixed.jsonl")),
                           "-o", str(out), "--workers", "2"], tmp_path / "stdout.txt", cwd=tmp_path)
    assert code == 0
    assert [r["id"] for r in _records(out.read_text("utf-8"))] == ["a", "c"]
    assert len(_records((tmp_path / "x.jsonl.errors.jsonl").read_text("utf-8"))) == 1


def test_safe_stderr_switches_to_devnull_when_its_stream_breaks():
    from detector.cli import SafeStderr

    class Broken:
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(32, "Broken pipe")

    err = SafeStderr(Broken())
    assert err.write("message\n") == len("message\n")
    err.flush()
    assert err.broken and err.stream.name == os.devnull
    err.write("more\n")
