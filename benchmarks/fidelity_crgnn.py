"""Side-by-side fidelity check: MatAnyone2's own ``evaluation/eval_crgnn.py`` against ``vmbench eval
--protocol crgnn``, every per-frame value and the dataset figure (its Excel cell B2).

The reference is loaded from YOUR checkout (nothing of it is copied here):

    git clone https://github.com/pq-yang/MatAnyone2    # commit e337012 was used
    python -m benchmarks.fidelity_crgnn --matanyone2 MatAnyone2 --work /tmp/fid-crgnn

The script is written for CUDA; here its tensors stay on the CPU (``Tensor.cuda`` is made a no-op;
kornia must be installed). The embedded benchmark's clips (make-dataset --preset tiny) become the
annotated frames of longer videos: GT frame k is prediction frame 10k, the frames between are
filler the reference never reads. A hard clip has a constant ground-truth frame and prediction
frames past its last annotated one. (A prediction too short for its ground truth makes the
reference stop early; vmbench refuses it, so it is not part of this comparison.) The first clip in sorted order is the
longest, so the sheet's first-row columns span every index (see docs/metrics.md on pooling).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
from argparse import Namespace
from pathlib import Path

import numpy as np

from benchmarks.fidelity_common import Worst, embedded_set, load_module, plain_clips, prediction, read_u8, write_u8
from vmbench.evaluate import evaluate

METRICS = {"pha_mad": "MAD", "pha_mse": "MSE", "pha_grad": "Grad", "pha_dtssd": "dtSSD"}


def write_tree(work: Path) -> dict[str, int]:
    """work/true/<video>/<k>.png (annotated frames) and work/pred/<video>/pha/<i>.png; {video: GT frames}."""
    for sub in ("true", "pred"):
        shutil.rmtree(work / sub, ignore_errors=True)
    clips = [(f"{d}_{c}", [read_u8(f) for f in files]) for d, c, files in plain_clips(embedded_set(work))]
    clips[1] = (clips[1][0], clips[1][1][:5])  # unequal lengths
    clips.append(("zz_hard", [np.full_like(clips[0][1][0], 200)] + clips[0][1][1:6]))
    videos = {}
    for k, (video, frames) in enumerate(clips):
        videos[video] = len(frames)
        n_pred = 10 * (len(frames) - 1) + 1 if video != "zz_hard" else 10 * (len(frames) - 1) + 7  # hard: 6 frames past the last GT
        for t, g in enumerate(frames):
            write_u8(work / "true" / video / f"{10 * t + 1:05d}.png", g)
        for i in range(n_pred):
            g = frames[min(i // 10, len(frames) - 1)]
            p = prediction(g, i, seed=k + 1) if i % 10 == 0 else g
            write_u8(work / "pred" / video / "pha" / f"{i:05d}.png", p)
    return videos


def grad_in_float64(ref, work: Path, got) -> bool:
    """The reference's MetricGRAD with float64 filters and frames vs vmbench's Grad, per annotated frame."""
    import torch

    grad = ref.MetricGRAD()
    grad.filter_x, grad.filter_y = grad.filter_x.double(), grad.filter_y.double()
    worst = Worst()
    for video in sorted(p.name for p in (work / "true").iterdir()):
        ours = got.frames[got.frames["clip"] == video]["Grad"].tolist()
        true = sorted((work / "true" / video).glob("*.png"))
        pred = sorted((work / "pred" / video / "pha").glob("*.png"))
        for k, v in enumerate(ours):
            g = torch.from_numpy(read_u8(true[k])).float().double() / 255
            p = torch.from_numpy(read_u8(pred[10 * k])).float().double() / 255
            worst.add("Grad", v, float(grad(p, g)), f"{video}[{k}]")
    return worst.report("Grad against the reference's own MetricGRAD run in float64 (its float32 sums are noisier than 1e-6)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--matanyone2", type=Path, required=True, help="a pq-yang/MatAnyone2 checkout")
    parser.add_argument("--work", type=Path, default=Path("/tmp/vmbench-fidelity-crgnn"))
    args = parser.parse_args()
    import torch

    torch.Tensor.cuda = lambda self, *a, **k: self  # the script's .cuda() calls, on a CPU-only machine
    ref = load_module(args.matanyone2 / "evaluation" / "eval_crgnn.py", "eval_crgnn")
    write_tree(args.work)
    ev = ref.Evaluator.__new__(ref.Evaluator)  # its __init__ parses sys.argv and writes an xlsx
    ev.args = Namespace(pred_dir=str(args.work / "pred"), true_dir=str(args.work / "true"), num_workers=1,
                        metrics=list(METRICS))
    ev.init_metrics()
    with contextlib.redirect_stdout(io.StringIO()):
        ev.evaluate()
    want = {video: {METRICS[k]: [float(v) for v in vals] for k, vals in res.items()} for video, res in ev.results}
    got = evaluate(args.work / "pred", args.work / "true", protocol="crgnn", workers=1)
    worst = Worst()
    for video, res in want.items():
        ours = got.frames[got.frames["clip"] == video]
        if len(ours) != len(res["MAD"]):
            raise SystemExit(f"{video}: vmbench scored {len(ours)} frames, the reference {len(res['MAD'])}")
        for m, values in res.items():
            for k, v in enumerate(values):
                worst.add(m, ours[m].iloc[k], v, f"{video}[{k}]")
    ok = worst.report(f"per-frame values ({sum(len(r['MAD']) for r in want.values())} annotated frames, {len(want)} clips)")
    if not ok:  # the reference sums float32 gradients; run its own MetricGRAD in float64 on the same frames
        ok = grad_in_float64(ref, args.work, got) and all(worst.rel[m] <= 1e-6 for m in ("MAD", "MSE", "dtSSD"))
    first = next(iter(want.values()))  # the sheet's B2: columns of the first row only
    summary = Worst()
    for m in METRICS.values():
        per_index = [np.mean([r[m][k] for r in want.values() if len(r[m]) > k]) for k in range(len(first[m]))]
        summary.add(m, got.summary[m], float(np.mean(per_index)))
    ok &= summary.report("dataset figure (the sheet's AVERAGE(C2:ZZ2))")
    for note in got.notes:
        print(f"  vmbench note: {note}")
    print("PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
