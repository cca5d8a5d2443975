"""HTML -> candidate blocks with the signals trafilatura throws away.

The page is parsed once with lxml and walked without recursion: every block-level element
closes the text gathered so far into a block carrying its tag, its tag/class path, link
density, depth and position. trafilatura runs on the same markup and each block records how
much of it trafilatura kept (``extractor_overlap``): the model learns when to trust it and
when to overrule it (teaser lists it keeps, second halves of split bodies it loses).
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import lxml.etree as etree
import lxml.html
import numpy as np
import trafilatura
from trafilatura.settings import Extractor

from detector.config import Config
from detector.document import Block
from detector.extract.textutil import cached_tokens, normalize_space, shingle_set, tokens

SKIP_TAGS = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
        "select", "option", "textarea", "button", "input", "head", "canvas", "video", "audio",
        "map", "picture", "source", "img", "meta", "link",
    }
)  # fmt: skip
SHELL_SKIP_TAGS = SKIP_TAGS - {"noscript", "button", "select", "option", "textarea"}
"""What the second walk of a shell page still skips (``Config.shell_page_words``): what never
holds a page's text."""
BLOCK_TAGS = frozenset(
    {
        "html", "body", "div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl",
        "dt", "dd", "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr",
        "caption", "section", "article", "header", "footer", "nav", "aside", "main", "figure",
        "figcaption", "form", "address", "center", "details", "summary", "fieldset", "legend",
        "hr", "menu", "dialog", "hgroup",
    }
)  # fmt: skip
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
KIND_BY_TAG = {
    **{h: "heading" for h in HEADING_TAGS},
    "li": "list", "dt": "list", "dd": "list",
    "blockquote": "quote",
    "td": "table", "th": "table", "caption": "table", "tr": "table",
}  # fmt: skip
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CAMEL_CASE_SPLIT = re.compile(r"(?<=[a-z])(?=[A-Z])")
_ALNUM = re.compile(r"[^\W_]")
"""A character ``str.isalnum`` holds for (``\\w`` is those and "_")."""


@dataclass(frozen=True)
class HtmlExtraction:
    title: str | None
    language: str | None
    blocks: tuple[Block, ...]
    truncated: bool
    notes: tuple[str, ...] = ()
    """What the parse noticed (``NESTING_NOTE``)."""
    discussion: bool = False
    """The page declares itself a discussion thread (``declares_discussion``)."""
    site_name: str | None = None
    """The site's own name (``site_name``)."""
    product: bool = False
    """The page declares itself a product page (``declares_product``)."""


# One parse serves the walk and trafilatura (``extractor_input``): lxml.html's element class
# for every element, looked up in C (lxml.html's own lookup is a Python call per element and
# picks subclasses for form controls, whose methods neither the walk nor trafilatura use), and
# trafilatura's parser options (``trafilatura.utils.HTML_PARSER``): comments and processing
# instructions dropped by libxml2, no ids collected, no default doctype. A page is parsed within
# libxml2's default limits, as trafilatura does, and again with huge_tree when it hits one:
# huge_tree lifts the nesting limit from 256 to 2048 levels (old forum markup nests a <div> per
# post and lost every post below 256) and a text's from 10 MB to 1 GB. One parser of each kind
# per thread: its error log is read after the parse.
_parsers = threading.local()
_HTML_ELEMENTS = etree.ElementDefaultClassLookup(element=lxml.html.HtmlElement)
_string_content = etree.XPath("string()", smart_strings=False)  # HtmlElement.text_content()
NESTING_NOTE = "nesting-over-2048-levels"
"""libxml2 stops at 2048 levels even with huge_tree: what lies deeper is lost, and flagged."""
_MAX_ERRORS_REPORTED = 100
"""libxml2 reports at most this many errors of one parse (XML_MAX_ERRORS): past it, a limit hit
may go unreported."""


def _parser(huge: bool) -> etree.HTMLParser:
    name = "huge" if huge else "default"
    parser = getattr(_parsers, name, None)
    if parser is None:
        parser = etree.HTMLParser(
            huge_tree=huge, remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False
        )
        parser.set_element_class_lookup(_HTML_ELEMENTS)
        setattr(_parsers, name, parser)
    return parser


class ParsedPage(NamedTuple):
    root: etree._Element
    notes: tuple[str, ...]
    """What the parse noticed (``NESTING_NOTE``)."""
    as_parsed: etree._Element | None
    """The tree as trafilatura's parser would leave it, for ``extractor_input``: ``root``, or a
    copy of it made before content after ``</html>`` was moved into its body; None when the page
    hit one of libxml2's default limits (trafilatura's parse of it stops there)."""


