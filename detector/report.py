"""Human-readable reports of a ``Result``: one for the terminal, one self-contained HTML page.

    from detector.report import render_terminal, render_html, write_html_report
    print(render_terminal(result))              # colour when stdout is a terminal
    write_html_report(result, "report.html")    # atomic write

Both reports show the same things: the verdict (quality score, keep/drop, flags, each fired
rule with its measured value and limit, and one line saying why a kept text is dropped) and every
paragraph with its decision, reason, relevance, redundancy and the paragraphs it restates. Scores
are shown rounded down (``quality.round_down``), so one just under a threshold never shows as it;
a rule's measured value has the digits that tell it from its limit (``quality.shown_against``).
"""

from __future__ import annotations

import html
import os
import shutil
import sys
import textwrap
from collections import Counter
from pathlib import Path
from typing import TextIO

from detector import quality
from detector.atomic import atomic_write_text
from detector.document import REASONS, ParagraphScore, Result, replace_controls

# --- terminal ------------------------------------------------------------------------

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_DIM = "\x1b[2m"
_STRIKE = "\x1b[9m"
_GREEN = "\x1b[32m"
_RED = "\x1b[31m"
_YELLOW = "\x1b[33m"
_CYAN = "\x1b[36m"

_REASON_ANSI = {
    "promo": "\x1b[38;5;208m",
    "navigation": "\x1b[34m",
    "page-meta": "\x1b[90m",
    "repeated-title": "\x1b[35m",
    "duplicate": "\x1b[33m",
    "low-relevance": "\x1b[31m",
    "template": "\x1b[36m",
    "consent": "\x1b[38;5;141m",
    "comment": "\x1b[38;5;110m",
    "caption": "\x1b[38;5;180m",
    "legal": "\x1b[38;5;245m",
    "no-main-content": "\x1b[38;5;203m",
}


_down = quality.round_down  # every score shown, in both reports

# C0/C1 control characters (ESC above all) from scraped text must not reach the terminal:
# the one table, shared with Result.to_markdown (detector.document.replace_controls)
_safe = replace_controls


def color_default(stream: TextIO | None = None) -> bool:
    """Colour when writing to a terminal, unless NO_COLOR is set or TERM is dumb."""
    stream = stream if stream is not None else sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _terminal_width() -> int:
    return max(40, min(110, shutil.get_terminal_size((100, 24)).columns))


def render_terminal(result: Result, *, color: bool | None = None, width: int | None = None) -> str:
    """A readable plain-text report; ANSI colour only when ``color`` (default: stdout is a tty).

    Every paragraph gets a marker — ``[keep]`` or ``[drop: <reason>]`` — so the report reads
    the same without colour (pipes, logs, ``--no-color``).
    """
    use_color = color_default() if color is None else color
    width = width or _terminal_width()

    def style(text: str, *codes: str) -> str:
        return "".join(codes) + text + _RESET if use_color and codes else text

    out: list[str] = []
    title = _safe(result.title or "(no title)")
    out.append(style(title, _BOLD))
    meta = [
        f"url: {_safe(result.url)}" if result.url else None,
        f"id: {_safe(result.id)}" if result.id and result.id != result.url else None,
        f"format: {_safe(result.format)}" if result.format else None,
        f"language: {_safe(result.language)}" if result.language else None,
    ]
    out.append("  ".join(m for m in meta if m) or "(no url)")
    out.append("")

    q = result.quality
    verdict = "KEEP" if q.keep else "DROP"
    verdict_s = style(verdict, _BOLD, _GREEN if q.keep else _RED)
    n_kept, n_dropped = len(result.kept), len(result.dropped)
    out.append(
        f"verdict: {verdict_s}  quality {_down(q.score)}  "
        f"paragraphs: {len(result.paragraphs)} ({n_kept} kept, {n_dropped} dropped)"
    )
    flags = _safe(", ".join(q.flags)) if q.flags else "none"
    out.extend(_wrap(f"flags: {flags}", width, "       "))
    why = quality.why_dropped(result) if result.text.strip() or result.withheld else None
    if why:
        out.extend(style(line, _RED) for line in _wrap(_safe(why), width, "       "))
    for line in quality.explain(q):
        out.extend(_wrap(_safe(f"  rule {line}"), width, "         "))
    if q.signals:
        sig = _safe("  ".join(f"{k}={_num(v)}" for k, v in q.signals.items()))
        out.extend(style(line, _DIM) for line in _wrap(f"signals: {sig}", width, "         "))
    out.append("")

    body_width = max(20, width - 4)
    if not result.paragraphs:
        out.append("(no paragraphs extracted)")
        out.append("")
    for p in result.paragraphs:
        marker = "[keep]" if p.keep else f"[drop: {_safe(p.reason or 'unknown')}]"
        scores = f"rel {_down(p.relevance)}  red {_down(p.redundancy)}"
        if p.restates:
            scores += "  restates " + ", ".join(f"#{i}" for i in p.restates)
        if p.keep:
            head = f"#{p.index:<3} {_safe(p.kind):<9} {style(marker, _GREEN)}  {style(scores, _DIM)}"
        else:
            reason_color = _REASON_ANSI.get(p.reason or "", _YELLOW)
            head = f"#{p.index:<3} {_safe(p.kind):<9} {style(marker, _BOLD, reason_color)}  {style(scores, _DIM)}"
        out.append(head)
        lines = textwrap.wrap(_safe(p.text), body_width) or [""]
        for line in lines:
            if p.keep:
                out.append("    " + (style(line, _BOLD) if p.kind in ("title", "heading") else line))
            else:
                out.append("    " + style(line, _DIM))
        out.append("")

    out.append(style("summary", _BOLD))
    out.append(f"  kept     {n_kept}")
    out.append(f"  dropped  {n_dropped}")
    for reason, count in _reason_counts(result.paragraphs):
        label = style(f"{_safe(reason):<16}", _REASON_ANSI.get(reason, _YELLOW))
        out.append(f"    {label} {count}")
    out.append(f"  kept text: {_kept_words(result)}, {len(result.text)} chars")
    return "\n".join(out) + "\n"


