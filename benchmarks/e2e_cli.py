"""Whole processes, start-up included: `vmbench eval` against the reference-style loop as a script.

    python -m benchmarks.e2e_cli --pred PRED_TREE --gt GT_TREE [--workers N]
    python -m benchmarks.e2e_cli                 # on a generated tree (8 clips x 100 frames, 512x288)

Both read the same RVM-style tree (DATASET/CLIP/pha/FRAME.png) from a warm file cache (each is
run once untimed first) and compute MAD, MSE, Grad, Conn and dtSSD for every frame. Prints each
wall time and the ratio. `benchmarks/test_speed.py` measures the same in-process, without the
start-up (imports and Numba's first-use set-up, about 1.5 s here).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pred", type=Path)
    ap.add_argument("--gt", type=Path)
    ap.add_argument("--workers", type=int, default=None, help="passed to vmbench eval (default: its own)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.pred is None or args.gt is None:
            from benchmarks import mattes

            root = mattes.write_tree(Path(tmp), height=288, width=512, clips=8, frames=100)
            args.pred, args.gt = root / "pred", root / "gt"
        ours = [sys.executable, "-m", "vmbench.cli", "eval", "--pred", str(args.pred), "--gt", str(args.gt), "--quiet", "--no-progress"]
        if args.workers:
            ours += ["--workers", str(args.workers)]
        reference = [sys.executable, "-m", "benchmarks.reference_style", str(args.pred), str(args.gt)]
        for cmd in (ours, reference):  # warm the file cache (and Numba's on-disk cache)
            wall(cmd)
        t_ours, t_ref = wall(ours), wall(reference)
    print(f"vmbench eval        {t_ours:8.2f} s")
    print(f"reference-style     {t_ref:8.2f} s")
    print(f"ratio               {t_ref / t_ours:8.1f}x")


if __name__ == "__main__":
    main()
