"""Defects found by a newcomer pass over the batch doors and the reports (time budget, stale
temporary files, empty compressed inputs, dead workers, ``detector filter``'s messages, rounding
in the reports, ``--version``, short reprs)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from detector.corpus import CleanOptions, clean_corpus

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "seeds" / "migrant-crisis-article.txt"
GUARD = 60.0  # seconds; only ends a loop the timeout failed to stop, never a performance bound
SUBPROCESS_GUARD = 300  # seconds; only there so that a hang fails instead of blocking


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _jsonl(path: Path, ids: str) -> Path:
    text = ARTICLE.read_text("utf-8")
    path.write_text("".join(json.dumps({"id": i, "text": text}) + "\n" for i in ids), encoding="utf-8")
    return path


# --- 1: the per-document time budget --------------------------------------------------------------


def _swallowing_loop(swallowed: list[BaseException]) -> None:
    """Extraction code with a broad ``except Exception``, as trafilatura has: it used to catch the
    timeout and run on."""
    deadline = time.monotonic() + GUARD
    while time.monotonic() < deadline:
        try:
            while time.monotonic() < deadline:
                pass
        except Exception as exc:  # noqa: BLE001 - the point of the test
            swallowed.append(exc)


def test_doc_timeout_is_not_swallowed_by_except_exception():
    from detector.corpus.process import describe, guarded
    from detector.errors import DocumentTimeout
    from detector.limits import TimeLimitExceeded

    # what interrupts the document's work is a BaseException; it leaves the limit as its error
    assert issubclass(TimeLimitExceeded, BaseException) and not issubclass(TimeLimitExceeded, Exception)
    swallowed: list[BaseException] = []
    out = guarded(0.05, _swallowing_loop, swallowed)  # the main thread: SIGALRM
    assert isinstance(out, DocumentTimeout) and swallowed == []
    assert describe(out) == "timeout: took longer than the 0.05 s per-document budget (--doc-timeout)"


def test_doc_timeout_is_not_swallowed_in_a_worker_thread():
    """Dask runs tasks in threads: the thread's limit raises the same BaseException there."""
    from detector.corpus.process import describe, guarded
    from detector.errors import DocumentTimeout

    swallowed: list[BaseException] = []
    result: dict[str, object] = {}
    thread = threading.Thread(target=lambda: result.update(out=guarded(0.05, _swallowing_loop, swallowed)))
    thread.start()
    thread.join(GUARD * 2)
    assert isinstance(result["out"], DocumentTimeout) and swallowed == []
    assert describe(result["out"]) == "timeout: took longer than the 0.05 s per-document budget (--doc-timeout)"


def test_a_timed_out_document_is_an_error_naming_the_budget_and_the_batch_goes_on(tmp_path):
    out = tmp_path / "o.jsonl"
    summary = clean_corpus([str(_jsonl(tmp_path / "p.jsonl", "ab"))], out,
                           options=CleanOptions(workers=1, doc_timeout=1e-4, quiet=True))
    assert summary.documents == 2 and summary.errors == 2 and summary.error_kinds == {"timeout": 2}
    errors = _records(tmp_path / "o.jsonl.errors.jsonl")
    assert [e["id"] for e in errors] == ["a", "b"]
    assert {e["error"] for e in errors} == {"timeout: took longer than the 0.0001 s per-document budget (--doc-timeout)"}


