"""Extraction: encodings, format detection, blocks and their HTML signals."""

from __future__ import annotations

import pytest

from detector import Config, InputError, RawDoc
from detector.extract import extract
from detector.extract.encoding import decode
from detector.extract.text import split_paragraphs

CFG = Config()


def doc_of(content, **kw):
    return extract(RawDoc(id="t", content=content, **kw), CFG)


def test_encoding_order_bom_header_meta_detection():
    text = "Grüße aus Köln, schöne Straße"
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")).text == text
    assert decode(text.encode("cp1252"), declared="windows-1252").text == text
    meta = b'<meta charset="windows-1252"><p>' + text.encode("cp1252")
    assert text in decode(meta).text
    # declared latin-1 but really UTF-8: the strict UTF-8 reading wins and is noted
    wrong = decode(text.encode("utf-8"), declared="latin-1")
    assert wrong.text == text and any("utf-8" in n for n in wrong.notes)
    # unknown charset: ignored, noted, still decoded
    unknown = decode(text.encode("utf-8"), declared="x-foo")
    assert unknown.text == text and "unknown-charset:x-foo" in unknown.notes


def test_cyrillic_in_legacy_charset_is_detected():
    text = "Москва — столица России. " * 20
    assert decode(text.encode("cp1251")).text == text


def test_format_detection_and_forcing():
    assert doc_of("<html><body><p>Hello there, this is a page.</p></body></html>").format == "html"
    assert doc_of("Just a line of text.\n\nAnother one.").format == "text"
    forced = doc_of("<p>shown as text</p>", format="text")
    assert forced.format == "text" and forced.blocks[0].text == "<p>shown as text</p>"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "PNG"),
        (bytes(range(256)) * 40, "binary"),
        (b'{"title": "x", "body": "y"}', "JSON"),
    ],
)
def test_non_documents_are_refused_by_name(content, message):
    with pytest.raises(InputError, match=message) as exc:
        extract(RawDoc(id="upload-7", content=content, format="html"), CFG)
    assert "upload-7" in str(exc.value)


def test_size_cap():
    with pytest.raises(InputError, match="limit"):
        extract(RawDoc(id="big", content=b"<p>a</p>" * 100), Config(max_input_bytes=100))


@pytest.mark.parametrize("chars", ["a", "é", "€", "\U0001f600"])
def test_size_cap_counts_a_strs_utf8_bytes(chars):
    content = "<p>" + chars * 30 + "</p>"
    size = len(content.encode("utf-8"))
    with pytest.raises(InputError, match="limit"):
        extract(RawDoc(id="big", content=content), Config(max_input_bytes=size - 1))
    for limit in (size, 4 * len(content)):  # the second: too few characters to be over it
        assert extract(RawDoc(id="ok", content=content), Config(max_input_bytes=limit)).blocks


def test_html_blocks_carry_signals():
    html = """<html lang="de"><head><title>Der Titel - Site</title></head><body>
    <nav class="main-menu"><ul><li><a href="/">Start</a></li><li><a href="/a">Politik</a></li></ul></nav>
    <article class="post-content"><h1>Der Titel</h1>
    <p>Erster Absatz mit <a href="/x">einem Link</a> und viel mehr Text, der nicht verlinkt ist, damit es reicht.</p>
    <div hidden>Versteckt</div><script>var x = "code";</script>
    <p>Zweiter Absatz, ohne Links, aber mit genug Inhalt für einen echten Absatz im Artikel.</p></article>
    </body></html>"""
    doc = doc_of(html)
    texts = [b.text for b in doc.blocks]
    assert "code" not in " ".join(texts)
    hidden = [b for b in doc.blocks if b.hidden]  # walked (tabs, accordions) and marked for the model
    assert [b.text for b in hidden] == ["Versteckt"]
    assert doc.language == "de" and doc.title.startswith("Der Titel")
    by_text = {b.text: b for b in doc.blocks}
    assert by_text["Start"].link_density == 1.0 and "nav" in by_text["Start"].path
    first = next(b for b in doc.blocks if b.text.startswith("Erster"))
    assert 0 < first.link_density < 0.3 and first.tag == "p" and "article" in first.path
    assert next(b for b in doc.blocks if b.text == "Der Titel").kind == "title"
    positions = [b.position for b in doc.blocks]
    assert positions == sorted(positions)


def test_deep_nesting_does_not_recurse():
    html = "<html><body>" + "<div>" * 10000 + "<p>deep</p>" + "</div>" * 10000 + "</body></html>"
    doc = doc_of(html)  # libxml2 caps the depth; no RecursionError, no hang
    assert doc.format == "html"


