"""Bytes -> str: BOM, then the declared charset (HTTP header, then <meta>), then detection.

Also decides whether content is HTML or plain text and refuses what is neither
(binary files, PDFs, images, archives, JSON).
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass

from detector.errors import InputError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or office document)"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
    (b"BZh", "bzip2-compressed data"),
    (b"\x7fELF", "an executable"),
    (b"RIFF", "a media file"),
    (b"\x00\x00\x01\x00", "an icon"),
    (b"wOFF", "a web font"),
)
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 32 and b not in (9, 10, 12, 13)))
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_HTML_HINT = re.compile(
    r"<\s*(!doctype\s+html|html|head|body|meta|title|div|p|span|article|section|table|a\s|h[1-6]|ul|li|br|script|style)\b",
    re.I,
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    notes: tuple[str, ...] = ()


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def sniff_binary(data: bytes, source: str | None) -> None:
    """Raise InputError when ``data`` is a known binary format or mostly control bytes."""
    head = data[:16]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise InputError(source, f"content is {what}, not HTML or text")
    sample = data[:8192]
    if not sample:
        return
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    controls = len(sample.translate(None, _NOT_CONTROL))  # counted in C: deletes all other bytes
    if controls / len(sample) > 0.05:
        raise InputError(source, "content looks binary (control bytes), not HTML or text")


def decode(data: bytes | str, *, declared: str | None = None, source: str | None = None) -> Decoded:
    """Decode bytes to text. ``declared`` is an out-of-band charset (HTTP header)."""
    if isinstance(data, str):
        return Decoded(data, "str")
    sniff_binary(data, source)
    notes: list[str] = []
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return Decoded(data.decode(enc, errors="replace"), enc)
    candidates: list[str] = []
    if declared:
        codec = _codec(declared)
        if codec:
            candidates.append(codec)
        else:
            notes.append(f"unknown-charset:{declared[:40]}")
    match = _META_CHARSET.search(data[:4096])
    if match:
        meta = match.group(1).decode("ascii", "replace")
        codec = _codec(meta)
        if codec:
            candidates.append(codec)
        else:
            notes.append(f"unknown-charset:{meta[:40]}")
    # A declared single-byte charset decodes anything, so try strict UTF-8 first when the
    # bytes are valid UTF-8: pages declaring latin-1 while sending UTF-8 are common.
    try:
        text = data.decode("utf-8")
        if candidates and candidates[0] != "utf-8":
            if not text[:65536].isascii():
                notes.append(f"declared-{candidates[0]}-but-utf-8")
        return Decoded(text, "utf-8", tuple(notes))
    except UnicodeDecodeError:
        pass
    for codec in candidates:
        try:
            return Decoded(data.decode(codec), codec, tuple(notes))
        except (UnicodeDecodeError, LookupError):
            notes.append(f"charset-mismatch:{codec}")
    detected = _detect(data)
    if detected:
        try:
            return Decoded(data.decode(detected), detected, (*notes, "charset-detected"))
        except (UnicodeDecodeError, LookupError):
            pass
    return Decoded(data.decode("utf-8", errors="replace"), "utf-8", (*notes, "invalid-utf-8"))


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return _codec(best.encoding) if best is not None else None


def looks_like_html(text: str) -> bool:
    head = text[:4096]
    return len(_HTML_HINT.findall(head)) >= 2 or head.lstrip().lower().startswith(("<!doctype", "<html"))


def refuse_json(text: str, source: str | None, as_what: str) -> None:
    """JSON documents are data, not articles: refuse them with a clear message."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[" or stripped[-1] not in "}]":
        return
    try:
        json.loads(stripped)
    except ValueError:
        return
    raise InputError(source, f"content is JSON, not {as_what}")


def strip_xml_declaration(text: str) -> str:
    # lxml refuses str input that carries an encoding declaration
    return _XML_DECL.sub("", text, count=1)
