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


_SENTENCE_END = re.compile(r"(?<=[.!?。！？…])[\"'”’»)\]]*\s+")


def split_long_paragraph(para: str, max_words: int, chunk_words: int) -> list[str]:
    """``para`` if it has at most ``max_words`` words (or ``max_words`` is 0), else its sentences
    grouped in order into parts of about ``chunk_words`` words (a part closes at the first
    sentence end past ``chunk_words``; a text without sentence ends stays whole).

    Returns a list of one or more strings whose words, joined, are ``para``'s words."""
    if max_words <= 0 or len(para.split()) <= max_words:
        return [para]
    parts: list[str] = []
    current: list[str] = []
    words = 0
    for sentence in _sentences(para):
        current.append(sentence)
        words += len(sentence.split())
        if words >= chunk_words:
            parts.append(" ".join(current))
            current, words = [], 0
    if current:
        parts.append(" ".join(current))
    return parts


def _sentences(para: str) -> list[str]:
    """``para`` cut after each sentence end (punctuation, closing quotes, whitespace)."""
    return [s for s in (part.strip() for part in _SENTENCE_END.split(para)) if s]


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
    """Plain text -> (title, blocks, truncated): blank-line paragraphs (lines when there are no
    blank lines), over-long ones split at sentence ends (``split_long_paragraph``), at most
    ``Config.max_blocks``."""
    paragraphs = [
        (part, after_rule and j == 0)
        for para, after_rule in paragraphs_and_rules(text)
        for j, part in enumerate(split_long_paragraph(para, config.text_max_paragraph_words, config.text_chunk_words))
    ]
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
