"""The one place where scores become keep/drop and reasons."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from operator import itemgetter
from typing import Any

import numpy as np

from detector.config import Config
from detector.document import REASONS, Block, Document, ParagraphScore, QualityScore
from detector.extract.textutil import cached_folded_tokens, cached_tokens
from detector.features import PATH_HINTS
from detector.quality import SEGMENTED_LANGUAGES, words
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


_PAGE_TAGS = ("html", "body")


def _box_segments(path: str) -> list[str]:
    """The lower-cased segments of ``path`` without its leading ``<html>`` and ``<body>`` ones:
    their classes describe the page's state or template ("has-cookie-bar", "comments-open",
    "single-post"), not the box a block sits in, and they are on every block of the page."""
    segments = path.lower().split("/")
    k = 0
    while k < len(segments) and segments[k].partition(".")[0] in _PAGE_TAGS:
        k += 1
    return segments[k:]


# A page's paths share most of their segments (each is its parent's path plus one element),
# and pages share class names: the words are read once per segment and joined per path. Only
# the words some rule asks about are kept (``_MARKUP_WORDS``): most segments have none.
@lru_cache(maxsize=2048)
def _segment_words(segment: str) -> frozenset[str]:
    """The tag and class/id words of one lower-cased path segment that are in ``_MARKUP_WORDS``."""
    # most segments hold no whitespace (nor a "/", being a segment): their pieces at ``_PATH_WORDS``
    # are those at ".", but for the empty ones, which are no markup word (str.split: 4x faster);
    # a space is printable, every other whitespace character is not
    if " " not in segment and segment.isprintable():
        return _MARKUP_WORDS.intersection(segment.split("."))
    return _MARKUP_WORDS.intersection(_PATH_WORDS.split(segment))


@lru_cache(maxsize=2048)
def _segment_classes(segment: str) -> frozenset[str]:
    """The class/id words of one lower-cased path segment (what follows its tag) that are in
    ``_MARKUP_WORDS``."""
    _, _, classes = segment.partition(".")
    return _MARKUP_WORDS.intersection(classes.split(".")) if classes else frozenset()


@lru_cache(maxsize=4096)
def _path_words(path: str) -> frozenset[str]:
    """The tag and class/id words of the elements a block sits in, ``<html>`` and ``<body>`` left
    out (:func:`_box_segments`): the words of the lower-cased path split at ``.``, ``/`` and
    spaces that are in ``_MARKUP_WORDS`` (what the rules ask about)."""
    return frozenset().union(*map(_segment_words, _box_segments(path)))


# markup words that say what a box is (class/id/role words are English whatever the page's
# language, as markup vocabularies are); see ``drop_reason``
# not "cmp": Adobe Experience Manager prefixes every component with it (cmp-text holds bodies)
_CONSENT = frozenset({"consent", "gdpr", "onetrust", "didomi", "cookiebot", "ccpa", "tcf", "usercentrics",
                      "quantcast", "cookielaw", "cookieconsent", "cookienotice", "cookiebanner"})  # fmt: skip
_COOKIE = frozenset({"cookie", "cookies"})
_COOKIE_BOX = frozenset({"banner", "notice", "bar", "popup", "modal", "dialog", "law", "policy", "settings",
                         "preferences", "alert", "overlay", "message", "info"})  # fmt: skip


def _consent_markup(words: frozenset[str]) -> bool:
    """Class/id/role words of a cookie or privacy consent box: a consent-platform word, or
    "cookie" with a box word ("cookie-banner"); "cookie" alone may be a recipe."""
    return bool(words & _CONSENT or (words & _COOKIE and words & _COOKIE_BOX))


_COMMENT = frozenset(PATH_HINTS["comment"]) | {"replies", "commentlist"}
_META_BOX = frozenset({"byline", "author", "editor", "editors", "dateline", "posted", "timestamp", "credit",
                       "credits", "redaktion"})  # fmt: skip
_CAPTION = frozenset({"caption", "figcaption", "credit", "credits", "photocredit", "copyright-photo"})
_LEGAL = frozenset({"copyright", "legal", "license", "licensing", "disclaimer", "rights", "reprint", "reprints",
                    "permissions", "terms", "imprint", "impressum", "colophon"})  # fmt: skip
_PROMO = (frozenset(PATH_HINTS["newsletter"]) - {"paywall", "register", "login"}) | frozenset(PATH_HINTS["ad"]) | {
    "promo", "promotion", "affiliate", "follow", "social", "share", "sharing"
}


_MARKUP_WORDS = frozenset().union(
    _NAV_HINTS, _META_HINTS, _MENU, _SIGNUP_BOX, _NOTICE_BOX, _CONSENT, _COOKIE, _COOKIE_BOX, _COMMENT, _META_BOX,
    _CAPTION, _LEGAL, _PROMO,
)  # fmt: skip
"""Every word a rule looks for in ``_path_words`` or ``_class_words``: the sets above (a rule
that asks about another word must add its set here)."""


_COPYRIGHT = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b", re.I)
"""A copyright notice: the sign, "(c) 2024", or the word (English, and the loanword of most
languages' notices)."""


def _copyright_notice(text: str) -> bool:
    """Whether ``_COPYRIGHT`` finds a notice in ``text``, the regular expression run only on the
    few texts that hold a "©", a "(" or the letters "pyr" of "copyright" (in any case: only P, Y
    and R match them case-insensitively): a case-insensitive search reads every character of
    every text (0.27 ms a page, against 0.08)."""
    return ("©" in text or "(" in text or "pyr" in text.lower()) and _COPYRIGHT.search(text) is not None


def markup_reason(block: Block) -> str | None:
    """The drop reason the block's markup and shape make certain (rules 1-7 of
    ``drop_reason``), or None."""
    words = _path_words(block.path)
    if _consent_markup(words):
        return "consent"
    if words & _COMMENT:
        return "comment"
    if block.tag == "figcaption" or words & _CAPTION:
        return "caption"
    if _copyright_notice(block.text) or words & _LEGAL:
        return "legal"
    if block.link_density >= 0.5:  # most blocks asked about: their words are not counted
        return "navigation"
    n_tokens = len(cached_tokens(block.text))
    if n_tokens <= 8 and (block.kind in ("heading", "list") and words & _NAV_HINTS or _inside_tag(block.path, "nav")):
        return "navigation"
    if words & _PROMO:
        return "promo"
    if block.kind == "meta" or (n_tokens <= 12 and (_DIGIT.search(block.text) or words & _META_HINTS)):
        return "page-meta"
    return None


def drop_reason(block: Block, text_reason: str | None = None) -> str:
    """Why a block that is not main content was dropped: the first rule that matches, in order.

    1. ``consent``: inside cookie/consent markup (``cmp``, ``gdpr``, ``onetrust`` ...);
    2. ``comment``: inside reader-comment markup;
    3. ``caption``: a ``<figcaption>`` or caption/credit markup;
    4. ``legal``: a copyright notice ("©", "(c) 2024", "Copyright"), or copyright / disclaimer /
       licence / reprint markup;
    5. ``navigation``: mostly link text, or a short heading or list item in menu markup;
    6. ``promo``: newsletter, sign-up, share/follow, ad or affiliate markup;
    7. ``page-meta``: a meta line (byline, date, read time, tags) by kind or short with digits;
    8. what the words say (``text_reason``, from the lexical stage's reason model, which learnt
       from lines whose markup said 1-7: it is what names a reason in plain text);
    9. ``navigation`` for a short heading or list item, else ``low-relevance``.
    """
    return _drop_reason(block, markup_reason(block), text_reason)


def _drop_reason(block: Block, markup: str | None, text_reason: str | None = None) -> str:
    """``drop_reason(block, text_reason)`` given ``markup_reason(block)`` (``markup``)."""
    reason = markup or text_reason
    if reason:
        return reason
    if len(cached_tokens(block.text)) <= 8 and block.kind in ("heading", "list"):
        return "navigation"
    return "low-relevance"


def duplicate_words(text: str, language: str | None) -> int:
    """Words of ``text`` for ``Config.duplicate_min_words``: its ``\\w+`` runs, except in the
    languages written without spaces (``quality.SEGMENTED_LANGUAGES``: zh, ja, th), where a run is
    a whole phrase and the words are the language's segmenter's (``quality.words``, as datatrove
    splits them), punctuation left out. Called only for a block that restates an earlier one."""
    if language is not None and language[:2].lower() in SEGMENTED_LANGUAGES:
        return sum(1 for w in words(text, language) if cached_tokens(w))
    return len(cached_tokens(text))


def decide_blocks(
    doc: Document,
    relevance: np.ndarray,
    redundancy: Sequence[Redundancy],
    config: Config,
    *,
    template_fingerprints: Collection[str] = (),
    text_reasons: Sequence[str | None] | None = None,
    lexical: np.ndarray | None = None,
) -> list[ParagraphScore]:
    """Keep or drop every block of ``doc``, with a reason for each drop.

    relevance : array of shape (n_blocks,), the model's probability of main content
    redundancy : one ``Redundancy`` per block
    text_reasons : optional, one reason per block read from its words (the lexical stage's
        reason model), used where the markup says nothing
    lexical : optional array of shape (n_blocks,), the lexical stage's score (what the words
        say); without it the rules that read it do nothing

    1. Per block, the first that applies: the title stays; ``template`` (a paragraph known as
       boilerplate of the site); ``repeated-title``; ``duplicate``; relevance below
       ``Config.relevance_threshold`` (reason from ``drop_reason``).
    2. Then the page's structure corrects the model where it only half believes a block:
       ``PAGE_RULES`` in order, each one skippable through ``Config.disabled_rules``.
    3. A drop whose reason the markup did not make certain (``low-relevance``, or ``navigation``
       by shape alone) takes the reason its words point to (``text_reasons``).
    """
    blocks = doc.blocks
    hints = list(text_reasons) if text_reasons is not None else [None] * len(blocks)
    keep: list[bool] = []
    reasons: list[str | None] = []
    first_title = _first_title(blocks)
    page = PageState(
        blocks, np.asarray(relevance, dtype=float), keep, reasons, hints, config, lexical, doc.discussion, redundancy,
        frozenset(cached_folded_tokens(doc.site_name)) if doc.site_name else frozenset(), product=doc.product,
    )
    # 1. per block
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
            and duplicate_words(block.text, doc.language) >= config.duplicate_min_words
            and not _repeated_in_another_section(blocks, red.duplicate_of, i)
        ):
            reason = "duplicate"
        elif relevance[i] < config.relevance_threshold:
            reason = page.drop_reason(i)
        keep.append(reason is None)
        reasons.append(reason)
    # 2. the page's structure, rule by rule
    for name, rule in PAGE_RULES:
        if name not in config.disabled_rules:
            rule(page)
    # 3. the words name what the markup could not: only now, so that the rules above see the same
    # reasons whether or not a reason model is there (as in the out-of-fold evaluation)
    for i in range(len(blocks)):
        if not keep[i] and hints[i] and reasons[i] in ("low-relevance", "navigation") and page.markup_reason(i) is None:
            reasons[i] = hints[i]
    relevance_of = page.relevance.tolist()  # Python floats, as float(relevance[i])
    # (fields by position, in ParagraphScore's order: index, text, kind, relevance, redundancy,
    # keep, reason, restates; a page has hundreds of blocks)
    return [
        ParagraphScore(i, block.text, block.kind, rel, float(red.score), kept, reason, red.restates)
        for i, (block, rel, red, kept, reason) in enumerate(zip(blocks, relevance_of, redundancy, keep, reasons))
    ]


