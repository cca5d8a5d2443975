"""Extraction: RawDoc -> Document (decode, detect the format, split into blocks)."""

from __future__ import annotations

from urllib.parse import urlsplit

from detector.config import Config
from detector.document import Document, RawDoc
from detector.errors import InputError
from detector.extract.encoding import decode, looks_like_html, refuse_json, strip_xml_declaration
from detector.extract.html import extract_html
from detector.extract.text import extract_text
from detector.language import declared_language, detect_language

__all__ = ["extract", "site_of_url"]


def site_of_url(url: str | None) -> str | None:
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.") or None


def extract(raw: RawDoc, config: Config) -> Document:
    """Decode ``raw`` and split it into candidate blocks. Raises InputError for input that is
    not HTML or text (binary, PDF, JSON, too large); an empty page gives a Document without blocks."""
    source = raw.id or raw.url
    size = len(raw.content) if isinstance(raw.content, bytes) else len(raw.content.encode("utf-8", "ignore"))
    if size > config.max_input_bytes:
        raise InputError(
            source, f"input is {size / 2**20:.1f} MiB, over the {config.max_input_bytes / 2**20:.0f} MiB limit"
        )
    decoded = decode(raw.content, declared=raw.encoding, source=source)
    text = decoded.text
    fmt = raw.format
    if fmt is None:
        fmt = "html" if looks_like_html(text) else "text"
    refuse_json(text, source, "HTML" if fmt == "html" else "article text")
    notes = decoded.notes
    if fmt == "html":
        page = extract_html(strip_xml_declaration(text), config)
        title, blocks, truncated, declared_lang = page.title, page.blocks, page.truncated, page.language
        notes = (*notes, *page.notes)
        discussion = page.discussion
    else:
        title, blocks, truncated = extract_text(text, config)
        declared_lang = None
        discussion = False
    # the body sample is made only when the page's declaration does not settle its language
    language = (
        config.language
        or declared_language(declared_lang)
        or detect_language(" ".join(b.text for b in blocks[:200]))
    )
    if truncated:
        notes = (*notes, "truncated-blocks")
    return Document(
        id=raw.id,
        url=raw.url,
        title=title,
        blocks=blocks,
        format=fmt,
        language=language,
        site=raw.site or site_of_url(raw.url),
        notes=notes,
        discussion=discussion,
    )
