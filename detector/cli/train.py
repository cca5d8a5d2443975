"""``detector train``: fit the paragraph model on labelled pages and write it with its card.

Sources (several at once): an AEB-style folder (``--data``), a WCXB split (``--wcxb``), and
labelled-page JSONL files (``--pages``, repeatable; the format is in the README and in
``detector.training.labeled_pages_jsonl``), the seed (``--seeds``). At least one of these is
required: without one the command refuses (exit 2) instead of training on synthetic pages
alone. 300 generated synthetic pages join the pages given (``--synthetic-n``); a synthetic-only
model is trained only when asked for explicitly (``--synthetic FILE`` or ``--synthetic-n N``).
``--folds K`` adds out-of-fold figures per source to the card (grouped by site). The model
loads with ``Detector(Config(model_path=...))``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from detector.cli._args import output_problem

DEFAULT_SYNTHETIC_N = 300
"""Generated synthetic pages that join the labelled pages unless ``--synthetic-n`` says otherwise."""

LABELLED_OPTIONS = "--data DIR (AEB-style folder), --wcxb DIR (WCXB split), --pages JSONL (labelled pages) or --seeds DIR"


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train the paragraph model", description=__doc__.replace("``", ""))
    p.add_argument("--data", type=Path, help="AEB-style benchmark folder (html/*.html.gz + ground-truth.json)")
    p.add_argument("--wcxb", type=Path, help="WCXB split folder (html/, ground-truth/)")
    p.add_argument("--pages", type=Path, action="append", default=[], metavar="JSONL",
                   help="labelled pages, one JSON object per line (repeatable)")  # fmt: skip
    p.add_argument("--seeds", type=Path, help="seed folder with migrant-crisis-labels.jsonl")
    p.add_argument("--synthetic", type=Path, help="synthetic pages JSONL (scripts/make_synthetic.py)")
    p.add_argument(
        "--synthetic-n", type=int, default=None, metavar="N",
        help=f"also generate N synthetic pages (seed 0; 0 = none; default {DEFAULT_SYNTHETIC_N}). Given without "
        "labelled pages, asks for a synthetic-only model",
    )
    p.add_argument("--folds", type=int, default=0, metavar="K",
                   help="also compute out-of-fold figures with K folds grouped by site (0 = skip; needs labelled pages "
                        "of at least 2 sites)")  # fmt: skip
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="train the --folds models in N forked processes (Linux) and each model's independent "
                        "boosting fits in N threads; the model does not depend on N (default 1)")  # fmt: skip
    p.add_argument("--params", type=json.loads, default=None, help="estimator parameters as JSON")
    p.add_argument("-o", "--output", type=Path, required=True, help="model file to write (.joblib)")
    p.add_argument("--debug", action="store_true", help="show the traceback of errors")
    p.set_defaults(func=run)


def _progress(stage: str, total: int):
    """A tqdm bar on a terminal (nothing otherwise: the log lines say what happens)."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc=stage, unit="page" if total > 1 else "step", disable=None, file=sys.stderr)
    return bar.update


def run(args: argparse.Namespace) -> int:
    sources = [p for p in (args.data, args.wcxb, args.seeds, args.synthetic, *args.pages) if p is not None]
    for path in sources:
        if not path.exists():
            print(f"detector train: error: {path}: not found", file=sys.stderr)
            return 2
    if args.jobs < 1:
        print(f"detector train: error: --jobs {args.jobs}: must be at least 1", file=sys.stderr)
        return 2
    if problem := output_problem(args.output):  # before hours of training
        print(f"detector train: error: -o {problem}", file=sys.stderr)
        return 2
    if clash := next((p for p in sources if p.is_file() and args.output.exists() and p.samefile(args.output)), None):
        print(f"detector train: error: -o {args.output}: is the training input {clash}; name another file",
              file=sys.stderr)  # the model would replace the labelled pages
        return 2
    labelled = any(p is not None for p in (args.data, args.wcxb, args.seeds)) or bool(args.pages)
    if not labelled and args.synthetic is None and args.synthetic_n is None:
        print(f"detector train: error: no labelled pages given: use {LABELLED_OPTIONS}; for a model of synthetic "
              "pages only, ask for it with --synthetic FILE or --synthetic-n N", file=sys.stderr)
        return 2
    synthetic_n = DEFAULT_SYNTHETIC_N if args.synthetic_n is None else args.synthetic_n  # as before, given a source
    from detector.training import train_and_save  # scikit-learn: only when training

    logging.basicConfig(level=logging.INFO, format="detector train: %(message)s")
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    try:
        card = train_and_save(
            args.output,
            aeb_dir=args.data,
            wcxb_dir=args.wcxb,
            labeled=args.pages,
            seeds_dir=args.seeds,
            synthetic=args.synthetic,
            synthetic_n=synthetic_n,
            params=args.params,
            folds=args.folds,
            jobs=args.jobs,
            progress=_progress,
            require_labelled=args.synthetic is None and args.synthetic_n is None,
        )
    except ValueError as exc:  # a malformed labelled-page file names its line
        if args.debug:
            raise
        print(f"detector train: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except Exception as exc:
        if args.debug:
            raise
        inputs = ", ".join(str(p) for p in sources) or "the inputs"
        message = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
        print(f"detector train: error: training on {inputs} failed: {message} (run with --debug for the traceback)",
              file=sys.stderr)
        return 2
    print(f"wrote {args.output} (sha256 {card['sha256']}, {card['trained_on']['rows']} rows)")
    for source, fig in card.get("metrics", {}).get("out_of_fold", {}).items():
        print(f"  out-of-fold {source}: {fig['pages']} pages, P {fig['precision']:.3f} R {fig['recall']:.3f} "
              f"F1 {fig['f1']:.3f} ({fig['metric']})")  # fmt: skip
    return 0