def parse_html(text: str) -> etree._Element | None:
    """``lxml.html.document_fromstring`` without comments (see ``parse_page``)."""
    return parse_html_noting(text)[0]


def parse_html_noting(text: str) -> tuple[etree._Element | None, tuple[str, ...]]:
    """The page's root element and what the parse noticed (see ``parse_page``)."""
    page = parse_page(text)
    return (None, ()) if page is None else (page.root, page.notes)


def parse_page(text: str) -> ParsedPage | None:
    """The page's tree (elements of class ``lxml.html.HtmlElement``, no comments or processing
    instructions), or None when lxml makes nothing of it.

    Nesting is kept to 2048 levels (``huge_tree``); deeper markup is cut off by libxml2 and
    noted as ``NESTING_NOTE``. Content after ``</html>`` (libxml2 puts it in a second
    top-level element, which the root never shows) is moved to the end of ``<body>``, as
    an HTML5 parser does ("after after body" reprocesses it in body).
    """
    root = _parse_within_default_limits(text)
    within_limits = root is not None
    notes: tuple[str, ...] = ()
    if root is None:
        parser = _parser(huge=True)
        try:
            root = etree.fromstring(text, parser)
        except (etree.ParserError, ValueError):
            return None
        if root is None:
            return None
        if any(e.type_name == "ERR_RESOURCE_LIMIT" for e in parser.error_log):
            notes = (NESTING_NOTE,)
    as_parsed = root if within_limits else None
    after = [el for el in root.itersiblings() if isinstance(el.tag, str)]
    if after:
        if as_parsed is not None:
            as_parsed = copy.copy(root)  # the root alone, as trafilatura copies it
        body = root.find("body")
        if body is None:
            body = etree.SubElement(root, "body")
        for el in after:
            body.append(el)  # its children, text and tail move with it
    return ParsedPage(root, notes, as_parsed)


def _parse_within_default_limits(text: str) -> etree._Element | None:
    """The page's root as libxml2 parses it without huge_tree, or None when the parse hit one of
    its limits (reported as a fatal error, ERR_RESOURCE_LIMIT), may have hit one unreported
    (``_MAX_ERRORS_REPORTED``), made nothing or failed: the tree is then the one huge_tree makes."""
    parser = _parser(huge=False)
    try:
        root = etree.fromstring(text, parser)
    except (etree.ParserError, etree.ParseError, ValueError):
        return None
    log = parser.error_log
    if len(log) >= _MAX_ERRORS_REPORTED or any(e.level == etree.ErrorLevels.FATAL for e in log):
        return None
    return root


_PATH_ATTRIBUTES = frozenset({"class", "id", "role", "itemprop"})
"""The attributes whose words a path segment carries (``_attribute_words``)."""


def _element_signals(el: etree._Element) -> tuple[str, bool]:
    """``el``'s path segment (its tag, then the words of its class/id/role/itemprop values) and
    whether it is hidden (a ``hidden`` attribute, ``aria-hidden="true"``, or a ``style`` with
    ``display:none`` or ``visibility:hidden``), from one read of its attributes."""
    tag = el.tag if isinstance(el.tag, str) else ""
    values: list[str] = []
    hidden = False
    for name, value in el.items():
        if name in _PATH_ATTRIBUTES:
            if value:
                values.append(value)
        elif name == "hidden" or (name == "aria-hidden" and value == "true"):
            hidden = True
        elif name == "style" and _HIDDEN_STYLE.search(value):
            hidden = True
    # (the words are sorted: the order the values come in does not matter)
    return (tag + "." + _attribute_words(" ".join(values)) if values else tag), hidden


@lru_cache(maxsize=4096)
def _attribute_words(attrs: str) -> str:
    """The distinct lower-cased words of class/id/role/itemprop values, sorted, dot-joined
    (pages repeat the same class strings on many elements)."""
    words: set[str] = set()
    # the words between runs of whitespace, "_" and "-", each split where camelCase goes up: as
    # re.split(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])") (str.split's whitespace is the pattern's \s), with
    # the pattern run only on words with capitals (4.7 -> 2.7 us for a string not seen before)
    for part in attrs.replace("_", " ").replace("-", " ").split():
        if part.lower() == part:
            if 1 < len(part) < 30:
                words.add(part)
        else:
            words.update(w.lower() for w in _CAMEL_CASE_SPLIT.split(part) if 1 < len(w) < 30)
    return ".".join(sorted(words)[:12])


