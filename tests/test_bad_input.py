"""Bad input (issue 2, "Must show"): through the Python API and through ``detector score``.

For every case the detector either raises ``InputError`` (``FetchError`` for URLs) whose
message names the input, or returns an empty result (``text == ""``) whose
``quality.flags`` say why. Never a traceback, never a hang: the big and deeply nested
cases run in a subprocess with a generous timeout, so a hang fails instead of blocking.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from detector import Detector, InputError, Result
from detector.cli import main
from detector.errors import FetchError

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 600  # seconds; only a guard against hangs, never a performance bound

# flags that say why a result is empty; the detector should use one of these
WHY_FLAGS = {"empty", "too-short", "not-html", "binary", "no-text", "not-text"}


# --- payloads --------------------------------------------------------------------------

ARTICLE_SENTENCES = (
    "The café on the corner of the Zürich market square reopened this week after a long renovation.",
    "Its owner, a naïve newcomer to the trade five years ago, now runs three shops across the canton.",
    "Customers queued from early morning for the crème brûlée that made the place famous in the region.",
    "The city council approved the façade works last spring after a lengthy public consultation.",
    "Local residents said the square had felt empty without the smell of coffee and fresh pastry.",
)


def article_html(charset_meta: str | None) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    paras = "".join(f"<p>{' '.join(ARTICLE_SENTENCES[i:] + ARTICLE_SENTENCES[:i])}</p>" for i in range(5))
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>The café reopens</title></head>"
        f"<body><article><h1>The café reopens</h1>{paras}</article></body></html>"
    )


def random_bytes(n: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(n)


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00\\r\xa8f"
    + b"\x00\x00 \x00IDATx\x9c" + random_bytes(8000, seed=1) + b"\x00\x00\x00\x00IEND\xaeB`\x82"
)

PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
    b"3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>\nendobj\n"
    b"4 0 obj\n<< /Length 5000 /Filter /FlateDecode >>\nstream\n"
    + random_bytes(5000, seed=2)
    + b"\nendstream\nendobj\nxref\n0 5\ntrailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"
)

JSON_DOC = json.dumps(
    {
        "id": 4821,
        "title": "Top US and Mexican Officials Meet to Address Migrant Crisis",
        "body": " ".join(ARTICLE_SENTENCES * 4),
        "tags": ["world", "politics"],
        "related": [{"title": "You May Also Like", "url": "/x"}],
    },
    indent=2,
).encode()


def deep_nesting(depth: int = 10_000, closed: bool = True) -> str:
    inner = "<p>" + ARTICLE_SENTENCES[0] + "</p>"
    return "<html><body>" + "<div>" * depth + inner + ("</div>" * depth if closed else "") + "</body></html>"


def huge_page(size: int = 50 * 2**20) -> bytes:
    para = ("<p>" + " ".join(ARTICLE_SENTENCES) + "</p>\n").encode()
    head, tail = b"<html><body><article>", b"</article></body></html>"
    return head + para * ((size - len(head) - len(tail)) // len(para) + 1) + tail


# --- checks ----------------------------------------------------------------------------

def assert_empty_with_reason(result: Result, name: str) -> None:
    flags = set(result.quality.flags)
    assert result.text == "", f"{name}: expected an empty result, got text {result.text[:80]!r}"
    assert result.quality.keep is False, name
    assert flags & WHY_FLAGS, f"{name}: empty result without a flag saying why (flags: {sorted(flags)})"


def assert_rejected_or_empty(call, name: str) -> InputError | Result:
    """``call()`` raises InputError naming ``name``, or returns an empty, flagged result."""
    try:
        result = call()
    except InputError as exc:
        assert name in str(exc), f"error does not name the input {name!r}: {exc}"
        assert exc.reason and exc.reason != str(name)
        return exc
    assert_empty_with_reason(result, name)
    return result


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector()


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["score", *argv])
    return code, out.getvalue(), err.getvalue()


def assert_cli_rejected_or_empty(code: int, out: str, err: str, name: str) -> None:
    """exit 2 + one clear line naming the input, or exit 0 + an empty, flagged JSON result."""
    assert "Traceback" not in err, err
    if code == 2:
        assert name in err, f"error does not name the input {name!r}: {err!r}"
        assert len(err.strip().splitlines()) == 1, err
        assert out == ""
        return
    assert code == 0, f"exit {code}: {err}"
    data = json.loads(out)
    assert data["text"] == "", f"{name}: expected empty text, got {data['text'][:80]!r}"
    assert data["quality"]["keep"] is False
    assert set(data["quality"]["flags"]) & WHY_FLAGS, data["quality"]["flags"]


# --- empty, whitespace, binary, PDF, JSON: Python API ------------------------------------

SMALL_CASES = {
    "empty-bytes": b"",
    "empty-str": "",
    "whitespace": " \n\t \r\n   \n",
    "whitespace-nbsp": "\u00a0\u2003 \n\u3000\n".encode(),
    "random-bytes": random_bytes(4096),
    "png": PNG,
    "pdf": PDF,
    "json": JSON_DOC,
    "html-without-text": b"<html><head><title></title></head><body><div><span></span></div></body></html>",
}


@pytest.mark.parametrize("case", SMALL_CASES)
def test_api_score_html(detector, case):
    name = f"case-{case}"
    assert_rejected_or_empty(lambda: detector.score_html(SMALL_CASES[case], id=name), name)


@pytest.mark.parametrize("case", SMALL_CASES)
def test_api_score_content_detects(detector, case):
    name = f"case-{case}"
    assert_rejected_or_empty(lambda: detector.score_content(SMALL_CASES[case], id=name), name)


@pytest.mark.parametrize("case", ["empty-bytes", "empty-str", "whitespace", "random-bytes", "png", "pdf"])
def test_api_score_text(detector, case):
    name = f"case-{case}"
    assert_rejected_or_empty(lambda: detector.score_text(SMALL_CASES[case], id=name), name)


def test_api_error_names_the_url_when_there_is_no_id(detector):
    url = "https://example.com/broken.pdf"
    outcome = assert_rejected_or_empty(lambda: detector.score_html(PDF, url=url), url)
    if isinstance(outcome, Result):
        assert outcome.url == url


def test_a_json_lines_file_is_refused_as_one_page(detector):
    # `detector score pages.jsonl` had scored 16 records as one HTML page (a one-line file was
    # already refused as JSON)
    rec = {"id": "r", "html": "<p>" + " ".join(ARTICLE_SENTENCES) + "</p>", "url": "https://example.com/a"}
    jsonl = "\n".join(json.dumps({**rec, "id": f"r{i}"}) for i in range(3)) + "\n"
    for score in (detector.score_html, detector.score_content):
        with pytest.raises(InputError, match="^pages.jsonl: content is JSON Lines"):
            score(jsonl, id="pages.jsonl")
    # an HTML page that only opens and closes with JSON-looking lines is not refused
    page = '{"x": 1}\n<html><body><p>' + " ".join(ARTICLE_SENTENCES) + "</p></body></html>\n[1]"
    assert detector.score_html(page, id="p").paragraphs


@pytest.mark.parametrize("content", [None, 42, ["<p>x</p>"]])
def test_api_content_that_is_not_str_or_bytes_is_an_input_error_naming_it(detector, content):
    with pytest.raises(InputError, match=f"^page-7: content is {type(content).__name__}, not str or bytes"):
        detector.score_html(content, id="page-7")
    with pytest.raises(InputError, match="not str or bytes"):
        detector.score_text(content)

@pytest.mark.parametrize("url, says, record_says", [
    ("http://[::1", "is not a URL: Invalid IPv6 URL", "is not a URL: Invalid IPv6 URL"),
    (5, "url is int, not str", "field 'url' holds int, not a string"),
])
def test_a_url_that_is_not_one_is_an_input_error_naming_the_document_at_every_door(detector, tmp_path, url, says,
                                                                                  record_says):
    # a malformed URL had been an internal ValueError (urlsplit, for the document's site) in the
    # API, ``detector score``, ``clean`` and the service; an integer an AttributeError
    page = "<p>" + " ".join(ARTICLE_SENTENCES) + "</p>"
    with pytest.raises(InputError, match=f"^page-7: .*{says}"):
        detector.score_html(page, url=url, id="page-7")
    with pytest.raises(InputError, match=record_says):
        detector.filter({"html": page, "url": url})
    good = {"id": "good", "html": page, "url": "https://example.com/a"}
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "bad", "html": page, "url": url}) + "\n" + json.dumps(good) + "\n")
    out = tmp_path / "out.jsonl"
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        assert main(["clean", str(src), "-o", str(out), "--workers", "1"]) == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["good"]
    (error,) = [json.loads(line) for line in (tmp_path / "out.jsonl.errors.jsonl").read_text().splitlines()]
    assert error["id"] == "bad" and error["error"].startswith("bad-field:") and record_says in error["error"]
    if isinstance(url, str):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            assert main(["score", str(ROOT / "seeds" / "migrant-crisis-article.txt"), "--url", url]) == 2
        assert says in err.getvalue() and "internal error" not in err.getvalue()


def test_api_filter_drops_bad_input_with_a_reason(detector):
    try:
        decision = detector.filter({"id": "bad-1", "html": b""})
    except InputError as exc:
        assert "bad-1" in str(exc)
        return
    assert decision.keep is False and decision.text == "" and decision.reasons


# --- wrong and unknown charsets --------------------------------------------------------

MOJIBAKE = ("Ã©", "Ã¼", "Ã¯", "Ã§", "â€")


def assert_decoded_or_flagged(result: Result, name: str) -> None:
    """A wrong charset must not turn into silent mojibake: decode right, or flag it."""
    charset_flags = [f for f in result.quality.flags if "charset" in f or "encoding" in f or "mojibake" in f]
    if charset_flags:
        return
    assert result.text, f"{name}: nothing extracted from a readable page (flags {result.quality.flags})"
    assert not any(m in result.text for m in MOJIBAKE), f"{name}: mojibake in {result.text[:120]!r}"
    assert "café" in result.text and "Zürich" in result.text and "naïve" in result.text


@pytest.mark.parametrize(
    ("case", "payload", "declared"),
    [
        ("meta-latin1-utf8-bytes", article_html("iso-8859-1").encode("utf-8"), None),
        ("header-latin1-utf8-bytes", article_html(None).encode("utf-8"), "latin-1"),
        ("meta-unknown-charset", article_html("x-foo").encode("utf-8"), None),
        ("header-unknown-charset", article_html(None).encode("utf-8"), "x-foo"),
        ("meta-codec-not-a-charset", article_html("rot13").encode("utf-8"), None),
        ("header-codec-not-a-charset", article_html(None).encode("utf-8"), "base64"),
    ],
)
def test_api_wrong_or_unknown_charset(detector, case, payload, declared):
    name = f"case-{case}"
    try:
        result = detector.score_html(payload, id=name, encoding=declared)
    except InputError as exc:
        assert name in str(exc)
        return
    assert_decoded_or_flagged(result, name)


def test_api_latin1_page_that_is_really_latin1_still_decodes(detector):
    # the control for the cases above: honest latin-1 bytes must still read right
    result = detector.score_html(article_html("iso-8859-1").encode("latin-1"), id="honest-latin1")
    assert "café" in result.text and "Zürich" in result.text


# --- 50 MB and 10,000-deep nesting: in a subprocess, so a hang fails -----------------------

API_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from detector import Detector, InputError
    path, fmt, name = sys.argv[1], sys.argv[2], sys.argv[3]
    data = open(path, "rb").read()
    try:
        r = Detector().score_content(data, id=name, format=None if fmt == "detect" else fmt)
    except InputError as exc:
        print(json.dumps({"error": str(exc), "reason": exc.reason}))
    else:
        print(json.dumps(r.to_dict()))
    """
)


