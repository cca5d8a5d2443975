"""Plain scraped text -> blocks: one paragraph per blank-line-separated chunk (or per line
when the text has no blank lines); short unpunctuated title-like lines become headings."""

from __future__ import annotations

import re

from detector.config import Config
from detector.document import Block
from detector.extract.textutil import normalize_space

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
_FINAL_PUNCT = tuple(".!?:;,…。！？、»\"'”)")
_DIGIT = re.compile(r"\d")
_RULE_LINE = re.compile(r"(?:[-*_=~#•·] ?){3,}")


def split_paragraphs(text: str) -> list[str]:
    return [p for p, _ in paragraphs_and_rules(text)]


def paragraphs_and_rules(text: str) -> list[tuple[str, bool]]:
    """The paragraphs of ``text``, each with whether a separator line ("---", "* * *") precedes it."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chunks = _BLANK_LINE.split(text) if _BLANK_LINE.search(text) else text.split("\n")
    out: list[tuple[str, bool]] = []
    rule = False
    for chunk in chunks:
        para = normalize_space(chunk)
        if _RULE_LINE.fullmatch(para):
            rule = True
        elif para and any(ch.isalnum() for ch in para):
            out.append((para, rule))
            rule = False
    return out


def is_heading_like(text: str) -> bool:
    words = text.split()
    if not words or len(words) > 14 or len(text) > 120 or text.endswith(_FINAL_PUNCT):
        return False
    alpha = [w for w in words if w[:1].isalpha()]
    if not alpha:
        return False
    capitalised = sum(1 for w in alpha if w[:1].isupper())
    # Title Case, or a short line that starts with a capital (scripts without case count too)
    return capitalised / len(alpha) >= 0.5 or (alpha[0][:1].isupper() and len(words) <= 6) or not alpha[0][:1].isupper() and not alpha[0][:1].islower()


def is_meta_like(text: str) -> bool:
    """A short, unpunctuated line with numbers: dates, read times, bylines with counts."""
    return len(text.split()) <= 10 and bool(_DIGIT.search(text)) and not text.endswith(tuple(".!?。！？"))


def extract_text(text: str, config: Config) -> tuple[str | None, tuple[Block, ...], bool]:
    paragraphs = paragraphs_and_rules(text)
    truncated = len(paragraphs) > config.max_blocks
    paragraphs = paragraphs[: config.max_blocks]
    total = sum(len(p) for p, _ in paragraphs) or 1
    blocks: list[Block] = []
    title: str | None = None
    offset = 0
    for i, (para, after_rule) in enumerate(paragraphs):
        para = para[: config.max_block_chars]
        if is_meta_like(para):
            kind = "meta"
        elif is_heading_like(para):
            kind = "heading"
            if i == 0:
                kind, title = "title", para
        else:
            kind = "paragraph"
        blocks.append(
            Block(
                text=para,
                kind=kind,
                tag={"title": "h1", "heading": "h2"}.get(kind, "p"),
                position=offset / total,
                extractor_overlap=1.0,
                after_rule=after_rule,
            )
        )
        offset += len(para)
    return title, tuple(blocks), truncated