def _lineage_signals(
    lineage: Sequence[etree._Element], known: dict[etree._Element, tuple[str, bool]]
) -> tuple[str, bool]:
    """The tag/class path from the root to the last element of ``lineage`` (root first) and
    whether any of them is hidden (``_element_signals``), memoised per element: blocks share
    their ancestors, so each element's attributes are read once."""
    # an element's answer holds for every block under it: start below the nearest one known
    k = len(lineage)
    while k and lineage[k - 1] not in known:
        k -= 1
    path, hidden = known[lineage[k - 1]] if k else ("", False)
    for el in lineage[k:]:
        token, own = _element_signals(el)
        path = f"{path}/{token}" if path else token
        hidden = hidden or own
        known[el] = (path, hidden)
    return path, hidden


class RawBlock(NamedTuple):
    text: str
    owner: etree._Element
    link_chars: int
    ancestors: tuple[etree._Element, ...]
    """The elements from the root down to ``owner`` (inclusive)."""
    after_rule: bool
    """A thematic break (``<hr>``) came between the previous block and this one."""
    opens_with_label: bool


class _BlockBuilder:
    """Gathers text between block boundaries; one instance per page."""

    def __init__(self, max_blocks: int, max_chars: int) -> None:
        self.parts: list[str] = []
        self.link_chars = 0
        self.raw: list[RawBlock] = []
        self.rule_pending = False
        self.label_pending = False
        self.max_blocks = max_blocks
        self.max_chars = max_chars
        self.truncated = False
        self.breaks = 0
        """Line breaks (``<br>``) since the last text: two in a row end a paragraph."""
        self.preformatted = 0
        """How many ``<pre>`` elements are open: their line breaks are kept."""

    def add(self, text: str | None, in_link: bool) -> None:
        # whitespace before a block's first text (the indentation between block tags: most text
        # and tails) would only be stripped: it is not kept
        if text and (self.parts or not text.isspace()):
            self.parts.append(text)
            if self.breaks and not text.isspace():
                self.breaks = 0
            if in_link:
                self.link_chars += len(text.strip())

    def flush(self, owner: etree._Element, lineage: Sequence[etree._Element], depth: int) -> None:
        """Close the gathered text into a block of ``owner``, whose ancestors (root first, owner
        last) are ``lineage[:depth]``."""
        if not self.parts:
            return
        text = "".join(self.parts)
        link_chars = self.link_chars
        self.parts = []
        self.link_chars = 0
        if text.isspace():  # the indentation between block tags: most flushes
            return
        if self.preformatted:
            # code and poetry: each line stays a line (blank lines and indentation go)
            text = "\n".join(line for line in map(normalize_space, text.splitlines()) if line)
        else:
            text = normalize_space(text)
        if not text or _ALNUM.search(text) is None:
            return
        if len(self.raw) >= self.max_blocks:
            self.truncated = True
            return
        self.raw.append(
            RawBlock(
                text[: self.max_chars], owner, link_chars, tuple(lineage[:depth]), self.rule_pending, self.label_pending
            )
        )
        self.rule_pending = False
        self.label_pending = False

    def at_block_start(self) -> bool:
        return not any(part.strip() for part in self.parts)


LABEL_TAGS = frozenset({"b", "strong"})
_LABEL_MAX_WORDS = 8


def _is_label_line(el: etree._Element) -> bool:
    """``el`` (bold) is a short label on a line of its own: a line break follows it directly."""
    after = el.getnext()
    return (
        after is not None
        and isinstance(after.tag, str)
        and after.tag.lower() == "br"
        and not (el.tail or "").strip()
        and 0 < len("".join(el.itertext()).split()) <= _LABEL_MAX_WORDS
    )


