"""The one place where scores become keep/drop and reasons."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

from detector.config import Config
from detector.document import REASONS, Block, Document, ParagraphScore
from detector.extract.textutil import cached_tokens
from detector.features import PATH_HINTS
from detector.redundancy import Redundancy, fingerprint

_DIGIT = re.compile(r"\d")
_NAV_HINTS = frozenset(PATH_HINTS["nav"] + PATH_HINTS["related"] + PATH_HINTS["share"])
_META_HINTS = frozenset(PATH_HINTS["meta"] + PATH_HINTS["footer"])
_PATH_WORDS = re.compile(r"[./\s]+")


@lru_cache(maxsize=4096)
def _path_words(path: str) -> frozenset[str]:
    return frozenset(_PATH_WORDS.split(path.lower()))


def drop_reason(block: Block) -> str:
    """Why a block the model finds irrelevant is not article text (a best guess from its shape)."""
    n_tokens = len(cached_tokens(block.text))
    path_words = _path_words(block.path)
    if block.link_density >= 0.5:
        return "navigation"
    if block.kind == "meta" or "©" in block.text:
        return "page-meta"
    if n_tokens <= 12 and (_DIGIT.search(block.text) or path_words & _META_HINTS):
        return "page-meta"
    if n_tokens <= 8 and (block.kind in ("heading", "list") or path_words & _NAV_HINTS):
        return "navigation"
    if n_tokens >= 15:
        return "promo"
    return "low-relevance"


def decide_blocks(
    doc: Document,
    relevance: np.ndarray,
    redundancy: Sequence[Redundancy],
    config: Config,
    *,
    template_fingerprints: Collection[str] = (),
) -> list[ParagraphScore]:
    blocks = doc.blocks
    keep: list[bool] = []
    reasons: list[str | None] = []
    first_title = _first_title(blocks)
    for i, block in enumerate(blocks):
        red = redundancy[i]
        reason: str | None = None
        if block.kind == "title" and i == first_title:
            reason = None
        elif template_fingerprints and fingerprint(block.text) in template_fingerprints:
            reason = "template"
        elif red.repeats_title:
            reason = "repeated-title"
        elif (
            red.duplicate_of is not None
            and red.score >= config.duplicate_threshold
            and len(cached_tokens(block.text)) >= config.duplicate_min_words
        ):
            reason = "duplicate"
        elif relevance[i] < config.relevance_threshold:
            reason = drop_reason(block)
        keep.append(reason is None)
        reasons.append(reason)
    if config.keep_headings_with_section:
        _headings_follow_sections(blocks, relevance, keep, reasons, config.heading_rescue_min_relevance)
    return [
        ParagraphScore(
            index=i,
            text=block.text,
            kind=block.kind,
            relevance=float(relevance[i]),
            redundancy=float(redundancy[i].score),
            keep=keep[i],
            reason=reasons[i],
            restates=redundancy[i].restates,
        )
        for i, block in enumerate(blocks)
    ]


def _first_title(blocks: Sequence[Block]) -> int:
    return next((i for i, b in enumerate(blocks) if b.kind == "title"), -1)


def _headings_follow_sections(
    blocks: Sequence[Block], relevance: np.ndarray, keep: list[bool], reasons: list[str | None], min_relevance: float
) -> None:
    """A heading stands or falls with the section under it (up to the next heading)."""
    n = len(blocks)
    for i, block in enumerate(blocks):
        if block.kind != "heading" or reasons[i] in ("repeated-title", "duplicate", "template"):
            continue
        j = i + 1
        while j < n and blocks[j].kind == "heading":
            j += 1
        section_kept = False
        while j < n and blocks[j].kind not in ("heading", "title"):
            if keep[j]:
                section_kept = True
                break
            j += 1
        if (
            section_kept
            and not keep[i]
            and reasons[i] in ("low-relevance", "navigation", "page-meta")
            and relevance[i] >= min_relevance
        ):
            # under a kept section, a heading the model doubted is still the section's heading
            keep[i], reasons[i] = True, None
        elif not section_kept and keep[i]:
            keep[i], reasons[i] = False, "navigation"


def block_stats(decisions: Sequence[ParagraphScore]) -> dict[str, Any]:
    dropped = Counter(d.reason for d in decisions if not d.keep and d.reason)
    return {
        "paragraphs": len(decisions),
        "kept": sum(1 for d in decisions if d.keep),
        "dropped": sum(1 for d in decisions if not d.keep),
        "dropped_by_reason": {r: dropped.get(r, 0) for r in REASONS},
        "kept_chars": sum(len(d.text) for d in decisions if d.keep),
        "dropped_chars": sum(len(d.text) for d in decisions if not d.keep),
    }