@dataclass
class PageState:
    """What the page rules read and change: the blocks, their relevance, and the decisions so far
    (``keep`` and ``reasons`` are changed in place)."""

    blocks: Sequence[Block]
    relevance: np.ndarray
    keep: list[bool]
    reasons: list[str | None]
    hints: list[str | None]
    config: Config
    lexical: np.ndarray | None = None
    discussion: bool = False
    """The page declares itself a discussion thread (``Document.discussion``): posts in
    reply/comment markup are its content, not reader comments under an article."""
    redundancy: Sequence[Redundancy] = ()
    """One ``Redundancy`` per block (empty: the rules that read it do nothing)."""
    site_words: frozenset[str] = frozenset()
    """The casefolded words of the site's own name (``Document.site_name``; empty: none)."""
    product: bool = False
    """The page declares itself a product page, not an article (``Document.product``)."""
    _layout: dict[str, int] | None = field(default=None, repr=False)
    markup: dict[int, str | None] = field(default_factory=dict)
    """``markup_reason`` of the blocks asked about so far (each block's is asked once)."""

    def markup_reason(self, i: int) -> str | None:
        """``markup_reason(blocks[i])``."""
        if i not in self.markup:
            self.markup[i] = markup_reason(self.blocks[i])
        return self.markup[i]

    def drop_reason(self, i: int) -> str:
        """``drop_reason(blocks[i])``."""
        return _drop_reason(self.blocks[i], self.markup_reason(i))

    def drop(self, i: int, reason: str | None = None) -> None:
        self.keep[i] = False
        self.reasons[i] = reason or self.drop_reason(i)

    def restore(self, i: int) -> None:
        self.keep[i], self.reasons[i] = True, None

    def box_path(self, i: int) -> str:
        """Block ``i``'s path below the elements that hold the page's body (``layout_depth``):
        the markup of the box it sits in, if any."""
        path = self.blocks[i].path
        if self._layout is None:
            self._layout = layout_depth(self.blocks, self.relevance, self.config)
        k = self._layout.get(path, 0)
        return "/".join(path.split("/")[k:]) if k else path


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
    """The class/id words of every element on ``path`` (tag names left out), ``<html>`` and
    ``<body>`` left out (:func:`_box_segments`), that are in ``_MARKUP_WORDS``."""
    return frozenset().union(*map(_segment_classes, _box_segments(path)))


