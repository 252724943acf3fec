"""Start-up of a `vmbench eval` process: wall and CPU time to score one 512x288 frame, warm.

    python -m benchmarks.startup [--repeats 7]

Warm: the file cache and Numba's on-disk cache are filled by an untimed first run. Prints the best
and median over the repeats of (a) a bare `python -c pass`, (b) `vmbench eval` on a one-frame clip
(everything a first frame costs: interpreter, imports, Numba loading its cached kernels, reading
two PNGs, the rvm metric set, printing), and the CPU seconds (user + sys) of (b), which a busy
machine inflates less than wall time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path


def measure(repeats: int = 7) -> dict[str, tuple[float, float]]:
    """{case: (best wall s, median wall s)}, plus 'eval cpu': (best, median) CPU seconds."""
    from benchmarks import mattes
    from benchmarks.e2e_cli import timed

    with tempfile.TemporaryDirectory() as tmp:
        mattes.write_class_clip(Path(tmp), "flat", height=288, width=512, frames=1)
        eval_cmd = [sys.executable, "-m", "vmbench", "eval", "--pred", f"{tmp}/pred", "--gt", f"{tmp}/gt",
                    "--quiet", "--no-progress"]
        bare = [sys.executable, "-c", "pass"]
        timed(eval_cmd)  # warm-up
        runs = {"python -c pass": [timed(bare) for _ in range(repeats)],
                "vmbench eval, one frame": [timed(eval_cmd) for _ in range(repeats)]}
    out = {name: (min(w for w, _ in r), statistics.median(w for w, _ in r)) for name, r in runs.items()}
    cpu = [c for _, c in runs["vmbench eval, one frame"]]
    out["vmbench eval, one frame: CPU"] = (min(cpu), statistics.median(cpu))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    for name, (best, median) in measure(args.repeats).items():
        print(f"{name:32s} best {best:6.3f} s   median {median:6.3f} s")


if __name__ == "__main__":
    main()