@pytest.mark.parametrize("templates", [True, False], ids=["two-passes", "one-pass"])
def test_a_budget_that_runs_out_while_its_alarm_is_armed_is_the_documents_timeout(tmp_path, monkeypatch, templates):
    """``clean --doc-timeout 1e-5`` in the main thread (``--workers 1``): the alarm can go off while
    the limit is still being armed, before the document's work starts. It is that document's
    timeout record, the batch goes on, and SIGALRM's handler is the one it had before."""
    import signal

    real_setitimer = signal.setitimer

    def slow_setitimer(which: int, seconds: float, interval: float = 0.0) -> tuple[float, float]:
        previous = real_setitimer(which, seconds, interval)
        deadline = time.monotonic() + (GUARD if seconds else 0)
        while time.monotonic() < deadline:  # the alarm goes off here, inside the arming
            pass
        return previous

    monkeypatch.setattr(signal, "setitimer", slow_setitimer)
    handler = signal.getsignal(signal.SIGALRM)
    out = tmp_path / "o.jsonl"
    summary = clean_corpus([str(_jsonl(tmp_path / "p.jsonl", "abc"))], out,
                           options=CleanOptions(workers=1, doc_timeout=1e-3, templates=templates, quiet=True))
    assert summary.documents == 3 and summary.error_kinds == {"timeout": 3}
    errors = _records(tmp_path / "o.jsonl.errors.jsonl")
    assert [e["id"] for e in errors] == ["a", "b", "c"]
    assert {e["error"] for e in errors} == {"timeout: took longer than the 0.001 s per-document budget (--doc-timeout)"}
    assert signal.getsignal(signal.SIGALRM) is handler


# --- 2: temporary files a crashed run left --------------------------------------------------------


def _leave_temp(target: Path) -> Path:
    """The temporary file a writer that died mid-write leaves: a child process starts an atomic
    write of ``target`` and exits without finishing it."""
    code = ("import os, sys\nfrom detector.atomic import AtomicFile\nf = AtomicFile(sys.argv[1])\n"
            "f.handle.write(b'half a file')\nf.handle.flush()\nprint(f.tmp, flush=True)\nos._exit(9)")
    proc = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, cwd=ROOT)
    tmp = Path(proc.stdout.strip())
    assert proc.returncode == 9 and tmp.parent == target.parent and tmp.exists(), proc.stderr
    return tmp


def test_remove_stale_temps_removes_only_dead_writers_files_of_its_pattern(tmp_path):
    from detector.atomic import AtomicFile, remove_stale_temps

    stale = _leave_temp(tmp_path / "out.jsonl")
    other = _leave_temp(tmp_path / "model.joblib")
    live = AtomicFile(tmp_path / "being-written.jsonl")  # this process is alive: its file stays
    keep = [tmp_path / n for n in (".notes.tmp", "out.jsonl", ".out.jsonl.12.zzzzzzzz.tmp", "x.tmp")]
    for path in keep:
        path.write_bytes(b"user's")
    try:
        assert remove_stale_temps(tmp_path, frozenset({"out.jsonl"})) == [str(stale)]
        assert other.exists()
        assert remove_stale_temps(tmp_path) == [str(other)]
        assert Path(live.tmp).exists() and all(p.read_bytes() == b"user's" for p in keep)
        assert remove_stale_temps(tmp_path / "missing") == []
    finally:
        live.discard()


def test_a_rerun_removes_the_temporary_files_a_crashed_run_left(tmp_path):
    from corpus_helpers import stopping_executor

    from detector.corpus.executors.local import LocalExecutor

    inputs, out = [str(_jsonl(tmp_path / "p.jsonl", "abcd"))], tmp_path / "out.jsonl"
    opts = CleanOptions(workers=1, shard_size=2, templates=False, quiet=True)
    with pytest.raises(KeyboardInterrupt):  # shard 0 done, then the run stops
        clean_corpus(inputs, out, options=opts, executor=stopping_executor(LocalExecutor, "clean_task", 1, workers=1))
    work = tmp_path / "out.jsonl.shards" / "out"
    left = [_leave_temp(work / "000001.jsonl"), _leave_temp(out), _leave_temp(tmp_path / "out.jsonl.errors.jsonl")]
    foreign = _leave_temp(tmp_path / "notes.txt")  # not one of this run's files: not its business
    summary = clean_corpus(inputs, out, options=opts)
    assert summary.resumed_shards == 1 and summary.written == 4
    assert [r["id"] for r in _records(out)] == list("abcd")
    assert not any(p.exists() for p in left) and foreign.exists()


