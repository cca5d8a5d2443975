"""Document rules on the kept text, the one verdict and its explanation (no model involved:
decisions are built directly)."""

from __future__ import annotations

from detector import Config
from detector.document import Block, Document, ParagraphScore, QualityScore, Result
from detector.quality import explain, measure, score_document, verdict, why_dropped, words

CFG = Config()
SENTENCES = [
    "The committee published its report on water quality in the region on Monday morning.",
    "It found that nitrate levels had fallen in most rivers since the new rules came into force.",
    "Farmers said the change had cost them money, but most of them supported the goal of the rules.",
    "The report also named three lakes where algae blooms still return every summer.",
    "Officials will meet the farmers' union next month to discuss what should happen next.",
    "A second report, on groundwater, is expected to be published before the end of the year.",
    "Anglers welcomed the findings and asked for more inspections along the upper valley.",
    "The regional government has promised to publish the monitoring data every quarter.",
    "Scientists warned that warmer summers could undo some of the progress made so far.",
    "Two villages will receive new treatment plants, paid for by a national fund.",
    "Local schools plan lessons on river life, using samples collected by pupils themselves.",
    "The full report, with maps for every district, is available at the town library.",
]
MENU = ["Home", "News", "Sport", "Weather", "Contact us", "Subscribe"]


def scored(texts_keep: list[tuple[str, bool]], relevance: float = 0.9, language: str = "en",
           title: str | None = "Water quality report", config: Config = CFG):
    """A document whose paragraphs are kept or dropped as given (the model is not involved)."""
    blocks = tuple(Block(t) for t, _ in texts_keep)
    doc = Document("d", "https://example.com/a", title, blocks, "html", language)
    decisions = [
        ParagraphScore(i, t, "paragraph", relevance if keep else 0.05, 0.0, keep, None if keep else "navigation")
        for i, (t, keep) in enumerate(texts_keep)
    ]
    q = score_document(doc, decisions, config)
    text = "\n\n".join(t for t, keep in texts_keep if keep)
    return Result("d", doc.url, doc.title, text, q, tuple(decisions), {}, language, "html")


def test_words_split_punctuation_like_spacy():
    assert words('He said: "don\'t go." It\'s 45-17 in St. Louis...') == [
        "He", "said", ":", '"', "do", "n't", "go", ".", '"', "It", "'s", "45", "-", "17", "in", "St.", "Louis", "...",
    ]
    assert words("well-known COVID-19, see www.example.com/a?b=1.") == [
        "well", "-", "known", "COVID-19", ",", "see", "www.example.com/a?b=1", ".",
    ]


def test_repetition_is_judged_on_the_kept_text_not_the_page():
    # the page repeats its menu five times; the kept text is the article alone
    page = [(m, False) for m in MENU * 5] + [(s, True) for s in SENTENCES]
    r = scored(page)
    assert r.quality.keep and verdict(r, CFG).keep
    assert not any(f.startswith("gopher-duplicate") for f in r.quality.flags)
    assert r.quality.signals["page_dropped_share"] > 0.1  # the page-level signal keeps its own name
    # the same menu lines kept: now the kept text repeats itself
    junk = scored([(m, True) for m in MENU * 5] + [(s, True) for s in SENTENCES])
    assert "gopher-duplicate-paragraphs" in junk.quality.flags
    assert junk.quality.signals["dup_para_frac"] > CFG.gopher_max_dup_para_frac


def test_nothing_kept_or_no_prose_is_no_main_content():
    empty = scored([(m, False) for m in MENU])
    assert empty.text == "" and {"no-main-content", "empty"} <= set(empty.quality.flags)
    v = verdict(empty, CFG)
    assert not v.keep and v.reasons[:2] == ("no-main-content", "empty") and not empty.quality.keep
    # a consent notice and a menu kept as "content": words, but no prose
    shell = scored([("We use cookies to improve your experience. Read our cookie policy.", True)]
                   + [(m, True) for m in MENU])
    assert shell.quality.signals["prose_words"] == 0
    assert "no-main-content" in shell.quality.flags and not verdict(shell, CFG).keep


