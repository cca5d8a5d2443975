"""Site-template counting (order-free, hashes and counts only) and the atomic shard writers."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import random

import pytest

from detector.corpus import templates as tpl
from detector.corpus.templates import TemplateCounter, TemplateIndex, fingerprints_of, site_of
from detector.corpus.writers import (
    concat_shards,
    marker_path,
    output_format_of,
    output_paths,
    read_marker,
    read_records,
    shard_done,
    write_shard,
)
from detector.document import Block, Document, RawDoc
from detector.redundancy import fingerprint


def _corpus(seed: int = 0):
    """(site, fingerprints) per document: 3 sites of different sizes, some shared paragraphs."""
    rng = random.Random(seed)
    docs = []
    for site, n in (("a.example", 40), ("b.example", 12), ("c.example", 2)):
        for i in range(n):
            fps = {f"{site}-uniq-{i}-{k}" for k in range(5)}
            fps.add("footer")  # every document of every site
            if i % 4 == 0:
                fps.add(f"{site}-every-4th")  # 25% of the site's documents
            if i < 3:
                fps.add(f"{site}-first-3")
            docs.append((site, fps))
    rng.shuffle(docs)
    return docs


def test_finalize_applies_both_thresholds_per_site():
    counter = TemplateCounter()
    for site, fps in _corpus():
        counter.add(site, fps)
    index = counter.finalize(min_docs=3, min_share=0.1)
    # a.example: 40 docs, needs >= 4 documents; b.example: 12 docs, needs >= 3; c.example: too small
    assert index.for_site("a.example") == frozenset({"footer", "a.example-every-4th"})
    assert index.for_site("b.example") == frozenset({"footer", "b.example-every-4th", "b.example-first-3"})
    assert index.for_site("c.example") == frozenset()
    assert index.for_site("unknown.example") == frozenset() and index.for_site(None) == frozenset()
    assert counter.count("a.example", "footer") == 40 and counter.count("a.example", "nope") == 0
    assert counter.docs == {"a.example": 40, "b.example": 12, "c.example": 2}

    stricter = counter.finalize(min_docs=3, min_share=0.3)
    assert stricter.for_site("a.example") == frozenset({"footer"})


def test_share_threshold_is_not_fooled_by_float_rounding():
    counter = TemplateCounter()
    for i in range(30):
        counter.add("s.example", {"x"} if i < 3 else {f"u{i}"})
    # 0.1 * 30 == 3.0000000000000004 in floating point; 3 of 30 documents is exactly 10%
    assert counter.finalize(3, 0.1).for_site("s.example") == frozenset({"x"})


def test_a_paragraph_counts_once_per_document_and_documents_without_site_are_ignored():
    counter = TemplateCounter()
    for _ in range(2):
        counter.add("s.example", ["same", "same", "same"])
    counter.add("", ["same"])
    counter.add(None, ["same"])
    assert counter.count("s.example", "same") == 2
    assert counter.docs == {"s.example": 2}
    assert counter.finalize(3, 0.0).for_site("s.example") == frozenset()


def test_merge_is_order_and_split_independent_and_survives_pickling(monkeypatch):
    monkeypatch.setattr(TemplateCounter, "_MIN_FLUSH", 7)  # exercise the folding path often
    docs = _corpus(seed=1)
    whole = TemplateCounter()
    for site, fps in docs:
        whole.add(site, fps)
    expected = whole.finalize(3, 0.1)

    for seed in range(3):
        rng = random.Random(seed)
        shuffled = docs[:]
        rng.shuffle(shuffled)
        parts = [TemplateCounter() for _ in range(rng.randint(2, 6))]
        for i, (site, fps) in enumerate(shuffled):
            parts[i % len(parts)].add(site, fps)
        parts = [pickle.loads(pickle.dumps(p)) for p in parts]  # as sent back by workers
        rng.shuffle(parts)
        merged = TemplateCounter()
        for p in parts:
            merged.merge(p)
        assert merged.finalize(3, 0.1) == expected
        assert merged.n_documents == len(docs)
        assert merged.n_fingerprints == whole.n_fingerprints


def test_counter_holds_compact_arrays_not_strings():
    counter = TemplateCounter()
    for i in range(200):
        counter.add("s.example", {fingerprint(f"paragraph {i} {j}") for j in range(10)})
    state = counter.__getstate__()
    keys = state["keys"]["s.example"]
    assert keys.dtype.kind == "S" and keys.dtype.itemsize == 16  # 16 hex chars, no Python objects
    assert state["counts"]["s.example"].dtype.itemsize == 4
    assert len(pickle.dumps(counter)) < 2000 * 24 + 1000


def test_index_round_trips_through_a_dict():
    index = TemplateIndex({"a": frozenset({"x", "y"}), "b": frozenset({"z"})})
    assert TemplateIndex.from_dict(json.loads(json.dumps(index.to_dict()))) == index
    assert len(index) == 3


def test_fingerprints_skip_the_title_and_empty_blocks_and_site_comes_from_url():
    doc = Document(
        id="d", url="https://www.News.example/a", title="T",
        blocks=(Block("T", kind="title"), Block("Hello there."), Block("hello, THERE"), Block("...")),
        format="html", site="news.example",
    )
    assert fingerprints_of(doc) == frozenset({fingerprint("Hello there.")})
    assert site_of(RawDoc(id="x", content="", url="https://www.News.example/a")) == "news.example"
    assert site_of(RawDoc(id="x", content="", url="https://n.example/a", site="group-7")) == "group-7"
    assert site_of(RawDoc(id="x", content="")) == ""


def test_document_fingerprints_uses_the_detectors_extraction():
    class FakeDetector:
        def extract(self, raw):
            return Document(id=raw.id, url=raw.url, title=None, blocks=(Block("Para one."), Block("Para two.")),
                            format="html", site="s.example")

    site, fps = tpl.document_fingerprints(FakeDetector(), RawDoc(id="x", content="<p>", url="https://s.example/"))
    assert site == "s.example" and fps == frozenset({fingerprint("Para one."), fingerprint("Para two.")})


# --- writers --------------------------------------------------------------------------------------


RECORDS = [
    {"id": "a", "title": None, "quality": {"score": 0.5, "flags": []}, "stats": {"kept": 1}},
    {"id": "b", "title": "B", "quality": {"score": 0.25, "flags": ["short"]}, "stats": {"kept": 0}},
]


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "jsonl.zst", "parquet"])
def test_shards_are_atomic_with_a_marker_and_concatenate_in_order(tmp_path, fmt):
    paths = []
    for i, chunk in enumerate([RECORDS[:1], [], RECORDS[1:]]):
        path = str(tmp_path / f"{i:03d}.{fmt}")
        assert not shard_done(path)
        assert write_shard(chunk, path, fmt, meta={"shard": i}) == len(chunk)
        assert shard_done(path) and read_marker(path) == {"records": len(chunk), "format": fmt, "shard": i}
        paths.append(path)
    out = str(tmp_path / f"out.{fmt}")
    concat_shards(paths, out, fmt)
    assert read_records(out, fmt) == RECORDS
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_gzip_shards_are_byte_identical_for_the_same_records(tmp_path):
    write_shard(RECORDS, str(tmp_path / "a.jsonl.gz"), "jsonl.gz")
    write_shard(RECORDS, str(tmp_path / "b.jsonl.gz"), "jsonl.gz")
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()
    concat_shards([str(tmp_path / "a.jsonl.gz")] * 2, str(tmp_path / "ab.jsonl.gz"), "jsonl.gz")
    assert gzip.decompress((tmp_path / "ab.jsonl.gz").read_bytes()).count(b"\n") == 4


def test_a_crash_before_the_marker_leaves_the_shard_not_done(tmp_path, monkeypatch):
    path = str(tmp_path / "s.jsonl")
    write_shard(RECORDS, path, "jsonl")
    from detector.corpus import writers

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(writers, "atomic_write_json", boom)
    with pytest.raises(OSError):
        write_shard(RECORDS[:1], path, "jsonl")
    assert not shard_done(path) and not os.path.exists(marker_path(path))


def test_output_naming():
    assert output_format_of("x.jsonl") == "jsonl" and output_format_of("x.JSONL.GZ") == "jsonl.gz"
    assert output_format_of("x.parquet") == "parquet" and output_format_of("x.jsonl.zst") == "jsonl.zst"
    assert output_format_of("x.out", "parquet") == "parquet"
    paths = output_paths("dir/cleaned.jsonl")
    assert paths.errors == "dir/cleaned.jsonl.errors.jsonl" and paths.stats == "dir/cleaned.jsonl.stats.json"
    assert paths.rejects == "dir/cleaned.jsonl.rejects.jsonl" and paths.work == "dir/cleaned.jsonl.shards"
