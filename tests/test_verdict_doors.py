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
    got = {r["id"]: (True, r["reasons"]) for r in map(json.loads, proc.stdout.decode("utf-8").splitlines())}
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


def test_every_door_names_the_fields_alike_and_counts_alike(tmp_path, detector):
    """One kept and one dropped document through ``Detector.filter``, ``detector filter``,
    ``detector clean``, ``score_frame`` and ``POST /v1/filter``: the kept text is ``clean_text``
    wherever the input comes back beside it, the reasons are ``reasons`` and the same
    everywhere, and the counts come from the one ``Tally``."""
    import io

    import pandas as pd
    from fastapi.testclient import TestClient

    from detector.cli import main
    from detector.filtering import filter_jsonl
    from detector.frame import score_frame
    from detector.service import create_app

    docs = [{"id": "article", "text": ARTICLE, "lang": "en"}, {"id": "menu", "text": MENU, "lang": "en"}]
    python = {d["id"]: detector.filter(d).to_dict() for d in docs}
    assert set(python["menu"]) == {"id", "url", "keep", "score", "reasons", "clean_text"}
    want_text = python["article"]["clean_text"]
    want_reasons = python["menu"]["reasons"]
    assert want_text and python["article"]["keep"] and not python["menu"]["keep"] and want_reasons

    # detector filter: the input record (its own `text` untouched) plus clean_text; rejects add reasons
    out, rejects = io.BytesIO(), io.BytesIO()
    tally = filter_jsonl(io.BytesIO("\n".join(json.dumps(d) for d in docs).encode()), out, detector=detector,
                         rejects=rejects, warn=lambda _: None)
    (kept,) = map(json.loads, out.getvalue().splitlines())
    (dropped,) = map(json.loads, rejects.getvalue().splitlines())
    assert kept["clean_text"] == want_text and kept["text"] == ARTICLE and kept["lang"] == "en"
    assert kept["reasons"] == python["article"]["reasons"] == []  # kept documents carry reasons too, as /v1/filter's
    assert dropped["reasons"] == want_reasons and dropped["text"] == MENU and "drop_reasons" not in dropped

    # score_frame: the same columns
    frame = score_frame(pd.DataFrame(docs), text_col="text", id_col="id", detector=detector).set_index("id")
    assert "drop_reasons" not in frame.columns and frame.loc["article", "text"] == ARTICLE
    assert frame.loc["article", "clean_text"] == want_text and frame.loc["menu", "reasons"] == want_reasons

    # POST /v1/filter: the same fields and counts
    with TestClient(create_app(detector=detector)) as client:
        body = client.post("/v1/filter", json={"documents": docs}).json()
    http = {d["id"]: d for d in body["decisions"]}
    assert http["article"]["clean_text"] == want_text and "text" not in http["article"]
    assert http["menu"]["reasons"] == want_reasons

    # detector clean --keep-only: the same reasons on the reject, the same counts in stats.json
    src, dst, rej = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    src.write_text("\n".join(json.dumps(d) for d in docs) + "\n", "utf-8")
    assert main(["clean", str(src), "-o", str(dst), "--keep-only", "--rejects", str(rej), "--workers", "1",
                 "-q"]) == 0
    (row,) = map(json.loads, dst.read_text("utf-8").splitlines())
    (reject,) = map(json.loads, rej.read_text("utf-8").splitlines())
    assert row["text"] == want_text and row["lang"] == "en"  # the JSON contract's kept text, input passed through
    assert reject["reasons"] == want_reasons and "drop_reasons" not in reject
    stats = json.loads((tmp_path / "out.jsonl.stats.json").read_text("utf-8"))

    counts = (tally.documents, tally.output, tally.rejected, tally.errors)
    assert counts == (2, 1, 1, 0)
    assert body["summary"] == dict(zip(("documents", "kept", "dropped", "errors"), counts))
    assert (stats["documents"], *stats["outcomes"].values()) == counts
    assert stats["reject_reasons"] == tally.reject_reasons == {r: 1 for r in want_reasons}