@lru_cache(maxsize=4096)
def _inside_tag(path: str, tag: str) -> bool:
    return any(segment.partition(".")[0] == tag for segment in path.lower().split("/"))


@lru_cache(maxsize=4096)
def path_shape(path: str) -> str:
    """``path`` with the class words of its last container dropped: ``div.article.body/p`` and
    ``div.article.body.continued/p`` (a body that a chart or an ad split in two containers)
    have one shape."""
    segments = path.split("/")
    if len(segments) < 2:
        return path
    return "/".join([*segments[:-2], segments[-2].partition(".")[0], segments[-1]])


def _rescue_in_body_container(page: PageState) -> None:
    """A full sentence in an element path of the same shape as the one that holds two or more of
    the article's kept paragraphs (relevance at least ``Config.container_rescue_anchor_relevance``;
    ``path_shape``: the same path, or the same path in a sibling container of the same tag, as
    when a chart or an ad splits the body) is article text the model under-rated (a closing
    paragraph after a repeated headline, the second half of a split body)."""
    blocks, relevance, keep, config = page.blocks, page.relevance, page.keep, page.config
    min_words = config.container_rescue_min_words
    word_counts = [len(cached_tokens(b.text)) for b in blocks]
    anchors = [
        i for i, b in enumerate(blocks)
        if keep[i] and relevance[i] >= config.container_rescue_anchor_relevance and word_counts[i] >= min_words
    ]
    body_paths = Counter(blocks[i].path for i in anchors)
    body_shapes = Counter(path_shape(blocks[i].path) for i in anchors)
    region = article_region(blocks, relevance, keep, min_words, config.article_region_share,
                            config.confident_relevance)
    for i, block in enumerate(blocks):
        if (
            not keep[i]
            and page.reasons[i] in ("promo", "low-relevance")
            and relevance[i] >= config.container_rescue_min_relevance
            and word_counts[i] >= min_words
            and block.path  # plain text has no element paths to share
            and block.link_density < 0.2
            and (
                body_paths[block.path] >= 2
                or (body_shapes[path_shape(block.path)] >= 2 and region and block.path.startswith(region + "/"))
            )
        ):
            page.restore(i)


