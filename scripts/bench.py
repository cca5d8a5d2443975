#!/usr/bin/env python
"""Speed benchmarks, each against its baselines in the same process.

    python scripts/bench.py pages [--data ../shared/data/aeb] [--repeat 5] [--wcxb N] [--json OUT]
        CPU time per page of the detector (``Detector.score_html``) and of the stacks people run
        today, interleaved page by page in one process: trafilatura's ``extract()``; the same
        plus datatrove's Gopher repetition, Gopher quality, C4 quality and FineWeb quality
        filters on its text, in FineWeb's order and settings (a document stops at the first
        filter that rejects it, as in a datatrove pipeline); and that stack with FineWeb's own
        extraction settings (``favor_precision``, ``deduplicate``). Prints the median and
        range over the repeats of each pages/s ratio, then the detector's per-stage split.
        Needs the ``bench`` extra (datatrove, spacy) for the filter rows.
    python scripts/bench.py corpus [...]
        batch cleaning docs/s for --workers 1 and 2 and peak RSS (scripts/bench_corpus.py).

Timing is CPU time (``time.process_time``) of this process, so other jobs on a shared machine
do not land in it; the systems run in a rotating order on each page (system k first on page
k, k+1, ...), so cache warmth and garbage collection fall on each alike.
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from detector import Detector, RawDoc

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "aeb"
DEFAULT_WCXB = ROOT.parent / "shared" / "data" / "wcxb-dev"

Page = tuple[str, bytes, "str | None"]


def load_pages(data: Path, limit: int | None) -> list[Page]:
    """(id, html bytes, url) of the AEB pages, sorted by id."""
    truth = json.loads((data / "ground-truth.json").read_text("utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        path = data / "html" / f"{page_id}.html.gz"
        if path.is_file():
            pages.append((page_id, gzip.decompress(path.read_bytes()), truth[page_id].get("url")))
    return pages


def load_wcxb_sample(data: Path, n: int) -> list[Page]:
    """Every k-th page of WCXB-dev (sorted by id) so that about ``n`` are taken."""
    meta = json.loads((data / "metadata.json").read_text("utf-8")).get("files", {})
    ids = sorted(meta)
    step = max(1, len(ids) // max(n, 1))
    pages = []
    for page_id in ids[::step][:n]:
        path = data / "html" / f"{page_id}.html.gz"
        if path.is_file():
            pages.append((f"wcxb/{page_id}", gzip.decompress(path.read_bytes()), meta[page_id].get("url")))
    return pages


def fineweb_filters() -> list[Any]:
    """datatrove's filters in FineWeb's order and settings (datatrove examples/fineweb.py):
    GopherRepetitionFilter, GopherQualityFilter, C4QualityFilter(filter_no_terminal_punct=False),
    FineWebQualityFilter, all with their defaults otherwise."""
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    return [
        GopherRepetitionFilter(),
        GopherQualityFilter(),
        C4QualityFilter(filter_no_terminal_punct=False),
        FineWebQualityFilter(),
    ]


def filtered(extract: Callable[[bytes, str | None], str | None], filters: list[Any]) -> Callable[[Page], bool]:
    """Extract, then the filters in order until one rejects (``filter`` returns False or
    (False, reason)), as a datatrove pipeline passes a document on."""
    from datatrove.data import Document

    def run(page: Page) -> bool:
        text = extract(page[1], page[2])
        if not text:
            return False
        doc = Document(text=text, id=page[0], metadata={"url": page[2]})
        return all(f.filter(doc) is True for f in filters)

    return run


def systems(det: Detector, with_filters: bool) -> dict[str, Callable[[Page], Any]]:
    import trafilatura

    def default(html: bytes, url: str | None) -> str | None:
        # as scripts/evaluate.py runs it (detector.training.benchmark)
        return trafilatura.extract(html, url=url, include_comments=False)

    def fineweb(html: bytes, url: str | None) -> str | None:
        # datatrove's Trafilatura extractor with FineWeb's settings
        return trafilatura.extract(html, url=url, favor_precision=True, include_comments=False, deduplicate=True)

    out: dict[str, Callable[[Page], Any]] = {"trafilatura extract()": lambda p: default(p[1], p[2])}
    if with_filters:
        filters = fineweb_filters()
        out["trafilatura + datatrove filters"] = filtered(default, filters)
        out["FineWeb extract + datatrove filters"] = filtered(fineweb, filters)
    out["detector score_html"] = lambda p: det.score_html(p[1], url=p[2], id=p[0])
    return out


def interleaved_cpu(runs: dict[str, Callable[[Page], Any]], pages: list[Page], repeat: int) -> dict[str, list[float]]:
    """CPU seconds of each system over all pages, one total per repeat. On page i of repeat r
    the systems run in the order rotated by i + r."""
    names = list(runs)
    totals = {name: [0.0] * repeat for name in names}
    clock = time.process_time
    for r in range(repeat):
        for i, page in enumerate(pages):
            k = (i + r) % len(names)
            for name in names[k:] + names[:k]:
                t0 = clock()
                runs[name](page)
                totals[name][r] += clock() - t0
    return totals


STAGES = (
    "extract: trafilatura fast extraction",
    "extract: decode, parse, DOM walk, blocks",
    "features",
    "model",
    "redundancy",
    "decide + quality",
)


class _GcClock:
    """CPU seconds spent in the garbage collector (gc.callbacks) while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.process_time()
        else:
            self.seconds += time.process_time() - self._start
            self.collections += 1


