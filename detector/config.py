"""Every threshold and option of the detector, in one frozen object."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any


MAX_SECONDS = 86400.0
"""The longest time budget or timeout an option takes (one day). Timers have a ceiling
(``threading.TIMEOUT_MAX``, the platform's ``time_t`` behind ``signal.setitimer``): past it,
``inf`` or ``1e12`` would be accepted and then kill a timer thread on every request. No
document or request needs more than a day."""


FRACTIONS: dict[str, str] = {
    # relevance and lexical scores are a model's probabilities
    **dict.fromkeys((
        "relevance_threshold", "comment_min_relevance", "comment_body_min_relevance", "lexical_veto_below",
        "lexical_veto_max_relevance", "extractor_fallback_min_relevance", "heading_rescue_min_relevance",
        "box_min_relevance", "ruled_section_min_relevance", "lead_in_min_relevance",
        "container_rescue_min_relevance", "container_rescue_anchor_relevance", "lone_paragraph_min_lexical", "outside_body_min_relevance",
        "confident_relevance",
    ), "a probability"),
    # similarities of two texts
    **dict.fromkeys(("duplicate_threshold", "near_duplicate_jaccard", "restate_threshold", "min_title_overlap"),
                    "a similarity"),
    # shares of a page's (or its kept text's) characters, words or blocks
    **dict.fromkeys((
        "person_box_max_share", "legal_box_max_share", "review_box_max_share", "product_review_box_max_share",
        "box_max_body_share",
        "hidden_copy_share", "article_region_share", "withhold_min_dropped_share",
    ), "a share"),
    # shares of lines, words or characters (datatrove's signals are fractions of the text)
    **dict.fromkeys((
        "gopher_max_bullet_lines_ratio", "gopher_max_ellipsis_lines_ratio", "gopher_min_alpha_words_ratio",
        "gopher_max_dup_para_frac", "gopher_max_dup_para_char_frac", "gopher_max_dup_line_frac",
        "gopher_max_dup_line_char_frac", "fineweb_min_line_punct_ratio", "fineweb_max_short_line_ratio",
        "fineweb_max_char_dup_ratio",
    ), "a fraction"),
    "min_quality": "a quality score",
}
"""The ``Config`` fields that are fractions, in [0, 1], and what each is (for the error):
``Config.__post_init__`` refuses them above 1, where a threshold means nothing or silently
turns its rule into "always" or "never" (``legal_box_max_share=2``). Not here, though their
names look alike: ``extractor_fallback_share`` (the model's kept tokens over trafilatura's, which
may pass 1), ``extractor_fallback_max_link_density`` (above 1 is documented: link-dense blocks
too), ``gopher_max_symbol_word_ratio`` and ``fineweb_max_newline_ratio`` (symbols or line breaks
per word, which may pass 1), and the C4 limits (on a 0/1 signal: from 1 up, the rule is off)."""


@dataclass(frozen=True)
class Config:
    # --- input limits --------------------------------------------------------------
    max_input_bytes: int = 16 * 1024 * 1024
    """Inputs larger than this are refused with an InputError (a 50 MB page is not an article)."""
    max_blocks: int = 5000
    """Only the first ``max_blocks`` candidate blocks of a page are scored."""
    max_block_chars: int = 20000
    """A longer block is truncated (minified junk, data blobs)."""
    text_max_paragraph_words: int = 300
    """Plain text: a paragraph longer than this (a page flattened onto one line, a text without
    line breaks) is split at sentence ends into paragraphs of about ``text_chunk_words`` words,
    each judged on its own (a 4,000-word block reads to the model as a data blob: whole
    articles given as one line came out empty). 0 turns the split off."""
    text_chunk_words: int = 100
    """Plain text: the size a split paragraph's parts grow to before the next sentence starts a
    new one (``text_max_paragraph_words``)."""
    shell_page_words: int = 100
    """A page whose walk finds fewer words than this is a shell around its content and is walked
    again with what the first walk skips: ``<noscript>`` fallbacks (Discourse and Flarum serve
    their posts there) and form controls (an unclosed ``<button>`` in a header that the parser
    lets swallow the page). Elsewhere these stay skipped (tracking pixels, "enable JavaScript"
    notes, a second copy of the body). 0: never."""
    doc_timeout: float | None = 30.0
    """Seconds one document may take in ``detector score``, ``detector filter`` (``filtering.filter_jsonl``)
    and the service (``limits.time_limit``; past it: ``DocumentTimeout``, one error record); ``None``
    for no limit. ``clean`` has ``--doc-timeout``. ``Detector``'s own calls do not enforce it: wrap
    them in ``limits.time_limit`` to bound them."""

    # --- paragraph decisions -------------------------------------------------------
    relevance_threshold: float = 0.4
    """A paragraph with relevance below this is dropped (reason from decide.py). 0.4, not 0.5:
    the benchmarks count tokens, so losing a long body paragraph costs more than keeping a
    short junk line; chosen on out-of-fold predictions of AEB and WCXB-dev (0.3: AEB F1 0.9587,
    WCXB-dev 0.8308; 0.4: 0.9628, 0.8262; see models/README.md)."""
    duplicate_threshold: float = 0.9
    """Redundancy at or above this, against one earlier paragraph, is a duplicate: dropped."""
    duplicate_min_words: int = 12
    """Shorter repeats are kept: menus, recipes and tables legitimately repeat short lines."""
    dropped_copy_max_words: int = 12
    """A kept block of at most this many words that repeats word for word an earlier block the
    rules dropped goes with that block's reason (``decide`` rule ``copies-of-dropped``); 0 turns
    the rule off."""
    dropped_copy_max_gap: int = 1
    """How far (in blocks) a copy may stand from its dropped first copy (``copies-of-dropped``):
    1, the next block. Copies further away are often content (a headline in a "trending" box
    and again in the listing, a price in several product cards): with no limit WCXB-dev F1 fell
    from 0.8667 to 0.8658 out of fold, with 3 its recall by 0.0001."""
    near_duplicate_jaccard: float = 0.8
    """Word-shingle Jaccard at or above which two paragraphs count as the same text."""
    restate_threshold: float = 0.2
    """Similarity at or above which a paragraph is said to restate an earlier one."""
    comment_min_relevance: float = 0.9
    """On a page whose confident body stands outside reader-comment markup (an article), a block
    inside comment markup needs this relevance to stay (``decide`` rule ``comments-under-article``;
    a forum thread, whose posts are in such markup, is not touched)."""
    comment_body_min_relevance: float = 0.75
    """...where that body is the kept blocks outside comment markup whose relevance is at least
    this (was 0.8: an open thread's short post at 0.79 left its comments kept; models/README.md)..."""
    comment_article_min_words: int = 30
    """...when that body has at least this many words (a forum thread's opening post is often
    outside the markup of the replies, and short)."""
    lexical_veto_below: float = 0.0
    """A kept line whose lexical score (what its words say) is below this goes, unless its
    relevance reaches ``lexical_veto_max_relevance`` (``decide`` rule ``words-say-boilerplate``).
    Off (0) by default: at 0.1 it drops prose sign-up pitches ("Join our free morning email")
    but cost out-of-fold F1 on both benchmarks (AEB -0.0001, WCXB-dev -0.0018), whose truths
    keep some such lines; turn it on where those lines must go."""
    lexical_veto_max_relevance: float = 0.9
    lexical_veto_max_words: int = 0
    """...and only a line of at most this many words (``\\w+`` runs; 0: any length)."""
    site_label_extra_words: int = 2
    """A kept line made of the site's own name and at most this many other words goes as the
    site's label or house ad (``decide`` rule ``site-name-labels``)."""
    extractor_fallback_share: float = 0.5
    """Where the model keeps less than this share of the tokens trafilatura kept, trafilatura's
    blocks that the model dropped for low relevance come back (``decide`` rule
    ``extractor-fallback``; 0 turns it off)."""
    extractor_fallback_min_tokens: int = 50
    """...only when trafilatura kept at least this many tokens."""
    extractor_fallback_min_relevance: float = 0.2
    """...and only when the blocks it would bring back have at least this mean relevance
    (weighted by tokens): a model that does not know a layout still gives its body some
    relevance, while on a page without main content (a removed article, a consent wall)
    trafilatura's choice is boilerplate the model is sure of. Chosen on both benchmarks
    (out of fold: AEB F1 unchanged, WCXB-dev 0.8655 -> 0.8662; content-less shells keeping at most
    20 words 28.5% -> 36.6%; docs/quality.md)."""
    extractor_fallback_max_link_density: float = 0.5
    """...bringing back only blocks whose link density is below this (a list of links stays a
    list of links; above 1: link-dense blocks too, as the cards of a product grid)."""
    disabled_rules: frozenset[str] = frozenset({"lead-ins", "headings-follow-sections"})
    """Page rules of ``decide.PAGE_RULES`` to skip, by name (for ablations: ``scripts/evaluate.py
    --ablate`` measures each rule's effect on both benchmarks). Off by default: ``lead-ins`` and
    ``headings-follow-sections``, which cost out-of-fold F1 on both benchmarks with the shipped
    model (without them AEB 0.9637 -> 0.9669, WCXB-dev 0.8594 -> 0.8613; models/README.md)."""
    heading_rescue_min_relevance: float = 0.2
    """...unless the model is this sure it is not part of the article (teaser links in a body)."""
    person_box_max_share: float = 0.2
    """A box whose class/id words name a person profile (``decide.PERSON_BOX``: bio, expert,
    contributor ...) set into or under an article goes as ``page-meta`` when such boxes together
    hold at most this share of the kept characters (``decide`` rule ``person-boxes``): an author
    or expert profile reads as body to the model; a profile page is mostly its profile, so it
    stays."""
    legal_box_max_share: float = 0.2
    """A box whose class/id words say it is legal small print (``decide._LEGAL``: disclaimer,
    copyright, terms ...) goes as ``legal`` when such boxes together hold at most this share of
    the kept characters (``decide`` rule ``legal-boxes``; 0: off). Out of fold: AEB unchanged, WCXB-dev
    0.8656 -> 0.8657 (25 pages change, 13 better; product disclaimers); 0.1 / 0.3 / 0.5:
    0.8656 / 0.8657 / 0.8660, the last on six more pages only (models/README.md)."""
    review_box_max_share: float = 0.0
    """A box of customer reviews or testimonials (``decide.REVIEW_BOX``) goes as ``comment`` when
    such boxes together hold at most this share of the kept characters (``decide`` rule
    ``review-boxes``; 0: off, the default: out of fold at 0.2 WCXB-dev stays 0.8657 -- product
    pages 0.673 -> 0.677, service pages whose own text sits in "review" markup 0.822 -> 0.820 --
    and at 0.5 falls to 0.8645; pages that declare a product have their own share,
    ``product_review_box_max_share``)."""
    product_review_box_max_share: float = 1.0
    """...and on a page that declares itself a product page, not an article (schema.org
    ``Product``, ``og:type`` product: ``Document.product``), at most this share (1: whatever
    their share, the default; 0: as on other pages). Out of fold (rule ``review-boxes``), WCXB-dev
    0.8657 -> 0.8667, product pages 0.673 -> 0.683 (25 pages change, 19 better), AEB unchanged
    (no AEB page declares a product); at 0.2 / 0.5: 0.8660 / 0.8661 (models/README.md)."""
    box_min_relevance: float = 0.6
    """Inside markup named as a sign-up box, footer or licensing notice, a paragraph needs this
    much relevance to stay (the model alone keeps short box lines at 0.3-0.5)."""
    box_max_body_share: float = 0.5
    """An element that holds at least this share of the page's characters and of the characters
    the model is confident about (relevance at least ``relevance_threshold``) is the page's
    layout, not a box: for a line the model keeps, its class words ("popup", "newsletter",
    "footer") and its tag (``<nav>``) do not make that line a box line (``decide`` rule
    ``box-lines``, ``decide.layout_depth``). A whole page wrapped in an unclosed sign-up overlay
    keeps its article. 0 turns the exemption off."""
    ruled_section_min_relevance: float = 0.7
    """After the article's confident body, a part set apart by a thematic break (``<hr>``,
    "---") with no heading since needs this much relevance (rule ``ruled-sections``; a paragraph
    there that opens with a label line, "About X", goes whatever this is). 0 turns the floor
    off. Out-of-fold F1 (AEB / WCXB-dev) on the shipped model: off 0.9635 / 0.8625, 0.7
    0.9637 / 0.8624, 0.8 0.9636 / 0.8617 (the sections after a rule on product, service and
    documentation pages are content; 0.8 costs them). On the previous model 0.8 cost WCXB-dev
    0.0016 and the floor was off."""
    lead_in_min_relevance: float = 0.5
    """A line ending in ':' and what it introduces stand or fall together: below this relevance
    it goes with a dropped next paragraph; from it up, it keeps the rows of the list or table
    under it that have at least ``heading_rescue_min_relevance``."""
    container_rescue_min_relevance: float = 0.0
    """A dropped paragraph of at least ``container_rescue_min_words`` words, in the same element
    path as two or more kept body paragraphs (``container_rescue_anchor_relevance``), is kept from this relevance up: the
    markup says it is one of the article's paragraphs (the second stage may push a closing
    paragraph that stands after a repeated headline down to 0.1)."""
    container_rescue_min_words: int = 15
    container_rescue_anchor_relevance: float = 0.5
    """The body paragraphs whose element path ``container-rescue`` reads: kept blocks of at least
    ``container_rescue_min_words`` words with at least this relevance (was ``confident_relevance``,
    0.8: a body the model keeps without being sure of it, an article in an ``<aside>`` at 0.6-0.8,
    named no container and lost its closing paragraph). Out-of-fold F1 (AEB / WCXB-dev) on the
    shipped model at 0.8: 0.9679 / 0.8677; 0.7: 0.9677 / 0.8678; 0.6: 0.9675 / 0.8679; 0.5:
    0.9675 / 0.8681; 0.4: 0.9675 / 0.8680. On the previous model at 0.8: 0.9666 / 0.8667; 0.6:
    0.9665 / 0.8667; 0.5: 0.9665 / 0.8669. Three AEB pages change (a closing line of an invitation
    and a deals line come back inside the body container, a "read also" label goes)."""
    hidden_copy_share: float = 0.8
    """A hidden block of at least ``duplicate_min_words`` words whose words stand, to this share,
    in the page's visible blocks is a hidden copy (print, AMP or SEO copies of the body, often
    one flattened block the duplicate test cannot match paragraph by paragraph): it goes as
    ``duplicate`` (rule ``hidden-copies``). 0: off."""
    lone_paragraph_min_words: int = 20
    """A document whose only block besides its title is one paragraph of at least this many
    words keeps it when its words read as body (lexical score at least
    ``lone_paragraph_min_lexical``; rule ``lone-paragraph``): with no page around it the
    structural signals say nothing, and the document verdict judges the rest."""
    lone_paragraph_min_lexical: float = 0.5
    outside_body_min_relevance: float = 0.8
    confident_relevance: float = 0.8
    """A kept block with at least this relevance is the article's confident body, which anchors
    the page rules: the article region (``decide.article_region``, which ``container-rescue``
    also reads), the body a ruled-off part must follow (``ruled-sections``).
    Out-of-fold F1 (AEB / WCXB-dev) of the article region's anchor at 0.7: 0.9659 / 0.8674,
    0.75: 0.9660 / 0.8662, 0.8: 0.9665 / 0.8655, 0.85: 0.9657 / 0.8641, 0.9: 0.9660 / 0.8638
    (the two benchmarks pull apart below 0.8)."""
    article_region_share: float = 0.9
    """The article's region (``decide.article_region``, read by ``outside-region`` and
    ``container-rescue``) is the parent of the deepest element holding this share of the words of
    the confidently kept paragraphs. Out-of-fold F1 (AEB / WCXB-dev) at 0.7: 0.9650 / 0.8551;
    0.8: 0.9640 / 0.8566; 0.9: 0.9640 / 0.8578; 1.0: 0.9640 / 0.8581 (a service page's several
    sections of content fall inside; below 1 one confident teaser in a ticker still does not
    stretch the region over the page)."""
    """Outside the article's region (the parent of the deepest element holding all its confident
    paragraphs) a block needs this much relevance: sidebars, tickers and teaser lists around the
    article are what the model half believes (0.3-0.6). 0 turns the rule off."""

    # --- document quality (detector/quality.py; every rule reads the KEPT text) ----------
    min_quality: float = 0.5
    """``quality.keep`` is ``quality.score >= min_quality`` (and some text kept)."""
    min_content_words: int = 50
    """Fewer prose words kept than this (words of kept lines that read as sentences, see
    ``quality.prose_line_words``) fires ``no-main-content``: the page has no main content (a
    consent or paywall shell, a removed article, an unrendered JavaScript app, a tag page)."""
    unpunctuated_languages: tuple[str, ...] = ("th",)
    """Languages (ISO 639-1) whose sentences end without a punctuation mark: Thai ends a sentence
    with a space and a paragraph with a line break (its old terminal marks are rarely written).
    There a line reads as prose (``prose_words``) without C4's terminal punctuation when it has at
    least ``unpunctuated_prose_min_words`` words (the segmenter's, ``quality.words``); otherwise no
    line of a Thai article was prose and every one fired ``no-main-content``. ``()``: C4's rule
    everywhere."""
    unpunctuated_prose_min_words: int = 10
    """...at least this many words: a sentence, not a menu entry or a heading (both 1-6 words)."""
    withhold_flags: tuple[str, ...] = ("no-main-content",)
    """Document flags that mark a page without main content: when one fires on the kept text,
    nothing is kept (``decide.withhold_contentless``; every kept paragraph is dropped as
    ``no-main-content``), so that a shell's best boilerplate never reaches a corpus as content.
    The quality score and its signals still describe the text that was judged. ``()`` turns
    this off (the text is kept and only the verdict drops it)."""
    withhold_formats: tuple[str, ...] = ("html",)
    """...in documents of these formats (``Document.format``): a plain text is what a scraper
    already chose as a page's text, and a short one is a short body."""
    withhold_max_words: int = 60
    """...when the kept text has fewer words than this (0: at any length). Listings,
    collections and product pages also fire ``no-main-content`` (cards of short text); what they
    keep is longer (median 99-213 words) than what a shell keeps (36). Of 50, 60, 70, 80 and 100,
    60 is the largest limit that lowers neither benchmark's out-of-fold F1 (WCXB-dev 0.8662 ->
    0.8667, AEB unchanged; at 70: 0.8661; at any length: 0.831; docs/quality.md)."""
    withhold_min_dropped_share: float = 0.1
    """...and only on a page the paragraph rules dropped at least this share of (the
    ``page_dropped_share`` signal, by characters, measured before withholding): a page without
    main content still has its chrome (menus, footer, the wall itself), which is dropped. An HTML
    fragment or a bare page whose every block was kept and whose kept text has some prose
    (``prose_words`` > 0: a short brief, a snippet a scraper already cut out) is text someone
    chose, and stays; an unrendered app's "You need to enable JavaScript" line is not prose, and
    goes. Of the 949 shells made from benchmark pages, the withheld ones dropped 0.13 or more of
    their page but one (6 words of byline, no prose); docs/quality.md. 0 turns this off."""
    min_main_run_chars: int = 350
    """Kept text whose longest stretch of consecutively kept paragraphs (``main_run_chars``,
    characters; ``quality.longest_kept_run``) is shorter than this also fires
    ``no-main-content``: a page's main content is one stretch of text, and what is kept from a
    page without it is scattered -- a teaser, a form label, an address, a FAQ between dropped
    blocks. Characters, not words, so that languages written without spaces count alike; a
    CJK character counts as several (``main_run_char_widths``).
    Chosen on one half of the benchmark's sites and checked on the other (docs/quality.md).
    0 turns it off."""
    main_run_char_widths: tuple[tuple[str, float], ...] = (("Han", 3.3), ("Hiragana", 1.5), ("Katakana", 1.5), ("Hangul", 2.2))
    """How many Latin characters one character of these scripts (Unicode script names) counts as
    in ``main_run_chars`` and ``main_run_bridge_chars`` (``quality.text_width``; every other
    character counts 1): a Chinese character carries about as much as a short English word, so
    that a stretch of Chinese text is measured like its English translation. Measured on parallel
    text, Debian's gettext catalogs (``/usr/share/locale/{zh_CN,zh_TW,ja,ko}/LC_MESSAGES/*.mo``,
    about 80 programs: coreutils, apt, bash, glib, PostgreSQL...; messages of at least 60
    English characters and 8 words whose translation is at least half CJK, 2,000-3,700 a
    language; ``scripts/measure_char_widths.py``): English characters per translated character,
    the translation's other characters (punctuation, spaces, Latin, digits) counting 1 --
    Simplified Chinese 3.35 (median message 3.50, quartiles 3.05-3.95), Traditional 3.33,
    Korean 2.22; Japanese 2.03 overall, 1.53 a kana with Han at 3.35. ``()``: every character
    counts 1."""
    main_run_bridge_chars: int = 100
    """A dropped block shorter than this between two kept paragraphs at least this long does not
    end a stretch (``main_run_chars``): an ad label, a caption or a "Read more" link inside a
    body interrupts it, a teaser list's link titles between short blurbs do not join it."""
    min_title_overlap: float = 0.25
    """Kept text whose ``title_overlap`` (``quality.title_overlap``: Readability.js
    ``_textSimilarity`` of the kept text and the page's title, best title part) is below this
    fires ``off-title``: what was kept is not about the page -- the other prose left on a page
    whose article is missing (a second op-ed, a FAQ, a newsletter pitch). Chosen on one half of
    the benchmark's sites and checked on the other (docs/quality.md). 0 turns the rule off."""
    off_title_max_words: int = 500
    """``off-title`` applies only to kept texts of fewer words than this (0: to every text): what
    is left on a page without its article is short (shells keep 111 words on average), while an
    article of 500 words or more whose headline shares few of its words is still an article.
    Chosen on one half of the benchmark's sites (the smallest value that drops as many shells of
    that half as no limit) and checked on the other (docs/quality.md)."""
    min_title_words: int = 3
    """Title parts of fewer words are not compared with the kept text (``off-title``): they are
    mostly the site's name ("Robomow", "davidbau.com"), which an article need not repeat."""
    # Gopher quality, datatrove GopherQualityFilter defaults (gopher_quality_filter.py:18-26)
    gopher_min_words: int = 50
    gopher_max_words: int = 100_000
    gopher_min_mean_word_length: float = 3.0
    gopher_max_mean_word_length: float = 10.0
    gopher_max_symbol_word_ratio: float = 0.1
    gopher_max_bullet_lines_ratio: float = 0.9
    gopher_max_ellipsis_lines_ratio: float = 0.3
    gopher_min_alpha_words_ratio: float = 0.8
    gopher_min_stop_words: int = 2
    # Gopher repetition, datatrove GopherRepetitionFilter defaults (gopher_repetition_filter.py:78-83)
    gopher_max_dup_para_frac: float = 0.3
    gopher_max_dup_para_char_frac: float = 0.2
    gopher_max_dup_line_frac: float = 0.3
    gopher_max_dup_line_char_frac: float = 0.2
    gopher_top_ngram_limits: tuple[tuple[int, float], ...] = ((2, 0.20), (3, 0.18), (4, 0.16))
    gopher_dup_ngram_limits: tuple[tuple[int, float], ...] = (
        (5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10),
    )
    # C4, datatrove C4QualityFilter defaults (c4_filters.py:66-72)
    c4_min_sentences: int = 5
    c4_min_words_per_line: int = 3
    c4_max_word_length: int = 1000
    c4_max_lorem_ipsum: float = 0.0
    c4_max_curly_bracket: float = 0.0
    # FineWeb, datatrove FineWebQualityFilter defaults (fineweb_quality_filter.py:14-20)
    fineweb_min_line_punct_ratio: float = 0.12
    fineweb_max_short_line_ratio: float = 0.67
    fineweb_short_line_length: int = 30
    fineweb_max_char_dup_ratio: float = 0.01
    fineweb_max_newline_ratio: float = 0.3
    quality_penalties: tuple[tuple[str, float], ...] = (
        ("empty", 0.0),
        ("no-main-content", 0.0),
        ("off-title", 0.0),
        ("gopher-short-doc", 0.0),
        ("gopher-long-doc", 0.6),
        ("gopher-short-words", 0.6),
        ("gopher-long-words", 0.6),
        ("gopher-hashes", 0.6),
        ("gopher-ellipses", 0.6),
        ("gopher-bullet-lines", 0.7),
        ("gopher-ellipsis-lines", 0.7),
        ("gopher-stop-words", 0.6),
        ("gopher-duplicate-paragraphs", 0.7),
        ("gopher-duplicate-paragraph-chars", 0.7),
        ("gopher-duplicate-lines", 0.7),
        ("gopher-duplicate-line-chars", 0.7),
        ("gopher-top-ngram", 0.7),
        ("gopher-duplicate-ngrams", 0.7),
        ("c4-lorem-ipsum", 0.6),
    )
    """What a fired flag multiplies ``quality.score`` by; 0 makes it a hard drop. A flag not
    listed is informational: reported, never a reason to drop. Informational by default:
    ``gopher-alpha-words`` (datatrove counts punctuation marks as words, so it fires on ~10% of
    real articles), the other ``c4-*`` flags and the ``fineweb-*`` flags (C4 and FineWeb drop
    5-15% of the benchmark's real articles; see docs/quality.md). ``c4-lorem-ipsum`` costs a
    penalty, not C4's hard drop: placeholder text is never content, but an article may quote
    the phrase (a confident text with no other flag stays kept)."""

    quality_penalty_groups: tuple[tuple[str, ...], ...] = (
        ("gopher-duplicate-paragraphs", "gopher-duplicate-paragraph-chars",
         "gopher-duplicate-lines", "gopher-duplicate-line-chars",
         "gopher-top-ngram", "gopher-duplicate-ngrams"),
    )
    """Flags that measure one piece of evidence: when several of a group fire, the group's
    smallest penalty applies once. Gopher's repetition checks (Rae et al. 2021, table A1;
    datatrove's GopherRepetitionFilter, one filter that drops on any of them) all measure one
    thing, a text that repeats itself: duplicate paragraphs and duplicate lines are the same count
    in a text whose paragraphs are single lines (most kept texts), and repeated lines are repeated
    n-grams. Counted per rule, one repeated boilerplate line cost a real article two or four
    penalties (16 of 974 benchmark articles dropped, out-of-fold); counted per family (lines,
    n-grams), a meal plan, a comparison table and two code listings with repeated lines were still
    dropped (docs/quality.md)."""

    # --- model ---------------------------------------------------------------------
    model_path: Path | None = None
    """A model file the user names; ``None`` loads the shipped one (checked by SHA-256)."""
    model_sha256: str | None = None
    """Expected SHA-256 of ``model_path`` (otherwise read from the card beside it)."""

    # --- extraction ----------------------------------------------------------------
    language: str | None = None
    """Force a language (ISO 639-1); ``None`` detects it from the page and the text."""

    def __post_init__(self) -> None:
        """Raises ValueError naming the field for a threshold that is not a number (``"0.5"``,
        ``True``), not finite, negative, or, for a fraction (``FRACTIONS``: probabilities,
        similarities, shares, ``min_quality``), above 1; and for a ``doc_timeout`` that is not
        None or a positive number of seconds up to ``MAX_SECONDS``."""
        if not isinstance(self.disabled_rules, frozenset):  # a list from JSON or the command line
            object.__setattr__(self, "disabled_rules", frozenset(self.disabled_rules))
        for name, kind in _numeric_fields():
            value = getattr(self, name)
            if value is None and kind == "float | None":
                continue
            wanted = (int,) if kind == "int" else (int, float)
            if isinstance(value, bool) or not isinstance(value, wanted):
                what = "an integer" if kind == "int" else "a number"
                raise ValueError(f"Config.{name} must be {what}, not {type(value).__name__} ({value!r})")
            if not math.isfinite(value) or value < 0 or (kind == "float | None" and value == 0):
                raise ValueError(f"Config.{name} must be a finite {'positive' if kind == 'float | None' else 'non-negative'} "
                                 f"number, not {value!r}")
        if self.doc_timeout is not None and self.doc_timeout > MAX_SECONDS:
            raise ValueError(f"Config.doc_timeout must be at most {MAX_SECONDS:g} seconds, not {self.doc_timeout!r}")
        for name, what in FRACTIONS.items():
            if getattr(self, name) > 1:
                raise ValueError(f"Config.{name} is {what} in [0, 1], not {getattr(self, name)!r}")

    def replace(self, **changes: Any) -> "Config":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain JSON values (paths as strings, rule sets as sorted lists):
        ``Config(**config.to_dict()) == config``."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = str(value)
            elif isinstance(value, frozenset):
                value = sorted(value)
            out[f.name] = value
        return out


@lru_cache(maxsize=1)
def _numeric_fields() -> tuple[tuple[str, str], ...]:
    """``(name, annotation)`` of the fields ``Config.__post_init__`` checks as numbers."""
    return tuple((f.name, f.type) for f in fields(Config) if f.type in ("int", "float", "float | None"))
