"""Hostile input at the command-line doors: ``filter``, ``score``, ``train``, ``serve`` (issue 16
findings 1, 9, 13, 15). Generated inputs only."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_helpers import DRIP_LINES, DripServer, StubDetector, run_cli

from detector.filtering import filter_jsonl

ARTICLE = Path(__file__).resolve().parents[1] / "seeds" / "migrant-crisis-article.txt"


def test_filter_lone_surrogates_are_error_records_and_the_stream_goes_on(tmp_path):
    # finding 1: valid JSON, invalid Unicode, in id, text and url; the filter died at the first
    lines = [
        '{"id": "b\\udfff", "text": "x"}',
        '{"id": "t", "text": "half an emoji \\ud83d here"}',
        '{"id": "u", "url": "http://example.com/\\udc00", "text": "y"}',
        json.dumps({"id": "good", "text": ARTICLE.read_text("utf-8")}),
    ]
    rejects = tmp_path / "rejects.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "detector", "filter", "--rejects", str(rejects)],
        input=("\n".join(lines) + "\n").encode(), capture_output=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"Traceback" not in proc.stderr
    kept = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in kept] == ["good"]
    errors = [json.loads(line) for line in rejects.read_text("ascii").splitlines()]
    assert [(r["line"], r["id"]) for r in errors] == [(1, "b\udfff"), (2, "t"), (3, "u")]
    assert ["'id'" in errors[0]["error"], "'text'" in errors[1]["error"], "'url'" in errors[2]["error"]] == [True] * 3


def test_filter_slow_document_is_an_error_record():
    # finding 13: a per-document time bound in `filter` (the batch had --doc-timeout only)
    stub = StubDetector()
    instream = io.BytesIO(b'{"id": "slow", "text": "spin"}\n{"id": "fast", "text": "fine"}\n')
    out, rejects, warnings = io.BytesIO(), io.BytesIO(), []
    stats = filter_jsonl(instream, out, detector=stub, rejects=rejects, doc_timeout=0.5, warn=warnings.append)
    assert (stats.errors, stats.kept) == (1, 1)
    assert stub.stopped and stub.finished == 0
    assert "timeout" in json.loads(rejects.getvalue())["error"]


def test_score_doc_timeout():
    code, _, err = run_cli("score", "--doc-timeout", "0.001", str(ARTICLE))
    assert code == 2 and "timeout" in err and len(err.strip().splitlines()) == 1


def test_score_timeout_bounds_a_url_that_drips_headers():
    # finding 9: `score --timeout 1 URL` against a server sending a header line every 50 ms
    drip = DripServer()
    try:
        code, _, err = run_cli("score", "--timeout", "1", drip.url)
        assert code == 2 and "timed out" in err, err
        assert drip.wait_for_hangup()[0] < DRIP_LINES / 2
    finally:
        drip.close()


@pytest.mark.parametrize("card", ["[]", '{"sha256": 5}', "not json"])
def test_malformed_model_card_is_a_model_error(tmp_path, card):
    model = tmp_path / "m.joblib"
    model.write_bytes(b"not a model")
    (tmp_path / "m.card.json").write_text(card)
    code, _, err = run_cli("score", "--model", str(model), str(ARTICLE))
    assert code == 2 and "model" in err and "card" in err, err
    assert str(ARTICLE) not in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1


def test_train_bad_input_is_one_line_and_output_is_checked_first(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    code, _, err = run_cli("train", "--synthetic", str(bad), "--synthetic-n", "0", "-o", str(tmp_path / "m.joblib"))
    assert code == 2 and len(err.strip().splitlines()) == 1 and str(bad) in err and "Traceback" not in err
    # -o is checked before any training: a folder, or a file in a missing folder
    for output in (tmp_path, tmp_path / "missing" / "m.joblib"):
        code, _, err = run_cli("train", "--synthetic-n", "5", "-o", str(output))
        assert code == 2 and str(output) in err and len(err.strip().splitlines()) == 1


def test_train_without_labelled_pages_refuses_unless_synthetic_is_asked_for(tmp_path, monkeypatch):
    """``detector train -o m.joblib`` with no labelled source used to train on 300 synthetic pages
    alone, silently. It refuses in one line naming the options that give labelled pages; the 300
    synthetic pages still join labelled ones, and ``--synthetic-n N`` / ``--synthetic FILE`` given
    on purpose still train a synthetic-only model."""
    import detector.training

    calls: list[dict] = []

    def fake_train(output, **kwargs):
        calls.append(kwargs)
        return {"sha256": "0" * 64, "trained_on": {"rows": 1}}

    monkeypatch.setattr(detector.training, "train_and_save", fake_train)
    output = tmp_path / "m.joblib"
    code, out, err = run_cli("train", "-o", str(output))
    assert code == 2 and calls == [] and len(err.strip().splitlines()) == 1, err
    assert err.startswith("detector train: error: no labelled pages") and "Traceback" not in err
    for option in ("--data", "--wcxb", "--pages", "--seeds"):
        assert option in err
    code, _, err = run_cli("train", "--folds", "3", "-o", str(output))
    assert code == 2 and calls == [], err

    pages = tmp_path / "pages.jsonl"
    pages.write_text("")
    assert run_cli("train", "--pages", str(pages), "-o", str(output))[0] == 0
    assert calls[-1]["labeled"] == [pages] and calls[-1]["synthetic_n"] == 300  # the default mix, as before
    assert calls[-1]["require_labelled"] is True  # ... and the pages must hold labelled pages (next test)
    assert run_cli("train", "--synthetic-n", "5", "-o", str(output))[0] == 0  # synthetic-only, on purpose
    assert calls[-1]["synthetic_n"] == 5 and calls[-1]["labeled"] == [] and calls[-1]["require_labelled"] is False
    assert run_cli("train", "--synthetic", str(pages), "-o", str(output))[0] == 0
    assert calls[-1]["synthetic"] == pages and calls[-1]["synthetic_n"] == 300


def test_train_refuses_labelled_sources_that_hold_no_page(tmp_path):
    """An empty --pages file (or a folder without labels) used to slip past the refusal above and
    train on synthetic pages alone; it is refused before any extraction."""
    pages = tmp_path / "empty.jsonl"
    pages.write_text("")
    output = tmp_path / "m.joblib"
    code, _, err = run_cli("train", "--pages", str(pages), "-o", str(output))
    assert code == 2 and not output.exists(), err
    errors = [line for line in err.splitlines() if line.startswith("detector train: error:")]
    assert len(errors) == 1 and "empty.jsonl: holds no record" in errors[0] and "Traceback" not in err
    # ... also when synthetic pages are asked for beside it (it said "no training pages: give --pages ...")
    code, _, err = run_cli("train", "--pages", str(pages), "--synthetic-n", "0", "-o", str(output))
    assert code == 2 and "empty.jsonl: holds no record" in err and not output.exists()


@pytest.mark.parametrize("argv, needle", [(["--port", "99999"], "--port"), (["--min-quality", "7"], "--min-quality"),
                                          (["--threads", "0"], "--threads")])
def test_serve_rejects_bad_options_in_one_line(argv, needle):
    code, _, err = run_cli("serve", *argv)
    errors = [line for line in err.splitlines() if line.startswith("detector serve: error:")]
    assert code == 2 and len(errors) == 1 and needle in errors[0] and "Traceback" not in err


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_an_output_folder_that_refuses_new_files_is_refused_before_any_work():
    """os.access says yes to root (and to some network mounts) for /proc, where no file can be
    created: `train -o /proc/x.joblib` trained for minutes, then failed writing the model."""
    from detector.cli._args import output_problem

    problem = output_problem("/proc/x.joblib")
    assert problem is not None and problem.startswith("/proc/x.joblib: ")  # as root: "cannot create a file in folder /proc"