def test_scattered_kept_text_is_no_main_content_and_one_stretch_is_not():
    # the same twelve sentences: kept together they are a body; kept one by one between dropped
    # blocks (teasers, a FAQ and an address around a missing article) no stretch is long enough
    together = scored([(m, False) for m in MENU] + [(s, True) for s in SENTENCES] + [(m, False) for m in MENU])
    scattered = scored([x for s, m in zip(SENTENCES, MENU * 2) for x in ((s, True), (m, False))])
    assert together.text == scattered.text
    assert together.quality.signals["main_run_chars"] == len("".join(SENTENCES))
    assert scattered.quality.signals["main_run_chars"] == max(map(len, SENTENCES))
    assert together.quality.keep and "no-main-content" not in together.quality.flags
    assert "no-main-content" in scattered.quality.flags and not verdict(scattered, CFG).keep
    assert "main_run_chars" in why_dropped(scattered, CFG)
    # an article whose paragraphs are interrupted by an ad label, a caption and a related link is
    # still one stretch; the same labels between short teaser blurbs are not
    paragraphs = [" ".join(SENTENCES[k:k + 2]) for k in range(0, len(SENTENCES), 2)]  # 150+ characters each
    interrupted = []
    for para, junk in zip(paragraphs, ["Advertisement", "Photo: Reuters / J. Smith", "Read more: Lakes in summer"] * 2):
        interrupted += [(para, True), (junk, False)]
    r = scored(interrupted[:-1])
    assert r.quality.signals["main_run_chars"] == len("".join(paragraphs)) and r.quality.keep
    # a long dropped block (a teaser list, a comment) still ends a stretch
    long_junk = [(paragraphs[0], True), (" ".join(MENU * 4), False), (paragraphs[1], True)]
    assert scored(long_junk).quality.signals["main_run_chars"] == max(map(len, paragraphs[:2]))
    blurbs = [("Lakes in summer.", True), ("Read more", False), ("Rivers in winter.", True), ("Read more", False)] * 6
    assert scored(blurbs).quality.signals["main_run_chars"] == len("Rivers in winter.")
    # the limit lives in Config: 0 turns this signal off
    off = Config(min_main_run_chars=0)
    again = scored([x for s, m in zip(SENTENCES, MENU * 2) for x in ((s, True), (m, False))], config=off)
    assert again.quality.keep and verdict(again, off).keep


def test_informational_flags_never_drop_and_penalties_do():
    # every line of a real article ends in a full stop, but five sentences in one line: C4 sees 1 line
    r = scored([(" ".join(SENTENCES[:4]), True), (SENTENCES[4], True)])
    assert "c4-few-sentences" not in r.quality.flags or verdict(r, CFG).keep
    # the same real article with many numbers and brackets: gopher-alpha-words fires, and is only reported
    table = "Results (2019-2024): 12.5 / 13.1 / 14.2 / 15.0 ( + 3 % ) [ 4 ] { 5 } 6 , 7 , 8 , 9 ."
    r = scored([(s, True) for s in SENTENCES] + [(table, True)] * 1)
    if "gopher-alpha-words" in r.quality.flags:
        assert verdict(r, CFG).keep
    # a penalised flag lowers the score; two of them drop the document
    tagged = scored([("# # # " + s, True) for s in SENTENCES])
    assert tagged.quality.signals["gopher_hash_ratio"] > CFG.gopher_max_symbol_word_ratio
    assert "gopher-hashes" in tagged.quality.flags and verdict(tagged, CFG).keep
    assert tagged.quality.score < scored([(s, True) for s in SENTENCES]).quality.score
    spam = scored([("# # # ... ... ... " + s, True) for s in SENTENCES])
    assert {"gopher-hashes", "gopher-ellipses"} <= set(spam.quality.flags)
    v = verdict(spam, CFG)
    assert not v.keep and v.reasons[:2] == ("gopher-hashes", "gopher-ellipses")


