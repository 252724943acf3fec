"""Side-by-side fidelity check: TCVOM's own ``calc_metric.py`` (VM108) against ``vmbench eval
--protocol tcvom``, every per-frame value and the dataset figure.

The reference is loaded from YOUR checkout (nothing of it is copied here):

    git clone https://github.com/yunkezhang/TCVOM      # commit f5fa07a was used
    python benchmarks/fidelity_tcvom.py --tcvom TCVOM --work /tmp/fid-tcvom

It writes the embedded benchmark (make-dataset --preset tiny, 4 clips x 8 frames, with its own
guidance/trimap files) in VM108's layout (FG_done RGBA, flow_png 16-bit flow PNGs with a validity
channel, frame_corr.json, <frame>_pred.png / <frame>_tri.png) plus a hard clip (odd size 37x53, an
all-background frame with no unknown pixel, negative, fractional and out-of-frame flow, an invalid
flow patch and one pair with no valid flow), runs both, and prints the worst differences.
Per-frame temporal values: TCVOM stores the pair (t, t+1) on frame t; vmbench on frame t+1.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import warnings
from argparse import Namespace
from pathlib import Path

import numpy as np

from benchmarks.fidelity_common import Worst, embedded_set, embedded_trimap, load_module, plain_clips, prediction, read_u8, write_u8
from vmbench.evaluate import evaluate
from vmbench.trimaps import trimap_from_alpha

METRICS = ("mSAD", "MSE", "SSDA", "dtSSD", "MESSDdt", "MESSDdt_fix")
TEMPORAL = ("dtSSD", "MESSDdt", "MESSDdt_fix")


def flow_png(h: int, w: int, t: int, seed: int, hard: bool) -> np.ndarray:
    """uint16 (h, w, 3) as VM108 stores flow: int16(flow * 100) bits in channels 0, 1; valid in 2."""
    rng = np.random.default_rng(seed * 100 + t)
    yy, xx = np.mgrid[:h, :w].astype(np.float64)
    fx = 2.5 * np.sin(yy / 9 + t) + rng.uniform(-1, 1)
    fy = 1.5 * np.cos(xx / 11 - t) + rng.uniform(-1, 1)
    if hard:
        fx[: h // 3] -= 40.0  # far out of the frame
        fy[:, : w // 4] += 0.37
    valid = np.ones((h, w), np.uint16)
    valid[h // 2: h // 2 + 6, w // 3: w // 3 + 9] = 0
    if hard and t == 2:
        valid[:] = 0  # a pair with no valid flow at all
    out = np.zeros((h, w, 3), np.uint16)
    out[..., 0] = np.rint(fx * 100).astype(np.int16).view(np.uint16)
    out[..., 1] = np.rint(fy * 100).astype(np.int16).view(np.uint16)
    out[..., 2] = valid * 255
    return out


def write_trees(work: Path) -> dict[str, list[str]]:
    """VM108 layout (work/data, work/pred) and vmbench's (work/vm/{gt,pred,tri,flow}); {video: stems}."""
    for sub in ("data", "pred", "vm"):
        shutil.rmtree(work / sub, ignore_errors=True)
    clips = [(f"{d}_{c}", [read_u8(f) for f in files]) for d, c, files in plain_clips(embedded_set(work))]
    trimaps = {f"{d}_{c}": [embedded_trimap(f) for f in files] for d, c, files in plain_clips(embedded_set(work))}
    rng = np.random.default_rng(7)
    hard = []
    for t in range(5):  # "aa_hard" sorts first: its NaN frame reaches TCVOM's average
        g = np.zeros((37, 53), np.uint8) if t == 1 else np.clip(rng.normal(128, 90, (37, 53)), 0, 255).astype(np.uint8)
        if t != 1:
            g[:10] = 255
            g[-8:] = 0
        hard.append(g)
    clips.insert(0, ("aa_hard", hard))
    videos = {}
    corr = {}
    for k, (video, frames) in enumerate(clips):
        stems = [f"{t:04d}" for t in range(len(frames))]
        videos[video] = stems
        for t, g in enumerate(frames):
            p = prediction(g, t, seed=k + 1)
            tri = trimaps[video][t] if video in trimaps else trimap_from_alpha(g, radius=4)
            bgra = np.dstack([np.full_like(g, 90), np.full_like(g, 40), np.full_like(g, 200), g])
            write_u8(work / "data" / "FG_done" / video / f"{stems[t]}.png", bgra)
            write_u8(work / "pred" / video / f"{stems[t]}_pred.png", p)
            write_u8(work / "pred" / video / f"{stems[t]}_tri.png", tri)
            write_u8(work / "vm" / "gt" / video / f"{stems[t]}.png", g)
            write_u8(work / "vm" / "pred" / video / f"{stems[t]}.png", p)
            write_u8(work / "vm" / "tri" / video / f"{stems[t]}.png", tri)
            corr[f"{video}/{stems[t]}.png"] = f"{video}/{stems[t]}.png"
            if t > 0:
                fl = flow_png(*g.shape, t, k, video == "aa_hard")
                name = f"flow_{stems[t - 1]}_{stems[t]}.png"
                write_u8(work / "data" / "flow_png" / video / name, fl)
                write_u8(work / "vm" / "flow" / video / name, fl)
    (work / "data" / "frame_corr.json").write_text(json.dumps(corr))
    (work / "data" / "val_videos.txt").write_text("".join(f"{v}\n" for v in videos))
    return videos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tcvom", type=Path, required=True, help="a yunkezhang/TCVOM checkout")
    parser.add_argument("--work", type=Path, default=Path("/tmp/vmbench-fidelity-tcvom"))
    args = parser.parse_args()
    ref = load_module(args.tcvom / "calc_metric.py", "tcvom_calc_metric")
    videos = write_trees(args.work)
    ref_args = Namespace(pred=str(args.work / "pred"), data=str(args.work / "data"), vis=False, n_threads=0,
                         output=str(args.work / "metric.json"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # np.mean of an empty region
        want = {}
        for video, stems in videos.items():
            for t, s in enumerate(stems):
                nxt = f"{video}/{stems[t + 1]}.png" if t + 1 < len(stems) else ""
                want[(video, s)] = ref.calc_metric((f"{video}/{s}.png", nxt), ref_args, print_fn=False)
        ref.main(ref_args)
    ref_avg = json.loads((args.work / "metric.json").read_text())["avg"]
    got = evaluate(args.work / "vm" / "pred", args.work / "vm" / "gt", protocol="tcvom", trimap=args.work / "vm" / "tri",
                   flow=args.work / "vm" / "flow", workers=1)
    rows = {(r["clip"], r["frame"]): r for r in got.frames.to_dict(orient="records")}
    worst = Worst()
    for video, stems in videos.items():
        for t, s in enumerate(stems):
            for m in METRICS:
                if m in TEMPORAL:  # the pair (t, t+1): TCVOM on frame t, vmbench on frame t+1 (0 on the other end)
                    if t + 1 < len(stems):
                        worst.add(m, rows[(video, stems[t + 1])][m], want[(video, s)][m], f"{video}/{s}")
                    if t == 0:
                        worst.add(m, rows[(video, s)][m], 0.0, f"{video}/{s}")
                else:
                    worst.add(m, rows[(video, s)][m], want[(video, s)][m], f"{video}/{s}")
    ok = worst.report(f"per-frame values ({len(want)} frames, {len(videos)} clips; reference commit: see --tcvom checkout)")
    summary = Worst()
    kept = sorted(videos)[:-1]
    for m in METRICS:
        ref_value = ref_avg[m]
        if isinstance(ref_value, float) and math.isnan(ref_value):
            # the reference prints NaN; vmbench's defined answer is the same pooling with NaN frames left out
            per_clip = [np.nanmean([want[(v, s)][m] for s in videos[v]]) for v in kept]
            print(f"  {m}: reference prints NaN (a frame with no unknown pixel); vmbench {got.summary[m]:.10g} "
                  f"(NaN frames left out, noted)")
            ref_value = float(np.mean(per_clip))
        summary.add(m, got.summary[m], ref_value)
    ok &= summary.report(f"dataset figure (mean over the {len(kept)} clips TCVOM averages, last clip left out)")
    try:
        from vmbench.datasets.vm108 import PAIRING
    except ImportError:  # pragma: no cover - the dataset profile is optional here
        PAIRING = None
    if PAIRING is not None:  # the same data read in VM108's own layout (FG_done RGBA, _pred/_tri, flow_png)
        native = evaluate(args.work / "pred", args.work / "data", protocol="tcvom", pairing=PAIRING, workers=1)
        same = Worst()
        for m in METRICS:
            same.add(m, native.summary[m], got.summary[m])
        ok &= same.report("--dataset vm108 (its native layout) against the mirrored trees above")
    print("PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