def _drop_what_the_words_call_boilerplate(page: PageState) -> None:
    """A line whose words the lexical stage reads as boilerplate (score below
    ``Config.lexical_veto_below``: "Join our free morning email", "Thanks for reading!") goes
    unless the model is sure of it (``Config.lexical_veto_max_relevance``): shape and position
    make a sign-up pitch in the middle of an article look like body. ``Config.lexical_veto_max_words``
    limits it to short lines."""
    lexical, config = page.lexical, page.config
    if lexical is None or config.lexical_veto_below <= 0:
        return
    for i, block in enumerate(page.blocks):
        if (
            page.keep[i]
            and block.kind not in ("title", "heading")
            and lexical[i] < config.lexical_veto_below
            and page.relevance[i] < config.lexical_veto_max_relevance
            and (not config.lexical_veto_max_words or len(cached_tokens(block.text)) <= config.lexical_veto_max_words)
        ):
            page.drop(i)


def _drop_comments_under_an_article(page: PageState) -> None:
    """Where the page's confident body stands outside reader-comment markup (an article, not a
    forum thread, whose posts are the content), what stands inside comment markup is reader
    comments: it goes unless the model is sure of it. A page that declares itself a discussion
    (``PageState.discussion``) is a thread: nothing goes."""
    blocks, config = page.blocks, page.config
    if page.discussion:
        return
    # only kept blocks are asked about below (by now most of a page is dropped)
    in_comments = [page.keep[i] and bool(_class_words(b.path) & _COMMENT) for i, b in enumerate(blocks)]
    body_words = sum(
        len(cached_tokens(b.text))
        for i, b in enumerate(blocks)
        if page.keep[i] and page.relevance[i] >= config.comment_body_min_relevance and not in_comments[i] and b.path
    )
    if body_words < config.comment_article_min_words:
        return
    for i, block in enumerate(blocks):
        if page.keep[i] and in_comments[i] and block.kind != "title" and page.relevance[i] < config.comment_min_relevance:
            page.drop(i, "comment")


def _drop_consent_boxes(page: PageState) -> None:
    """A cookie or privacy consent box is boilerplate however well its prose reads: every block
    in consent markup goes (``_consent_markup``)."""
    for i, block in enumerate(page.blocks):
        if page.keep[i] and block.kind != "title" and _consent_markup(_class_words(block.path)):
            page.drop(i, "consent")


def _keep_lists_inside_the_body(page: PageState) -> None:
    """A list between two kept body paragraphs of the same container (items that are not links)
    is part of the text: what to buy, the steps of a method. The model, which learnt that short
    list items are menus, doubts them."""
    blocks, keep = page.blocks, page.keep
    n = len(blocks)
    i = 0
    while i < n:
        if blocks[i].kind != "list":
            i += 1
            continue
        run = _same_run(blocks, i)
        before, after = run.start - 1, run.stop
        parent = blocks[i].path.rsplit("/", 2)[0] if blocks[i].path.count("/") >= 2 else None
        if (
            parent
            and before >= 0
            and after < n
            and keep[before]
            and keep[after]
            and blocks[before].kind not in ("list", "title")
            and blocks[after].kind not in ("list", "title")
            and all(blocks[j].path.startswith(parent + "/") for j in (before, after))
            and all(blocks[j].link_density < 0.5 for j in run)
        ):
            for j in run:
                if not keep[j] and page.reasons[j] in ("low-relevance", "navigation", "page-meta", "promo"):
                    page.restore(j)
        i = run.stop


def layout_depth(blocks: Sequence[Block], relevance: np.ndarray, config: Config) -> dict[str, int]:
    """``{path: k}``: the first ``k`` elements of the path each hold at least
    ``Config.box_max_body_share`` of the page's characters and of the characters of the blocks
    the model is confident about (relevance at least ``Config.relevance_threshold``; the title
    left out). Such elements lay out the page; whatever their class words say, they are not a box
    around the body. A sidebar box holding what the model believes on a page without its article
    holds little of the page, so it stays a box. Paths under no such element are absent (k = 0)."""
    share = config.box_max_body_share
    if share <= 0:
        return {}
    chars: dict[str, int] = {}
    confident: dict[str, int] = {}
    threshold = config.relevance_threshold
    for b, r in zip(blocks, relevance):
        if b.kind == "title":
            continue
        path, n = b.path, len(b.text)
        chars[path] = chars.get(path, 0) + n
        if r >= threshold:
            confident[path] = confident.get(path, 0) + n
    total, total_confident = sum(chars.values()), sum(confident.values())
    if not total_confident:
        return {}
    # each element (path prefix) as a number: (number of the prefix before it, segment) -> number,
    # the prefixes of one path without building each one's string; 0 is the empty prefix, which a
    # leading empty segment leaves empty (as joining "" and a segment gives the segment). A path
    # shares most of its elements with the path before it (blocks come in document order): their
    # numbers are taken over as they are.
    number: dict[tuple[int, str], int] = {}
    prefixes: dict[str, list[int]] = {}  # each path's prefixes, shortest first
    last_segments: list[str] = []
    last_nodes: list[int] = []
    for path in chars:
        segments = path.split("/")
        shared = 0
        for segment, last in zip(segments, last_segments):
            if segment != last:
                break
            shared += 1
        nodes = last_nodes[:shared]
        node = nodes[-1] if shared else 0
        for segment in segments[shared:]:
            if node or segment:
                node = number.setdefault((node, segment), len(number) + 1)
            nodes.append(node)
        prefixes[path] = nodes
        last_segments, last_nodes = segments, nodes
    held = [0] * (len(number) + 1)  # characters under each element (by its number)
    held_confident = [0] * (len(number) + 1)
    for path, n in chars.items():
        nodes = prefixes[path]
        for node in nodes:
            held[node] += n
        n_confident = confident.get(path, 0)
        if n_confident:  # most paths hold nothing the model is confident about
            for node in nodes:
                held_confident[node] += n_confident
    least, least_confident = share * total, share * total_confident
    layout = [not (h < least or c < least_confident) for h, c in zip(held, held_confident)]
    out: dict[str, int] = {}
    for path, nodes in prefixes.items():
        k = 0
        for node in nodes:
            if not layout[node]:
                break
            k += 1
        if k:
            out[path] = k
    return out


