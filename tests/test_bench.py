"""scripts/bench.py: the interleaving and the baseline stack it times (not the timings)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import bench  # noqa: E402


def test_systems_rotate_page_by_page_and_every_repeat_is_timed():
    calls: list[tuple[str, str]] = []
    runs = {name: (lambda page, name=name: calls.append((name, page[0]))) for name in "abc"}
    pages = [(f"p{i}", b"", None) for i in range(4)]
    totals = bench.interleaved_cpu(runs, pages, repeat=2)
    assert set(totals) == {"a", "b", "c"} and all(len(v) == 2 and min(v) >= 0 for v in totals.values())
    firsts = [calls[3 * k][0] for k in range(8)]  # who ran first on each (repeat, page)
    assert firsts == ["a", "b", "c", "a", "b", "c", "a", "b"]  # rotated by page + repeat
    assert [c[1] for c in calls[:3]] == ["p0"] * 3 and len(calls) == 3 * 4 * 2


def test_wcxb_sample_is_spread_and_deterministic(tmp_path):
    (tmp_path / "html").mkdir()
    files = {f"{i:04d}": {"url": f"https://e.org/{i}"} for i in range(1, 21)}
    (tmp_path / "metadata.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    for page_id in files:
        (tmp_path / "html" / f"{page_id}.html.gz").write_bytes(gzip.compress(b"<p>x</p>"))
    sample = bench.load_wcxb_sample(tmp_path, 5)
    assert [p[0] for p in sample] == ["wcxb/0001", "wcxb/0005", "wcxb/0009", "wcxb/0013", "wcxb/0017"]
    assert sample[1][2] == "https://e.org/5" and sample == bench.load_wcxb_sample(tmp_path, 5)


def test_filter_stack_runs_fineweb_order_and_stops_at_first_rejection():
    pytest.importorskip("datatrove")
    pytest.importorskip("spacy")
    filters = bench.fineweb_filters()
    assert [type(f).__name__ for f in filters] == [
        "GopherRepetitionFilter",
        "GopherQualityFilter",
        "C4QualityFilter",
        "FineWebQualityFilter",
    ]
    assert filters[2].filter_no_terminal_punct is False  # FineWeb's setting

    seen: list[str] = []

    class Probe:
        def __init__(self, name, verdict):
            self.name, self.verdict = name, verdict

        def filter(self, doc):
            seen.append(self.name)
            return self.verdict

    run = bench.filtered(lambda html, url: html.decode(), [Probe("a", True), Probe("b", (False, "x")), Probe("c", True)])
    assert run(("id", b"some text", None)) is False and seen == ["a", "b"]
    assert bench.filtered(lambda html, url: "", [Probe("z", True)])(("id", b"", None)) is False and "z" not in seen
    # the real filters keep a plain article (the seed; FineWeb's own filter rejects its repeated
    # lines) and reject a repetitive one
    article = (Path(__file__).resolve().parents[1] / "seeds" / "migrant-crisis-article.txt").read_bytes()
    assert bench.filtered(lambda html, url: html.decode(), filters[:3])(("ok", article, None)) is True
    real = bench.filtered(lambda html, url: html.decode(), filters)
    assert real(("spam", ("buy now cheap " * 200).encode(), None)) is False
