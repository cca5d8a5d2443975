#!/usr/bin/env python
"""CPU time per AEB page of the three functions the library switches replaced: old vs new.

    python scripts/bench_switches.py [--data DIR] [--before REV] [--limit N]

- charset: ``detector.extract.encoding.decode`` (own label handling -> w3lib's WHATWG labels)
- language: ``detector.language.detect_language(text)`` with the declaration withheld
  (stop-word vote -> py3langid)
- stemming: ``detector.redundancy._content_words`` over the page's blocks in the page's language
  (first six letters -> Snowball stemmers, snowballstemmer)

The old functions are the files at git revision REV (default: e9c3f1d, before the switches),
loaded into this process beside today's, so both run on the same pages in one process.
Timed with ``time.process_time``, interleaved page by page (the old one first on even pages,
second on odd ones); caches each function keeps (py3langid's model, the stems) are warmed on
the first page and not timed there. Prints mean CPU ms per page and the median per-page ratio
new/old with its quartiles.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path

from detector import Config, RawDoc
from detector.extract import encoding as new_encoding
from detector.extract import extract
from detector.extract.textutil import cached_folded_tokens
from detector import language as new_language
from detector import redundancy as new_redundancy
from detector.language import stopwords

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "aeb"


def module_at(rev: str, path: str, name: str) -> types.ModuleType:
    """The module in ``path`` as it was at git revision ``rev``, loaded under ``name``."""
    source = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout
    module = types.ModuleType(name)
    module.__file__ = f"{rev}:{path}"
    sys.modules[name] = module  # dataclasses look their module up while the class body runs
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def timed(fn, *args) -> float:
    t0 = time.process_time()
    fn(*args)
    return time.process_time() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--before", default="e9c3f1d", help="git revision of the old functions")
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args(argv)

    old_encoding = module_at(args.before, "detector/extract/encoding.py", "old_encoding")
    old_language = module_at(args.before, "detector/language.py", "old_language")
    old_redundancy = module_at(args.before, "detector/redundancy.py", "old_redundancy")

    config = Config()
    pages = []
    for path in sorted((args.data / "html").glob("*.html.gz"))[: args.limit]:
        html = gzip.decompress(path.read_bytes())
        doc = extract(RawDoc(id=path.name, content=html, format="html"), config)
        body = " ".join(b.text for b in doc.blocks[:200])
        pages.append((html, body, [b.text for b in doc.blocks], doc.language))

    def stem_old(texts, lang):
        stops = stopwords(lang)
        for t in texts:
            old_redundancy._content_words(t, stops)

    def stem_new(texts, lang):
        stops = stopwords(lang)
        for t in texts:
            new_redundancy._content_words(t, stops, lang)

    switches = {
        "charset (decode)": (lambda p: old_encoding.decode(p[0]), lambda p: new_encoding.decode(p[0])),
        "language (detect_language)": (lambda p: old_language.detect_language(p[1]),
                                       lambda p: new_language.detect_language(p[1])),
        "stemming (_content_words)": (lambda p: stem_old(p[2], p[3]), lambda p: stem_new(p[2], p[3])),
    }
    print(f"{len(pages)} AEB pages; old = {args.before}, new = this checkout; CPU ms per page")
    print(f"| switch | old ms/page | new ms/page | new/old per page: median (quartiles) |")
    print("|---|---|---|---|")
    for name, (old, new) in switches.items():
        old(pages[0]), new(pages[0])  # warm: model load, first stems
        t_old, t_new = [], []
        for k, page in enumerate(pages):
            for_old_first = k % 2 == 0
            for fn, out in ((old, t_old), (new, t_new)) if for_old_first else ((new, t_new), (old, t_old)):
                for text in page[2]:
                    cached_folded_tokens(text)  # tokenising is shared by both: not part of either
                out.append(timed(fn, page))
        ratios = sorted(n / o for o, n in zip(t_old, t_new) if o > 0)
        q = statistics.quantiles(ratios, n=4)
        print(f"| {name} | {statistics.mean(t_old) * 1e3:.3f} | {statistics.mean(t_new) * 1e3:.3f} | "
              f"{q[1]:.2f} ({q[0]:.2f}-{q[2]:.2f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
