"""trafilatura reads the page from the walk's own tree (``extractor_input``): the same tree and
the same text as when it parses the markup itself (issue 12, speed)."""

from __future__ import annotations

from pathlib import Path

import lxml.etree as etree
import pytest
from trafilatura.utils import load_html

from detector.extract.encoding import decode, strip_xml_declaration
from detector.extract.html import extractor_input, extractor_text, parse_page

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "tests" / "pages").glob("*.html")) + sorted((ROOT / "seeds").glob("*.html"))
BODY = "<p>A paragraph of the article, long enough to be kept by trafilatura as the text of the page.</p>" * 4
PAGE = f"<html><head><title>t</title></head><body><article>{BODY}</article></body></html>\n"


def _same_tree_as_trafilatura(text: str) -> bool:
    """Whether ``extractor_input`` hands trafilatura the walk's tree for ``text``; when it does,
    that tree must be the one trafilatura's ``load_html`` builds from the markup."""
    page = parse_page(text)
    assert page is not None
    given = extractor_input(text, page)
    if isinstance(given, str):
        assert given is text
        return False
    assert given is page.as_parsed
    own = load_html(text)
    assert own is not None and _nodes(own) == _nodes(given)
    assert extractor_text(given) == extractor_text(text)
    return True


def _nodes(root: etree._Element) -> bytes:
    """The tree as HTML (XML output would also differ by the doctype, which trafilatura's repair
    removes when it holds a "/", and which no extraction reads)."""
    return etree.tostring(root, method="html")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pages_give_trafilatura_the_walks_tree_and_the_same_text(path: Path) -> None:
    text = strip_xml_declaration(decode(path.read_bytes()).text)
    page = parse_page(text)
    assert page is not None
    assert _same_tree_as_trafilatura(text)
    before = etree.tostring(page.root)
    assert extractor_text(page.root) == extractor_text(text)
    assert etree.tostring(page.root) == before  # trafilatura works on its own copy


@pytest.mark.parametrize(
    "text",
    [
        PAGE,
        "  \n" + PAGE,
        "<!DOCTYPE html>\n" + PAGE,
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        + PAGE,
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x.dtd"><html><body>' + BODY + "</body></html>\n",
        "<head><title>t</title></head><body>" + BODY + "</body>",  # a fragment with a head: kept whole
        "<!DOCTYPE html><html><body>" + BODY + "</body></html>",  # no newline: the repair adds one, after </html>
        "<!DOCTYPE html><html><body>" + BODY + "</body> </HTML>  ",
        "<html><body>" + BODY + "</body></html><p>After the end.</p>",  # trafilatura: only the root
        "<html><body>" + "<div>" * 250 + BODY + "</div>" * 250 + "</body></html>",
        '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>\n<title>t</title></head><body>' + BODY + "</body></html>",
        "<html><head><link rel='x' href='a/b' />\n</head><body>" + BODY + "</body></html>",
    ],
    ids=["plain", "leading-space", "doctype", "xhtml-doctype", "doctype-line-with-html", "head-fragment",
         "doctype-one-line", "doctype-one-line-spaces", "after-html", "depth-252",
         "minified-meta", "link-quoted"],
)
def test_the_walks_tree_is_used_where_trafilatura_builds_the_same(text: str) -> None:
    assert _same_tree_as_trafilatura(text)


@pytest.mark.parametrize(
    "text",
    [
        "<html><body><p>a\x01b</p>" + BODY + "</body></html>",  # control characters: deleted by the repair
        "<html><body><p>a\x0cb</p>" + BODY + "</body></html>",
        "<html><body><p>a\ufffeb</p>" + BODY + "</body></html>",
        "<html><body><p>a\x1fb</p>" + BODY + "</body></html>",
        "<!DOCTYPE html><html><body>" + BODY,  # no newline: the repair adds one, here to the text
        '< !DOCTYPE html "a/b">\n' + PAGE,  # text to libxml2, deleted by the repair
        '<html lang="en"/>\n<body>' + BODY + "</body>",  # self-closing <html/>: rewritten
        "<html><head><link href=a/b/>\n</head><body>" + BODY + "</body></html>",  # the "/" is the value's
        '<html><head><script>x="<br/>\n"</script></head><body>' + BODY + "</body></html>",  # in a script
        "<html><body><div/>\n" + BODY + "</body></html>",  # not a void element
        "<div>" + BODY + "</div>",  # a fragment: lxml.html.fromstring returns the <div>
        BODY,  # a fragment of several elements: the body renamed
        "<html><body>" + "<div>" * 260 + BODY + "</div>" * 260 + "</body></html>",  # beyond 256 levels
        "<html><body><p title='" + "x" * 11_000_000 + "'>x</p>" + BODY + "</body></html>",  # beyond libxml2's 10,000,000 bytes
        "<p>x</p>",  # not HTML to trafilatura (one element, no "html" at the start)
    ],
    ids=["ctrl-01", "ctrl-0c", "fffe", "ctrl-1f", "doctype-one-line-unclosed", "spaced-doctype",
         "self-closing-html", "link-unquoted", "script-text", "div-self-closing", "div-fragment", "fragments", "depth-262", "attribute-10mb", "dubious"],
)  # fmt: skip
def test_trafilatura_parses_the_markup_itself_where_its_tree_would_differ(text: str) -> None:
    assert not _same_tree_as_trafilatura(text)
    page = parse_page(text)
    assert page is not None
    assert extractor_text(extractor_input(text, page)) == extractor_text(text)


@pytest.mark.parametrize("depth", range(250, 262))
def test_no_tree_deeper_than_trafilaturas_parser_allows_is_handed_over(depth: int) -> None:
    # nested lists and tables as well as divs: what libxml2 counts is its stack of open elements
    for unit in ("<div>", "<ul><li>", "<table><tr><td>", "<div><span>"):
        opens = unit * (depth // unit.count("<"))
        text = f"<html><body>{opens}{BODY}<p>Last words.</p></body></html>"
        page = parse_page(text)
        assert page is not None and "Last words." in "".join(page.root.itertext())  # huge_tree keeps it
        _same_tree_as_trafilatura(text)  # asserts the trees are the same when handed over


def test_many_parse_errors_leave_the_limits_to_huge_tree() -> None:
    # past 100 errors libxml2 may not report a limit it hits: such a page is parsed with huge_tree
    text = "<html><body>" + "<p>x</span></p>" * 120 + BODY + "</body></html>"
    page = parse_page(text)
    assert page is not None and page.as_parsed is None
    assert extractor_input(text, page) is text
