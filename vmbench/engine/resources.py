"""Dask task resources from the command line: ``--resources GPU=1`` (as ``dask worker --resources``)."""

from __future__ import annotations

import re

from vmbench.errors import InputError

__all__ = ["parse_resources"]


def parse_resources(text: str | None) -> dict[str, float] | None:
    """``"GPU=1,MEM=8e9"`` -> {"GPU": 1.0, "MEM": 8e9}; None for None. Each task of the run then needs
    that much of each resource, so it runs only on workers started with ``--resources`` declaring it."""
    if text is None:
        return None
    out = {}
    for part in str(text).replace(" ", ",").split(","):
        if not part:
            continue
        m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_-]*)=([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)", part)
        if not m or float(m.group(2)) <= 0:
            raise InputError(f"--resources {text!r}: expected NAME=AMOUNT[,NAME=AMOUNT] with positive amounts "
                             "(e.g. GPU=1, as `dask worker --resources GPU=1` declares)")
        out[m.group(1)] = float(m.group(2))
    if not out:
        raise InputError(f"--resources {text!r}: no resource given (e.g. GPU=1)")
    return out
