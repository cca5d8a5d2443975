"""Small generated corpora for the batch-cleaning tests and the corpus benchmark.

Pages are deterministic (seeded) news-like articles: a navigation bar, a headline, four to six
paragraphs of generated prose, and a site footer. ``footer_promo`` adds one more prose-like
paragraph at the end of every article of a site -- text a per-page model cannot tell from the
article, which only the cross-document site-template pass can catch.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import random
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

SUBJECTS = [
    "The city council", "Local farmers", "The regional hospital", "A group of engineers", "The school board",
    "Residents of the old harbour district", "The transport authority", "Researchers at the university",
    "The mayor's office", "Small business owners", "The national weather service", "Volunteers from the library",
    "The fire department", "A coalition of tenants", "The water utility", "Officials at the port",
    "Teachers across the county", "The museum's curators", "Health inspectors", "The cycling association",
]
VERBS = [
    "announced", "approved", "questioned", "rejected", "postponed", "published", "defended", "reviewed",
    "welcomed", "criticised", "outlined", "funded", "expanded", "delayed", "proposed", "tested",
]
OBJECTS = [
    "a new budget for public schools", "plans for a second bridge over the river", "a study of air quality near the motorway",
    "the timetable for the night buses", "a pilot scheme for rooftop solar panels", "the redevelopment of the old market hall",
    "stricter rules for short-term rentals", "an emergency repair of the sea wall", "a programme of free evening classes",
    "the closure of two rural clinics", "a survey of the town's oldest trees", "new cycle lanes along the main avenue",
    "a report on rising food prices", "the renovation of the central station", "a plan to reopen the public baths",
    "a fund for flood-damaged homes", "the merger of two primary schools", "a ban on cars near the cathedral",
]
TAILS = [
    "after a long debate on Tuesday evening", "despite strong objections from nearby residents",
    "in a statement released this morning", "following months of negotiation with the county",
    "although several questions about the cost remain open", "at a crowded public meeting in the town hall",
    "while critics warned that the timeline was unrealistic", "ahead of the elections planned for next spring",
    "citing figures from an independent audit", "as part of a wider effort to cut emissions",
    "and promised to publish the full details within weeks", "after inspectors found serious problems last year",
]
TOPICS = ["Politics", "Business", "Science", "Culture", "Sport", "Travel", "Opinion", "Local"]

FOOTER_PROMO = (
    "Harbour Gazette has reported on the coastal towns since 1921, and every story we publish is "
    "checked by two editors who live in the communities they cover, because accurate local news "
    "matters to the people who read it every morning."
)


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}, " \
           f"and {rng.randint(2, 980)} people {rng.choice(['attended', 'signed a petition', 'wrote letters', 'responded'])}."


def paragraph(rng: random.Random, n_sentences: int | None = None) -> str:
    return " ".join(sentence(rng) for _ in range(n_sentences or rng.randint(3, 5)))


def article_page(
    rng: random.Random, *, site: str, title: str, paragraphs: list[str], footer_promo: str | None = None
) -> str:
    nav = "".join(f'<li><a href="/{t.lower()}">{t}</a></li>' for t in TOPICS)
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    promo = f'\n<p class="about-us">{html.escape(footer_promo)}</p>' if footer_promo else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | {site}</title></head>
<body>
<header><a href="/">{site}</a><nav><ul>{nav}</ul></nav></header>
<main><article>
<h1>{html.escape(title)}</h1>
{body}{promo}
</article></main>
<footer><ul><li><a href="/about">About</a></li><li><a href="/contact">Contact</a></li>
<li><a href="/privacy">Privacy</a></li></ul><p>&copy; 2024 {site}</p></footer>
</body></html>
"""