# --- 3: a 0-byte compressed input -----------------------------------------------------------------


def test_an_empty_compressed_input_is_one_error_naming_it_and_the_batch_goes_on(tmp_path):
    """A 0-byte .gz / .zst (a download cut off) had passed as an input without documents (a
    warning at most) or, as .html.gz, as an empty page: now one ``unreadable`` error record."""
    import gzip

    names = ("a.jsonl.gz", "b.jsonl.zst", "c.html.gz", "d.txt.gz", "e.warc.gz")
    for name in names:
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "nothing.jsonl.gz").write_bytes(gzip.compress(b""))  # a whole stream of nothing: no error
    good = _jsonl(tmp_path / "good.jsonl", "g")
    inputs = [str(tmp_path / n) for n in (*names, "nothing.jsonl.gz")] + [str(good)]
    out = tmp_path / "out.jsonl"
    summary = clean_corpus(inputs, out, options=CleanOptions(workers=1, quiet=True))
    assert summary.written == 1 and summary.errors == len(names) and summary.error_kinds == {"unreadable": 5}
    errors = {e["id"]: e for e in _records(tmp_path / "out.jsonl.errors.jsonl")}
    assert sorted(errors) == sorted(str(tmp_path / n) for n in names)
    for name in names:
        error = errors[str(tmp_path / name)]
        assert error["source"] == str(tmp_path / name) and "\n" not in error["error"]
        kind = "zstd" if name.endswith(".zst") else "gzip"
        assert error["error"] == (f"unreadable: empty compressed file (0 bytes, not even a {kind} header: "
                                  "cut off or never written)")


def test_an_empty_compressed_input_is_one_line_on_stderr_with_o_dash(tmp_path):
    empty = tmp_path / "cut.jsonl.gz"
    empty.write_bytes(b"")
    proc = subprocess.run([sys.executable, "-m", "detector", "clean", str(empty), "-o", "-", "--workers", "1", "-q"],
                          capture_output=True, text=True, cwd=ROOT, timeout=SUBPROCESS_GUARD)
    assert proc.returncode == 0 and proc.stdout == ""
    assert proc.stderr.splitlines() == [f"detector clean: {empty}: unreadable: empty compressed file (0 bytes, "
                                "not even a gzip header: cut off or never written)"]


# --- 4: a worker process that dies ----------------------------------------------------------------


def _killing_executor(at: int):
    """A two-worker local executor one of whose worker processes is killed (SIGKILL, as the
    out-of-memory killer does) when the run reaches shard ``at``; the shards before it are done."""
    import os
    import signal

    from detector.corpus.executors.local import LocalExecutor

    class Killing(LocalExecutor):
        def run(self, tasks, on_done, job=None):
            def gated():
                for t in tasks:
                    if t.index == at:
                        victim = next(iter(self._pool._processes.values()))
                        os.kill(victim.pid, signal.SIGKILL)
                        victim.join(GUARD)
                    yield t

            return super().run(gated(), on_done, job)

    return Killing(2)


def test_a_dead_worker_is_one_clear_error_and_a_rerun_resumes(tmp_path):
    """A worker killed mid-run let concurrent.futures' BrokenProcessPool escape clean_corpus (the
    CLI called it an internal error): now ``WorkerDied``, one line that says to rerun."""
    from detector.cli import EXIT_BAD_INPUT, error_line, exit_code
    from detector.errors import DetectorError, WorkerDied

    inputs, out = [str(_jsonl(tmp_path / "p.jsonl", "abcdefgh"))], tmp_path / "out.jsonl"
    opts = CleanOptions(workers=2, shard_size=1, templates=False, quiet=True)
    with pytest.raises(WorkerDied) as caught:
        clean_corpus(inputs, out, options=opts, executor=_killing_executor(at=4))
    assert isinstance(caught.value, DetectorError)
    line = error_line(caught.value)
    assert "\n" not in line and "worker process died" in line and "rerun the same command to resume" in line
    assert exit_code(caught.value) == EXIT_BAD_INPUT
    summary = clean_corpus(inputs, out, options=opts)
    assert summary.written == 8 and summary.resumed_shards >= 1
    assert [r["id"] for r in _records(out)] == list("abcdefgh")


