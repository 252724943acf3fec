"""Peak memory of `vmbench eval` on one long 1080p multi-instance clip (VIM layout).

    python -m benchmarks.instance_memory                      # writes the clip, measures this checkout
    python -m benchmarks.instance_memory --code /tmp/old      # the same clip, another checkout's code

The clip (default 3 instances x 40 frames of 1920x1080, prediction = ground truth + noise) is
written once to --work. Each measurement is `python -m vmbench eval --task instance --protocol P --metrics
M` (default rvm, MAD,MSE,dtSSD) in a fresh process; its peak resident set size (ru_maxrss of the child) is printed.
A whole-clip path holds both trees as float32: 2 x instances x frames x 1920 x 1080 x 4 bytes.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def write_clip(work: Path, instances: int, frames: int, H: int = 1080, W: int = 1920) -> None:
    marker = work / f".done-{instances}x{frames}x{W}x{H}"
    if marker.is_file():
        return
    rng = np.random.default_rng(0)
    for i in range(instances):
        for t in range(frames):
            g = np.zeros((H, W), np.uint8)
            y0, x0 = 100 + 300 * i, 100 + 20 * t
            g[y0:y0 + 250, x0:x0 + 600] = 255
            g[y0 + 250:y0 + 254, x0:x0 + 600] = 128
            p = np.clip(g.astype(np.int16) + rng.integers(-4, 5, g.shape, dtype=np.int16), 0, 255).astype(np.uint8)
            for side, a in (("gt", g), ("pred", p)):
                path = work / side / "clip" / ("pha" if side == "gt" else "") / f"inst{i}" / f"{t:04d}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(path), a)
    marker.write_text("")


def measure(work: Path, code: Path, protocol: str = "rvm", metrics: str = "MAD,MSE,dtSSD") -> tuple[float, float]:
    """(peak RSS in MiB, seconds) of one eval process running `code`'s vmbench."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "vmbench", "eval", "--task", "instance", "--pred", str(work / "pred"),
                           "--gt", str(work / "gt"), "--protocol", protocol, "--metrics", metrics, "--no-progress", "--quiet"],
                          cwd=code, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(proc.stderr)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak_kib / 1024, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=Path("/tmp/vmbench-instance-memory"))
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--code", type=Path, default=ROOT, help="checkout whose vmbench is measured")
    parser.add_argument("--protocol", default="rvm", help="rvm (default), rvm-hr, dim or maggie")
    parser.add_argument("--metrics", default="MAD,MSE,dtSSD")
    args = parser.parse_args()
    write_clip(args.work, args.instances, args.frames)
    whole = 2 * args.instances * args.frames * 1920 * 1080 * 4 / 2**20
    peak, seconds = measure(args.work, args.code, args.protocol, args.metrics)
    print(f"{args.instances} instances x {args.frames} frames 1920x1080, {args.protocol} {args.metrics}: "
          f"peak RSS {peak:.0f} MiB, {seconds:.1f} s "
          f"({args.code}); both trees as float32 would be {whole:.0f} MiB")


if __name__ == "__main__":
    main()