def run_api_subprocess(tmp_path: Path, payload: bytes, name: str, fmt: str = "html") -> dict:
    path = tmp_path / "payload.bin"
    path.write_bytes(payload)
    proc = subprocess.run(
        [sys.executable, "-c", API_SCRIPT, str(path), fmt, name],
        capture_output=True, timeout=TIMEOUT, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return json.loads(proc.stdout)


def run_cli_subprocess(*argv: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "detector", "score", *argv],
        input=stdin, capture_output=True, timeout=TIMEOUT, cwd=ROOT,
    )


@pytest.fixture(scope="module")
def huge_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("huge") / "page-50mb.html"
    path.write_bytes(huge_page())
    assert path.stat().st_size >= 50 * 2**20
    return path


def test_api_50mb_page_is_refused(tmp_path, huge_file):
    out = run_api_subprocess(tmp_path, huge_file.read_bytes(), "case-50mb")
    assert "error" in out, "a 50 MB page should be refused (Config.max_input_bytes), not scored"
    assert "case-50mb" in out["error"]


def test_cli_50mb_page_file(huge_file):
    proc = run_cli_subprocess("--json", str(huge_file))
    assert_cli_rejected_or_empty(proc.returncode, proc.stdout.decode(), proc.stderr.decode(), str(huge_file))
    assert proc.returncode == 2


