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
# class/id words that name a box around the article rather than the article: a menu (when its
# text is links; any <nav> element is one), a sign-up box (promo) or a footer / licensing
# notice (page-meta)
_MENU = frozenset(PATH_HINTS["nav"])
_SIGNUP_BOX = frozenset(PATH_HINTS["newsletter"]) - {"paywall", "register", "login"}  # a paywall wraps the article itself
_NOTICE_BOX = (frozenset(PATH_HINTS["footer"]) - {"bottom"}) | {  # "bottom" is mostly layout (margin-bottom)
    "license", "licensing", "reprint", "reprints", "rights", "permissions", "disclaimer",
}


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
            and not _repeated_in_another_section(blocks, red.duplicate_of, i)
        ):
            reason = "duplicate"
        elif relevance[i] < config.relevance_threshold:
            reason = drop_reason(block)
        keep.append(reason is None)
        reasons.append(reason)
    _rescue_in_body_container(blocks, relevance, keep, reasons, config)
    _drop_weak_box_lines(blocks, relevance, keep, reasons, config.box_min_relevance)
    _drop_weak_lines_outside_article_region(blocks, relevance, keep, reasons, config)
    _drop_weak_ruled_off_sections(blocks, relevance, keep, reasons, config.ruled_section_min_relevance)
    _lead_ins_and_what_they_introduce(blocks, relevance, keep, reasons, config)
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


def _repeated_in_another_section(blocks: Sequence[Block], first: int, repeat: int) -> bool:
    """The repeat sits in the same element path as its first copy but under another heading:
    structured content that legitimately repeats (plan A and plan B of a meal plan list the same
    dish), not a page that prints its text twice."""
    return bool(blocks[repeat].path) and blocks[first].path == blocks[repeat].path and any(
        b.kind == "heading" for b in blocks[first + 1 : repeat]
    )


def _first_title(blocks: Sequence[Block]) -> int:
    return next((i for i, b in enumerate(blocks) if b.kind == "title"), -1)


@lru_cache(maxsize=4096)
def _class_words(path: str) -> frozenset[str]:
    """The class/id words of every element on ``path`` (tag names left out)."""
    words: set[str] = set()
    for segment in path.lower().split("/"):
        _, _, classes = segment.partition(".")
        if classes:
            words.update(classes.split("."))
    return frozenset(words)


@lru_cache(maxsize=4096)
def _inside_tag(path: str, tag: str) -> bool:
    return any(segment.partition(".")[0] == tag for segment in path.lower().split("/"))


def _rescue_in_body_container(
    blocks: Sequence[Block], relevance: np.ndarray, keep: list[bool], reasons: list[str | None], config: Config
) -> None:
    """A full sentence in the very element path that holds the article's confident paragraphs is
    article text the model under-rated (a closing paragraph after a repeated headline)."""
    min_words = config.container_rescue_min_words
    word_counts = [len(cached_tokens(b.text)) for b in blocks]
    body_paths = Counter(
        b.path for i, b in enumerate(blocks) if keep[i] and relevance[i] >= 0.8 and word_counts[i] >= min_words
    )
    for i, block in enumerate(blocks):
        if (
            not keep[i]
            and reasons[i] in ("promo", "low-relevance")
            and relevance[i] >= config.container_rescue_min_relevance
            and word_counts[i] >= min_words
            and block.path  # plain text has no element paths to share
            and body_paths[block.path] >= 2
        ):
            keep[i], reasons[i] = True, None


def _drop_weak_box_lines(
    blocks: Sequence[Block], relevance: np.ndarray, keep: list[bool], reasons: list[str | None], min_relevance: float
) -> None:
    """Lines the model half believes, inside markup named as a menu (links), a sign-up box or a
    footer/licensing notice, go: the markup says what they are."""
    for i, block in enumerate(blocks):
        if not keep[i] or block.kind == "title" or relevance[i] >= min_relevance:
            continue
        words = _class_words(block.path)
        if _inside_tag(block.path, "nav") or (words & _MENU and block.link_density >= 0.5):
            keep[i], reasons[i] = False, "navigation"
        elif words & _SIGNUP_BOX:
            keep[i], reasons[i] = False, "promo"
        elif words & _NOTICE_BOX:
            keep[i], reasons[i] = False, "page-meta"


