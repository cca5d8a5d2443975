"""datatrove: ``DetectorExtractor`` (a drop-in for its ``Trafilatura()`` step) and ``DetectorFilter``.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import WarcReader
    from datatrove.pipeline.writers import JsonlWriter
    from detector.adapters.datatrove_steps import DetectorExtractor, DetectorFilter

    LocalPipelineExecutor(pipeline=[
        WarcReader("crawl/"),
        DetectorExtractor(),                         # was: Trafilatura(favour_precision=True)
        DetectorFilter(exclusion_writer=JsonlWriter("rejected/")),
        JsonlWriter("clean/"),
    ], tasks=4, logging_dir="logs/").run()

``DetectorExtractor`` turns the HTML (or text) in ``Document.text`` into the kept paragraphs
and puts our scores in ``Document.metadata`` (``detector_quality``, ``detector_keep``,
``detector_flags``, ``detector_dropped``, ``language``, ``title``). Like datatrove's extractors
it runs each document in a sandbox process with a timeout and counts the stats they count
(``total``, ``extracted``, ``forwarded``, ``dropped``, ``timeout``, ``clean_error``,
``broken_process``). ``DetectorFilter`` keeps or drops by our verdict, with the reason
datatrove counts as ``dropped_<reason>`` and writes to ``filter_reason`` of excluded
documents. Extra: ``datatrove``.
"""

from __future__ import annotations

from typing import Any

from datatrove.data import Document, DocumentsPipeline
from datatrove.pipeline.extractors.base import BaseExtractor, ExtractorSandbox
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.writers.disk_base import DiskWriter
from datatrove.utils.logging import logger
from datatrove.utils.typeshelper import StatHints

from detector.adapters._common import metadata_of, page_text, score_content
from detector.config import Config
from detector.errors import DetectorError
from detector.frame import shared_detector


class DetectorExtractor(BaseExtractor):
    """HTML in ``Document.text`` -> kept paragraphs; our scores in ``Document.metadata``.

    ``output``: ``"text"`` (blank-line separated paragraphs, as trafilatura's) or
    ``"markdown"``. ``timeout``: seconds per document (datatrove's sandbox). A document with
    nothing kept is dropped (stat ``dropped``), one that cannot be scored too (``clean_error``).
    """

    name = "🧹 detector"

    def __init__(self, *, config: Config | None = None, output: str = "text", timeout: float = 10.0) -> None:
        super().__init__(timeout)
        if output not in ("text", "markdown"):
            raise ValueError(f"output must be 'text' or 'markdown', not {output!r}")
        self.config = config or Config()
        self.output = output

    def extract(self, text: str) -> str:
        """The kept text of one page (BaseExtractor's interface)."""
        return self.extract_scored(text)[0]

    def extract_scored(self, text: str, url: str | None = None) -> tuple[str, dict[str, Any]]:
        """(kept text, metadata) of one page; ``("", {"detector_error": ...})`` when it cannot be
        scored (binary, JSON, too large)."""
        if not text:
            return "", {}
        try:
            keep, result = score_content(shared_detector(self.config), text, doc_id=url, url=url)
        except DetectorError as exc:
            return "", {"detector_error": str(exc)}
        return page_text(result, self.output), metadata_of(result, keep)

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        shared_detector(self.config)  # load the model before the sandbox forks: the child inherits it
        with ExtractorSandbox(timeout=self.timeout, warmup_text=("", None)) as sandbox:
            for doc in data:
                self.stat_update(StatHints.total)
                with self.track_time():
                    try:
                        text, meta = sandbox.process_document((doc.text, doc.metadata.get("url")), self.extract_scored)
                    except TimeoutError:
                        self.stat_update("timeout")
                        logger.warning(f"⏰ detector: timeout on document {doc.id}; skipped")
                        continue
                    except EOFError:
                        self.stat_update("broken_process")
                        logger.warning(f"detector: the sandbox process died on document {doc.id}; skipped")
                        continue
                if "detector_error" in meta:
                    self.stat_update("clean_error")
                    logger.warning(f"❌ detector: document {doc.id}: {meta['detector_error']}; skipped")
                    continue
                self.stat_update("extracted")
                doc.text = text
                doc.metadata.update(meta)
                if doc.text:
                    self.stat_update(StatHints.forwarded)
                    self.update_doc_stats(doc)
                    yield doc
                else:
                    self.stat_update(StatHints.dropped)


class DetectorFilter(BaseFilter):
    """Keep or drop by the detector's verdict.

    Reads the verdict ``DetectorExtractor`` left in the metadata; a document without one (an
    earlier extractor produced its text) is scored here, as text. ``min_quality`` overrides the
    verdict's threshold. The drop reason is the first quality flag (``no-main-content``,
    ``gopher-duplicate-lines``, ...) or ``low-quality``; datatrove counts it as ``dropped_<reason>``.
    """

    name = "🧹 detector verdict"

    def __init__(self, *, config: Config | None = None, min_quality: float | None = None,
                 exclusion_writer: DiskWriter | None = None) -> None:
        super().__init__(exclusion_writer)
        self.config = config or Config()
        self.min_quality = min_quality

    def filter(self, doc: Document) -> bool | tuple[bool, str]:
        meta = doc.metadata
        if "detector_keep" not in meta:
            try:
                keep, result = score_content(shared_detector(self.config), doc.text, doc_id=doc.id,
                                             url=meta.get("url"))
            except DetectorError:
                return False, "unscorable"
            meta.update(metadata_of(result, keep))
        keep = bool(meta["detector_keep"]) if self.min_quality is None else meta["detector_quality"] >= self.min_quality
        if keep:
            return True
        flags = meta.get("detector_flags") or []
        return False, str(flags[0]) if flags else "low-quality"
