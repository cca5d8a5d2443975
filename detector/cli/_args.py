"""argparse value types shared by the subcommands."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from detector.config import MAX_SECONDS  # a stdlib-only module: --help stays light

if TYPE_CHECKING:
    from detector.document import FieldNames


def integer(text: str, low: int, high: int | None = None, what: str = "a whole number") -> int:
    """``text`` as an int in [low, high] (no upper bound when ``high`` is None)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise argparse.ArgumentTypeError(f"must be {bound}, got {text}")
    return value


def positive_int(text: str) -> int:
    """A whole number >= 1 (workers, sizes, counts)."""
    return integer(text, 1)


def port(text: str) -> int:
    """A TCP port, 0-65535."""
    return integer(text, 0, 65535, "a port number")


def fraction(text: str) -> float:
    """A number in [0, 1] (scores, shares)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def charset(text: str) -> str:
    """A charset label that the WHATWG label table knows (``--encoding``): an unknown one would
    otherwise be ignored, the page decoded by detection, and the user never told."""
    from detector.extract.encoding import resolve_label  # only when the option is given

    if resolve_label(text) is None:
        raise argparse.ArgumentTypeError(
            f"unknown charset {text!r} (a WHATWG encoding label: utf-8, windows-1252, latin-1, shift_jis ...)"
        )
    return text


def positive_float(text: str) -> float:
    """A number of seconds > 0 and at most ``MAX_SECONDS`` (timeouts)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"must be > 0 and at most {MAX_SECONDS:g} seconds, got {text}")
    return value


def seconds_or_none(text: str) -> float | None:
    """A time budget in seconds, at most ``MAX_SECONDS``; 0 means none."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"must be >= 0 and at most {MAX_SECONDS:g} seconds (0: no limit), got {text}")
    return value or None


def output_problem(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be written as an output file, or None: checked before any model
    loads or work starts, so a typo in ``-o`` costs nothing. A missing file is fine (it is
    created); a missing or unwritable folder, or a folder given as the file, is not."""
    target = Path(path)
    if target.is_dir():
        return f"{target}: is a directory; name a file"
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.exists():
        return f"{target}: folder {parent} does not exist; create it first"
    if not parent.is_dir():
        return f"{target}: {parent} is not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{target}: folder {parent} is not writable"
    if target.exists() and not os.access(target, os.W_OK):
        return f"{target}: file is not writable"
    try:  # os.access says yes to root, and to some network or FUSE mounts that refuse new files
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".detector-probe-"):
            pass
    except OSError as exc:
        return f"{target}: cannot create a file in folder {parent} ({exc.strerror or exc})"
    return None


def add_field_options(group: argparse._ActionsContainer) -> None:
    """The record field options every command that reads records takes (``clean``, ``filter``):
    ``--html-field --text-field --content-field --url-field --id-field``, defaulting to
    ``FieldNames()`` (the one place the default names live). ``''`` switches a content field off."""
    from detector.document import FieldNames

    d = FieldNames()
    group.add_argument("--html-field", default=d.html, metavar="NAME",
                       help=f"field with the page HTML, read first (default: {d.html})")
    group.add_argument("--text-field", default=d.text, metavar="NAME",
                       help=f"field with plain text, read when there is no HTML (default: {d.text})")
    group.add_argument("--content-field", default=d.content, metavar="NAME",
                       help=f"field with HTML or text (detected), read when there is neither "
                            f"(default: {d.content}; '' for none)")
    group.add_argument("--url-field", default=d.url, metavar="NAME", help=f"field with the URL (default: {d.url})")
    group.add_argument("--id-field", default=d.id, metavar="NAME",
                       help=f"field with the document id (default: {d.id})")


def field_names(args: argparse.Namespace, **extra: object) -> FieldNames:
    """The ``FieldNames`` of the options ``add_field_options`` added (plus ``extra``, e.g. ``site``)."""
    from detector.document import FieldNames

    return FieldNames(html=args.html_field, text=args.text_field, content=args.content_field or None,
                      url=args.url_field, id=args.id_field, **extra)  # type: ignore[arg-type]
