"""``ffm-propagate``: the first-frame mask carried through the clip by optical flow and colour.

Uses: the RGB frames and the binary mask of frame 0 only. Steps:

1. Colour model from frame 0: RGB histograms (16 bins per channel, +1 smoothing) of the pixels
   inside and outside the mask give ``P(fg | colour) = h_fg / (h_fg + h_bg)`` (each histogram
   normalised by its pixel count, so both classes have an equal prior).
2. For frame t > 0: dense Farnebäck flow (OpenCV ``calcOpticalFlowFarneback`` on gray frames,
   pyramid scale 0.5, 3 levels, window 15, 3 iterations, poly_n 5, sigma 1.2) from frame t to
   t-1 warps the previous binary mask into frame t (backward warp, bilinear).
3. Re-thresholding: in a band of ``b = 2 r`` pixels around the warped mask's edge, a pixel is
   foreground when ``0.5 * warped + 0.5 * P(fg | colour) > 0.5``; further inside it is
   foreground, further outside background. This binary mask is what propagates to t+1.
4. Output: that mask box-blurred (radius r) and refined by the colour guided filter (radius
   ``r = max(2, round(min(H, W) / 36))``, eps 1e-4), as ``mask-guided-filter``.

Frame 0's output is the refined given mask. No learned weights; deterministic.
"""

from __future__ import annotations

from typing import Iterator

import cv2
import numpy as np

from baselines.classical._common import NoWeightsAdapter, default_radius, read_binary, refine
from baselines.classical.guided_filter import box_mean
from vmbench.adapters.base import ClipInput, Track
from vmbench.errors import InputError

__all__ = ["ColourModel", "FFMPropagateAdapter"]

_BINS = 16


class ColourModel:
    """Foreground / background RGB histograms of one frame -> P(fg | colour) per pixel."""

    def __init__(self, rgb: np.ndarray, mask: np.ndarray):
        idx = self._index(rgb)
        fg = mask > 0.5
        n = _BINS ** 3
        h_fg = np.bincount(idx[fg], minlength=n) + 1.0
        h_bg = np.bincount(idx[~fg], minlength=n) + 1.0
        h_fg /= h_fg.sum()
        h_bg /= h_bg.sum()
        self.table = h_fg / (h_fg + h_bg)

    @staticmethod
    def _index(rgb: np.ndarray) -> np.ndarray:
        q = (rgb.astype(np.int64) * _BINS) // 256
        return (q[..., 0] * _BINS + q[..., 1]) * _BINS + q[..., 2]

    def prob(self, rgb: np.ndarray) -> np.ndarray:
        return self.table[self._index(rgb)]


def _warp_back(prev: np.ndarray, gray_t: np.ndarray, gray_prev: np.ndarray) -> np.ndarray:
    flow = cv2.calcOpticalFlowFarneback(gray_t, gray_prev, None, 0.5, 3, 15, 3, 5, 1.2, 0)
    h, w = prev.shape
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    return cv2.remap(prev.astype(np.float32), gx + flow[..., 0], gy + flow[..., 1],
                     interpolation=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


class FFMPropagateAdapter(NoWeightsAdapter):
    """First-frame mask -> flow warp + colour-model re-threshold -> guided-filter refinement."""

    name = "ffm-propagate"
    track = Track.FIRST_FRAME_MASK
    eps = 1e-4

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        if clip.first_mask is None:
            raise InputError(f"{clip.name}: {self.name} needs the first-frame mask")
        rgb = clip.read_frame(0)
        mask = read_binary(clip.first_mask)
        if mask.shape != rgb.shape[:2]:
            raise InputError(f"{clip.first_mask}: mask size {mask.shape[::-1]} differs from the frame's "
                             f"{rgb.shape[1::-1]}")
        r = default_radius(mask.shape)
        band = np.ones((4 * r + 1, 4 * r + 1), np.uint8)
        model = ColourModel(rgb, mask)
        gray_prev = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        yield refine(rgb, box_mean(mask, r), radius=r, eps=self.eps)
        for t in range(1, len(clip)):
            rgb = clip.read_frame(t)
            gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
            warped = _warp_back(mask, gray, gray_prev)
            core = warped > 0.5
            inside = cv2.erode(core.astype(np.uint8), band).astype(bool)
            near = cv2.dilate(core.astype(np.uint8), band).astype(bool)
            score = 0.5 * warped + 0.5 * model.prob(rgb)
            mask = np.where(inside, 1.0, np.where(near, (score > 0.5).astype(np.float64), 0.0))
            gray_prev = gray
            yield refine(rgb, box_mean(mask, r), radius=r, eps=self.eps)
