#!/usr/bin/env python
"""Document-level figures: does the verdict keep real articles and drop content-less shells?

    python scripts/evaluate_verdict.py [--relevance oof|shipped] [--limit N] [--types article,...]
                                       [--folds K] [--load-oof FILE] [--shell-cache FILE]
                                       [--json OUT] [--no-agreement]

On the same pages, in one run:
- real articles (AEB, and WCXB-dev pages of the chosen types, default ``article``): the share with
  ``quality.keep = true`` and the words kept;
- content-less shells (scripts/make_shells.py: each page with the smallest element holding most
  of its true body deleted, plus the hand-written consent wall, paywall, 404, empty JavaScript
  app and tag/search pages): the share with ``quality.keep = false``, the words kept and the
  share with at most 20 words kept;
- trafilatura 2.x (default settings) on the same pages, its output run through the four datatrove
  filters (GopherQuality, GopherRepetition, C4Quality, FineWebQuality) -- a document "kept" by a
  filter chain passes all four -- and the detector's own kept text through the same filters;
- the agreement of each Gopher/C4/FineWeb-named flag with datatrove's filter on the detector's
  kept texts (needs datatrove and spaCy: ``pip install -e '.[bench]'``).

``--relevance oof`` (default): the paragraph model is out-of-fold -- every real page AND the
shell made from it are scored by a model trained without that page (:func:`score_out_of_fold`:
real pages by grouped k-fold, or the relevance ``scripts/evaluate.py --save-oof`` saved, given
with ``--load-oof``; shells by a model of the other half of the sites, cached with
``--shell-cache``; the hand-written shells use the shipped model, they were never training data). ``--relevance shipped`` scores everything with
the shipped model: quick, but in-sample on the pages it was trained on (AEB; WCXB-dev for a
model trained on it), and said so in the output.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pickle
import statistics
import sys
import time
import warnings
import zlib
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_shells import DEFAULT_SHARED, Page, Shell, hand_written_shells, load_pages, make_shell  # noqa: E402

log = logging.getLogger("evaluate_verdict")
SHORT_SHELL_WORDS = 20


# --- datatrove, the reference --------------------------------------------------------------


DATATROVE_LANGUAGES = {"zh": "cmn", "ja": "jpn", "th": "tha"}
"""datatrove's language for a document language whose words come from a segmenter: its codes
cmn / jpn / tha reach jieba / SudachiPy / PyThaiNLP (its "zh" falls to spaCy's "xx" tokenizer;
detector/quality.py). Every other language is tokenised as English, as the detector does."""


def _datatrove_filters(language: str = "en") -> dict[str, Any]:
    """One datatrove filter per detector flag, configured so that only that rule can fire; the
    Gopher and FineWeb filters split words as datatrove does for ``language`` (a datatrove code)."""
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    off = dict(
        min_doc_words=None, max_doc_words=None, min_avg_word_length=None, max_avg_word_length=None,
        max_symbol_word_ratio=None, max_bullet_lines_ratio=None, max_ellipsis_lines_ratio=None,
        max_non_alpha_words_ratio=None, min_stop_words=None,
    )
    gq = lambda **on: GopherQualityFilter(**{**off, **on}, language=language)  # noqa: E731
    roff = dict(dup_line_frac=None, dup_para_frac=None, dup_line_char_frac=None, dup_para_char_frac=None,
                top_n_grams=(), dup_n_grams=())
    gr = lambda **on: GopherRepetitionFilter(**{**roff, **on}, language=language)  # noqa: E731
    c4off = dict(filter_lorem_ipsum=False, filter_curly_bracket=False, min_num_sentences=-1)
    c4 = lambda **on: C4QualityFilter(**{**c4off, **on})  # noqa: E731
    fwoff = dict(line_punct_thr=-1.0, short_line_thr=2.0, char_duplicates_ratio=2.0, new_line_ratio=1e12)
    fw = lambda **on: FineWebQualityFilter(**{**fwoff, **on}, language=language)  # noqa: E731
    return {
        "gopher-short-doc": gq(min_doc_words=50),
        "gopher-long-doc": gq(max_doc_words=100000),
        "gopher-short-words": gq(min_avg_word_length=3),
        "gopher-long-words": gq(max_avg_word_length=10),
        "gopher-hashes": gq(max_symbol_word_ratio=0.1),
        "gopher-ellipses": gq(max_symbol_word_ratio=0.1),
        "gopher-bullet-lines": gq(max_bullet_lines_ratio=0.9),
        "gopher-ellipsis-lines": gq(max_ellipsis_lines_ratio=0.3),
        "gopher-alpha-words": gq(max_non_alpha_words_ratio=0.8),
        "gopher-stop-words": gq(min_stop_words=2),
        "gopher-duplicate-paragraphs": gr(dup_para_frac=0.3),
        "gopher-duplicate-paragraph-chars": gr(dup_para_char_frac=0.2),
        "gopher-duplicate-lines": gr(dup_line_frac=0.3),
        "gopher-duplicate-line-chars": gr(dup_line_char_frac=0.2),
        "gopher-top-ngram": gr(top_n_grams=((2, 0.2), (3, 0.18), (4, 0.16))),
        "gopher-duplicate-ngrams": gr(dup_n_grams=((5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10))),
        "c4-lorem-ipsum": c4(filter_lorem_ipsum=True),
        "c4-curly-bracket": c4(filter_curly_bracket=True),
        "c4-few-sentences": c4(min_num_sentences=5),
        "fineweb-line-punct": fw(line_punct_thr=0.12),
        "fineweb-short-lines": fw(short_line_thr=0.67),
        "fineweb-duplicate-lines": fw(char_duplicates_ratio=0.01),
        "fineweb-list-like": fw(new_line_ratio=0.3),
    }


_FILTERS: dict[str, dict[str, Any]] = {}  # per datatrove language, built on first use


def datatrove_flags(text: str, language: str | None) -> dict[str, bool | None]:
    """For each Gopher/C4/FineWeb flag of the detector: does datatrove's filter (configured with
    that rule alone, default threshold) drop ``text``? ``None`` where datatrove cannot say (it
    divides by zero on a text without words, or an earlier rule of the same check hides it).

    Non-English documents get the document language's stop list for ``gopher-stop-words``, as
    the detector does (a deliberate difference from Gopher's English-only list)."""
    from datatrove.data import Document as DtDocument
    from datatrove.pipeline.filters import GopherQualityFilter

    from detector.language import stopwords

    out: dict[str, bool | None] = {}
    lang = (language or "en").lower()[:2]
    dt_lang = DATATROVE_LANGUAGES.get(lang, "en")
    if dt_lang not in _FILTERS:
        _FILTERS[dt_lang] = _datatrove_filters(dt_lang)
    for flag, filt in _FILTERS[dt_lang].items():
        if flag == "gopher-stop-words" and lang != "en":
            stops = stopwords(lang)
            if not stops:
                out[flag] = None
                continue
            filt = GopherQualityFilter(
                min_doc_words=None, max_doc_words=None, min_avg_word_length=None, max_avg_word_length=None,
                max_symbol_word_ratio=None, max_bullet_lines_ratio=None, max_ellipsis_lines_ratio=None,
                max_non_alpha_words_ratio=None, min_stop_words=2, stop_words=sorted(stops), language=dt_lang,
            )
        if flag in ("gopher-short-words", "gopher-long-words") and lang in ("ja", "zh", "th"):
            out[flag] = None  # deliberate: not applied to languages written without spaces
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = filt.filter(DtDocument(text=text, id="d"))
        except ZeroDivisionError:
            out[flag] = None
            continue
        if res is True:
            out[flag] = False
        elif flag == "gopher-hashes":
            out[flag] = res[1] == "gopher_too_many_hashes"
        elif flag == "gopher-ellipses":
            out[flag] = None if res[1] == "gopher_too_many_hashes" else res[1] == "gopher_too_many_ellipsis"
        else:
            out[flag] = True
    return out


def datatrove_keeps(text: str) -> dict[str, bool]:
    """Does each of datatrove's four filters (defaults) keep ``text``? An empty text is dropped."""
    from datatrove.data import Document as DtDocument
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    out = {}
    for name, filt in (
        ("gopher_quality", GopherQualityFilter()),
        ("gopher_repetition", GopherRepetitionFilter()),
        ("c4", C4QualityFilter()),
        ("fineweb", FineWebQualityFilter()),
    ):
        if not text.strip():
            out[name] = False
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out[name] = filt.filter(DtDocument(text=text, id="d")) is True
        except ZeroDivisionError:
            out[name] = False
    return out


# --- scoring the pages --------------------------------------------------------------------


def _doc_of(html: bytes, doc_id: str, url: str | None, config):
    from detector.document import RawDoc
    from detector.extract import extract

    return extract(RawDoc(id=doc_id, content=html, url=url, format="html"), config)


def score_shipped(pages: list[Page], shells: list[Shell]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Results of every page and shell with the shipped model: ``({page id: Result}, {shell id: Result})``."""
    from detector import Detector

    det = Detector()
    real = {p.id: det.score_html(p.html, url=p.url, id=p.id) for p in pages}
    shell = {s.id: det.score_html(s.html, url=s.url, id=s.id) for s in shells}
    return real, shell


def load_oof(path: Path, prepared: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The out-of-fold relevance and lexical scores saved by ``scripts/evaluate.py --save-oof``
    (a ``training.CrossValidation``; our own trusted file, as a model file is):
    ``({page id: relevance of shape (n_blocks,)}, {page id: lexical score})``. Raises SystemExit
    naming the file when it lacks one of ``prepared``'s pages or was made with another extraction
    (block counts differ)."""
    with open(path, "rb") as fh:
        cv = pickle.load(fh)  # our own file from evaluate.py --save-oof (trusted input, as a model file is)
    missing = {p.page.id for p in prepared} - set(cv.relevance)
    if missing:
        raise SystemExit(f"error: {path} has no relevance for {len(missing)} of these pages (e.g. {min(missing)})")
    if any(len(cv.relevance[p.page.id]) != len(p.html_doc.blocks) for p in prepared):
        raise SystemExit(f"error: {path} was made with another extraction (block counts differ)")
    return cv.relevance, getattr(cv, "lexical", {}) or {}


def site_half(site: str) -> int:
    """0 or 1: the half of the pages a site belongs to (stable across runs: CRC-32 of the site)."""
    return zlib.crc32(site.encode("utf-8")) % 2


def score_out_of_fold(
    pages: list[Page], shells: list[Shell], folds: int, oof: Path | None = None, shell_cache: Path | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Results where no page, and no shell made from a page, is scored by a model that saw it.

    Real pages: the relevance saved by ``scripts/evaluate.py --save-oof`` when ``oof`` is given
    (grouped 5-fold by site, trained on all AEB + WCXB-dev pages), else
    ``training.out_of_fold_relevance`` (grouped k-fold; the seed pages join every fold's training
    set). Shells made from pages: the pages are split in two halves by site (:func:`site_half`);
    the shells of one half are scored by a model trained on the other half's real pages and the
    seed pages -- never on the shell's own page or site, and never on shells (the shipped model
    never sees one). ``shell_cache`` (a pickle this function writes, atomically) keeps the
    shells' relevance, so a rerun that only changes the verdict does not refit. Hand-written shells are scored with the shipped model (they were never
    training data)."""
    from detector import Detector, training
    from detector.config import Config
    from detector.features import featurize

    config = Config()
    labeled = [training.LabeledPage(p.id, p.html, p.truth, p.url, p.source) for p in pages]
    start = time.process_time()
    prepared = training.prepare_pages(labeled, config)
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    extra = training.prepare_pages(training.seed_pages(seeds), config) if seeds.is_dir() else []
    log.info("prepared %d + %d pages: %.0f s CPU", len(prepared), len(extra), time.process_time() - start)
    start = time.process_time()
    if oof is not None:
        relevance, lexical = load_oof(oof, prepared)
        log.info("out-of-fold relevance of %d pages read from %s", len(pages), oof)
    else:
        relevance, lexical = training.out_of_fold_relevance(prepared, extra, folds=folds), {}
        log.info("out-of-fold relevance of %d pages: %.0f s CPU", len(pages), time.process_time() - start)
    real = {}
    for p, prep in zip(pages, prepared):
        fixed = training.FixedRelevance(relevance[p.id], lexical=lexical.get(p.id))
        real[p.id] = Detector(config, model=fixed).score_document(prep.html_doc)  # type: ignore[arg-type]

    shell_results: dict[str, Any] = {}
    made = [s for s in shells if s.origin is not None]
    shell_prepared = dict(zip((s.id for s in made), training.prepare_pages(
        [training.LabeledPage(s.id, s.html, "", s.url, "shell") for s in made], config)))
    cached: dict[str, tuple[Any, Any]] = {}
    if shell_cache is not None and shell_cache.is_file():
        with open(shell_cache, "rb") as fh:
            cached = pickle.load(fh)  # our own file, written below (trusted input, as a model file is)
        log.info("shell relevance of %d shells read from %s", len(cached), shell_cache)
    todo = [s for s in made if s.id not in cached or len(cached[s.id][0]) != len(shell_prepared[s.id].html_doc.blocks)]
    by_id = {lp.id: prep for lp, prep in zip(labeled, prepared)}
    half = {lp.id: site_half(lp.site) for lp in labeled}
    extra_table = training.training_table(extra) if extra else None
    for h in (0, 1):
        mine = [s for s in todo if half.get(s.origin) == h]
        if not mine:
            continue
        start = time.process_time()
        tables = [training.page_table(by_id[pid]) for pid, hh in half.items() if hh != h]
        model = training.fit_model(pd.concat([t for t in (*tables, extra_table) if t is not None and len(t)],
                                             ignore_index=True), seed=h)
        for s in mine:
            scores = model.predict(featurize(shell_prepared[s.id].html_doc))
            cached[s.id] = (scores.relevance, scores.lexical)
        log.info("shells of half %d: %d scored by a model of %d other-half pages: %.0f s CPU",
                 h, len(mine), len(tables), time.process_time() - start)
    if todo and shell_cache is not None:
        tmp = shell_cache.with_name(shell_cache.name + ".tmp")
        with open(tmp, "wb") as fh:
            pickle.dump(cached, fh, protocol=5)
        os.replace(tmp, shell_cache)
    for s in made:
        fixed = training.FixedRelevance(cached[s.id][0], lexical=cached[s.id][1])
        shell_results[s.id] = Detector(config, model=fixed).score_document(shell_prepared[s.id].html_doc)  # type: ignore[arg-type]
    det = Detector(config)
    for s in shells:
        if s.origin is None:
            shell_results[s.id] = det.score_html(s.html, url=s.url, id=s.id)
    return real, shell_results


# --- figures ----------------------------------------------------------------------------


def _share(xs: list[bool]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def words_out(result: Any) -> int:
    """The words of the text a user gets (``Result.text``), counted as trafilatura's are
    (``quality.words``). Not ``quality.signals["words"]``: that describes the text the verdict
    judged, which ``decide.withhold_contentless`` withholds on a page without main content."""
    from detector import quality

    return len(quality.words(result.text))


def rescored(result: Any, config: Any) -> bool:
    """``quality.keep`` of ``result``'s paragraph decisions judged again under ``config`` (the
    paragraph decisions stay; only the document rules and their limits change)."""
    from detector import quality
    from detector.document import Block, Document

    doc = Document(result.id or "doc", result.url, result.title,
                   tuple(Block(p.text, kind=p.kind) for p in result.paragraphs), result.format or "html", result.language)
    return quality.score_document(doc, result.paragraphs, config).keep


def sweep_by_half(pages: list[Page], shells: list[Shell], real: dict[str, Any], shell_res: dict[str, Any],
                  spec: str) -> list[dict[str, Any]]:
    """``spec`` = ``FIELD=V1,V2,...`` (a ``Config`` field): for each value, per site half
    (:func:`site_half`), real articles kept and shells made from pages dropped -- to choose a
    limit on one half and check it on the other."""
    from detector import training
    from detector.config import Config

    field_name, values = spec.split("=", 1)
    kind = type(getattr(Config(), field_name))
    half = {p.id: site_half(training.LabeledPage(p.id, p.html, p.truth, p.url, p.source).site) for p in pages}
    rows = []
    for value in values.split(","):
        config = Config(**{field_name: kind(value)})
        row: dict[str, Any] = {field_name: kind(value)}
        for h in (0, 1):
            mine = [p for p in pages if half[p.id] == h]
            made = [s for s in shells if s.origin is not None and half.get(s.origin) == h]
            row[f"half{h}_real_kept"] = sum(rescored(real[p.id], config) for p in mine)
            row[f"half{h}_real"] = len(mine)
            row[f"half{h}_shells_dropped"] = sum(not rescored(shell_res[s.id], config) for s in made)
            row[f"half{h}_shells"] = len(made)
        rows.append(row)
    return rows


def figures(args: argparse.Namespace) -> dict[str, Any]:
    from detector import quality
    from detector.config import Config
    from detector.training.benchmark import trafilatura_default

    config = Config()
    pages = load_pages(args.shared, sources=tuple(args.sources.split(",")), types=tuple(args.types.split(",")),
                       limit=args.limit)
    made = [s for s in map(make_shell, pages) if s is not None]
    shells = made + hand_written_shells()
    log.info("%d pages, %d shells (%d made from pages)", len(pages), len(shells), len(made))
    if args.relevance == "oof":
        real, shell_res = score_out_of_fold(pages, shells, args.folds, args.load_oof, args.shell_cache)
    else:
        real, shell_res = score_shipped(pages, shells)

    out: dict[str, Any] = {"relevance": args.relevance, "pages": len(pages), "shells": len(shells)}
    groups = {"aeb": [p for p in pages if p.source == "aeb"]}
    for t in args.types.split(","):
        groups[f"wcxb-{t}"] = [p for p in pages if p.source == "wcxb" and p.page_type == t]
    rows = []
    dropped_real = []
    for name, group in groups.items():
        if not group:
            continue
        verdicts = [quality.verdict(real[p.id], config) for p in group]
        traf = [trafilatura_default(p.html, p.url) or "" for p in group]
        dt = [datatrove_keeps(t) for t in traf]
        dt_det = [datatrove_keeps(real[p.id].text) for p in group]
        dt_truth = [datatrove_keeps(p.truth) for p in group]
        row = {
            "set": name, "n": len(group),
            "detector_keep": _share([v.keep for v in verdicts]),
            "detector_words": statistics.mean(words_out(real[p.id]) for p in group),
            "detector_text_datatrove_keep": _share([all(d.values()) for d in dt_det]),
            "trafilatura_datatrove_keep": _share([all(d.values()) for d in dt]),
            "trafilatura_words": statistics.mean(len(quality.words(t)) for t in traf),
            "trafilatura_per_filter_keep": {k: _share([d[k] for d in dt]) for k in dt[0]},
            "detector_per_filter_keep": {k: _share([d[k] for d in dt_det]) for k in dt_det[0]},
            "truth_datatrove_keep": _share([all(d.values()) for d in dt_truth]),
            "truth_per_filter_keep": {k: _share([d[k] for d in dt_truth]) for k in dt_truth[0]},
        }
        rows.append(row)
        dropped_real += [
            {"id": p.id, "reasons": list(v.reasons), "why": quality.why_dropped(real[p.id], config)}
            for p, v in zip(group, verdicts) if not v.keep
        ]
    all_real = [quality.verdict(real[p.id], config).keep for p in pages]
    out["real"] = rows
    out["real_keep_all"] = _share(all_real)
    out["real_dropped"] = dropped_real

    shell_rows = []
    kinds: dict[str, list[Shell]] = {"removed (AEB)": [s for s in made if s.origin.startswith("aeb:")],
                                     "removed (WCXB-dev)": [s for s in made if s.origin.startswith("wcxb:")],
                                     "hand-written": [s for s in shells if s.origin is None]}
    for name, group in kinds.items():
        if not group:
            continue
        res = [shell_res[s.id] for s in group]
        words = [words_out(r) for r in res]
        traf = [trafilatura_default(s.html, s.url) or "" for s in group]
        tw = [len(quality.words(t)) for t in traf]
        shell_rows.append({
            "set": name, "n": len(group),
            "detector_drop": _share([not quality.verdict(r, config).keep for r in res]),
            "detector_words_mean": statistics.mean(words),
            "detector_at_most_20_words": _share([w <= SHORT_SHELL_WORDS for w in words]),
            "trafilatura_datatrove_drop": _share([not all(datatrove_keeps(t).values()) for t in traf]),
            "trafilatura_words_mean": statistics.mean(tw),
            "trafilatura_at_most_20_words": _share([w <= SHORT_SHELL_WORDS for w in tw]),
            "body_left_mean": statistics.mean(s.left for s in group),
        })
    all_res = [shell_res[s.id] for s in shells]
    out["shells"] = shell_rows
    out["shells_drop_all"] = _share([not quality.verdict(r, config).keep for r in all_res])
    out["shells_at_most_20_words_all"] = _share([words_out(r) <= SHORT_SHELL_WORDS for r in all_res])
    out["shells_words_mean_all"] = statistics.mean(words_out(r) for r in all_res)
    truth_of = {p.id: p.truth for p in pages}
    out["shells_kept"] = [
        {"id": s.id, "words": words_out(shell_res[s.id]), "flags": list(shell_res[s.id].quality.flags),
         "from_body": from_body(shell_res[s.id].text, truth_of.get(s.origin or ""))}
        for s in shells if quality.verdict(shell_res[s.id], config).keep
    ]
    shares = [k["from_body"] for k in out["shells_kept"] if k["from_body"] is not None]
    out["shells_kept_from_body"] = {
        "kept": len(out["shells_kept"]),
        "mostly_body": sum(x >= 0.5 for x in shares),
        "mostly_other": sum(x < 0.5 for x in shares),
    }
    if args.sweep:
        out["sweep"] = sweep_by_half(pages, shells, real, shell_res, args.sweep)
    if args.agreement:
        out["agreement"] = agreement([(real[p.id].text, real[p.id].language) for p in pages], config)
    return out


def from_body(kept: str, truth: str | None) -> float | None:
    """The share of the kept text's word 3-grams (lower-cased) that occur in the page's true
    body: for a shell made from a page, how much of what was kept is the part of the article the
    deleted element did not hold (a standfirst, a summary box, a FAQ) rather than other text of
    the page (teasers, a bio, an "about us"). None without a page or with under 3 kept words."""
    if truth is None:
        return None
    mine = _trigrams(kept)
    if not mine:
        return None
    body = set(_trigrams(truth))
    return sum(g in body for g in mine) / len(mine)


def _trigrams(text: str) -> list[tuple[str, ...]]:
    from detector import quality

    words = [w.lower() for w in quality.words(text) if any(c.isalnum() for c in w)]
    return list(zip(words, words[1:], words[2:]))


def agreement(texts: list[tuple[str, str | None]], config) -> dict[str, dict[str, Any]]:
    """Per flag: on how many non-empty texts datatrove could say, how many disagree, and the share."""
    from detector import quality

    n: Counter = Counter()
    bad: Counter = Counter()
    for text, lang in texts:
        if not text.strip():
            continue
        ours = {r.flag for r in quality.fired_rules(quality.measure(text, lang, config), config)}
        for flag, fires in datatrove_flags(text, lang).items():
            if fires is None:
                continue
            n[flag] += 1
            bad[flag] += fires != (flag in ours)
    return {f: {"documents": n[f], "disagree": bad[f], "agreement": 1 - bad[f] / n[f]} for f in n}


def format_report(out: dict[str, Any]) -> str:
    lines = []
    if out["relevance"] == "shipped":
        lines.append("relevance: SHIPPED model -- in-sample on the pages it was trained on (AEB, and WCXB-dev for a "
                     "model trained on it); use --relevance oof for out-of-fold figures")
    else:
        lines.append("relevance: out-of-fold (no page, and no shell made from a page, scored by a model that saw it)")
    lines.append("")
    lines.append("real articles                n   detector keep  words   detector text->datatrove keep   "
                 "trafilatura->datatrove keep  words")
    for r in out["real"]:
        lines.append(f"{r['set']:<22} {r['n']:>7}   {_pct(r['detector_keep']):>12}  {r['detector_words']:>6.0f}   "
                     f"{_pct(r['detector_text_datatrove_keep']):>29}   {_pct(r['trafilatura_datatrove_keep']):>26}  "
                     f"{r['trafilatura_words']:>5.0f}")
        per = ", ".join(f"{k} {_pct(v)}" for k, v in r["trafilatura_per_filter_keep"].items())
        lines.append(f"{'':<22}   trafilatura per filter: {per}")
        per = ", ".join(f"{k} {_pct(v)}" for k, v in r["detector_per_filter_keep"].items())
        lines.append(f"{'':<22}   detector per filter:    {per}")
        per = ", ".join(f"{k} {_pct(v)}" for k, v in r["truth_per_filter_keep"].items())
        lines.append(f"{'':<22}   true body per filter:   {per} (all four {_pct(r['truth_datatrove_keep'])})")
    lines.append(f"all real articles: detector keep {_pct(out['real_keep_all'])}")
    for d in out["real_dropped"]:
        lines.append(f"  dropped {d['id']}: {d['why']}")
    lines.append("")
    lines.append("shells                       n   detector drop  words  <=20 words   trafilatura->datatrove drop  "
                 "words  <=20 words  body left")
    for r in out["shells"]:
        lines.append(f"{r['set']:<22} {r['n']:>7}   {_pct(r['detector_drop']):>12}  {r['detector_words_mean']:>5.1f}  "
                     f"{_pct(r['detector_at_most_20_words']):>10}   {_pct(r['trafilatura_datatrove_drop']):>27}  "
                     f"{r['trafilatura_words_mean']:>5.1f}  {_pct(r['trafilatura_at_most_20_words']):>10}  "
                     f"{_pct(r['body_left_mean']):>9}")
    lines.append(f"all shells: detector drop {_pct(out['shells_drop_all'])}, mean words kept "
                 f"{out['shells_words_mean_all']:.1f}, <=20 words kept {_pct(out['shells_at_most_20_words_all'])}")
    kb = out["shells_kept_from_body"]
    lines.append(f"kept shells: {kb['kept']}; of those made from a page, {kb['mostly_body']} keep mostly words of the "
                 f"page's own body (>= 50%: the part the deleted element did not hold), {kb['mostly_other']} mostly other text")
    for k in out["shells_kept"][:30]:
        share = "-" if k["from_body"] is None else f"{100 * k['from_body']:.0f}%"
        lines.append(f"  kept shell {k['id']}: {k['words']:.0f} words, {share} from the body, flags {', '.join(k['flags']) or '-'}")
    for row in out.get("sweep", []):
        name, value = next(iter(row.items()))
        lines.append(f"{name}={value}: " + " | ".join(
            f"half {h}: real kept {row[f'half{h}_real_kept']}/{row[f'half{h}_real']}, "
            f"shells dropped {row[f'half{h}_shells_dropped']}/{row[f'half{h}_shells']}" for h in (0, 1)))
    if "agreement" in out:
        lines.append("")
        lines.append("flag agreement with datatrove on the detector's kept texts")
        for f, a in sorted(out["agreement"].items()):
            lines.append(f"  {f:<34} {a['documents']:>5} docs  {a['disagree']:>3} differ  {100 * a['agreement']:.1f}%")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="the ../shared folder")
    ap.add_argument("--relevance", "--model", choices=("oof", "shipped"), default="oof",
                    help="oof: out-of-fold paragraph model (slow); shipped: the shipped model (in-sample on AEB)")
    ap.add_argument("--folds", type=int, default=5, help="folds for --relevance oof")
    ap.add_argument("--load-oof", type=Path, default=None,
                    help="with --relevance oof: the real pages' out-of-fold relevance saved by scripts/evaluate.py "
                         "--save-oof (only a file that script wrote; no retraining for them)")
    ap.add_argument("--shell-cache", type=Path, default=None,
                    help="with --relevance oof: keep the shells' out-of-fold relevance in this pickle (written by this "
                         "script) and reuse it on a rerun (verdict experiments without refitting)")
    ap.add_argument("--limit", type=int, default=None, help="pages per source, evenly spread (default: all)")
    ap.add_argument("--sources", default="aeb,wcxb", help="aeb, wcxb or both")
    ap.add_argument("--types", default="article", help="WCXB-dev page types, comma-separated")
    ap.add_argument("--no-agreement", dest="agreement", action="store_false",
                    help="skip the datatrove flag agreement")
    ap.add_argument("--sweep", default=None, metavar="FIELD=V1,V2",
                    help="also judge every page and shell again with each value of one Config field (e.g. "
                         "min_main_run_chars=0,350,400) and report real articles kept / shells dropped per site half")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    if not (args.shared / "data").is_dir():
        print(f"evaluate_verdict: {args.shared / 'data'} not found (pass --shared)", file=sys.stderr)
        return 2
    start = time.process_time()
    out = figures(args)
    out["cpu_seconds"] = round(time.process_time() - start, 1)
    print(format_report(out))
    if args.json:
        args.json.write_text(json.dumps(out, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
