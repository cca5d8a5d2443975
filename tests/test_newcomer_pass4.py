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


# --- 3: NaN, Infinity and -Infinity are not JSON ---------------------------------------------------

NAN_LINES = (b'{"id": "n", "text": "Some text here.", "extra": NaN}\n'
             b'{"id": -Infinity, "text": "x NaN"}\n'
             b'{"id": "NaN \\" Infinity", "text": "x", "v": Infinity}\n')
NAN_PROBLEMS = [("NaN", 49), ("-Infinity", 8), ("Infinity", 45)]  # (constant, 1-based column)


def test_the_shared_reader_rejects_the_constants_json_has_not():
    from detector.jsonl import loads

    for line, (name, column) in zip(NAN_LINES.splitlines(), NAN_PROBLEMS):
        try:
            loads(line)
        except json.JSONDecodeError as exc:
            assert exc.msg == f"{name} is not valid JSON" and exc.pos == column - 1
        else:
            raise AssertionError(f"{line!r} was read")
    assert loads('{"a": "NaN", "b": 1.5e300}') == {"a": "NaN", "b": 1.5e300}


def test_filter_takes_a_line_with_nan_as_malformed_json(detector):
    import io

    from detector.filtering import filter_jsonl

    out, rejects, warnings = io.BytesIO(), io.BytesIO(), []
    stats = filter_jsonl(io.BytesIO(NAN_LINES), out, detector=detector, rejects=rejects, warn=warnings.append)
    assert stats.malformed == 3 and stats.documents == 0 and out.getvalue() == b""
    assert warnings[:3] == [f"line {n}, column {c}: malformed JSON: {name} is not valid JSON"
                            for n, (name, c) in enumerate(NAN_PROBLEMS, 1)]
    for record in _records(rejects.getvalue().decode()):  # strict JSON out: no NaN anywhere
        json.dumps(record, allow_nan=False)


def test_clean_reads_a_line_with_nan_as_invalid_json(tmp_path):
    from detector.corpus.readers import ReadError, read_source

    path = tmp_path / "nan.jsonl"
    path.write_bytes(NAN_LINES)
    entries = [entry for entry, _ in read_source(str(path), str(path), "jsonl", limit=2**20)]
    assert all(isinstance(e, ReadError) for e in entries)
    assert [(e.line, e.error.startswith("invalid-json: ") and f"{name} is not valid JSON" in e.error)
            for e, (name, _) in zip(entries, NAN_PROBLEMS)] == [(1, True), (2, True), (3, True)]


def test_the_service_takes_a_body_with_nan_as_invalid_json(detector):
    from fastapi.testclient import TestClient

    from detector.service import create_app

    with TestClient(create_app(detector=detector)) as client:
        for path, body in (("/v1/score", '{"text": "hello there", "id": NaN}'),
                           ("/v1/filter", '{"documents": [{"text": "hello there", "extra": Infinity}]}')):
            response = client.post(path, content=body, headers={"content-type": "application/json"})
            assert response.status_code == 422, response.text
            error = response.json()["error"]
            assert error["type"] == "invalid_json"
            assert "is not valid JSON" in error["message"], error


# --- 4: clean words a bad JSON line as filter does -------------------------------------------------


def test_clean_words_bad_json_and_bad_utf8_as_filter_does(tmp_path, detector):
    import io

    from detector.corpus.readers import read_source
    from detector.filtering import filter_jsonl

    data = (b'{"id": "a", "text": "x" "more"}\n'  # a missing comma at column 25
            b'{"id": "b", "text": "caf\xff"}\n')  # a byte that is not UTF-8 at column 25
    path = tmp_path / "bad.jsonl"
    path.write_bytes(data)
    errors = [(e.line, e.error) for e, _ in read_source(str(path), str(path), "jsonl", limit=2**20)]
    assert errors == [(1, "invalid-json: column 25: Expecting ',' delimiter"),
                      (2, "invalid-json: column 25: not UTF-8 (byte 0xff: invalid start byte)")]
    warnings: list[str] = []
    filter_jsonl(io.BytesIO(data), io.BytesIO(), detector=detector, warn=warnings.append)
    assert warnings == ["line 1, column 25: malformed JSON: Expecting ',' delimiter",
                        "line 2, column 25: malformed JSON: not UTF-8 (byte 0xff: invalid start byte)"]


# --- 5: the last resort of shown_against is the shortest repr -------------------------------------


