"""One verdict for every door: ``Detector.filter``, ``detector filter`` (stdin -> stdout JSONL),
``detector clean --keep-only`` and ``POST /v1/filter`` keep the same documents for the same reasons."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from make_shells import hand_written_shells  # noqa: E402

ARTICLE = (ROOT / "seeds" / "migrant-crisis-article.txt").read_text("utf-8")
MENU = "Home\nNews\nSport\nWeather\nContact us\nSubscribe\n© 2025 Example Media"
REPEATED = "\n\n".join(["Buy cheap tickets now, the best deals of the season are here today."] * 12)


def _documents() -> dict[str, tuple[str, str]]:
    """name -> (format, content): a real article, junk, repeated spam, and content-less shells."""
    docs = {"article": ("text", ARTICLE), "menu": ("text", MENU), "repeated": ("text", REPEATED)}
    for shell in hand_written_shells()[::2]:
        docs[shell.id.replace(":", "-")] = ("html", shell.html.decode("utf-8"))
    return docs


@pytest.fixture(scope="module")
def expected(detector):
    out = {}
    for name, (fmt, content) in _documents().items():
        d = detector.filter({"id": name, fmt: content})
        out[name] = (d.keep, list(d.reasons))
    return out


def test_the_documents_cover_both_verdicts(expected):
    assert expected["article"] == (True, [])
    assert expected["menu"][0] is False and "no-main-content" in expected["menu"][1]
    assert any(keep for keep, _ in expected.values()) and sum(not keep for keep, _ in expected.values()) >= 3


def test_filter_cli_gives_the_same_verdict(tmp_path, expected):
    lines = [json.dumps({"id": n, fmt: c}) for n, (fmt, c) in _documents().items()]
    rejects = tmp_path / "rejects.jsonl"
    proc = subprocess.run([sys.executable, "-m", "detector", "filter", "--rejects", str(rejects)],
                          input="\n".join(lines).encode("utf-8"), capture_output=True)
    assert proc.returncode == 0, proc.stderr.decode()
    got = {r["id"]: (True, []) for r in map(json.loads, proc.stdout.decode("utf-8").splitlines())}
    got.update({r["id"]: (False, r["reasons"]) for r in map(json.loads, rejects.read_text("utf-8").splitlines())})
    assert got == expected


def test_clean_keep_only_gives_the_same_verdict(tmp_path, expected):
    from detector.cli import main

    src = tmp_path / "in"
    src.mkdir()
    for name, (fmt, content) in _documents().items():
        (src / f"{name}.{'html' if fmt == 'html' else 'txt'}").write_text(content, "utf-8")
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    assert main(["clean", str(src), "-o", str(out), "--keep-only", "--rejects", str(rejects),
                 "--workers", "1", "-q"]) == 0
    got = {Path(r["id"]).stem: (True, []) for r in map(json.loads, out.read_text("utf-8").splitlines())}
    got.update({Path(r["id"]).stem: (False, r["reasons"])
                for r in map(json.loads, rejects.read_text("utf-8").splitlines())})
    assert got == expected


def test_http_filter_gives_the_same_verdict(detector, expected):
    from fastapi.testclient import TestClient

    from detector.service import create_app

    docs = [{"id": n, fmt: c} for n, (fmt, c) in _documents().items()]
    with TestClient(create_app(detector=detector)) as client:
        response = client.post("/v1/filter", json={"documents": docs})
    assert response.status_code == 200, response.text
    got = {d["id"]: (d["keep"], d["reasons"]) for d in response.json()["decisions"]}
    assert got == expected
