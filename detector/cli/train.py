"""``detector train``: fit the paragraph model on labelled pages and write it with its card."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from detector.cli._args import output_problem


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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for path in (args.data, args.seeds, args.synthetic):
        if path is not None and not path.exists():
            print(f"detector train: {path}: not found", file=sys.stderr)
            return 2
    if problem := output_problem(args.output):
        print(f"detector train: {problem}", file=sys.stderr)
        return 2
    from detector.training import train_and_save  # scikit-learn: only when training

    card = train_and_save(
        args.output,
        aeb_dir=args.data,
        seeds_dir=args.seeds,
        synthetic=args.synthetic,
        synthetic_n=args.synthetic_n,
        params=args.params,
    )
    print(f"wrote {args.output} (sha256 {card['sha256']}, {card['trained_on']['rows']} rows)")
    return 0
