"""The scoring path imports no pandas, dask, torch or matplotlib unless asked (CSV / DataFrames / --scheduler)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "dask", "distributed", "torch", "matplotlib")

PROBE = """
import sys
from vmbench.cli import main
code = main(sys.argv[1:])
print("LOADED", code, *[m for m in {heavy!r} if m in sys.modules])
"""


def _loaded(*argv) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *map(str, argv)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("LOADED")][-1].split()
    assert line[1] == "0", proc.stderr
    return line[2:]


def _png(path, a):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), a)


def test_plain_and_instance_scoring_stay_light(tmp_path):
    for side in ("gt", "pred"):
        for t in range(2):
            _png(tmp_path / "plain" / side / f"{t:04d}.png", np.full((4, 4), 9 * t, np.uint8))
            _png(tmp_path / "inst" / side / "v" / ("pha" if side == "gt" else "") / "i0" / f"{t:04d}.png",
                 np.full((4, 4), 9 * t, np.uint8))
    assert _loaded("eval", "--pred", tmp_path / "plain" / "pred", "--gt", tmp_path / "plain" / "gt",
                   "--json", tmp_path / "p.json", "--no-progress") == []
    assert _loaded("eval", "--task", "instance", "--pred", tmp_path / "inst" / "pred", "--gt", tmp_path / "inst" / "gt",
                   "--json", tmp_path / "i.json", "--no-progress") == []