def walk_blocks(
    root: etree._Element, config: Config, *, skip_tags: frozenset[str] = SKIP_TAGS
) -> tuple[list[RawBlock], bool]:
    """The page's candidate blocks in document order, and whether ``Config.max_blocks`` cut
    them short. Elements named in ``skip_tags`` are not walked (their tails are). Hidden
    elements are: collapsed tabs and accordions hold content, and a closed menu or dialog is
    the model's to judge (``Block.hidden``, from ``_element_signals``). ``root`` comes from
    ``parse_page``, whose parser drops comments and processing instructions: iterwalk yields no
    events for them, which would lose their tails ("a<!-- -->b")."""
    builder = _BlockBuilder(config.max_blocks, config.max_block_chars)
    # the elements entered and not yet left, root first: each block's ancestors, without
    # asking lxml for them (and creating their Python proxies) block by block
    lineage: list[etree._Element] = []
    owners: list[tuple[etree._Element, int]] = [(root, 1)]  # block elements open, with their depth
    skipped: etree._Element | None = None  # its "end" event comes next; only its tail counts
    link_depth = 0
    walker = etree.iterwalk(root, events=("start", "end"))
    # the empty-text and empty-flush checks are inlined: most elements have neither
    for event, el in walker:
        tag = el.tag  # a new str on every access: read it once
        if not isinstance(tag, str):
            tag = None
        if event == "start":
            lineage.append(el)
            if tag is None:  # comment or processing instruction: only its tail is text
                continue
            tag = tag.lower()
            if tag in skip_tags:
                walker.skip_subtree()
                skipped = el
                continue
            if tag == "br":
                # a run of two or more <br> separates paragraphs (bodies written without <p>)
                builder.breaks += 1
                if builder.breaks >= 2 and builder.parts and not builder.preformatted:
                    owner, depth = owners[-1]
                    builder.flush(owner, lineage, depth)
                else:
                    builder.add("\n" if builder.preformatted else " ", False)
                continue
            if tag in ("td", "th"):
                builder.add(" ", False)  # a table row is one block; its cells stay words apart
            if tag in BLOCK_TAGS:
                owner, depth = owners[-1]
                if builder.parts:
                    builder.flush(owner, lineage, depth)
                owners.append((el, len(lineage)))
                builder.breaks = 0
                if tag == "hr":
                    builder.rule_pending = True
                elif tag == "pre":
                    builder.preformatted += 1
            elif tag == "a":
                link_depth += 1
            elif tag in LABEL_TAGS and builder.at_block_start() and _is_label_line(el):
                builder.label_pending = True
            text = el.text
            if text:
                builder.add(text, link_depth > 0)
        else:
            if tag is not None:
                if el is skipped:
                    skipped = None
                elif owners[-1][0] is el:
                    if builder.parts:
                        builder.flush(el, lineage, owners[-1][1])
                    owners.pop()
                    builder.breaks = 0
                    if builder.preformatted and tag.lower() == "pre":
                        builder.preformatted -= 1
                elif tag.lower() == "a":
                    link_depth = max(0, link_depth - 1)
            tail = el.tail
            if tail:
                builder.add(tail, link_depth > 0)
            lineage.pop()
    builder.flush(root, (root,), 1)
    return builder.raw, builder.truncated


def page_title(root: etree._Element) -> str | None:
    for xpath in (
        '//meta[@property="og:title"]/@content',
        '//meta[@name="twitter:title"]/@content',
        "//h1",
        "//title",
    ):
        found = root.xpath(xpath)
        for item in found[:3]:
            text = normalize_space(item if isinstance(item, str) else _string_content(item))
            if text:
                return text[:500]
    return None


_TITLE_PARTS = re.compile(r"\s[|\-–—\\/>»:·•]\s")
"""Separators between a headline and the site's name in ``<title>`` (Readability.js
``_getArticleTitle``'s, with the colon and middle dots some sites use)."""


_SITE_NAME_META = etree.XPath('//meta[@property="og:site_name" or @name="application-name"]')


def site_name(root: etree._Element, max_words: int = 4) -> str | None:
    """The site's own name as the page gives it: Open Graph's ``og:site_name``, else
    ``application-name``, else the shorter end of ``<title>`` split at a headline separator
    ("Why chefs salt pasta water | Ladle & Line" -> "Ladle & Line"; the last part first, as
    most sites put their name there) when it has at most ``max_words`` words and fewer than the
    title's longest part. None when the page names no site this way."""
    declared = {el.get("property") or el.get("name"): el.get("content") or "" for el in reversed(_SITE_NAME_META(root))}
    for key in ("og:site_name", "application-name"):  # the first of each, in this order
        name = normalize_space(declared.get(key, ""))
        if name and len(tokens(name)) <= max_words:
            return name[:200]
    for el in root.iterfind(".//title"):
        parts = [normalize_space(part) for part in _TITLE_PARTS.split(_string_content(el))]
        parts = [part for part in parts if tokens(part)]
        if len(parts) < 2:
            return None
        longest = max(len(tokens(part)) for part in parts)
        for part in (parts[-1], parts[0]):
            if len(tokens(part)) <= max_words and len(tokens(part)) < longest:
                return part[:200]
        return None
    return None


