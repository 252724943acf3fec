"""`vmbench check` against `vmbench eval` on the same tree, in one run.

    python -m benchmarks.check_speed --pred PRED_TREE --gt GT_TREE [--workers N]
    python -m benchmarks.check_speed            # on a generated tree (8 clips x 100 frames, 512x288)

check reads every frame once (as eval does) and scores nothing, so the ratio says what a
preflight costs before a full evaluation; ``check --quick`` reads file headers only. In-process (`check_plain` and `evaluate`, each run
once untimed first for warm file and Numba caches), then as whole processes (start-up included).
Prints each time and the ratio eval / check.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.e2e_cli import wall


def _timed(fn) -> float:
    fn()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pred", type=Path)
    ap.add_argument("--gt", type=Path)
    ap.add_argument("--workers", type=int, default=None, help="threads for both (default: one per core)")
    args = ap.parse_args()
    from vmbench.evaluate import evaluate
    from vmbench.preflight import check_plain

    with tempfile.TemporaryDirectory() as tmp:
        if args.pred is None or args.gt is None:
            from benchmarks import mattes

            root = mattes.write_tree(Path(tmp), height=288, width=512, clips=8, frames=100)
            args.pred, args.gt = root / "pred", root / "gt"
        t_check = _timed(lambda: check_plain(args.pred, args.gt, workers=args.workers))
        t_quick = _timed(lambda: check_plain(args.pred, args.gt, workers=args.workers, quick=True))
        t_eval = _timed(lambda: evaluate(args.pred, args.gt, workers=args.workers))
        common = ["--pred", str(args.pred), "--gt", str(args.gt)] + (["--workers", str(args.workers)] if args.workers else [])
        check_cmd = [sys.executable, "-m", "vmbench.cli", "check", *common]
        eval_cmd = [sys.executable, "-m", "vmbench.cli", "eval", *common, "--quiet", "--no-progress"]
        for cmd in (check_cmd, eval_cmd):
            wall(cmd)
        p_check, p_eval = wall(check_cmd), wall(eval_cmd)
    print(f"in-process   check {t_check:7.2f} s   eval {t_eval:7.2f} s   eval/check {t_eval / t_check:5.1f}x")
    print(f"in-process   check --quick {t_quick:7.3f} s   eval/quick {t_eval / t_quick:5.1f}x")
    print(f"processes    check {p_check:7.2f} s   eval {p_eval:7.2f} s   eval/check {p_eval / p_check:5.1f}x")


if __name__ == "__main__":
    main()
