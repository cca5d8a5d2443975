"""``detector serve``: run the HTTP service with uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import sys
from pathlib import Path

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``10485760``, ``10MB``, ``512k`` -> bytes (binary multiples)."""
    match = _SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10485760, 512K, 10M)")
    number, unit = match.groups()
    return int(float(number) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[unit.lower()])


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve",
        help="run the HTTP service (POST /v1/score, /v1/filter, /v1/score-url)",
        description="Serve the detector over HTTP with FastAPI + uvicorn. OpenAPI docs at /docs.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--workers", type=int, default=1, help="worker processes, one model each (default: 1)")
    p.add_argument("--threads", type=int, default=4, help="scoring threads per worker (default: 4)")
    p.add_argument("--max-body-bytes", type=parse_size, default=10 * 2**20, metavar="SIZE",
                   help="request body cap, larger bodies get 413 (default: 10M)")
    p.add_argument("--request-timeout", type=_positive_float, default=30.0, metavar="SECONDS",
                   help="time budget per request, exceeded -> 504 (default: 30)")
    p.add_argument("--allow-private-urls", action="store_true",
                   help="let /v1/score-url fetch loopback, private and link-local addresses (off: SSRF guard)")
    p.add_argument("--min-quality", type=float, default=None, help="default keep threshold for /v1/filter")
    p.add_argument("--model", type=Path, default=None, help="a model file instead of the shipped one")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from detector.config import Config
    from detector.service import ENV_OPTIONS, create_app, options_to_env

    if args.workers < 1:
        print("detector serve: --workers must be >= 1", file=sys.stderr)
        return 2
    changes = {}
    if args.min_quality is not None:
        changes["min_quality"] = args.min_quality
    if args.model is not None:
        changes["model_path"] = args.model
    config = Config(**changes) if changes else None
    settings = {
        "max_body_bytes": args.max_body_bytes,
        "request_timeout": args.request_timeout,
        "allow_private_urls": args.allow_private_urls,
        "threads": args.threads,
    }
    if not _is_loopback(args.host):
        print(f"detector serve: listening on {args.host}; the service has no authentication, "
              "put it behind your own gateway", file=sys.stderr)
    if args.workers == 1:
        app = create_app(config, **settings)
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    else:
        # each worker process builds its own app (and Detector) from these options
        os.environ[ENV_OPTIONS] = options_to_env(config, **settings)
        uvicorn.run("detector.service:create_app_from_env", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level=args.log_level)
    return 0