def _drop_weak_box_lines(page: PageState) -> None:
    """A line of links (link density at least 0.5) inside menu or ``<nav>`` markup goes whatever
    the model says: the links and the markup agree that it is navigation (a page whose extractor
    kept its menus leads the model to believe them). Lines the model half believes (relevance
    below ``Config.box_min_relevance``) inside ``<nav>``, a consent box, a sign-up or promo box,
    a footer/licensing notice, reader comments (not on a page declared a discussion, whose posts
    are the content), or (short lines) a byline / editor / dateline box, go: the markup says what
    they are. For a line the model keeps on its own, the elements that hold the page's confident
    body (``layout_depth``) are layout, not a box."""
    config = page.config
    for i, block in enumerate(page.blocks):
        if not page.keep[i] or block.kind == "title":
            continue
        links = block.link_density >= 0.5
        if page.relevance[i] >= config.box_min_relevance and not links:
            continue
        # a line the model keeps on its own is judged by the box it sits in, not by the page's layout
        box = page.box_path(i) if page.relevance[i] >= config.relevance_threshold else block.path
        words = _class_words(box)
        if links and (_inside_tag(box, "nav") or words & _MENU):
            page.drop(i, "navigation")  # whatever the model says: the markup and the links agree
        elif page.relevance[i] >= config.box_min_relevance:
            continue
        elif _inside_tag(box, "nav"):
            page.drop(i, "navigation")
        elif _consent_markup(words):
            page.drop(i, "consent")
        elif words & _SIGNUP_BOX or words & _PROMO:
            page.drop(i, "promo")
        elif words & _NOTICE_BOX:
            page.drop(i, "legal" if words & _LEGAL or "©" in block.text else "page-meta")
        elif words & _COMMENT and not page.discussion:
            page.drop(i, "comment")
        elif words & _META_BOX and len(cached_tokens(block.text)) <= 12:
            page.drop(i, "page-meta")


PERSON_BOX = frozenset({"bio", "bios", "biography", "expert", "experts", "authorbio", "authorbox", "contributor",
                        "speaker"})  # fmt: skip
"""Class/id words of a box about a person: an author or expert profile ("Zur Person", "About the
author"), set into or under an article. Not "profile" (nor "person"): a forum post's user
profile box is part of the thread (WCXB-dev forum F1 0.784 -> 0.777 with it)."""


@lru_cache(maxsize=4096)
def _named_box(path: str, names: frozenset[str]) -> str | None:
    """The path of the outermost element on ``path`` whose class/id words include one of
    ``names``, ``<html>``/``<body>`` left out; None when there is none."""
    segments = path.split("/")
    for k, segment in enumerate(segments):
        tag, _, classes = segment.lower().partition(".")
        if classes and tag not in _PAGE_TAGS and names.intersection(classes.split(".")):
            return "/".join(segments[: k + 1])
    return None


def _drop_small_named_boxes(page: PageState, names: frozenset[str], max_share: float, reason: str) -> None:
    """Every kept block inside a box whose class/id words include one of ``names`` goes with
    ``reason`` when such boxes, all of them together, hold at most ``max_share`` of the kept
    characters (0: never): the model reads such a box's prose as body, while a page that is
    mostly such boxes (a profile page, terms of service in one section per clause) keeps them."""
    if max_share <= 0:
        return
    blocks = page.blocks
    boxes: dict[str, list[int]] = {}
    for i, block in enumerate(blocks):
        if page.keep[i] and block.kind != "title":
            box = _named_box(block.path, names)
            if box is not None:
                boxes.setdefault(box, []).append(i)
    if not boxes:  # most pages
        return
    kept_chars = sum(len(b.text) for i, b in enumerate(blocks) if page.keep[i] and b.kind != "title")
    members = [i for box in boxes.values() for i in box]
    if sum(len(blocks[i].text) for i in members) <= max_share * kept_chars:
        for i in members:
            page.drop(i, reason)


def _drop_person_boxes(page: PageState) -> None:
    """A box about a person (an author or expert profile, ``PERSON_BOX``) goes as ``page-meta``
    when such boxes together hold at most ``Config.person_box_max_share`` of the kept
    characters: the model reads a profile's prose as body. A page that is mostly such a box (a
    profile page, an article whose container carries the word) keeps it."""
    _drop_small_named_boxes(page, PERSON_BOX, page.config.person_box_max_share, "page-meta")


def _drop_legal_boxes(page: PageState) -> None:
    """A box whose class/id words say it is legal small print (``_LEGAL``: disclaimer,
    copyright, terms, licence ...) goes as ``legal`` when such boxes together hold at most
    ``Config.legal_box_max_share`` of the kept characters: footnoted disclaimers under a
    product's features read as prose. A page that is mostly such a box keeps it."""
    _drop_small_named_boxes(page, _LEGAL, page.config.legal_box_max_share, "legal")


REVIEW_BOX = frozenset({"review", "reviews", "testimonial", "testimonials"})
"""Class/id words of a box of customer reviews."""


