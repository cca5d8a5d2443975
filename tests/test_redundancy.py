from __future__ import annotations

from detector import Config
from detector.document import Block, Document
from detector.redundancy import fingerprint, normalize_for_match, score_redundancy

CFG = Config()


def make_doc(texts, title=None, kinds=None):
    kinds = kinds or ["paragraph"] * len(texts)
    return Document("d", None, title, tuple(Block(t, kind=k) for t, k in zip(texts, kinds)), "text", "en")


def test_fingerprint_ignores_case_punctuation_and_numbers():
    assert fingerprint("Posted 3 days ago!") == fingerprint("posted 12 days ago")
    assert fingerprint("Subscribe to our newsletter") != fingerprint("Subscribe to our podcast")
    assert normalize_for_match("  Hello,   World ") == "hello world"


def test_exact_and_near_duplicates_point_at_the_first_copy():
    a = "The river flooded the lower town on Monday, forcing two hundred families to leave their homes."
    near = "The river flooded the lower town on Monday, forcing two hundred families to leave their houses."
    red = score_redundancy(make_doc([a, "Something else entirely different here today.", a.upper(), near]), CFG)
    assert red[0].score == 0 and red[0].duplicate_of is None
    assert red[2].score == 1.0 and red[2].duplicate_of == 0
    assert red[3].duplicate_of == 0 and red[3].score >= CFG.near_duplicate_jaccard


def test_repeated_title_is_flagged_but_not_the_title_itself():
    title = "Top Officials Meet to Address the Crisis"
    doc = make_doc([title, "Body text about the meeting and its outcome for the region.", title],
                   title=title, kinds=["title", "paragraph", "heading"])
    red = score_redundancy(doc, CFG)
    assert not red[0].repeats_title and red[2].repeats_title and red[2].score == 1.0


def test_restatement_scores_higher_than_new_content():
    first = ("Engineers replaced the old bridge over the canal with a steel design that carries trams, "
             "bicycles and pedestrians, and the work finished two months early.")
    new = ("Meanwhile the library reopened after renovation, with a children's wing, longer opening hours "
           "and a cafe run by volunteers from the neighbourhood association.")
    restated = ("The old bridge over the canal was replaced by engineers with a steel design carrying trams, "
                "bicycles and pedestrians; the work finished early.")
    red = score_redundancy(make_doc([first, new, restated]), CFG)
    assert red[2].score > red[1].score + 0.2
    assert red[2].restates and red[2].restates[0] == 0
    assert red[2].score < CFG.duplicate_threshold  # restating is not duplicating