DISCUSSION_TYPES = frozenset({"DiscussionForumPosting", "QAPage"})
"""schema.org types a forum thread or a Q&A page declares itself as (Google's structured-data
guides for forums and Q&A pages ask for these)."""
# "//*[@itemtype]/@itemtype" by XPath's own reading (every node's itemtype attribute; only
# elements have attributes), in one pass that tests no element first
_ITEMTYPES = etree.XPath("//@itemtype", smart_strings=False)
_LEADING_DISCUSSION_TYPE = re.compile(r'\s*[\[{]\s*(?:"@context"\s*:\s*"[^"]*"\s*,\s*)?"@type"\s*:\s*"(?:DiscussionForumPosting|QAPage)"')
_JSON_LD = etree.XPath('//script[@type="application/ld+json"]/text()', smart_strings=False)


def declares_discussion(root: etree._Element) -> bool:
    """The page declares a schema.org ``DiscussionForumPosting`` or ``QAPage`` (microdata
    ``itemtype`` or a JSON-LD ``@type``, ``@graph`` included). Unreadable JSON-LD is ignored."""
    return declared_kinds(root)[0]


PRODUCT_TYPES = frozenset({"Product", "ProductGroup", "IndividualProduct", "ProductModel", "Car", "Vehicle"})
"""schema.org types of a page about one product (Google's structured-data guide for product
snippets and merchant listings asks for ``Product`` or ``ProductGroup``)."""
ARTICLE_TYPES = frozenset({
    "Article", "NewsArticle", "BlogPosting", "Report", "ScholarlyArticle", "TechArticle", "AnalysisNewsArticle",
    "OpinionNewsArticle", "ReviewNewsArticle", "ReportageNewsArticle", "BackgroundNewsArticle", "Review",
    "CriticReview", "UserReview", "LiveBlogPosting",
})  # fmt: skip
"""schema.org types of an article (a review article's ``Product`` is what it writes about)."""
_LEADING_PRODUCT_TYPE = re.compile(r'\s*[\[{]\s*(?:"@context"\s*:\s*"[^"]*"\s*,\s*)?"@type"\s*:\s*"(?:Product|ProductGroup)"')
_LEADING_ARTICLE_TYPE = re.compile(r'\s*[\[{]\s*(?:"@context"\s*:\s*"[^"]*"\s*,\s*)?"@type"\s*:\s*"(?:News|Blog|Tech)?Article"')
_OG_TYPE = etree.XPath('//meta[@property="og:type"]/@content', smart_strings=False)


def declares_product(root: etree._Element) -> bool:
    """The page declares itself a product page and not an article: a schema.org type of
    ``PRODUCT_TYPES`` (microdata ``itemtype`` or a top-level JSON-LD ``@type``, as
    ``declares_discussion`` reads them) or ``og:type`` ``product`` (Open Graph), and neither a
    type of ``ARTICLE_TYPES`` nor ``og:type`` ``article``."""
    return declared_kinds(root)[1]


def declared_kinds(root: etree._Element) -> tuple[bool, bool]:
    """``(declares_discussion(root), declares_product(root))``, reading the page's microdata
    types and JSON-LD scripts once."""
    itemtypes, scripts = _ITEMTYPES(root), _JSON_LD(root)
    discussion = _declares(itemtypes, scripts, DISCUSSION_TYPES, _LEADING_DISCUSSION_TYPE)
    og = " ".join(_OG_TYPE(root)).lower()
    if "article" in og or _declares(itemtypes, scripts, ARTICLE_TYPES, _LEADING_ARTICLE_TYPE):
        return discussion, False
    return discussion, "product" in og or _declares(itemtypes, scripts, PRODUCT_TYPES, _LEADING_PRODUCT_TYPE)


