"""Whole processes, start-up included: `vmbench eval` against the reference-style loop as a script.

    python -m benchmarks.e2e_cli --pred PRED_TREE --gt GT_TREE [--workers N]
    python -m benchmarks.e2e_cli --class diffusion   # one 24-frame 1920x1080 clip of a content class
    python -m benchmarks.e2e_cli                     # a generated tree (8 clips x 100 frames, 512x288)

Both read the same RVM-style tree (DATASET/CLIP/pha/FRAME.png) from a warm file cache (each is
run once untimed first) and compute MAD, MSE, Grad, Conn and dtSSD for every frame. Prints each
wall time and the ratio. `benchmarks/test_speed.py` measures the same in-process, without the
start-up; `benchmarks/startup.py` measures the start-up alone.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wall(cmd: list[str]) -> float:
    return timed(cmd)[0]


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system of the child, all its threads)."""
    before = os.times()
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    after = os.times()
    return seconds, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def compare(pred: Path, gt: Path, workers: int | None = None, repeats: int = 1, cpu: bool = False):
    """(vmbench eval seconds, reference-style script seconds): best of `repeats`, after one warm-up
    each; with `cpu`, ((wall, CPU) of vmbench, (wall, CPU) of the script) instead."""
    ours = [sys.executable, "-m", "vmbench", "eval", "--pred", str(pred), "--gt", str(gt), "--quiet", "--no-progress"]
    if workers:
        ours += ["--workers", str(workers)]
    reference = [sys.executable, "-m", "benchmarks.reference_style", str(pred), str(gt)]
    for cmd in (ours, reference):  # warm the file cache (and Numba's on-disk cache)
        wall(cmd)
    t_ours = min(timed(ours) for _ in range(repeats))
    t_ref = min(timed(reference) for _ in range(repeats))
    return (t_ours, t_ref) if cpu else (t_ours[0], t_ref[0])


def class_clip(root: Path, kind: str, frames: int = 24) -> tuple[Path, Path]:
    from benchmarks import mattes

    mattes.write_class_clip(root, kind, height=1080, width=1920, frames=frames)
    return root / "pred", root / "gt"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pred", type=Path)
    ap.add_argument("--gt", type=Path)
    ap.add_argument("--class", dest="kind", default=None, help="flat, diffusion, noisy-fg or uniform: a 24-frame 1080p clip")
    ap.add_argument("--workers", type=int, default=None, help="passed to vmbench eval (default: its own)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.kind:
            args.pred, args.gt = class_clip(Path(tmp), args.kind)
        elif args.pred is None or args.gt is None:
            from benchmarks import mattes

            root = mattes.write_tree(Path(tmp), height=288, width=512, clips=8, frames=100)
            args.pred, args.gt = root / "pred", root / "gt"
        (t_ours, c_ours), (t_ref, c_ref) = compare(args.pred, args.gt, args.workers, cpu=True)
    print(f"vmbench eval        {t_ours:8.2f} s   CPU {c_ours:8.2f} s")
    print(f"reference-style     {t_ref:8.2f} s   CPU {c_ref:8.2f} s")
    print(f"ratio               {t_ref / t_ours:8.1f}x  CPU {c_ref / c_ours:6.1f}x")


if __name__ == "__main__":
    main()