def test_cli_50mb_page_on_stdin(huge_file):
    proc = run_cli_subprocess("--json", "-", stdin=huge_file.read_bytes())
    assert_cli_rejected_or_empty(proc.returncode, proc.stdout.decode(), proc.stderr.decode(), "<stdin>")
    assert proc.returncode == 2


@pytest.mark.parametrize("closed", [True, False], ids=["closed", "unclosed"])
def test_api_10000_deep_nesting(tmp_path, closed):
    name = "case-deep"
    out = run_api_subprocess(tmp_path, deep_nesting(closed=closed).encode(), name)
    if "error" in out:
        assert name in out["error"]
        return
    # the one sentence inside may survive; anything else, or no flag, is wrong
    assert out["text"] in ("", ARTICLE_SENTENCES[0]), out["text"][:200]
    assert out["quality"]["keep"] is False and out["quality"]["flags"]


def test_cli_10000_deep_nesting(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text(deep_nesting(), encoding="utf-8")
    proc = run_cli_subprocess("--json", str(path))
    err = proc.stderr.decode()
    assert "Traceback" not in err, err[-2000:]
    assert proc.returncode in (0, 2), err
    if proc.returncode == 2:
        assert str(path) in err
    else:
        data = json.loads(proc.stdout)
        assert data["text"] in ("", ARTICLE_SENTENCES[0]) and data["quality"]["flags"]


def test_api_deep_nesting_in_plain_text_mode_is_harmless(tmp_path):
    out = run_api_subprocess(tmp_path, deep_nesting().encode(), "case-deep-text", fmt="text")
    assert "error" in out or out["quality"]["keep"] is False


# --- the CLI, same cases -----------------------------------------------------------------

@pytest.mark.parametrize("case", SMALL_CASES)
def test_cli_bad_file(tmp_path, case):
    path = tmp_path / f"{case}.html"
    payload = SMALL_CASES[case]
    path.write_bytes(payload.encode() if isinstance(payload, str) else payload)
    assert_cli_rejected_or_empty(*run_cli("--json", str(path)), str(path))


@pytest.mark.parametrize("case", ["pdf", "json", "png"])
def test_cli_given_as_html(tmp_path, case):
    path = tmp_path / f"{case}-as-html.html"
    path.write_bytes(SMALL_CASES[case])
    assert_cli_rejected_or_empty(*run_cli("--json", "--format", "html", str(path)), str(path))


def test_cli_text_report_for_an_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    code, out, err = run_cli("--no-color", str(path))
    assert "Traceback" not in err
    if code == 2:
        assert str(path) in err
    else:
        assert code == 0 and "verdict: DROP" in out


def test_cli_wrong_charset(tmp_path):
    path = tmp_path / "declared-latin1.html"
    path.write_bytes(article_html("iso-8859-1").encode("utf-8"))
    code, out, err = run_cli("--json", str(path))
    assert "Traceback" not in err
    if code == 2:
        assert str(path) in err
        return
    assert code == 0, err
    data = json.loads(out)
    flags = data["quality"]["flags"]
    if not any("charset" in f or "encoding" in f for f in flags):
        assert not any(m in data["text"] for m in MOJIBAKE) and "Zürich" in data["text"]


def test_cli_unknown_charset_option(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(article_html(None).encode("utf-8"))
    # refused as a usage error (argparse: exit 2, the label named), not ignored
    with pytest.raises(SystemExit) as exit_info:
        run_cli("--json", "--encoding", "x-foo", str(path))
    assert exit_info.value.code == 2
    code, out, err = run_cli("--json", "--encoding", "utf-8", str(path))
    assert code == 0 and "Zürich" in json.loads(out)["text"]


# --- unreachable URL -----------------------------------------------------------------------

def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_api_unreachable_url_raises_fetch_error_naming_it():
    from detector.fetch import fetch_url

    url = f"http://127.0.0.1:{closed_port()}/gone"
    with pytest.raises(FetchError) as exc:
        fetch_url(url, timeout=5, max_bytes=2**20, allow_private=True)
    assert url in str(exc.value)


def test_cli_unreachable_url():
    url = f"http://127.0.0.1:{closed_port()}/gone"
    code, out, err = run_cli("--timeout", "5", url)
    assert code == 2 and out == ""
    assert url in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


# --- NUL-only / control-only content: bad input at every door --------------------------------


NUL_ONLY = "\x00" * 40
CONTROLS_ONLY = "\x01\x02\x1b[0m\x00\x07\x08"


def test_nul_or_control_only_content_is_an_input_error_at_every_door(detector, tmp_path):
    # A str (a JSONL record, a request body) of NULs was scored as an empty document while the
    # same bytes were refused as binary; now both are one InputError naming the document. Blank
    # content (whitespace only) stays an empty document: a scrape that got nothing is a verdict
    # (`empty`), not bad input.
    from fastapi.testclient import TestClient

    from detector.filtering import filter_jsonl
    from detector.service import create_app

    for content in (NUL_ONLY, NUL_ONLY.encode(), CONTROLS_ONLY, CONTROLS_ONLY.encode(), "\x00 \x00\n\x00 \x00"):
        with pytest.raises(InputError, match=r"^nul-doc: content looks binary \(control"):
            detector.score_content(content, id="nul-doc")
        with pytest.raises(InputError, match="^nul-doc: content looks binary"):
            detector.filter({"id": "nul-doc", "text": content})
    blank = detector.score_content(" \n\t \n", id="blank")
    assert blank.text == "" and "empty" in blank.quality.flags

    # detector score: one line naming the file, exit 2
    (tmp_path / "nul.txt").write_bytes(NUL_ONLY.encode())
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        assert main(["score", str(tmp_path / "nul.txt"), "--json"]) == 2
    assert len(err.getvalue().strip().splitlines()) == 1 and "nul.txt: content looks binary" in err.getvalue()

    good = {"id": "good", "text": " ".join(ARTICLE_SENTENCES)}
    records = [{"id": "nul-doc", "text": NUL_ONLY}, {"id": "ctl-doc", "html": CONTROLS_ONLY}, good]
    lines = "".join(json.dumps(r) + "\n" for r in records).encode()

    # detector filter: error records (in rejects, with the error), the stream goes on
    out, rejects, warnings = io.BytesIO(), io.BytesIO(), []
    tally = filter_jsonl(io.BytesIO(lines), out, detector=detector, rejects=rejects, warn=warnings.append)
    assert (tally.documents, tally.errors) == (3, 2)
    errs = {r["id"]: r for r in map(json.loads, rejects.getvalue().splitlines()) if r["reasons"] == ["error"]}
    assert set(errs) == {"nul-doc", "ctl-doc"} and errs["nul-doc"]["error"].startswith("nul-doc: content looks binary")

    # detector clean (JSONL): an error record each, the good document written
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(lines)
    assert main(["clean", str(src), "-o", str(dst), "--workers", "1", "--no-templates", "-q"]) == 0
    assert [r["id"] for r in map(json.loads, dst.read_text("utf-8").splitlines())] == ["good"]
    errors = {r["id"]: r["error"] for r in map(json.loads, Path(f"{dst}.errors.jsonl").read_text("utf-8").splitlines())}
    assert set(errors) == {"nul-doc", "ctl-doc"} and all("content looks binary" in e for e in errors.values())

    # the service: 422 for /v1/score, an error entry in a /v1/filter batch
    with TestClient(create_app(detector=detector)) as client:
        scored = client.post("/v1/score", json={"id": "nul-doc", "text": NUL_ONLY})
        batch = client.post("/v1/filter", json={"documents": records}).json()
    assert scored.status_code == 422 and "nul-doc: content looks binary" in scored.json()["error"]["message"]
    assert [d["error"] is not None for d in batch["decisions"]] == [True, True, False]


@pytest.mark.parametrize("changes, names", [
    ({"min_quality": "0.5"}, "min_quality must be a number, not str"),
    ({"min_quality": 5}, "min_quality is a quality score in [0, 1]"),
    ({"relevance_threshold": True}, "relevance_threshold must be a number, not bool"),
    ({"max_blocks": 1.5}, "max_blocks must be an integer, not float"),
    ({"duplicate_threshold": float("nan")}, "duplicate_threshold must be a finite"),
    ({"doc_timeout": -1}, "doc_timeout must be a finite positive number"),
    ({"doc_timeout": float("inf")}, "doc_timeout must be a finite positive number"),
])
def test_config_refuses_a_value_it_cannot_use_naming_the_field(changes, names):
    # these had been accepted, and scoring failed later with a TypeError deep in the pipeline
    from detector import Config

    with pytest.raises(ValueError, match=re.escape(names)):
        Config(**changes)
    with pytest.raises(ValueError, match=re.escape(names)):
        Config().replace(**changes)
    assert Config(doc_timeout=None, min_quality=1, max_blocks=10).max_blocks == 10


def test_detector_given_something_else_than_a_config_says_so():
    with pytest.raises(TypeError, match=r"^Detector\(config\): a detector.Config, not str"):
        Detector("models/paragraph-model.joblib")
