#!/usr/bin/env python
"""Train the shipped paragraph model (same as ``detector train``).

    python scripts/train.py --data ../shared/data/aeb --seeds seeds -o models/paragraph-model.joblib

Trains on the 181 AEB pages, the seed's pages and text, and 300 generated synthetic pages
(``--synthetic-n``), then writes the model and its card (SHA-256, versions, parameters).
Out-of-fold metrics come from ``scripts/evaluate.py``.
"""

import sys

from detector.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
