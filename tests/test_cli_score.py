"""End-to-end: ``detector score`` on the seeds (text report, --json, stdin, --html-report, URLs)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from detector.cli import main
from detector.document import load_schema

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
ARTICLE = SEEDS / "migrant-crisis-article.txt"
PAGES = (SEEDS / "migrant-crisis-page.html", SEEDS / "migrant-crisis-page-inline.html")
LABELS = SEEDS / "migrant-crisis-labels.jsonl"
SUBPROCESS_TIMEOUT = 300  # generous: only there so that a hang fails instead of blocking


def norm(text: str) -> str:
    return " ".join(text.split())


def labels() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text("utf-8").splitlines() if line.strip()]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["score", *argv])
    return code, out.getvalue(), err.getvalue()


def run_subprocess(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "detector", "score", *argv],
        input=stdin, capture_output=True, timeout=SUBPROCESS_TIMEOUT, cwd=ROOT,
    )


@pytest.fixture(scope="module")
def json_runs(tmp_path_factory) -> dict[str, tuple[dict, Path]]:
    """One ``--json --html-report`` run per seed (the model loads once per run)."""
    out = {}
    for path in (ARTICLE, *PAGES):
        report = tmp_path_factory.mktemp("reports") / f"{path.stem}.html"
        code, stdout, stderr = run_cli("--json", "--html-report", str(report), str(path))
        assert code == 0, stderr
        out[path.name] = (json.loads(stdout), report)
    return out


def test_markdown_output_carries_no_control_characters_and_json_keeps_them(tmp_path):
    """``--format markdown`` replaces C0/C1 control characters of the page (an ESC sequence
    that would clear the screen, BEL) as the terminal report does, in the text and in the
    ``<!-- source -->`` line; ``--json`` keeps them (escaped by JSON), so it stays lossless."""
    paragraphs = ARTICLE.read_text("utf-8").split("\n\n")
    paragraphs[3] = paragraphs[3] + " \x1b[2J\x1b]0;pwned\x07 \x9b31m"
    page = tmp_path / "hostile.txt"
    page.write_text("\n\n".join(paragraphs), "utf-8")
    other = tmp_path / "x\x1b[31m.txt"
    other.write_text(ARTICLE.read_text("utf-8"), "utf-8")
    code, out, err = run_cli("--format", "markdown", str(page), str(other))
    assert code == 0, err
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", out)
    assert "\ufffd[2J\ufffd]0;pwned\ufffd \ufffd31m" in out and "x\ufffd[31m.txt -->" in out
    code, out, err = run_cli("--json", str(page))
    assert code == 0, err
    assert "\x1b[2J\x1b]0;pwned\x07 \x9b31m" in json.loads(out)["text"]


# --- text report ---------------------------------------------------------------------

@pytest.mark.parametrize("path", [ARTICLE, *PAGES], ids=lambda p: p.name)
def test_text_report_lists_drops_with_reasons(path, json_runs):
    code, out, err = run_cli("--no-color", str(path))
    assert code == 0, err
    assert "\x1b" not in out
    data, _ = json_runs[path.name]
    assert re.search(r"verdict: (KEEP|DROP)\s+quality \d\.\d\d", out)
    lines = out.splitlines()
    for p in data["paragraphs"]:
        header = next(line for line in lines if line.startswith(f"#{p['index']} "))
        if p["keep"]:
            assert "[keep]" in header
        else:
            assert f"[drop: {p['reason']}]" in header
    if path == ARTICLE:
        summary = out[out.index("\nsummary") :]
        for reason, n in Counter(lab["reason"] for lab in labels() if lab["label"] == "drop").items():
            assert re.search(rf"\b{re.escape(reason)}\s+{n}\b", summary), (reason, summary)


# --- JSON ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", [ARTICLE.name, *(p.name for p in PAGES)])
def test_json_validates_against_the_schema(name, json_runs):
    data, _ = json_runs[name]
    jsonschema.validate(data, load_schema())
    assert data["schema_version"] == 1
    assert data["text"] == "\n\n".join(
        p["text"] for p in data["paragraphs"] if p["keep"] and p["kind"] != "title"
    )


def test_json_drops_exactly_the_labelled_paragraphs(json_runs):
    data, _ = json_runs[ARTICLE.name]
    got_dropped = Counter(norm(p["text"]) for p in data["paragraphs"] if not p["keep"])
    want_dropped = Counter(norm(lab["text"]) for lab in labels() if lab["label"] == "drop")
    assert got_dropped == want_dropped
    got_kept = Counter(norm(p["text"]) for p in data["paragraphs"] if p["keep"])
    want_kept = Counter(norm(lab["text"]) for lab in labels() if lab["label"] == "keep")
    assert got_kept == want_kept


def test_json_drop_reasons_match_the_labels(json_runs):
    data, _ = json_runs[ARTICLE.name]
    got = Counter((norm(p["text"]), p["reason"]) for p in data["paragraphs"] if not p["keep"])
    want = Counter((norm(lab["text"]), lab["reason"]) for lab in labels() if lab["label"] == "drop")
    assert got == want


@pytest.mark.parametrize(
    "page", PAGES,
    ids=lambda p: p.name,
)
def test_html_pages_keep_the_same_body_paragraphs_as_the_text(page, json_runs):
    def body(data):
        return [norm(p["text"]) for p in data["paragraphs"] if p["keep"] and p["kind"] == "paragraph"]

    want = [norm(lab["text"]) for lab in labels() if lab["label"] == "keep" and lab["kind"] == "paragraph"]
    assert body(json_runs[ARTICLE.name][0]) == want
    assert body(json_runs[page.name][0]) == want


# --- stdin, --format, options ----------------------------------------------------------

def test_stdin_gives_the_same_result_as_the_file(json_runs):
    proc = run_subprocess("--json", "-", stdin=ARTICLE.read_bytes())
    assert proc.returncode == 0, proc.stderr.decode()
    data = json.loads(proc.stdout)
    from_file, _ = json_runs[ARTICLE.name]
    assert data["id"] == "<stdin>"
    assert data["text"] == from_file["text"]
    assert data["quality"] == from_file["quality"]


def test_format_flag_forces_the_format_and_thresholds_apply():
    code, out, err = run_cli("--json", "--format", "text", "--min-quality", "0", str(PAGES[0]))
    assert code == 0, err
    data = json.loads(out)
    assert data["format"] == "text"
    assert data["quality"]["keep"] is True  # everything passes a zero threshold
    code, out, err = run_cli("--json", "--min-quality", "1", str(ARTICLE))
    assert code == 0, err
    q = json.loads(out)["quality"]
    assert q["keep"] is (q["score"] >= 1.0)


def test_a_page_file_is_read_by_its_extension_as_clean_reads_it(tmp_path):
    # a one-paragraph fragment saved as .html is HTML (its tags go), as `detector clean` reads it
    body = "<p>Le conseil municipal a voté le <b>budget</b> de la bibliothèque après un long débat au café.</p>"
    (tmp_path / "frag.html").write_text(body, encoding="utf-8")
    (tmp_path / "frag.txt").write_text(body, encoding="utf-8")
    code, out, err = run_cli("--json", "--min-quality", "0", str(tmp_path / "frag.html"))
    assert code == 0, err
    data = json.loads(out)
    # (one sentence has no main content: its paragraph is withheld, but it is still read as HTML)
    read = " ".join(p["text"] for p in data["paragraphs"])
    assert data["format"] == "html" and "<b>" not in read and "budget" in read
    code, out, err = run_cli("--json", "--min-quality", "0", str(tmp_path / "frag.txt"))
    assert code == 0, err
    assert json.loads(out)["format"] == "text"

def test_min_quality_out_of_range_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["score", "--min-quality", "1.5", str(ARTICLE)])
    assert exc.value.code == 2
    assert "between 0 and 1" in capsys.readouterr().err


# --- HTML report -----------------------------------------------------------------------

def test_html_report_is_written_and_shows_the_drops(json_runs):
    data, report = json_runs[ARTICLE.name]
    page = report.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    for p in data["paragraphs"]:
        div = re.search(rf'<div class="([^"]*)" id="p{p["index"]}"', page)
        assert div, p["index"]
        assert ("dropped" in div.group(1).split()) is (not p["keep"])
        if not p["keep"]:
            assert f"r-{p['reason']}" in div.group(1).split()
    assert not list(report.parent.glob(".*.tmp"))


def test_html_report_into_a_missing_directory_is_a_clear_error(tmp_path):
    target = tmp_path / "no-such-dir" / "r.html"
    code, _, err = run_cli("--html-report", str(target), str(ARTICLE))
    assert code == 2
    assert str(target) in err and "Traceback" not in err


# --- errors ----------------------------------------------------------------------------

def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_url_is_a_clear_error_with_exit_2():
    url = f"http://127.0.0.1:{closed_port()}/article"
    proc = run_subprocess("--timeout", "5", url)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert url in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert proc.stdout == b""


def test_missing_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "nope.html"
    code, out, err = run_cli(str(missing))
    assert code == 2 and out == ""
    assert str(missing) in err and "no such file" in err


def test_unsupported_scheme_is_a_clear_error():
    code, _, err = run_cli("ftp://example.com/page.html")
    assert code == 2
    assert "ftp://example.com/page.html" in err and "http" in err


def test_missing_model_file_is_a_clear_error(tmp_path):
    model = tmp_path / "missing-model.joblib"
    code, out, err = run_cli("--model", str(model), str(ARTICLE))
    assert code == 2 and out == ""
    assert "missing-model.joblib" in err and "Traceback" not in err


def test_a_source_name_cannot_end_the_markdown_source_comment():
    from detector.cli.score import _comment_safe

    assert "-->" not in _comment_safe("a-->b<x>.html") and "--" not in _comment_safe("x--y")
    assert "\x1b" not in _comment_safe("a\x1b[2Jb.html")


def test_a_gzipped_page_is_read_whatever_its_name_as_clean_reads_it(tmp_path):
    # `clean` opened a gzip file named .html by its magic bytes while `score` refused it as
    # compressed: the two file doors now read the same file the same way
    page = PAGES[0].read_bytes()
    (tmp_path / "page.html").write_bytes(__import__("gzip").compress(page))
    (tmp_path / "plain.html").write_bytes(page)
    code, out, err = run_cli(str(tmp_path / "page.html"), "--json")
    assert code == 0, err
    code_plain, out_plain, _ = run_cli(str(tmp_path / "plain.html"), "--json")
    drop_id = lambda s: {k: v for k, v in json.loads(s).items() if k != "id"}  # noqa: E731
    assert drop_id(out) == drop_id(out_plain)
    (tmp_path / "cut.html").write_bytes(__import__("gzip").compress(page)[:200])
    code, _, err = run_cli(str(tmp_path / "cut.html"))
    assert code == 2 and "cut.html" in err and "truncated" in err


def test_an_unknown_encoding_is_refused_and_a_known_one_decodes(tmp_path):
    # an unknown --encoding was ignored silently (the page decoded by detection)
    page = tmp_path / "fr.html"
    body = "<html><body><p>" + "Les crêpes très fines du café sont servies aux naïfs voyageurs du soir. " * 4
    page.write_bytes((body + "</p></body></html>").encode("latin-1"))
    proc = run_subprocess("--encoding", "klingon", str(page))
    assert proc.returncode == 2
    assert b"klingon" in proc.stderr and b"Traceback" not in proc.stderr
    code, stdout, stderr = run_cli("--json", "--encoding", "latin-1", str(page))
    assert code == 0, stderr
    assert "crêpes très fines" in json.loads(stdout)["text"]
