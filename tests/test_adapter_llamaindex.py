"""LlamaIndex: DetectorNodeParser on real llama-index-core Documents of the seed pages."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_index.core")

from adapter_pages import reference, seed_pages  # noqa: E402
from llama_index.core import Document  # noqa: E402
from llama_index.core.ingestion import IngestionPipeline  # noqa: E402
from llama_index.core.node_parser import SentenceSplitter  # noqa: E402
from llama_index.core.schema import NodeRelationship  # noqa: E402

from detector.adapters.llamaindex_parser import DetectorNodeParser  # noqa: E402


def docs():
    return [Document(text=content, metadata={"url": url}, doc_id=url) for url, content in seed_pages()]


def test_node_parser_keeps_clean_text_with_scores_and_source(detector):
    nodes = DetectorNodeParser().get_nodes_from_documents(docs())
    ref = reference(detector)
    assert [n.metadata["url"] for n in nodes] == [u for u, (keep, _) in ref.items() if keep]
    for node in nodes:
        assert node.get_content() == ref[node.metadata["url"]][1]
        assert node.metadata["detector_keep"] is True and node.metadata["language"] == "en"
        assert node.relationships[NodeRelationship.SOURCE].node_id == node.metadata["url"]


def test_in_an_ingestion_pipeline_before_a_splitter(detector):
    pipeline = IngestionPipeline(transformations=[DetectorNodeParser(output="markdown"),
                                                  SentenceSplitter(chunk_size=256, chunk_overlap=0)])
    nodes = pipeline.run(documents=docs())
    assert len(nodes) > 3
    assert all(n.metadata["detector_keep"] for n in nodes)
    text = " ".join(n.get_content() for n in nodes)
    assert "# Top US and Mexican Officials" in text and "Subscribe now" not in text
