#!/usr/bin/env python
"""Evaluate the detector against trafilatura on the article-extraction benchmark (AEB).

    python scripts/evaluate.py --data ../shared/data/aeb [--json OUT] [--limit N]
                               [--model oof|shipped] [--gate]

Runs trafilatura default, trafilatura favor_precision and the detector on the same pages in
one process and prints one table (precision, recall, F1, accuracy, pages/s) with the
benchmark's metric (detector/benchmark.py).

The detector row is OUT-OF-FOLD by default: ``detector.training.out_of_fold_predictions``
predicts every AEB page with a model trained without it (grouped 5-fold; the seed and
synthetic pages are added to every fold's training set). Its pages/s is measured with the
shipped model on the same pages (speed does not depend on the fold). ``--model shipped``
scores the pages with the shipped model instead: that model was trained on these pages, so
its figures are in-sample and labelled as such.

``--gate`` exits 1 if the detector's F1 is below trafilatura default's F1 of the same run.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from detector.training.benchmark import (
    AebPage,
    SystemScores,
    format_table,
    load_aeb,
    run_system,
    score_predictions,
    trafilatura_default,
    trafilatura_precision,
)

log = logging.getLogger("evaluate")
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "aeb"
DEFAULT_SEEDS = ROOT / "seeds"


def shipped_detector_fn():
    """``fn(html, url) -> text`` over one shipped-model Detector (created once)."""
    from detector import Detector

    det = Detector()
    return lambda html, url: det.score_html(html, url=url).text


def extra_training_pages(seeds_dir: Path, n_synthetic: int, synthetic_seed: int) -> list:
    """Seed pages and synthetic pages: added to every fold's training set, never scored."""
    from detector import training
    from detector.training.synthetic import generate

    pages = list(training.seed_pages(seeds_dir)) if seeds_dir.is_dir() else []
    pages += [
        training.LabeledPage(f"synthetic:{p.id}", p.html, p.body, p.url, "synthetic")
        for p in generate(n_synthetic, seed=synthetic_seed)
    ]
    return pages


def detector_out_of_fold(pages: list[AebPage], args: argparse.Namespace) -> SystemScores:
    from detector import training

    labeled = [training.LabeledPage(p.id, p.html, p.truth, p.url or None, "aeb") for p in pages]
    extra = extra_training_pages(args.seeds, args.synthetic, args.synthetic_seed)
    start = time.perf_counter()
    predictions = training.out_of_fold_predictions(labeled, extra_pages=extra, folds=args.folds)
    log.info("out-of-fold predictions: %.0f s", time.perf_counter() - start)

    speed = None
    try:
        speed = run_system("speed", shipped_detector_fn(), pages).pages_per_s
    except Exception as exc:  # no shipped model yet: quality figures still stand
        log.warning("pages/s not measured (shipped model unavailable: %s)", exc)
    return score_predictions("detector (out-of-fold)", predictions, pages, pages_per_s=speed)


def write_json(path: Path, systems: dict[str, SystemScores], details: bool) -> None:
    data = {key: s.to_dict(per_page=details) for key, s in systems.items()}
    if "detector" in systems:
        data["detector"]["evaluation"] = "in-sample" if "in-sample" in systems["detector"].name else "out-of-fold"
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
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="AEB directory (html/, ground-truth.json)")
    parser.add_argument("--json", type=Path, help="write {system: {precision, recall, f1, accuracy, pages_per_s}}")
    parser.add_argument("--details", action="store_true", help="include per-page figures in --json")
    parser.add_argument("--limit", type=int, help="only the first N pages (sorted by id)")
    parser.add_argument("--model", choices=("oof", "shipped"), default="oof",
                        help="detector row: out-of-fold (default) or the shipped model (in-sample on AEB)")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds for --model oof")
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="seed pages added to training folds")
    parser.add_argument("--synthetic", type=int, default=300, help="synthetic pages added to training folds")
    parser.add_argument("--synthetic-seed", type=int, default=0)
    parser.add_argument("--gate", action="store_true", help="exit 1 if detector F1 < trafilatura default F1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # trafilatura logs a warning per odd page; the table is what matters here.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)

    if not (args.data / "ground-truth.json").is_file():
        print(f"error: {args.data}: no ground-truth.json (is this the AEB directory?)", file=sys.stderr)
        return 2
    pages = load_aeb(args.data)
    if args.limit is not None:
        pages = pages[: args.limit]
    if not pages:
        print(f"error: {args.data}: no readable pages", file=sys.stderr)
        return 2

    systems: dict[str, SystemScores] = {
        "trafilatura_default": run_system("trafilatura default", trafilatura_default, pages),
        "trafilatura_precision": run_system("trafilatura favor_precision", trafilatura_precision, pages),
    }
    note = None
    if args.model == "shipped":
        try:
            scores = run_system("detector (shipped model, in-sample)", shipped_detector_fn(), pages)
            systems["detector"] = scores
        except Exception as exc:
            note = f"detector not evaluated: shipped model unavailable ({type(exc).__name__}: {exc})"
    else:
        try:
            from detector.training import out_of_fold_predictions  # noqa: F401
        except ImportError as exc:
            note = f"detector not evaluated: detector.training.out_of_fold_predictions not importable ({exc})"
        else:
            systems["detector"] = detector_out_of_fold(pages, args)

    print(f"AEB: {len(pages)} pages from {args.data}")
    print(format_table(list(systems.values())))
    if "detector" in systems and args.model == "oof":
        print("detector: out-of-fold figures; pages/s measured with the shipped model")
    if note:
        print(f"note: {note}")
    if args.json:
        write_json(args.json, systems, args.details)

    if args.gate:
        if "detector" not in systems:
            print("gate: FAIL (no detector figures)", file=sys.stderr)
            return 1
        det, base = systems["detector"].f1, systems["trafilatura_default"].f1
        verdict = "ok" if det >= base else "FAIL"
        print(f"gate: {verdict} (detector F1 {det:.4f} vs trafilatura default F1 {base:.4f})", file=sys.stderr)
        return 0 if det >= base else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