def make_pages(
    n: int, *, site: str = "harbour-gazette.example", seed: int = 0, footer_promo: str | None = None,
    start: int = 0,
) -> list[dict[str, Any]]:
    """``n`` article pages of one site: ``{"id", "url", "html", "paragraphs"}``."""
    pages = []
    for i in range(start, start + n):
        rng = random.Random(f"{seed}-{site}-{i}")
        paras = [paragraph(rng) for _ in range(rng.randint(4, 6))]
        title = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)}"
        url = f"https://{site}/{rng.choice(TOPICS).lower()}/{i:05d}"
        pages.append({
            "id": f"{site}/{i}",
            "url": url,
            "html": article_page(rng, site=site, title=title, paragraphs=paras, footer_promo=footer_promo),
            "paragraphs": paras,
        })
    return pages


def iter_mixed_pages(n: int, *, n_sites: int = 20, seed: int = 0) -> Iterator[dict[str, Any]]:
    """``n`` pages spread round-robin over ``n_sites`` sites (for the benchmark), streamed."""
    for i in range(n):
        site = f"site{i % n_sites:03d}.example"
        promo = f"{site} is an independent newsroom funded by its readers; " + FOOTER_PROMO
        yield make_pages(1, site=site, seed=seed, footer_promo=promo, start=i // n_sites)[0]


# --- writers for each input format -----------------------------------------------------------------


def write_jsonl(pages: Iterable[dict[str, Any]], path: Path, *, fields: dict[str, str] | None = None) -> Path:
    """Pages as JSONL (``.gz`` / ``.zst`` by extension); ``fields`` renames id/url/html."""
    names = {"id": "id", "url": "url", "html": "html", **(fields or {})}
    lines = "".join(
        json.dumps({names[k]: p[k] for k in ("id", "url", "html") if names.get(k)}) + "\n" for p in pages
    ).encode("utf-8")
    path = Path(path)
    if path.name.endswith(".gz"):
        lines = gzip.compress(lines)
    elif path.name.endswith(".zst"):
        import zstandard

        lines = zstandard.ZstdCompressor().compress(lines)
    path.write_bytes(lines)
    return path


def write_parquet(pages: Iterable[dict[str, Any]], path: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": p["id"], "url": p["url"], "html": p["html"]} for p in pages]
    pq.write_table(pa.Table.from_pylist(rows), path)
    return Path(path)


def write_dir(pages: Iterable[dict[str, Any]], directory: Path, *, ext: str = ".html") -> Path:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(pages):
        (directory / f"page{i:03d}{ext}").write_text(p["html"], encoding="utf-8")
    return directory


def warc_bytes(records: Iterable[tuple[str, bytes, str]], *, gzip_records: bool) -> bytes:
    """A WARC of HTTP response records ``(url, body, content_type)``."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip_records)
    for url, body, ctype in records:
        headers = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))
    return out.getvalue()


def write_warc(pages: Iterable[dict[str, Any]], path: Path) -> Path:
    path = Path(path)
    records = [(p["url"], p["html"].encode("utf-8"), "text/html; charset=utf-8") for p in pages]
    path.write_bytes(warc_bytes(records, gzip_records=path.name.endswith(".gz")))
    return path


# --- interrupting a run through the public executor hook ---------------------------------------------


def stopping_executor(base: type, task: str, at: int, **kw: Any) -> Any:
    """An instance of executor class ``base`` whose run stops with KeyboardInterrupt (as Ctrl-C
    would) when it reaches task ``task`` (``extract_task``, ``score_task``, ``clean_task``) of
    shard ``at``; the tasks before it have finished."""

    class Stopping(base):  # type: ignore[misc, valid-type]
        def run(self, tasks, on_done, job=None):
            def gated():
                for t in tasks:
                    if t.fn.__name__ == task and t.index == at:
                        raise KeyboardInterrupt
                    yield t

            return super().run(gated(), on_done, job)

    return Stopping(**kw)


# --- both engines ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _cluster():
    pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cl, \
            distributed.Client(cl, set_as_default=False) as client:
        yield client


@pytest.fixture(params=["local", "dask"])
def engine(request):
    """(engine name, Dask client or None): the parity, broken-input, resume and template tests run on both."""
    if request.param == "dask":
        return "dask", request.getfixturevalue("_cluster")
    return "local", None


def engine_kw(engine) -> dict:
    name, client = engine
    return {"engine": name, "scheduler": client} if name == "dask" else {}
