#!/usr/bin/env python
"""Content-less shells: the pages a scraper brings back when the main content is missing.

    python scripts/make_shells.py --out DIR [--limit N] [--types article]

Two kinds, built at run time (nothing from the corpora is committed):

- **removed**: a benchmark page (../shared/data/aeb, ../shared/data/wcxb-dev) with its main
  content deleted -- the smallest element whose text holds at least ``COVERAGE`` of the true
  body's words is removed from the DOM (its tail text stays). What is left is the page's
  chrome: navigation, teasers, footers, cookie banners, the headline in ``<title>``.
- **hand-written**: a consent wall, a paywall, a 404 page, an unrendered JavaScript app, a tag
  page and a search-results page (:func:`hand_written_shells`), in the markup such sites use.

A shell made from page X must only be scored by a paragraph model that never saw X
(scripts/evaluate_verdict.py does so with ``--relevance oof``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"
COVERAGE = 0.8
"""The deleted element holds at least this share of the true body's word 3-grams."""
_TOKEN = re.compile(r"\w+")
_SKIP = {"html", "body", "head"}


@dataclass(frozen=True)
class Page:
    """A benchmark page: ``html`` (bytes as fetched), ``truth`` (the true main content)."""

    id: str
    source: str
    page_type: str
    url: str | None
    html: bytes
    truth: str


@dataclass(frozen=True)
class Shell:
    """A content-less page. ``origin`` is the id of the page it was made from (None when
    hand-written); ``left`` is the share of the true body's words still in the shell's text."""

    id: str
    kind: str
    html: bytes
    url: str | None = None
    origin: str | None = None
    left: float = 0.0


def _spread(items: list, limit: int | None) -> list:
    """``limit`` items evenly spread over ``items`` (all of them when ``limit`` is None)."""
    if limit is None or limit >= len(items):
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def load_pages(
    shared: Path = DEFAULT_SHARED,
    *,
    sources: tuple[str, ...] = ("aeb", "wcxb"),
    types: tuple[str, ...] = ("article",),
    limit: int | None = None,
) -> list[Page]:
    """Benchmark pages with their truth: all AEB pages (all are articles) and the WCXB-dev pages
    whose primary type is in ``types``; ``limit`` pages per source, evenly spread, sorted by id.
    Raises FileNotFoundError naming the folder when a source is missing."""
    pages: list[Page] = []
    if "aeb" in sources:
        aeb = shared / "data" / "aeb"
        truth = json.loads((aeb / "ground-truth.json").read_text("utf-8"))
        ids = _spread(sorted(truth), limit)
        for pid in ids:
            path = aeb / "html" / f"{pid}.html.gz"
            pages.append(Page(f"aeb:{pid}", "aeb", "article", truth[pid].get("url") or None,
                              gzip.decompress(path.read_bytes()), truth[pid]["articleBody"]))
    if "wcxb" in sources:
        wcxb = shared / "data" / "wcxb-dev"
        meta = json.loads((wcxb / "metadata.json").read_text("utf-8"))["files"]
        ids = _spread(sorted(i for i, m in meta.items() if m.get("page_type") in types), limit)
        for pid in ids:
            gt = json.loads((wcxb / "ground-truth" / f"{pid}.json").read_text("utf-8"))
            body = (gt.get("ground_truth") or {}).get("main_content") or ""
            pages.append(Page(f"wcxb:{pid}", "wcxb", meta[pid]["page_type"], meta[pid].get("url"),
                              gzip.decompress((wcxb / "html" / f"{pid}.html.gz").read_bytes()), body))
    return pages


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _shingles(words: list[str], n: int = 3) -> set[tuple[str, ...]]:
    return set(zip(*(words[k:] for k in range(n)))) if len(words) >= n else {tuple(words)} if words else set()