# --- 5: detector filter's messages ----------------------------------------------------------------


def _filter(data: bytes, **kw) -> tuple[list[str], list[dict]]:
    """``filter_jsonl`` on ``data`` with rejects: (the warning lines, the rejects written)."""
    import io

    from detector.filtering import filter_jsonl

    warnings: list[str] = []
    rejects = io.BytesIO()
    filter_jsonl(io.BytesIO(data), io.BytesIO(), detector=object(), rejects=rejects, warn=warnings.append, **kw)
    return warnings, [json.loads(line) for line in rejects.getvalue().splitlines()]


def test_filter_names_the_line_and_the_column_of_bad_json():
    """json's own "line 1 column 12 (char 11)" is the line of the record: the stream's line
    number was said, the column only in json's words (and a broken end of line was "line 2").
    Columns count characters (the é of line 4 is one), from 1; past the end is its length + 1."""
    data = b'\n'.join([b'{"id": "a", "html": 7}', b'{"id": "b" "text": "x"}', b'{"id": "c", "text": "x"',
                       b'{"id": "\xc3\xa9", "text": "\xff"}']) + b"\n"
    warnings, rejects = _filter(data)
    malformed = [w for w in warnings if "malformed" in w]
    assert malformed == [
        "line 2, column 12: malformed JSON: Expecting ',' delimiter",
        "line 3, column 24: malformed JSON: Expecting ',' delimiter",
        "line 4, column 22: malformed JSON: not UTF-8 (byte 0xff: invalid start byte)",
    ]
    bad = [r for r in rejects if "column" in r]
    assert [(r["line"], r["column"]) for r in bad] == [(2, 12), (3, 24), (4, 22)]
    assert bad[0]["error"] == "malformed JSON: Expecting ',' delimiter" and bad[0]["raw"] == '{"id": "b" "text": "x"}'


def test_filter_names_the_line_limit_and_the_option_that_raises_it():
    warnings, rejects = _filter(b'{"id": "a", "text": "' + b"x" * 3000 + b'"}\n', max_line_bytes=2048)
    assert warnings == ["line 1: malformed: longer than the line limit of 2 KiB (2048 bytes), skipped; "
                        "raise it with --max-line-bytes"]
    assert rejects[0]["line"] == 1 and "--max-line-bytes" in rejects[0]["error"]


@pytest.mark.parametrize("first", [b"<!doctype html>", b"Just some plain text.", b'[{"id": "a"}]', b"{", b"  hello"])
def test_filter_says_the_input_must_be_json_lines_when_it_is_not(first):
    warnings, _ = _filter(first + b"\n<p>more</p>\n")
    assert warnings[0].startswith("line 1") and warnings[0].endswith("; input must be JSON Lines: one JSON object per line")
    assert "JSON Lines" not in warnings[1]  # said once, on the first line


def test_filter_adds_no_hint_to_a_broken_record_of_a_jsonl_stream():
    warnings, _ = _filter(b'{"id": "a", "text": "cut off\n')
    assert warnings == ["line 1, column 29: malformed JSON: Invalid control character"]


# --- 6: scores in the reports are rounded down ----------------------------------------------------


def _scored(score: float, rel: float, red: float):
    from detector.document import ParagraphScore, QualityScore, Result

    paragraphs = (ParagraphScore(0, "A title", "title", 0.5, 0.0, True, None),
                  ParagraphScore(1, "The one paragraph of the page, kept.", "paragraph", rel, red, True, None))
    return Result(id="d", url=None, title="A title", text=paragraphs[1].text,
                  quality=QualityScore(score=score, keep=False, flags=(), signals={"words": 7.0}),
                  paragraphs=paragraphs, stats={}, language="en", format="text")


