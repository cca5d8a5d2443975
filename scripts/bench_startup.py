#!/usr/bin/env python
"""How long ``detector --help`` takes: wall and CPU time of fresh interpreters.

    python scripts/bench_startup.py [--runs N] [--tree DIR ...]

Runs ``python -m detector --help`` N times per source tree (default: this checkout), trees
interleaved run by run, each with ``PYTHONPATH=DIR`` so an old checkout (``git archive REV |
tar -x -C DIR``) can be compared in the same session. Prints the median wall time (what a person
waits), its range, and the mean CPU time of the child processes.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_run(tree: Path, argv: list[str]) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "detector", *argv], env=env, cwd=tree, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--tree", type=Path, action="append", default=None, help="a source tree (repeatable)")
    ap.add_argument("--args", default="--help", help="the command line after 'detector' (default: --help)")
    args = ap.parse_args(argv)
    trees = args.tree or [ROOT]
    results: dict[Path, list[tuple[float, float]]] = {t: [] for t in trees}
    for _ in range(args.runs):
        for tree in trees:
            results[tree].append(one_run(tree, args.args.split()))
    for tree, runs in results.items():
        wall = [w for w, _ in runs]
        cpu = [c for _, c in runs]
        print(f"{tree}: detector {args.args}: wall median {statistics.median(wall):.2f} s "
              f"(range {min(wall):.2f}-{max(wall):.2f}), CPU mean {statistics.mean(cpu):.2f} s, n={len(runs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