def _drop_review_boxes(page: PageState) -> None:
    """A box of reviews or testimonials (``REVIEW_BOX``) goes as ``comment`` when such boxes
    together hold at most ``Config.review_box_max_share`` of the kept characters -- on a page
    that declares itself a product (``PageState.product``), at most
    ``Config.product_review_box_max_share``: customers' reviews under a product are its readers'
    comments, not its description. A page that is mostly reviews (a review article) keeps them."""
    config = page.config
    share = config.review_box_max_share
    if page.product:
        share = max(share, config.product_review_box_max_share)
    _drop_small_named_boxes(page, REVIEW_BOX, share, "comment")


def article_region(
    blocks: Sequence[Block], relevance: np.ndarray, keep: Sequence[bool], min_words: int, share: float = 0.9,
    min_relevance: float = 0.8,
) -> str:
    """The element path of the page's article region: the parent of the deepest element that holds
    most (``share`` of the words, ``Config.article_region_share``) of the confidently kept body
    paragraphs -- relevance at least ``min_relevance`` (``Config.confident_relevance``), at least
    ``min_words`` words each. One level up, so a summary or claim box beside the text stays in;
    "most", so that one confident teaser in a ticker does not stretch the region over the whole
    page. Empty when there are fewer than two such paragraphs, or for plain text."""
    confident = [
        (b.path.split("/")[:-1], len(cached_tokens(b.text)))
        for i, b in enumerate(blocks)
        if keep[i] and relevance[i] >= min_relevance and b.path and len(cached_tokens(b.text)) >= min_words
    ]
    if len(confident) < 2:
        return ""
    total = sum(n for _, n in confident)
    # each element (the first ``depth`` segments of a path) as a number: (number of its parent,
    # segment) -> number, 0 the empty path, numbered in the order first met; without making and
    # hashing a tuple of segments for every element of every path
    number: dict[tuple[int, str], int] = {}
    element: list[tuple[list[str], int]] = [([], 0)]  # by number: (a path's segments, depth)
    words_under = [0]
    for segments, n in confident:
        node = 0
        words_under[0] += n
        for depth, segment in enumerate(segments, 1):
            node = number.setdefault((node, segment), len(element))
            if node == len(element):
                element.append((segments, depth))
                words_under.append(0)
            words_under[node] += n
    # the first met of the deepest elements that hold ``share`` of the words
    segments, depth = max(
        (element[node] for node, n in enumerate(words_under) if n >= share * total), key=itemgetter(1)
    )
    return "/".join(segments[: depth - 1])


def _drop_weak_lines_outside_article_region(page: PageState) -> None:
    """Beyond the article's region, only what the model is sure of stays: the tickers, sidebars
    and teaser lists around an article are what it half believes. A page declared a discussion
    has no one region: its posts (question, answers, replies) stand in sibling containers."""
    blocks, config = page.blocks, page.config
    if page.discussion:
        return
    region = article_region(blocks, page.relevance, page.keep, config.container_rescue_min_words,
                            config.article_region_share, config.confident_relevance)
    if region.count("/") < 2:  # the region is the whole page body: nothing is outside it
        return
    inside = region + "/"
    for i, block in enumerate(blocks):
        if (
            page.keep[i]
            and block.kind != "title"
            and page.relevance[i] < config.outside_body_min_relevance
            and block.path != region
            and not block.path.startswith(inside)
        ):
            page.drop(i)


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


def _drop_weak_ruled_off_sections(page: PageState) -> None:
    """After the article's confident body, a part set apart by a thematic break (``<hr>``,
    "---"): a paragraph there that opens with a label line of its own ("About X", "Media
    contact") is end matter however well written it is; with ``Config.ruled_section_min_relevance``
    (0.7; 0 is off), the rest of the part needs that much relevance."""
    ruled = in_ruled_section(page.blocks)
    seen_body = False
    for i, block in enumerate(page.blocks):
        if not ruled[i] and page.keep[i] and page.relevance[i] >= page.config.confident_relevance:
            seen_body = True
        elif ruled[i] and seen_body and page.keep[i] and block.kind != "title":
            if block.opens_with_label:
                page.drop(i, "page-meta")
            elif page.relevance[i] < page.config.ruled_section_min_relevance:
                page.drop(i)


def _lead_ins_and_what_they_introduce(page: PageState) -> None:
    """A line ending in ':' and the list or table it introduces stand or fall together: a weak
    lead-in goes with the links under it ("More stories:"), and a confident one keeps the rows
    of its table or list that the model only doubted ("Final standings after 36 races:")."""
    blocks, keep, relevance, config = page.blocks, page.keep, page.relevance, page.config
    n = len(blocks)
    for i in range(n - 1):
        if not keep[i] or not blocks[i].text.rstrip().endswith((":", "：")):
            continue
        if relevance[i] >= config.lead_in_min_relevance and blocks[i + 1].kind in ("list", "table"):
            for j in _same_run(blocks, i + 1):
                if (
                    not keep[j]
                    and page.reasons[j] in ("low-relevance", "navigation", "page-meta", "promo")
                    and relevance[j] >= config.heading_rescue_min_relevance
                    and blocks[j].link_density < 0.5  # rows of data, not a list of links
                ):
                    page.restore(j)
        if not keep[i + 1]:  # it introduces nothing that stays
            page.drop(i, page.reasons[i + 1])


