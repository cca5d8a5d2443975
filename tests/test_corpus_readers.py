"""Readers: every input format -> RawDoc / ReadError, in a deterministic order, nothing lost."""

from __future__ import annotations

import gzip
import json
import math

import pytest

from corpus_helpers import make_pages, warc_bytes, write_jsonl, write_parquet, write_warc
from detector.corpus.options import FieldNames
from detector.corpus.readers import ReadError, iter_documents
from detector.corpus.sources import expand_sources as expand_inputs
from detector.document import RawDoc
from detector.errors import InputError


def _docs(items):
    return [d for d in items if isinstance(d, RawDoc)]


def _errors(items):
    return [d for d in items if isinstance(d, ReadError)]


def test_directory_is_recursive_sorted_and_takes_only_page_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.htm").write_text("<p>two</p>")
    (tmp_path / "a.html").write_text("<p>one</p>")
    (tmp_path / "c.txt").write_bytes("plain caf\xe9".encode("latin-1"))
    (tmp_path / "labels.jsonl").write_text('{"not": "a page"}\n')
    (tmp_path / "notes.md").write_text("# no")
    (tmp_path / ".hidden.html").write_text("<p>hidden</p>")
    items = list(iter_documents([str(tmp_path)]))
    # files of a directory before its subdirectories, each level sorted
    assert [d.id for d in items] == [str(tmp_path / "a.html"), str(tmp_path / "c.txt"), str(tmp_path / "b" / "two.htm")]
    by_name = {d.id.rsplit("/", 1)[-1]: d for d in items}
    assert set(by_name) == {"a.html", "two.htm", "c.txt"}
    assert by_name["a.html"].format == "html" and by_name["c.txt"].format == "text"
    assert by_name["c.txt"].content == "plain caf\xe9".encode("latin-1")  # bytes: decoding is the detector's job


def test_forced_format_reads_every_file_of_a_directory(tmp_path):
    (tmp_path / "x.data").write_text("<p>x</p>")
    (tmp_path / "y").write_text("<p>y</p>")
    items = list(iter_documents([str(tmp_path)], input_format="html"))
    assert sorted(d.id.rsplit("/", 1)[-1] for d in items) == ["x.data", "y"]
    assert all(d.format == "html" for d in items)


def test_missing_input_unknown_extension_and_empty_glob_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        expand_inputs([str(tmp_path / "nope.jsonl")])
    (tmp_path / "pages.bin").write_bytes(b"x")
    with pytest.raises(InputError, match="--input-format"):
        expand_inputs([str(tmp_path / "pages.bin")])
    with pytest.raises(InputError, match="matches no file"):
        expand_inputs([str(tmp_path / "*.warc")])


def test_globs_expand_in_sorted_order(tmp_path):
    pages = make_pages(4)
    write_jsonl(pages[2:], tmp_path / "b.jsonl")
    write_jsonl(pages[:2], tmp_path / "a.jsonl")
    items = list(iter_documents([str(tmp_path / "*.jsonl")]))
    assert [d.id for d in items] == [p["id"] for p in pages]


