"""Held-out evaluation of an OAVM checkpoint on freshly generated synthetic clips.

Clips come from ``vmbench.synth.dataset.preset_clips(preset, seed)`` (the same recipes as
``vmbench make-dataset --preset P --seed S``), rendered in memory. The target is the union alpha
(plain track); the guidance is the benchmark's first-frame mask rule ``round(255 u_0) >= 128``.
Ground truth and predictions are quantised to 8 bits as on disk. Scores: per-clip mean over frames
of ``MAD = 1e3 * mean|p - g|`` and ``MSE = 1e3 * mean (p - g)^2``, then the mean over clips.
The static lower bound repeats the first-frame mask on every frame.

Run: ``python -m baselines.oavm.heldout --preset tiny --seed 7 [--weights FILE] [--json OUT]``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

__all__ = ["heldout_clips", "evaluate_checkpoint", "scores"]


def heldout_clips(preset: str, seed: int, *, max_clips: int | None = None):
    """Yield dicts (dataset, clip, style, image uint8 (T,H,W,3), gt float32 (T,H,W), first_mask)."""
    from vmbench.synth import generate_clip
    from vmbench.synth.dataset import preset_clips

    items = preset_clips(preset, seed)
    for item in items[:max_clips]:
        clip = generate_clip(
            item["rng"], height=item["height"], width=item["width"], frames=item["frames"],
            style=item["style"],
        )
        gt_u8 = np.clip(np.rint(clip.union.astype(np.float64) * 255), 0, 255).astype(np.uint8)
        yield {
            "dataset": item["dataset"],
            "clip": item["clip"],
            "style": item["style"],
            "image": clip.image,
            "gt": gt_u8.astype(np.float32) / 255.0,
            "first_mask": gt_u8[0] >= 128,
        }


def scores(pred: np.ndarray, gt: np.ndarray) -> dict:
    """MAD and MSE (x1e3) of float (T, H, W) pred vs gt: mean over frames of per-frame means."""
    d = pred.astype(np.float64) - gt.astype(np.float64)
    return {
        "MAD": float(np.abs(d).mean(axis=(1, 2)).mean() * 1e3),
        "MSE": float((d**2).mean(axis=(1, 2)).mean() * 1e3),
    }


def evaluate_checkpoint(
    weights: Path | None, *, preset: str, seed: int, max_clips: int | None = None, device: str = "cpu"
) -> dict:
    """Scores of the OAVM checkpoint and of the static first-frame mask on the held-out clips."""
    from baselines.oavm.adapter import OAVMAdapter
    from baselines.oavm.infer import predict_frames

    adapter = OAVMAdapter()
    adapter.load(weights, device)
    per_clip = []
    start = time.time()
    for item in heldout_clips(preset, seed, max_clips=max_clips):
        preds = np.stack(list(predict_frames(
            adapter.model, item["image"], item["first_mask"], long_side=adapter.long_side, device=device
        )))
        preds = np.rint(preds * 255).astype(np.float32) / 255.0  # as written to disk
        static = np.broadcast_to(item["first_mask"].astype(np.float32), item["gt"].shape)
        per_clip.append({
            "dataset": item["dataset"], "clip": item["clip"],
            "model": scores(preds, item["gt"]), "static": scores(static, item["gt"]),
        })
    summary = {
        who: {m: float(np.mean([c[who][m] for c in per_clip])) for m in ("MAD", "MSE")}
        for who in ("model", "static")
    }
    by_dataset = {}
    for ds in sorted({c["dataset"] for c in per_clip}):
        rows = [c for c in per_clip if c["dataset"] == ds]
        by_dataset[ds] = {
            who: {m: float(np.mean([c[who][m] for c in rows])) for m in ("MAD", "MSE")}
            for who in ("model", "static")
        }
    return {
        "preset": preset, "seed": seed, "clips": len(per_clip), "long_side": adapter.long_side,
        "weights": str(adapter.weights_path), "summary": summary, "by_dataset": by_dataset,
        "per_clip": per_clip, "seconds": round(time.time() - start, 1),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="tiny")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--weights", type=Path, default=None)
    p.add_argument("--max-clips", type=int, default=None)
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    res = evaluate_checkpoint(args.weights, preset=args.preset, seed=args.seed, max_clips=args.max_clips)
    text = json.dumps(res, indent=1)
    if args.json:
        args.json.write_text(text + "\n")
    print(json.dumps({k: res[k] for k in ("preset", "seed", "clips", "summary", "by_dataset", "seconds")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
