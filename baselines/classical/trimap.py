"""``trimap-cf`` / ``trimap-knn``: classical trimap-based matting per frame, with pymatting.

Uses per frame only: the RGB frame and its trimap (0 background, 128 unknown, 255 foreground).
``trimap-cf`` solves closed-form matting (Levin et al. 2008; ``pymatting.estimate_alpha_cf``,
3x3 windows, eps 1e-7 as pymatting's defaults); ``trimap-knn`` solves KNN matting (Chen et al.
2013; ``pymatting.estimate_alpha_knn``). Both are solved only on crops: each connected unknown
region (dilated by ``margin`` = 8 px, which brings in known pixels as constraints) is solved in
its bounding box, and known pixels keep their trimap value. This gives the same alpha as a
whole-frame solve up to the influence of pixels further than the margin (closed-form matting is
local: 3x3 windows) and is far faster when the unknown band is thin. A frame without unknown
pixels is the trimap itself. A crop with only background (foreground) constraints gets 0 (1),
which is what the solver's minimum would be (pymatting refuses such trimaps); none at all, 0.5.
No temporal information, no learned weights; deterministic.
"""

from __future__ import annotations

from typing import Iterator

import cv2
import numpy as np

from baselines.classical._common import NoWeightsAdapter
from vmbench.adapters.base import ClipInput, Track
from vmbench.errors import InputError
from vmbench.io.frames import read_alpha_u8

__all__ = ["solve_trimap", "TrimapCFAdapter", "TrimapKNNAdapter"]


def solve_trimap(rgb: np.ndarray, trimap_u8: np.ndarray, *, method: str = "cf", margin: int = 8) -> np.ndarray:
    """Alpha float32 (H, W) from uint8 RGB and a uint8 trimap, solving each unknown region's crop."""
    from pymatting import estimate_alpha_cf, estimate_alpha_knn

    solver = {"cf": estimate_alpha_cf, "knn": estimate_alpha_knn}[method]
    tri = trimap_u8.astype(np.float64) / 255.0
    known_fg = trimap_u8 >= 200
    known_bg = trimap_u8 <= 55
    unknown = ~(known_fg | known_bg)
    alpha = known_fg.astype(np.float64)
    if not unknown.any():
        return alpha.astype(np.float32)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * margin + 1, 2 * margin + 1))
    grown = cv2.dilate(unknown.astype(np.uint8), kernel)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(grown, connectivity=8)
    image = rgb.astype(np.float64) / 255.0
    h, w = trimap_u8.shape
    for k in range(1, n):
        x, y, bw, bh = stats[k, :4]
        ys, xs = slice(max(y - 1, 0), min(y + bh + 1, h)), slice(max(x - 1, 0), min(x + bw + 1, w))
        region = (labels[ys, xs] == k) & unknown[ys, xs]
        crop_tri = tri[ys, xs].copy()
        crop_known = ~unknown[ys, xs]
        has_fg, has_bg = known_fg[ys, xs].any(), known_bg[ys, xs].any()
        if not (has_fg and has_bg):
            # with constraints of one kind only (or none) the energy minimum is that constant
            alpha[ys, xs][region] = 1.0 if has_fg else (0.0 if has_bg else 0.5)
            continue
        crop_tri[~crop_known] = 0.5
        a = solver(np.ascontiguousarray(image[ys, xs]), crop_tri)
        sub = alpha[ys, xs]
        sub[region] = np.clip(a[region], 0.0, 1.0)
    return alpha.astype(np.float32)


class _TrimapAdapter(NoWeightsAdapter):
    track = Track.TRIMAP
    default_guidance = "trimap"
    method = "cf"

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        if clip.trimaps is None:
            raise InputError(f"{clip.name}: {self.name} needs per-frame trimaps")
        for i, path in enumerate(clip.trimaps):
            rgb = clip.read_frame(i)
            tri = read_alpha_u8(path)
            if tri.shape != rgb.shape[:2]:
                raise InputError(f"{path}: trimap size {tri.shape[::-1]} differs from the frame's {rgb.shape[1::-1]}")
            yield solve_trimap(rgb, tri, method=self.method)


class TrimapCFAdapter(_TrimapAdapter):
    """Closed-form matting (pymatting ``estimate_alpha_cf``) inside each unknown region's crop."""

    name = "trimap-cf"
    method = "cf"


class TrimapKNNAdapter(_TrimapAdapter):
    """KNN matting (pymatting ``estimate_alpha_knn``) inside each unknown region's crop."""

    name = "trimap-knn"
    method = "knn"