def _field_options(command: str) -> set[str]:
    from detector.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, __import__("argparse")._SubParsersAction))
    return {o for a in sub.choices[command]._actions for o in a.option_strings if o.endswith("-field")}


def test_every_door_reads_the_same_content_fields(tmp_path, detector):
    """A record whose page is in ``content`` (no html, no text) is read by every door, as
    ``Detector.filter`` reads it: ``detector filter``, ``detector clean``, ``/v1/filter``,
    ``/v1/score`` and ``score_frame`` (they used to answer "no 'html' or 'text' field").
    The names come from ``FieldNames()``; ``--content-field`` renames it, ``''`` switches it off."""
    import pandas as pd
    from fastapi.testclient import TestClient

    from detector.cli import main
    from detector.document import FieldNames
    from detector.frame import score_frame
    from detector.service import DocumentIn, create_app

    assert FieldNames().content == "content"
    assert {n for n, _ in FieldNames().content_fields} <= set(DocumentIn.model_fields)
    want = detector.filter({"id": "a", "text": ARTICLE})
    assert want.keep
    record = {"id": "a", "content": ARTICLE}
    assert detector.filter(record).clean_text == want.clean_text

    # detector filter (the command, defaults), and with the field renamed or switched off
    def run_filter(*args: str, rec=record) -> tuple[list[dict], str]:
        proc = subprocess.run([sys.executable, "-m", "detector", "filter", "-q", *args],
                              input=json.dumps(rec).encode(), capture_output=True)
        assert proc.returncode == 0, proc.stderr.decode()
        return [json.loads(x) for x in proc.stdout.decode().splitlines()], proc.stderr.decode()

    (kept,), _ = run_filter("--drop-raw")
    assert kept["clean_text"] == want.clean_text and "content" not in kept
    (kept,), _ = run_filter("--content-field", "body", rec={"id": "a", "body": ARTICLE})
    assert kept["clean_text"] == want.clean_text
    none, err = run_filter("--content-field", "")
    assert none == [] and "a: record has no 'html' or 'text' field" in err

    # detector clean: the same record as a JSONL line, and the same field options as `filter`
    assert _field_options("clean") == _field_options("filter") | {"--site-field"}
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(json.dumps(record) + "\n", "utf-8")
    assert main(["clean", str(src), "-o", str(out), "--workers", "1", "--no-templates", "-q"]) == 0
    (row,) = map(json.loads, out.read_text("utf-8").splitlines())
    assert row["text"] == want.clean_text and "content" not in row
    assert not (tmp_path / "out.jsonl.errors.jsonl").read_text("utf-8")

    # the service: /v1/filter and /v1/score
    with TestClient(create_app(detector=detector)) as client:
        body = client.post("/v1/filter", json={"documents": [record]}).json()
        scored = client.post("/v1/score", json={**record, "details": False})
        empty = client.post("/v1/score", json={"id": "a"})
    (decision,) = body["decisions"]
    assert decision["error"] is None and decision["clean_text"] == want.clean_text
    assert scored.status_code == 200 and scored.json()["text"] == want.clean_text
    assert empty.status_code == 422 and "'html', 'text' or 'content'" in empty.json()["error"]["message"]

    # score_frame: a `content` column is found as `html` and `text` are
    frame = score_frame(pd.DataFrame([record]), detector=detector)
    assert frame.loc[0, "error"] is None and frame.loc[0, "clean_text"] == want.clean_text


# the same records with an id or url of the wrong type, through every door
WRONG_TYPES = [
    {"id": 123, "text": ARTICLE},  # an integer id: accepted as "123"
    {"id": None, "text": ARTICLE},  # null: no id (the door's fallback name)
    {"id": ["x"], "text": ARTICLE},
    {"id": {"a": 1}, "text": ARTICLE},
    {"id": True, "text": ARTICLE},
    {"id": 1.5, "text": ARTICLE},
    {"id": "u-list", "url": ["https://example.com/a"], "text": ARTICLE},
    {"id": "u-int", "url": 7, "text": ARTICLE},
]
WANT = ["ok", "ok", "'id' holds list", "'id' holds dict", "'id' holds bool", "'id' holds float",
        "'url' holds list", "'url' holds int"]


