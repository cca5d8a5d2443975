"""LangChain: ``DetectorTransformer``, a document transformer that cleans ``page_content``.

    from langchain_community.document_loaders import AsyncHtmlLoader
    from detector.adapters.langchain_transformer import DetectorTransformer
    docs = AsyncHtmlLoader(urls).load()
    clean = DetectorTransformer(output="markdown").transform_documents(docs)

Each document's ``page_content`` (HTML or text, detected) becomes its kept paragraphs (plain
text or Markdown with headings, lists, quotes and tables); ``metadata`` gains
``detector_quality``, ``detector_keep``, ``detector_flags``, ``detector_dropped`` (reason ->
paragraphs), ``language`` and ``title``. Documents the verdict drops are left out unless
``keep_rejected=True``; a document that cannot be scored keeps its content and gets
``detector_error``. Extra: ``langchain`` (langchain-core).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from langchain_core.documents import BaseDocumentTransformer, Document

from detector.adapters._common import metadata_of, page_text, score_content
from detector.config import Config
from detector.errors import DetectorError
from detector.frame import shared_detector


class DetectorTransformer(BaseDocumentTransformer):
    """Clean and score LangChain ``Document`` objects (see the module docstring)."""

    def __init__(self, *, config: Config | None = None, output: str = "text", keep_rejected: bool = False,
                 min_quality: float | None = None, detector: Any = None) -> None:
        if output not in ("text", "markdown"):
            raise ValueError(f"output must be 'text' or 'markdown', not {output!r}")
        self.config = config or Config()
        self.output = output
        self.keep_rejected = keep_rejected
        self.min_quality = min_quality
        self._detector = detector

    def transform_documents(self, documents: Sequence[Document], **kwargs: Any) -> Sequence[Document]:
        detector = self._detector or shared_detector(self.config)
        out: list[Document] = []
        for doc in documents:
            source = doc.metadata.get("source")
            url = source if isinstance(source, str) and source.startswith(("http://", "https://")) else None
            try:
                keep, result = score_content(detector, doc.page_content, doc_id=doc.id or source, url=url,
                                             min_quality=self.min_quality)
            except DetectorError as exc:
                out.append(Document(page_content=doc.page_content, id=doc.id,
                                    metadata={**doc.metadata, "detector_error": str(exc)}))
                continue
            if keep or self.keep_rejected:
                out.append(Document(page_content=page_text(result, self.output), id=doc.id,
                                    metadata={**doc.metadata, **metadata_of(result, keep)}))
        return out

    async def atransform_documents(self, documents: Sequence[Document], **kwargs: Any) -> Sequence[Document]:
        # scoring is CPU work: off the event loop
        return await asyncio.to_thread(self.transform_documents, documents, **kwargs)
