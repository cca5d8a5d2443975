"""``detector score SOURCE...``: score pages (files, ``-`` for stdin, http(s) URLs, ``-i LIST``).

Prints a paragraph-by-paragraph terminal report (default), the JSON contract (``--json`` or
``--format json``; JSON Lines for several inputs) or the kept paragraphs as Markdown
(``--format markdown``), and optionally writes a self-contained HTML report; ``--json`` with
another output ``--format`` is a usage error. One model serves every input; an input
that fails is reported on one line and the others are still scored. Exit codes: 0 all scored
(whatever the verdicts), 2 an input was bad, an URL unreachable or the model unusable,
1 internal error.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from pathlib import Path

from detector.cli._args import charset, fraction, output_problem, positive_float, seconds_or_none
from detector.config import Config
from detector.document import RawDoc, replace_controls
from detector.errors import DetectorError, FetchError, InputError, ModelError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "score",
        help="score pages paragraph by paragraph (files, - for stdin, URLs, -i LIST)",
        description=(
            "Score pages: which paragraphs are kept, which are dropped and why,\n"
            "and a quality verdict for each document.\n"
            "SOURCE is a file, - for stdin, or an http(s) URL; -i LIST reads SOURCEs from a file."
        ),
        epilog=(
            "examples:\n"
            "  detector score seeds/migrant-crisis-page.html\n"
            "  detector score --json - < article.txt | jq .quality\n"
            "  detector score https://example.com/post --html-report report.html\n"
            "  detector score -i urls.txt --format markdown > kept.md\n"
            "  detector score a.html b.html --json > results.jsonl\n"
            "exit codes: 0 scored (whatever the verdict), 2 bad input / fetch error / bad model, "
            "1 internal error"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="file paths, - for stdin, or http(s) URLs (several are scored in turn)")
    p.add_argument("-i", "--input-file", type=Path, default=None, metavar="LIST",
                   help="a text file listing SOURCEs, one per line (URLs or paths; # comments)")
    p.add_argument("--format", action=_FormatAction, choices=("report", "json", "markdown", "html", "text"),
                   default=None, metavar="FORMAT",
                   help="output: report (default), json or markdown; html/text still force the "
                        "input format (same as --input-format)")
    p.add_argument("--input-format", choices=("html", "text"), default=None,
                   help="force the input format (default: detect)")
    p.add_argument("--json", action="store_true",
                   help="print the JSON result instead of the report (--format json; "
                        "with another output --format, a usage error)")
    p.add_argument("--html-report", type=Path, default=None, metavar="FILE",
                   help="also write a self-contained HTML report to FILE")
    p.add_argument("--min-quality", type=fraction, default=None, metavar="SCORE",
                   help=f"quality threshold for the keep verdict, 0..1 (default: {Config().min_quality})")
    p.add_argument("--model", type=Path, default=None, metavar="PATH",
                   help="a model file to use instead of the shipped one")
    p.add_argument("--url", default=None,
                   help="the page's URL when one SOURCE is a file or stdin (reported, groups the site); "
                        "with several SOURCEs or a URL SOURCE, a usage error")
    p.add_argument("--encoding", type=charset, default=None, metavar="CHARSET",
                   help="charset the page was served with (like an HTTP header); default: detect")
    p.add_argument("--timeout", type=positive_float, default=10.0, metavar="SECONDS",
                   help="time budget of the whole fetch when SOURCE is a URL (default: 10)")
    p.add_argument("--doc-timeout", type=seconds_or_none, default=Config().doc_timeout, metavar="SECONDS",
                   help=f"time budget for scoring the page, 0 for none (default: {Config().doc_timeout:g})")
    p.add_argument("--no-color", action="store_true", help="no ANSI colour in the report")
    p.add_argument("--debug", action="store_true", help="show the traceback of internal errors")
    p.set_defaults(func=run, output_format=None)


class _FormatAction(argparse.Action):
    """``--format report|json|markdown`` picks the output; ``html``/``text`` (its old meaning)
    force the input format."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        if values in ("html", "text"):
            namespace.input_format = values
        else:
            namespace.output_format = values


