"""``detector serve``: run the HTTP service with uvicorn."""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import socket
import sys
from pathlib import Path

from detector.cli._args import fraction, port, positive_float, positive_int, seconds_or_none

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """``10485760``, ``10MB``, ``512k`` -> bytes (binary multiples)."""
    match = _SIZE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10485760, 512K, 10M)")
    number, unit = match.groups()
    return int(float(number) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[unit.lower()])


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listen_problem(host: str, port: int) -> str | None:
    """Why the service could not listen on ``host``:``port``, or None: checked before the model
    loads, by binding (and closing) a socket to every address ``host`` resolves to as the
    server will (asyncio's ``create_server``: ``SO_REUSEADDR``, IPv6 sockets IPv6-only, ``""``
    for every interface). A host that does not resolve, a port in use, a port that needs
    privileges or an address not on this machine is named here, not in uvicorn's startup log
    after the model has loaded (uvicorn then exits with 3)."""
    try:
        addresses = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        return f"--host {host}: cannot resolve it ({getattr(exc, 'strerror', None) or exc})"
    for family, type_, proto, _, address in addresses:
        try:
            with socket.socket(family, type_, proto) as sock:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == getattr(socket, "AF_INET6", None) and hasattr(socket, "IPPROTO_IPV6"):
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind(address)
        except OSError as exc:
            return f"cannot listen on {host}:{port} (--host/--port): {exc.strerror or exc}"
    return None


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from detector.config import Config
    from detector.settings import ServiceSettings

    d = ServiceSettings()
    p = subparsers.add_parser(
        "serve",
        help="run the HTTP service (POST /v1/score, /v1/filter, /v1/score-url)",
        description="Serve the detector over HTTP with FastAPI + uvicorn. OpenAPI docs at /docs.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=port, default=8000, help="port (default: 8000)")
    p.add_argument("--workers", type=positive_int, default=1, help="worker processes, one model each (default: 1)")
    p.add_argument("--threads", type=positive_int, default=d.threads, help=d.help("threads"))
    p.add_argument("--max-body-bytes", type=parse_size, default=d.max_body_bytes, metavar="SIZE",
                   help=d.help("max_body_bytes"))
    p.add_argument("--max-batch", type=positive_int, default=d.max_batch, metavar="N", help=d.help("max_batch"))
    for name in ("request_timeout", "fetch_timeout", "header_timeout", "body_timeout", "keep_alive_timeout"):
        p.add_argument(f"--{name.replace('_', '-')}", type=positive_float, default=getattr(d, name),
                       metavar="SECONDS", help=d.help(name))
    p.add_argument("--doc-timeout", type=seconds_or_none, default=Config().doc_timeout, metavar="SECONDS",
                   help=f"time budget per document, 0 for none (default: {Config().doc_timeout:g})")
    p.add_argument("--allow-private-urls", action="store_true", help=d.help("allow_private_urls"))
    p.add_argument("--min-quality", type=fraction, default=None, metavar="SCORE",
                   help=f"default keep threshold for /v1/filter, 0..1 (default: {Config().min_quality})")
    p.add_argument("--model", type=Path, default=None, help="a model file instead of the shipped one")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from detector.config import Config
    from detector.service import ENV_OPTIONS, HeaderTimeoutH11Protocol, create_app, options_to_env
    from detector.settings import ServiceSettings

    changes: dict[str, object] = {"doc_timeout": args.doc_timeout}
    if args.min_quality is not None:
        changes["min_quality"] = args.min_quality
    if args.model is not None:
        changes["model_path"] = args.model
    config = Config(**changes)
    try:
        settings = ServiceSettings(
            max_body_bytes=args.max_body_bytes,
            request_timeout=args.request_timeout,
            allow_private_urls=args.allow_private_urls,
            threads=args.threads,
            max_batch=args.max_batch,
            fetch_timeout=args.fetch_timeout,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
            keep_alive_timeout=args.keep_alive_timeout,
        )
    except ValueError as exc:
        print(f"detector serve: error: {exc}", file=sys.stderr)
        return 2
    problem = listen_problem(args.host, args.port)
    if problem is not None:
        print(f"detector serve: error: {problem}", file=sys.stderr)
        return 2
    if not _is_loopback(args.host):
        print(f"detector serve: listening on {args.host}; the service has no authentication, "
              "put it behind your own gateway", file=sys.stderr)
    server = {"host": args.host, "port": args.port, "log_level": args.log_level, "http": HeaderTimeoutH11Protocol,
              "timeout_keep_alive": settings.keep_alive_timeout}
    if args.workers == 1:
        uvicorn.run(create_app(config, settings), **server)
    else:
        # each worker process builds its own app (and Detector) from these options
        os.environ[ENV_OPTIONS] = options_to_env(config, settings)
        uvicorn.run("detector.service:create_app_from_env", factory=True, workers=args.workers, **server)
    return 0