def test_shown_against_falls_back_to_the_shortest_repr():
    from detector.quality import shown_against

    assert shown_against(0.30000000000000004, 0.3) == ("0.30000000000000004", "0.3")
    assert shown_against(0.3, 0.30000000000000004) == ("0.3", "0.30000000000000004")
    assert shown_against(1e-20, 1.0000000000000001e-20) == ("1e-20", "1.0000000000000001e-20")
    assert shown_against(1e16 + 2, 1e16) == ("10000000000000002", "10000000000000000")
    assert shown_against(0.2996, 0.3) == ("0.2996", "0.3")


# --- 6: wording -------------------------------------------------------------------------------------

NOT_OBJECTS = [(b"null", "null"), (b"true", "boolean"), (b"3", "number"), (b"2.5", "number"),
               (b'"s"', "string"), (b"[1]", "array")]


def test_every_door_names_a_record_that_is_not_an_object_by_its_json_type(tmp_path, detector):
    import io

    from fastapi.testclient import TestClient

    from detector.corpus.readers import read_source
    from detector.filtering import filter_jsonl
    from detector.service import create_app

    data = b"".join(line + b"\n" for line, _ in NOT_OBJECTS)
    want = [f"expected a JSON object, got {name}" for _, name in NOT_OBJECTS]
    warnings: list[str] = []
    filter_jsonl(io.BytesIO(b'{"id": "x", "text": "t"}\n' + data), io.BytesIO(), detector=detector,
                 warn=warnings.append)
    assert [w for w in warnings if "JSON object" in w] == [f"line {n}: malformed: {w}" for n, w in enumerate(want, 2)]
    path = tmp_path / "not-objects.jsonl"
    path.write_bytes(data)
    assert [e.error for e, _ in read_source(str(path), str(path), "jsonl", limit=2**20)] == [
        f"invalid-json: {w}" for w in want]
    body = b'{"documents": [' + b", ".join(line for line, _ in NOT_OBJECTS) + b"]}"
    with TestClient(create_app(detector=detector)) as client:
        response = client.post("/v1/filter", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    assert [d["error"] for d in response.json()["decisions"]] == [f"documents[{i}]: {w}" for i, w in enumerate(want)]


def test_the_line_limit_is_said_once_when_it_is_a_plain_byte_count(detector):
    import io

    from detector.filtering import filter_jsonl

    for limit, said in ((1000, "1000 bytes"), (2048, "2 KiB (2048 bytes)")):
        warnings: list[str] = []
        filter_jsonl(io.BytesIO(b'{"id": "a", "text": "' + b"x" * 3000 + b'"}\n'), io.BytesIO(), detector=detector,
                     max_line_bytes=limit, warn=warnings.append)
        assert warnings == [f"line 1: malformed: longer than the line limit of {said}, skipped; "
                            "raise it with --max-line-bytes"]


def test_a_rerun_after_a_stop_in_pass_2_says_how_many_shards_were_done(tmp_path):
    """Killed during pass 2 (scoring), a rerun said 'resumed: 3 of 3 shards were already done'
    although it scored two of them: pass 1 of those was all that was done."""
    from corpus_helpers import stopping_executor

    from detector.corpus import CleanOptions, clean_corpus
    from detector.corpus.executors.local import LocalExecutor

    text = ARTICLE.read_text("utf-8")
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": text}) + "\n" for i in "abcdef"), encoding="utf-8")
    opts = CleanOptions(workers=1, shard_size=2, templates=True, quiet=True)
    out = tmp_path / "out.jsonl"
    try:  # shard 0 scored, then the run stops
        clean_corpus([str(path)], out, options=opts, executor=stopping_executor(LocalExecutor, "score_task", 1, workers=1))
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the run did not stop")
    summary = clean_corpus([str(path)], out, options=opts)
    assert (summary.shards, summary.resumed_shards, summary.resumed_scored_shards) == (3, 3, 1)
    assert "  resumed: 1 of 3 shards was already done, and pass 1 (extract) of 2 more" in summary.format().splitlines()
    stats = json.loads((tmp_path / "out.jsonl.stats.json").read_text("utf-8"))
    assert (stats["resumed_shards"], stats["resumed_scored_shards"]) == (3, 1)
    assert [r["id"] for r in _records(out.read_text("utf-8"))] == list("abcdef")


# --- 7, 8: the docs -----------------------------------------------------------------------------------


def test_the_version_is_at_least_every_version_the_readme_calls_new():
    import re
    import tomllib

    import detector

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["version"] == detector.__version__
    ours = tuple(int(p) for p in detector.__version__.split(".")[:2])
    readme = (ROOT / "README.md").read_text("utf-8")
    named = [tuple(int(p) for p in v.split(".")) for v in re.findall(r"new in (\d+\.\d+)", readme)]
    assert named and all(v <= ours for v in named), (named, detector.__version__)


def _readme() -> str:
    return (ROOT / "README.md").read_text("utf-8")


def test_a_clean_row_carries_paragraphs_only_with_details_as_the_readme_says(tmp_path):
    from detector.corpus import CleanOptions, clean_corpus

    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps({"id": "a", "text": ARTICLE.read_text("utf-8"), "src": "x"}) + "\n", encoding="utf-8")
    keys = {}
    for details in (False, True):
        out = tmp_path / f"out-{details}.jsonl"
        clean_corpus([str(path)], out, options=CleanOptions(workers=1, quiet=True, details=details))
        keys[details] = set(_records(out.read_text("utf-8"))[0])
    assert "paragraphs" not in keys[False] and keys[True] - keys[False] == {"paragraphs"}
    contract = _readme().split("### The JSON contract", 1)[1].split("```", 1)[0]
    assert "one row of `detector clean`" not in contract
    assert "without `paragraphs`" in contract and "`--details`" in contract