def _same_run(blocks: Sequence[Block], start: int) -> range:
    """``start`` and the blocks after it of the same kind under the same parent element."""
    kind, parent = blocks[start].kind, blocks[start].path.rsplit("/", 1)[0]
    end = start
    while end < len(blocks) and blocks[end].kind == kind and blocks[end].path.rsplit("/", 1)[0] == parent:
        end += 1
    return range(start, end)


def _headings_follow_sections(page: PageState) -> None:
    """A heading stands or falls with the section under it (up to the next heading)."""
    blocks, keep = page.blocks, page.keep
    n = len(blocks)
    for i, block in enumerate(blocks):
        if block.kind != "heading" or page.reasons[i] in ("repeated-title", "duplicate", "template"):
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
            and page.reasons[i] in ("low-relevance", "navigation", "page-meta")
            and page.relevance[i] >= page.config.heading_rescue_min_relevance
        ):
            # under a kept section, a heading the model doubted is still the section's heading
            page.restore(i)
        elif not section_kept and keep[i]:
            page.drop(i, "navigation")


_REPEATS = ("duplicate", "template", "repeated-title")


def _fall_back_to_the_extractor(page: PageState) -> None:
    """Never far worse than the base extractor: where the model keeps less than
    ``Config.extractor_fallback_share`` of the tokens trafilatura kept (a page type or layout the
    model does not know), trafilatura's blocks that the model dropped only for low relevance
    come back, unless their mean relevance (by tokens) is below
    ``Config.extractor_fallback_min_relevance``: on a page without main content trafilatura
    promotes boilerplate. Structural drops (duplicate, template, repeated title), markup-certain
    boilerplate (consent, comment, legal) and link lists (link density >=
    ``Config.extractor_fallback_max_link_density``) stay dropped."""
    config = page.config
    if config.extractor_fallback_share <= 0:
        return
    sizes = [len(cached_tokens(b.text)) for b in page.blocks]
    # HTML only: plain text has no extractor opinion (and no element paths)
    # trafilatura's repeats of text already on the page (a hidden print copy) do not count
    extracted = [
        i
        for i, b in enumerate(page.blocks)
        if b.path and b.extractor_overlap >= 0.5 and b.kind != "title" and page.reasons[i] not in _REPEATS
    ]
    total = sum(sizes[i] for i in extracted)
    if total < config.extractor_fallback_min_tokens:
        return
    kept = sum(sizes[i] for i in extracted if page.keep[i])
    if kept >= config.extractor_fallback_share * total:
        return
    back = [
        i
        for i in extracted
        if not page.keep[i]
        and page.reasons[i] in ("low-relevance", "promo", "navigation", "page-meta", "caption")
        and page.blocks[i].link_density < config.extractor_fallback_max_link_density
    ]
    tokens = sum(sizes[i] for i in back)
    if not tokens or sum(sizes[i] * page.relevance[i] for i in back) < config.extractor_fallback_min_relevance * tokens:
        return  # trafilatura kept boilerplate the model is sure of: a page without main content
    for i in back:
        page.restore(i)


def _drop_hidden_copies(page: PageState) -> None:
    """A hidden block (``Block.hidden``) whose words mostly stand in the page's visible blocks
    (``Config.hidden_copy_share``) repeats them: the print or SEO copy of a body, kept out of
    sight, goes as ``duplicate`` (whatever dropped it before, so that no later rule restores it)."""
    config, blocks = page.config, page.blocks
    if config.hidden_copy_share <= 0 or not any(b.hidden for b in blocks):
        return
    visible: set[str] = set()
    for b in blocks:
        if not b.hidden:
            visible.update(cached_tokens(b.text))
    for i, block in enumerate(blocks):
        if not block.hidden or block.kind == "title" or page.reasons[i] in _REPEATS:
            continue
        toks = cached_tokens(block.text)
        if len(toks) >= config.duplicate_min_words and sum(t in visible for t in toks) >= config.hidden_copy_share * len(toks):
            page.drop(i, "duplicate")


def _drop_copies_of_dropped_blocks(page: PageState) -> None:
    """A kept short block that repeats word for word the block just before it (at most
    ``Config.dropped_copy_max_gap`` blocks back), which the rules dropped, is the same line
    printed twice -- a byline or a read-time line rendered once for small and once for large
    screens, the second copy inside the body's container -- and goes with the first copy's
    reason. Only blocks of at most ``Config.dropped_copy_max_words`` words (a copy of a long
    dropped paragraph is left to the model); 0 turns the rule off. On the out-of-fold relevance
    it changes 16 WCXB-dev pages (F1 sum +0.005) and no AEB page."""
    config, blocks = page.config, page.blocks
    if config.dropped_copy_max_words <= 0 or not page.redundancy:
        return
    for i, red in enumerate(page.redundancy):
        j = red.duplicate_of
        if (
            j is None
            or not page.keep[i]
            or page.keep[j]
            or red.score < 1.0
            or i - j > config.dropped_copy_max_gap
            or blocks[i].kind == "title"
            or len(cached_tokens(blocks[i].text)) > config.dropped_copy_max_words
        ):
            continue
        page.drop(i, page.reasons[j])


def _drop_site_name_labels(page: PageState) -> None:
    """A short line that names the site itself ("LADLE & LINE NEWSLETTER", "CNN Podcasts", the
    logo's text) is the site's label or house ad, not main content: a kept block other than the
    title and headings whose words hold every word of the site's name (``Document.site_name``)
    and at most ``Config.site_label_extra_words`` more goes, with its markup's reason, else
    ``promo``."""
    site, extra = page.site_words, page.config.site_label_extra_words
    if not site:
        return
    for i, block in enumerate(page.blocks):
        if not page.keep[i] or block.kind in ("title", "heading"):
            continue
        words = cached_folded_tokens(block.text)
        if len(words) <= len(site) + extra and site.issubset(words):
            page.drop(i, page.markup_reason(i) or "promo")


