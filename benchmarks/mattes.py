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


CLASSES = ("flat", "diffusion", "noisy-fg", "uniform")


def _big_foreground(t: int, height: int, width: int) -> np.ndarray:
    """A soft ellipse covering about half the frame, moving with t."""
    yy, xx = np.mgrid[:height, :width].astype(np.float32)
    cy, cx = height * 0.6, width * (0.45 + 0.1 * np.sin(t / 9))
    r = np.sqrt(((yy - cy) / (height * 0.55)) ** 2 + ((xx - cx) / (width * 0.35)) ** 2)
    return np.clip((1 - r) * height * 0.55 / (2.5 * max(height / 288, 1.0)), 0, 1)


def class_pair(kind: str, t: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(pred, gt) uint8 frame t of one content class of the speed benchmarks:

    flat       what classical and regression methods write: the ground truth blurred (sigma 1.2)
               and shifted 2 px, exactly 0 and 1 away from the edges;
    diffusion  what a VAE-decoded matte looks like: the ground truth blurred by sigma 1 plus
               Gaussian noise of 1.5/255 over the whole frame;
    noisy-fg   a large foreground (half the frame) predicted with noise of 0.02 over it;
    uniform    uniform random bytes in both (no flat window, no equal pixel: the worst case).
    """
    rng = np.random.default_rng(1000 + t)
    to_u8 = lambda a: np.round(np.clip(a, 0, 1) * 255).astype(np.uint8)  # noqa: E731
    if kind == "uniform":
        return rng.integers(0, 256, (height, width), dtype=np.uint8), rng.integers(0, 256, (height, width), dtype=np.uint8)
    if kind == "noisy-fg":
        gt = _big_foreground(t, height, width)
        pred = cv2.GaussianBlur(gt, (0, 0), 1.2) + rng.normal(0, 0.02, gt.shape).astype(np.float32) * (gt > 0.05)
        return to_u8(pred), to_u8(gt)
    gt = gt_frame(t, height, width)
    if kind == "flat":
        return to_u8(np.roll(cv2.GaussianBlur(gt, (0, 0), 1.2), 2, axis=1)), to_u8(gt)
    if kind == "diffusion":
        return to_u8(cv2.GaussianBlur(gt, (0, 0), 1.0) + rng.normal(0, 1.5 / 255, gt.shape)), to_u8(gt)
    raise ValueError(f"unknown content class {kind!r}; choose from {', '.join(CLASSES)}")


def write_class_clip(root: Path, kind: str, *, height: int, width: int, frames: int = 24) -> Path:
    """root/pred and root/gt: one clip of `frames` frames of class `kind`, RVM layout; returns root."""
    import cv2 as _cv2

    root = Path(root)
    for t in range(frames):
        pred, gt = class_pair(kind, t, height, width)
        for side, alpha in (("pred", pred), ("gt", gt)):
            path = root / side / kind / "0000" / "pha" / f"{t:04d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            _cv2.imwrite(str(path), alpha)
    return root
