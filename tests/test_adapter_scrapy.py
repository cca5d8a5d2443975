"""Scrapy: a real crawl of the seed pages (file:// URLs) through DetectorPipeline, in a subprocess
(a Twisted reactor cannot restart in the test process)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("scrapy")

from adapter_pages import SEEDS, reference  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

CRAWL = textwrap.dedent("""
    import json, sys, threading
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from detector.adapters.scrapy_pipeline import DetectorPipeline

    class RecordingPipeline(DetectorPipeline):
        def score_item(self, item):
            item["scored_on_main_thread"] = threading.current_thread() is threading.main_thread()
            return super().score_item(item)

    class Seeds(scrapy.Spider):
        name = "seeds"
        start_urls = json.loads(sys.argv[1])

        def parse(self, response):
            yield {"url": response.url, "html": response.text}

    process = CrawlerProcess(settings={
        "ITEM_PIPELINES": {RecordingPipeline: 300},
        "FEEDS": {sys.argv[2]: {"format": "jsonlines"}},
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "DETECTOR_DROP_REJECTED": True,
    })
    crawler = process.create_crawler(Seeds)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({k: v for k, v in stats.items() if k.startswith(("detector/", "item_"))}))
""")


def test_crawl_scores_items_off_the_reactor_thread(tmp_path, detector):
    names = ["migrant-crisis-page.html", "migrant-crisis-page-inline.html", "migrant-crisis-article.txt"]
    junk = tmp_path / "junk.html"
    junk.write_text("<html><body><nav>Home | News | Sport</nav><p>Subscribe now!</p>"
                    "<p>© 2024 Example Media</p></body></html>", encoding="utf-8")
    urls = [(SEEDS / n).as_uri() for n in names] + [junk.as_uri()]
    out = tmp_path / "items.jsonl"
    proc = subprocess.run([sys.executable, "-c", CRAWL, json.dumps(urls), out.as_uri()], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    items = [json.loads(line) for line in out.read_text("utf-8").splitlines()]

    ref = reference(detector)  # keyed by https://seed.example/<name>
    expected = {n: ref[f"https://seed.example/{n}"] for n in names}
    kept_names = {Path(i["url"]).name for i in items}
    assert kept_names == {n for n, (keep, _) in expected.items() if keep}
    for item in items:
        assert item["scored_on_main_thread"] is False  # the reactor runs on the main thread
        assert item["quality_keep"] is True and item["language"] == "en"
        assert item["clean_text"] == expected[Path(item["url"]).name][1]
    assert stats["detector/scored"] == len(urls)
    assert stats["detector/dropped"] == len(urls) - len(items) == stats.get("item_dropped_count", 0)
