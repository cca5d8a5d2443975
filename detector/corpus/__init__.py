"""Batch cleaning of a corpus: ``clean_corpus(inputs, output)`` (the ``detector clean`` command).

    from detector import clean_corpus
    from detector.corpus import CleanOptions
    summary = clean_corpus(["crawl/*.warc.gz"], "cleaned.jsonl.gz", options=CleanOptions(min_quality=0.5))

``sources`` expands the inputs and plans shards (recipes a task reads by itself), ``readers``
reads each format with bounded reads, ``process`` turns one document into an ``Outcome``
(output row, reject or error), ``tasks`` holds one body per task (extract, score, clean),
``run`` runs the passes once (plan -> pass 1 -> templates -> pass 2 -> assemble -> summary),
``executors`` only choose where tasks run (``local``: this process or a process pool; ``dask``),
``workdir`` / ``writers`` / ``templates`` / ``tally`` hold the work folder, atomic shard files,
site templates and counts.
"""

from __future__ import annotations

from detector.corpus.options import CleanOptions, FieldNames
from detector.corpus.process import Outcome, process_document
from detector.corpus.readers import ReadError, iter_documents
from detector.corpus.run import ENGINES, clean_corpus, resolve_config
from detector.corpus.tally import CleanSummary, Tally
from detector.corpus.templates import TemplateCounter, TemplateIndex, document_fingerprints, site_of
from detector.corpus.writers import concat_shards, output_paths, write_shard

__all__ = [
    "ENGINES",
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
    "resolve_config",
    "site_of",
    "write_shard",
]