def test_reports_round_scores_down_so_one_under_a_threshold_never_shows_as_it():
    """0.999 was shown as 1.00 (and 0.4996 as 0.50, the default threshold, on a dropped page)."""
    from html.parser import HTMLParser

    from detector.report import render_html, render_terminal

    result = _scored(0.4996, rel=0.999, red=0.996)
    text = render_terminal(result, color=False, width=100)
    assert "quality 0.49 " in text and "quality 0.50" not in text
    assert "rel 0.99  red 0.99" in text and "1.00" not in text

    class Visible(HTMLParser):
        def __init__(self):
            super().__init__()
            self.text, self.titles = "", []

        def handle_starttag(self, tag, attrs):
            self.titles += [v for k, v in attrs if k == "title"]

        def handle_data(self, data):
            self.text += data

    page = Visible()
    page.feed(render_html(result))
    assert "quality 0.49" in page.text and "rel 0.99" in page.text and "red 0.99" in page.text
    assert not any(shown in page.text for shown in ("quality 0.50", "rel 1.00", "red 1.00"))
    assert "quality 0.499" in page.titles
    assert any("relevance 0.999 · redundancy 0.996" in t for t in page.titles)
    low = render_terminal(_scored(0.29, 0.29, 0.0), color=False)
    assert "quality 0.29 " in low and "rel 0.29 " in low and "0.28" not in low  # 0.29 * 100 is 28.999...


def test_the_drop_line_rounds_the_score_down_against_its_threshold():
    from detector.quality import round_down, why_dropped

    line = why_dropped(_scored(0.4996, 0.9, 0.0), min_quality=0.5)
    assert line is not None and "score 0.49 vs 0.50" in line
    assert [round_down(v) for v in (0.999, 0.29, 1.0, 0.0)] == ["0.99", "0.29", "1.00", "0.00"]


# --- 7: --version, a short repr -------------------------------------------------------------------


def test_version_option_prints_the_package_version():
    import tomllib

    from hostile_helpers import run_cli

    import detector

    code, out, err = run_cli("--version")
    assert (code, out, err) == (0, f"detector {detector.__version__}\n", "")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["version"] == detector.__version__


def test_decision_and_paragraph_reprs_are_short(detector):
    """repr(Decision) printed the whole Result: every paragraph's text, twice (about 20 KB for the
    seed article), in a REPL, a log line or a test failure."""
    decision = detector.filter({"id": "seed", "text": ARTICLE.read_text("utf-8")})
    shown = repr(decision)
    assert len(shown) < 300 and "\n" not in shown
    assert shown.startswith(f"Decision(keep={decision.keep!r}, score=")
    assert f"reasons={decision.reasons!r}" in shown and "result=<Result id='seed', 28 paragraphs>" in shown
    assert f"clean_text={decision.clean_text[:40]!r}...({len(decision.clean_text)} chars)" in shown
    paragraph = max(decision.result.paragraphs, key=lambda p: len(p.text))
    assert len(repr(paragraph)) < 300 and f"text={paragraph.text[:40]!r}...({len(paragraph.text)} chars)" in repr(paragraph)
    short = min(decision.result.paragraphs, key=lambda p: len(p.text))
    assert len(short.text) <= 40 and f"text={short.text!r}, kind=" in repr(short)  # whole when short


# --- 8: the docs show what the code does ----------------------------------------------------------


def _console_block(doc: str, command: str) -> list[str]:
    """The lines a docs page shows after ``command`` in a fenced block, up to the next ``$`` or fence."""
    text = (ROOT / "docs" / doc).read_text("utf-8")
    lines = text[text.index(command) + len(command):].splitlines()[1:]
    return lines[:next(i for i, x in enumerate(lines) if x.startswith(("$ ", "```")))]


