"""Defects found by a second newcomer pass (``detector train`` labels, ``filter`` and ``clean`` input)."""

from __future__ import annotations

import json
import subprocess
import sys

from hostile_helpers import run_cli

from detector.cli import main


def test_train_on_pages_of_one_label_says_so_in_one_line(tmp_path, capsys):
    """Pages whose paragraphs are all junk (main_content matches nothing): before, scikit-learn's
    "The number of classes has to be greater than one; got 1 class" was printed as the error."""
    pages = tmp_path / "pages.jsonl"
    page = {"id": "p1", "url": "https://example.com/a", "main_content": "unrelated words only",
            "html": "<p>Subscribe to our newsletter for the best deals every week.</p><p>Share this page.</p>"}
    pages.write_text(json.dumps(page) + "\n", encoding="utf-8")
    out = tmp_path / "m.joblib"
    assert main(["train", "--pages", str(pages), "--synthetic-n", "0", "-o", str(out)]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(err) == 1
    assert "at least 2 of each" in err[0] and "cross-validation" not in err[0]
    assert not out.exists()


def test_score_refuses_a_gz_page_that_is_not_gzip_as_clean_does(tmp_path):
    """``detector score page.html.gz`` on a plain file named .gz scored its raw bytes as the page
    (exit 0), while ``clean`` on the same file says it is not gzip."""
    page = tmp_path / "page.html.gz"
    page.write_bytes(b"<p>not compressed at all, though the name says gzip</p>")
    code, out, err = run_cli("score", str(page), "--json")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "page.html.gz" in lines[0] and "not a gzip file" in lines[0]


def test_clean_to_stdout_does_not_name_rejects_and_errors_files_it_never_wrote(tmp_path):
    """``clean X -o - --keep-only`` printed "rejected 1 -> -.rejects.jsonl" and "errors 1 -> None":
    neither file exists (rejects are not written without --rejects, errors go to stderr)."""
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "too short"}\n[1, 2]\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "detector", "clean", str(src), "-o", "-", "--keep-only",
                           "--workers", "1"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout == ""
    assert "rejected 1 (not written: give --rejects FILE" in proc.stderr
    assert "errors 1 (on stderr" in proc.stderr and "None" not in proc.stderr
    assert "-.rejects.jsonl" not in proc.stderr and not (tmp_path / "-.rejects.jsonl").exists()


