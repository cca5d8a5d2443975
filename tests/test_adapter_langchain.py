"""LangChain: DetectorTransformer on real langchain-core Documents of the seed pages."""

from __future__ import annotations

import asyncio

import pytest

pytest.importorskip("langchain_core")

from adapter_pages import reference, seed_pages  # noqa: E402
from langchain_core.documents import BaseDocumentTransformer, Document  # noqa: E402

from detector.adapters.langchain_transformer import DetectorTransformer  # noqa: E402


def docs():
    return [Document(page_content=content, metadata={"source": url, "crawl": "x"}) for url, content in seed_pages()]


def test_transform_documents_cleans_page_content_and_drops_by_verdict(detector):
    transformer = DetectorTransformer(detector=detector)
    assert isinstance(transformer, BaseDocumentTransformer)
    out = transformer.transform_documents(docs())
    ref = reference(detector)
    assert [d.metadata["source"] for d in out] == [u for u, (keep, _) in ref.items() if keep]
    for d in out:
        assert d.page_content == ref[d.metadata["source"]][1]
        assert d.metadata["crawl"] == "x" and d.metadata["detector_keep"] is True
        assert d.metadata["language"] == "en" and isinstance(d.metadata["detector_quality"], float)


def test_markdown_output_async_and_keep_rejected(detector):
    transformer = DetectorTransformer(detector=detector, output="markdown", keep_rejected=True)
    out = asyncio.run(transformer.atransform_documents(docs()))
    assert len(out) == len(seed_pages())
    page = next(d for d in out if d.metadata["source"].endswith("page.html"))
    assert page.page_content.startswith("# ") and "\n## " in page.page_content
    assert any(d.metadata["detector_keep"] is False for d in out)
