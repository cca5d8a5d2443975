#!/usr/bin/env python
"""Reason accuracy on labelled junk lines given as plain text (no markup to help).

    python scripts/eval_reasons.py [--lines tests/data/junk_lines.jsonl] [--model PATH]

Each line of the file is ``{"text": ..., "reason": ...}`` with a reason of the vocabulary
(``detector.document.REASONS``); the lines are hand-written, in several languages, with wording
kept apart from the training data. Every line is scored on its own as plain text and named by
``decide.drop_reason`` with the lexical stage's reason model, exactly as a dropped line of a
scraped text file is. Prints the accuracy overall and per reason, and the confusions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def named_reasons(texts: list[str], model_path: Path | None = None) -> list[str]:
    """The reason the detector gives each text when it is dropped (scored one by one)."""
    from detector.config import Config
    from detector.decide import drop_reason
    from detector.document import RawDoc
    from detector.extract import extract
    from detector.features import featurize
    from detector.model import load_model

    config = Config(model_path=model_path)
    model = load_model(config.model_path)
    out = []
    for text in texts:
        doc = extract(RawDoc(id="line", content=text, format="text"), config)
        hints = model.predict(featurize(doc)).reasons or [None] * len(doc.blocks)
        out.append(drop_reason(doc.blocks[0], hints[0]) if doc.blocks else "low-relevance")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=Path, default=ROOT / "tests" / "data" / "junk_lines.jsonl")
    parser.add_argument("--model", type=Path, help="model file (default: the shipped one)")
    args = parser.parse_args(argv)
    rows = [json.loads(line) for line in args.lines.read_text("utf-8").splitlines() if line.strip()]
    got = named_reasons([r["text"] for r in rows], args.model)
    right = Counter(r["reason"] for r, g in zip(rows, got) if r["reason"] == g)
    total = Counter(r["reason"] for r in rows)
    print(f"reason accuracy on {len(rows)} plain-text junk lines: {sum(right.values()) / len(rows):.3f}")
    for reason in sorted(total):
        print(f"  {reason:12} {right[reason]}/{total[reason]}")
    confusions = Counter((r["reason"], g) for r, g in zip(rows, got) if r["reason"] != g)
    if confusions:
        print("confusions (labelled -> named): " + ", ".join(f"{a}->{b} x{n}" for (a, b), n in confusions.most_common()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
