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
