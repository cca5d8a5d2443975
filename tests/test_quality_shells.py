"""Content-less shells: the generator removes the body, and the verdict says "nothing here"."""

from __future__ import annotations

import sys
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from make_shells import Page, hand_written_shells, make_shell  # noqa: E402

from detector import Config, quality  # noqa: E402

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
