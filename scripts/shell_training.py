#!/usr/bin/env python
"""Would training the paragraph model on content-less shells help the verdict? (issue 14)

    OMP_NUM_THREADS=1 python scripts/shell_training.py [--shared ../shared] [--json OUT]

The sites of AEB and WCXB-dev are split in two halves (``evaluate_verdict.site_half``). For each
half, two models are fitted on the other half's pages (all page types, plus the seed pages):
``base`` as shipped, and ``shells`` with the shells of that other half's articles added
(scripts/make_shells.py: the page with the smallest element holding most of its true body deleted),
their blocks labelled by the original page's true body (what is left of the body stays body,
the rest is junk). Each model scores the pages and shells of its held-out half; the figures are
over both halves: AEB F1 (shingles), WCXB-dev F1 (bag of words, per page type), the share of real
articles the verdict keeps, and the share of shells it drops, with at most 20 words kept.
About 35 min CPU (four fits).
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluate_verdict import SHORT_SHELL_WORDS, site_half  # noqa: E402
from make_shells import DEFAULT_SHARED, Page, make_shell  # noqa: E402

log = logging.getLogger("shell_training")


def main(argv: list[str] | None = None) -> int:
    from detector import quality, training
    from detector.config import Config
    from detector.document import Document, RawDoc
    from detector.extract import extract
    from detector.pipeline import Detector
    from detector.training.benchmark import aggregate, load_aeb, page_counts
    from detector.training.wcxb import load_wcxb, page_score

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("trafilatura").setLevel(logging.ERROR)

    config = Config()
    aeb = load_aeb(args.shared / "data" / "aeb")
    wcxb = load_wcxb(args.shared / "data" / "wcxb-dev")
    pages = [training.LabeledPage(f"aeb:{p.id}", p.html, p.truth, p.url or None, "aeb", page_type="article") for p in aeb]
    pages += [training.LabeledPage(f"wcxb:{p.id}", p.html, p.truth, p.url or None, "wcxb", include=p.with_snippets,
                                   exclude=p.without_snippets, page_type=p.page_type) for p in wcxb]  # fmt: skip
    aeb_truth = {f"aeb:{p.id}": p.truth for p in aeb}
    wcxb_by_id = {f"wcxb:{p.id}": p for p in wcxb}
    start = time.process_time()
    prepared = training.prepare_pages(pages, config)
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    extra = training.training_table(training.prepare_pages(training.seed_pages(seeds), config))
    extra = pd.concat([extra, training.seed_text_table(seeds, config)], ignore_index=True)
    shells = []
    for lp in pages:
        if lp.page_type != "article":
            continue
        html = lp.html if isinstance(lp.html, bytes) else lp.html.encode("utf-8")
        shell = make_shell(Page(lp.id, lp.source, "article", lp.url, html, lp.truth))
        if shell is None:
            continue
        labelled = training.LabeledPage(shell.id, shell.html, lp.truth, lp.url, "shell", exclude=lp.exclude,
                                        page_type="shell")  # fmt: skip
        doc = extract(RawDoc(id=shell.id, content=shell.html, url=shell.url, format="html"), config)
        none = Document(id=shell.id + "#none", url=shell.url, title=None, blocks=(), format="text")
        shells.append(training.PreparedPage(labelled, doc, training.text_version(doc, config), none))
    log.info("prepared %d pages and %d shells: %.0f s CPU", len(prepared), len(shells), time.process_time() - start)

    tables = {p.page.id: training.page_table(p) for p in prepared}
    shell_tables = {p.page.id: training.page_table(p) for p in shells}
    out = {}
    for arm in ("base", "shells"):
        real, shell_res = {}, {}
        for h in (0, 1):
            train = [tables[p.page.id] for p in prepared if site_half(p.page.site) != h]
            if arm == "shells":
                train += [shell_tables[p.page.id] for p in shells if site_half(p.page.site) != h]
            start = time.process_time()
            model = training.fit_model(pd.concat([*train, extra], ignore_index=True), seed=h)
            log.info("%s, half %d held out: fitted in %.0f s CPU", arm, h, time.process_time() - start)
            det = Detector(config, model=model)
            real.update({p.page.id: det.score_document(p.html_doc) for p in prepared if site_half(p.page.site) == h})
            shell_res.update({p.page.id: det.score_document(p.html_doc) for p in shells if site_half(p.page.site) == h})
        wcxb_scores = {k: page_score(real[k].text, p) for k, p in wcxb_by_id.items()}
        by_type: dict[str, list[float]] = {}
        for k, s in wcxb_scores.items():
            by_type.setdefault(wcxb_by_id[k].page_type, []).append(s.f1)
        articles = [k for k in real if k in aeb_truth or wcxb_by_id[k].page_type == "article"]
        words = [r.quality.signals.get("words", 0.0) for r in shell_res.values()]
        out[arm] = {
            "aeb_f1": round(aggregate([page_counts(real[k].text, t) for k, t in aeb_truth.items()]).f1, 4),
            "wcxb_f1": round(statistics.mean(s.f1 for s in wcxb_scores.values()), 4),
            "wcxb_f1_by_type": {t: round(statistics.mean(v), 4) for t, v in sorted(by_type.items())},
            "real_articles_kept": round(statistics.mean(quality.verdict(real[k], config).keep for k in articles), 4),
            "shells": len(shell_res),
            "shells_dropped": round(statistics.mean(not quality.verdict(r, config).keep for r in shell_res.values()), 4),
            "shells_at_most_20_words": round(statistics.mean(w <= SHORT_SHELL_WORDS for w in words), 4),
            "shells_words_mean": round(statistics.mean(words), 1),
        }
        print(arm, json.dumps(out[arm]), flush=True)
    if args.json:
        tmp = args.json.with_name(args.json.name + ".tmp")
        tmp.write_text(json.dumps(out, indent=1) + "\n", "utf-8")
        tmp.replace(args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
