"""`simple_table`: tabulate's "simple" format for the eval summary, without importing tabulate.

Importing tabulate (and wcwidth) costs about 23 ms of a `vmbench eval` process's ~140 ms start-up.
This renders what the summary holds (ASCII text, ints, and decimal, nan or inf numbers, as ints
or strings) exactly as ``tabulate(rows, headers, tablefmt="simple")`` does: number columns
decimal-aligned and re-formatted with "g", text left-aligned, two spaces between columns, each
column at least its header plus two wide. Anything else goes to tabulate itself
(tests/test_text_table.py checks the two agree).
"""

from __future__ import annotations

import math
import re

__all__ = ["simple_table"]

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf|-inf")
_TEXT = re.compile(r"[ -~]+")  # printable ASCII: one terminal column per character
_HEADER = re.compile(r"[ -~]*")
_KIND = {int: 0, float: 1, str: 2}


def _kind(cell):
    """int, float or str as tabulate would type the cell; None where tabulate must decide."""
    if type(cell) is int:
        return int
    if type(cell) is float:
        return float
    if type(cell) is not str or not _TEXT.fullmatch(cell) or "," in cell or cell in ("True", "False"):
        return None
    if _INT.fullmatch(cell):
        return int
    if _FLOAT.fullmatch(cell):
        return float if (cell in ("inf", "-inf") or not math.isinf(float(cell))) else None
    try:
        float(cell)
    except ValueError:
        return str
    return None  # "NaN", " 1", "1_0", "infinity": numbers to tabulate, by rules not copied here


def _after_point(s: str) -> int:
    """Characters after the decimal point (or the exponent's e) of a formatted number; -1 if none."""
    if _INT.fullmatch(s):
        return -1
    pos = s.rfind(".")
    pos = s.lower().rfind("e") if pos < 0 else pos
    return len(s) - pos - 1 if pos >= 0 else -1


def simple_table(rows: list[list], headers: list[str]) -> str:
    """``tabulate(rows, headers=headers, tablefmt="simple")``."""
    ncols = len(headers)
    plain = rows and all(len(r) == ncols for r in rows) and all(type(h) is str and _HEADER.fullmatch(h) for h in headers)
    kinds = [[_kind(c) for c in col] for col in zip(*rows)] if plain else []
    if not plain or any(None in col for col in kinds):
        from tabulate import tabulate

        return tabulate(rows, headers=headers, tablefmt="simple")
    lines_cols, widths, right = [], [], []
    for header, col, col_kinds in zip(headers, zip(*rows), kinds):
        kind = max(col_kinds, key=_KIND.__getitem__)
        if kind is str:
            cells = [str(c).strip() for c in col]
        else:
            cells = [str(c) if kind is int else format(float(c), "g") for c in col]
            after = [_after_point(c) for c in cells]
            cells = [c + " " * (max(after) - a) for c, a in zip(cells, after)]
        width = max(len(header) + 2, max(map(len, cells)))
        lines_cols.append([c.ljust(width) if kind is str else c.rjust(width) for c in cells])
        widths.append(width)
        right.append(kind is not str)
    head = [h.rjust(w) if r else h.ljust(w) for h, w, r in zip(headers, widths, right)]
    lines = ["  ".join(head), "  ".join("-" * w for w in widths), *("  ".join(r) for r in zip(*lines_cols))]
    return "\n".join(line.rstrip() for line in lines)