def _in_order(shown: list[str], real: list[str]) -> list[str]:
    """The lines of ``shown`` (but "…" and "..." cuts) not found in ``real`` in the same order."""
    missing, at = [], 0
    for line in shown:
        if line.strip() in ("…", "..."):
            continue
        try:
            at = real.index(line, at) + 1
        except ValueError:
            missing.append(line)
    return missing


def test_the_report_excerpt_in_the_docs_is_the_real_output(monkeypatch):
    """docs/report.md's "real excerpt" showed the scores and signals of an older model."""
    from hostile_helpers import run_cli

    shown = _console_block("report.md", "(`detector score --no-color seeds/migrant-crisis-article.txt`, "
                                        "long paragraphs cut):\n\n```")
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COLUMNS", "100")
    code, out, err = run_cli("score", "--no-color", "seeds/migrant-crisis-article.txt")
    assert code == 0, err
    assert len(shown) > 30 and _in_order(shown, [line.rstrip() for line in out.splitlines()]) == []


def test_the_batch_summary_in_the_docs_is_the_real_one(tmp_path, monkeypatch):
    """docs/batch.md's first example showed an older summary (no no-site warning or line)."""
    import re

    from hostile_helpers import run_cli

    shown = _console_block("batch.md", "$ detector clean seeds/ -o cleaned.jsonl")
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("clean", str(ROOT / "seeds"), "-o", "cleaned.jsonl", "--workers", "1")
    assert code == 0, err
    real = [line.rstrip() for line in err.splitlines()]
    timing = re.compile(r"3 documents in [0-9.]+s \([0-9.]+ docs/s, [0-9]+ workers?\)")
    assert timing.fullmatch(shown[1]) and timing.fullmatch(real[1])
    assert _in_order([shown[0]] + shown[2:], real) == []


def test_the_summary_file_is_written_with_quiet_and_an_unquoted_glob_rerun_is_refused(tmp_path, monkeypatch):
    """What docs/batch.md now says: ``--quiet`` silences stderr, not OUTPUT.stats.json; a rerun
    whose shell expanded ``*.jsonl`` names the outputs outright and is refused, a quoted glob
    skips them."""
    from hostile_helpers import run_cli

    monkeypatch.chdir(tmp_path)
    _jsonl(tmp_path / "a.jsonl", "a")
    assert run_cli("clean", "*.jsonl", "-o", "out.jsonl", "-q", "--workers", "1") == (0, "", "")
    assert json.loads((tmp_path / "out.jsonl.stats.json").read_text("utf-8"))["documents"] == 1
    shell_expanded = sorted(str(p.name) for p in tmp_path.glob("*.jsonl"))
    assert "out.jsonl" in shell_expanded
    code, _, err = run_cli("clean", *shell_expanded, "-o", "out.jsonl", "-q", "--workers", "1")
    assert code == 2 and "out.jsonl: is both an input and the output file" in err
    assert run_cli("clean", "*.jsonl", "-o", "out.jsonl", "-q", "--workers", "1") == (0, "", "")
    assert [r["id"] for r in _records(tmp_path / "out.jsonl")] == ["a"]


# --- 9: score, filter and the service name the option that sets their time budget ----------------


def test_score_names_the_doc_timeout_option_when_a_page_runs_past_it():
    from hostile_helpers import run_cli

    code, out, err = run_cli("score", "--doc-timeout", "0.0001", str(ARTICLE))
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"detector score: error: {ARTICLE}: timeout: took longer than the 0.0001 s "
                                "per-document budget (--doc-timeout)"]


def test_filter_names_the_doc_timeout_option_when_a_record_runs_past_it(tmp_path):
    stream = _jsonl(tmp_path / "in.jsonl", "a").read_bytes()
    rejects = tmp_path / "rejects.jsonl"
    proc = subprocess.run([sys.executable, "-m", "detector", "filter", "--doc-timeout", "0.0001", "-q",
                           "--rejects", str(rejects), "--drop-raw"], input=stream, capture_output=True,
                          cwd=ROOT, timeout=SUBPROCESS_GUARD)
    assert proc.returncode == 0 and proc.stdout == b"", proc.stderr
    message = "a: timeout: took longer than the 0.0001 s per-document budget (--doc-timeout)"
    assert proc.stderr.decode().splitlines() == [f"line 1: error: {message}"]
    assert _records(rejects) == [{"id": "a", "reasons": ["error"], "error": message, "line": 1}]