def test_text_paragraph_splitting():
    assert split_paragraphs("a b\n\nc d\n\n\n e f ") == ["a b", "c d", "e f"]
    assert split_paragraphs("one\ntwo\nthree") == ["one", "two", "three"]
    assert split_paragraphs("a\r\n\r\nb") == ["a", "b"]


def test_a_bold_label_on_its_own_line_marks_the_block():
    html = ("<html><body><article>"
            "<p><b>About Example</b><br>Example makes things for hospitals.</p>"  # a label line
            "<p><strong>Media contact</strong> <br/> Jo Bloggs, press office.</p>"  # spaces around it are fine
            "<p>Plain text with <b>bold words</b><br>and a break mid-sentence.</p>"  # bold, but not at the start
            "<p><b>Breaking:</b> bold lead-in that runs on, with no break after it.</p>"
            "<p><b>A bold run of more than eight words is a sentence, not a label</b><br>then more.</p>"
            "</article></body></html>")
    blocks = doc_of(html, format="html").blocks
    assert [b.opens_with_label for b in blocks] == [True, True, False, False, False]


def test_thematic_breaks_mark_the_next_block():
    html = ("<html><body><article><p>First paragraph of the story, long enough to count.</p><hr>"
            "<div><p><b>About Example</b><br>Example makes things.</p><p>Contact us.</p></div></article></body></html>")
    blocks = doc_of(html, format="html").blocks
    assert [(b.text, b.after_rule) for b in blocks] == [
        ("First paragraph of the story, long enough to count.", False),
        ("About Example Example makes things.", True),
        ("Contact us.", False),
    ]
    text = "Headline Of The Story\n\nA paragraph of the story.\n\n* * *\n\nEnd matter here.\n\n---\n\n- a list item, not a rule"
    assert [(b.text, b.after_rule) for b in doc_of(text, format="text").blocks] == [
        ("Headline Of The Story", False),
        ("A paragraph of the story.", False),
        ("End matter here.", True),
        ("- a list item, not a rule", True),
    ]


def test_shingle_set_equals_the_set_of_shingles():
    import random

    from detector.extract.textutil import shingle_set, token_shingles

    rng = random.Random(0)
    for _ in range(300):
        toks = [rng.choice(["a", "b", "ab", "c", "é", "日本"]) for _ in range(rng.randrange(0, 12))]
        for n in (1, 2, 3):
            assert shingle_set(toks, n) == set(token_shingles(toks, n)), (toks, n)


def test_shingles_are_compared_as_n_grams_not_as_hashes():
    from detector.extract.textutil import shingle_set, token_shingles

    # "plumless" and "buckeroo" share their CRC-32: as hashes, a block of one would overlap the other
    assert token_shingles(["plumless"], 1)[0] not in shingle_set(["buckeroo"], 1)
    kept = shingle_set("the plumless hills rise".split())
    assert token_shingles("the plumless hills".split()) == [("the", "plumless", "hills")]
    assert token_shingles("the buckeroo hills".split())[0] not in kept
    assert token_shingles("the plumless hills".split())[0] in kept


@pytest.mark.parametrize(
    "attrs",
    [
        "post-body entry_content", "mainContent  navBar", "HTMLParser fooBAR xY aB", "a b-c__d",
        "über-Größe İstanbul ǅemal", "x\u00a0y\u2003zz\x1cww", "-lead_ trail- ", "col-md-6 col-sm-12",
        "averyveryveryverylongclassnamewithoutbreaks short", "ÉcoleNormale camelÉcole", "",
    ],
)  # fmt: skip
def test_attribute_words_split_as_the_pattern_does(attrs):
    import re

    from detector.extract.html import _attribute_words

    pattern = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")  # the definition
    words = {w.lower() for w in pattern.split(attrs) if 1 < len(w) < 30}
    assert _attribute_words.__wrapped__(attrs) == ".".join(sorted(words)[:12])


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        ('<meta property="og:site_name" content="The Verge"><title>A phone | Verge</title>', "The Verge"),
        ("<title>Why chefs salt pasta water | Ladle &amp; Line</title>", "Ladle & Line"),
        ("<title>Ladle &amp; Line - Why chefs salt pasta water</title>", "Ladle & Line"),
        ("<title>Review: the new phone is fast</title>", None),  # a colon without a space before it
        ("<title>Storm hits coast - Storm hits coast</title>", None),  # no shorter end
        ("<title>A headline</title>", None),
        ("", None),
    ],
)
def test_site_name_is_og_site_name_or_the_short_end_of_the_title(head, expected):
    html = f"<html><head>{head}</head><body><h1>Why chefs salt</h1><p>{'Body words here. ' * 20}</p></body></html>"
    doc = extract(RawDoc("p", html, format="html"), Config())
    assert doc.site_name == expected
    assert extract(RawDoc("t", "Ladle & Line\n\nSome text here.", format="text"), Config()).site_name is None
