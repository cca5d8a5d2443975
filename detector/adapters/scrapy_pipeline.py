"""Scrapy: ``DetectorPipeline``, an item pipeline that scores pages off the reactor thread.

    # settings.py
    ITEM_PIPELINES = {"detector.adapters.scrapy_pipeline.DetectorPipeline": 300}
    DETECTOR_HTML_FIELD = "html"        # the item field holding the page (response.text)
    DETECTOR_URL_FIELD = "url"
    DETECTOR_DROP_REJECTED = True       # DropItem for pages the verdict drops (with the reasons)
    DETECTOR_MIN_QUALITY = None         # default: the detector's own threshold
    DETECTOR_OUTPUT = "text"            # or "markdown"

Scoring takes tens of milliseconds of CPU per page; done in ``process_item`` it would stall
the Twisted reactor (no downloads, no callbacks meanwhile). Here each item is scored in the
reactor's thread pool (``twisted.internet.threads.deferToThread``) and ``process_item``
returns the Deferred; the model loads once, in ``open_spider``, also off the reactor. The item
gains ``clean_text``, ``quality_score``, ``quality_keep``, ``quality_flags``, ``reasons``,
``language`` and ``title`` (dict items, or ``scrapy.Item`` classes declaring those fields).
Stats: ``detector/scored``, ``detector/kept``, ``detector/dropped``, ``detector/errors``.
Extra: ``scrapy``.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem
from twisted.internet.threads import deferToThread

from detector.adapters._common import page_text, score_content
from detector.config import Config
from detector.errors import DetectorError
from detector.quality import round_down, verdict


class DetectorPipeline:
    """Score each item's page in a worker thread; drop or annotate it by the verdict."""

    def __init__(self, *, html_field: str = "html", url_field: str = "url", drop_rejected: bool = True,
                 min_quality: float | None = None, output: str = "text", config: Config | None = None,
                 stats: Any = None) -> None:
        self.html_field = html_field
        self.url_field = url_field
        self.drop_rejected = drop_rejected
        self.min_quality = min_quality
        self.output = output
        self.config = config or Config()
        self.stats = stats
        self.detector: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> DetectorPipeline:
        s = crawler.settings
        min_quality = s.get("DETECTOR_MIN_QUALITY")
        return cls(html_field=s.get("DETECTOR_HTML_FIELD", "html"), url_field=s.get("DETECTOR_URL_FIELD", "url"),
                   drop_rejected=s.getbool("DETECTOR_DROP_REJECTED", True),
                   min_quality=None if min_quality is None else float(min_quality),
                   output=s.get("DETECTOR_OUTPUT", "text"), stats=crawler.stats)

    def open_spider(self, spider: Any = None) -> Any:
        from detector.frame import shared_detector

        def load() -> None:
            self.detector = shared_detector(self.config)

        return deferToThread(load)  # the model load (a second or two) stays off the reactor too

    def process_item(self, item: Any, spider: Any = None) -> Any:
        return deferToThread(self.score_item, item)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"detector/{key}")

    def score_item(self, item: Any) -> Any:
        """Score one item (runs in a worker thread): annotate it, or raise DropItem."""
        adapter = ItemAdapter(item)
        content = adapter.get(self.html_field)
        url = adapter.get(self.url_field)
        if not isinstance(content, (str, bytes)) or not content:
            self._inc("errors")
            raise DropItem(f"detector: item has no {self.html_field!r} to score ({url})")
        try:
            keep, result = score_content(self.detector, content, doc_id=url, url=url, min_quality=self.min_quality)
        except DetectorError as exc:
            self._inc("errors")
            raise DropItem(f"detector: {exc}") from None
        self._inc("scored")
        reasons = list(verdict(result, getattr(self.detector, "config", None), self.min_quality).reasons)
        if not keep and self.drop_rejected:
            self._inc("dropped")
            raise DropItem(f"detector: quality {round_down(result.quality.score)} below the threshold "
                           f"(flags: {', '.join(result.quality.flags) or 'none'}) {url}")
        self._inc("kept" if keep else "dropped")
        adapter["clean_text"] = page_text(result, self.output)
        adapter["quality_score"] = float(result.quality.score)  # as computed, as in Result.to_dict
        adapter["quality_keep"] = bool(keep)
        adapter["quality_flags"] = list(result.quality.flags)
        adapter["reasons"] = reasons
        adapter["language"] = result.language
        adapter["title"] = result.title
        return item
