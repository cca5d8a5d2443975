"""datatrove: our extractor and filter steps in a real LocalPipelineExecutor run on the seed pages."""

from __future__ import annotations

import gzip
import json

import pytest

pytest.importorskip("datatrove")

from adapter_pages import reference, seed_pages  # noqa: E402
from datatrove.data import Document  # noqa: E402
from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from detector.adapters.datatrove_steps import DetectorExtractor, DetectorFilter  # noqa: E402


def read_jsonl_gz(folder):
    rows = []
    for path in sorted(folder.glob("*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            rows += [json.loads(line) for line in f]
    return rows


def run(tmp_path, name, min_quality=None):
    docs = [Document(text=content, id=url, metadata={"url": url}) for url, content in seed_pages()]
    docs.append(Document(text='{"not": "a page"}', id="json", metadata={"url": "https://x/p.json"}))
    stats = LocalPipelineExecutor(
        pipeline=[
            docs,
            DetectorExtractor(),
            DetectorFilter(min_quality=min_quality, exclusion_writer=JsonlWriter(str(tmp_path / name / "rejected"))),
            JsonlWriter(str(tmp_path / name / "clean")),
        ],
        tasks=1,
        logging_dir=str(tmp_path / name / "logs"),
    ).run()
    steps = {s.name: s.stats for s in stats.stats}
    extractor = next(v for k, v in steps.items() if k.endswith("detector"))
    verdict = next(v for k, v in steps.items() if k.endswith("detector verdict"))
    clean = {row["id"]: row for row in read_jsonl_gz(tmp_path / name / "clean")}
    rejected = {row["id"]: row for row in read_jsonl_gz(tmp_path / name / "rejected")}
    return len(docs), extractor, verdict, clean, rejected


def test_extractor_replaces_trafilatura_and_the_filter_keeps_by_verdict(tmp_path, detector):
    n, extractor, verdict, clean, rejected = run(tmp_path, "default")
    ref = reference(detector)
    with_text = {u for u, (_, text) in ref.items() if text}
    assert set(clean) | set(rejected) == with_text
    assert set(clean) == {u for u in with_text if ref[u][0]}
    for url, row in clean.items():
        assert row["text"] == ref[url][1]  # the extractor's text is the detector's kept text
        meta = row["metadata"]
        assert meta["detector_keep"] is True and 0 <= meta["detector_quality"] <= 1 and meta["language"] == "en"
    # datatrove's extractor stats: every document counted; the JSON one is a clean_error
    assert extractor["total"].total == n and extractor["clean_error"].total == 1
    assert extractor["forwarded"].total == len(with_text)
    assert extractor["dropped"].total == n - 1 - len(with_text)  # nothing kept: dropped like Trafilatura()
    assert verdict["forwarded"].total == len(clean) and verdict["total"].total == len(with_text)


def test_filter_drops_with_a_reason_datatrove_counts_and_writes(tmp_path):
    n, _, verdict, clean, rejected = run(tmp_path, "strict", min_quality=1.01)
    assert clean == {} and rejected
    reasons = {row["metadata"]["filter_reason"] for row in rejected.values()}
    assert all(reasons)
    assert verdict["dropped"].total == len(rejected)
    assert sum(verdict[f"dropped_{r}"].total for r in reasons) == len(rejected)