def test_the_service_names_the_setting_of_each_time_budget(detector):
    """A /v1/filter entry and a /v1/score 504 name the budget that ran out and what sets it; the
    request's budget is not blamed for a document's (/v1/score past ``doc_timeout`` had said
    "the request took longer than its time budget of 30s")."""
    from fastapi.testclient import TestClient

    from detector.config import Config
    from detector.service import create_app

    text = ARTICLE.read_text("utf-8")
    per_document = ("took longer than the 0.0001 s per-document budget "
                    "(detector serve --doc-timeout, Config.doc_timeout)")
    with TestClient(create_app(Config(doc_timeout=1e-4), detector=detector)) as client:
        batch = client.post("/v1/filter", json={"documents": [{"id": "a", "text": text}]})
        scored = client.post("/v1/score", json={"text": text})
    assert batch.status_code == 200 and batch.json()["decisions"][0]["error"] == f"a: timeout: {per_document}"
    assert scored.status_code == 504
    assert scored.json()["error"] == {"type": "timeout", "message": f"the document {per_document}"}

    with TestClient(create_app(detector=detector, request_timeout=1e-4)) as client:
        late = client.post("/v1/score", json={"text": text})
    assert late.status_code == 504
    assert late.json()["error"] == {"type": "timeout", "message": "the request took longer than the 0.0001 s request "
                                    "budget (detector serve --request-timeout, ServiceSettings.request_timeout)"}


def test_the_service_names_the_body_timeout_setting_on_a_slow_body(detector):
    import socket

    from hostile_helpers import running_app

    from detector.service import create_app

    with running_app(create_app(detector=detector, body_timeout=0.5)) as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=SUBPROCESS_GUARD) as sock:
            sock.sendall(b"POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100\r\n\r\n{\"text\": ")
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert json.loads(body)["error"] == {"type": "timeout", "message": "the request body took longer than the 0.5 s "
                                         "body budget to arrive (detector serve --body-timeout, "
                                         "ServiceSettings.body_timeout)"}


# --- 10: a rule's measured value never shows as its limit -----------------------------------------


def _ruled(signals: dict[str, float], flags: tuple[str, ...]):
    from detector.document import ParagraphScore, QualityScore, Result

    text = "The one paragraph of the page, kept."
    return Result(id="d", url=None, title=None, text=text,
                  quality=QualityScore(score=0.0, keep=False, flags=flags, signals={"words": 7.0, **signals}),
                  paragraphs=(ParagraphScore(0, text, "paragraph", 0.9, 0.0, True, None),), stats={},
                  language="en", format="text")


