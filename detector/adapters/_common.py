"""What the document adapters (LangChain, LlamaIndex, Scrapy, datatrove) share: score one
document's content and describe the result as flat metadata."""

from __future__ import annotations

from typing import Any

from detector.document import RawDoc, Result


def score_content(detector: Any, content: str | bytes, *, doc_id: str | None, url: str | None,
                  min_quality: float | None = None) -> tuple[bool, Result]:
    """``(keep, result)`` for one document's HTML or text (the format is detected). Raises
    InputError / DetectorError like ``Detector.score``."""
    decision = detector.filter(RawDoc(id=doc_id or url or "document", content=content, url=url),
                               min_quality=min_quality)
    return decision.keep, decision.result


def metadata_of(result: Result, keep: bool, prefix: str = "detector_") -> dict[str, Any]:
    """Flat, JSON-friendly metadata of a result (vector stores take str, number, bool, list).
    ``{prefix}quality`` is the score as computed, not rounded, as in ``Result.to_dict``: a rounded
    0.49996 would read 0.5 beside ``{prefix}keep`` false under the 0.5 threshold."""
    return {
        f"{prefix}quality": float(result.quality.score),
        f"{prefix}keep": bool(keep),
        f"{prefix}flags": list(result.quality.flags),
        f"{prefix}dropped": {k: int(v) for k, v in result.stats.get("dropped_by_reason", {}).items() if v},
        f"{prefix}paragraphs": len(result.paragraphs),
        f"{prefix}kept_paragraphs": len(result.kept),
        "language": result.language,
        "title": result.title,
    }


def page_text(result: Result, output: str) -> str:
    """The kept text as ``"text"`` (blank-line separated paragraphs) or ``"markdown"``."""
    if output == "markdown":
        return result.to_markdown()
    if output == "text":
        return result.text
    raise ValueError(f"output must be 'text' or 'markdown', not {output!r}")