def _kept_words(result: Result) -> str:
    """The kept text's word count as the verdict counts it (``quality.words_judged``: jieba's
    words for Chinese, not whitespace chunks), ``"N words"``; a withheld text keeps 0 words."""
    n = quality.words_judged(result)
    if result.withheld:
        return f"0 words ({n} withheld: no main content)"
    return f"{n} word{'' if n == 1 else 's'}"


def _wrap(text: str, width: int, indent: str) -> list[str]:
    return textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False) or [text]


def _num(v: float) -> str:
    if isinstance(v, float):
        return f"{v:.0f}" if abs(v) >= 100 or v.is_integer() else f"{v:.3g}"
    return str(v)


def _reason_counts(paragraphs: tuple[ParagraphScore, ...]) -> list[tuple[str, int]]:
    counts = Counter(p.reason or "unknown" for p in paragraphs if not p.keep)
    # the canonical reason order first, anything unexpected after it
    order = {r: i for i, r in enumerate(REASONS)}
    return sorted(counts.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))


# --- HTML ------------------------------------------------------------------------------

_REASON_COLOURS = {
    "promo": "#f08c00",
    "navigation": "#1c7ed6",
    "page-meta": "#868e96",
    "repeated-title": "#ae3ec9",
    "duplicate": "#e8a500",
    "low-relevance": "#e03131",
    "template": "#0ca678",
    "consent": "#7950f2",
    "comment": "#1098ad",
    "caption": "#b08850",
    "legal": "#495057",
    "no-main-content": "#c92a2a",
}
_OTHER_COLOUR = "#5c5f66"

