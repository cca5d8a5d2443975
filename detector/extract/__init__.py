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


def _size_over(content: bytes | str, limit: int) -> int | None:
    """The size of ``content`` in bytes (a str's in UTF-8) when it is over ``limit``, else None.
    A str of at most ``limit / 4`` characters is not encoded to be measured: UTF-8 takes at most
    4 bytes a character (0.1 ms on a 160,000-character page)."""
    if isinstance(content, bytes):
        size = len(content)
    elif len(content) * 4 <= limit:
        return None
    else:
        size = len(content.encode("utf-8", "ignore"))
    return size if size > limit else None


def extract(raw: RawDoc, config: Config) -> Document:
    """Decode ``raw`` and split it into candidate blocks. Raises InputError for input that is
    not HTML or text (binary, PDF, JSON, too large); an empty page gives a Document without blocks."""
    source = raw.id or raw.url
    size = _size_over(raw.content, config.max_input_bytes)
    if size is not None:
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
        discussion, name, product = page.discussion, page.site_name, page.product
    else:
        title, blocks, truncated = extract_text(text, config)
        declared_lang = None
        discussion, name, product = False, None, False
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
        site_name=name,
        product=product,
    )
