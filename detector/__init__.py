"""detector: content-quality and boilerplate detection for scraped web articles.

    from detector import Detector
    result = Detector().score_html(html, url=url)
    print(result.text, result.quality.score)
"""

from __future__ import annotations

from typing import Any

from detector.config import Config
from detector.document import Block, Decision, Document, ParagraphScore, QualityScore, RawDoc, Result
from detector.errors import DetectorError, FetchError, InputError, ModelError
from detector.pipeline import Detector

__version__ = "0.1.0"

__all__ = [
    "Block",
    "Config",
    "Decision",
    "Detector",
    "DetectorError",
    "Document",
    "FetchError",
    "InputError",
    "ModelError",
    "ParagraphScore",
    "QualityScore",
    "RawDoc",
    "Result",
    "clean_corpus",
    "score_frame",
]


def __getattr__(name: str) -> Any:
    # batch and pandas helpers import their heavier dependencies only when used
    if name == "clean_corpus":
        from detector.corpus import clean_corpus

        return clean_corpus
    if name == "score_frame":
        from detector.frame import score_frame

        return score_frame
    raise AttributeError(name)
