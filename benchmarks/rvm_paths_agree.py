"""Do the two RVM paths write the same mattes? ``python -m benchmarks.rvm_paths_agree ROOT PRED_ONNX``

Runs vmbench's PyTorch RVM (weights converted from the authors' ONNX export, ``refine_full_size``
so it computes what the export computes at every ratio) on the first ``--clips`` clips of the
embedded benchmark ROOT, and compares its 8-bit PNG mattes with those ``vmbench run-baseline
rvm-onnx`` wrote to PRED_ONNX (same tree layout). Prints the largest difference in 8-bit levels
and how many pixels differ at all. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

__all__: list[str] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, help="embedded benchmark root (holds plain/)")
    parser.add_argument("pred_onnx", type=Path, help="predictions of `vmbench run-baseline rvm-onnx` on ROOT")
    parser.add_argument("--weights", type=Path, default=None, help="default: what `rvm` finds")
    parser.add_argument("--clips", type=int, default=2)
    args = parser.parse_args()

    from baselines.rvm.adapter import RVMAdapter
    from vmbench.adapters.base import Track
    from vmbench.adapters.registry import resolve_weights
    from vmbench.adapters.runner import find_jobs
    from vmbench.io.frames import read_alpha_u8, write_alpha

    adapter = RVMAdapter(refine_full_size=True)
    adapter.load(resolve_weights(adapter, args.weights), "cpu")
    worst, differing, total = 0, 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "a.png"
        for job in find_jobs(args.root, Track.NONE)[: args.clips]:
            for stem, alpha in zip(job.stems, adapter.predict(job.clip_input)):
                write_alpha(png, np.clip(alpha, 0, 1))
                ours = read_alpha_u8(png).astype(int)
                theirs = read_alpha_u8(args.pred_onnx / job.out_rel / "pha" / f"{stem}.png").astype(int)
                worst = max(worst, int(np.abs(ours - theirs).max()))
                differing += int((ours != theirs).sum())
                total += ours.size
            print(f"{job.key}: worst so far {worst} levels, {differing} of {total} pixels differ", flush=True)
    print(f"pytorch (refine_full_size) vs rvm-onnx on {args.clips} clips: worst {worst}/255, "
          f"{differing} of {total} pixels differ ({100 * differing / total:.4f} %)")


if __name__ == "__main__":
    main()