def make_shell(page: Page, coverage: float = COVERAGE) -> Shell | None:
    """``page`` with the smallest element holding ``coverage`` of its true body deleted (the share
    of the body's word 3-grams found in the element's text) -- again, up to three times, while
    half the body is still there (a print or AMP copy); None when no element short of ``<body>``
    holds that much, or the page has no truth."""
    truth = _shingles(_words(page.truth))
    if not truth:
        return None
    try:
        root = lxml.html.fromstring(page.html)
    except (ValueError, lxml.etree.ParserError):
        return None
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    # a page can carry its body twice (print or AMP copy): delete again while most of it is left
    for _ in range(3):
        best, best_size = None, None
        for el in root.iter():
            if not isinstance(el.tag, str) or el.tag in _SKIP:
                continue
            text = el.text_content()
            if best_size is not None and len(text) >= best_size:
                continue
            if len(truth & _shingles(_words(text))) >= coverage * len(truth):
                best, best_size = el, len(text)
        if best is None:
            break
        best.drop_tree()  # keeps the tail text in the parent
        if len(truth & _shingles(_words(root.text_content()))) < 0.5 * len(truth):
            break
    else:
        best = None
    if best is None:
        return None
    html = lxml.html.tostring(root, encoding="utf-8")
    left = len(truth & _shingles(_words(root.text_content()))) / len(truth)
    return Shell(f"removed:{page.id}", "removed", html, page.url, page.id, left)


_NAV = """<header><a href="/">Home</a> <nav><ul><li><a href="/news">News</a></li><li><a href="/sport">Sport</a>
</li><li><a href="/business">Business</a></li><li><a href="/culture">Culture</a></li><li><a href="/about">About us</a>
</li></ul></nav></header>"""
_FOOT = """<footer><p>&copy; 2025 Northfield Media Group. All rights reserved.</p><ul><li><a href="/privacy">Privacy
policy</a></li><li><a href="/terms">Terms of use</a></li><li><a href="/contact">Contact</a></li></ul></footer>"""


def _page(title: str, body: str, lang: str = "en") -> bytes:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body>{_NAV}{body}{_FOOT}</body></html>").encode("utf-8")


