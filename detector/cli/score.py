"""``detector score SOURCE``: score one page (file, ``-`` for stdin, or an http(s) URL).

Prints a paragraph-by-paragraph terminal report (default) or the JSON contract
(``--json``), and optionally writes a self-contained HTML report. Exit codes: 0 scored
(whatever the verdict), 2 bad input, unreachable URL or unusable model, 1 internal error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from pathlib import Path

from detector.cli._args import fraction
from detector.config import Config
from detector.document import RawDoc
from detector.errors import DetectorError, FetchError, InputError, ModelError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "score",
        help="score one page paragraph by paragraph (file, - for stdin, or URL)",
        description=(
            "Score one page: which paragraphs are kept, which are dropped and why,\n"
            "and a quality verdict for the whole document.\n"
            "SOURCE is a file, - for stdin, or an http(s) URL."
        ),
        epilog=(
            "examples:\n"
            "  detector score seeds/migrant-crisis-page.html\n"
            "  detector score --json - < article.txt | jq .quality\n"
            "  detector score https://example.com/post --html-report report.html\n"
            "exit codes: 0 scored (whatever the verdict), 2 bad input / fetch error / bad model, "
            "1 internal error"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", metavar="SOURCE", help="a file path, - for stdin, or an http(s) URL")
    p.add_argument("--format", choices=("html", "text"), default=None,
                   help="force the input format (default: detect)")
    p.add_argument("--json", action="store_true", help="print the JSON result instead of the report")
    p.add_argument("--html-report", type=Path, default=None, metavar="FILE",
                   help="also write a self-contained HTML report to FILE")
    p.add_argument("--min-quality", type=fraction, default=None, metavar="SCORE",
                   help=f"quality threshold for the keep verdict, 0..1 (default: {Config().min_quality})")
    p.add_argument("--model", type=Path, default=None, metavar="PATH",
                   help="a model file to use instead of the shipped one")
    p.add_argument("--url", default=None,
                   help="the page's URL when SOURCE is a file or stdin (reported, groups the site)")
    p.add_argument("--encoding", default=None, metavar="CHARSET",
                   help="charset the page was served with (like an HTTP header); default: detect")
    p.add_argument("--timeout", type=_seconds, default=10.0, metavar="SECONDS",
                   help="network timeout when SOURCE is a URL (default: 10)")
    p.add_argument("--no-color", action="store_true", help="no ANSI colour in the report")
    p.add_argument("--debug", action="store_true", help="show the traceback of internal errors")
    p.set_defaults(func=run)


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def read_source(source: str, *, max_bytes: int, url: str | None = None,
                format: str | None = None, encoding: str | None = None, timeout: float = 10.0) -> RawDoc:
    """The bytes behind SOURCE as a RawDoc; raises InputError / FetchError naming SOURCE."""
    if is_url(source):
        from detector.fetch import fetch_url

        raw = fetch_url(source, timeout=timeout, max_bytes=max_bytes, allow_private=True)
        changes = {k: v for k, v in (("format", format), ("encoding", encoding)) if v is not None}
        return dataclasses.replace(raw, **changes) if changes else raw
    if _SCHEME.match(source) and not os.path.exists(source):
        scheme = source.split("://", 1)[0]
        raise InputError(source, f"cannot fetch {scheme}:// URLs (only http and https)")
    if source == "-":
        name = "<stdin>"
        content = sys.stdin.buffer.read(max_bytes + 1)
        if len(content) > max_bytes:
            raise InputError(name, f"input is larger than the {max_bytes}-byte limit")
    else:
        name = source
        path = Path(source)
        try:
            if path.is_dir():
                raise InputError(name, "is a directory, not a page")
            size = path.stat().st_size
            if size > max_bytes:
                raise InputError(name, f"input is {size} bytes, larger than the {max_bytes}-byte limit")
            with path.open("rb") as f:
                content = f.read(max_bytes + 1)  # the file may grow (or be a pipe) after stat
        except FileNotFoundError:
            raise InputError(name, "no such file") from None
        except PermissionError:
            raise InputError(name, "permission denied") from None
        except OSError as exc:
            raise InputError(name, f"cannot read ({exc.strerror or exc})") from None
        if len(content) > max_bytes:
            raise InputError(name, f"input is larger than the {max_bytes}-byte limit")
        if name.lower().endswith(".gz"):  # .html.gz / .htm.gz / .txt.gz, as `clean` reads them
            from detector.corpus.readers import gunzip_bounded

            content = gunzip_bounded(content, max_bytes, name)
    return RawDoc(id=name, content=content, url=url, format=format, encoding=encoding)  # type: ignore[arg-type]


def _error(message: str) -> None:
    print(f"detector score: error: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    changes: dict[str, object] = {}
    if args.min_quality is not None:
        changes["min_quality"] = args.min_quality
    if args.model is not None:
        changes["model_path"] = args.model
    config = Config().replace(**changes)

    try:
        raw = read_source(args.source, max_bytes=config.max_input_bytes, url=args.url,
                          format=args.format, encoding=args.encoding, timeout=args.timeout)
        from detector.pipeline import Detector

        result = Detector(config).score(raw)
    except (InputError, FetchError) as exc:
        _error(str(exc))
        return EXIT_BAD_INPUT
    except ModelError as exc:
        _error(f"model: {exc}")
        return EXIT_BAD_INPUT
    except DetectorError as exc:
        _error(f"{args.source}: {exc}")
        return EXIT_BAD_INPUT
    except Exception as exc:
        if args.debug:
            raise
        _error(f"{args.source}: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        return EXIT_INTERNAL

    from detector.report import color_default, render_terminal, write_html_report

    if args.html_report is not None:
        try:
            write_html_report(result, args.html_report)
        except OSError as exc:
            _error(f"{args.html_report}: cannot write the HTML report ({exc.strerror or exc})")
            return EXIT_BAD_INPUT
        print(f"wrote {args.html_report}", file=sys.stderr)

    try:
        if args.json:
            sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        else:
            color = False if args.no_color else color_default(sys.stdout)
            sys.stdout.write(render_terminal(result, color=color))
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (`| head`): not an error; keep Python quiet at exit
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
    return EXIT_OK
