"""The seed pages as the adapters' tests feed them to each library."""

from __future__ import annotations

from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SEED_FILES = ("migrant-crisis-page.html", "migrant-crisis-page-inline.html", "migrant-crisis-article.txt")
JUNK = "<html><body><nav>Home | News | Sport</nav><p>Subscribe now!</p><p>© 2024 Example Media</p></body></html>"


def seed_pages() -> list[tuple[str, str]]:
    """(url, content) of the seed pages (two HTML, one text) plus a boilerplate-only page."""
    pages = [(f"https://seed.example/{name}", (SEEDS / name).read_text("utf-8")) for name in SEED_FILES]
    return [*pages, ("https://seed.example/junk.html", JUNK)]


def format_of(url: str) -> str:
    return "text" if url.endswith(".txt") else "html"


def reference(detector) -> dict[str, tuple[bool, str]]:
    """url -> (keep, clean text) straight from the Detector: what every adapter must reproduce."""
    from detector.document import RawDoc

    out = {}
    for url, content in seed_pages():
        d = detector.filter(RawDoc(id=url, content=content, url=url, format=format_of(url)))  # type: ignore[arg-type]
        out[url] = (d.keep, d.text)
    return out
