"""Defects found by a third newcomer pass (conflicting or ignored options, empty and repeated
input, undeclared single-byte charsets)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hostile_helpers import run_cli

from detector.config import FRACTIONS

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "seeds" / "migrant-crisis-article.txt"
PAGE = ROOT / "seeds" / "migrant-crisis-page.html"


def test_score_refuses_url_with_several_sources():
    """``--url`` names one page: with several SOURCEs it was dropped for every one, silently."""
    code, out, err = run_cli("score", str(ARTICLE), str(PAGE), "--url", "https://example.com/a", "--json")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--url" in lines[0] and "single SOURCE" in lines[0]


def test_score_refuses_url_beside_a_source_that_is_fetched():
    """A fetched page's address is its URL: ``--url`` beside it was ignored, silently. Refused
    before anything is fetched (the address below is never contacted)."""
    code, out, err = run_cli("score", "https://example.invalid/page", "--url", "https://example.com/a", "--json")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "--url" in lines[0] and "is fetched" in lines[0]


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


@pytest.mark.parametrize("templates", [(), ("--no-templates",)])
def test_clean_warns_once_per_input_file_that_gave_no_document(tmp_path, templates):
    """An empty JSONL (or one of blank lines) among the inputs: nothing said, nothing written."""
    import gzip

    empty, blank, packed, good = (tmp_path / n for n in ("empty.jsonl", "blank.jsonl", "none.jsonl.gz", "good.jsonl"))
    empty.write_bytes(b"")
    blank.write_bytes(b"\n  \n\n")
    packed.write_bytes(gzip.compress(b""))
    good.write_text(json.dumps({"id": "a", "text": ARTICLE.read_text("utf-8")}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, err = run_cli("clean", str(empty), str(good), str(blank), str(packed), "-o", str(out),
                           "--workers", "1", *templates)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "no documents read" in line]
    assert warnings == [f"detector clean: warning: no documents read from {p}" for p in (empty, blank, packed)]
    assert [json.loads(line)["id"] for line in out.read_text("utf-8").splitlines()] == ["a"]


@pytest.mark.parametrize("stage, at, templates", [
    ("extract_task", 1, True), ("score_task", 0, True), ("clean_task", 1, False),
])
def test_a_resumed_run_counts_the_documents_of_its_finished_shards(tmp_path, capsys, stage, at, templates):
    """The shards done before an interruption are not read again: their counts come from their
    markers, or the file they read would be called empty."""
    from corpus_helpers import stopping_executor

    from detector.corpus import CleanOptions, clean_corpus
    from detector.corpus.executors.local import LocalExecutor

    first, empty, second = tmp_path / "first.jsonl", tmp_path / "empty.jsonl", tmp_path / "second.jsonl"
    for path, ids in ((first, "ab"), (second, "cd")):
        path.write_text("".join(json.dumps({"id": i, "text": f"Document {i} has a sentence."}) + "\n" for i in ids),
                        encoding="utf-8")
    empty.write_bytes(b"")
    inputs, out = [str(first), str(empty), str(second)], tmp_path / "out.jsonl"
    opts = CleanOptions(workers=1, shard_size=2, templates=templates)
    with pytest.raises(KeyboardInterrupt):
        clean_corpus(inputs, out, options=opts, executor=stopping_executor(LocalExecutor, stage, at, workers=1))
    capsys.readouterr()
    summary = clean_corpus(inputs, out, options=opts)
    assert summary.resumed_shards >= 1 and summary.documents == 4
    warnings = [line for line in capsys.readouterr().err.splitlines() if "no documents read" in line]
    assert warnings == [f"detector clean: warning: no documents read from {empty}"]


def test_clean_quiet_and_a_file_with_documents_say_nothing(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"id": "a", "text": "Short text."}) + "\n", encoding="utf-8")
    code, _, err = run_cli("clean", str(good), "-o", str(tmp_path / "o.jsonl"), "--workers", "1")
    assert code == 0 and "no documents read" not in err
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    code, _, err = run_cli("clean", str(empty), "-o", str(tmp_path / "q.jsonl"), "--workers", "1", "-q")
    assert code == 0 and err == ""


def test_filter_warns_when_the_stream_holds_no_record():
    import io

    from detector.filtering import filter_jsonl

    warnings: list[str] = []
    stats = filter_jsonl(io.BytesIO(b"\n \n"), io.BytesIO(), detector=object(), warn=warnings.append)
    assert stats.documents == 0 and warnings == ["warning: no documents read from <stdin>"]


def test_every_fraction_field_is_a_float_field_whose_default_is_in_range():
    import dataclasses

    from detector.config import Config

    types = {f.name: f.type for f in dataclasses.fields(Config)}
    assert {name: types.get(name) for name in FRACTIONS} == dict.fromkeys(FRACTIONS, "float")
    assert all(0 <= getattr(Config(), name) <= 1 for name in FRACTIONS)
    # the shares named like fractions that may pass 1 stay open
    assert Config(extractor_fallback_max_link_density=2.0, extractor_fallback_share=1.5).extractor_fallback_share == 1.5


def test_config_refuses_a_share_above_one():
    """``Config(legal_box_max_share=2)`` was accepted (only min_quality was checked)."""
    from detector.config import Config

    with pytest.raises(ValueError, match=r"^Config\.legal_box_max_share is a share in \[0, 1\], not 2$"):
        Config(legal_box_max_share=2)


@pytest.mark.parametrize("name", sorted(FRACTIONS))
def test_config_refuses_a_fraction_above_one_naming_the_field(name):
    from detector.config import Config

    with pytest.raises(ValueError, match=rf"^Config\.{name} is a [a-z ]+ in \[0, 1\], not 1\.5$"):
        Config(**{name: 1.5})
    with pytest.raises(ValueError, match=rf"Config\.{name} "):
        Config().replace(**{name: 2})
    assert getattr(Config(**{name: 1.0}), name) == 1.0 and getattr(Config(**{name: 0.0}), name) == 0.0


@pytest.mark.parametrize("templates", [(), ("--no-templates",)])
def test_clean_warns_once_per_file_whose_records_share_ids_and_writes_every_record(tmp_path, templates):
    """Two records of one JSONL with one id: nothing was said. Shards of 2 records put the
    repeats in different shards (and processes), which the warning must still see."""
    text = ARTICLE.read_text("utf-8")
    dup, other = tmp_path / "dup.jsonl", tmp_path / "other.jsonl"
    ids = ["a", "b", "a", "c", "a", "b"]
    dup.write_text("".join(json.dumps({"id": i, "text": f"{text} Variant {n}.", "n": n}) + "\n"
                           for n, i in enumerate(ids)), encoding="utf-8")
    other.write_text(json.dumps({"id": "a", "text": text}) + "\n", encoding="utf-8")  # another file: fine
    out = tmp_path / "out.jsonl"
    code, _, err = run_cli("clean", str(dup), str(other), "-o", str(out), "--workers", "2", "--shard-size", "2",
                           *templates)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "warning:" in line and " share " in line]
    assert warnings == [f"detector clean: warning: {dup}: 5 records share 2 ids, the first 'a' (3 records); "
                        "every record is written, each with its id"]
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [(r["id"], r.get("n")) for r in rows] == [*zip(ids, range(6)), ("a", None)]


def test_one_shared_id_is_named_with_its_count(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": "Some short text."}) + "\n" for i in ("x\n1", "y", "x\n1")),
                    encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, err = run_cli("clean", str(path), "-o", str(out), "--workers", "1", "--no-templates")
    assert code == 0 and len(out.read_text("utf-8").splitlines()) == 3
    assert [line for line in err.splitlines() if "warning:" in line and " share " in line] == [
        f"detector clean: warning: {path}: 2 records share the id 'x\\n1'; every record is written, each with its id"]


def test_unique_ids_say_nothing_and_digests_tell_ids_apart():
    from detector.corpus.inputs import InputCounts, ShardInputs, first_repeated, id_digest

    counts = InputCounts()
    for ids in (["p:1", "p:2"], ["p:3"]):
        shard = ShardInputs()
        for i in ids:
            shard.add("p", i)
        counts.merge(shard.to_dict())
    assert counts.repeated() == {} and counts.documents == {"p": 3}
    shard = ShardInputs()
    shard.add("p", "p:2")
    counts.merge(shard.to_dict())
    assert counts.repeated() == {"p": {id_digest("p:2"): 2}}
    assert first_repeated(["p:1", "p:2", "p:3"], counts.repeated()["p"]) == "p:2"
