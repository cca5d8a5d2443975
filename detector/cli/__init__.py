"""``detector`` command line: a thin layer over the library.

Each subcommand lives in its own module with ``add_parser(subparsers)``, which registers
the command and sets ``func`` to a ``run(args) -> int`` that calls the library.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any

COMMANDS = ("score", "clean", "filter", "serve", "train")

# --- one exception -> exit-code table for every command ---------------------------------------
EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_CODES = """exit codes: 0 done, 1 internal error (a bug: rerun with --debug), 2 bad input, bad model,
unusable output path or environment error (the message names it), 130 interrupted"""


def exit_code(exc: BaseException) -> int:
    """The exit code for an exception that ends a command: ``DetectorError`` (bad input, fetch
    error, bad model ...) and ``OSError`` (a path that cannot be read or written, a full disk) are
    2, Ctrl-C is 130, anything else is an internal error (1)."""
    from detector.errors import DetectorError

    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(exc, (DetectorError, OSError)):
        return EXIT_BAD_INPUT
    return EXIT_INTERNAL


def error_line(exc: BaseException) -> str:
    """One line for a person: what went wrong and, for an OSError, the path."""
    from detector.errors import ModelError

    if isinstance(exc, ModelError):
        return f"model: {exc}"
    if isinstance(exc, OSError) and not isinstance(exc, ValueError):
        name = exc.filename if exc.filename is not None else ""
        return f"{name}: {exc.strerror or exc}" if name else f"{exc.strerror or exc}"
    if exit_code(exc) == EXIT_INTERNAL:
        return f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)"
    return str(exc)


def build_parser() -> argparse.ArgumentParser:
    from detector import __version__

    parser = argparse.ArgumentParser(
        prog="detector", description="Content-quality and boilerplate detector for scraped web articles."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"detector.cli.{name}").add_parser(sub)
    return parser


class SafeStderr:
    """``sys.stderr`` for a command: messages never stop the data. A write or flush that fails
    (a pipe whose reader went away: ``BrokenPipeError``; any ``OSError``) switches it to
    ``os.devnull`` for the rest of the run, and the stream it wrapped is pointed there too (its
    file descriptor, when it has one), so that what it still buffers, and what worker processes
    sharing that descriptor write, cannot fail later. Anything else is the wrapped stream's."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.broken = False

    def _switch(self) -> None:
        if self.broken:
            return
        self.broken = True
        old, self.stream = self.stream, open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the run
        try:
            os.dup2(self.stream.fileno(), old.fileno())  # what ``old`` still holds now flushes to nowhere
        except (OSError, ValueError, AttributeError):  # no descriptor (a StringIO), or a closed one
            pass

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except (OSError, ValueError):  # ValueError: the stream was closed under us
            self._switch()
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except (OSError, ValueError):
            self._switch()

    def isatty(self) -> bool:
        try:
            return self.stream.isatty()
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _guard_stderr() -> Any:
    """Make ``sys.stderr`` safe for the whole run, before anything (logging included) takes a
    reference to it: with stderr closed (``2>&-``) Python sets it to ``None``, and ``print(...,
    file=None)`` writes to stdout, into the data; it becomes ``os.devnull``. Then it is wrapped
    in ``SafeStderr``. Returns what ``sys.stderr`` was."""
    before = sys.stderr
    stream = before if before is not None else open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if not isinstance(stream, SafeStderr):
        sys.stderr = SafeStderr(stream)
    return before


def main(argv: list[str] | None = None) -> int:
    before = _guard_stderr()  # first of all: stdout carries only data
    try:
        return _main(argv)
    finally:
        sys.stderr.flush()
        if before is not None:  # a caller's own stream back (None stays os.devnull: print(file=None) is stdout)
            sys.stderr = before


def stdout_closed(args: argparse.Namespace) -> str | None:
    """Why the command cannot run with stdout closed (``>&-``: Python sets ``sys.stdout`` to
    ``None``), or None: ``score`` and ``filter`` write their results there, ``clean -o -`` its
    rows. It was an internal error ("'NoneType' object has no attribute 'write'") after the work."""
    if sys.stdout is not None:
        return None
    what = {"score": "the results", "filter": "the kept documents"}.get(args.command)
    if args.command == "clean" and getattr(args, "output", None) == "-":
        what = "the rows (-o -)"
    if what is None:
        return None
    return f"stdout is closed (>&-), and {what} go there; redirect it to a file (or to /dev/null)"


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if problem := stdout_closed(args):
        print(f"detector {args.command}: error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # whatever a command did not handle itself: one line, by the table
        if getattr(args, "debug", False):
            raise
        print(f"detector {args.command}: error: {error_line(exc)}", file=sys.stderr)
        return exit_code(exc)


if __name__ == "__main__":
    sys.exit(main())
