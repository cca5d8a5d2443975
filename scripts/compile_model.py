#!/usr/bin/env python
"""Compile a trained paragraph model's trees for onnxruntime and check them.

    python scripts/compile_model.py [MODEL.joblib] [--data ../shared/data/aeb]

Writes ``MODEL.stage1.onnx``, ``MODEL.stage2.onnx`` and ``MODEL.arrays.npz`` (the rest of the
fitted state as plain arrays, ``detector.model.ScoringArrays``) beside the joblib (default: the
shipped ``models/paragraph-model.joblib``), records their SHA-256 in the card, then scores the seed
pages, the failure-class test pages and (when ``--data`` exists) every AEB page with
scikit-learn and with the compiled files (no scikit-learn) and fails (exit 1) if any relevance differs by more
than 1e-9. ``detector train`` does the same compile step; run this after retraining a model
some other way, or when the card's ``compiled`` entry names another joblib.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dump_outputs import DEFAULT_DATA, page_set  # noqa: E402

TOLERANCE = 1e-9


def main(argv: list[str] | None = None) -> int:
    from detector import Detector, RawDoc
    from detector.features import featurize
    from detector.model import load_model, shipped_model_path

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", type=Path, nargs="?", default=None, help="model .joblib (default: the shipped one)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="AEB folder for the check (skipped when absent)")
    args = parser.parse_args(argv)
    path = args.model or shipped_model_path()
    reference = load_model(path, compiled=False)
    card = reference.save_compiled(path)
    for stage, info in card["compiled"]["stages"].items():
        print(f"{stage}: {info['file']} sha256 {info['sha256']}")
    if "arrays" in card["compiled"]:
        print(f"arrays: {card['compiled']['arrays']['file']} sha256 {card['compiled']['arrays']['sha256']}")
    compiled = load_model(path)
    if compiled.compiled is None:
        print("onnxruntime is not importable: compiled, but not checked", file=sys.stderr)
        return 1
    det = Detector(model=reference)
    gap, n_docs, n_blocks = 0.0, 0, 0
    for doc_id, content, url, fmt in page_set(args.data):
        features = featurize(det.extract(RawDoc(id=doc_id, content=content, url=url, format=fmt)))  # type: ignore[arg-type]
        a, b = reference.predict_relevance(features), compiled.predict_relevance(features)
        gap = max(gap, float(np.max(np.abs(a - b), initial=0.0)))
        n_docs, n_blocks = n_docs + 1, n_blocks + len(a)
    print(f"checked {n_docs} documents, {n_blocks} blocks: largest relevance gap {gap:.3g} (limit {TOLERANCE})")
    return 0 if gap <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