def test_verdict_reasons_threshold_and_unknown_flags():
    good = scored([(s, True) for s in SENTENCES])
    assert verdict(good, CFG) .reasons == () and verdict(good, CFG).keep
    # a stricter threshold drops it with a reason that says so
    strict = verdict(good, CFG, min_quality=0.999)
    assert not strict.keep and strict.reasons == ("low-quality",)
    # a flag set by another scorer counts as a reason; notes and informational flags do not
    q = QualityScore(0.2, False, ("too-short", "note:charset-fixed", "fineweb-short-lines"), {})
    r = Result("x", None, None, "some text", q, (), {})
    assert verdict(r, CFG).reasons == ("too-short",)
    q = QualityScore(0.9, True, (), {})
    assert verdict(Result("y", None, None, "  ", q, (), {}), CFG).reasons == ("empty",)


def test_explain_and_why_dropped_name_value_and_limit():
    junk = scored([(m, True) for m in MENU * 5] + [(s, True) for s in SENTENCES])
    lines = explain(junk.quality, CFG)
    dup = [line for line in lines if line.startswith("gopher-duplicate-paragraphs:")]
    assert dup and "> 0.3" in dup[0] and "gopher_repetition_filter.py" in dup[0]
    why = why_dropped(junk, CFG)
    if not verdict(junk, CFG).keep:
        assert why.startswith("DROP: ") and "\n" not in why and "words kept" in why
    good = scored([(s, True) for s in SENTENCES])
    assert why_dropped(good, CFG) is None


def test_measure_matches_gopher_definitions_on_a_small_text():
    text = "Top story ...\n\nTop story ...\n\n# tag # tag # tag"
    s = measure(text, "en", CFG)
    assert s["dup_para_frac"] == 1 / 3  # one of three paragraphs is a repeat
    assert s["gopher_ellipsis_lines"] == 2 / 5  # splitlines() counts the blank lines too
    assert s["gopher_hash_ratio"] == 3 / len(words(text))
    assert s["c4_sentences"] == 0 and s["prose_words"] == 0


def test_reports_show_the_fired_rules_and_why_a_kept_text_is_dropped():
    from detector.report import render_html, render_terminal

    spam = scored([("# # # ... ... ... " + s, True) for s in SENTENCES])
    assert spam.text and not verdict(spam, CFG).keep
    term = render_terminal(spam, color=False, width=200)
    drop_lines = [line for line in term.splitlines() if "DROP: " in line and "gopher-hashes" in line]
    assert len(drop_lines) == 1 and "> 0.1" in drop_lines[0]
    assert "rule gopher-hashes: gopher_hash_ratio" in term and "gopher_quality_filter.py:92" in term
    page = render_html(spam)
    assert 'class="why"' in page and "gopher_hash_ratio" in page
    good = scored([(s, True) for s in SENTENCES])
    assert "DROP: " not in render_terminal(good, color=False, width=200)


def test_title_overlap_is_readability_text_similarity_with_the_title():
    from detector.quality import text_similarity, title_overlap

    # Readability.js _textSimilarity: share of the second text's characters whose tokens occur in the first
    assert text_similarity("The cat sat on the mat.", "the CAT") == 1.0
    assert text_similarity("The cat sat on the mat.", "dog") == 0.0
    assert abs(text_similarity("budget vote", "budget plans") - (1 - len("plans") / len("budget plans"))) < 1e-9
    assert text_similarity("", "a title") == 0.0
    # the best part of a "Headline | Site" title counts: the site name is not held against the text
    text = "The committee published its report on water quality in the region."
    assert title_overlap(text, "Water quality report | The Valley Times", "en") == 1.0
    assert title_overlap(text, "Transfer news: striker signs for rivals", "en") < 0.2
    # nothing to compare, or words that are whole phrases: no signal
    assert title_overlap(text, None, "en") is None and title_overlap("", "A title", "en") is None
    assert title_overlap("日本語の記事です。", "記事", "ja") is None


