"""Hugging Face datasets: ScoreBatch in Dataset.map(batched=True, num_proc=2) on the seed pages."""

from __future__ import annotations

import pytest

pytest.importorskip("datasets")

from adapter_pages import format_of, reference, seed_pages  # noqa: E402
from datasets import Dataset  # noqa: E402

from detector.adapters.hf_datasets import ScoreBatch  # noqa: E402
from detector.frame import COLUMNS  # noqa: E402


def test_map_batched_with_processes_adds_our_columns(detector, tmp_path):
    pages = seed_pages()
    ds = Dataset.from_dict({
        "url": [u for u, _ in pages],
        "html": [c if format_of(u) == "html" else None for u, c in pages],
        "text": [c if format_of(u) == "text" else None for u, c in pages],
    })
    out = ds.map(ScoreBatch(html_column="html", text_column="text", url_column="url"), batched=True,
                 batch_size=2, num_proc=2, cache_file_name=str(tmp_path / "scored.arrow"))
    assert out.column_names == ["url", "html", "text", *COLUMNS]
    ref = reference(detector)
    assert {row["url"]: (row["quality_keep"], row["clean_text"]) for row in out} == ref
    assert out.features["quality_flags"].feature.dtype == "string"


def test_missing_column_is_named():
    ds = Dataset.from_dict({"body": ["<p>x</p>"]})
    with pytest.raises(KeyError, match="'html'"):
        ds.map(ScoreBatch(), batched=True)