def test_jsonl_field_names_ids_and_bad_lines(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [
        {"doc": "d1", "link": "https://a.example/1", "raw": "<p>one</p>"},
        {"link": "https://a.example/2", "body": "two, as plain text"},  # no id: path:line
        "not an object",
        {"doc": "d4"},  # no content
        {"doc": "d5", "raw": 42},  # content that is not text
    ]
    lines = [json.dumps(r) for r in rows]
    lines.insert(2, "")  # blank lines are not documents
    lines.insert(3, '{"doc": "broken", ')
    path.write_text("\n".join(lines) + "\n")
    fields = FieldNames(html="raw", text="body", url="link", id="doc")
    items = list(iter_documents([str(path)], fields=fields))
    assert len(items) == 6
    d1, d2 = _docs(items)
    assert (d1.id, d1.url, d1.format, d1.content) == ("d1", "https://a.example/1", "html", "<p>one</p>")
    assert (d2.id, d2.format) == (f"{path}:2", "text")
    errors = {e.id: e.error for e in _errors(items)}
    assert errors[f"{path}:4"].startswith("invalid-json")
    assert errors[f"{path}:5"].startswith("invalid-json")
    assert "no 'raw', 'body' or 'content' field" in errors["d4"]
    assert "must be a string" in errors["d5"]
    assert all(e.source == str(path) for e in _errors(items))


@pytest.mark.parametrize("ext", [".jsonl.gz", ".jsonl.zst"])
def test_compressed_jsonl_and_truncated_stream(tmp_path, ext):
    # enough pages for several zstd blocks: a block cut in half cannot be decoded at all
    pages = make_pages(80)
    path = write_jsonl(pages, tmp_path / f"pages{ext}")
    assert [d.id for d in iter_documents([str(path)])] == [p["id"] for p in pages]

    data = path.read_bytes()
    cut = tmp_path / f"cut{ext}"
    cut.write_bytes(data[: len(data) * 2 // 3])
    items = list(iter_documents([str(cut)]))
    docs, errors = _docs(items), _errors(items)
    assert 1 <= len(docs) < 80
    assert [d.id for d in docs] == [p["id"] for p in pages[: len(docs)]]
    assert len(errors) == 1 and errors[0].error.startswith("truncated")
    assert errors[0].id == f"{cut}:{len(docs) + 1}"


def test_gzip_reader_keeps_records_before_a_cut_even_inside_a_line(tmp_path):
    raw = "".join(json.dumps({"id": f"r{i}", "text": "x" * 50}) + "\n" for i in range(200)).encode()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(raw)[:-20])  # only the trailer and a little data are missing
    items = list(iter_documents([str(cut)]))
    assert len(_docs(items)) >= 190
    assert len(_errors(items)) == 1


def test_parquet_rows(tmp_path):
    pages = make_pages(3)
    path = write_parquet(pages, tmp_path / "pages.parquet")
    docs = list(iter_documents([str(path)]))
    assert [(d.id, d.url, d.format) for d in docs] == [(p["id"], p["url"], "html") for p in pages]

    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": ["a text", None], "extra": [1, 2]}), tmp_path / "noid.parquet")
    items = list(iter_documents([str(tmp_path / "noid.parquet")]))
    assert items[0].id == f"{tmp_path / 'noid.parquet'}:1" and items[0].format == "text"
    assert isinstance(items[1], ReadError) and items[1].id == f"{tmp_path / 'noid.parquet'}:2"

    (tmp_path / "bad.parquet").write_bytes(b"PAR1 this is not parquet")
    (err,) = iter_documents([str(tmp_path / "bad.parquet")])
    assert isinstance(err, ReadError) and err.error.startswith("unreadable")


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
def test_warc_responses_charset_and_skipped_records(tmp_path, name):
    body = "<html><body><p>Caf\xe9 cr\xe8me</p></body></html>".encode("latin-1")
    data = warc_bytes(
        [
            ("https://a.example/1", body, "text/html; charset=ISO-8859-1"),
            ("https://a.example/logo.png", b"\x89PNG\r\n\x1a\n", "image/png"),
            ("https://a.example/2.txt", b"plain words", "text/plain"),
        ],
        gzip_records=name.endswith(".gz"),
    )
    path = tmp_path / name
    path.write_bytes(data)
    items = list(iter_documents([str(path)]))
    assert [i.id for i in items] == [f"{path}:1", f"{path}:2", f"{path}:3"]
    first, png, txt = items
    assert first.url == "https://a.example/1" and first.content == body
    assert first.encoding == "iso8859-1" and first.format == "html"
    assert isinstance(png, ReadError) and png.error.startswith("skipped") and "image/png" in png.error
    assert txt.format == "text"


@pytest.mark.parametrize("name", ["crawl.warc", "crawl.warc.gz"])
@pytest.mark.parametrize("cut_back", [30, 300])
def test_truncated_warc_gives_one_error_and_keeps_earlier_records(tmp_path, name, cut_back):
    pages = make_pages(3)
    full = write_warc(pages, tmp_path / name)
    data = full.read_bytes()
    cut = tmp_path / f"cut-{name}"
    cut.write_bytes(data[:-cut_back])
    items = list(iter_documents([str(cut)]))
    assert [d.url for d in _docs(items)] == [p["url"] for p in pages[:2]]
    (err,) = _errors(items)
    assert err.id == f"{cut}:3" and err.error.startswith("truncated")


def test_garbage_warc_is_one_error(tmp_path):
    path = tmp_path / "junk.warc"
    path.write_bytes(b"\x00\x01 not a warc " * 40)
    (err,) = iter_documents([str(path)])
    assert isinstance(err, ReadError) and err.source == str(path)


def row_to_raw_doc(row, fields, default_id):
    return RawDoc.from_record(row, fields, default_id=default_id, url_as_id=False)


def test_row_to_raw_doc_handles_pandas_missing_values_and_bytes():
    fields = FieldNames(site="host")
    raw = row_to_raw_doc({"id": math.nan, "html": math.nan, "text": b"bytes text", "host": "h"}, fields, "dflt")
    assert (raw.id, raw.format, raw.content, raw.site) == ("dflt", "text", b"bytes text", "h")
    raw = row_to_raw_doc({"id": 7, "html": "<p>x</p>", "url": ""}, fields, "dflt")
    assert (raw.id, raw.url) == ("7", None)
    with pytest.raises(InputError, match="dflt"):
        row_to_raw_doc({"url": "https://x.example"}, fields, "dflt")


def test_a_blank_field_gives_way_to_the_text_beside_it():
    fields = FieldNames()
    raw = row_to_raw_doc({"id": "a", "html": "", "text": "Six real paragraphs."}, fields, "dflt")
    assert (raw.format, raw.content) == ("text", "Six real paragraphs.")
    raw = row_to_raw_doc({"id": "b", "html": b"  \n", "text": "Body."}, fields, "dflt")
    assert (raw.format, raw.content) == ("text", "Body.")
    # html wins when both hold something; all blank: the first present field is the empty document
    assert row_to_raw_doc({"html": "<p>x</p>", "text": "y"}, fields, "d").format == "html"
    raw = row_to_raw_doc({"html": "", "text": " "}, fields, "d")
    assert (raw.format, raw.content) == ("html", "")


def test_a_gzipped_warc_of_records_over_64_kib_is_read_whole(tmp_path):
    """Crawlers gzip each record on its own; a member that inflates to more than the gzip check's
    64 KiB step, followed by another member, made ``_gzip_problem`` feed the finished member its
    own leftover input forever (the batch hung with no output, memory growing)."""
    import threading

    bodies = [("<html><body>" + "".join(f"<p>Paragraph {i} of page {n}: the council met again.</p>" for i in range(2000))
               + "</body></html>").encode() for n in range(3)]
    assert all(len(b) > 100_000 for b in bodies)
    path = tmp_path / "big.warc.gz"
    path.write_bytes(warc_bytes([(f"https://example.com/{n}", b, "text/html") for n, b in enumerate(bodies)],
                                gzip_records=True))
    items: list = []
    reader = threading.Thread(target=lambda: items.extend(iter_documents([str(path)])), daemon=True)
    reader.start()
    reader.join(120)  # a liveness guard, not a speed bound: reading takes well under a second
    assert not reader.is_alive(), "reading the WARC did not finish"
    assert [d.url for d in _docs(items)] == [f"https://example.com/{n}" for n in range(3)] and not _errors(items)
