"""``none-background-diff``: foreground = what differs from a temporal-median background.

Uses: the RGB frames of the clip only (no guidance; the none track). Steps:

1. Camera motion as a similarity (shift, rotation, zoom) between consecutive gray frames:
   Lucas-Kanade-tracked corners fitted with RANSAC (`camera_motion`), composed from frame 0.
2. Background of frame t: the per-pixel median of up to ``samples = 15`` frames spread evenly
   over the clip, each warped into frame t's coordinates (pixels shifted in from outside the
   frame are ignored; where fewer than ``max(2, 0.6 x samples)`` cover a pixel the background is
   unknown there -> alpha 0).
3. Alpha: Lab distance d between frame and background mapped linearly from ``lo = 12`` (alpha
   0) to ``hi = 30`` (alpha 1), a 3x3 opening of ``d > lo`` removes isolated pixels, then the
   colour guided filter (radius max(2, round(min(H, W) / 36)), eps 1e-4).

Objects that stay still for most of the clip become background and are missed; the whole clip
is read before the first frame is produced. Thresholds chosen on the tiny benchmark and a
512x288 sample (lo/hi in {12/30, 20/45, 30/60}, coverage in {0.3, 0.6}). No learned weights;
deterministic.
"""

from __future__ import annotations

from typing import Iterator

import cv2
import numpy as np

from baselines.classical._common import NoWeightsAdapter, refine
from baselines.classical._median import nanmedian0
from vmbench.adapters.base import ClipInput, Track

__all__ = ["BackgroundDiffAdapter", "camera_motion"]

SAMPLES = 15
LO, HI = 12.0, 30.0
MIN_COVER = 0.6


def camera_motion(grays: list[np.ndarray]) -> np.ndarray:
    """(T, 3, 3) similarity transforms taking frame-0 pixel coordinates to frame t's.

    Per consecutive pair: up to 300 corners (``goodFeaturesToTrack``, quality 0.01, spacing 5 px)
    tracked by pyramidal Lucas-Kanade, then a RANSAC similarity (``estimateAffinePartial2D``:
    shift, rotation, zoom; robust to moving objects); identity when fewer than 8 corners track.
    """
    out = np.repeat(np.eye(3)[None], len(grays), axis=0)
    for t in range(1, len(grays)):
        prev, cur = grays[t - 1], grays[t]
        step = np.eye(3)
        pts = cv2.goodFeaturesToTrack(prev, 300, 0.01, 5)
        if pts is not None and len(pts) >= 8:
            nxt, ok, _ = cv2.calcOpticalFlowPyrLK(prev, cur, pts, None, winSize=(15, 15), maxLevel=3)
            ok = ok.ravel().astype(bool)
            if ok.sum() >= 8:
                m, _ = cv2.estimateAffinePartial2D(pts[ok], nxt[ok], method=cv2.RANSAC,
                                                   ransacReprojThreshold=1.0)
                if m is not None:
                    step[:2] = m
        out[t] = step @ out[t - 1]
    return out


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _warp(image: np.ndarray, m: np.ndarray) -> np.ndarray:
    h, w = image.shape[:2]
    return cv2.warpAffine(image, m[:2].astype(np.float64), (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=np.nan)


class BackgroundDiffAdapter(NoWeightsAdapter):
    """Frames -> translation-compensated temporal-median background -> Lab difference -> guided filter."""

    name = "none-background-diff"
    track = Track.NONE
    eps = 1e-4
    lo, hi = LO, HI

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        n = len(clip)
        grays = [cv2.cvtColor(clip.read_frame(t), cv2.COLOR_RGB2GRAY) for t in range(n)]
        motion = camera_motion(grays)
        picks = np.unique(np.linspace(0, n - 1, min(SAMPLES, n)).round().astype(int))
        labs = {int(s): _lab(clip.read_frame(int(s))) for s in picks}  # only the samples stay in memory
        opening = np.ones((3, 3), np.uint8)
        for t in range(n):
            rgb = clip.read_frame(t)
            lab = labs.get(t)
            lab = _lab(rgb) if lab is None else lab
            shifted = [_warp(labs[int(s)], motion[t] @ np.linalg.inv(motion[s])) for s in picks]
            stack = np.stack(shifted)
            bg = nanmedian0(stack)  # = np.nanmedian(stack, axis=0), bit for bit; all-NaN pixels: handled below
            covered = np.isfinite(stack[..., 0]).sum(axis=0) >= max(2, MIN_COVER * len(picks))
            bg[~covered] = np.nan
            d = np.linalg.norm(lab - bg, axis=2)
            d = np.where(np.isfinite(d), d, 0.0)
            keep = cv2.morphologyEx((d > self.lo).astype(np.uint8), cv2.MORPH_OPEN, opening).astype(bool)
            soft = np.where(keep, np.clip((d - self.lo) / (self.hi - self.lo), 0.0, 1.0), 0.0)
            yield refine(rgb, soft, eps=self.eps)