def test_filter_refuses_rejects_that_is_its_own_input_or_output_file(tmp_path):
    """``detector filter --rejects in.jsonl < in.jsonl`` replaced the input with the rejects (and
    ``> out.jsonl --rejects out.jsonl`` replaced the kept lines): now exit 2 before any work."""
    src = tmp_path / "in.jsonl"
    original = b'{"id": "a", "text": "too short"}\n[1]\n'
    src.write_bytes(original)
    cmd = [sys.executable, "-m", "detector", "filter", "--rejects"]
    with open(src, "rb") as stdin:
        proc = subprocess.run([*cmd, str(src)], stdin=stdin, capture_output=True, text=True)
    assert proc.returncode == 2 and src.read_bytes() == original
    assert proc.stderr.count("\n") == 1 and "in.jsonl: is the file stdin reads" in proc.stderr
    out = tmp_path / "out.jsonl"
    with open(src, "rb") as stdin, open(out, "wb") as stdout:
        proc = subprocess.run([*cmd, str(out)], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2 and "out.jsonl: is the file stdout writes" in proc.stderr
    with open(src, "rb") as stdin:  # another file is fine
        proc = subprocess.run([*cmd, str(tmp_path / "r.jsonl")], stdin=stdin, capture_output=True, text=True)
    assert proc.returncode == 0 and (tmp_path / "r.jsonl").read_text().count("\n") == 2


def test_score_refuses_an_html_report_over_the_page_it_scores(tmp_path):
    """``detector score page.html --html-report page.html`` replaced the page with its report."""
    page = tmp_path / "page.html"
    original = b"<html><body><p>A page that must survive being scored.</p></body></html>"
    page.write_bytes(original)
    code, out, err = run_cli("score", str(page), "--html-report", str(tmp_path / "." / "page.html"))
    assert code == 2 and page.read_bytes() == original
    assert err.count("\n") == 1 and "is the page being scored" in err


def test_train_refuses_an_output_that_is_its_labelled_pages_file(tmp_path, capsys):
    """``detector train --pages mine.jsonl -o mine.jsonl`` trained, then wrote the model over the
    labelled pages."""
    pages = tmp_path / "mine.jsonl"
    original = json.dumps({"id": "p1", "url": "https://example.com/a", "html": "<p>Body text.</p>",
                           "main_content": "Body text."}) + "\n"
    pages.write_text(original, encoding="utf-8")
    assert main(["train", "--pages", str(pages), "--synthetic-n", "0", "-o", str(tmp_path / "." / "mine.jsonl")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is the training input" in err[0]
    assert pages.read_text(encoding="utf-8") == original


def test_filter_refuses_stdout_appended_to_its_own_stdin_file(tmp_path):
    """``detector filter < a.jsonl >> a.jsonl`` read its own kept lines back in and grew the file
    without end; now exit 2 and the file is left as it was."""
    src = tmp_path / "a.jsonl"
    original = b'{"id": "a", "text": "too short to keep"}\n'  # dropped: the old code did not loop, it exited 0
    src.write_bytes(original)
    with open(src, "rb") as stdin, open(src, "ab") as stdout:
        proc = subprocess.run([sys.executable, "-m", "detector", "filter"], stdin=stdin, stdout=stdout,
                              stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2 and "stdin and stdout are the same file" in proc.stderr
    assert src.read_bytes() == original


def test_parquet_output_keeps_a_passed_through_field_of_mixed_types_as_json_text(tmp_path):
    """A passed-through field holding 1 in one record and "x" in another had no Arrow type: the
    run died at the end (ArrowInvalid) and wrote nothing. Within a shard and across shards, such
    a field is now a JSON text column, marked in the field's metadata; typed fields stay typed."""
    import pyarrow.parquet as pq

    from detector.corpus.writers import JSON_TEXT, concat_shards, read_records, write_shard

    src = tmp_path / "het.jsonl"
    body = "<p>" + "The council met on Tuesday to discuss the new water plan for the district. " * 6 + "</p>"
    rows = [{"id": "a", "html": body, "extra": 1, "n": 1}, {"id": "b", "html": body, "extra": "x", "n": 2},
            {"id": "c", "html": body, "extra": {"k": [1]}, "n": 3}]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "het.parquet"
    assert main(["clean", str(src), "-o", str(out), "--workers", "1"]) == 0
    table = pq.read_table(out)
    assert table.schema.field("extra").metadata == {JSON_TEXT: b"1"}
    assert [json.loads(v) for v in table.column("extra").to_pylist()] == [1, "x", {"k": [1]}]
    assert table.column("n").to_pylist() == [1, 2, 3] and table.schema.field("n").type == "int64"
    # across shards: int in one, string in the other, JSON text already in a third
    shards = [str(tmp_path / f"s{i}.parquet") for i in range(3)]
    write_shard([{"id": "1", "extra": 5, "f": 1}], shards[0], "parquet")
    write_shard([{"id": "2", "extra": "five", "f": 2.5}], shards[1], "parquet")
    write_shard([{"id": "3", "extra": 7, "f": None}, {"id": "4", "extra": [7], "f": 1}], shards[2], "parquet")
    joined = str(tmp_path / "joined.parquet")
    concat_shards(shards, joined, "parquet")
    got = read_records(joined, "parquet")
    assert [json.loads(r["extra"]) for r in got] == [5, "five", 7, [7]]
    assert [r["f"] for r in got] == [1.0, 2.5, None, 1.0]  # int and float promote, as before
