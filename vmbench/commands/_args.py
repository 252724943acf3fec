"""argparse ``type=`` helpers: every numeric option is range-checked where it is parsed.

A value out of range is argparse's one usage error (``vmbench eval: error: argument --workers:
must be an integer in [1, 1024], got 0``, exit 2) before any file is read, so no bad number
reaches the scorer as a traceback, a hang or a silent result. The ranges are documented in
docs/trust.md; commands use these helpers instead of a bare ``type=int``. (Gate tolerances are
parsed by vmbench.leaderboard.gate, so a bad one is the same one-line error as a bad file; the form
of a --scheduler address is checked by vmbench.engine.cluster before any connection.)
"""

from __future__ import annotations

import argparse
import math

__all__ = ["int_range", "float_range", "WORKERS", "SEED", "MAX_WORKERS"]

MAX_WORKERS = 1024  # threads or processes on one machine; more is a typo, not a machine
MAX_SEED = 2**32 - 1  # numpy's legacy seeds and the synth generator take 32-bit seeds


def _fail(text: str, what: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(f"must be {what}, got {text!r}")


def int_range(low: int, high: int):
    """type= for an integer in [low, high]."""
    what = f"an integer in [{low}, {high}]"

    def parse(text: str) -> int:
        try:
            value = int(str(text).strip(), 10)
        except ValueError:
            raise _fail(text, what) from None
        if not low <= value <= high:
            raise _fail(text, what)
        return value

    parse.__name__ = "integer"
    return parse


def float_range(low: float, high: float, *, low_open: bool = False):
    """type= for a finite number in [low, high] (or (low, high] with `low_open`)."""
    what = f"a number in {'(' if low_open else '['}{low:g}, {high:g}]"

    def parse(text: str) -> float:
        try:
            value = float(str(text).strip())
        except ValueError:
            raise _fail(text, what) from None
        if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
            raise _fail(text, what)
        return value

    parse.__name__ = "number"
    return parse


WORKERS = int_range(1, MAX_WORKERS)
SEED = int_range(0, MAX_SEED)
