"""Side-by-side fidelity check: davis2017-evaluation's own ``db_eval_iou``, ``db_eval_boundary`` and
``db_statistics`` (semi-supervised rule: first and last frame dropped) against ``vmbench eval``'s
J / F mean, recall and decay (instance task, ``--jf-frames davis``).

The reference is loaded from YOUR checkout (nothing of it is copied here):

    git clone https://github.com/davisvideochallenge/davis2017-evaluation    # commit ac7c43f was used
    python -m benchmarks.fidelity_davis --davis davis2017-evaluation --work /tmp/fid-davis

Data: the embedded benchmark's instance tree (make-dataset --preset tiny) with deterministic
predictions, plus hard clips: a 3-frame clip (one frame left after the rule), an instance absent
from the ground truth in some frames, an empty prediction, and a 300-frame sequence whose decay bin
edges wrap in the reference's uint8 (its last bin is then empty and its decay NaN).

Second part: ``vmbench eval --dataset davis`` on a DAVIS replica (palette PNGs, void 255 pixels, an
object missing from the prediction, an all-void frame, three sequences) against the reference's own
``DAVISEvaluation(task='semi-supervised').evaluate`` on the same folders; and ``davis_j``/``davis_f``
with a void mask against ``db_eval_iou``/``db_eval_boundary`` with ``void_pixels``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np

from benchmarks.fidelity_common import Worst, embedded_set, prediction, read_u8, write_u8
from vmbench.instance.evaluate import evaluate_instance


def write_tree(work: Path) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """work/gt (instance layout) and work/pred; {(dataset, clip): {instance: (gt u8 (T,H,W), pred u8)}}."""
    for sub in ("gt", "pred"):
        shutil.rmtree(work / sub, ignore_errors=True)
    embedded_set(work)
    src = work / "tiny" / "instance"
    clips: dict[tuple[str, str], dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for d in sorted(p for p in src.iterdir() if p.is_dir()):
        for c in sorted(p for p in d.iterdir() if p.is_dir()):
            seqs = {}
            for k, inst in enumerate(sorted((c / "pha").iterdir())):
                gt = np.stack([read_u8(f) for f in sorted(inst.glob("*.png"))])
                pred = np.stack([prediction(g, t, seed=k + 3) for t, g in enumerate(gt)])
                seqs[inst.name] = (gt, pred)
            clips[(d.name, c.name)] = seqs
    rng = np.random.default_rng(5)
    g3 = np.zeros((3, 24, 32), np.uint8)
    g3[:, 4:16, 6:20] = 255
    p3 = g3.copy()
    p3[1] = 0  # empty prediction on the one frame the rule keeps
    absent = g3.copy()
    absent[1] = 0
    clips[("hard", "short")] = {"1": (g3, p3), "2": (absent, np.roll(g3, 3, axis=2))}
    long_gt = np.zeros((300, 16, 16), np.uint8)
    for t in range(300):
        long_gt[t, 3:12, (t // 30): (t // 30) + 6] = 255
    long_pred = np.where(rng.random(long_gt.shape) < 0.08, 255 - long_gt, long_gt).astype(np.uint8)
    clips[("hard", "long")] = {"1": (long_gt, long_pred)}
    for (d, c), seqs in clips.items():
        for inst, (gt, pred) in seqs.items():
            for t in range(len(gt)):
                write_u8(work / "gt" / d / c / "pha" / inst / f"{t:04d}.png", gt[t])
                write_u8(work / "pred" / d / c / inst / f"{t:04d}.png", pred[t])
    return clips


def write_davis_replica(work: Path) -> None:
    """work/DAVIS (Annotations/480p, JPEGImages/480p, ImageSets/2017/val.txt) and work/davis_pred."""
    from PIL import Image

    for sub in ("DAVIS", "davis_pred"):
        shutil.rmtree(work / sub, ignore_errors=True)
    rng = np.random.default_rng(11)
    names = ["bear", "dogs", "blank"]
    for s, seq in enumerate(names):
        n, h, w = 7 + s, 48, 64
        for t in range(n):
            gt = np.zeros((h, w), np.uint8)
            gt[5 + t:25 + t, 4 + 2 * s:24 + 2 * s] = 1
            gt[20:40, 40 - t:60 - t] = 2
            if s == 1:
                gt[30:44, 8:20] = 3
            gt[0:3, :] = 255
            gt[22:26, 26:34] = 255
            if s == 2 and t == 3:
                gt[:] = 255  # an all-void frame
            pred = np.where(rng.random((h, w)) < 0.04, 0, np.where(gt == 255, 0, gt)).astype(np.uint8)
            pred[np.roll(gt, 2, axis=1) == 1] = 1
            pred[0:2, 10:20] = 1  # inside the void band
            if s == 1 and t == 4:
                pred[pred == 2] = 0  # object missing in this frame
            for root, arr in ((work / "DAVIS" / "Annotations" / "480p", gt), (work / "davis_pred", pred)):
                (root / seq).mkdir(parents=True, exist_ok=True)
                im = Image.fromarray(arr, mode="P")
                im.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0] + [0, 0, 0] * 251 + [224, 224, 192])
                im.save(root / seq / f"{t:05d}.png")
            (work / "DAVIS" / "JPEGImages" / "480p" / seq).mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.full((h, w, 3), 90, np.uint8)).save(work / "DAVIS" / "JPEGImages" / "480p" / seq / f"{t:05d}.jpg")
    (work / "DAVIS" / "ImageSets" / "2017").mkdir(parents=True, exist_ok=True)
    (work / "DAVIS" / "ImageSets" / "2017" / "val.txt").write_text("\n".join(names) + "\n")


def davis_dataset_check(work: Path, ref_metrics) -> bool:
    """vmbench's DAVIS scorer and void-aware kernels against davis2017-evaluation's own code."""
    from davis2017.evaluation import DAVISEvaluation  # the user's checkout

    from vmbench.datasets.davis import score_davis
    from vmbench.instance.davis import davis_f, davis_j

    write_davis_replica(work)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = DAVISEvaluation(davis_root=str(work / "DAVIS"), task="semi-supervised", gt_set="val").evaluate(
            str(work / "davis_pred"))
    got = score_davis(work / "davis_pred", work / "DAVIS")
    worst = Worst()
    for r in got["clips"]:
        worst.add("J-Mean per object", r["J-Mean"], ref["J"]["M_per_object"][r["Sequence"]], r["Sequence"])
        worst.add("F-Mean per object", r["F-Mean"], ref["F"]["M_per_object"][r["Sequence"]], r["Sequence"])
    ref_objects = list(ref["J"]["M_per_object"])
    assert ref_objects == [r["Sequence"] for r in got["clips"]], (ref_objects, [r["Sequence"] for r in got["clips"]])
    for name in ("J", "F"):
        for key, short in ((name, "M"), (f"{name}-Recall", "R"), (f"{name}-Decay", "D")):
            worst.add(key, got["summary"][key], float(np.mean(ref[name][short])))
    worst.add("J&F", got["summary"]["J&F"], (np.mean(ref["J"]["M"]) + np.mean(ref["F"]["M"])) / 2)
    ok = worst.report(f"eval --dataset davis vs DAVISEvaluation semi-supervised ({len(ref_objects)} objects)")
    kern = Worst()
    rng = np.random.default_rng(3)
    for k in range(40):
        gt = rng.random((30, 40)) < 0.5 if k % 4 == 0 else np.zeros((30, 40), bool)
        gt[5:20, 8 + k % 9:30] = True
        pred = np.roll(gt, k % 5, axis=0) ^ (rng.random(gt.shape) < 0.03)
        void = np.zeros_like(gt)
        void[rng.integers(0, 25):, rng.integers(0, 35):][:5, :8] = True
        if k == 39:
            void[:] = True
        kern.add("J with void", davis_j(pred, gt, void), float(ref_metrics.db_eval_iou(gt, pred, void)))
        kern.add("F with void", davis_f(pred, gt, void), float(ref_metrics.db_eval_boundary(gt, pred, void)))
    ok &= kern.report("davis_j / davis_f with void vs db_eval_iou / db_eval_boundary with void_pixels (40 pairs)")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--davis", type=Path, required=True, help="a davisvideochallenge/davis2017-evaluation checkout")
    parser.add_argument("--work", type=Path, default=Path("/tmp/vmbench-fidelity-davis"))
    args = parser.parse_args()
    sys.path.insert(0, str(args.davis))
    from davis2017 import metrics as ref_metrics, utils as ref_utils  # the user's checkout

    clips = write_tree(args.work)
    got = evaluate_instance(args.work / "pred", args.work / "gt", protocol="rvm", metrics=["J", "F"], match="name",
                            jf_rule="davis")
    rows = {(r["dataset"], r["clip"], r["instance"], r["frame"]): r for r in got["frames"]}
    worst = Worst()
    stats = {"J": [], "F": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for (d, c), seqs in clips.items():
            for inst, (gt, pred) in seqs.items():
                gm, pm = gt[1:-1] > 127, pred[1:-1] > 127  # davis2017: [:, 1:-1]; vmbench binarises alpha > 0.5
                j = ref_metrics.db_eval_iou(gm, pm)
                f = ref_metrics.db_eval_boundary(gm, pm)
                for t in range(len(j)):
                    r = rows[(d, c, inst, f"{t + 1:04d}")]
                    worst.add("J", r["J"], j[t], f"{d}/{c}/{inst}[{t + 1}]")
                    worst.add("F", r["F"], f[t], f"{d}/{c}/{inst}[{t + 1}]")
                stats["J"].append(ref_utils.db_statistics(j))
                stats["F"].append(ref_utils.db_statistics(f))
    ok = worst.report(f"per-frame J and F ({sum(len(s) for s in clips.values())} sequences)")
    summary = Worst()
    for name in ("J", "F"):
        table = np.array(stats[name], dtype=np.float64)
        for k, key in enumerate((name, f"{name}-Recall", f"{name}-Decay")):
            col = table[:, k]
            if np.isnan(col).any():
                print(f"  {key}: the reference prints NaN ({int(np.isnan(col).sum())} sequence(s) with a NaN "
                      f"statistic); compared with the mean over the others, which vmbench reports")
            summary.add(key, got["summary"][key], float(np.nanmean(col)))
    jf = (np.nanmean(np.array(stats["J"])[:, 0]) + np.nanmean(np.array(stats["F"])[:, 0])) / 2
    summary.add("J&F", got["summary"]["J&F"], jf)
    ok &= summary.report("dataset figures (mean over sequences, as evaluation_method.py)")
    every = evaluate_instance(args.work / "pred", args.work / "gt", protocol="rvm", metrics=["J", "F"], match="name",
                              jf_rule="all")
    print(f"J&F with the davis rule {got['summary']['J&F']:.6f}; with every frame (--jf-frames all) "
          f"{every['summary']['J&F']:.6f}")
    ok &= davis_dataset_check(args.work, ref_metrics)
    print("PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
