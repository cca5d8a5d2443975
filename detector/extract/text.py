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


# a sentence ends at . ! ? … and their closing quotes and brackets before whitespace, or, in
# Chinese and Japanese (written without spaces), right after 。！？ and their closers
_SENTENCE_END = re.compile(r"(?<=[.!?。！？…])[\"'”’»)\]]*\s+|(?<=[。！？])[」』）”’]*(?=\S)")
CHARS_PER_WORD = 12
"""Text written with spaces averages far fewer characters per whitespace-separated word than
this (English about 6, German and Russian 7-8, Finnish 9); Chinese, Japanese and Thai, written
without spaces, have a whole sentence or paragraph as one such "word". A text's size in words
(``text_words``) is its whitespace words, or its characters over this when that is more."""


def text_words(text: str) -> int:
    """``text``'s size in words for splitting: ``max(len(text.split()), len(text) // CHARS_PER_WORD)``."""
    return max(len(text.split()), len(text) // CHARS_PER_WORD)


def split_long_paragraph(para: str, max_words: int, chunk_words: int, max_chars: int = 0) -> list[str]:
    """``para`` if it has at most ``max_words`` words (``text_words``; or ``max_words`` is 0),
    else its sentences grouped in order into parts of about ``chunk_words`` words (a part closes
    at the first sentence end past ``chunk_words``; a text without sentence ends stays whole).
    With ``max_chars``, a part still longer than that (a text without sentence ends) is cut
    into pieces of ``max_chars`` characters, so that a block's length limit truncates nothing.

    Returns a list of one or more strings whose words, joined, are ``para``'s words (in a text
    without spaces: whose characters, joined, are ``para``'s characters)."""
    if max_words <= 0 or text_words(para) <= max_words:
        parts = [para]
    else:
        # the parts are slices of ``para`` between sentence ends: what stood between two
        # sentences (a space, or nothing in Chinese and Japanese) stays as it was
        parts = []
        words = 0
        cuts = [m.end() for m in _SENTENCE_END.finditer(para)] + [len(para)]
        begin = previous = 0
        for cut in cuts:
            words += text_words(para[previous:cut])
            previous = cut
            if words >= chunk_words or cut == len(para):
                part = para[begin:cut].strip()
                if part:
                    parts.append(part)
                begin, words = cut, 0
    if max_chars > 0 and any(len(p) > max_chars for p in parts):
        parts = [p[k : k + max_chars].strip() for p in parts for k in range(0, len(p), max_chars)]
        parts = [p for p in parts if p]
    return parts


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
        for j, part in enumerate(
            split_long_paragraph(para, config.text_max_paragraph_words, config.text_chunk_words, config.max_block_chars)
        )
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