def stage_times(det: Detector, raws: list[RawDoc], repeat: int) -> tuple[dict[str, float], float, int]:
    """CPU seconds per stage over all pages (median of ``repeat`` passes), plus the seconds
    spent in garbage collection and the number of collections in one pass. Each page goes
    through the stages in pipeline order, as in ``Detector.score`` (the model stage includes the
    lexical stage's drop reasons, which decide reads)."""
    from unittest import mock

    import detector.extract.html as html_extraction
    from detector import decide, quality
    from detector.features import feature_arrays
    from detector.model import BlockScores, ParagraphModel
    from detector.redundancy import score_redundancy

    clock = time.process_time
    fast = [0.0]
    inner = html_extraction.extractor_text

    def timed_extractor(*args: Any, **kwargs: Any) -> Any:
        t0 = clock()
        try:
            return inner(*args, **kwargs)
        finally:
            fast[0] += clock() - t0

    passes: list[list[float]] = []
    gc_clock = _GcClock()
    with mock.patch.object(html_extraction, "extractor_text", timed_extractor):
        for r in range(repeat):
            fast[0] = 0.0
            spent = [0.0] * 5
            if r == 0:
                gc.callbacks.append(gc_clock)
            for raw in raws:
                t0 = clock()
                doc = det.extract(raw)
                t1 = clock()
                feats = feature_arrays(doc)  # what Detector.score_document hands the model
                t2 = clock()
                if isinstance(det.model, ParagraphModel):
                    scores = det.model.predict(feats)
                else:  # a stand-in that reads the table
                    scores = BlockScores(det.model.predict_relevance(feats.frame()))
                t3 = clock()
                red = score_redundancy(doc, det.config)
                t4 = clock()
                decisions = decide.decide_blocks(
                    doc, scores.relevance, red, det.config, text_reasons=scores.reasons, lexical=scores.lexical
                )
                quality.score_document(doc, decisions, det.config)
                t5 = clock()
                for i, seconds in enumerate((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
                    spent[i] += seconds
            if r == 0:
                gc.callbacks.remove(gc_clock)
            passes.append([fast[0], spent[0] - fast[0], *spent[1:]])
    medians = [statistics.median(p[i] for p in passes) for i in range(len(STAGES))]
    return dict(zip(STAGES, medians)), gc_clock.seconds, gc_clock.collections


def bench_pages(args: argparse.Namespace) -> int:
    from detector import Detector, RawDoc

    pages = load_pages(args.data, args.limit) if (args.data / "ground-truth.json").is_file() else []
    label = f"{len(pages)} AEB pages"
    if args.wcxb:
        sample = load_wcxb_sample(args.wcxb_data, args.wcxb)
        pages += sample
        label += f" + {len(sample)} WCXB-dev pages"
    if not pages:
        print(f"no pages under {args.data}", file=sys.stderr)
        return 2
    det = Detector()
    try:
        runs = systems(det, with_filters=not args.no_filters)
    except ImportError as exc:
        print(f"{exc}: install the bench extra (pip install -e '.[bench]') or pass --no-filters", file=sys.stderr)
        return 2
    for page in pages[:3]:  # warm-up: imports, lazy tables, the spaCy tokenizer
        for run in runs.values():
            run(page)
    totals = interleaved_cpu(runs, pages, args.repeat)
    n = len(pages)
    det_name = "detector score_html"
    print(f"{label}, {args.repeat} interleaved repeats, CPU time (process_time), one process")
    print(f"compiled trees: {'onnxruntime' if det.model.compiled is not None else 'no (scikit-learn)'}")
    print(f"\n{'system':<38} {'CPU ms/page':>12} {'detector pages/s ratio: median [range]':>40}")
    result: dict[str, Any] = {"pages": n, "repeat": args.repeat, "systems": {}}
    for name, seconds in totals.items():
        ms = 1000 * statistics.median(seconds) / n
        ratios = [base / mine for base, mine in zip(seconds, totals[det_name])]
        cell = "-" if name == det_name else f"{statistics.median(ratios):.2f} [{min(ratios):.2f}-{max(ratios):.2f}]"
        print(f"{name:<38} {ms:>12.1f} {cell:>40}")
        result["systems"][name] = {
            "cpu_ms_per_page": ms,
            "cpu_seconds_per_repeat": seconds,
            **({} if name == det_name else {"ratio_median": statistics.median(ratios), "ratio_min": min(ratios),
                                             "ratio_max": max(ratios)}),
        }
    raws = [RawDoc(id=i, content=html, url=url, format="html") for i, html, url in pages]
    stages, gc_seconds, collections = stage_times(det, raws, args.stage_repeat)
    total = sum(stages.values())
    print(f"\ndetector per-stage split (CPU, median of {args.stage_repeat} passes):")
    for name, seconds in stages.items():
        print(f"  {name:<44} {1000 * seconds / n:7.2f} ms/page  {100 * seconds / total:5.1f}%")
    print(f"  {'total':<44} {1000 * total / n:7.2f} ms/page")
    print(f"  garbage collection inside these stages: {1000 * gc_seconds / n:.2f} ms/page ({collections} collections)")
    result["stages_cpu_ms_per_page"] = {k: 1000 * v / n for k, v in stages.items()}
    result["gc_cpu_ms_per_page"] = 1000 * gc_seconds / n
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("pages", help="detector vs trafilatura (+ datatrove filters), CPU time, interleaved")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="AEB folder (default ../shared/data/aeb)")
    p.add_argument("--limit", type=int, default=None, help="first N AEB pages only")
    p.add_argument("--wcxb", type=int, default=0, metavar="N", help="add a sample of N WCXB-dev pages")
    p.add_argument("--wcxb-data", type=Path, default=DEFAULT_WCXB)
    p.add_argument("--repeat", type=int, default=5, help="interleaved repeats (default 5)")
    p.add_argument("--stage-repeat", type=int, default=3, help="passes for the per-stage split (default 3)")
    p.add_argument("--no-filters", action="store_true", help="skip the datatrove rows (no bench extra)")
    p.add_argument("--json", default=None, help="write the figures as JSON")
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