def test_rule_lines_show_a_value_near_its_limit_with_the_digits_that_tell_them_apart():
    """Three significant figures printed 0.3004 against the limit 0.3 as '0.3 > 0.3' (and 0.7996
    as '0.8 < 0.8') on a rule that fired: digits are added until value and limit differ."""
    from html import unescape

    from detector.quality import explain, shown_against, why_dropped
    from detector.report import render_html, render_terminal

    result = _ruled({"dup_line_frac": 0.3004, "gopher_alpha_words": 0.7996},
                    ("gopher-duplicate-lines", "gopher-alpha-words"))
    lines = explain(result.quality)
    assert [line.split(" (")[0] for line in lines] == ["gopher-duplicate-lines: dup_line_frac 0.3004 > 0.3",
                                                        "gopher-alpha-words: gopher_alpha_words 0.7996 < 0.8"]
    drop = why_dropped(result)  # gopher-alpha-words is informational: no reason to drop
    assert drop is not None and drop.startswith("DROP: gopher-duplicate-lines (dup_line_frac 0.3004 > 0.3); ")
    terminal, page = render_terminal(result, color=False, width=200), unescape(render_html(result))
    assert terminal.count("dup_line_frac 0.3004 > 0.3") == page.count("dup_line_frac 0.3004 > 0.3") == 2  # rule, DROP
    assert terminal.count("gopher_alpha_words 0.7996 < 0.8") == page.count("gopher_alpha_words 0.7996 < 0.8") == 1
    assert "0.3 > 0.3" not in terminal + page and "0.8 < 0.8" not in terminal + page

    assert shown_against(0.2996, 0.3) == ("0.2996", "0.3")
    assert shown_against(0.29999999, 0.3) == ("0.29999999", "0.3")
    assert shown_against(0.1235, 0.1234) == ("0.1235", "0.1234")  # the limit gets the digits too
    assert shown_against(100000.5, 100000.0) == ("100000.5", "100000")
    assert shown_against(0.25, 0.3) == ("0.25", "0.3") and shown_against(12.0, 50.0) == ("12", "50")
    assert shown_against(0.123456, 0.3) == ("0.123", "0.3")  # three figures when they are enough


# --- 11: JSON carries the scores as computed ------------------------------------------------------


def test_json_keeps_full_precision_so_a_score_under_a_threshold_never_reads_as_it(detector, tmp_path):
    """``round(score, 4)`` wrote 0.49996 as 0.5 beside ``"keep": false`` under the 0.5 threshold
    (and 0.99996 as 1.0): the JSON doors now write the float as computed."""
    import io
    from dataclasses import replace

    from hostile_helpers import run_cli

    from detector.filtering import filter_jsonl

    result = _scored(0.49996, rel=0.99996, red=0.29996)
    result = replace(result, quality=replace(result.quality, signals={"words": 7.0, "dup_line_frac": 0.29996}))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["quality"]["score"] == 0.49996 and data["quality"]["keep"] is False
    assert data["quality"]["signals"] == {"words": 7.0, "dup_line_frac": 0.29996}
    assert [(p["relevance"], p["redundancy"]) for p in data["paragraphs"]] == [(0.5, 0.0), (0.99996, 0.29996)]

    text = ARTICLE.read_text("utf-8")
    expected = detector.score_content(text, id=str(ARTICLE))
    code, out, err = run_cli("score", "--json", str(ARTICLE))
    assert code == 0, err
    scored = json.loads(out)
    assert scored["quality"]["score"] == expected.quality.score
    assert scored["quality"]["signals"] == expected.quality.signals
    assert [p["relevance"] for p in scored["paragraphs"]] == [p.relevance for p in expected.paragraphs]

    decision = detector.filter({"id": "a", "text": text})
    assert decision.to_dict()["score"] == decision.score  # POST /v1/filter's entries
    out_stream = io.BytesIO()
    filter_jsonl(_jsonl(tmp_path / "in.jsonl", "a").open("rb"), out_stream, detector=detector, warn=lambda _: None)
    assert json.loads(out_stream.getvalue())["quality"]["score"] == decision.score


def test_score_says_a_0_byte_compressed_page_is_empty_as_clean_does(tmp_path):
    """``detector score`` reads a page file through ``readers.check_magic``, which calls
    ``check_not_empty``: a 0-byte .html.gz is not 'truncated: the gzip stream is cut off'."""
    from hostile_helpers import run_cli

    for name, kind in (("cut.html.gz", "gzip"), ("cut.txt.zst", "zstd")):
        (tmp_path / name).write_bytes(b"")
        code, out, err = run_cli("score", str(tmp_path / name))
        assert (code, out) == (2, "")
        assert err.splitlines() == [f"detector score: error: {tmp_path / name}: unreadable: empty compressed file "
                                    f"(0 bytes, not even a {kind} header: cut off or never written)"]
