"""`detector score` with several inputs, a source list (-i) and Markdown output; Result.to_markdown."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from detector.cli import main

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PAGE = SEEDS / "migrant-crisis-page.html"
TEXT = SEEDS / "migrant-crisis-article.txt"

STRUCTURED = (
    "<html><head><title>Harbour works finish early</title></head><body><article>"
    "<h1>Harbour works finish early</h1>"
    "<p>The new harbour wall was finished two months early, the port authority said on Monday, "
    "after a winter with fewer storms than usual.</p>"
    "<h2>What changes for ferries</h2>"
    "<p>Ferries to the islands will dock at the new pier from March, which shortens the crossing "
    "by ten minutes and ends the queues on the old quay.</p>"
    "<ul><li>Morning ferries leave at six and at eight from the new pier.</li>"
    "<li>Evening ferries leave at six and at nine from the new pier.</li></ul>"
    "<blockquote>We built it for the next fifty years of storms, said the chief engineer.</blockquote>"
    "<table><tr><th>Route</th><th>Minutes</th></tr><tr><td>Island A</td><td>35</td></tr>"
    "<tr><td>Island B</td><td>50</td></tr></table>"
    "<p>The old quay will become a fish market and a public square with benches and trees, "
    "the city council decided last week after a long debate.</p>"
    "</article></body></html>"
)


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["score", *argv])
    return code, out.getvalue(), err.getvalue()


def test_several_inputs_give_json_lines_and_a_bad_one_does_not_stop_the_rest(tmp_path):
    missing = tmp_path / "missing.html"
    code, out, err = run_cli("--json", str(PAGE), str(missing), str(TEXT))
    assert code == 2  # one input was bad
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [str(PAGE), str(TEXT)]
    assert len(err.strip().splitlines()) == 1 and str(missing) in err


def test_source_list_file_like_trafilatura_i(tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# seeds\n{PAGE}\n\n{TEXT}\n", encoding="utf-8")
    code, out, err = run_cli("-i", str(listing), "--format", "json")
    assert code == 0, err
    assert [json.loads(line)["format"] for line in out.splitlines()] == ["html", "text"]
    code, _, err = run_cli("-i", str(tmp_path / "nope.txt"))
    assert code == 2 and "nope.txt" in err


def test_format_markdown_renders_kinds(tmp_path):
    page = tmp_path / "harbour.html"
    page.write_text(STRUCTURED, encoding="utf-8")
    code, out, err = run_cli("--format", "markdown", "--min-quality", "0", str(page))
    assert code == 0, err
    assert out.startswith("# Harbour works finish early\n")
    assert "\n## What changes for ferries\n" in out
    assert "\n- Morning ferries leave at six and at eight from the new pier.\n" in out
    assert "\n> We built it for the next fifty years of storms" in out


def test_old_format_html_text_still_forces_the_input_format():
    code, out, _ = run_cli("--json", "--format", "text", str(PAGE))
    assert code == 0 and json.loads(out)["format"] == "text"


def test_to_markdown_of_a_result(detector):
    result = detector.score_html(STRUCTURED)
    md = result.to_markdown()
    kept = {p.kind for p in result.paragraphs if p.keep}
    assert md.startswith("# Harbour works finish early\n\n")
    assert md.count("# Harbour works finish early") == 1  # the title block is not repeated
    if "heading" in kept:
        assert "## What changes for ferries" in md
    if "list" in kept:
        assert "- Evening ferries leave at six and at nine from the new pier." in md
    if "table" in kept:
        assert "| --- |" in md
    for p in result.paragraphs:
        if not p.keep:
            assert " ".join(p.text.split()) not in md


def test_to_markdown_escapes_and_tables():
    from detector.document import ParagraphScore, QualityScore, Result

    def para(i, text, kind, keep=True):
        return ParagraphScore(i, text, kind, 0.9, 0.0, keep, None if keep else "promo")

    result = Result(
        id="x", url=None, title="T", text="", quality=QualityScore(0.9, True, ()), stats={},
        paragraphs=(
            para(0, "# not a heading", "paragraph"),
            para(1, "Route | Minutes", "table"),
            para(2, "Island A 35", "table"),
            para(3, "Subscribe now", "paragraph", keep=False),
            para(4, "<b>not html</b>", "quote"),
        ),
    )
    assert result.to_markdown() == (
        "# T\n\n\\# not a heading\n\n| Route \\| Minutes |\n| --- |\n| Island A 35 |\n\n> \\<b>not html\\</b>\n"
    )


def test_help_texts_are_plain_text_not_rst():
    """The help of every command reads as plain text: the docstrings' RST ``literal`` markup is
    stripped (a user reading ``--data`` in a terminal sees two stray backquotes each side)."""
    import pytest

    for command in ([], ["score"], ["clean"], ["filter"], ["train"], ["serve"]):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as stop:
            main([*command, "--help"])
        assert stop.value.code == 0, command
        assert "usage: detector" in out.getvalue(), command
        assert "``" not in out.getvalue(), command