def read_source_list(path: Path) -> list[str]:
    """The SOURCEs listed in ``path``: one per line, blank lines and ``#`` comments skipped.
    Raises InputError naming ``path`` when it cannot be read."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputError(str(path), "no such file (the -i list)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), f"cannot read the -i list ({getattr(exc, 'strerror', None) or exc})") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def read_source(source: str, *, max_bytes: int, url: str | None = None,
                format: str | None = None, encoding: str | None = None, timeout: float = 10.0) -> RawDoc:
    """The bytes behind SOURCE as a RawDoc; raises InputError / FetchError naming SOURCE."""
    if is_url(source):
        from detector.fetch import fetch_url

        raw = fetch_url(source, timeout=timeout, total_timeout=timeout, max_bytes=max_bytes, allow_private=True)
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
        from detector.corpus.readers import DIRECTORY_FORMATS, check_magic, format_of

        check_magic(name, content[:4])  # a page.html.gz that is not gzip: one error, as `clean` says
        if format is None:  # a page file's extension says what it is, as `clean` reads a folder
            named = format_of(name)
            format = named if named in DIRECTORY_FORMATS else None
    if content[:2] == b"\x1f\x8b":  # gzip, whatever the name says, as `clean` opens a file
        from detector.corpus.readers import gunzip_bounded

        content = gunzip_bounded(content, max_bytes, name)
    return RawDoc(id=name, content=content, url=url, format=format, encoding=encoding)  # type: ignore[arg-type]


def _is_source(report: str | os.PathLike[str], source: str) -> str | None:
    """Why ``report`` cannot be written: it is the page file ``source`` itself (writing the report
    would replace the page), or None."""
    try:
        same = os.path.samefile(report, source)
    except (OSError, ValueError):  # either one missing (a URL, -, a new report file)
        return None
    return f"{report}: is the page being scored; name another file for --html-report" if same else None


def _error(message: str) -> None:
    print(f"detector score: error: {message}", file=sys.stderr)


def output_format(args: argparse.Namespace) -> tuple[str, str | None]:
    """The output format ``--format`` and ``--json`` choose (``report`` when neither does) and
    why they cannot be used together, or None: ``--json`` is ``--format json``, so ``--json``
    with another output ``--format`` (``report``, ``markdown``) is a conflict, which would
    otherwise be settled silently by the order of the options."""
    chosen = args.output_format
    if args.json and chosen not in (None, "json"):
        return chosen, f"--json and --format {chosen} ask for two outputs; give one of them"
    return ("json" if args.json else chosen or "report"), None


def run(args: argparse.Namespace) -> int:
    sources = list(args.sources)
    if args.input_file is not None:
        try:
            sources += read_source_list(args.input_file)
        except InputError as exc:
            _error(str(exc))
            return EXIT_BAD_INPUT
    if not sources:
        _error("no SOURCE given (a file, -, an http(s) URL, or -i LIST)")
        return EXIT_BAD_INPUT
    args.output_format, problem = output_format(args)
    if problem:
        _error(problem)
        return EXIT_BAD_INPUT
    several = len(sources) > 1
    if several and args.html_report is not None:
        _error("--html-report writes one page's report: give one SOURCE")
        return EXIT_BAD_INPUT
    if several and args.url is not None:  # it names one page; it was dropped for every SOURCE
        _error(f"--url names one page: it applies to a single SOURCE, got {len(sources)}")
        return EXIT_BAD_INPUT
    if args.url is not None and is_url(sources[0]):  # the fetched address is the page's URL; it was ignored
        _error(f"--url names the page of a file or stdin; {sources[0]} is fetched, and its address is its URL")
        return EXIT_BAD_INPUT
    report = args.html_report
    if report is not None and (problem := output_problem(report) or _is_source(report, sources[0])):
        _error(problem)  # before the model loads
        return EXIT_BAD_INPUT
    changes: dict[str, object] = {}
    if args.min_quality is not None:
        changes["min_quality"] = args.min_quality
    if args.model is not None:
        changes["model_path"] = args.model
    config = Config().replace(doc_timeout=args.doc_timeout, **changes)

    from detector.limits import time_limit
    from detector.pipeline import Detector

    detector = None
    status = EXIT_OK
    for source in sources:
        try:
            raw = read_source(source, max_bytes=config.max_input_bytes, url=args.url,
                              format=args.input_format, encoding=args.encoding, timeout=args.timeout)
        except (InputError, FetchError) as exc:
            _error(str(exc))
            status = status or EXIT_BAD_INPUT
            continue
        if detector is None:
            try:  # an error here is about the model, never about SOURCE
                detector = Detector(config)
            except ModelError as exc:
                _error(f"model: {exc}")
                return EXIT_BAD_INPUT  # no input can be scored without the model
            except Exception as exc:
                if args.debug:
                    raise
                _error(f"model {args.model or '(shipped)'}: cannot be loaded: {type(exc).__name__}: {exc}")
                return EXIT_BAD_INPUT
        try:
            result = time_limit(config.doc_timeout, raw.id, "--doc-timeout").call(detector.score, raw)
        except (InputError, FetchError) as exc:
            _error(str(exc))
            status = status or EXIT_BAD_INPUT
            continue
        except DetectorError as exc:
            _error(f"{source}: {exc}")
            status = status or EXIT_BAD_INPUT
            continue
        except Exception as exc:
            if args.debug:
                raise
            _error(f"{source}: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
            status = EXIT_INTERNAL
            continue
        if args.html_report is not None:
            from detector.report import write_html_report

            try:
                write_html_report(result, args.html_report)
            except OSError as exc:
                _error(f"{args.html_report}: cannot write the HTML report ({exc.strerror or exc})")
                return EXIT_BAD_INPUT
            print(f"wrote {args.html_report}", file=sys.stderr)
        if not _emit(result, args, several):
            return status  # stdout's reader went away
    return status


def _comment_safe(text: object) -> str:
    """``text`` fit for an HTML/Markdown comment: control characters replaced, and no ``--``
    (which would end the comment: a file named ``a-->b.html``)."""
    return replace_controls(text).replace("--", "- -")


def _emit(result, args: argparse.Namespace, several: bool) -> bool:
    """Write one result in the chosen format; False when stdout's reader went away."""
    from detector.report import color_default, render_terminal

    try:
        if args.output_format == "json":
            indent = None if several else 2  # several inputs: JSON Lines
            sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=indent) + "\n")
        elif args.output_format == "markdown":
            if several:
                sys.stdout.write(f"<!-- source: {_comment_safe(result.id or result.url)} -->\n\n")
            sys.stdout.write(result.to_markdown() + ("\n" if several else ""))
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
        return False
    return True
