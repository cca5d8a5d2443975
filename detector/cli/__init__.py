"""``detector`` command line: a thin layer over the library.

Each subcommand lives in its own module with ``add_parser(subparsers)``, which registers
the command and sets ``func`` to a ``run(args) -> int`` that calls the library.
"""

from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("score", "clean", "filter", "serve", "train")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="detector", description="Content-quality and boilerplate detector for scraped web articles."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"detector.cli.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
