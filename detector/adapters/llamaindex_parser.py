"""LlamaIndex: ``DetectorNodeParser``, a node parser that cleans each document's text.

    from llama_index.core import SimpleDirectoryReader, VectorStoreIndex
    from detector.adapters.llamaindex_parser import DetectorNodeParser
    docs = SimpleDirectoryReader("pages/").load_data()
    nodes = DetectorNodeParser(output="markdown").get_nodes_from_documents(docs)

One node per kept document: its text is the kept paragraphs (plain text or Markdown), its
metadata the source's plus ``detector_quality``, ``detector_keep``, ``detector_flags``,
``detector_dropped``, ``language`` and ``title``, with the SOURCE relationship to its document.
Use it as the first transformation of an ``IngestionPipeline`` and split afterwards (e.g.
``SentenceSplitter``). Documents the verdict drops are left out unless ``keep_rejected=True``; a
document that cannot be scored is passed on unchanged with ``detector_error``.
Extra: ``llamaindex`` (llama-index-core).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llama_index.core.bridge.pydantic import Field
from llama_index.core.node_parser import NodeParser
from llama_index.core.node_parser.node_utils import build_nodes_from_splits
from llama_index.core.schema import BaseNode, MetadataMode

from detector.adapters._common import metadata_of, page_text, score_content
from detector.config import Config
from detector.errors import DetectorError
from detector.frame import shared_detector


class DetectorNodeParser(NodeParser):
    """Clean and score LlamaIndex documents/nodes (see the module docstring)."""

    output: str = Field(default="text", description="'text' or 'markdown'")
    keep_rejected: bool = Field(default=False, description="also pass on documents the verdict drops")
    min_quality: float | None = Field(default=None, description="quality threshold (default: the config's)")

    @classmethod
    def class_name(cls) -> str:
        return "DetectorNodeParser"

    def _parse_nodes(self, nodes: Sequence[BaseNode], show_progress: bool = False, **kwargs: Any) -> list[BaseNode]:
        detector = shared_detector(Config())
        out: list[BaseNode] = []
        for node in nodes:
            content = node.get_content(metadata_mode=MetadataMode.NONE)
            url = node.metadata.get("url") or node.metadata.get("source")
            url = url if isinstance(url, str) and url.startswith(("http://", "https://")) else None
            try:
                keep, result = score_content(detector, content, doc_id=node.node_id, url=url,
                                             min_quality=self.min_quality)
            except DetectorError as exc:
                node.metadata["detector_error"] = str(exc)
                out.append(node)
                continue
            if not (keep or self.keep_rejected):
                continue
            text = page_text(result, self.output)
            for new in build_nodes_from_splits([text], node, id_func=self.id_func):
                new.metadata.update(metadata_of(result, keep))
                out.append(new)
        return out