def _declares(itemtypes: list[str], scripts: list[str], types: frozenset[str], leading: re.Pattern[str]) -> bool:
    """The page declares one of the schema.org ``types``: a microdata ``itemtype`` anywhere
    (``itemtypes``: every ``itemtype`` attribute), or a JSON-LD node (``scripts``: the text of
    every JSON-LD script) at the top level (in a list or ``@graph``, or as a top-level node's
    ``mainEntity``: ``_json_ld_declares``); unreadable JSON-LD counts by its leading ``@type``
    (``leading``), else it is ignored."""
    for itemtype in itemtypes:
        if any(t.rstrip("/").rsplit("/", 1)[-1] in types for t in itemtype.split()):
            return True
    for script in scripts:
        if not any(t in script for t in types):
            continue  # most pages: no need to parse
        try:
            data = json.loads(script, strict=False)  # strict=False: raw tabs and newlines in strings
        except ValueError:
            # hand-written JSON-LD is often not JSON (trailing commas): the top-level type still says it
            if leading.match(script):
                return True
            continue
        if _json_ld_declares(data, 0, types):
            return True
    return False


def _json_ld_declares(node: object, depth: int, types: frozenset[str] = DISCUSSION_TYPES) -> bool:
    """A top-level JSON-LD node (or one in a list or ``@graph``), or the ``mainEntity`` of such a
    node (a ``WebPage`` whose main entity is the thread), has a ``@type`` of ``types``: a
    ``DiscussionForumPosting`` quoted deep inside an article's data does not count."""
    if depth > 3:
        return False
    if isinstance(node, list):
        return any(_json_ld_declares(item, depth + 1, types) for item in node)
    if not isinstance(node, dict):
        return False
    found = node.get("@type")
    found = [found] if isinstance(found, str) else found if isinstance(found, list) else []
    if any(isinstance(t, str) and t in types for t in found):
        return True
    main = node.get("mainEntity")
    if isinstance(main, dict) and _json_ld_declares({"@type": main.get("@type")}, depth + 1, types):
        return True
    return _json_ld_declares(node.get("@graph"), depth + 1, types)


def page_language(root: etree._Element) -> str | None:
    for value in _declared_languages(root):
        if value and value.strip():
            return value.strip().replace("_", "-").split("-")[0].lower()[:3] or None
    return None


def _declared_languages(root: etree._Element) -> Iterator[str | None]:
    """Where a page names its language, in the order ``page_language`` asks: each place is
    searched only when the ones before it said nothing (a search of the whole tree costs more
    than the rest of ``page_language``, and most pages say it on ``<html>``)."""
    yield root.get("lang")
    yield root.get("{http://www.w3.org/XML/1998/namespace}lang")
    yield from root.xpath('//meta[@http-equiv="content-language" or @http-equiv="Content-Language"]/@content')[:1]
    yield from root.xpath('//meta[@property="og:locale"]/@content')[:1]


@lru_cache(maxsize=1)
def _extractor_options() -> Extractor:
    """The options ``trafilatura.extract(page, include_comments=False, include_tables=True,
    fast=True)`` builds on every call (reading its config file's settings each time), built
    once: trafilatura only reads them (its recall retry changes a copy)."""
    return Extractor(output_format="txt", fast=True, comments=False, tables=True)


def extractor_text(page: str | lxml.html.HtmlElement) -> str:
    """trafilatura's own extraction of the page (fast mode: without its fallback extractors),
    from its markup or from the tree ``extractor_input`` found equal to trafilatura's parse
    (trafilatura copies a tree it is given before changing it)."""
    try:
        return trafilatura.extract(page, options=_extractor_options()) or ""
    except Exception:  # trafilatura raises assorted errors on hostile markup; its opinion is optional
        return ""


# The rules of trafilatura.utils.load_html (trafilatura 2.3.1): repair_faulty_html's patterns,
# and lxml.html.fromstring's test for a whole document
_DOCTYPE_TAG = re.compile("^< ?! ?DOCTYPE[^>]*/[^<>]*>", re.IGNORECASE)
_LOOKS_LIKE_FULL_HTML = re.compile(r"^\s*<(?:html|!doctype)", re.IGNORECASE)
_FAULTY_HTML = re.compile(r"(<html.*?)\s*/>", re.IGNORECASE)
_ATTRIBUTES = r"""(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'))?)*"""  # each value quoted, if any
_RAW_TEXT = "script|style|title|textarea|xmp|plaintext|iframe|noembed|noframes|noscript|template|svg|math"
_OPENING_TAGS_TO_A_VOID_ONE = re.compile(
    rf"<html{_ATTRIBUTES}\s*>\s*(?:<(?!(?:{_RAW_TEXT})\b)[a-z][a-z0-9-]*{_ATTRIBUTES}\s*>\s*)*"
    rf"<(?:meta|link|base|br|hr|img|input){_ATTRIBUTES}\s*/>",
    re.IGNORECASE,
)
"""What ``_FAULTY_HTML`` finds in minified pages (``<html lang="en"><head><meta charset="utf-8"/>``):
opening tags, no text, up to a void element's "/>", which libxml2 ignores."""
_IS_INVALID_CONTROL = np.array([c not in (9, 10, 13) for c in range(32)])
"""For each C0 control code: whether ``repair_faulty_html`` deletes it."""