def test_kept_prose_not_about_the_title_is_off_title():
    article = [(m, False) for m in MENU] + [(s, True) for s in SENTENCES]
    good = scored(article)
    assert good.quality.signals["title_overlap"] >= CFG.min_title_overlap and verdict(good, CFG).keep
    # the page's article is missing; what is kept is other prose (the title still names the lost story)
    shell = scored(article, title="Striker signs for city rivals in record transfer deal | Sport")
    assert shell.quality.signals["title_overlap"] < CFG.min_title_overlap
    v = verdict(shell, CFG)
    assert not v.keep and v.reasons == ("off-title",)
    assert "off-title (title_overlap" in why_dropped(shell, CFG)
    # no title: the rule cannot say, so it does not fire; 0 turns it off
    assert "off-title" not in scored(article, title=None).quality.flags
    off = Config().replace(min_title_overlap=0.0)
    assert "off-title" not in score_document(
        Document("d", None, "Striker signs", tuple(Block(t) for t, _ in article), "html", "en"),
        [ParagraphScore(i, t, "paragraph", 0.9 if k else 0.05, 0.0, k, None) for i, (t, k) in enumerate(article)],
        off,
    ).flags


def test_off_title_can_be_limited_to_short_kept_texts():
    article = [(m, False) for m in MENU] + [(s, True) for s in SENTENCES]
    title = "Striker signs for city rivals in record transfer deal | Sport"
    words = int(scored(article, title=title).quality.signals["words"])
    for cap, fires in ((0, True), (words + 1, True), (words, False), (words // 2, False)):
        config = CFG.replace(off_title_max_words=cap)
        shell = scored(article, title=title, config=config)
        assert shell.quality.signals["title_overlap"] < config.min_title_overlap  # measured either way
        assert ("off-title" in shell.quality.flags) is fires, cap
        assert verdict(shell, config).keep is not fires, cap
        assert ("off-title" in (why_dropped(shell, config) or "")) is fires, cap


def test_short_titles_are_site_names_and_not_compared():
    from detector.quality import title_overlap

    text = "The committee published its report on water quality in the region."
    assert title_overlap(text, "Robomow", "en", min_words=3) is None  # a site name alone: no signal
    assert title_overlap(text, "Robomow", "en", min_words=1) == 0.0
    # the headline part is long enough even when the site name is not
    assert title_overlap(text, "Water quality report | Robomow", "en", min_words=3) == 1.0
    blog = scored([(m, False) for m in MENU] + [(s, True) for s in SENTENCES], title="Playful Tones")
    assert blog.quality.signals["title_overlap"] == 1.0 and verdict(blog, CFG).keep  # no evidence: no fire


def test_one_piece_of_evidence_costs_one_penalty():
    from detector.quality import penalties

    # single-line paragraphs: duplicate paragraphs and duplicate lines are the same count
    fired = ["gopher-duplicate-paragraphs", "gopher-duplicate-lines"]
    assert penalties(fired, CFG) == [0.7]
    assert penalties(fired, Config().replace(quality_penalty_groups=())) == [0.7, 0.7]
    # repeated lines are repeated n-grams (one filter, GopherRepetitionFilter); hashes are other evidence
    assert sorted(penalties([*fired, "gopher-duplicate-ngrams", "gopher-hashes"], CFG)) == [0.6, 0.7]
    assert penalties([*fired, "gopher-duplicate-ngrams", "gopher-top-ngram"], CFG) == [0.7]
    # a confident article whose kept text repeats a few short lines is kept; counted per rule it was dropped
    lines = [(s, True) for s in SENTENCES] + [("Share this article.", True)] * 8
    r = scored(lines)
    assert {"gopher-duplicate-paragraphs", "gopher-duplicate-lines"} <= set(r.quality.flags)
    assert verdict(r, CFG).keep
    per_rule = Config().replace(quality_penalty_groups=())
    doc = Document("d", None, "Water quality report", tuple(Block(t) for t, _ in lines), "html", "en")
    decisions = [ParagraphScore(i, t, "paragraph", 0.9, 0.0, True, None) for i, (t, _) in enumerate(lines)]
    assert not score_document(doc, decisions, per_rule).keep


def test_a_structured_article_that_repeats_its_lines_costs_one_repetition_penalty():
    from detector.quality import penalties

    # a meal plan: each day repeats the same headings, so duplicate lines AND duplicate n-grams fire
    day = ["Pre-Workout Meal", "Eat 60 to 90 minutes before your workout", "Workout Supplement",
           "Drink during your workout", "Post-Workout Meal", "Eat one to two hours after your workout"]
    lines = [(s, True) for s in SENTENCES[:6]]
    for n in range(5):
        lines += [(t, True) for t in day] + [(f"Day {n + 1}: {SENTENCES[6 + n]}", True)]
    r = scored(lines, relevance=0.95)
    fired = set(r.quality.flags)
    assert {"gopher-duplicate-lines", "gopher-duplicate-ngrams"} <= fired
    assert verdict(r, CFG).keep
    # counted as two families (lines, n-grams), the same confident article was dropped
    two = CFG.replace(quality_penalty_groups=(
        ("gopher-duplicate-paragraphs", "gopher-duplicate-paragraph-chars", "gopher-duplicate-lines",
         "gopher-duplicate-line-chars"), ("gopher-top-ngram", "gopher-duplicate-ngrams")))
    assert sorted(penalties(sorted(fired), two))[:2] == [0.7, 0.7] and not scored(lines, relevance=0.95, config=two).quality.keep
    # the same repetition in text the model doubts is still dropped
    assert not verdict(scored(lines, relevance=0.4), CFG).keep


def test_placeholder_text_costs_a_penalty_and_a_quote_of_it_does_not_drop():
    lorem = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut "
             "labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco.")
    placeholder = scored([(lorem, True), ("Company rankings for 2025.", True)] * 4 + [(SENTENCES[0], True)],
                         relevance=0.7)
    v = verdict(placeholder, CFG)
    assert not v.keep and "c4-lorem-ipsum" in v.reasons
    quoting = scored([(s, True) for s in SENTENCES]
                     + [("Designers fill an empty layout with lorem ipsum, a scrambled passage of Cicero.", True)])
    assert "c4-lorem-ipsum" in quoting.quality.flags and verdict(quoting, CFG).keep
    assert quoting.quality.score < scored([(s, True) for s in SENTENCES]).quality.score


GERMAN = [
    "Am Montag hat der Ausschuss seinen Bericht über die Wasserqualität in der Region vorgelegt.",
    "Demnach ist der Nitratgehalt in den meisten Flüssen gesunken, seit die neuen Regeln gelten.",
    "Die Landwirte sagen, die Umstellung habe sie Geld gekostet, aber die meisten tragen das Ziel mit.",
    "Der Bericht nennt auch drei Seen, in denen die Algenblüte jeden Sommer wiederkehrt.",
    "Im nächsten Monat wollen sich die Behörden mit dem Bauernverband treffen und über die Folgen sprechen.",
    "Ein zweiter Bericht über das Grundwasser soll noch vor dem Ende des Jahres erscheinen.",
    "Die Angler begrüßen die Ergebnisse und fordern mehr Kontrollen im oberen Tal des Flusses.",
    "Die Landesregierung hat versprochen, die Messdaten künftig jedes Quartal zu veröffentlichen.",
]


def test_a_text_in_another_language_than_the_page_declares_is_judged_in_its_own():
    # a CMS template's lang="en" on a German post: Gopher's English stop words are not in it,
    # the German ones are
    declared_en = scored([(s, True) for s in GERMAN], language="en")
    assert "gopher-stop-words" not in declared_en.quality.flags
    assert declared_en.quality.signals["gopher_stop_words"] >= CFG.gopher_min_stop_words
    # English prose without Gopher's stop words still fires the rule (the text is English)
    bare = [" ".join(w for w in s.split() if w.lower() not in {"the", "of", "to", "and", "that", "have", "with", "be"})
            for s in SENTENCES]
    assert "gopher-stop-words" in scored([(s, True) for s in bare], language="en").quality.flags


def test_explain_says_what_empty_means():
    """``empty`` has no signal rule: its line says what it means, not just its name (a newcomer
    read ``empty`` on a 15-word text that was not empty: every paragraph had been dropped)."""
    q = QualityScore(0.0, False, ("empty",), {"words": 0.0})
    assert explain(q) == ["empty: no text kept (the input's, or every paragraph dropped) (drops)"]
