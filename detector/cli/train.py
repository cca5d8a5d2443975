"""``detector train``: fit the paragraph model on labelled pages and write it with its card."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from detector.training import train_and_save


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train the paragraph model", description=__doc__)
    p.add_argument("--data", type=Path, help="AEB-style benchmark folder (html/*.html.gz + ground-truth.json)")
    p.add_argument("--seeds", type=Path, help="seed folder with migrant-crisis-labels.jsonl")
    p.add_argument("--synthetic", type=Path, help="synthetic pages JSONL (scripts/make_synthetic.py)")
    p.add_argument(
        "--synthetic-n", type=int, default=300, metavar="N", help="also generate N synthetic pages (seed 0; 0 = none)"
    )
    p.add_argument("--params", type=json.loads, default=None, help="estimator parameters as JSON")
    p.add_argument("-o", "--output", type=Path, required=True, help="model file to write (.joblib)")
    p.add_argument("--debug", action="store_true", help="show the traceback of errors")
    p.set_defaults(func=run)


def _output_problem(output: Path) -> str | None:
    """Why ``output`` cannot be written, found before hours of training (None: it can)."""
    if output.is_dir():
        return "is a directory; give a file name such as model.joblib"
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        return f"folder {parent} does not exist"
    if not os.access(parent, os.W_OK | os.X_OK) or (output.exists() and not os.access(output, os.W_OK)):
        return "is not writable"
    return None


def run(args: argparse.Namespace) -> int:
    for path in (args.data, args.seeds, args.synthetic):
        if path is not None and not path.exists():
            print(f"detector train: error: {path}: not found", file=sys.stderr)
            return 2
    problem = _output_problem(args.output)
    if problem:
        print(f"detector train: error: -o {args.output}: {problem}", file=sys.stderr)
        return 2
    try:
        card = train_and_save(
            args.output,
            aeb_dir=args.data,
            seeds_dir=args.seeds,
            synthetic=args.synthetic,
            synthetic_n=args.synthetic_n,
            params=args.params,
        )
    except Exception as exc:
        if args.debug:
            raise
        inputs = ", ".join(str(p) for p in (args.data, args.seeds, args.synthetic) if p is not None) or "the inputs"
        message = " ".join(f"{type(exc).__name__}: {exc}".split())[:500]
        print(f"detector train: error: training on {inputs} failed: {message} (run with --debug for the traceback)",
              file=sys.stderr)
        return 2
    print(f"wrote {args.output} (sha256 {card['sha256']}, {card['trained_on']['rows']} rows)")
    return 0