def _keep_a_lone_paragraph(page: PageState) -> None:
    """A document whose only block besides its title is one paragraph (a short text, one
    scraped paragraph) keeps it when it has ``Config.lone_paragraph_min_words`` words and its
    words read as body (lexical score >= ``Config.lone_paragraph_min_lexical``): with no page
    around it, position and markup say nothing; "Sign up for our newsletter ..." still goes."""
    config = page.config
    body = [i for i, b in enumerate(page.blocks) if b.kind != "title"]
    if len(body) != 1 or page.lexical is None:
        return
    i = body[0]
    block = page.blocks[i]
    if (
        not page.keep[i]
        and block.kind == "paragraph"
        and page.reasons[i] in ("low-relevance", "navigation", "promo", "page-meta")
        and page.markup_reason(i) is None
        and len(cached_tokens(block.text)) >= config.lone_paragraph_min_words
        and page.lexical[i] >= config.lone_paragraph_min_lexical
    ):
        page.restore(i)


PAGE_RULES: tuple[tuple[str, Callable[[PageState], None]], ...] = (
    ("container-rescue", _rescue_in_body_container),
    ("consent-boxes", _drop_consent_boxes),
    ("comments-under-article", _drop_comments_under_an_article),
    ("words-say-boilerplate", _drop_what_the_words_call_boilerplate),
    ("box-lines", _drop_weak_box_lines),
    ("person-boxes", _drop_person_boxes),
    ("legal-boxes", _drop_legal_boxes),
    ("review-boxes", _drop_review_boxes),
    ("outside-region", _drop_weak_lines_outside_article_region),
    ("hidden-copies", _drop_hidden_copies),
    ("copies-of-dropped", _drop_copies_of_dropped_blocks),
    ("site-name-labels", _drop_site_name_labels),
    ("ruled-sections", _drop_weak_ruled_off_sections),
    ("lists-inside-body", _keep_lists_inside_the_body),
    ("lead-ins", _lead_ins_and_what_they_introduce),
    ("lone-paragraph", _keep_a_lone_paragraph),
    ("extractor-fallback", _fall_back_to_the_extractor),
    ("headings-follow-sections", _headings_follow_sections),
)
"""The page rules, in the order they run. Names are what ``Config.disabled_rules`` takes (by
default ``lead-ins`` and ``headings-follow-sections`` are skipped: each cost F1 on both
benchmarks); the effect of each on both is listed in the model card (``scripts/evaluate.py
--ablate``)."""


def withhold_contentless(
    doc: Document, decisions: Sequence[ParagraphScore], quality: QualityScore, config: Config
) -> list[ParagraphScore]:
    """The page rule that runs after the document verdict: a page whose kept text fired one of
    ``Config.withhold_flags`` (``no-main-content``: too few prose words, or no stretch of main
    content; quality.py) with fewer than ``Config.withhold_max_words`` words has no main content,
    and keeps nothing -- unless it is a fragment: the paragraph rules dropped less than
    ``Config.withhold_min_dropped_share`` of it (no chrome) and what they kept has some prose (a
    snippet or a bare brief, not "You need to enable JavaScript to run this app.").

    Only documents of ``Config.withhold_formats`` (HTML): plain text is what a scraper already
    chose as the page's text, and a short text is a short body (two AEB articles of 18 and 42
    words given as text would lose all their words).

    ``decisions``: one ParagraphScore per block of ``doc`` (:func:`decide_blocks`); ``quality``: the
    document's QualityScore judged on those decisions (``quality.score_document``). Returns the
    decisions with every kept paragraph but the title dropped as ``no-main-content`` (a copy,
    unchanged when the rule does not apply). An extractor that promotes the best boilerplate it
    finds on a consent wall, a removed article or an unrendered app to "content" poisons a
    corpus."""
    if doc.format not in config.withhold_formats or not any(f in config.withhold_flags for f in quality.flags):
        return list(decisions)
    if config.withhold_max_words and quality.signals.get("words", 0) >= config.withhold_max_words:
        return list(decisions)
    if (quality.signals.get("page_dropped_share", 1.0) < config.withhold_min_dropped_share
            and quality.signals.get("prose_words", 0) > 0):
        return list(decisions)  # nothing around the text was dropped and it is prose: a fragment, not a shell
    return [
        replace(d, keep=False, reason="no-main-content") if d.keep and d.kind != "title" else d
        for d in decisions
    ]


def block_stats(decisions: Sequence[ParagraphScore]) -> dict[str, Any]:
    """The counts of ``Result.stats``: paragraphs kept and dropped, their characters, and the
    drops by reason (every reason of ``REASONS``, 0 when none), read in one pass."""
    kept = kept_chars = dropped_chars = 0
    dropped: dict[str, int] = {}
    for d in decisions:
        if d.keep:
            kept += 1
            kept_chars += len(d.text)
        else:
            dropped_chars += len(d.text)
            if d.reason:
                dropped[d.reason] = dropped.get(d.reason, 0) + 1
    return {
        "paragraphs": len(decisions),
        "kept": kept,
        "dropped": len(decisions) - kept,
        "dropped_by_reason": {r: dropped.get(r, 0) for r in REASONS},
        "kept_chars": kept_chars,
        "dropped_chars": dropped_chars,
    }
