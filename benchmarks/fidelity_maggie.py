"""Side-by-side fidelity check of MaGGIe's MESSDdt: ``maggie/utils/metric.py``'s own ``MESSDdt``
class against vmbench's ``maggie`` protocol, per evaluation call (window) and pooled.

    git clone https://github.com/hmchuong/MaGGIe        # commit 62344dd was used
    python -m benchmarks.fidelity_maggie --maggie MaGGIe --work /tmp/fid-maggie

The reference is loaded from YOUR checkout with the stand-ins of benchmarks/fidelity_instance.py for
its distributed helpers; it runs on CPU tensors. Data: the embedded benchmark's instance clips
(make-dataset --preset tiny) with deterministic predictions, fed through MaGGIe's sliding windows
(clip length 3, overlap 2: the last window holds three pairs, where its warp bug samples every pair
from the window's first next frame), plus a hard clip whose instance leaves the frame (flow pointing
outside, clamped by the reference) and a 4-frame clip (one middle window and the 3-pair window).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.fidelity_common import Worst, embedded_set, prediction, read_u8
from benchmarks.fidelity_instance import _load, install_stubs
from vmbench.instance.maggie import clamp_prediction, maggie_clip, maggie_pool, maggie_windows


def clips(work: Path) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, pred float32 (N, T, H, W), gt float32) of every clip the check scores."""
    embedded_set(work)
    out = []
    src = work / "tiny" / "instance"
    for c in sorted(p for d in src.iterdir() if d.is_dir() for p in d.iterdir() if p.is_dir()):
        gts, preds = [], []
        for k, inst in enumerate(sorted((c / "pha").iterdir())):
            g = np.stack([read_u8(f) for f in sorted(inst.glob("*.png"))])
            gts.append(g)
            preds.append(np.stack([prediction(x, t, seed=k + 5) for t, x in enumerate(g)]))
        out.append((c.name, np.stack(preds).astype(np.float32) / 255, np.stack(gts).astype(np.float32) / 255))
    g = np.zeros((1, 4, 40, 56), np.float32)
    for t in range(4):
        g[0, t, 10:30, 30 + 9 * t: 52 + 9 * t] = 1.0  # runs off the right edge
        g[0, t, 9, 30 + 9 * t: 52 + 9 * t] = 0.5
    p = np.clip(np.roll(g, 2, axis=3) + 0.03, 0, 1).astype(np.float32)
    out.append(("hard_exit", p, g))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--maggie", type=Path, required=True, help="a hmchuong/MaGGIe checkout")
    parser.add_argument("--work", type=Path, default=Path("/tmp/vmbench-fidelity-maggie"))
    args = parser.parse_args()
    worst, pooled = Worst(), Worst()
    with tempfile.TemporaryDirectory() as tmp:
        install_stubs(tmp)
        mm = _load("refmaggie.utils.metric", args.maggie / "maggie" / "utils" / "metric.py")
        total = mm.MESSDdt()
        ours_all = []
        for name, P, G in clips(args.work):
            ours = maggie_clip(P, G, metrics=["MESSDdt"])["MESSDdt"]
            ours_all.append(ours)
            pt, gtt = clamp_prediction(P).transpose(1, 0, 2, 3), G.transpose(1, 0, 2, 3)
            for frames, pairs in maggie_windows(G.shape[1]):
                if not pairs:
                    continue
                fr = [pairs[0][0], *frames]
                value = mm.MESSDdt().update(np.ascontiguousarray(pt[fr]), np.ascontiguousarray(gtt[fr]))
                total.update(np.ascontiguousarray(pt[fr]), np.ascontiguousarray(gtt[fr]))
                worst.add("MESSDdt", float(np.mean(ours[:, frames[-1]])), value, f"{name} window ending {frames[-1]}")
        pooled.add("MESSDdt", maggie_pool(ours_all), total.score / (total.count + 1e-6))
    ok = worst.report("per window (mean over the clip's instances, as the reference's update returns)")
    ok &= pooled.report("pooled over every window of every clip (score / count)")
    print("PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