_CSS = """
:root { --ink:#1f2328; --muted:#6e7781; --line:#d0d7de; --bg:#ffffff; --soft:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; background:var(--soft); color:var(--ink);
  font: 16px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.wrap { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
header.top { background:var(--bg); border:1px solid var(--line); border-radius:8px; padding:1rem 1.25rem; }
header.top h1 { font-size:1.35rem; margin:0 0 .25rem; }
.meta { color:var(--muted); font-size:.85rem; overflow-wrap:break-word; }
.meta code { overflow-wrap:anywhere; }
.meta code { font-size:.85rem; }
.verdict { display:flex; flex-wrap:wrap; gap:.6rem; align-items:center; margin-top:.75rem; }
.badge { font-weight:700; padding:.15rem .6rem; border-radius:999px; color:#fff; letter-spacing:.03em; }
.badge.keep { background:#2f9e44; } .badge.drop { background:#c92a2a; }
.score { font-size:1.1rem; font-weight:600; }
.bar { display:inline-block; width:8rem; height:.55rem; background:#e9ecef; border-radius:4px;
  overflow:hidden; vertical-align:middle; }
.bar > span { display:block; height:100%; background:#4c6ef5; }
.flags { display:flex; flex-wrap:wrap; gap:.35rem; margin-top:.6rem; }
.flag { font-size:.78rem; background:#fff4e6; color:#9c4800; border:1px solid #ffd8a8;
  border-radius:4px; padding:.05rem .4rem; font-family: ui-monospace, Menlo, Consolas, monospace; }
.flag.none { background:#ebfbee; color:#2b8a3e; border-color:#b2f2bb; }
details.signals { margin-top:.5rem; font-size:.8rem; color:var(--muted); }
details.signals table { border-collapse:collapse; margin-top:.3rem; }
details.signals td { padding:.05rem .8rem .05rem 0; font-family: ui-monospace, Menlo, Consolas, monospace; }
.legend { display:flex; flex-wrap:wrap; gap:.5rem 1rem; align-items:center; margin:1rem 0 .25rem;
  font-size:.85rem; }
.legend .item { display:inline-flex; align-items:center; gap:.35rem; }
.swatch { width:.9rem; height:.9rem; border-radius:3px; display:inline-block; }
.legend .count { color:var(--muted); }
.toggle { margin-left:auto; color:#1c7ed6; cursor:pointer; user-select:none; border:1px solid var(--line);
  background:var(--bg); border-radius:4px; padding:.05rem .5rem; }
.toggle::after { content:"hide dropped paragraphs"; }
#hide-dropped { display:none; }
#hide-dropped:checked ~ .legend .toggle::after { content:"show dropped paragraphs"; }
main.doc { background:var(--bg); border:1px solid var(--line); border-radius:8px; padding:1rem 1.25rem 1rem 0; }
.para { display:grid; grid-template-columns: 5.2rem minmax(0, 1fr); gap:.75rem; padding:.35rem 0; scroll-margin-top:1rem; }
.para:target { background:#fff9db; }
.gutter { text-align:right; font-size:.72rem; color:var(--muted); padding-top:.25rem;
  font-family: ui-monospace, Menlo, Consolas, monospace; line-height:1.3; }
.gutter a { color:inherit; text-decoration:none; }
.mini { display:block; height:3px; background:#e9ecef; margin:3px 0 0 auto; width:3rem; }
.mini > span { display:block; height:100%; }
.mini.rel > span { background:#4c6ef5; } .mini.red > span { background:#f76707; }
.num { display:block; white-space:nowrap; }
.num.rel { color:#364fc7; } .num.red { color:#d9480f; }
/* words wrap whole and hyphenate by the page's language; only an unbreakable run (a URL) breaks */
.body { min-width:0; overflow-wrap:break-word; word-break:normal; hyphens:auto; }
.k-title .body { font-size:1.5rem; font-weight:700; line-height:1.3; }
.k-heading .body { font-size:1.15rem; font-weight:650; margin-top:.5rem; }
.k-list .body::before { content:"\\2022  "; color:var(--muted); }
.k-quote .body { border-left:3px solid var(--line); padding-left:.8rem; font-style:italic; }
.k-table .body { font-family: ui-monospace, Menlo, Consolas, monospace; font-size:.85rem; white-space:pre-wrap; }
.k-meta .body { font-size:.85rem; color:var(--muted); }
.para.dropped .txt { text-decoration: line-through; text-decoration-thickness: 1px; }
.para.dropped .body { opacity:.8; border-left:4px solid var(--rc); background: color-mix(in srgb, var(--rc) 10%, transparent);
  padding:.1rem .5rem; border-radius:0 4px 4px 0; }
.tag { display:inline-block; font-size:.7rem; font-weight:700; color:#fff; background:var(--rc);
  border-radius:3px; padding:0 .35rem; margin-right:.45rem; text-decoration:none; vertical-align:.1em;
  font-style:normal; letter-spacing:.02em; }
.restates { font-size:.75rem; color:var(--muted); margin-top:.1rem; }
.restates a { color:#1c7ed6; }
#hide-dropped:checked ~ main.doc .para.dropped { display:none; }
footer { color:var(--muted); font-size:.8rem; margin-top:1rem; }
@media (max-width: 36rem) {
  .wrap { padding:.75rem .5rem 2rem; }
  main.doc { padding:.5rem .75rem; }
  .para { grid-template-columns: minmax(0, 1fr); gap:.15rem; }
  .gutter { text-align:left; display:flex; flex-wrap:wrap; gap:.2rem .7rem; align-items:center; padding-top:0; }
  .mini { margin:0; }
}
"""


def _esc(text: object) -> str:
    """HTML-escaped, with C0/C1 control characters replaced as in the terminal report."""
    return html.escape(replace_controls(text), quote=True)


def _reason_colour(reason: str | None) -> str:
    return _REASON_COLOURS.get(reason or "", _OTHER_COLOUR)


def _pct(v: float) -> str:
    return f"{max(0.0, min(1.0, float(v))) * 100:.0f}%"


def _hover(p: ParagraphScore) -> str:
    parts = [
        f"#{p.index} {p.kind}",
        "kept" if p.keep else f"dropped: {p.reason or 'unknown'}",
        f"relevance {_down(p.relevance, 3)}",
        f"redundancy {_down(p.redundancy, 3)}",
    ]
    if p.restates:
        parts.append("restates " + ", ".join(f"#{i}" for i in p.restates))
    return " · ".join(parts)


