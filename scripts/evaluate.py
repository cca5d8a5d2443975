#!/usr/bin/env python
"""Evaluate the detector beside trafilatura on AEB and WCXB-dev, out-of-fold, in one run.

    python scripts/evaluate.py [--aeb DIR] [--wcxb DIR] [--wcxb-sample N] [--folds 5]
                               [--json OUT] [--gate] [--ablate] [--oracle] [--model oof|shipped]

Each corpus is scored with its own metric (detector/training/benchmark.py, wcxb.py):

- AEB (181 pages): the benchmark's shingle metric (precision over non-empty predictions,
  recall over all pages, F1 of the two means, exact-match accuracy);
- WCXB-dev (1,497 pages, seven page types; CC-BY-4.0, Murrough Foley): bag-of-words precision,
  recall and F1, each the mean over pages, plus the share of ``with`` snippets found and of
  ``without`` snippets leaked, overall and per page type.

Systems, on the same pages in the same run: trafilatura ``extract()`` with its defaults
(comments included), with ``include_comments=False``, and with ``favor_precision=True``; the
detector. The detector row is OUT-OF-FOLD: grouped k-fold by site over AEB + WCXB-dev together
(a site's pages are never in both training and test), the seed and synthetic pages added to
every training fold. ``--model shipped`` scores with the shipped model instead (in-sample: it
was trained on these pages; labelled so).

Also out-of-fold: the plain-text check (the true bodies of AEB pages and WCXB article pages
given as plain text; the share of their words kept) and, with ``--ablate``, the effect of each
page rule of ``decide.PAGE_RULES`` on both corpora (the same relevance, the rule switched off).

With ``--oracle``, two rows that read the truth (diagnostics, never gated): the blocks the
training labels call main content, joined (what a perfect paragraph model could reach with this
extraction's blocks), and those labels through the decision layer (``training.label_ceilings``).

``--gate`` exits 1 if the detector's F1 falls below trafilatura default's on AEB or on
WCXB-dev (the generalisation issue's gate); it also prints the margin to the best trafilatura
row, which is reported, not gated.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import random
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from detector.training.benchmark import (  # noqa: E402
    AebPage,
    SystemScores,
    format_table,
    load_aeb,
    score_predictions,
)
from detector.training.wcxb import WcxbPage, WcxbScores, format_wcxb_table, load_wcxb, score_wcxb  # noqa: E402

log = logging.getLogger("evaluate")
SHARED = ROOT.parent / "shared" / "data"
TRAFILATURA = {
    "trafilatura_default": ("trafilatura default", {}),
    "trafilatura_no_comments": ("trafilatura include_comments=False", {"include_comments": False}),
    "trafilatura_precision": ("trafilatura favor_precision", {"include_comments": False, "favor_precision": True}),
}


def trafilatura_outputs(pages: list[Any], kwargs: dict[str, Any]) -> dict[str, str]:
    import trafilatura

    out = {}
    for p in pages:
        try:
            out[p.id] = trafilatura.extract(p.html, url=p.url or None, **kwargs) or ""
        except Exception as exc:  # a broken page must not stop the benchmark
            log.warning("trafilatura failed on %s: %s", p.id, exc)
            out[p.id] = ""
    return out


def trafilatura_baselines(pages: list[Any], jobs: int) -> dict[str, dict[str, str]]:
    """Every TRAFILATURA configuration's output on every page (``{key: {page_id: text}}``);
    with ``jobs`` > 1 the pages are shared out among that many forked processes."""
    from detector.training import forked_map

    def run(share: list[Any]) -> dict[str, dict[str, str]]:
        return {key: trafilatura_outputs(share, kwargs) for key, (_, kwargs) in TRAFILATURA.items()}

    if jobs <= 1 or len(pages) < 2:
        return run(pages)
    merged: dict[str, dict[str, str]] = {key: {} for key in TRAFILATURA}
    for part in forked_map(run, [pages[rank::jobs] for rank in range(jobs)]):
        for key, outputs in part.items():
            merged[key].update(outputs)
    return merged


def sample_wcxb(pages: list[WcxbPage], n: int | None, seed: int) -> list[WcxbPage]:
    """``n`` pages drawn per page type in proportion (at least 5 of each type), by a fixed seed."""
    if not n or n >= len(pages):
        return pages
    rng = random.Random(seed)
    by_type: dict[str, list[WcxbPage]] = {}
    for p in pages:
        by_type.setdefault(p.page_type, []).append(p)
    picked: list[WcxbPage] = []
    for t, group in sorted(by_type.items()):
        k = max(5, round(n * len(group) / len(pages)))
        picked += rng.sample(group, min(k, len(group)))
    return sorted(picked, key=lambda p: p.id)


def words_kept(output: str, truth: str) -> float:
    """Share of the truth's words (lower-cased ``\\w+``, as a bag) found in ``output``."""
    from detector.training.wcxb import bag_of_words

    true = bag_of_words(truth)
    total = sum(true.values())
    return sum((bag_of_words(output) & true).values()) / total if total else 1.0


