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

__version__ = "0.2.0"

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


# The records above are plain dataclasses. What needs scikit-learn, pandas or the model is
# imported on first use, so `import detector` (and `detector --help`) stays light.
_LAZY = {
    "Detector": "detector.pipeline",
    "clean_corpus": "detector.corpus",
    "score_frame": "detector.frame",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'detector' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
