#!/usr/bin/env python
"""Dump every output of the detector on a fixed page set, and compare two dumps.

A speed change must leave the outputs identical: dump before, dump after, compare.

    python scripts/dump_outputs.py dump before.jsonl [--data ../shared/data/aeb] [--sklearn]
    python scripts/dump_outputs.py compare before.jsonl after.jsonl [--tol 1e-9]

The page set: every AEB page (``--data``; skipped when absent), the seed pages and text
(``seeds/``) and the failure-class test pages (``tests/pages/``). One JSON line per document:
the whole ``Result`` with unrounded floats (relevance, redundancy, quality signals), the
paragraphs, their reasons and the stats. ``--sklearn`` predicts with scikit-learn even when
compiled trees are available (the reference). ``compare`` exits 1 when any document differs
(floats by more than ``--tol``, default 0: bit-identical) and prints the first differences.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import math
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "aeb"


def page_set(data: Path | None) -> Iterator[tuple[str, bytes, str | None, str]]:
    """(id, content, url, format) of every page dumped, in a fixed order."""
    if data is not None and (data / "ground-truth.json").is_file():
        truth = json.loads((data / "ground-truth.json").read_text("utf-8"))
        for page_id in sorted(truth):
            path = data / "html" / f"{page_id}.html.gz"
            if path.is_file():
                yield f"aeb/{page_id}", gzip.decompress(path.read_bytes()), truth[page_id].get("url"), "html"
    for folder in (ROOT / "seeds", ROOT / "tests" / "pages"):
        for path in sorted(folder.iterdir()):
            if path.suffix in (".html", ".txt"):
                fmt = "html" if path.suffix == ".html" else "text"
                yield f"{folder.name}/{path.name}", path.read_bytes(), None, fmt


def plain(obj: Any) -> Any:
    """JSON-able copy with every float kept exactly (repr round-trips)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        return obj.item()  # numpy scalar
    return obj


def dump(args: argparse.Namespace) -> int:
    from detector import Detector, RawDoc
    from detector.model import load_model

    det = Detector(model=load_model(compiled=not args.sklearn))
    n = 0
    with open(args.output, "w", encoding="utf-8") as out:
        for doc_id, content, url, fmt in page_set(args.data):
            result = det.score(RawDoc(id=doc_id, content=content, url=url, format=fmt))  # type: ignore[arg-type]
            out.write(json.dumps({"id": doc_id, "result": plain(result)}, sort_keys=True) + "\n")
            n += 1
    print(f"{n} documents -> {args.output} (compiled trees: {det.model.compiled is not None})")
    return 0


def differences(a: Any, b: Any, tol: float, where: str = "") -> Iterator[tuple[str, Any, Any]]:
    if isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        if not (a == b or (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol):
            yield where, a, b
    elif isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                yield f"{where}.{key}", a.get(key, "<absent>"), b.get(key, "<absent>")
            else:
                yield from differences(a[key], b[key], tol, f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, tol, f"{where}[{i}]")
    elif a != b:
        yield where, a, b


def max_float_gap(a: Any, b: Any) -> float:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) if not (math.isnan(a) or math.isnan(b)) else 0.0
    if isinstance(a, dict) and isinstance(b, dict):
        return max((max_float_gap(a[k], b[k]) for k in a.keys() & b.keys()), default=0.0)
    if isinstance(a, list) and isinstance(b, list):
        return max((max_float_gap(x, y) for x, y in zip(a, b)), default=0.0)
    return 0.0


def compare(args: argparse.Namespace) -> int:
    def read(path: Path) -> dict[str, Any]:
        with open(path, encoding="utf-8") as fh:
            return {rec["id"]: rec["result"] for rec in map(json.loads, fh)}

    before, after = read(args.before), read(args.after)
    if before.keys() != after.keys():
        print(f"different document sets: {len(before.keys() ^ after.keys())} ids in only one dump")
        return 1
    changed, gap, shown = 0, 0.0, 0
    for doc_id in before:
        gap = max(gap, max_float_gap(before[doc_id], after[doc_id]))
        diffs = list(differences(before[doc_id], after[doc_id], args.tol))
        changed += bool(diffs)
        for where, x, y in diffs:
            if shown < args.show:
                print(f"{doc_id}{where}: {str(x)[:80]!r} -> {str(y)[:80]!r}")
                shown += 1
    print(f"{len(before)} documents, {changed} differ (tolerance {args.tol}); largest float gap {gap:.3g}")
    return 1 if changed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    d = sub.add_parser("dump", help="score the page set and write every output as JSONL")
    d.add_argument("output", type=Path)
    d.add_argument("--data", type=Path, default=DEFAULT_DATA, help="AEB folder (skipped when absent)")
    d.add_argument("--sklearn", action="store_true", help="predict with scikit-learn, not the compiled trees")
    d.set_defaults(func=dump)
    c = sub.add_parser("compare", help="compare two dumps; exit 1 when they differ")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--tol", type=float, default=0.0, help="largest allowed float difference (default 0)")
    c.add_argument("--show", type=int, default=20, help="differences printed (default 20)")
    c.set_defaults(func=compare)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
