#!/usr/bin/env python
"""Generate synthetic labelled article pages (JSONL) for failure classes AEB lacks.

    python scripts/make_synthetic.py --out data/synthetic.jsonl [--n 300] [--seed 0]

One JSON object per line: {"id", "url", "html", "title", "lang", "layout", "body", "blocks"}.
See detector/synthetic.py for the classes and the label vocabulary.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from detector.training.synthetic import generate, write_jsonl


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="output JSONL file (written atomically)")
    parser.add_argument("--n", type=int, default=300, help="number of pages (default 300)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same pages)")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("--n must be >= 0")

    classes: Counter[str] = Counter()

    def counted():
        for page in generate(args.n, seed=args.seed):
            classes.update(b["class"] for b in page.blocks)
            yield page

    count = write_jsonl(counted(), args.out)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(classes.items()))
    print(f"wrote {count} pages to {args.out} (blocks: {summary})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