def article_region(blocks: Sequence[Block], relevance: np.ndarray, keep: Sequence[bool], min_words: int) -> str:
    """The element path of the page's article region: the parent of the deepest element that holds
    every confidently kept body paragraph (one level up, so a summary or claim box beside the text
    stays in). Empty when there are fewer than two such paragraphs, or for plain text."""
    paths = [
        b.path.split("/")[:-1]
        for i, b in enumerate(blocks)
        if keep[i] and relevance[i] >= 0.8 and b.path and len(cached_tokens(b.text)) >= min_words
    ]
    if len(paths) < 2:
        return ""
    common = paths[0]
    for segments in paths[1:]:
        n = 0
        while n < min(len(common), len(segments)) and common[n] == segments[n]:
            n += 1
        common = common[:n]
    return "/".join(common[:-1])


def _drop_weak_lines_outside_article_region(
    blocks: Sequence[Block], relevance: np.ndarray, keep: list[bool], reasons: list[str | None], config: Config
) -> None:
    """Beyond the article's region, only what the model is sure of stays: the tickers, sidebars
    and teaser lists around an article are what it half believes."""
    region = article_region(blocks, relevance, keep, config.container_rescue_min_words)
    if region.count("/") < 2:  # the region is the whole page body: nothing is outside it
        return
    inside = region + "/"
    for i, block in enumerate(blocks):
        if (
            keep[i]
            and block.kind != "title"
            and relevance[i] < config.outside_body_min_relevance
            and block.path != region
            and not block.path.startswith(inside)
        ):
            keep[i], reasons[i] = False, drop_reason(block)


def in_ruled_section(blocks: Sequence[Block]) -> list[bool]:
    """For each block: it comes after a thematic break with no heading since (the part of a
    page a rule sets apart: end notes, "About the company" under a press release)."""
    out, ruled = [], False
    for block in blocks:
        if block.after_rule:
            ruled = True
        elif block.kind in ("heading", "title"):
            ruled = False
        out.append(ruled)
    return out


def _drop_weak_ruled_off_sections(
    blocks: Sequence[Block], relevance: np.ndarray, keep: list[bool], reasons: list[str | None], min_relevance: float
) -> None:
    """After the article's confident body, a part set apart by a thematic break (``<hr>``,
    "---") is end matter (company boilerplate, notes) unless the model is sure of it; a paragraph
    there that opens with a label line of its own ("About X", "Media contact") is end matter
    however well written it is."""
    ruled = in_ruled_section(blocks)
    seen_body = False
    for i, block in enumerate(blocks):
        if not ruled[i] and keep[i] and relevance[i] >= 0.8:
            seen_body = True
        elif ruled[i] and seen_body and keep[i] and block.kind != "title":
            if block.opens_with_label:
                keep[i], reasons[i] = False, "page-meta"
            elif relevance[i] < min_relevance:
                keep[i], reasons[i] = False, drop_reason(block)


def _lead_ins_and_what_they_introduce(
    blocks: Sequence[Block], relevance: np.ndarray, keep: list[bool], reasons: list[str | None], config: Config
) -> None:
    """A line ending in ':' and the list or table it introduces stand or fall together: a weak
    lead-in goes with the links under it ("More stories:"), and a confident one keeps the rows
    of its table or list that the model only doubted ("Final standings after 36 races:")."""
    n = len(blocks)
    for i in range(n - 1):
        if not keep[i] or not blocks[i].text.rstrip().endswith((":", "：")):
            continue
        if relevance[i] >= config.lead_in_min_relevance and blocks[i + 1].kind in ("list", "table"):
            for j in _same_run(blocks, i + 1):
                if (
                    not keep[j]
                    and reasons[j] in ("low-relevance", "navigation", "page-meta", "promo")
                    and relevance[j] >= config.heading_rescue_min_relevance
                    and blocks[j].link_density < 0.5  # rows of data, not a list of links
                ):
                    keep[j], reasons[j] = True, None
        if not keep[i + 1]:  # it introduces nothing that stays
            keep[i], reasons[i] = False, reasons[i + 1]


def _same_run(blocks: Sequence[Block], start: int) -> range:
    """``start`` and the blocks after it of the same kind under the same parent element."""
    kind, parent = blocks[start].kind, blocks[start].path.rsplit("/", 1)[0]
    end = start
    while end < len(blocks) and blocks[end].kind == kind and blocks[end].path.rsplit("/", 1)[0] == parent:
        end += 1
    return range(start, end)


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