def extractor_input(text: str, page: ParsedPage) -> str | lxml.html.HtmlElement:
    """What to give trafilatura (``extractor_text``) for the page ``text`` that ``parse_page``
    made into ``page``: the tree as parsed, when trafilatura's ``load_html`` would build the same
    tree from ``text`` (so that trafilatura extracts the same text without parsing again), else
    ``text`` itself.

    The trees are the same unless a step where load_html differs from ``parse_page`` applies:
    ``repair_faulty_html`` deleting characters that are not XML, rewriting a self-closing
    ``<html/>`` (but for the first "/>" after ``<html`` closing a void element), or joining the first line back with a newline the page did not have (harmless
    after the closing ``</html>``, where libxml2 drops blank text; removing a doctype that holds
    a "/" changes no element);
    ``lxml.html.fromstring`` taking a page that does not open with ``<html`` or ``<!doctype`` for a
    fragment (kept whole when it has one ``<head>`` and at most one ``<body>``); a tree without
    elements, which load_html parses again from bytes, or one it rejects as not HTML; and
    libxml2's default limits (``ParsedPage.as_parsed``).
    """
    tree = page.as_parsed
    if tree is None or len(tree) < 1:
        return text
    beginning = text[:50].lower()
    if "html" not in beginning and len(tree) < 2:  # is_dubious_html, and rejected
        return text
    start, repaired_from = text[:4096], 0
    if "doctype" in beginning:  # the repair splits off the first line, and joins it back with "\n"
        line_end = text.find("\n")
        if line_end < 0:
            if not text[-64:].rstrip().lower().endswith("</html>"):
                return text
            line_end = len(text)
        doctype = _DOCTYPE_TAG.match(text, 0, line_end)
        if doctype is not None:
            if not doctype.group().upper().startswith("<!DOCTYPE"):
                return text  # "< !DOCTYPE" or "<! DOCTYPE": text to libxml2, which the repair deletes
            repaired_from = doctype.end()
            start = text[repaired_from : repaired_from + 4096]
    if any("<html" in line and line.endswith("/>") for line in start.splitlines()[:4]):
        faulty = _FAULTY_HTML.search(text, repaired_from)  # the repair drops its "/"
        if faulty is not None and _OPENING_TAGS_TO_A_VOID_ONE.fullmatch(faulty.group()) is None:
            return text
    if not _LOOKS_LIKE_FULL_HTML.match(start) and (len(tree.findall("head")) != 1 or len(tree.findall("body")) > 1):
        return text
    if _has_invalid_xml_chars(text):
        return text
    return tree


def _has_invalid_xml_chars(text: str) -> bool:
    """``text`` holds a character that trafilatura's ``repair_faulty_html`` deletes
    (``trafilatura.utils.INVALID_XML_CHARS``: C0 controls but tab, newline and carriage return;
    U+FFFE and U+FFFF), counted in C on the text's UTF-8 bytes: a C0 control is one byte of
    UTF-8 and no byte of a longer character is under 0x80, so the bytes under 32 are the
    controls. On the AEB pages (173,000 characters on average) this takes 0.24 ms a page, the
    same count on UTF-16 code units 0.29 ms, a regular expression about 0.8 ms."""
    if "\ufffe" in text or "\uffff" in text:
        return True
    codes = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
    return bool(_IS_INVALID_CONTROL[codes[codes < 32]].any())