def test_every_door_reads_a_wrong_typed_id_or_url_alike(tmp_path, detector):
    """``Detector.filter``, ``detector filter``, ``detector clean`` (JSONL) and ``POST /v1/filter``
    accept an integer id as its string and refuse a list, object, boolean or float id and a
    non-string url with one error naming the record (they used to str() it, echo it, or 422 it
    by pydantic's own rules: ``true`` became id ``"1"``)."""
    import io

    from fastapi.testclient import TestClient

    from detector.cli import main
    from detector.errors import InputError
    from detector.filtering import filter_jsonl
    from detector.service import create_app

    def outcome(error: str | None) -> str:
        return "ok" if error is None else next((w for w in WANT[2:] if w in error), error)

    # Detector.filter
    python = []
    for record in WRONG_TYPES:
        try:
            decision = detector.filter(record)
        except InputError as exc:
            assert len(str(exc).splitlines()) == 1
            python.append(outcome(str(exc)))
        else:
            python.append("ok")
            assert decision.result.id == ("123" if record["id"] == 123 else "<input>")
    assert python == WANT
    with pytest.raises(InputError, match=r"^u-list: field 'url' holds list, not a string$"):
        detector.filter(WRONG_TYPES[6])

    lines = "".join(json.dumps(r) + "\n" for r in WRONG_TYPES).encode()

    # detector filter: error records in --rejects naming the record, the rest of the stream goes on
    out, rejects = io.BytesIO(), io.BytesIO()
    warnings: list[str] = []
    filter_jsonl(io.BytesIO(lines), out, detector=detector, rejects=rejects, warn=warnings.append)
    by_line = {r["line"]: r["error"] for r in map(json.loads, rejects.getvalue().splitlines())}
    assert [outcome(by_line.get(i + 1)) for i in range(len(WRONG_TYPES))] == WANT
    assert by_line[3].startswith("field 'id'") and by_line[7].startswith("u-list: field 'url'")
    # a record without a usable name is named by its line, once
    assert any(w.startswith("line 3: error: field 'id'") for w in warnings)
    assert not any("<stdin>" in w for w in warnings)
    assert len(out.getvalue().splitlines()) == 2

    # detector clean: the same in OUTPUT.errors.jsonl (kind bad-field), the integer id written as "123"
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(lines)
    assert main(["clean", str(src), "-o", str(dst), "--workers", "1", "--no-templates", "-q"]) == 0
    errors = {r["line"]: r for r in map(json.loads, Path(f"{dst}.errors.jsonl").read_text("utf-8").splitlines())}
    assert [outcome(errors[i + 1]["error"] if i + 1 in errors else None) for i in range(len(WRONG_TYPES))] == WANT
    assert errors[3]["id"] == f"{src}:3" and errors[3]["error"].startswith("bad-field: field 'id' holds list")
    assert errors[7]["id"] == "u-list"
    assert [r["id"] for r in map(json.loads, dst.read_text("utf-8").splitlines())] == ["123", f"{src}:2"]

    # POST /v1/filter: an error entry each, the batch goes on; /v1/score: 422 by the same rule
    with TestClient(create_app(detector=detector)) as client:
        body = client.post("/v1/filter", json={"documents": WRONG_TYPES}).json()
        scored = [client.post("/v1/score", json={**r, "details": False}) for r in WRONG_TYPES]
    assert [outcome(d["error"]) for d in body["decisions"]] == WANT
    assert body["decisions"][0]["id"] == "123" and body["decisions"][2]["error"].startswith("documents[2]: field 'id'")
    assert [outcome(None if s.status_code == 200 else s.json()["error"]["message"]) for s in scored] == WANT
    assert [s.status_code for s in scored] == [200, 200] + [422] * 6 and scored[0].json()["id"] == "123"
