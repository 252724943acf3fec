"""Side-by-side fidelity check: RobustVideoMatting's own evaluate_lr.py metric classes against
`vmbench eval` (protocol rvm), per frame and for the dataset figure (RVM's Excel pooling).

The reference is loaded from YOUR checkout (nothing of it is copied here; RVM is GPL-3.0):

    git clone https://github.com/PeterL1n/RobustVideoMatting   # commit 53d74c6 was used
    python benchmarks/fidelity_rvm.py --rvm RobustVideoMatting --work /tmp/fid

It writes a test tree (4 clips of 5-12 frames at 512x288, unequal lengths; one clip with an
empty-intersection frame, a constant prediction, a prediction that never reaches 1.0 and a
constant ground truth), scores it both ways and prints the worst relative differences. The
dataset figure is the sheet's B2 as `write_excel` forms it: only the FIRST clip's frame indices
(the first clip, motion/0000, is shorter than others here). The reference imports xlsxwriter
(`pip install xlsxwriter`; vmbench itself does not need it). With --classes it also scores 4
frames of each speed-benchmark content class (flat, diffusion, noisy-fg, uniform:
`benchmarks.mattes.class_pair`) both ways, per frame: the content the fast paths are built for.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
from pathlib import Path

import cv2
import numpy as np

from benchmarks import mattes
from vmbench.evaluate import evaluate
from vmbench.io.frames import write_alpha

LENGTHS = {("motion", "0000"): 9, ("motion", "0001"): 12,  # the first clip is not the longest
            ("static", "0000"): 12, ("static", "0001"): 5}
METRICS = ("MAD", "MSE", "Grad", "Conn", "dtSSD")


def load_reference(checkout: Path):
    np.int = int  # evaluate_lr.py's gauss_filter uses np.int, removed in NumPy 1.24
    spec = importlib.util.spec_from_file_location("evaluate_lr", checkout / "evaluation" / "evaluate_lr.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_tree(root: Path) -> None:
    shutil.rmtree(root, ignore_errors=True)
    for (dataset, clip), n in LENGTHS.items():
        for t in range(n):
            g = mattes.gt_frame(t, 288, 512, rng_seed=int(clip))
            p = mattes.pred_frame(g, t, seed=len(dataset) + int(clip))
            if (dataset, clip) == ("static", "0000"):
                p = {2: np.zeros_like(p), 3: np.full_like(p, 0.4), 4: p * 0.97}.get(t, p)
                g = np.full_like(g, 1.0) if t == 5 else g
            write_alpha(root / "gt" / dataset / clip / "pha" / f"{t:04d}.png", g)
            write_alpha(root / "pred" / dataset / clip / "pha" / f"{t:04d}.png", p)


def reference_frames(ref, root: Path, lengths: dict = LENGTHS) -> dict:
    """{(dataset, clip, frame): {metric: value}} from RVM's metric classes, reading as its script does."""
    mad, mse, grad, conn, dtssd = ref.MetricMAD(), ref.MetricMSE(), ref.MetricGRAD(), ref.MetricCONN(), ref.MetricDTSSD()
    out = {}
    for (dataset, clip), n in sorted(lengths.items()):
        prev = None
        for t in range(n):
            name = f"{t:04d}.png"
            read = lambda side: cv2.imread(str(root / side / dataset / clip / "pha" / name), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
            g, p = read("gt"), read("pred")
            out[(dataset, clip, f"{t:04d}")] = {"MAD": mad(p, g), "MSE": mse(p, g), "Grad": grad(p, g), "Conn": conn(p, g),
                                                "dtSSD": 0 if prev is None else dtssd(p, prev[0], g, prev[1])}
            prev = (p, g)
    return out


def worst_differences(rows: list[dict], want: dict) -> dict[str, float]:
    """{metric: worst relative difference} of vmbench's frame rows against the reference's values."""
    worst = dict.fromkeys(METRICS, 0.0)
    for row in rows:
        expected = want[(row["dataset"], row["clip"], row["frame"])]
        for m in METRICS:
            v = float(expected[m])
            worst[m] = max(worst[m], abs(row[m] - v) / abs(v) if v else abs(row[m]))
    return worst


def class_check(ref, root: Path, frames: int = 4) -> None:
    """Per-frame worst relative differences on each content class (1 clip of `frames` frames)."""
    shutil.rmtree(root, ignore_errors=True)
    for kind in mattes.CLASSES:
        for t in range(frames):
            p8, g8 = mattes.class_pair(kind, t, 288, 512)
            for side, img in (("pred", p8), ("gt", g8)):
                path = root / side / kind / "0000" / "pha" / f"{t:04d}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(path), img)
    want = reference_frames(ref, root, {(kind, "0000"): frames for kind in mattes.CLASSES})
    rows = evaluate(root / "pred", root / "gt").frame_rows
    for kind in mattes.CLASSES:
        worst = worst_differences([r for r in rows if r["dataset"] == kind], want)
        print(f"class {kind:9s} per-frame worst relative difference:", {m: f"{v:.2e}" for m, v in worst.items()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rvm", type=Path, required=True, help="a RobustVideoMatting checkout")
    parser.add_argument("--work", type=Path, default=Path("/tmp/vmbench-fidelity"))
    parser.add_argument("--classes", action="store_true", help="also compare per frame on the four content classes")
    args = parser.parse_args()
    ref = load_reference(args.rvm)
    write_tree(args.work)
    want = reference_frames(ref, args.work)
    got = evaluate(args.work / "pred", args.work / "gt")
    worst = worst_differences(got.frame_rows, want)
    print("per-frame worst relative difference:", {m: f"{v:.2e}" for m, v in worst.items()})
    first = LENGTHS[sorted(LENGTHS)[0]]  # write_excel writes index averages only for the first clip's columns
    for m in METRICS:  # RVM's sheet B2: mean over the first clip's frame indices of the mean over clips there
        per_index = [np.mean([float(want[(d, c, f"{t:04d}")][m]) for (d, c), n in LENGTHS.items() if t < n]) for t in range(first)]
        excel = float(np.mean(per_index))
        print(f"dataset {m:6s} reference {excel:.10f} vmbench {got.summary[m]:.10f} relative {abs(got.summary[m] - excel) / abs(excel):.2e}")
    if args.classes:
        class_check(ref, args.work / "classes")


if __name__ == "__main__":
    main()