def _paragraph_html(p: ParagraphScore) -> str:
    classes = ["para", f"k-{p.kind}", "kept" if p.keep else "dropped"]
    style = ""
    tag = ""
    if not p.keep:
        reason = p.reason or "unknown"
        classes.append(f"r-{reason}")
        style = f' style="--rc:{_reason_colour(p.reason)}"'
        tag = f'<span class="tag">{_esc(reason)}</span>'
    restates = ""
    if p.restates:
        links = ", ".join(f'<a href="#p{int(i)}">#{int(i)}</a>' for i in p.restates)
        restates = f'<div class="restates">restates {links}</div>'
    return (
        f'<div class="{_esc(" ".join(classes))}" id="p{p.index}"{style} title="{_esc(_hover(p))}">'
        f'<div class="gutter"><a href="#p{p.index}">#{p.index}</a>'
        f'<span class="num rel">rel {_down(p.relevance)}</span>'
        f'<span class="mini rel"><span style="width:{_pct(p.relevance)}"></span></span>'
        f'<span class="num red">red {_down(p.redundancy)}</span>'
        f'<span class="mini red"><span style="width:{_pct(p.redundancy)}"></span></span></div>'
        f'<div class="body">{tag}<span class="txt">{_esc(p.text)}</span>{restates}</div></div>'
    )


def render_html(result: Result) -> str:
    """One self-contained HTML page (inline CSS, no scripts, no external assets).

    Dropped paragraphs are struck through and coloured by reason; each paragraph shows its
    relevance and redundancy in the gutter (one column on narrow screens; hovering adds the
    restates list). Words wrap whole and hyphenate in the document's language. Every piece of
    document text is HTML-escaped.
    """
    q = result.quality
    title = result.title or "(no title)"
    meta_bits = []
    if result.url:
        meta_bits.append(f"<code>{_esc(result.url)}</code>")
    if result.id and result.id != result.url:
        meta_bits.append(f"id <code>{_esc(result.id)}</code>")
    if result.format:
        meta_bits.append(f"format {_esc(result.format)}")
    if result.language:
        meta_bits.append(f"language {_esc(result.language)}")

    flags = (
        "".join(f'<span class="flag">{_esc(f)}</span>' for f in q.flags)
        if q.flags
        else '<span class="flag none">no flags</span>'
    )
    rules = "".join(f"<li>{_esc(line)}</li>" for line in quality.explain(q))
    why = quality.why_dropped(result) if result.text.strip() or result.withheld else None
    signals = f'<p class="why"><strong>{_esc(why)}</strong></p>' if why else ""
    if rules:
        signals += f'<ul class="rules">{rules}</ul>'
    if q.signals:
        rows = "".join(f"<tr><td>{_esc(k)}</td><td>{_esc(_num(v))}</td></tr>" for k, v in q.signals.items())
        signals += f'<details class="signals"><summary>signals</summary><table>{rows}</table></details>'

    counts = dict(_reason_counts(result.paragraphs))
    legend_items = [
        f'<span class="item"><span class="swatch" style="background:{_reason_colour(r)}"></span>'
        f'{_esc(r)} <span class="count">{counts.get(r, 0)}</span></span>'
        for r in list(REASONS) + [r for r in counts if r not in REASONS]
    ]
    n_kept, n_dropped = len(result.kept), len(result.dropped)
    paragraphs = "\n".join(_paragraph_html(p) for p in result.paragraphs)
    if not result.paragraphs:
        paragraphs = '<p class="meta" style="padding-left:1.25rem">No paragraphs were extracted.</p>'
    verdict = "keep" if q.keep else "drop"

    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>detector report: {_esc(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<div class="wrap">
<header class="top">
<h1>{_esc(title)}</h1>
<div class="meta">{" · ".join(meta_bits) or "no url"}</div>
<div class="verdict">
<span class="badge {verdict}">{verdict.upper()}</span>
<span class="score">quality {_down(q.score)}</span>
<span class="bar" title="quality {_down(q.score, 3)}"><span style="width:{_pct(q.score)}"></span></span>
<span class="meta">{len(result.paragraphs)} paragraphs: {n_kept} kept, {n_dropped} dropped ·
kept text {_esc(_kept_words(result))}</span>
</div>
<div class="flags">{flags}</div>
{signals}
</header>
<input type="checkbox" id="hide-dropped">
<div class="legend"><strong>dropped, by reason:</strong> {"".join(legend_items)}
<label class="toggle" for="hide-dropped"></label></div>
<main class="doc"{f' lang="{_esc(result.language)}"' if result.language else ""}>
{paragraphs}
</main>
<footer>Left gutter: paragraph index, relevance (rel, blue) and redundancy (red, orange) with their
bars. Hover a paragraph for a one-line summary.</footer>
</div>
</body>
</html>
"""


def write_html_report(result: Result, path: str | os.PathLike[str]) -> Path:
    """Write ``render_html(result)`` to ``path`` atomically (temp file + rename)."""
    path = Path(path)
    atomic_write_text(path, render_html(result))
    return path