def hand_written_shells() -> list[Shell]:
    """Shells written by hand, one per common failure: consent wall, paywall, 404, empty
    JavaScript app, tag page, search page (two of each, different wording)."""
    consent = [
        """<div id="cmp" class="consent-overlay"><h2>We value your privacy</h2><p>We and our 842 partners use
cookies and similar technologies to store and access information on your device, to personalise ads and content,
to measure ads and content, and for audience research and product development.</p><p>You can accept or manage your
choices by clicking below, including your right to object where legitimate interest is used.</p>
<button>Accept all</button><button>Manage options</button></div>""",
        """<div class="cookie-wall"><p>Before you continue to our website</p><p>We use cookies and data to
deliver and maintain our services, track outages and protect against spam and abuse, and measure audience
engagement and site statistics. If you choose to accept all, we will also use cookies to develop new services and
show personalised advertising.</p><a href="#">Reject all</a> <a href="#">Accept all</a> <a href="#">More options</a></div>""",
    ]
    paywall = [
        """<main><h1>City council approves new budget for the harbour district</h1><p class="byline">By Anna
Keller, 12 March 2025</p><div class="paywall"><h3>This article is for subscribers only</h3><p>Subscribe now for
unlimited access to all our journalism, from just 1 euro for the first month. Cancel anytime.</p><a class="btn"
href="/subscribe">Subscribe</a><p>Already a subscriber? <a href="/login">Log in</a></p></div></main>""",
        """<article><h1>The quiet revolution in regional rail</h1><div class="premium-gate"><p>You have read all
of your free articles this month.</p><p>Become a member to keep reading: independent reporting, the full archive and
the weekly newsletter.</p><ul><li>Digital: 4.99 a month</li><li>Print and digital: 12.99 a month</li></ul>
<button>Start my membership</button></div></article>""",
    ]
    notfound = [
        """<main class="error-page"><h1>404</h1><h2>Page not found</h2><p>Sorry, the page you are looking for
does not exist, has been moved or is temporarily unavailable.</p><p><a href="/">Go back to the homepage</a> or try
searching our site.</p><form action="/search"><input name="q" placeholder="Search"></form></main>""",
        """<div class="content"><h1>Oops! This story is no longer available</h1><p>The article you requested
has been removed.</p><h3>Most read</h3><ul><li><a href="/a1">Five things to know before the match on Sunday</a></li>
<li><a href="/a2">Weather warning issued for the coast</a></li><li><a href="/a3">Prices at the pump fall again</a>
</li></ul></div>""",
    ]
    js_app = [
        """<div id="root"></div><noscript>You need to enable JavaScript to run this app.</noscript>
<script src="/static/js/main.4f2a1c.js"></script>""",
        """<div id="__next"><div class="spinner" aria-label="Loading"></div><p>Loading...</p></div>
<script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{}},"page":"/article/[slug]"}</script>""",
    ]
    tag = [
        """<main><h1>Tag: renewable energy</h1><ul class="teasers"><li><a href="/p1"><h3>Wind farm expansion
approved</h3></a><span>3 min read</span></li><li><a href="/p2"><h3>Solar panels on every school roof?</h3></a>
<span>5 min read</span></li><li><a href="/p3"><h3>What the new grid tariff means for you</h3></a><span>4 min read
</span></li><li><a href="/p4"><h3>Battery storage, explained</h3></a><span>6 min read</span></li></ul>
<nav class="pagination"><a href="?page=2">Next page</a></nav></main>""",
        """<div class="archive"><h1>Posts tagged "gardening"</h1><div class="post-card"><a href="/g1">Ten
shade-loving plants</a><p>Posted in Garden</p></div><div class="post-card"><a href="/g2">How to build a raised
bed</a><p>Posted in DIY</p></div><div class="post-card"><a href="/g3">Composting for beginners</a><p>Posted in
Garden</p></div><a href="/tag/gardening/page/2">Older posts</a></div>""",
    ]
    search = [
        """<main><h1>Search results for "election"</h1><p>Showing 1-5 of 1,204 results</p><ol><li><a
href="/r1">Election night live: results as they come in</a></li><li><a href="/r2">Who is standing in your
constituency</a></li><li><a href="/r3">Election explained in five charts</a></li><li><a href="/r4">Turnout at a
record low</a></li><li><a href="/r5">The parties' promises compared</a></li></ol><a href="?q=election&amp;p=2">
Next</a></main>""",
        """<div class="search"><form><input name="q" value="zzqx"></form><h2>No results found for "zzqx"</h2>
<p>Try different keywords or check your spelling.</p><h3>Popular searches</h3><ul><li><a href="/s?q=weather">weather
</a></li><li><a href="/s?q=traffic">traffic</a></li><li><a href="/s?q=football">football</a></li></ul></div>""",
    ]
    out = []
    for kind, bodies in (("consent", consent), ("paywall", paywall), ("404", notfound), ("js-app", js_app),
                         ("tag", tag), ("search", search)):
        for i, body in enumerate(bodies):
            out.append(Shell(f"{kind}:{i}", kind, _page(f"{kind} page - Northfield Herald", body),
                             f"https://northfield.example/{kind}/{i}"))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="folder for the shells (NAME.html + shells.jsonl)")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the ../shared folder")
    ap.add_argument("--limit", type=int, default=None, help="pages per source (evenly spread)")
    ap.add_argument("--types", default="article", help="WCXB-dev page types, comma-separated")
    args = ap.parse_args(argv)
    pages = load_pages(args.shared, types=tuple(args.types.split(",")), limit=args.limit)
    shells = [s for s in map(make_shell, pages) if s is not None] + hand_written_shells()
    args.out.mkdir(parents=True, exist_ok=True)
    with open(args.out / "shells.jsonl", "w", encoding="utf-8") as index:
        for s in shells:
            name = s.id.replace(":", "_") + ".html"
            (args.out / name).write_bytes(s.html)
            index.write(json.dumps({"file": name, "id": s.id, "kind": s.kind, "url": s.url, "origin": s.origin,
                                    "left": round(s.left, 3)}) + "\n")
    print(f"{len(shells)} shells from {len(pages)} pages -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
