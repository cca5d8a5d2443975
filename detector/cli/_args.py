"""argparse value types shared by the subcommands."""

from __future__ import annotations

import argparse


def fraction(text: str) -> float:
    """A number in [0, 1] (scores, shares)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def seconds_or_none(text: str) -> float | None:
    """A time budget in seconds; 0 means none."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0 or value != value:
        raise argparse.ArgumentTypeError(f"must be >= 0 seconds (0: no limit), got {text}")
    return value or None
