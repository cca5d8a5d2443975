"""Terminal and HTML reports, on hand-built Results (no model needed)."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from detector.document import ParagraphScore, QualityScore, Result
from detector.report import render_html, render_terminal, write_html_report

ESC = "\x1b"


def para(index, text, *, kind="paragraph", keep=True, reason=None, rel=0.9, red=0.1, restates=()):
    return ParagraphScore(
        index=index, text=text, kind=kind, relevance=rel, redundancy=red,
        keep=keep, reason=reason, restates=tuple(restates),
    )


def make_result(paragraphs, *, url="https://news.example/story?a=1&b=2", title="Mayors & <Senators>",
                flags=("top-ngram-share",), score=0.72, keep=True, signals=None):
    paragraphs = tuple(paragraphs)
    return Result(
        id="doc-1",
        url=url,
        title=title,
        text="\n\n".join(p.text for p in paragraphs if p.keep and p.kind != "title"),
        quality=QualityScore(score=score, keep=keep, flags=tuple(flags), signals=signals or {"words": 312.0}),
        paragraphs=paragraphs,
        stats={"paragraphs": len(paragraphs)},
        language="en",
        format="html",
    )


@pytest.fixture
def result():
    return make_result([
        para(0, "Mayors & <Senators>", kind="title"),
        para(1, "Estimated read time 6 min read", kind="meta", keep=False, reason="page-meta", rel=0.05),
        para(2, "Mayors across the country demand federal help as buses of asylum seekers arrive."),
        para(3, "Cities ask Washington for help with the arrivals of asylum seekers.", red=0.61, restates=[2]),
        para(4, "Mayors & <Senators>", kind="heading", keep=False, reason="repeated-title", red=1.0),
        para(5, "Welcome to the Hub! Join our community today!", keep=False, reason="promo", rel=0.02),
        para(6, "You May Also Like", kind="heading", keep=False, reason="navigation", rel=0.01),
        para(7, "<script>alert('owned')</script> tail", kind="list", keep=False, reason="low-relevance", rel=0.2),
    ])


# --- terminal --------------------------------------------------------------------------

def test_terminal_marks_each_dropped_paragraph_with_its_reason(result):
    out = render_terminal(result, color=False, width=80)
    for p in result.paragraphs:
        marker = "[keep]" if p.keep else f"[drop: {p.reason}]"
        header = next(line for line in out.splitlines() if line.startswith(f"#{p.index} "))
        assert marker in header, (p.index, header)
    assert out.count("[keep]") == len(result.kept)
    assert out.count("[drop:") == len(result.dropped)


def test_terminal_shows_verdict_flags_scores_and_restates(result):
    out = render_terminal(result, color=False, width=80)
    assert "verdict: KEEP" in out and "quality 0.72" in out
    assert "top-ngram-share" in out
    assert "url: https://news.example/story?a=1&b=2" in out
    restating = next(line for line in out.splitlines() if line.startswith("#3 "))
    assert "red 0.61" in restating and "restates #2" in restating
    dropped = make_result(result.paragraphs, keep=False, score=0.2)
    assert "verdict: DROP" in render_terminal(dropped, color=False)


def test_terminal_summary_counts_per_reason(result):
    out = render_terminal(result, color=False, width=80)
    summary = out[out.index("\nsummary") :]
    assert re.search(r"kept\s+3\b", summary)
    assert re.search(r"dropped\s+5\b", summary)
    for reason in ("page-meta", "repeated-title", "promo", "navigation", "low-relevance"):
        assert re.search(rf"{reason}\s+1\b", summary), reason
    assert "duplicate" not in summary


def test_terminal_wraps_long_paragraphs_to_width():
    long = " ".join(["immigration"] * 60)
    out = render_terminal(make_result([para(0, long)]), color=False, width=60)
    assert max(len(line) for line in out.splitlines() if "immigration" in line) <= 60
    assert out.count("immigration") == 60


def test_no_color_means_no_escape_codes(result):
    assert ESC not in render_terminal(result, color=False)


def test_color_dims_dropped_paragraphs_only(result):
    out = render_terminal(result, color=True, width=100)
    lines = out.splitlines()
    promo_body = lines[next(i for i, line in enumerate(lines) if "[drop: promo]" in line) + 1]
    assert "\x1b[2m" in promo_body and "Welcome to the Hub" in promo_body
    kept_body = lines[next(i for i, line in enumerate(lines) if line.startswith("#2 ")) + 1]
    assert ESC not in kept_body and "Mayors across the country" in kept_body


def test_color_auto_follows_no_color_env(result, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert ESC not in render_terminal(result)


def test_terminal_neutralises_control_characters_from_the_page():
    hostile = make_result([para(0, "clear screen \x1b[2J\x1b]0;pwned\x07 done")], title="t\x1b[31m")
    out = render_terminal(hostile, color=False)
    assert ESC not in out and "\x07" not in out
    assert "clear screen" in out and "done" in out


def test_empty_result_renders():
    empty = make_result([], flags=("empty",), score=0.0, keep=False, title=None, url=None)
    out = render_terminal(empty, color=False)
    assert "verdict: DROP" in out and "empty" in out and "(no title)" in out
    page = render_html(empty)
    assert "No paragraphs" in page and "empty" in page


def test_kept_word_count_is_the_verdicts_and_a_withheld_text_keeps_none():
    # the summary line showed len(text.split()); it shows the verdict's `words` signal now
    # (quality.words_judged), and a text withheld as no-main-content keeps 0 of them
    kept = make_result([para(0, "Title", kind="title"), para(1, "One two three four.")], signals={"words": 4.0})
    assert "kept text: 4 words" in render_terminal(kept, color=False) and "kept text 4 words" in render_html(kept)
    withheld = make_result([para(0, "Sign in to read this story.", keep=False, reason="no-main-content")],
                           flags=("no-main-content",), score=0.1, keep=False, signals={"words": 6.0})
    assert withheld.text == "" and withheld.withheld
    assert "kept text: 0 words (6 withheld: no main content)" in render_terminal(withheld, color=False)
    assert "kept text 0 words (6 withheld: no main content)" in render_html(withheld)


# --- HTML ------------------------------------------------------------------------------

class _Collector(HTMLParser):
    """Paragraph divs (id="pN") with their classes and hover text, plus every attribute seen."""

    VOID = {"meta", "input", "br", "img", "link", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paras: dict[int, dict] = {}
        self.attrs: list[tuple[str, str, str | None]] = []
        self.tags: list[str] = []
        self.stack: list[str] = []
        self.text_in: dict[int, list[str]] = {}
        self._para_stack: list[int | None] = []

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)
        if tag in self.VOID:
            return
        self.stack.append(tag)
        pid = None
        if tag == "div" and re.fullmatch(r"p\d+", d.get("id") or ""):
            pid = int(d["id"][1:])
            self.paras[pid] = {"classes": set((d.get("class") or "").split()), "title": d.get("title", "")}
            self.text_in[pid] = []
        self._para_stack.append(pid)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> (open: {self.stack[-3:]})"
        self.stack.pop()
        self._para_stack.pop()

    def handle_data(self, data):
        for pid in self._para_stack:
            if pid is not None:
                self.text_in[pid].append(data)


def parse(page: str) -> _Collector:
    c = _Collector()
    c.feed(page)
    c.close()
    assert not c.stack, f"unclosed tags: {c.stack}"
    return c


def test_html_strikes_and_labels_dropped_paragraphs(result):
    page = render_html(result)
    doc = parse(page)
    assert set(doc.paras) == {p.index for p in result.paragraphs}
    for p in result.paragraphs:
        info = doc.paras[p.index]
        text = "".join(doc.text_in[p.index])
        assert p.text in text
        if p.keep:
            assert "kept" in info["classes"] and "dropped" not in info["classes"]
        else:
            assert {"dropped", f"r-{p.reason}"} <= info["classes"]
            assert f"{p.reason}{p.text}" in text  # the visible reason tag, then the text
            assert f'<span class="txt">{html.escape(p.text)}</span>' in page  # what gets struck
    assert re.search(r"\.para\.dropped \.txt\s*\{[^}]*line-through", page)
    # one distinct colour per reason in the legend
    legend = dict(re.findall(r'background:(#[0-9a-f]{6})"></span>([a-z-]+) ', page))
    assert {"promo", "navigation", "page-meta", "repeated-title", "low-relevance"} <= set(legend.values())
    assert len(set(legend)) == len(legend)


def test_html_scores_on_hover(result):
    doc = parse(render_html(result))
    hover = doc.paras[3]["title"]
    assert "relevance 0.900" in hover and "redundancy 0.610" in hover and "restates #2" in hover
    assert "dropped: promo" in doc.paras[5]["title"]


def test_html_escapes_page_text(result):
    page = render_html(result)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt;" in page
    assert "Mayors &amp; &lt;Senators&gt;" in page  # title, escaped in <title>, <h1> and the body
    assert "<Senators>" not in page


def test_html_escapes_attribute_breakouts():
    evil = make_result([para(0, 'x" onmouseover="alert(1)', keep=False, reason="promo")],
                       url='https://e.example/"><img src=x>')
    doc = parse(render_html(evil))
    assert not any(k.startswith("on") for _, k, _ in doc.attrs)
    assert "img" not in doc.tags


def test_html_is_self_contained(result):
    page = render_html(result)
    doc = parse(page)
    assert "script" not in doc.tags and "link" not in doc.tags and "img" not in doc.tags
    for tag, name, value in doc.attrs:
        if name in ("src", "srcset", "data", "action", "poster"):
            pytest.fail(f"external reference <{tag} {name}={value!r}>")
        if name == "href":
            assert value.startswith("#"), f"<{tag} href={value!r}> leaves the page"
    assert "@import" not in page and "url(" not in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?https?://""", page)
    no_url = make_result(result.paragraphs, url=None)
    assert "http://" not in render_html(no_url) and "https://" not in render_html(no_url)


