"""Realistic test mattes for benchmarks: soft moving shapes with hair-like strands, and
predictions that err the way matting methods do (blur, drift, noise, holes). Deterministic."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vmbench.io.frames import write_alpha


def gt_frame(t: int, height: int, width: int, rng_seed: int = 0) -> np.ndarray:
    """A float alpha in [0, 1]: an ellipse body plus thin strands, moving with t."""
    yy, xx = np.mgrid[:height, :width].astype(np.float32)
    cy = height * (0.55 + 0.05 * np.sin(t / 7))
    cx = width * (0.3 + 0.4 * ((t % 60) / 60))
    ry, rx = height * 0.3, width * 0.12
    r = np.sqrt(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2)
    soft = max(height / 288, 1.0) * 2.5
    alpha = np.clip((1 - r) * ry / soft, 0, 1)
    rng = np.random.default_rng(rng_seed)
    for k in range(12):  # sub-pixel strands: partial coverage along thin curves
        angle = rng.uniform(-2.5, -0.6)
        length = ry * rng.uniform(0.6, 1.2)
        x0 = cx + rx * rng.uniform(-0.8, 0.8)
        y0 = cy - ry * 0.9
        ts = np.linspace(0, 1, 400)
        xs = x0 + np.cos(angle) * length * ts + 4 * np.sin(ts * 9 + t / 5 + k)
        ys = y0 + np.sin(angle) * length * ts
        ok = (xs >= 0) & (xs < width - 1) & (ys >= 0) & (ys < height - 1)
        strand = np.zeros((height, width), np.float32)
        np.add.at(strand, (ys[ok].astype(int), xs[ok].astype(int)), 0.35)
        alpha = np.maximum(alpha, np.clip(strand, 0, 0.9))
    return alpha


def pred_frame(gt: np.ndarray, t: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed * 1000 + t)
    h, w = gt.shape
    pred = cv2.GaussianBlur(gt, (0, 0), 1.2)
    pred = np.roll(pred, int(rng.integers(-3, 4)), axis=1)
    pred = pred + rng.normal(0, 0.02, gt.shape).astype(np.float32) * (pred > 0.05)
    y, x = int(rng.integers(0, h - h // 8)), int(rng.integers(0, w - w // 8))
    pred[y : y + h // 10, x : x + w // 12] *= 0.6  # a soft hole
    return np.clip(pred, 0, 1)


def write_tree(root: Path, *, height: int, width: int, datasets: int = 1, clips: int = 2, frames: int = 10, ext: str = ".png") -> Path:
    """root/gt and root/pred in the RVM layout; returns root."""
    root = Path(root)
    for d in range(datasets):
        for c in range(clips):
            for t in range(frames):
                g = gt_frame(t, height, width, rng_seed=c)
                write_alpha(root / "gt" / f"set{d}" / f"{c:04d}" / "pha" / f"{t:04d}{ext}", g)
                write_alpha(root / "pred" / f"set{d}" / f"{c:04d}" / "pha" / f"{t:04d}.png", pred_frame(g, t, seed=c + 1))
    return root
