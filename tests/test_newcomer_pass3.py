"""Defects found by a third newcomer pass (conflicting or ignored options, empty and repeated
input, undeclared single-byte charsets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "seeds" / "migrant-crisis-article.txt"
PAGE = ROOT / "seeds" / "migrant-crisis-page.html"


def test_score_refuses_url_with_several_sources():
    """``--url`` names one page: with several SOURCEs it was dropped for every one, silently."""
    code, out, err = run_cli("score", str(ARTICLE), str(PAGE), "--url", "https://example.com/a", "--json")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--url" in lines[0] and "single SOURCE" in lines[0]


def test_score_url_with_one_source_is_reported(tmp_path):
    listing = tmp_path / "one.txt"
    listing.write_text(f"# one page\n{ARTICLE}\n", encoding="utf-8")
    code, out, err = run_cli("score", "-i", str(listing), "--url", "https://example.com/a", "--json")
    assert code == 0, err
    assert json.loads(out)["url"] == "https://example.com/a"


@pytest.mark.parametrize("argv", [
    ("--json", "--format", "markdown"),
    ("--format", "markdown", "--json"),
    ("--json", "--format", "report"),
])
def test_score_refuses_json_with_another_output_format(argv):
    """``--json`` is ``--format json``: with ``--format markdown`` the last one won, silently."""
    code, out, err = run_cli("score", *argv, str(ARTICLE))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    fmt = argv[argv.index("--format") + 1]
    assert len(lines) == 1 and "--json" in lines[0] and f"--format {fmt}" in lines[0]


@pytest.mark.parametrize("argv", [("--json", "--format", "json"), ("--json", "--format", "text")])
def test_score_json_with_the_same_output_or_an_input_format_is_fine(argv):
    code, out, err = run_cli("score", *argv, str(ARTICLE))
    assert code == 0, err
    assert json.loads(out)["format"] == "text"


def test_clean_refuses_a_scheduler_without_the_dask_engine(tmp_path):
    """``--scheduler`` was ignored by the local engine: the run went on, on this machine."""
    out = tmp_path / "out.jsonl"
    code, _, err = run_cli("clean", str(ARTICLE), "-o", str(out), "--scheduler", "tcp://10.0.0.5:8786",
                           "--workers", "1", "-q")
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--scheduler" in lines[0] and "--engine dask" in lines[0]
    assert not out.exists()


def test_clean_corpus_refuses_a_scheduler_without_the_dask_engine(tmp_path):
    from detector.corpus import clean_corpus
    from detector.errors import InputError

    with pytest.raises(InputError, match="engine='dask'"):
        clean_corpus([str(ARTICLE)], tmp_path / "out.jsonl", scheduler="tcp://10.0.0.5:8786")
