"""Hostile markup (issue 16, finding 8): deep nesting and content after ``</html>``."""

from __future__ import annotations

from detector.extract.html import NESTING_NOTE, parse_html_noting

POST = "<div class=post><p>Post number {i}: the new release fixed the crash we saw last week, thanks.</p>"


def _texts(root) -> str:
    return "".join(root.itertext())


def test_forum_nesting_400_levels_keeps_every_post():
    # old forum markup: one unclosed <div> per post; libxml2's default limit (256) lost 147 posts
    html = "<html><body>" + "".join(POST.format(i=i) for i in range(400)) + "</body></html>"
    root, notes = parse_html_noting(html)
    assert _texts(root).count("Post number") == 400
    assert notes == ()


def test_content_after_html_end_is_kept_in_body():
    html = ("<!DOCTYPE html><html><head><title>t</title></head><body><p>Inside the body.</p></body></html>"
            "<!-- c --><p>After the end, shown by every browser.</p>tail text"
            "<html><body><p>A second document glued on.</p></body></html>")
    root, _ = parse_html_noting(html)
    body = root.find("body")
    text = _texts(body)
    assert "Inside the body." in text and "After the end" in text and "tail text" in text
    assert "second document" in text
    assert [el for el in root.itersiblings() if isinstance(el.tag, str)] == []


def test_nesting_beyond_what_libxml2_keeps_is_flagged(detector):
    html = "<html><body>" + "<div>" * 3000 + "<p>deep text</p></body></html>"
    root, notes = parse_html_noting(html)
    assert notes == (NESTING_NOTE,)
    result = detector.score_html(html)
    assert f"note:{NESTING_NOTE}" in result.quality.flags


def test_normal_page_parses_as_before():
    html = "<html><body><article><h1>Title</h1><p>One.</p><p>Two.</p></article></body></html>\n"
    root, notes = parse_html_noting(html)
    assert notes == () and [el.tag for el in root.iter()] == ["html", "body", "article", "h1", "p", "p"]