def test_write_html_report_is_atomic_and_complete(result, tmp_path):
    target = tmp_path / "report.html"
    target.write_text("old")
    write_html_report(result, target)
    assert target.read_text("utf-8") == render_html(result)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_html_report_leaves_nothing_behind_on_failure(result, tmp_path):
    with pytest.raises(OSError):
        write_html_report(result, tmp_path / "missing-dir" / "report.html")
    assert list(tmp_path.iterdir()) == []


def test_markdown_neutralises_control_characters_from_the_page():
    """``Result.to_markdown`` (``detector score --format markdown``) replaces C0/C1 control
    characters as the terminal report does; the JSON contract keeps them (JSON escapes them)."""
    bad = "\x1b[2J\x1b]0;pwned\x07\x9b31m\x7f\r\x00"
    hostile = make_result([
        para(0, "t" + bad, kind="title"),
        para(1, "Intro " + bad + " done", kind="heading"),
        para(2, "Body " + bad + " done"),
        para(3, "item " + bad, kind="list"),
        para(4, "cell " + bad, kind="table"),
        para(5, "said " + bad, kind="quote"),
    ], title="t\x1b[31m")
    md = hostile.to_markdown()
    assert not any(ord(c) in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)) for c in md)
    assert "\ufffd[2J" in md and "Body " in md and " done" in md
    assert md.startswith("# t\ufffd[31m\n\n## Intro ") and "\n- item " in md and "\n| cell " in md
    assert "\n> said " in md
    assert ESC in hostile.to_dict()["text"] and "\x07" in hostile.to_dict()["text"]  # JSON: lossless
    from detector.document import replace_controls

    assert replace_controls("a\tb\nc\x1bd\x85") == "a\tb\nc\ufffdd\ufffd"  # tab and newline kept
    # the HTML report (--html-report) carries none either
    page = render_html(hostile)
    assert not any(ord(c) in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)) for c in page)
    assert "Body \ufffd[2J" in page
