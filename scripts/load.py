#!/usr/bin/env python
"""Load check for ``detector serve``: mixed requests with some concurrency, on loopback only.

    python scripts/load.py --spawn --requests 2000 --concurrency 8
    python scripts/load.py --url http://127.0.0.1:8000 --requests 500

Sends a deterministic mix (score HTML, score text, filter batches, health checks, and a
few bad requests that must get 422), bounded by ``--requests`` and ``--max-seconds``.
Reports throughput, p50/p90/p99 latency per kind and overall, and status counts. Exits 1
when any response is a 5xx, a transport error, or a status other than the expected one.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
JUNK = "Home | News | Sport | Contact\nSubscribe now!\nCookie settings\n© 2024 Example Media"


@dataclass(frozen=True)
class Req:
    kind: str
    method: str
    path: str
    expected: int
    body: bytes | None = None


def build_requests(n: int, seed: int) -> list[Req]:
    page = (SEEDS / "migrant-crisis-page.html").read_text("utf-8")
    inline = (SEEDS / "migrant-crisis-page-inline.html").read_text("utf-8")
    article = (SEEDS / "migrant-crisis-article.txt").read_text("utf-8")
    paragraphs = [p for p in article.split("\n\n") if p.strip()]
    rng = random.Random(seed)

    def dumps(obj: object) -> bytes:
        return json.dumps(obj).encode()

    def text_variant() -> str:
        # a shuffled subset so the service does not see one document over and over
        k = rng.randint(max(3, len(paragraphs) // 2), len(paragraphs))
        return "\n\n".join(rng.sample(paragraphs, k))

    mix = [  # (kind, weight)
        ("score-html", 30), ("score-text", 25), ("filter-batch", 20), ("healthz", 10), ("model", 5),
        ("bad-json", 4), ("no-content", 3), ("wrong-type", 3),
    ]
    kinds, weights = zip(*mix)
    out: list[Req] = []
    for i in range(n):
        kind = rng.choices(kinds, weights)[0]
        if kind == "score-html":
            html = rng.choice((page, inline))
            out.append(Req(kind, "POST", "/v1/score", 200, dumps({"html": html, "id": f"h{i}", "details": rng.random() < 0.5})))
        elif kind == "score-text":
            out.append(Req(kind, "POST", "/v1/score", 200, dumps({"text": text_variant(), "id": f"t{i}"})))
        elif kind == "filter-batch":
            docs = [{"id": f"b{i}-0", "html": page}, {"id": f"b{i}-1", "text": text_variant()},
                    {"id": f"b{i}-2", "text": JUNK}, {"id": f"b{i}-3"}]
            out.append(Req(kind, "POST", "/v1/filter", 200, dumps({"documents": docs})))
        elif kind == "healthz":
            out.append(Req(kind, "GET", "/healthz", 200))
        elif kind == "model":
            out.append(Req(kind, "GET", "/v1/model", 200))
        elif kind == "bad-json":
            out.append(Req(kind, "POST", "/v1/score", 422, b'{"html": "<p>cut off'))
        elif kind == "no-content":
            out.append(Req(kind, "POST", "/v1/score", 422, dumps({"url": "https://example.com/"})))
        else:
            out.append(Req(kind, "POST", "/v1/score", 422, dumps({"html": 12})))  # /v1/filter: an error entry
    return out


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if not host:
        sys.exit(f"load.py: no host in {url!r}")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        sys.exit(f"load.py: cannot resolve {host!r}: {exc}")
    for addr in addresses:
        if not ipaddress.ip_address(addr.split("%", 1)[0]).is_loopback:
            sys.exit(f"load.py: refusing to load-test {host!r} ({addr} is not a loopback address)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn(workers: int, threads: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "detector", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--threads", str(threads), "--log-level", "warning"]
    proc = subprocess.Popen(cmd, stdout=open(log, "wb"), stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"load.py: server exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2, trust_env=False).status_code == 200:
                return proc, url
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.terminate()
    sys.exit(f"load.py: server did not start within 180s; see {log}")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


async def run_load(url: str, requests: list[Req], concurrency: int, max_seconds: float, timeout: float) -> dict:
    queue: asyncio.Queue[Req] = asyncio.Queue()
    for r in requests:
        queue.put_nowait(r)
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[int | str] = Counter()
    unexpected: Counter[str] = Counter()
    examples: dict[str, str] = {}
    stop_at = time.monotonic() + max_seconds

    async def worker(client: httpx.AsyncClient) -> None:
        while time.monotonic() < stop_at:
            try:
                req = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            headers = {"content-type": "application/json"} if req.body is not None else {}
            t0 = time.perf_counter()
            try:
                resp = await client.request(req.method, req.path, content=req.body, headers=headers)
                status: int | str = resp.status_code
            except httpx.HTTPError as exc:
                status = f"transport:{type(exc).__name__}"
                resp = None
            latencies[req.kind].append(time.perf_counter() - t0)
            statuses[status] += 1
            if status != req.expected:
                unexpected[f"{req.kind}->{status}"] += 1
                if resp is not None:
                    examples.setdefault(f"{req.kind}->{status}", resp.text[:300])

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits, trust_env=False) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    done = sum(len(v) for v in latencies.values())
    everything = sorted(x for v in latencies.values() for x in v)
    return {
        "url": url,
        "requests_planned": len(requests),
        "requests_sent": done,
        "stopped_by_time": done < len(requests),
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "throughput_rps": round(done / elapsed, 1) if elapsed else 0.0,
        "latency_ms": {
            "p50": round(pct(everything, 0.5) * 1000, 1),
            "p90": round(pct(everything, 0.9) * 1000, 1),
            "p99": round(pct(everything, 0.99) * 1000, 1),
            "max": round(everything[-1] * 1000, 1) if everything else None,
        },
        "by_kind": {
            kind: {"n": len(v), "p50_ms": round(pct(sorted(v), 0.5) * 1000, 1), "p99_ms": round(pct(sorted(v), 0.99) * 1000, 1)}
            for kind, v in sorted(latencies.items())
        },
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))},
        "server_errors_5xx": sum(v for k, v in statuses.items() if isinstance(k, int) and k >= 500),
        "transport_errors": sum(v for k, v in statuses.items() if isinstance(k, str)),
        "unexpected": dict(unexpected),
        "unexpected_examples": examples,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://127.0.0.1:8000", help="a running service (loopback only)")
    p.add_argument("--spawn", action="store_true", help="start `detector serve` on a free loopback port for the run")
    p.add_argument("--workers", type=int, default=1, help="--workers for the spawned server")
    p.add_argument("--threads", type=int, default=4, help="--threads for the spawned server")
    p.add_argument("--requests", type=int, default=2000, help="number of requests (max 20000)")
    p.add_argument("--concurrency", type=int, default=8, help="requests in flight (max 64)")
    p.add_argument("--max-seconds", type=float, default=300, help="stop sending after this long (max 1800)")
    p.add_argument("--timeout", type=float, default=60, help="client timeout per request")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = p.parse_args(argv)
    if not (1 <= args.requests <= 20000 and 1 <= args.concurrency <= 64 and 0 < args.max_seconds <= 1800):
        p.error("--requests in 1..20000, --concurrency in 1..64, --max-seconds in (0, 1800]")

    proc = None
    if args.spawn:
        log = Path(os.environ.get("TMPDIR", "/tmp")) / f"detector-load-serve-{os.getpid()}.log"
        proc, url = spawn(args.workers, args.threads, log)
    else:
        url = args.url.rstrip("/")
        require_loopback(url)
    try:
        report = asyncio.run(run_load(url, build_requests(args.requests, args.seed), args.concurrency,
                                      args.max_seconds, args.timeout))
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    report["server"] = {"spawned": args.spawn, "workers": args.workers if args.spawn else None,
                        "threads": args.threads if args.spawn else None, "cpus": os.cpu_count()}
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        tmp = args.json.with_name(args.json.name + ".tmp")
        tmp.write_text(text + "\n")
        os.replace(tmp, args.json)
    bad = report["server_errors_5xx"] or report["transport_errors"] or report["unexpected"]
    print(
        f"\n{report['requests_sent']} requests in {report['seconds']}s: {report['throughput_rps']} req/s, "
        f"p50 {report['latency_ms']['p50']} ms, p99 {report['latency_ms']['p99']} ms, "
        f"5xx {report['server_errors_5xx']}, transport errors {report['transport_errors']}, "
        f"unexpected {sum(report['unexpected'].values())}",
        file=sys.stderr,
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
