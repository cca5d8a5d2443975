"""Batch cleaning of a corpus: ``clean_corpus(inputs, output)`` (the ``detector clean`` command).

    from detector import clean_corpus
    from detector.corpus import CleanOptions
    summary = clean_corpus(["crawl/*.warc.gz"], "cleaned.jsonl.gz", options=CleanOptions(min_quality=0.5))

Inputs are read by ``readers`` (directories, JSONL, Parquet, WARC), each document becomes one
``Outcome`` (``process``: output row, reject or error), site boilerplate is found by a first
pass (``templates``) and shards are written atomically (``writers``). Engines: ``local`` (a
process pool, ``local.py``) and ``dask`` (``dask.py``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from detector.config import Config
from detector.corpus.options import CleanOptions, FieldNames
from detector.corpus.process import CleanSummary, Outcome, Tally, process_document
from detector.corpus.readers import ReadError, iter_documents, row_to_raw_doc
from detector.corpus.templates import TemplateCounter, TemplateIndex, document_fingerprints, site_of
from detector.corpus.writers import concat_shards, output_paths, write_shard
from detector.errors import InputError

__all__ = [
    "CleanOptions",
    "CleanSummary",
    "FieldNames",
    "Outcome",
    "ReadError",
    "Tally",
    "TemplateCounter",
    "TemplateIndex",
    "clean_corpus",
    "concat_shards",
    "document_fingerprints",
    "iter_documents",
    "output_paths",
    "process_document",
    "row_to_raw_doc",
    "site_of",
    "write_shard",
]

ENGINES = ("local", "dask")


def resolve_config(config: Config | None, options: CleanOptions) -> Config:
    """The detector's Config for a run: ``min_quality`` (if given) also sets ``quality.keep``."""
    config = config or Config()
    if options.min_quality is not None:
        config = config.replace(min_quality=options.min_quality)
    return config


def clean_corpus(
    inputs: Sequence[str] | str,
    output: str | os.PathLike[str],
    *,
    options: CleanOptions = CleanOptions(),
    config: Config | None = None,
    engine: str = "local",
    scheduler: Any = None,
) -> CleanSummary:
    """Clean and score every document of ``inputs`` into ``output``.

    ``output`` is ``*.jsonl``, ``*.jsonl.gz``, ``*.jsonl.zst`` or ``*.parquet``: one row per input
    document (or, with ``min_quality`` / ``keep_only``, per kept document; the others go to
    ``options.rejects``, default ``OUTPUT.rejects.jsonl``). Documents that fail go to
    ``OUTPUT.errors.jsonl``; the summary is returned and written to ``OUTPUT.stats.json``.
    Raises ``InputError`` when an input does not exist or holds no document files.
    """
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [os.fspath(inputs)]
    inputs = [os.fspath(i) for i in inputs]
    output = os.fspath(output)
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
    parent = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(parent):
        raise InputError(output, f"the output directory {parent} does not exist")
    config = resolve_config(config, options)
    if engine == "dask":
        from detector.corpus.dask import run_dask

        return run_dask(inputs, output, options=options, config=config, scheduler=scheduler)
    from detector.corpus.local import run_local

    return run_local(inputs, output, options=options, config=config)
