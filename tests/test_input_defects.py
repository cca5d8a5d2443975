"""Input-robustness defects found by testers (readers, sources, ``clean`` and ``filter`` options).

Every input is generated here; each test failed on the code before its fix: a truncated small
``.jsonl.zst`` lost every document silently, a FIFO named on the command line hung ``clean``,
UTF-16 JSONL was split on byte 0x0a, empty field names were accepted, an input named twice was
read twice, and a ``.gz`` / ``.zst`` file that was not compressed was read as plain text.
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from corpus_helpers import make_pages, write_dir, write_jsonl
from hostile_helpers import StubDetector, run_cli

from detector.corpus import CleanOptions, clean_corpus
from detector.corpus.readers import ReadError, iter_documents
from detector.corpus.sources import ReadSpec, expand_sources, plan_shards, read_shard
from detector.corpus.writers import read_records
from detector.errors import InputError
from detector.filtering import filter_jsonl

zstandard = pytest.importorskip("zstandard")

PAGE = Path(__file__).resolve().parents[1] / "seeds" / "migrant-crisis-page.html"


def _opts(**kw) -> CleanOptions:
    return CleanOptions(**{"workers": 1, "quiet": True, "templates": False, **kw})


def _split(items):
    items = list(items)
    docs = [i for i in items if not isinstance(i, ReadError)]
    return docs, [i for i in items if isinstance(i, ReadError)]


def _noisy_jsonl(n: int, seed: int = 0) -> bytes:
    """``n`` records of text that hardly compresses (so ~100 KB stays one zstd block)."""
    rng = random.Random(seed)
    return b"".join((json.dumps({"id": f"r{i}", "text": base64.b64encode(rng.randbytes(1500)).decode()}) + "\n")
                    .encode() for i in range(n))


# --- 1. a truncated small .jsonl.zst -------------------------------------------------------------


def test_a_small_zstd_jsonl_cut_in_half_is_one_truncated_error(tmp_path):
    data = zstandard.ZstdCompressor().compress(_noisy_jsonl(60))
    cut = tmp_path / "cut.jsonl.zst"
    cut.write_bytes(data[: len(data) // 2])  # inside the frame's only (and last) block
    docs, errors = _split(iter_documents([str(cut)]))
    assert docs == []
    assert len(errors) == 1 and errors[0].error.startswith("truncated"), errors


def test_a_zstd_jsonl_cut_inside_its_last_block_keeps_the_rows_before(tmp_path):
    raw = _noisy_jsonl(200, seed=1)  # ~400 KB: several blocks
    data = zstandard.ZstdCompressor().compress(raw)
    cut = tmp_path / "cut.jsonl.zst"
    cut.write_bytes(data[:-50])  # no checksum by default: the last block loses its end
    docs, errors = _split(iter_documents([str(cut)]))
    assert 1 <= len(docs) < 200
    assert [d.id for d in docs] == [f"r{i}" for i in range(len(docs))]
    assert len(errors) == 1 and errors[0].error.startswith("truncated")


def test_clean_writes_the_truncated_error_of_a_small_zstd_jsonl(tmp_path):
    data = zstandard.ZstdCompressor().compress(_noisy_jsonl(60))
    cut = tmp_path / "trunc.jsonl.zst"
    cut.write_bytes(data[: len(data) // 2])
    out = tmp_path / "o.jsonl"
    summary = clean_corpus([str(cut)], out, options=_opts())
    assert summary.errors == 1
    (err,) = read_records(f"{out}.errors.jsonl")
    assert err["source"] == str(cut) and err["error"].startswith("truncated")


# --- 2. a FIFO named on the command line ---------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_named_fifo_is_a_problem_source_and_never_opened(tmp_path):
    fifo = tmp_path / "p.html"
    os.mkfifo(fifo)
    (source,) = expand_sources([str(fifo)])
    assert source.problem == "unreadable: not a regular file (a FIFO); skipped"
    (err,) = [item for item, _ in source.read(limit=1000)]  # would block in open() without the problem
    assert isinstance(err, ReadError) and "FIFO" in err.error


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_clean_with_a_named_fifo_goes_on_with_the_other_inputs(tmp_path):
    fifo = tmp_path / "p.html"
    os.mkfifo(fifo)
    out = tmp_path / "x.jsonl"
    proc = subprocess.run([sys.executable, "-m", "detector", "clean", str(fifo), str(PAGE), "-o", str(out),
                           "--workers", "1", "--no-templates", "-q"], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert len(read_records(str(out))) == 1
    (err,) = read_records(f"{out}.errors.jsonl")
    assert err["id"] == str(fifo) and "not a regular file (a FIFO)" in err["error"]


# --- 3. UTF-16 / UTF-32 JSONL --------------------------------------------------------------------


def _records(n: int) -> str:
    return "".join(json.dumps({"id": f"d{i}", "text": f"line {i} of some text"}) + "\n" for i in range(n))


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16"), ("utf-16-be", "UTF-16"), ("utf-32", "UTF-32")])
def test_utf16_and_utf32_jsonl_is_one_error_naming_the_file(tmp_path, encoding, name):
    path = tmp_path / "u.jsonl"
    data = _records(5).encode(encoding)
    if encoding == "utf-16-be":  # the codec without a byte-order mark: add the big-endian one
        data = b"\xfe\xff" + data
    path.write_bytes(data)
    docs, errors = _split(iter_documents([str(path)]))
    assert docs == []
    assert [(e.id, e.error) for e in errors] == [
        (str(path), f"unreadable: JSONL must be UTF-8 (found a {name} byte-order mark)")]


def test_utf16_jsonl_split_into_shards_is_still_one_error(tmp_path):
    path = tmp_path / "u.jsonl"
    path.write_bytes(_records(6).encode("utf-16"))
    spec = ReadSpec(limit=2**20)
    entries = [item for shard in plan_shards(expand_sources([str(path)]), spec, shard_size=2)
               for _, item, _ in read_shard(shard, spec)]
    assert len(entries) == 1 and "UTF-16" in entries[0].error


def test_utf16_is_refused_where_utf8_with_a_byte_order_mark_reads(tmp_path):
    utf8, utf16 = tmp_path / "b.jsonl", tmp_path / "u.jsonl"
    utf8.write_bytes(b"\xef\xbb\xbf" + _records(3).encode("utf-8"))
    utf16.write_bytes(_records(3).encode("utf-16"))
    docs, errors = _split(iter_documents([str(utf8), str(utf16)]))
    assert [d.id for d in docs] == ["d0", "d1", "d2"]
    assert [(e.id, e.error) for e in errors] == [
        (str(utf16), "unreadable: JSONL must be UTF-8 (found a UTF-16 byte-order mark)")]
    assert filter_jsonl(io.BytesIO(utf8.read_bytes()), io.BytesIO(), detector=StubDetector()).malformed == 0
    with pytest.raises(InputError, match=r"<stdin>: JSONL must be UTF-8 \(found a UTF-16 byte-order mark\)"):
        filter_jsonl(io.BytesIO(utf16.read_bytes()), io.BytesIO(), detector=StubDetector())


def test_filter_command_on_utf16_is_one_error_line_and_exit_2():
    proc = subprocess.run([sys.executable, "-m", "detector", "filter"], input=_records(3).encode("utf-16"),
                          capture_output=True, timeout=180)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    (line,) = err.strip().splitlines()
    assert line == "detector filter: <stdin>: JSONL must be UTF-8 (found a UTF-16 byte-order mark)"
    assert proc.stdout == b""


# --- 4. empty field names ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["filter", "clean"])
@pytest.mark.parametrize("options, named", [
    (["--html-field", "", "--text-field", "", "--content-field", ""], "--html-field, --text-field and --content-field"),
    (["--id-field", ""], "--id-field"),
    (["--url-field", ""], "--url-field"),
])
def test_empty_field_names_are_a_usage_error(tmp_path, command, options, named):
    if command == "clean":
        inp = write_jsonl(make_pages(1), tmp_path / "p.jsonl")
        argv = ["clean", str(inp), "-o", str(tmp_path / "o.jsonl"), "--workers", "1", "-q", *options]
        code, _, err = run_cli(*argv)
        assert not (tmp_path / "o.jsonl").exists()
    else:  # filter reads stdin: a subprocess, fed one record
        proc = subprocess.run([sys.executable, "-m", "detector", "filter", *options], capture_output=True,
                              input=b'{"id": "a", "html": "<p>x</p>"}\n', timeout=180)
        code, err = proc.returncode, proc.stderr.decode()
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith(f"detector {command}: ") and named in line


def test_a_site_from_regex_that_does_not_compile_is_a_usage_error(tmp_path):
    # had been "internal error: error: missing ), unterminated subpattern" (exit 1)
    inp = write_jsonl(make_pages(1), tmp_path / "p.jsonl")
    code, _, err = run_cli("clean", str(inp), "-o", str(tmp_path / "o.jsonl"), "--workers", "1", "-q",
                           "--site-from", "path:(")
    assert code == 2 and not (tmp_path / "o.jsonl").exists()
    (line,) = err.strip().splitlines()
    assert line.startswith("detector clean: error: --site-from 'path:(': not a regular expression")


# --- 5. the same input named twice ---------------------------------------------------------------


def test_an_input_named_twice_is_expanded_once(tmp_path):
    d = tmp_path / "pages"
    write_dir(make_pages(3), d)
    files = sorted(str(p) for p in d.rglob("*.html"))
    assert [s.path for s in expand_sources([files[0], files[0], os.path.join(d, ".", os.path.basename(files[0]))])] \
        == [files[0]]
    assert [s.path for s in expand_sources([str(d), str(d) + os.sep, files[1]])] == files


def test_clean_reads_a_repeated_input_once_and_warns(tmp_path):
    page = tmp_path / "a.html"
    page.write_bytes(PAGE.read_bytes())
    out = tmp_path / "t.jsonl"
    code, _, err = run_cli("clean", str(page), str(page), str(page), "-o", str(out), "--workers", "1",
                           "--no-templates")
    assert code == 0, err
    rows = read_records(str(out))
    assert [r["id"] for r in rows] == [str(page)]
    warnings = [line for line in err.splitlines() if "duplicate" in line]
    assert warnings == ["detector clean: warning: 2 duplicate inputs ignored (the same file or folder named more "
                        "than once is read once)"]


# --- 6. a .gz / .zst file that is not compressed -------------------------------------------------


@pytest.mark.parametrize("name, kind", [("fake.jsonl.gz", "gzip"), ("fake.jsonl.zst", "zstd"),
                                        ("fake.html.gz", "gzip")])
def test_a_file_named_gz_or_zst_that_is_not_is_one_error(tmp_path, name, kind):
    rng = random.Random(7)
    noise = b"\n".join(rng.randbytes(rng.randint(5, 60)).replace(b"\x1f", b"x") for _ in range(17))
    path = tmp_path / name
    path.write_bytes(b"{" + noise)  # neither magic: starts with '{'
    docs, errors = _split(iter_documents([str(path)]))
    assert docs == []
    assert len(errors) == 1 and errors[0].id == str(path)
    assert errors[0].error.startswith(f"unreadable: not a {kind} file"), errors[0].error


def test_a_plain_jsonl_name_holding_gzip_is_decompressed_not_cut_into_ranges(tmp_path):
    pages = make_pages(4)
    path = tmp_path / "p.jsonl"
    path.write_bytes(gzip.compress(write_jsonl(pages, tmp_path / "src.jsonl").read_bytes()))
    spec = ReadSpec(limit=2**20)
    items = [item for shard in plan_shards(expand_sources([str(path)]), spec, shard_size=2)
             for _, item, _ in read_shard(shard, spec)]
    assert [getattr(i, "id", None) for i in items] == [p["id"] for p in pages]
