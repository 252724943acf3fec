"""Small replicas of the public datasets' layouts (tiny frames, few clips), with matching predictions.

Each builder writes GT and PRED trees as the dataset ships them and the method's tool writes them,
and returns the uint8 arrays it wrote, so tests compute the expected numbers independently.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def _alpha(rng, size) -> np.ndarray:
    h, w = size
    a = np.zeros((h, w), np.float64)
    y, x = np.mgrid[0:h, 0:w]
    cy, cx, r = rng.uniform(0.3, 0.7) * h, rng.uniform(0.3, 0.7) * w, rng.uniform(0.2, 0.35) * min(h, w)
    a = np.clip((r - np.hypot(y - cy, x - cx)) / 3.0, 0, 1)
    return np.round(a * 255).astype(np.uint8)


def _noisy(rng, g: np.ndarray) -> np.ndarray:
    return np.clip(g.astype(np.int16) + rng.integers(-40, 41, g.shape), 0, 255).astype(np.uint8)


def write(path: Path, image: np.ndarray, quality: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if quality else []
    assert cv2.imwrite(str(path), image, params)


def rvm_tree(root: Path, splits, clips=2, frames=3, size=(12, 20), gt_ext=".png", seed=0) -> dict:
    """GT/<split>/<clip>/pha/%04d<gt_ext> and PRED/<split>/<clip>/pha/%04d.png (VideoMatte, YouTubeMatte).

    Returns {(split, clip, stem): (pred_u8, gt_u8 as read back)}.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for split in splits:
        for c in range(clips):
            for t in range(frames):
                g = _alpha(rng, size)
                p = _noisy(rng, g)
                gpath = root / "gt" / split / f"{c:04d}" / "pha" / f"{t:04d}{gt_ext}"
                write(gpath, g)
                write(root / "gt" / split / f"{c:04d}" / "com" / f"{t:04d}{gt_ext}", np.dstack([g, g, g]))
                write(root / "pred" / split / f"{c:04d}" / "pha" / f"{t:04d}.png", p)
                out[(split, f"{c:04d}", f"{t:04d}")] = (p, cv2.imread(str(gpath), cv2.IMREAD_GRAYSCALE))
    return out


def crgnn_tree(root: Path, videos=("production ID_1", "production ID_2"), annotated=3, step=10, size=(12, 20), seed=0):
    """GT crgnn/alpha/<video>/frame%05d.png on frames 1, 11, 21 ... and PRED/<video>/pha/%04d.png on every frame.

    Returns {video: [(pred_u8, gt_u8) for each annotated frame]}.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for video in videos:
        frames = (annotated - 1) * step + 1 + step // 2  # a tail of unannotated frames, as real clips have
        preds = [None] * frames
        for t in range(frames):
            preds[t] = _noisy(rng, _alpha(rng, size))
            write(root / "pred" / video / "pha" / f"{t:04d}.png", preds[t])
        pairs = []
        for k in range(annotated):
            g = _alpha(rng, size)
            write(root / "gt" / "alpha" / video / f"frame{k * step + 1:05d}.png", g)
            pairs.append((preds[k * step], g))
        out[video] = pairs
    return out


def vhim_tree(root: Path, splits=("comp_easy", "comp_medium", "comp_hard"), videos=2, frames=3, instances=2,
              size=(12, 20), seed=0) -> dict:
    """GT V-HIM60/<split>/pha/<video>/<frame>/<inst>.png and PRED/<split>/<video>/<frame>/<inst>.png.

    Returns {(split, video): (pred (n, T, H, W) u8, gt (n, T, H, W) u8)}.
    """
    rng = np.random.default_rng(seed)
    out = {}
    for split in splits:
        for v in range(videos):
            video = f"video{v:02d}"
            gts = np.zeros((instances, frames, *size), np.uint8)
            preds = np.zeros_like(gts)
            for t in range(frames):
                write(root / "gt" / split / "fgr" / video / f"{t:05d}.jpg", np.zeros((*size, 3), np.uint8))
                for i in range(instances):
                    gts[i, t] = _alpha(rng, size)
                    preds[i, t] = _noisy(rng, gts[i, t])
                    write(root / "gt" / split / "pha" / video / f"{t:05d}" / f"{i:02d}.png", gts[i, t])
                    write(root / "pred" / split / video / f"{t:05d}" / f"{i:02d}.png", preds[i, t])
            out[(split, video)] = (preds, gts)
    return out


def vim_tree(root: Path, clips=2, frames=3, instances=2, size=(12, 20), seed=0) -> dict:
    """GT VIM50/<clip>/pha/<inst>/<frame>.png and PRED/<clip>/<inst>/<frame>.png."""
    rng = np.random.default_rng(seed)
    out = {}
    for c in range(clips):
        clip = f"clip{c:02d}"
        gts = np.zeros((instances, frames, *size), np.uint8)
        preds = np.zeros_like(gts)
        for i in range(instances):
            for t in range(frames):
                gts[i, t] = _alpha(rng, size)
                preds[i, t] = _noisy(rng, gts[i, t])
                write(root / "gt" / clip / "pha" / f"person{i}" / f"{t}.png", gts[i, t])
                write(root / "pred" / clip / f"person{i}" / f"{t}.png", preds[i, t])
        out[clip] = (preds, gts)
    return out


def vm108_tree(root: Path, videos=("arctic_fox", "boy_dance"), train=("train_clip",), frames=3, size=(12, 20), seed=0):
    """DATA/FG_done/<video>/%05d.png RGBA (alpha in A, a foreground in RGB), frame_corr.json,
    val_videos.txt (the `videos`), train videos beside them; PRED/<video>/%05d_pred.png and _tri.png
    for the validation videos. Returns {video: [(pred_u8, gt_alpha_u8, trimap_u8)]}."""
    import json

    rng = np.random.default_rng(seed)
    data, pred = root / "data", root / "pred"
    corr, out = {}, {}
    for video in (*videos, *train):
        rows = []
        for t in range(frames):
            a = _alpha(rng, size)
            rgb = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
            write(data / "FG_done" / video / f"{t:05d}.png", np.dstack([rgb, a]))
            corr[f"{video}/{t:05d}.png"] = f"bg/{t:05d}.jpg"
            if video in videos:
                p = _noisy(rng, a)
                tri = np.where(a == 0, 0, np.where(a == 255, 255, 128)).astype(np.uint8)
                write(pred / video / f"{t:05d}_pred.png", p)
                write(pred / video / f"{t:05d}_tri.png", tri)
                rows.append((p, a, tri))
        out[video] = rows
    (data / "frame_corr.json").write_text(json.dumps(corr))
    (data / "val_videos.txt").write_text("".join(f"{v}\n" for v in videos))
    (data / "train_videos.txt").write_text("".join(f"{v}\n" for v in train))
    return {v: out[v] for v in videos}
