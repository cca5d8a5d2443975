"""Snowball stems for restatement (redundancy._content_words), prefix rule where Snowball has none."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from detector import Config
from detector.document import Block, Document
from detector.language import stopwords
from detector.redundancy import _content_words, score_redundancy


def test_snowball_conflates_inflections_the_prefix_rule_split():
    en = _content_words("running runs walked walking", frozenset(), "en")
    assert en == ["run", "run", "walk", "walk"]
    # the old rule: first six letters ("runnin" != "runs")
    assert _content_words("running runs", frozenset(), None) == ["runnin", "runs"]
    de = _content_words("Häuser Hauses Kindern Kinder", frozenset(), "de")
    assert de[2] == de[3]
    ru = _content_words("книга книги книгой", frozenset(), "ru")
    assert len(set(ru)) == 1


def test_stop_words_and_short_tokens_are_left_out():
    stops = stopwords("en")
    assert _content_words("The migrants and a migrant of it", stops, "en") == ["migrant", "migrant"]


def test_languages_without_snowball_keep_the_prefix_rule():
    assert _content_words("connections connected", frozenset(), "th") == ["connec", "connec"]
    assert _content_words("abcdefghij", frozenset(), "xx") == ["abcdef"]


def test_stemming_is_thread_safe():
    words = " ".join(f"connection{i} connected{i} connecting{i}" for i in range(300))
    expected = _content_words(words, frozenset(), "en")
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: _content_words(words, frozenset(), "en"), range(32)))
    assert all(r == expected for r in results)


def test_restatement_with_other_inflections_is_found_in_german():
    first = ("Die Ingenieure ersetzten die alte Brücke über den Kanal durch eine Stahlkonstruktion, "
             "die Straßenbahnen, Fahrräder und Fußgänger trägt.")
    new = ("Die Bibliothek öffnete nach der Renovierung wieder, mit einem Kinderbereich, längeren "
           "Öffnungszeiten und einem Café.")
    restated = ("Die alten Brücken über dem Kanal wurden von Ingenieuren durch Stahlkonstruktionen ersetzt, "
                "für Straßenbahn, Fahrrad und Fußgänger.")
    doc = Document("d", None, None, tuple(Block(t, kind="paragraph") for t in (first, new, restated)), "text", "de")
    red = score_redundancy(doc, Config())
    assert red[2].score > red[1].score + 0.2
    assert red[2].restates and red[2].restates[0] == 0