def test_the_readme_shows_the_version_option_with_its_real_output():
    from hostile_helpers import run_cli

    code, out, err = run_cli("--version")
    assert code == 0
    use = _readme().split("## Use", 1)[1].split("```console", 1)[1].split("```", 1)[0]
    line = next((line for line in use.splitlines() if line.startswith("$ detector --version")), None)
    assert line is not None, use
    assert line.endswith(out.strip())


def test_the_readme_says_which_doors_enforce_doc_timeout_and_the_library_does_not():
    from detector import Config, Detector
    from detector.errors import DocumentTimeout
    from detector.limits import time_limit

    det = Detector(Config(doc_timeout=1e-6))  # the library's own call is not bounded by it
    assert det.score_text(ARTICLE.read_text("utf-8")).text
    try:
        with time_limit(1e-6, "doc-1"):  # a caller bounds it so
            det.score_text(ARTICLE.read_text("utf-8"))
    except DocumentTimeout:
        pass
    else:
        raise AssertionError("time_limit did not bound the call")
    readme = " ".join(_readme().split())
    assert "The library's calls (`score_html`, `score_text`, `filter`, `score_frame`) do not enforce it" in readme
    assert "detector.limits.time_limit" in readme


def test_an_over_long_line_is_rejected_without_raw_as_the_docs_say(detector):
    import io

    from detector.filtering import filter_jsonl

    rejects = io.BytesIO()
    filter_jsonl(io.BytesIO(b'{"id": "a", "text": "' + b"x" * 3000 + b'"}\n{"id": "b" bad}\n'), io.BytesIO(),
                 detector=detector, rejects=rejects, max_line_bytes=1000, warn=lambda msg: None)
    over, bad = _records(rejects.getvalue().decode())
    assert over["line"] == 1 and "raw" not in over and bad["raw"] == '{"id": "b" bad}'
    docs = " ".join((ROOT / "docs" / "filter.md").read_text("utf-8").split())
    assert "so no input line is lost, with one exception: an over-long line's record has no `raw`" in docs


def test_the_adapters_carry_the_quality_score_as_computed_like_every_json_door():
    """The JSON doors stopped rounding (0.49996 had read 0.5 beside keep false under the 0.5
    threshold); the LangChain / LlamaIndex / datatrove metadata still rounded to 4 decimals."""
    from detector.adapters._common import metadata_of
    from detector.document import ParagraphScore, QualityScore, Result

    text = "The one paragraph of the page, kept."
    result = Result(id="d", url=None, title=None, text=text,
                    quality=QualityScore(score=0.49996, keep=False, flags=(), signals={"words": 7.0}),
                    paragraphs=(ParagraphScore(0, text, "paragraph", 0.9, 0.0, True, None),), stats={},
                    language="en", format="text")
    meta = metadata_of(result, keep=False)
    assert meta["detector_quality"] == 0.49996 and meta["detector_keep"] is False
    assert meta["detector_quality"] == result.to_dict()["quality"]["score"]


def test_explain_never_prints_a_comparison_that_does_not_hold():
    """A flag set under another configuration (a stricter limit) was explained with this
    configuration's limit as if its rule had fired: 'dup_line_frac 0.2 > 0.3'."""
    from detector.document import QualityScore
    from detector.quality import explain

    quality = QualityScore(score=0.2, keep=False, flags=("gopher-duplicate-lines",),
                           signals={"words": 300.0, "dup_line_frac": 0.2})
    [line] = explain(quality)
    assert "0.2 > 0.3" not in line
    assert line.startswith("gopher-duplicate-lines: dup_line_frac 0.2, not > 0.3 with this configuration's limit")