@dataclass
class Detected:
    aeb: dict[str, str]
    wcxb: dict[str, str]
    plain_text: dict[str, float]
    ablations: dict[str, dict[str, float]]
    label: str
    oracle: dict[str, dict[str, str]] = field(default_factory=dict)


def detector_out_of_fold(aeb: list[AebPage], wcxb: list[WcxbPage], args: argparse.Namespace) -> Detected:
    from detector import training
    from detector.config import Config
    from detector.decide import PAGE_RULES

    config = Config()
    pages = [training.LabeledPage(f"aeb:{p.id}", p.html, p.truth, p.url or None, "aeb") for p in aeb]
    pages += [
        training.LabeledPage(f"wcxb:{p.id}", p.html, p.truth, p.url or None, "wcxb",
                             include=p.with_snippets, exclude=p.without_snippets, page_type=p.page_type)
        for p in wcxb
    ]  # fmt: skip
    extra = training.seed_pages(args.seeds) if args.seeds.is_dir() else []
    extra += training.generated_pages(args.synthetic, seed=args.synthetic_seed) if args.synthetic else []
    start, wall = time.process_time(), time.perf_counter()
    prepared = training.prepare_pages(pages, config)
    extra_prepared = training.prepare_pages(extra, config)
    extra_table = training.training_table(extra_prepared) if extra_prepared else None
    if args.seeds.is_dir():
        import pandas as pd

        extra_table = pd.concat([t for t in (extra_table, training.seed_text_table(args.seeds, config)) if t is not None and len(t)], ignore_index=True)
    log.info("prepared %d + %d pages: %.0f s CPU", len(prepared), len(extra_prepared), time.process_time() - start)
    if args.load_oof:
        import pickle

        with open(args.load_oof, "rb") as fh:
            cv = pickle.load(fh)  # our own file from --save-oof (trusted input, as a model file is)
        missing = {p.page.id for p in prepared} - set(cv.relevance)
        if missing:
            raise SystemExit(f"error: {args.load_oof} has no relevance for {len(missing)} of these pages")
        if any(len(cv.relevance[p.page.id]) != len(p.html_doc.blocks) for p in prepared):
            raise SystemExit(f"error: {args.load_oof} was made with another extraction (block counts differ)")
        log.info("out-of-fold relevance read from %s (no training)", args.load_oof)
    else:
        cv = training.cross_validate(
            prepared, extra_prepared, folds=args.folds, config=config, extra_table=extra_table,
            plain_text=lambda page: page.source == "aeb" or page.page_type == "article", jobs=args.jobs,
            params=args.params,
        )  # fmt: skip
        log.info("out-of-fold predictions: %.0f s CPU in this process, %.0f s wall (--jobs %d)",
                 time.process_time() - start, time.perf_counter() - wall, args.jobs)  # fmt: skip
        if args.save_oof:
            import pickle

            with open(args.save_oof, "wb") as fh:
                pickle.dump(cv, fh, protocol=5)

    def texts(cfg: Config) -> tuple[dict[str, str], dict[str, str]]:
        out = training.texts_from_relevance(prepared, cv.relevance, cfg, getattr(cv, "lexical", None))
        return ({k[4:]: v for k, v in out.items() if k.startswith("aeb:")},
                {k[5:]: v for k, v in out.items() if k.startswith("wcxb:")})  # fmt: skip

    aeb_out, wcxb_out = texts(config)
    truth = {p.page.id: p.page.truth for p in prepared}
    plain = {k: words_kept(v, truth[k]) for k, v in cv.plain_text.items()}
    ablations: dict[str, dict[str, Any]] = {}
    if args.ablate:
        base_aeb = score_predictions("base", aeb_out, aeb).f1 if aeb else 0.0
        base_wcxb = score_wcxb("base", wcxb_out, wcxb) if wcxb else None
        for name, _ in PAGE_RULES:
            # the rule switched alone: off when the configuration runs it, on when it is off by default
            # ("without" then means "with", and a positive delta means switching it on would cost)
            on = name not in config.disabled_rules
            a, w = texts(config.replace(disabled_rules=config.disabled_rules ^ {name}))
            without = score_wcxb(name, w, wcxb) if wcxb else None
            ablations[name if on else f"{name} (off by default: switched on)"] = {
                "aeb_f1_without": round(score_predictions(name, a, aeb).f1, 4) if aeb else None,
                "aeb_delta": round(base_aeb - score_predictions(name, a, aeb).f1, 4) if aeb else None,
                "wcxb_f1_without": round(without.f1, 4) if without else None,
                "wcxb_delta": round(base_wcxb.f1 - without.f1, 4) if without else None,
                "wcxb_delta_by_type": {t: round(base_wcxb.by_type[t].f1 - s.f1, 4) for t, s in without.by_type.items()}
                if without else {},
            }
    oracle = training.label_ceilings(prepared, config) if args.oracle else {}
    return Detected(aeb_out, wcxb_out, plain, ablations, "detector (out-of-fold)", oracle)


