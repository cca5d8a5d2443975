"""Bytes -> str: BOM, then the declared charset (HTTP header, then <meta>), then detection.

Charset labels are read as browsers read them, by the WHATWG Encoding Standard's label table
as ``w3lib.encoding`` implements it (https://encoding.spec.whatwg.org/#names-and-labels):
``iso-8859-1``, ``latin1`` and ``ascii`` mean windows-1252, ``gb2312`` means gb18030,
``shift_jis`` means cp932, and so on. The ``<meta>`` prescan is w3lib's
(``html_body_declared_encoding``: ``charset`` attributes, ``http-equiv`` content types and XML
declarations, comments skipped), and a ``<meta>`` naming UTF-16 is read as UTF-8, as the
Standard's prescan does: a page that can declare itself in ASCII bytes is not UTF-16.

Also decides whether content is HTML or plain text and refuses what is neither
(binary files, PDFs, images, archives, JSON).
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from detector.errors import InputError

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
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
_WIDE = ("utf-16", "utf-32")  # codec-name prefixes of the encodings whose ASCII bytes are not ASCII
_HTML_HINT = re.compile(
    r"<\s*(!doctype\s+html|html|head|body|meta|title|div|p|span|article|section|table|a\s|h[1-6]|ul|li|br|script|style)\b",
    re.I,
)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
BINARY_SAMPLE = 8192
"""How much of a page the binary test reads: bytes before decoding, characters after."""
BINARY_CONTROL_SHARE = 0.05
"""A sample with more than this share of control bytes (or characters: NUL, ESC ...; not tab,
newline, form feed or CR) is binary, not a page."""
MAX_REPLACED_SHARE = 0.1
"""Bytes that no declared or detected charset reads and that are not UTF-8 are decoded as UTF-8
with replacement characters; when more than this share of the characters are replacements
(U+FFFD), the content is refused as not text (random or encrypted bytes, an unknown binary
format). A page with a few mis-encoded bytes has a share near 0."""


@dataclass(frozen=True)
class Decoded:
    """``text`` decoded from bytes with the Python codec ``encoding``; ``notes`` name what was
    odd (``unknown-charset:X``, ``charset-mismatch:X``, ``declared-X-but-utf-8``,
    ``meta-utf-16-read-as-utf-8``, ``charset-detected``, ``invalid-utf-8``)."""

    text: str
    encoding: str
    notes: tuple[str, ...] = ()


def resolve_label(label: str | None) -> str | None:
    """The Python text codec a charset label (or a whole ``Content-Type`` value) names, by the
    WHATWG label table (w3lib ``resolve_encoding``); ``None`` for an unknown label or a codec
    that is not a text encoding (``base64``, ``rot13``, ``utf-7``)."""
    if not label:
        return None
    label = label.strip().strip("\"'")
    name = http_content_type_encoding(label) if "charset=" in label.lower() else resolve_encoding(label)
    if name is None:
        return None
    try:
        return name if codecs.lookup(name)._is_text_encoding else None
    except LookupError:
        return None


def _refuse_magic(data: bytes, source: str | None) -> None:
    head = data[:16]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise InputError(source, f"content is {what}, not HTML or text")


def sniff_binary(data: bytes, source: str | None) -> None:
    """Raise InputError when ``data`` is a known binary format or mostly control bytes
    (over 5% of the first 8 KiB). For byte-oriented encodings; UTF-16/32 text is checked
    after decoding."""
    _refuse_magic(data, source)
    sample = data[:BINARY_SAMPLE]
    if not sample:
        return
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    controls = len(sample.translate(None, _NOT_CONTROL))  # counted in C: deletes all other bytes
    if controls / len(sample) > BINARY_CONTROL_SHARE:
        raise InputError(source, "content looks binary (control bytes), not HTML or text")


def _utf16_by_zeros(data: bytes) -> str | None:
    """``utf-16-le`` / ``utf-16-be`` when the first 8 KiB have the zero-byte pattern of UTF-16
    text without a BOM (the high byte of every ASCII character is zero: markup, spaces, digits
    and Latin letters), else None."""
    sample = data[:8192]
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 8:
        return None
    zeros_even, zeros_odd = even.count(0), odd.count(0)
    if zeros_odd >= 0.2 * len(odd) and zeros_even <= 0.02 * len(even):
        return "utf-16-le"
    if zeros_even >= 0.2 * len(even) and zeros_odd <= 0.02 * len(odd):
        return "utf-16-be"
    return None


def refuse_controls(text: str, source: str | None, how: str = "") -> None:
    """Raise InputError when over ``BINARY_CONTROL_SHARE`` of the first ``BINARY_SAMPLE``
    characters of ``text`` are control characters: the rule ``sniff_binary`` applies to bytes,
    for text that arrives decoded (a ``str`` from a JSONL record, a frame, a request body;
    UTF-16/32 after decoding). A str and its UTF-8 bytes get the same answer."""
    sample = text[:BINARY_SAMPLE]
    if sample and len(_CONTROL_CHARS.findall(sample)) / len(sample) > BINARY_CONTROL_SHARE:
        raise InputError(source, f"content looks binary (control characters{how}), not HTML or text")


def _decode_wide(data: bytes, codec: str, source: str | None, notes: list[str]) -> Decoded:
    """Decode UTF-16/32 text; refuse it when the decoded text is mostly control characters."""
    text = data.decode(codec, errors="replace")
    refuse_controls(text, source, f" when read as {codec}")
    return Decoded(text, codec, tuple(notes))


def decode(data: bytes | str, *, declared: str | None = None, source: str | None = None) -> Decoded:
    """Decode a page's bytes to text.

    ``declared`` is an out-of-band charset: an HTTP ``Content-Type`` charset (label or whole
    header value) or the user's ``--encoding``. Order:

    1. a byte order mark wins (UTF-8, UTF-16, UTF-32);
    2. a declared UTF-16/32 (HTTP or user) when the bytes have UTF-16's zero-byte pattern,
       or, with no declaration at all, that pattern alone (UTF-16 saved without a BOM);
    3. known binary formats and control bytes are refused (InputError naming ``source``);
    4. strict UTF-8 when the bytes are valid UTF-8 (a declared single-byte charset would decode
       anything: pages declaring latin-1 while sending UTF-8 are common; noted);
    5. the declared charset, then the ``<meta>`` one, each strictly, by WHATWG labels;
    6. detection (charset-normalizer, leaning to the default of the page's ``<html lang>``,
       windows-1252 for most languages and none, when it cannot tell: ``_detect``),
       then UTF-8 with replacement characters (noted); when more than ``MAX_REPLACED_SHARE`` of
       the text would be replacements, InputError.

    A ``str`` is already text: it is only refused (InputError) when it is mostly control
    characters (``refuse_controls``: NUL-only content from a JSONL record), as its bytes would be.

    Raises InputError for binary content and for bytes no charset reads.
    """
    if isinstance(data, str):
        refuse_controls(data, source)
        return Decoded(data, "str")
    _refuse_magic(data, source)
    notes: list[str] = []
    bom_codec, bom = read_bom(data)
    if bom_codec:
        body = data[len(bom):]
        if bom_codec.startswith(_WIDE):
            return _decode_wide(body, bom_codec, source, notes)
        sniff_binary(body, source)
        return Decoded(body.decode(bom_codec, errors="replace"), bom_codec)
    candidates: list[str] = []
    if declared:
        codec = resolve_label(declared)
        if codec is None:
            notes.append(f"unknown-charset:{declared[:40]}")
        elif codec.startswith(_WIDE):
            wide = _utf16_by_zeros(data) if codec.startswith("utf-16") else None
            if wide and codec in ("utf-16", wide):
                return _decode_wide(data, wide, source, notes)
            if codec.startswith("utf-32") and data[:64].count(0) >= 16:
                return _decode_wide(data, codec, source, notes)
            notes.append(f"charset-mismatch:{codec}")  # the bytes are not wide: a wrong header
        else:
            candidates.append(codec)
    elif (wide := _utf16_by_zeros(data)) is not None:
        return _decode_wide(data, wide, source, ["charset-detected"])
    sniff_binary(data, source)
    meta = html_body_declared_encoding(data)
    if meta:
        if meta.startswith(_WIDE):  # WHATWG prescan: a <meta> naming UTF-16 means UTF-8
            notes.append("meta-utf-16-read-as-utf-8")
            meta = "utf-8"
        candidates.append(meta)
    try:
        text = data.decode("utf-8")
        if candidates and candidates[0] != "utf-8":
            if not text[:65536].isascii():
                notes.append(f"declared-{candidates[0]}-but-utf-8")
        return Decoded(text, "utf-8", tuple(notes))
    except UnicodeDecodeError:
        pass
    for codec in dict.fromkeys(candidates):
        if codec == "utf-8":
            notes.append("charset-mismatch:utf-8")
            continue
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
    text = data.decode("utf-8", errors="replace")
    share = text.count("\ufffd") / len(text) if text else 0.0
    if share > MAX_REPLACED_SHARE:
        raise InputError(source, f"content is not text in any known charset ({share:.0%} of it is not UTF-8 "
                                 "and no declared or detected charset reads it)")
    return Decoded(text, "utf-8", (*notes, "invalid-utf-8"))


_SINGLE_BYTE_LABELS = (
    "ibm866", "iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5", "iso-8859-6", "iso-8859-7",
    "iso-8859-8", "iso-8859-10", "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16", "koi8-r",
    "koi8-u", "macintosh", "windows-874", "windows-1250", "windows-1251", "windows-1252", "windows-1253",
    "windows-1254", "windows-1255", "windows-1256", "windows-1257", "windows-1258",
)
_MULTI_BYTE_LABELS = ("gb18030", "big5", "euc-jp", "iso-2022-jp", "shift_jis", "euc-kr")
SINGLE_BYTE_CODECS = frozenset(filter(None, map(resolve_label, _SINGLE_BYTE_LABELS))) | {"mac-cyrillic"}
"""The Python codecs of the Encoding Standard's legacy single-byte encodings
(https://encoding.spec.whatwg.org/#legacy-single-byte-encodings; ``x-mac-cyrillic`` is Python's
``mac-cyrillic``)."""
BROWSER_CODECS = SINGLE_BYTE_CODECS | frozenset(filter(None, map(resolve_label, _MULTI_BYTE_LABELS)))
"""...and of its legacy multi-byte ones: the encodings a browser can decode a page with, and so
the only ones a web page can have been written in."""
UNDECLARED_DEFAULT = "cp1252"
"""windows-1252: the encoding of a page that declares none, when detection cannot tell and the
page's language has no default of its own (``LOCALE_DEFAULTS``)."""
_LOCALE_DEFAULT_LABELS: dict[str, str] = {
    "ar": "windows-1256", "ba": "windows-1251", "be": "windows-1251", "bg": "windows-1251", "cs": "windows-1250",
    "el": "iso-8859-7", "et": "windows-1257", "fa": "windows-1256", "he": "windows-1255", "hr": "windows-1250",
    "hu": "iso-8859-2", "ja": "shift_jis", "kk": "windows-1251", "ko": "euc-kr", "ku": "windows-1254",
    "ky": "windows-1251", "lt": "windows-1257", "lv": "windows-1257", "mk": "windows-1251", "pl": "iso-8859-2",
    "ru": "windows-1251", "sah": "windows-1251", "sk": "windows-1250", "sl": "iso-8859-2", "sr": "windows-1251",
    "tg": "windows-1251", "th": "windows-874", "tr": "windows-1254", "tt": "windows-1251", "uk": "windows-1251",
    "vi": "windows-1258", "zh-cn": "gb18030", "zh-tw": "big5",
}  # fmt: skip
LOCALE_DEFAULTS: dict[str, str] = {
    lang: codec for lang, label in _LOCALE_DEFAULT_LABELS.items() if (codec := resolve_label(label))
}
"""The HTML Standard's suggested default encoding per locale language (the table under
"determining the character encoding", step "otherwise, return an implementation-defined or
user-specified default": https://html.spec.whatwg.org/multipage/parsing.html#determining-the-character-encoding),
as Python codecs; every other language: windows-1252. Keyed by the language the page declares
(``<html lang>``), read as the locale an author writing in it had."""
_HTML_LANG = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?\s*([a-zA-Z]{2,3})(?:[-_]([a-zA-Z]{2,4}))?", re.I)


