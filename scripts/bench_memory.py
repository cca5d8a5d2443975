"""Peak memory of one ``detector clean`` worker, split into private and file-backed pages.

    python scripts/bench_memory.py /work/shared/data/aeb/html --repeat 5

Runs ``detector clean INPUT -o TMP --workers 1`` (one process: the worker is the process) as a
subprocess ``--repeat`` times and samples its ``/proc/PID/status`` every ``--interval`` seconds:

- ``peak RSS``: ``VmHWM``, the kernel's own high-water mark (what ``/usr/bin/time -v`` reports
  as "Maximum resident set size");
- ``peak RssAnon``: the largest sampled private memory (heap, arrays, caches): what a worker
  costs on its own;
- ``peak RssFile``: the largest sampled file-backed memory (shared libraries and files mapped
  read-only, such as SudachiPy's 200 MB dictionary, of which a Japanese page touches ~125 MB):
  pages the kernel shares between workers and can drop and read back.

Prints the median and range of each over the repeats (MB = 2**20 bytes). Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _status(pid: int) -> dict[str, int] | None:
    """VmHWM, RssAnon and RssFile of process ``pid`` in bytes, or None once it has exited."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    out: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "RssAnon", "RssFile"):
            out[key] = int(value.split()[0]) * 1024
    return out or None


def run_once(source: str, interval: float, extra: list[str]) -> dict[str, float]:
    """One ``detector clean`` run: peak VmHWM, RssAnon and RssFile in MB. Raises RuntimeError
    when the run fails."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "detector", "clean", source, "-o", str(Path(tmp) / "out.jsonl"),
               "--workers", "1", *extra]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        peak = {"VmHWM": 0, "RssAnon": 0, "RssFile": 0}
        while proc.poll() is None:
            status = _status(proc.pid)
            if status:
                for key, value in status.items():
                    peak[key] = max(peak[key], value)
            time.sleep(interval)
        if proc.returncode != 0:
            raise RuntimeError(f"detector clean failed ({proc.returncode}): {proc.stderr.read().decode()[-500:]}")
    return {key: value / 2**20 for key, value in peak.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", help="what `detector clean` reads (a directory, JSONL, ...)")
    ap.add_argument("--repeat", type=int, default=3, help="runs (default 3)")
    ap.add_argument("--interval", type=float, default=0.05, help="seconds between samples (default 0.05)")
    ap.add_argument("clean_args", nargs="*", help="more arguments for `detector clean` (after --)")
    args = ap.parse_args(argv)
    if not Path("/proc/self/status").exists():
        ap.error("needs Linux /proc")
    runs = [run_once(args.source, args.interval, args.clean_args) for _ in range(args.repeat)]
    labels = {"VmHWM": "peak RSS (VmHWM)", "RssAnon": "peak RssAnon (private)", "RssFile": "peak RssFile (file-backed)"}
    for key, label in labels.items():
        values = [r[key] for r in runs]
        print(f"{label:<28} median {statistics.median(values):6.0f} MB  range {min(values):.0f}-{max(values):.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
