"""Content-less shells: the generator removes the body, and the verdict says "nothing here"."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from make_shells import Page, hand_written_shells, make_shell  # noqa: E402

from detector import Config, Detector, quality  # noqa: E402
from detector.decide import withhold_contentless  # noqa: E402
from detector.document import Document, ParagraphScore, QualityScore  # noqa: E402

BODY = [
    "The river authority said on Tuesday that the new weir would be finished by the spring.",
    "Engineers have been working on the site since March, despite two floods in the summer.",
    "Residents upstream said they hoped the work would end the flooding of their gardens.",
]


def _page() -> Page:
    paras = "".join(f"<p>{p}</p>" for p in BODY)
    html = (f"<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><div class='wrap'>"
            f"<article><h1>New weir</h1><div class='body'>{paras}</div></article>"
            f"<aside><p>Most read: Weather warning for the coast</p></aside></div>"
            f"<footer>(c) 2025 Example</footer></body></html>").encode()
    return Page("t:1", "aeb", "article", "https://example.com/weir", html, "\n".join(BODY))


def test_make_shell_deletes_the_smallest_element_holding_the_body():
    shell = make_shell(_page())
    assert shell is not None and shell.origin == "t:1" and shell.left == 0.0
    text = lxml.html.fromstring(shell.html).text_content()
    assert "weir would be finished" not in text and "Residents upstream" not in text
    # only the body's own element went: the headline, navigation, sidebar and footer stay
    assert "New weir" in text and "Most read" in text and "Home" in text and "(c) 2025" in text


def test_hand_written_shells_say_nothing_here(detector):
    cfg = Config()
    shells = hand_written_shells()
    assert {s.kind for s in shells} == {"consent", "paywall", "404", "js-app", "tag", "search"}
    for shell in shells:
        # whatever the paragraph model keeps, a shell's whole text has too little prose to be content
        whole = lxml.html.fromstring(shell.html).text_content()
        assert quality.measure(whole, "en", cfg)["prose_words"] < cfg.min_content_words, shell.id
        result = detector.score_html(shell.html, url=shell.url, id=shell.id)
        v = quality.verdict(result, cfg)
        assert not v.keep and "no-main-content" in v.reasons, (shell.id, result.text)


def test_a_shell_keeps_nothing_and_every_paragraph_says_why(detector):
    cfg = Config()
    plain = Detector(cfg.replace(withhold_flags=()), model=detector.model)
    withheld = 0
    for shell in hand_written_shells():
        result = detector.score_html(shell.html, url=shell.url, id=shell.id)
        assert result.text == "", (shell.id, result.text)
        assert all(not p.keep or p.kind == "title" for p in result.paragraphs)
        before = plain.score_html(shell.html, url=shell.url, id=shell.id)
        # what the paragraph rules kept is what is withheld, and the quality still describes it
        assert [p.index for p in result.paragraphs if p.reason == "no-main-content"] == [
            p.index for p in before.paragraphs if p.keep and p.kind != "title"
        ]
        assert result.quality.signals == before.quality.signals
        withheld += bool(before.text)
        if before.text:
            assert "words withheld (no main content)" in quality.why_dropped(result)
            # withheld is not "empty": the page had text, and no-main-content says why it went
            assert "empty" not in quality.verdict(result, cfg).reasons
    assert withheld >= 6  # most shells had boilerplate kept as "content" before the rule


_DOC = Document("t", None, "Tag: energy", (), "html", "en")


def _decisions() -> list[ParagraphScore]:
    return [
        ParagraphScore(0, "Tag: energy", "title", 0.9, 0.0, True, None),
        ParagraphScore(1, "Home", "list", 0.0, 0.0, False, "navigation"),
        ParagraphScore(2, "Wind farms: the week in review", "paragraph", 0.6, 0.0, True, None),
        ParagraphScore(3, "Solar tariffs, explained", "paragraph", 0.55, 0.0, True, None),
    ]


def test_withhold_only_a_short_text_without_main_content():
    cfg = Config()
    shell = QualityScore(0.0, False, ("no-main-content", "off-title"), {"words": 9.0})
    out = withhold_contentless(_DOC, _decisions(), shell, cfg)
    assert [(d.keep, d.reason) for d in out] == [
        (True, None), (False, "navigation"), (False, "no-main-content"), (False, "no-main-content"),
    ]
    # a listing's cards also lack one stretch of prose, but they are longer: kept
    cards = QualityScore(0.0, False, ("no-main-content",), {"words": float(cfg.withhold_max_words)})
    assert withhold_contentless(_DOC, _decisions(), cards, cfg) == _decisions()
    assert withhold_contentless(_DOC, _decisions(), cards, cfg.replace(withhold_max_words=0))[2].reason == "no-main-content"
    # other drops (repetition, off-title alone) keep the text: the verdict drops it, the text is an article's
    other = QualityScore(0.0, False, ("off-title", "gopher-duplicate-lines"), {"words": 9.0})
    assert withhold_contentless(_DOC, _decisions(), other, cfg) == _decisions()
    assert withhold_contentless(_DOC, _decisions(), shell, cfg.replace(withhold_flags=())) == _decisions()
    # plain text is the text a scraper chose: a short one is a short body, not a shell
    text_doc = dataclasses.replace(_DOC, format="text")
    assert withhold_contentless(text_doc, _decisions(), shell, cfg) == _decisions()


def test_a_fragment_whose_every_block_was_kept_is_not_withheld():
    cfg = Config()
    shell = QualityScore(0.0, False, ("no-main-content",), {"words": 9.0, "page_dropped_share": 0.6})
    fragment = QualityScore(0.0, False, ("no-main-content",), {"words": 9.0, "page_dropped_share": 0.0,
                                                               "prose_words": 9.0})
    assert withhold_contentless(_DOC, _decisions(), shell, cfg)[2].reason == "no-main-content"
    assert withhold_contentless(_DOC, _decisions(), fragment, cfg) == _decisions()
    # an unrendered app keeps its one line too, but that line is no prose: withheld
    app = dataclasses.replace(fragment, signals={**fragment.signals, "prose_words": 0.0})
    assert withhold_contentless(_DOC, _decisions(), app, cfg)[2].reason == "no-main-content"
    assert withhold_contentless(_DOC, _decisions(), fragment, cfg.replace(withhold_min_dropped_share=0.0))[2].reason == "no-main-content"


BRIEF = ("The city council voted on Tuesday to extend the downtown bus lane by two miles, a plan that transit "
         "officials say will cut commute times for about twelve thousand riders a day. Construction begins in spring.")


def test_a_short_brief_or_snippet_keeps_its_text_but_its_shell_does_not(detector):
    # what a scraper already cut out (a snippet, a bare page) has no chrome to drop: its text stays,
    # and the verdict still says it is too short to be a document
    for html in (f"<p>{BRIEF}</p>",
                 f"<html><head><title>Bus lane</title></head><body><h1>Bus lane</h1><p>{BRIEF}</p></body></html>"):
        result = detector.score_html(html, id="brief")
        assert BRIEF.split(".")[0] in result.text, html
        assert not result.withheld and "no-main-content" in result.quality.flags
    app = ("<html><head><title>Shop</title></head><body><noscript>You need to enable JavaScript to run this "
           "app.</noscript><div id='root'></div><p>You need to enable JavaScript to run this app.</p></body></html>")
    assert detector.score_html(app, id="app").text == ""
    # the same words as the only thing kept from a whole page with its chrome dropped: withheld
    page = next(s for s in hand_written_shells() if s.kind == "paywall")
    assert detector.score_html(page.html, id=page.id).text == ""
