"""`detector --help`, argument errors and output-path checks answer before scikit-learn, pandas
or the model load (checked in a fresh interpreter: sys.modules after the command)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("sklearn", "pandas", "scipy", "trafilatura", "joblib")

PROBE = """
import contextlib, io, json, sys
from detector.cli import main
err = io.StringIO()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main(json.loads(sys.argv[1]))
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "err": err.getvalue(),
                  "loaded": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def probe(*argv: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(list(argv))], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], ["score", "--help"], ["clean", "--help"], ["filter", "--help"],
                                  ["serve", "--help"], ["train", "--help"]])
def test_help_imports_no_heavy_library(argv):
    out = probe(*argv)
    assert out["code"] == 0 and out["loaded"] == []


@pytest.mark.parametrize("argv", [["score", "--min-quality", "7", "x.html"], ["clean", "in", "--workers", "0", "-o", "o.jsonl"],
                                  ["nonsense"], ["score", "--format", "pdf", "x"]])
def test_argument_errors_answer_before_heavy_imports(argv):
    out = probe(*argv)
    assert out["code"] == 2 and out["loaded"] == []


def test_output_path_problems_answer_before_the_model_loads(tmp_path):
    page = str(ROOT / "seeds" / "migrant-crisis-page.html")
    missing = tmp_path / "no" / "such"
    for named, argv in ((missing, ["score", "--html-report", str(missing / "r.html"), page]),
                        (missing, ["clean", page, "-o", str(missing / "out.jsonl")]),
                        (tmp_path, ["clean", page, "-o", str(tmp_path)]),
                        (missing, ["train", "-o", str(missing / "m.joblib")])):
        out = probe(*argv)
        assert out["code"] == 2, argv
        assert str(named) in out["err"], out["err"]
        assert len(out["err"].strip().splitlines()) == 1
        assert out["loaded"] == [], argv


def test_import_detector_is_light_and_names_resolve_on_use():
    code = ("import sys, detector; light = not any(m in sys.modules for m in %r); "
            "d = detector.Detector; f = detector.score_frame; "
            "print(light, d.__name__, f.__name__, 'Detector' in dir(detector))") % (HEAVY,)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.stdout.split() == ["True", "Detector", "score_frame", "True"], proc.stderr