def declared_language_default(data: bytes) -> str:
    """The default encoding (``LOCALE_DEFAULTS``, else ``UNDECLARED_DEFAULT``) of the language an
    undeclared page's ``<html lang>`` names, read from its first 64 KiB of bytes (before any
    decoding: the attribute is ASCII in every encoding a browser knows). ``zh`` without a region
    is Simplified Chinese (gb18030), ``zh-TW`` / ``zh-HK`` / ``zh-Hant`` Traditional (big5)."""
    match = _HTML_LANG.search(data[:65536])
    if not match:
        return UNDECLARED_DEFAULT
    lang = match.group(1).decode("ascii").lower()
    region = (match.group(2) or b"").decode("ascii").lower()
    if lang == "zh":
        return LOCALE_DEFAULTS["zh-tw" if region in ("tw", "hk", "mo", "hant") else "zh-cn"]
    return LOCALE_DEFAULTS.get(lang, UNDECLARED_DEFAULT)


def _detect(data: bytes) -> str | None:
    """charset-normalizer's guess for bytes that declare no charset and are not UTF-8, its label
    read by the WHATWG table (latin-1 -> cp1252).

    The library ranks every code page that decodes the bytes by chaos (mess in the decoded text)
    and then coherence (how well its letters fit a language). Of its candidates, only the
    Encoding Standard's (``BROWSER_CODECS``) are taken: a page is never in hp-roman8 or cp775.
    When the best of them is a single-byte code page other than the page's default encoding
    (``declared_language_default``: the HTML Standard's default for the language of ``<html
    lang>``, windows-1252 for most languages and for a page that names none) and the default is
    also a candidate (it decodes the bytes within the library's chaos threshold) whose coherence
    is at least as high, the default is taken: the library then has no evidence from the
    language for its pick, only small chaos differences (under 0.05 on short pages) or its order
    of trial among ties, which puts windows-1250 before windows-1252 -- so that French, Italian,
    Portuguese and Swedish pages came out with "trčs", "cittŕ", "naçăo". The default is what the
    HTML Standard returns for an undeclared page when nothing else tells (the "implementation-
    defined or user-specified default", by locale:
    https://html.spec.whatwg.org/multipage/parsing.html#determining-the-character-encoding), and
    browsers' detectors lean to it. A page whose language the library does recognise better in
    its pick (Turkish in windows-1254, Cyrillic in windows-1251 or KOI8-R, Greek, Hebrew,
    Arabic, Polish, Czech) keeps the pick. Hungarian, whose only letters that windows-1250 and
    windows-1252 read apart are ő and ű, ties: it is read right when the page says
    ``lang="hu"`` (default ISO-8859-2, which has ő and ű where windows-1250 has them), and as õ
    and û when it names no language (a declared charset, in HTTP or a ``<meta>``, is always read
    first)."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data[:200_000]))
    if not matches:
        return None
    known = [(codec, m) for m in matches if (codec := resolve_label(m.encoding)) in BROWSER_CODECS]
    if not known:  # nothing a browser knows: the library's best, as before
        return resolve_label(matches[0].encoding)
    codec, best = known[0]
    default_codec = declared_language_default(data)
    if codec != default_codec and codec in SINGLE_BYTE_CODECS:
        default = next((m for c, m in known if c == default_codec), None)
        if default is not None and default.coherence >= best.coherence:
            return default_codec
    return codec


def looks_like_html(text: str) -> bool:
    head = text[:4096]
    return len(_HTML_HINT.findall(head)) >= 2 or head.lstrip().lower().startswith(("<!doctype", "<html"))


def refuse_json(text: str, source: str | None, as_what: str) -> None:
    """JSON documents and JSON Lines files (a record per line) are data, not articles: refuse
    them with a clear message (``InputError`` naming ``source``). A JSON Lines file is one whose
    first five lines and last line (blank lines aside) are each a JSON object or array; its
    records are read by ``clean`` and ``filter``, not as one page."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[" or stripped[-1] not in "}]":
        return
    try:
        json.loads(stripped)
    except ValueError:
        lines = [line for line in stripped.splitlines() if line.strip()]
        if len(lines) > 1 and all(_json_value(line) for line in (*lines[:5], lines[-1])):
            raise InputError(source, f"content is JSON Lines (one record per line), not {as_what}") from None
        return
    raise InputError(source, f"content is JSON, not {as_what}")


def _json_value(line: str) -> bool:
    """Whether ``line`` is one JSON object or array."""
    line = line.strip()
    if not line or line[0] not in "{[" or line[-1] not in "}]":
        return False
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def strip_xml_declaration(text: str) -> str:
    # lxml refuses str input that carries an encoding declaration
    return _XML_DECL.sub("", text, count=1)
