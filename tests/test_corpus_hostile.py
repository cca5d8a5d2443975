"""Hostile input and faults on the batch side (issue 16, `clean`), and the frictions of issue 13.

Every input is generated here. Each test names the finding it covers; each failed on the code
before the batch refactor.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from corpus_helpers import FOOTER_PROMO, _cluster, engine, engine_kw, make_pages, warc_bytes, write_dir, write_jsonl  # noqa: F401
from detector.config import Config
from detector.corpus import CleanOptions, clean_corpus
from detector.corpus.readers import ReadError, iter_documents
from detector.corpus.writers import read_records
from detector.document import RawDoc
from detector.errors import InputError

CLI = [sys.executable, "-m", "detector", "clean"]


def _opts(**kw) -> CleanOptions:
    return CleanOptions(**{"workers": 1, "quiet": True, **kw})


def _cli(*args: str, cwd: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=300, **kw)


def _placed(out: Path) -> list[dict]:
    rows = []
    for suffix in ("", ".rejects.jsonl", ".errors.jsonl"):
        if Path(f"{out}{suffix}").exists():
            rows += read_records(f"{out}{suffix}")
    return rows


# --- 1. a lone surrogate in valid JSON ------------------------------------------------------------------


def test_lone_surrogate_in_id_text_and_url_is_one_row_not_a_dead_run(tmp_path, engine):
    page = make_pages(1)[0]
    lines = [
        '{"id": "b\\udfff", "text": "x"}',
        json.dumps({"id": "ok", "url": page["url"], "html": page["html"]}),
        '{"id": "c", "url": "https://a.example/\\ud800", "html": "<p>half an emoji \\ud83d here</p>", "lang": "\\udc00"}',
    ]
    (tmp_path / "s.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "o.jsonl"
    summary = clean_corpus([str(tmp_path / "s.jsonl")], out, options=_opts(), **engine_kw(engine))
    assert summary.documents == 3
    rows = {r["id"]: r for r in _placed(out)}
    assert set(rows) == {"b\ufffd", "ok", "c"}
    assert rows["c"]["url"] == "https://a.example/\ufffd"
    out.read_bytes().decode("utf-8")  # valid UTF-8 throughout


# --- 2. no output path is an input or another output --------------------------------------------------


def test_an_output_that_is_an_input_is_refused_and_the_input_kept(tmp_path):
    write_jsonl(make_pages(2), tmp_path / "a.jsonl")
    write_jsonl(make_pages(2, seed=1), tmp_path / "b.jsonl")
    before = (tmp_path / "b.jsonl").read_bytes()
    for extra in (["-o", "b.jsonl"], ["-o", "out.jsonl", "--rejects", "b.jsonl", "--min-quality", "0.5"],
                  ["-o", "out.jsonl", "--rejects", "out.jsonl", "--min-quality", "0.5"]):
        proc = _cli("a.jsonl", "b.jsonl", *extra, "-q", cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and ("b.jsonl" in proc.stderr or "out.jsonl" in proc.stderr)
        assert (tmp_path / "b.jsonl").read_bytes() == before
        assert not (tmp_path / "out.jsonl").exists()


# --- 3. a file name that is not valid UTF-8 -----------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_one_error_and_blocks_no_rerun(tmp_path):
    d = tmp_path / "pages"
    write_dir(make_pages(2), d)
    with open(os.fsencode(d) + b"/bad\xff.html", "wb") as fh:
        fh.write(b"<p>x</p>")
    out = tmp_path / "o.jsonl"
    for _ in range(2):  # and a rerun starts
        summary = clean_corpus([str(d)], out, options=_opts())
        assert summary.documents == 3 and summary.errors == 1
        (err,) = read_records(f"{out}.errors.jsonl")
        assert "not valid UTF-8" in err["error"] and "\ufffd" in err["id"]
    assert not Path(f"{out}.shards").exists()


def test_a_folder_that_cannot_be_listed_is_one_error_not_a_silent_loss(tmp_path, monkeypatch):
    d = tmp_path / "pages"
    write_dir(make_pages(2), d)
    (d / "sub").mkdir()
    (d / "sub" / "hidden.html").write_text("<p>x</p>")
    real_scandir = os.scandir

    def scandir(path="."):  # what a folder without read permission does (root would read it anyway)
        if isinstance(path, (str, os.PathLike)) and os.fspath(path).endswith("sub"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    out = tmp_path / "o.jsonl"
    summary = clean_corpus([str(d)], out, options=_opts())
    assert summary.documents == 3 and summary.errors == 1
    (err,) = read_records(f"{out}.errors.jsonl")
    assert err["id"].endswith("sub") and "cannot be listed" in err["error"] and "Permission denied" in err["error"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_in_an_input_folder_is_one_error_not_a_hang(tmp_path):
    from detector.corpus.sources import expand_sources

    d = tmp_path / "pages"
    write_dir(make_pages(2), d)
    os.mkfifo(d / "pipe.html")  # reading it would block forever
    problems = [s.problem for s in expand_sources([str(d)]) if s.problem]
    assert problems == ["unreadable: not a regular file (a FIFO); skipped"]
    out = tmp_path / "o.jsonl"
    summary = clean_corpus([str(d)], out, options=_opts())
    assert summary.documents == 3 and summary.errors == 1
    (err,) = read_records(f"{out}.errors.jsonl")
    assert err["id"].endswith("pipe.html") and "FIFO" in err["error"]

def test_a_leftover_work_folder_without_manifest_does_not_block_a_rerun(tmp_path):
    write_jsonl(make_pages(2), tmp_path / "p.jsonl")
    (tmp_path / "o.jsonl.shards" / "extract").mkdir(parents=True)
    summary = clean_corpus([str(tmp_path / "p.jsonl")], tmp_path / "o.jsonl", options=_opts())
    assert summary.documents == 2


# --- 4. the work folder is locked ---------------------------------------------------------------------


def test_a_second_run_on_the_same_output_is_refused_and_a_stale_lock_taken_over(tmp_path):
    from detector.corpus.workdir import WorkDir

    write_jsonl(make_pages(2), tmp_path / "p.jsonl")
    held = WorkDir(str(tmp_path / "o.jsonl.shards"))
    held.lock()  # a live run holds it
    try:
        proc = _cli("p.jsonl", "-o", "o.jsonl", "-q", cwd=tmp_path)
        assert proc.returncode == 2 and f"pid {os.getpid()}" in proc.stderr, proc.stderr
    finally:
        held.release()
    # the owner died (its lock file is still there, with its pid): the next run takes over
    assert (tmp_path / "o.jsonl.shards" / "lock").exists()
    proc = _cli("p.jsonl", "-o", "o.jsonl", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(read_records(str(tmp_path / "o.jsonl"))) == 2


# --- 5./6. WARC: lying Content-Length, chunked and gzip payloads --------------------------------------


def _warc_with_length(records, index: int, length: bytes) -> bytes:
    data = warc_bytes(records, gzip_records=False)
    at = data.find(records[index][0].encode())
    j = data.find(b"Content-Length: ", at)
    k = data.find(b"\r\n", j)
    return data[: j + 16] + length + data[k:]


@pytest.mark.parametrize("length", [b"150", b"-5"])
def test_a_warc_record_with_a_lying_content_length_is_one_error_and_the_rest_is_read(tmp_path, length):
    pages = make_pages(4, seed=3)
    records = [(p["url"], p["html"].encode(), "text/html") for p in pages]
    path = tmp_path / "c.warc"
    path.write_bytes(_warc_with_length(records, 1, length))
    items = list(iter_documents([str(path)]))
    assert [i.id for i in items] == [f"{path}:{n}" for n in (1, 2, 3, 4)]
    assert isinstance(items[1], ReadError) and "Content-Length" in items[1].error
    assert [i.url for i in items if isinstance(i, RawDoc)] == [pages[0]["url"], pages[2]["url"], pages[3]["url"]]
    assert items[3].content == pages[3]["html"].encode()


def test_chunked_and_gzip_warc_payloads_are_decoded(tmp_path):
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    html = make_pages(1)[0]["html"].encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (html[:700], html[700:])) + b"0\r\n\r\n"
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    for url, body, header in (("https://a.example/chunked", chunked, ("Transfer-Encoding", "chunked")),
                              ("https://a.example/gzip", gzip.compress(html), ("Content-Encoding", "gzip"))):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), header], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    (tmp_path / "e.warc").write_bytes(out.getvalue())
    docs = list(iter_documents([str(tmp_path / "e.warc")]))
    assert [d.content for d in docs] == [html, html]


# --- 7. globs do not follow symlinked directories ------------------------------------------------------


def test_a_quoted_glob_does_not_follow_symlink_loops(tmp_path):
    d = tmp_path / "site"
    write_dir(make_pages(2), d)
    (d / "loop").symlink_to(d)
    (d / "sub").mkdir()
    (d / "sub" / "back").symlink_to(d)
    docs = list(iter_documents([str(tmp_path / "site" / "**" / "*.html")]))
    assert sorted(Path(x.id).name for x in docs) == ["page000.html", "page001.html"]


# --- 11./12. every read bounded in bytes before it is held --------------------------------------------


def _peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("name", ["big.jsonl", "big.jsonl.gz", "big.jsonl.zst"])
def test_an_oversized_jsonl_line_is_an_error_without_being_held(tmp_path, name):
    limit = 1 << 20
    line = json.dumps({"id": "huge", "text": "x" * (40 << 20)}).encode() + b"\n"
    data = line + json.dumps({"id": "after", "text": "fine"}).encode() + b"\n"
    if name.endswith(".gz"):
        data = gzip.compress(data)
    elif name.endswith(".zst"):
        import zstandard

        data = zstandard.ZstdCompressor().compress(data)
    (tmp_path / name).write_bytes(data)
    del line
    items: list = []
    peak = _peak(lambda: items.extend(iter_documents([str(tmp_path / name)], max_bytes=limit)))
    assert isinstance(items[0], ReadError) and items[0].error.startswith("too-large") and items[0].id.endswith(":1")
    assert items[1].id == "after"
    assert peak < 16 * limit  # the 40 MiB line was never held (the old readers held all of it)


def test_oversized_parquet_rows_and_warc_records_are_errors(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    limit = 1 << 20
    pq.write_table(pa.Table.from_pylist([{"id": "big", "html": "y" * (3 << 20)}, {"id": "ok", "html": "<p>ok</p>"}]),
                   tmp_path / "r.parquet")
    (tmp_path / "r.warc").write_bytes(warc_bytes([("https://a.example/big", b"z" * (3 << 20), "text/html"),
                                                   ("https://a.example/ok", b"<p>ok</p>", "text/html")],
                                                  gzip_records=False))
    for name in ("r.parquet", "r.warc"):
        big, ok = iter_documents([str(tmp_path / name)], max_bytes=limit)
        assert isinstance(big, ReadError) and big.error.startswith("too-large"), big
        assert isinstance(ok, RawDoc) and ok.content in ("<p>ok</p>", b"<p>ok</p>")


# --- 15. errors a person can act on -------------------------------------------------------------------


def test_a_bad_model_with_two_workers_is_one_line(tmp_path):
    write_jsonl(make_pages(4), tmp_path / "p.jsonl")
    (tmp_path / "bad.joblib").write_bytes(b"not a model")
    proc = _cli("p.jsonl", "-o", "o.jsonl", "--workers", "2", "--model", "bad.joblib", cwd=tmp_path)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "bad.joblib" in proc.stderr, proc.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_one_line_before_the_work(tmp_path):
    write_jsonl(make_pages(2), tmp_path / "p.jsonl")
    (tmp_path / "ro").mkdir()
    (tmp_path / "ro").chmod(0o500)
    try:
        proc = _cli("p.jsonl", "-o", "ro/o.jsonl", cwd=tmp_path)
    finally:
        (tmp_path / "ro").chmod(0o700)
    assert proc.returncode == 2 and "ro" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_output_problems_are_found_before_the_model_loads(tmp_path):
    write_jsonl(make_pages(2), tmp_path / "p.jsonl")
    (tmp_path / "folder.jsonl").mkdir()
    missing_model = Config(model_path=tmp_path / "no-such-model.joblib")
    for out, words in ((tmp_path / "folder.jsonl", "is a folder"), (tmp_path / "out.csv", "output format"),
                       (tmp_path / "nope" / "o.jsonl", "does not exist")):
        with pytest.raises(InputError, match=words) as err:  # not a ModelError: the model was not loaded
            clean_corpus([str(tmp_path / "p.jsonl")], out, options=_opts(), config=missing_model)
        assert str(out) in str(err.value)


def test_a_full_disk_names_the_path(tmp_path):
    import resource

    write_jsonl(make_pages(6), tmp_path / "p.jsonl")

    def small_files() -> None:  # writes past 20 KB fail with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    proc = subprocess.run([*CLI, "p.jsonl", "-o", "o.jsonl", "--details", "-q"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, preexec_fn=small_files)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "o.jsonl" in proc.stderr and "internal" not in proc.stderr


def test_a_nonsense_scheduler_is_a_prompt_one_line_error(tmp_path):
    pytest.importorskip("distributed")
    write_jsonl(make_pages(1), tmp_path / "p.jsonl")
    proc = _cli("p.jsonl", "-o", "o.jsonl", "--engine", "dask", "--scheduler", "nonsense:::", cwd=tmp_path)
    assert proc.returncode == 2 and "nonsense:::" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_rejects_without_a_filter_is_a_usage_error_not_silently_ignored(tmp_path):
    # --rejects alone: nothing can be rejected, so the file would silently never appear
    write_jsonl(make_pages(2), tmp_path / "p.jsonl")
    proc = _cli("p.jsonl", "-o", "o.jsonl", "--rejects", "r.jsonl", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "--rejects" in proc.stderr, proc.stderr
    assert "--keep-only" in proc.stderr and "--min-quality" in proc.stderr
    assert not (tmp_path / "o.jsonl").exists() and not (tmp_path / "r.jsonl").exists()
    with pytest.raises(ValueError, match="--rejects"):  # the library refuses it, whatever the door
        CleanOptions(rejects="r.jsonl")
    assert CleanOptions(rejects="r.jsonl", keep_only=True).filtering  # with a filter it is fine
    assert CleanOptions(rejects="r.jsonl", min_quality=0.5).filtering


# --- issue 13: frictions of `clean` ---------------------------------------------------------------------


def test_input_fields_pass_through_all_or_the_chosen_ones(tmp_path):
    pages = make_pages(2)
    rows = [{"id": p["id"], "url": p["url"], "html": p["html"], "crawl_date": "2024-05-01", "lang": "en",
             "title": "input title"} for p in pages]
    (tmp_path / "p.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    clean_corpus([str(tmp_path / "p.jsonl")], tmp_path / "all.jsonl", options=_opts())
    got = read_records(str(tmp_path / "all.jsonl"))
    assert all(r["crawl_date"] == "2024-05-01" and r["lang"] == "en" and "html" not in r for r in got)
    assert all(r["title"] != "input title" for r in got)  # the contract's own keys win
    clean_corpus([str(tmp_path / "p.jsonl")], tmp_path / "some.parquet", options=_opts(keep_fields=("lang",)))
    got = read_records(str(tmp_path / "some.parquet"))
    assert all(r["lang"] == "en" and "crawl_date" not in r for r in got)


def test_gzipped_pages_are_read_by_clean_and_score(tmp_path):
    page = make_pages(1)[0]
    d = tmp_path / "gz"
    d.mkdir()
    (d / "a.html.gz").write_bytes(gzip.compress(page["html"].encode()))
    (d / "b.txt.gz").write_bytes(gzip.compress("\n\n".join(page["paragraphs"]).encode()))
    summary = clean_corpus([str(d)], tmp_path / "o.jsonl", options=_opts(templates=False))
    rows = read_records(str(tmp_path / "o.jsonl"))
    assert summary.documents == 2 and summary.errors == 0
    assert all(page["paragraphs"][0] in r["text"] for r in rows)
    proc = subprocess.run([sys.executable, "-m", "detector", "score", str(d / "a.html.gz"), "--json"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert page["paragraphs"][0] in json.loads(proc.stdout)["text"]


def test_dash_writes_jsonl_to_stdout(tmp_path):
    write_jsonl(make_pages(3), tmp_path / "p.jsonl")
    proc = _cli("p.jsonl", "-o", "-", "-q", "--no-templates", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["id"] for line in proc.stdout.splitlines()] == [p["id"] for p in make_pages(3)]
    assert not (tmp_path / "-").exists() and not list(tmp_path.glob("-*"))


def test_documents_without_site_warn_and_site_from_dir_finds_the_template(tmp_path):
    d = tmp_path / "harbour-gazette"
    write_dir(make_pages(12, footer_promo=FOOTER_PROMO, seed=9), d)
    proc = _cli(str(d), "-o", "plain.jsonl", "--workers", "1", cwd=tmp_path)
    assert proc.returncode == 0 and "carry no site" in proc.stderr and "--site-from" in proc.stderr
    stats = json.loads((tmp_path / "plain.jsonl.stats.json").read_text())
    assert stats["templates"]["documents_without_site"] == 12 and stats["templates"]["paragraphs"] == 0
    summary = clean_corpus([str(d)], tmp_path / "site.jsonl", options=_opts(site_from="dir", details=True))
    assert summary.template_sites == 1 and summary.documents_without_site == 0
    rows = read_records(str(tmp_path / "site.jsonl"))
    assert all(FOOTER_PROMO not in r["text"] for r in rows)


def test_provenance_in_stats_and_optionally_per_row(tmp_path):
    from detector import __version__
    from detector.model import sha256_of, shipped_model_path

    write_jsonl(make_pages(2), tmp_path / "p.jsonl")
    clean_corpus([str(tmp_path / "p.jsonl")], tmp_path / "o.jsonl", options=_opts(provenance=True))
    prov = json.loads((tmp_path / "o.jsonl.stats.json").read_text())["provenance"]
    assert prov["detector_version"] == __version__ and prov["model_sha256"] == sha256_of(shipped_model_path())
    assert len(prov["config_sha256"]) == 64
    assert all(r["provenance"] == prov for r in read_records(str(tmp_path / "o.jsonl")))
    clean_corpus([str(tmp_path / "p.jsonl")], tmp_path / "q.jsonl", options=_opts(provenance=True, min_quality=0.9))
    other = json.loads((tmp_path / "q.jsonl.stats.json").read_text())["provenance"]
    assert other["config_sha256"] != prov["config_sha256"]


def test_a_model_error_is_exit_2_in_every_command(tmp_path):
    """The one exception -> exit-code table (detector.cli.exit_code): a bad model is 2 everywhere."""
    from detector.cli import exit_code
    from detector.errors import DetectorError, InputError, ModelError

    assert exit_code(ModelError("x")) == exit_code(InputError("a", "b")) == exit_code(DetectorError("c")) == 2
    assert exit_code(OSError(28, "No space left on device", "out.jsonl")) == 2
    assert exit_code(KeyboardInterrupt()) == 130 and exit_code(RuntimeError("bug")) == 1
    (tmp_path / "bad.joblib").write_bytes(b"not a model")
    (tmp_path / "p.jsonl").write_text('{"id": "a", "text": "x"}\n')
    for cmd in (["clean", "p.jsonl", "-o", "o.jsonl"], ["filter"], ["score", "p.jsonl"]):
        proc = subprocess.run([sys.executable, "-m", "detector", *cmd, "--model", "bad.joblib"], cwd=tmp_path,
                              input="", capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2, (cmd, proc.stderr)
