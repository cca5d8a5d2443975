"""HTML report layout: scores visible without hovering, words wrap whole, narrow screens."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from detector.document import ParagraphScore, QualityScore, Result
from detector.report import _CSS, render_html


def make_result(language="de"):
    paras = (
        ParagraphScore(0, "Donaudampfschifffahrtsgesellschaftskapitän erzählt", "paragraph", 0.934, 0.0, True, None),
        ParagraphScore(1, "Jetzt abonnieren", "paragraph", 0.071, 0.25, False, "promo"),
        ParagraphScore(2, "Wiederholung des ersten Absatzes", "paragraph", 0.55, 0.612, True, None, (0,)),
    )
    return Result(id="x", url="https://example.com/a-very-long-url-without-any-break-" + "x" * 80, title="T",
                  text="", quality=QualityScore(0.7, True, ()), paragraphs=paras, stats={}, language=language)


class Gutters(HTMLParser):
    """Visible text of each paragraph's gutter (attributes such as title= are not text)."""

    def __init__(self):
        super().__init__()
        self.gutters: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if self.depth:
            self.depth += 1
        elif ("class", "gutter") in attrs:
            self.depth = 1
            self.gutters.append("")

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.gutters[-1] += data + " "


def test_every_paragraph_shows_its_scores_as_text():
    parser = Gutters()
    parser.feed(render_html(make_result()))
    assert len(parser.gutters) == 3
    assert "rel 0.93" in parser.gutters[0] and "red 0.00" in parser.gutters[0]
    assert "rel 0.07" in parser.gutters[1] and "red 0.25" in parser.gutters[1]
    assert "red 0.61" in parser.gutters[2]


def css_rule(selector: str) -> str:
    match = re.search(r"(?m)^" + re.escape(selector) + r"\s*\{([^}]*)\}", _CSS)
    assert match, selector
    return match.group(1)


def test_words_wrap_whole_and_hyphenate_in_the_page_language():
    body = css_rule(".body")
    assert "anywhere" not in body and "break-all" not in body
    assert "overflow-wrap:break-word" in body and "hyphens:auto" in body
    assert "break-all" not in _CSS
    page = render_html(make_result("de"))
    assert '<main class="doc" lang="de">' in page
    assert '<main class="doc">' in render_html(make_result(None))


def test_narrow_screens_stack_the_gutter_above_the_text():
    narrow = re.search(r"@media \(max-width: 36rem\) \{(.*?)\n\}", _CSS, re.S)
    assert narrow and "grid-template-columns: minmax(0, 1fr)" in narrow.group(1)
