"""Adapters for the tools our users run: each a small module with its own optional extra.

=====================  ===========================================  ==========================
module                 what                                         extra
=====================  ===========================================  ==========================
``datatrove_steps``    ``DetectorExtractor`` (replaces datatrove's  ``datatrove``
                       ``Trafilatura()``), ``DetectorFilter``
``hf_datasets``        ``score_batch`` for ``Dataset.map``          ``datasets``
``dask_frame``         ``score_dask_frame`` (one model per worker)  ``dask``
``langchain_transformer``  ``DetectorTransformer`` (documents)      ``langchain``
``llamaindex_parser``  ``DetectorNodeParser`` (nodes)               ``llamaindex``
``scrapy_pipeline``    ``DetectorPipeline`` (item pipeline)         ``scrapy``
=====================  ===========================================  ==========================

pandas and Polars frames are ``detector.score_frame`` itself (``polars`` extra for Polars).
Each module imports its library at import time: import the module only when the extra is
installed (``pip install -e '.[datatrove]'`` in a checkout; the distribution is
``boilerplate-detector``). Worked examples: docs/adapters.md.
"""