def extract_html(text: str, config: Config) -> HtmlExtraction:
    page = parse_page(text)
    if page is None:
        return HtmlExtraction(None, None, (), False)
    root, notes = page.root, page.notes
    title = page_title(root)
    language = page_language(root)
    discussion, product = declared_kinds(root)
    name = site_name(root)
    raw_blocks, truncated = walk_blocks(root, config)
    if not _has_words(raw_blocks, config.shell_page_words):
        # a shell around the content: its <noscript> fallback, what a script reveals, what an
        # unclosed control swallowed
        raw_blocks, truncated = walk_blocks(root, config, skip_tags=SHELL_SKIP_TAGS)
    if not raw_blocks:
        return HtmlExtraction(title, language, (), truncated, notes, discussion, name, product)
    kept_tokens = tokens(extractor_text(extractor_input(text, page)))
    kept_shingles = shingle_set(kept_tokens)
    # a block of one or two words is kept when that word or word pair is: the words as a set,
    # the pairs made for the page's first two-word block
    kept_words = set(kept_tokens)
    kept_pairs: set[tuple[str, ...]] | None = None
    main = main_container(raw_blocks)
    title_key = normalize_space(title or "").casefold()
    signals: dict[etree._Element, tuple[str, bool]] = {}  # each element's path and hidden state
    overlaps: dict[str, float] = {}
    h1_seen = False
    total_chars = sum(len(b.text) for b in raw_blocks) or 1
    offset = 0
    blocks: list[Block] = []
    for block_text, owner, link_chars, lineage, after_rule, opens_with_label in raw_blocks:
        tag = owner.tag.lower() if isinstance(owner.tag, str) else "div"
        in_main = main is not None and main in lineage
        path, hidden = _lineage_signals(lineage, signals)
        kind = KIND_BY_TAG.get(tag, "paragraph")
        if kind == "heading" and not h1_seen and _is_title(block_text, title_key, tag):
            kind = "title"
            h1_seen = True
        overlap = overlaps.get(block_text)
        if overlap is None:  # once per distinct text: a page repeats a fifth of its blocks
            block_tokens = cached_tokens(block_text)
            if len(block_tokens) == 1:
                overlap = float(block_tokens[0] in kept_words)
            elif len(block_tokens) == 2:
                if kept_pairs is None:
                    kept_pairs = shingle_set(kept_tokens, 2)
                overlap = float(block_tokens in kept_pairs)
            elif not block_tokens:
                overlap = 0.0
            else:  # its word triples (``token_shingles``), counted as they are made
                triples = zip(block_tokens, block_tokens[1:], block_tokens[2:])
                overlap = sum(map(kept_shingles.__contains__, triples)) / (len(block_tokens) - 2)
            overlaps[block_text] = overlap
        blocks.append(
            Block(
                text=block_text,
                kind=kind,
                tag=tag,
                path=path,
                link_density=min(1.0, link_chars / max(1, len(block_text))),
                position=offset / total_chars,
                depth=len(lineage),
                extractor_overlap=overlap,
                in_main=in_main,
                after_rule=after_rule,
                opens_with_label=opens_with_label,
                hidden=hidden,
            )
        )
        offset += len(block_text)
    return HtmlExtraction(title, language, tuple(blocks), truncated, notes, discussion, name, product)


def _has_words(raw_blocks: list[RawBlock], n: int) -> bool:
    """The blocks hold at least ``n`` whitespace-separated words (counted until there are)."""
    total = 0
    for b in raw_blocks:
        total += len(b.text.split())
        if total >= n:
            return True
    return total >= n


def main_container(raw_blocks: list[RawBlock]) -> etree._Element | None:
    """The element holding most of the page's prose (readability's idea: long, link-poor
    paragraphs vote for their parent and, half as much, their grandparent)."""
    scores: dict[etree._Element, float] = {}
    for text, _, link_chars, lineage, *_ in raw_blocks:
        if len(text) < 80 or link_chars > 0.3 * len(text):
            continue
        vote = 1.0 + text.count(",") + text.count("，") + text.count("、") + min(3.0, len(text) / 100)
        if len(lineage) < 2:
            continue
        parent = lineage[-2]
        scores[parent] = scores.get(parent, 0.0) + vote
        if len(lineage) > 2:
            grandparent = lineage[-3]
            scores[grandparent] = scores.get(grandparent, 0.0) + vote / 2
    if not scores:
        return None
    return max(scores.items(), key=lambda kv: kv[1])[0]


def _is_title(text: str, title_key: str, tag: str) -> bool:
    if not title_key:
        return tag == "h1"
    return same_title(text, title_key)


def same_title(text: str, title: str) -> bool:
    """``text`` is the title, give or take a site-name suffix or a few words."""
    key, title_key = text.casefold(), title.casefold()
    if key == title_key or (len(key) > 10 and (key in title_key or title_key in key)):
        return True
    a, b = set(tokens(key)), set(tokens(title_key))
    return len(a) >= 3 and len(a & b) / len(a | b) >= 0.7
