#!/usr/bin/env python
"""Benchmark of ``detector clean``: docs/s for 1 and 2 workers, peak RSS for two corpus sizes.

    python scripts/bench_corpus.py                      # 5,000 and 20,000 documents, 1 and 2 workers
    python scripts/bench_corpus.py --docs 2000 --workers 1 2 --json bench.json
    python scripts/bench_corpus.py --docs 5000 20000 --repeat 2   # on a shared machine: best of 2
    python scripts/bench_corpus.py --docs 600 --compare e9c3f1d --repeat 3   # this tree vs an older commit

``--compare REV`` runs the code of commit REV (``git archive`` into the workdir) beside this tree's,
interleaved run by run on the same corpus, and reports the ratios new/old of CPU ms per document
and of peak RSS (median and spread over the repeats).

For each size a JSONL corpus of synthetic article pages (``detector.synthetic``: a dozen sites,
several layouts and languages, about 4 KB of HTML each) is generated once; then
``python -m detector clean CORPUS -o OUT --workers N -q`` runs as a subprocess. Reported:
wall-clock docs/s (process start to exit, model loading included), the engine's own docs/s
(from OUT.stats.json), and peak RSS sampled every 0.1 s: the sum over the whole process tree
and the largest single process. Memory is flat when the peaks do not grow with the corpus size.

``--stages`` also times the stages of one document (extract, score, spill round trip) to show
why pass 1 spills extracted documents instead of extracting twice.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def generate_corpus(path: Path, n: int, seed: int = 0) -> Path:
    from detector.training.synthetic import generate

    if path.exists():
        with path.open("rb") as fh:
            if sum(1 for _ in fh) == n:
                return path
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for i, page in enumerate(generate(n, seed=seed)):
            fh.write(json.dumps({"id": f"doc-{i:06d}", "url": page.url, "html": page.html}) + "\n")
    tmp.replace(path)
    return path


def _tree_rss(proc: Any) -> tuple[int, int, int]:
    """(sum, max, parent) RSS in bytes over a process and its descendants."""
    import psutil

    total = biggest = parent = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0, 0, 0
    for p in procs:
        try:
            rss = p.memory_info().rss
        except psutil.Error:
            continue
        total += rss
        biggest = max(biggest, rss)
        if p.pid == proc.pid:
            parent = rss
    return total, biggest, parent


def _sample_sched(proc: Any, sched: dict[int, list[float]]) -> None:
    """Per process of the tree: [first seen, last seen, ns on a CPU, ns runnable but waiting for
    a CPU] from /proc/PID/schedstat (Linux). Waiting for a CPU means other load on the machine."""
    import psutil

    now = time.perf_counter()
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return
    for p in procs:
        try:
            with open(f"/proc/{p.pid}/schedstat") as fh:
                on_cpu, waiting, _ = (int(x) for x in fh.read().split())
        except (OSError, ValueError):
            continue
        entry = sched.setdefault(p.pid, [now, now, 0, 0])
        entry[1:] = [now, on_cpu, waiting]


def _sched_shares(sched: dict[int, list[float]], parent: int) -> dict[str, float]:
    """How the worker processes spent their lives: on a CPU, waiting for one (the machine was
    busy), or idle (waiting for work: the engine would be the bottleneck)."""
    workers = [v for pid, v in sched.items() if pid != parent] or [v for v in sched.values()]
    life = sum(v[1] - v[0] for v in workers) * 1e9
    if life <= 0:
        return {}
    on_cpu = sum(v[2] for v in workers) / life
    waiting = sum(v[3] for v in workers) / life
    return {
        "workers_on_cpu_share": round(on_cpu, 3),
        "workers_waiting_for_cpu_share": round(waiting, 3),
        "workers_idle_share": round(max(0.0, 1 - on_cpu - waiting), 3),
    }


def checkout(rev: str, workdir: Path) -> Path:
    """The source tree of commit ``rev`` (detector/ with its model), importable with PYTHONPATH."""
    root = Path(__file__).resolve().parents[1]
    dest = workdir / f"rev-{rev}"
    if not dest.exists():
        dest.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(root), "archive", rev, "detector", "models"], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
        (dest / "detector" / "models").symlink_to(dest / "models")
    return dest


def run_clean(corpus: Path, out: Path, workers: int, extra: list[str], code: Path | None = None) -> dict[str, Any]:
    import psutil

    for suffix in ("", ".errors.jsonl", ".stats.json", ".rejects.jsonl"):
        Path(f"{out}{suffix}").unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "detector", "clean", str(corpus), "-o", str(out), "--workers", str(workers), "-q",
           "--restart", *extra]
    load_before = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(code)} if code is not None else None
    # ``python -m`` puts the working directory first on sys.path: run the old code from its own
    # tree, or a run from this repository's root would import this tree's detector instead
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=env, cwd=code)
    ps = psutil.Process(proc.pid)
    peak_sum = peak_max = peak_parent = 0
    sched: dict[int, list[float]] = {}
    while proc.poll() is None:
        total, biggest, parent = _tree_rss(ps)
        peak_sum, peak_max, peak_parent = max(peak_sum, total), max(peak_max, biggest), max(peak_parent, parent)
        _sample_sched(ps, sched)
        time.sleep(0.1)
    wall = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU seconds of the whole tree (workers are reaped by the run, so they are included)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    stats = json.loads(Path(f"{out}.stats.json").read_text())
    return {
        "workers": workers,
        "documents": stats["documents"],
        "wall_seconds": round(wall, 2),
        "docs_per_second_wall": round(stats["documents"] / wall, 1),
        "docs_per_second_engine": stats["docs_per_second"],
        "peak_rss_tree_mb": round(peak_sum / 2**20, 1),
        "peak_rss_process_mb": round(peak_max / 2**20, 1),
        "peak_rss_parent_mb": round(peak_parent / 2**20, 1),
        "cpu_seconds": round(cpu, 1),
        "cpu_ms_per_doc": round(1000 * cpu / max(1, stats["documents"]), 1),
        "load_average_before": round(load_before, 2),
        **_sched_shares(sched, proc.pid),
        "errors": stats["outcomes"]["errors"],
        "template_paragraphs": stats["templates"]["paragraphs"],
    }


def time_stages(corpus: Path, n: int = 300) -> dict[str, float]:
    """Milliseconds per document for each stage, in this process (one thread)."""
    import zstandard
    from threadpoolctl import threadpool_limits

    from detector.corpus.readers import iter_documents
    from detector.pipeline import Detector

    raws = []
    for raw in iter_documents([str(corpus)]):
        raws.append(raw)
        if len(raws) == n:
            break
    with threadpool_limits(1):
        det = Detector()
        det.score(raws[0])  # warm up
        t = time.perf_counter()
        docs = [det.extract(r) for r in raws]
        extract = time.perf_counter() - t
        t = time.perf_counter()
        for d in docs:
            det.score_document(d)
        score = time.perf_counter() - t
    t = time.perf_counter()
    blob = zstandard.ZstdCompressor(level=1).compress(pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL))
    pickle.loads(zstandard.ZstdDecompressor().decompress(blob))
    spill = time.perf_counter() - t
    per = 1000 / len(raws)
    return {
        "documents": len(raws),
        "extract_ms": round(extract * per, 2),
        "score_ms": round(score * per, 2),
        "spill_round_trip_ms": round(spill * per, 3),
        "spill_kb_per_doc": round(len(blob) / len(raws) / 1024, 2),
        "html_kb_per_doc": round(statistics.mean(len(r.content) for r in raws) / 1024, 2),
    }


def format_table(runs: list[dict[str, Any]]) -> str:
    """Markdown table. "docs/s at full CPU" divides the engine's docs/s by the share of time the
    workers were on a CPU: the rate had no other job competed for the cores (the work is CPU-bound
    and the workers were almost never idle)."""
    by = {(r["documents"], r["workers"]): r for r in runs}
    lines = ["| documents | workers | docs/s (wall) | docs/s (engine) | speed-up (wall) | workers on CPU / waiting "
             "for CPU / idle | docs/s at full CPU | speed-up at full CPU | CPU ms/doc | peak RSS, all processes "
             "| largest process |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        base = by.get((r["documents"], 1))
        full = r["docs_per_second_engine"] / r["workers_on_cpu_share"] if r.get("workers_on_cpu_share") else None
        base_full = (base["docs_per_second_engine"] / base["workers_on_cpu_share"]
                     if base and base.get("workers_on_cpu_share") else None)
        speedup = f"{r['docs_per_second_wall'] / base['docs_per_second_wall']:.2f}x" if base else "-"
        speedup_full = f"{full / base_full:.2f}x" if full and base_full else "-"
        shares = (f"{r['workers_on_cpu_share']:.0%} / {r['workers_waiting_for_cpu_share']:.0%} / "
                  f"{r['workers_idle_share']:.0%}" if "workers_on_cpu_share" in r else "-")
        lines.append(
            f"| {r['documents']:,} | {r['workers']} | {r['docs_per_second_wall']:.1f} | {r['docs_per_second_engine']:.1f} "
            f"| {speedup} | {shares} | {f'{full:.1f}' if full else '-'} | {speedup_full} | {r['cpu_ms_per_doc']} "
            f"| {r['peak_rss_tree_mb']:.0f} MB | {r['peak_rss_process_mb']:.0f} MB |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[5000, 20000], help="corpus sizes (default: 5000 20000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker counts (default: 1 2)")
    parser.add_argument("--workdir", type=Path, default=None, help="where corpora and outputs go (default: a temp dir)")
    parser.add_argument("--stages", action="store_true", help="also time extract / score / spill per document")
    parser.add_argument("--no-templates", action="store_true", help="benchmark the single-pass mode")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per configuration, interleaved; the fastest is reported (default: 1)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument("--compare", default=None, metavar="REV",
                        help="also run the code of git commit REV, interleaved, and report new/old ratios")
    args = parser.parse_args(argv)

    workdir = (args.workdir or Path(tempfile.mkdtemp(prefix="bench-corpus-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    extra = ["--no-templates"] if args.no_templates else []
    results: dict[str, Any] = {"cpus": os.cpu_count(), "runs": []}
    print(f"workdir {workdir}, {os.cpu_count()} CPUs", file=sys.stderr)
    for n in [] if args.compare else args.docs:  # --compare: only the interleaved comparison
        corpus = generate_corpus(workdir / f"corpus-{n}.jsonl", n)
        if args.stages and "stages" not in results:
            results["stages"] = time_stages(corpus)
            print(f"stages: {results['stages']}", file=sys.stderr)
        best: dict[int, dict[str, Any]] = {}
        # repeats interleave the worker counts, so that a busy spell on a shared machine hits both
        for _ in range(args.repeat):
            for w in args.workers:
                r = run_clean(corpus, workdir / f"out-{n}-w{w}.jsonl", w, extra)
                results.setdefault("all_runs", []).append(r)
                print(f"{n:>7} docs, {w} worker(s): {r['docs_per_second_wall']:>7.1f} docs/s wall "
                      f"({r['docs_per_second_engine']:.1f} in the engine), peak RSS {r['peak_rss_tree_mb']:.0f} MB "
                      f"(largest process {r['peak_rss_process_mb']:.0f} MB, parent {r['peak_rss_parent_mb']:.0f} MB), "
                      f"{r['cpu_ms_per_doc']} CPU ms/doc, load before {r['load_average_before']}; workers on CPU "
                      f"{r.get('workers_on_cpu_share')}, waiting for a CPU {r.get('workers_waiting_for_cpu_share')}, "
                      f"idle {r.get('workers_idle_share')}", file=sys.stderr)
                if w not in best or r["wall_seconds"] < best[w]["wall_seconds"]:
                    best[w] = r
        results["runs"].extend(best[w] for w in args.workers)

    if args.compare:
        results["compare"] = compare(args, workdir, extra)
    print(format_table(results["runs"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def compare(args: argparse.Namespace, workdir: Path, extra: list[str]) -> list[dict[str, Any]]:
    """This tree vs commit ``args.compare``, interleaved run by run: ratios new/old."""
    old = checkout(args.compare, workdir)
    rows = []
    for n in args.docs:
        corpus = generate_corpus(workdir / f"corpus-{n}.jsonl", n)
        for w in args.workers:
            cpu: list[float] = []
            rss: list[float] = []
            for _ in range(args.repeat):
                new_run = run_clean(corpus, workdir / f"cmp-new-{n}-w{w}.jsonl", w, extra)
                old_run = run_clean(corpus, workdir / f"cmp-old-{n}-w{w}.jsonl", w, extra, code=old)
                cpu.append(new_run["cpu_ms_per_doc"] / old_run["cpu_ms_per_doc"])
                rss.append(new_run["peak_rss_tree_mb"] / old_run["peak_rss_tree_mb"])
                same = Path(workdir / f"cmp-new-{n}-w{w}.jsonl").read_bytes() == Path(
                    workdir / f"cmp-old-{n}-w{w}.jsonl").read_bytes()
            row = {"docs": n, "workers": w, "cpu_ratio_median": round(statistics.median(cpu), 3),
                   "cpu_ratio_range": [round(min(cpu), 3), round(max(cpu), 3)],
                   "rss_ratio_median": round(statistics.median(rss), 3),
                   "rss_ratio_range": [round(min(rss), 3), round(max(rss), 3)], "same_output": same}
            rows.append(row)
            print(f"{n} docs, {w} worker(s), new/old vs {args.compare}: CPU per doc x{row['cpu_ratio_median']} "
                  f"{row['cpu_ratio_range']}, peak RSS x{row['rss_ratio_median']} {row['rss_ratio_range']}, "
                  f"same output: {same}", file=sys.stderr)
    return rows


if __name__ == "__main__":
    sys.exit(main())
