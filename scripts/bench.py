#!/usr/bin/env python
"""Speed benchmarks, each against its baseline in the same process.

    python scripts/bench.py pages  [--data ../shared/data/aeb] [--repeat 2]
        pages/s of the full detector pipeline vs trafilatura's default extract() on the same
        pages, their ratio, and the detector's per-stage split.
    python scripts/bench.py corpus [...]
        batch cleaning docs/s for --workers 1 and 2 and peak RSS (scripts/bench_corpus.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detector import Detector, RawDoc

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "aeb"


def load_pages(data: Path, limit: int | None) -> list[tuple[str, bytes, str | None]]:
    truth = json.loads((data / "ground-truth.json").read_text("utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        path = data / "html" / f"{page_id}.html.gz"
        if path.is_file():
            pages.append((page_id, gzip.decompress(path.read_bytes()), truth[page_id].get("url")))
    return pages


STAGES = (
    "extraction (decode, DOM walk, trafilatura fast)",
    "features",
    "model",
    "redundancy",
    "decide + quality",
)


def stage_times(det: Detector, raws: list[RawDoc], repeat: int) -> dict[str, float]:
    """Seconds per stage over all pages, best of ``repeat`` passes. Each page goes through the
    stages in pipeline order, as in ``Detector.score``, so what stages share (the per-text
    token cache) is paid where the pipeline pays it."""
    from detector import decide, quality
    from detector.features import featurize
    from detector.redundancy import score_redundancy

    best = dict.fromkeys(STAGES, float("inf"))
    clock = time.perf_counter
    for _ in range(repeat):
        spent = [0.0] * len(STAGES)
        for raw in raws:
            t0 = clock()
            doc = det.extract(raw)
            t1 = clock()
            feats = featurize(doc)
            t2 = clock()
            rel = det.model.predict_relevance(feats)
            t3 = clock()
            red = score_redundancy(doc, det.config)
            t4 = clock()
            quality.score_document(doc, decide.decide_blocks(doc, rel, red, det.config), det.config)
            t5 = clock()
            for i, seconds in enumerate((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
                spent[i] += seconds
        best = {name: min(best[name], seconds) for name, seconds in zip(STAGES, spent)}
    return best


def bench_pages(args: argparse.Namespace) -> int:
    import trafilatura

    from detector import Detector, RawDoc

    pages = load_pages(args.data, args.limit)
    if not pages:
        print(f"no pages under {args.data}", file=sys.stderr)
        return 2
    det = Detector()
    raws = [RawDoc(id=i, content=html, url=url, format="html") for i, html, url in pages]

    def timed(fn) -> float:
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - start)
        return best

    # the two systems, interleaved in one process on the same pages
    t_traf = timed(lambda: [trafilatura.extract(html, url=url, include_comments=False) for _, html, url in pages])
    t_det = timed(lambda: [det.score(raw) for raw in raws])
    stages = stage_times(det, raws, args.repeat)
    # The floor under the ratio: trafilatura's fast extraction, which the detector runs as a
    # feature, and the rest of the pipeline with that call skipped (its output then differs:
    # timing only).
    from unittest import mock

    import detector.extract.html as html_extraction

    texts = [html.decode("utf-8", "replace") for _, html, _ in pages]
    t_fast = timed(lambda: [html_extraction.extractor_text(text) for text in texts])
    with mock.patch.object(html_extraction, "extractor_text", lambda text: ""):
        t_rest = timed(lambda: [det.score(raw) for raw in raws])
    n = len(pages)
    print(f"{n} AEB pages, best of {args.repeat} runs, one process")
    print(f"{'system':<40} {'pages/s':>9}")
    print(f"{'trafilatura.extract (default)':<40} {n / t_traf:>9.1f}")
    print(f"{'detector (full pipeline)':<40} {n / t_det:>9.1f}")
    print(f"ratio detector / trafilatura: {t_traf / t_det:.2f}")
    print("\nwhere the ratio's floor comes from (ms/page):")
    print(f"  trafilatura.extract (default)                    {1000 * t_traf / n:7.2f}")
    print(f"  trafilatura fast extraction (run by the detector) {1000 * t_fast / n:6.2f}")
    print(f"  detector without that call (timing only)         {1000 * t_rest / n:7.2f}"
          f"  -> ratio {t_traf / t_rest:.2f} even without it")
    total = sum(stages.values())
    print("\nper-stage split of the detector:")
    for name, seconds in stages.items():
        print(f"  {name:<48} {1000 * seconds / n:7.2f} ms/page  {100 * seconds / total:5.1f}%")
    if args.json:
        out = {
            "pages": n,
            "trafilatura_pages_per_s": n / t_traf,
            "detector_pages_per_s": n / t_det,
            "ratio": t_traf / t_det,
            "trafilatura_fast_ms_per_page": 1000 * t_fast / n,
            "detector_without_trafilatura_ms_per_page": 1000 * t_rest / n,
            "stages_ms_per_page": {k: 1000 * v / n for k, v in stages.items()},
        }
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("pages", help="pipeline vs trafilatura on AEB pages")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--json", default=None)
    p.set_defaults(func=bench_pages)
    c = sub.add_parser("corpus", help="batch cleaning throughput and memory (bench_corpus.py)", add_help=False)
    c.set_defaults(func=None)
    args, rest = parser.parse_known_args(argv)
    if args.what == "corpus":
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import bench_corpus

        return int(bench_corpus.main(rest) or 0)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