def detector_shipped(aeb: list[AebPage], wcxb: list[WcxbPage]) -> Detected:
    from detector import Detector

    det = Detector()
    run = lambda pages: {p.id: det.score_html(p.html, url=p.url or None).text for p in pages}  # noqa: E731
    plain = {}
    for p in aeb:
        plain[f"aeb:{p.id}"] = words_kept(det.score_text(p.truth).text, p.truth)
    for p in wcxb:
        if p.page_type == "article":
            plain[f"wcxb:{p.id}"] = words_kept(det.score_text(p.truth).text, p.truth)
    return Detected(run(aeb), run(wcxb), plain, {}, "detector (shipped model, in-sample)")


def plain_text_summary(plain: dict[str, float]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for corpus in ("aeb", "wcxb"):
        vals = [v for k, v in plain.items() if k.startswith(corpus + ":")]
        if vals:
            out[corpus] = {
                "pages": len(vals),
                "words_kept": round(sum(vals) / len(vals), 4),
                "pages_below_0.9": sum(v < 0.9 for v in vals),
            }
    return out


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2)
            fh.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--aeb", "--data", dest="aeb", type=Path, default=SHARED / "aeb", help="AEB directory")
    parser.add_argument("--wcxb", type=Path, default=SHARED / "wcxb-dev", help="WCXB split directory")
    parser.add_argument("--no-aeb", action="store_true", help="skip AEB")
    parser.add_argument("--no-wcxb", action="store_true", help="skip WCXB-dev")
    parser.add_argument("--wcxb-sample", type=int, help="only N WCXB pages, stratified by page type (CI)")
    parser.add_argument("--sample-seed", type=int, default=0)
    parser.add_argument("--limit", type=int, help="only the first N AEB pages")
    parser.add_argument("--json", type=Path, help="write the figures as JSON")
    parser.add_argument("--details", action="store_true", help="per-page figures in --json")
    parser.add_argument("--model", choices=("oof", "shipped"), default="oof")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (grouped by site)")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds", help="seed pages added to every training fold")
    parser.add_argument("--synthetic", type=int, default=300, help="synthetic pages added to every training fold")
    parser.add_argument("--synthetic-seed", type=int, default=0)
    parser.add_argument("--params", type=json.loads, default=None, metavar="JSON",
                        help="tree parameters over the shipped ones (as detector train --params), e.g. '{\"max_leaf_nodes\": 63}'")
    parser.add_argument("--ablate", action="store_true", help="each page rule's effect on both corpora")
    parser.add_argument("--oracle", action="store_true",
                        help="two more rows read from the truth, never gated: the training labels' blocks joined (the "
                             "ceiling of these blocks) and the labels through the decision layer")  # fmt: skip
    parser.add_argument("--save-oof", type=Path, help="keep the out-of-fold relevance (pickle) for --load-oof")
    parser.add_argument("--load-oof", type=Path,
                        help="reuse the out-of-fold relevance of an earlier run of the same model code (decision-layer "
                             "experiments: the model is not retrained; only a file this script wrote)")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=1,
                        help="forked processes for the trafilatura baselines and the folds (figures do not depend on it "
                             "when OMP_NUM_THREADS=1)")  # fmt: skip
    parser.add_argument("--gate", action="store_true", help="exit 1 if the detector loses to trafilatura on F1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("trafilatura").setLevel(logging.ERROR)

    if args.oracle and args.model == "shipped":
        print("error: --oracle reads the prepared out-of-fold pages; it does not go with --model shipped", file=sys.stderr)
        return 2
    if args.jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
        log.warning("--jobs %d: this platform cannot fork; running in one process", args.jobs)
        args.jobs = 1
    aeb: list[AebPage] = []
    wcxb: list[WcxbPage] = []
    if not args.no_aeb:
        if not (args.aeb / "ground-truth.json").is_file():
            print(f"error: {args.aeb}: no ground-truth.json (is this the AEB directory?)", file=sys.stderr)
            return 2
        aeb = load_aeb(args.aeb)[: args.limit] if args.limit else load_aeb(args.aeb)
    if not args.no_wcxb:
        if not (args.wcxb / "ground-truth").is_dir():
            print(f"error: {args.wcxb}: no ground-truth/ (is this a WCXB split?)", file=sys.stderr)
            return 2
        wcxb = sample_wcxb(load_wcxb(args.wcxb), args.wcxb_sample, args.sample_seed)
    if not aeb and not wcxb:
        print("error: no pages to evaluate", file=sys.stderr)
        return 2

    aeb_rows: dict[str, SystemScores] = {}
    wcxb_rows: dict[str, WcxbScores] = {}
    # with --jobs > 1 the trafilatura rows run in a forked process of their own beside the
    # detector's preparation and folds (whose last fold would leave a core idle)
    pending = None
    if args.jobs > 1 and args.model == "oof" and not args.load_oof:
        from detector.training import Forked

        pending = Forked(lambda _: trafilatura_baselines([*aeb, *wcxb], 1))
    det = detector_shipped(aeb, wcxb) if args.model == "shipped" else detector_out_of_fold(aeb, wcxb, args)
    baselines = pending.result() if pending is not None else trafilatura_baselines([*aeb, *wcxb], args.jobs)
    for key, (name, _) in TRAFILATURA.items():
        if aeb:
            aeb_rows[key] = score_predictions(name, baselines[key], aeb)
        if wcxb:
            wcxb_rows[key] = score_wcxb(name, baselines[key], wcxb)
    log.info("trafilatura baselines done")

    if aeb:
        aeb_rows["detector"] = score_predictions(det.label, det.aeb, aeb)
    if wcxb:
        wcxb_rows["detector"] = score_wcxb(det.label, det.wcxb, wcxb)
    for name, texts in det.oracle.items():  # diagnostics read from the truth: after the detector, never gated
        key, label = "oracle: " + name, f"oracle: {name} (reads the truth)"
        if aeb:
            aeb_rows[key] = score_predictions(label, {k[4:]: v for k, v in texts.items() if k.startswith("aeb:")}, aeb)
        if wcxb:
            wcxb_rows[key] = score_wcxb(label, {k[5:]: v for k, v in texts.items() if k.startswith("wcxb:")}, wcxb)

    plain = plain_text_summary(det.plain_text)
    if aeb:
        print(f"AEB: {len(aeb)} pages from {args.aeb} (shingle metric)")
        print(format_table(list(aeb_rows.values())))
        print()
    if wcxb:
        print(f"WCXB-dev: {len(wcxb)} pages from {args.wcxb} (bag-of-words F1, mean over pages; CC-BY-4.0 M. Foley)")
        print(format_wcxb_table(list(wcxb_rows.values())))
        print()
    for corpus, s in plain.items():
        print(f"plain text ({corpus}): true bodies given as text keep {s['words_kept']:.4f} of their words "
              f"({s['pages']} pages, {s['pages_below_0.9']} below 0.9)")
    if det.ablations:
        print("\n| page rule | AEB F1 without | AEB: rule adds | WCXB F1 without | WCXB: rule adds |\n|---|---|---|---|---|")
        for name, a in det.ablations.items():
            print(f"| {name} | {a['aeb_f1_without']} | {a['aeb_delta']:+.4f} | {a['wcxb_f1_without']} | {a['wcxb_delta']:+.4f} |")
        types = sorted({t for a in det.ablations.values() for t in a["wcxb_delta_by_type"]})
        if types:
            print("\nWCXB F1 each rule adds, per page type:\n| page rule | " + " | ".join(types) + " |\n|---|" + "---|" * len(types))
            for name, a in det.ablations.items():
                print(f"| {name} | " + " | ".join(f"{a['wcxb_delta_by_type'].get(t, 0):+.4f}" for t in types) + " |")

    if args.json:
        data: dict[str, Any] = {key: s.to_dict(per_page=args.details) for key, s in aeb_rows.items()}
        if "detector" in data:
            data["detector"]["evaluation"] = "in-sample" if args.model == "shipped" else "out-of-fold"
        data["wcxb"] = {key: s.to_dict(per_page=args.details) for key, s in wcxb_rows.items()}
        data["plain_text"] = plain
        data["ablations"] = det.ablations
        data["pages"] = {"aeb": len(aeb), "wcxb": len(wcxb), "wcxb_types": dict(Counter(p.page_type for p in wcxb))}
        write_json(args.json, data)

    if args.gate:
        ok = True
        for corpus, rows in (("AEB", aeb_rows), ("WCXB-dev", wcxb_rows)):
            if not rows:
                continue
            base = rows["trafilatura_default"].f1
            best = max(row.f1 for name, row in rows.items() if name.startswith("trafilatura"))
            det_f1 = rows["detector"].f1
            verdict = "ok" if det_f1 >= base else "FAIL"
            ok &= det_f1 >= base
            print(f"gate {corpus}: {verdict} (detector F1 {det_f1:.4f} vs trafilatura default {base:.4f}; "
                  f"best trafilatura row {best:.4f}, margin {det_f1 - best:+.4f})", file=sys.stderr)
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
