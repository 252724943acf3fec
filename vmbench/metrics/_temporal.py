"""Numba kernels for the flow-warped temporal errors (MESSDdt) of TCVOM and MaGGIe.

* `tcvom_messddt`: TCVOM's ``utils.flow_dt(..., metric=True)``: the next frame's prediction and
  ground truth are sampled at (x + fx, y + fy) with PyTorch's ``grid_sample`` rules (bilinear,
  ``align_corners=True``, zeros outside; the pixel coordinate goes through the same float32
  normalise / unnormalise round trip), over the pixels of the current frame's unknown region
  whose flow is valid. Returns the L1 sum (MESSDdt_fix), the squared-error sum (MESSDdt) and the
  pixel count, none of them divided by the count (as ``calc_metric.py`` reports them).
* `maggie_messddt_sum`: MaGGIe's ``MESSDdt.compute_single_video`` warp, bugs included: integer
  (rounded) flow, the stacked coordinates used swapped (row index from x + fx clamped to h - 1,
  column from y + fy clamped to w - 1), and every pair of a call sampled from the call's first
  "next" frame (``torch.take`` on the flattened stack).
"""

from __future__ import annotations

import math

import numpy as np
from vmbench.jit import njit

__all__ = ["tcvom_messddt", "maggie_messddt_sum"]


@njit(cache=True, nogil=True, inline="always")
def _alpha(v, eight_bit):
    if eight_bit:
        return np.float32(v) / np.float32(255.0)
    return np.float32(v)


@njit(cache=True, nogil=True, inline="always")
def _unnormalised(c, size):
    """float32 pixel coordinate after 2c/(size-1) - 1 and grid_sample's ((u + 1) / 2) * (size - 1)."""
    s1 = np.float32(size - 1)
    u = np.float32(np.float32(np.float32(2.0) * c) / s1) - np.float32(1.0)
    return np.float32(np.float32(np.float32(u + np.float32(1.0)) / np.float32(2.0)) * s1)


@njit(cache=True, nogil=True, inline="always")
def _bilinear(img, ix, iy, eight_bit):
    """grid_sample's bilinear value at float32 (ix, iy), zero outside the image."""
    h, w = img.shape
    x0 = math.floor(ix)
    y0 = math.floor(iy)
    x1 = x0 + 1
    y1 = y0 + 1
    nw = np.float32(np.float32(x1 - ix) * np.float32(y1 - iy))
    ne = np.float32(np.float32(ix - x0) * np.float32(y1 - iy))
    sw = np.float32(np.float32(x1 - ix) * np.float32(iy - y0))
    se = np.float32(np.float32(ix - x0) * np.float32(iy - y0))
    out = np.float32(0.0)
    if 0 <= x0 < w and 0 <= y0 < h:
        out += _alpha(img[y0, x0], eight_bit) * nw
    if 0 <= x1 < w and 0 <= y0 < h:
        out += _alpha(img[y0, x1], eight_bit) * ne
    if 0 <= x0 < w and 0 <= y1 < h:
        out += _alpha(img[y1, x0], eight_bit) * sw
    if 0 <= x1 < w and 0 <= y1 < h:
        out += _alpha(img[y1, x1], eight_bit) * se
    return out


@njit(cache=True, nogil=True)
def tcvom_messddt(pred0, gt0, pred1, gt1, flow, valid, mask0, eight_bit):
    """(sum |e0 - e1w|, sum |e0^2 - e1w^2|, count) over mask0 & valid; e = p - g (float32),
    e1w the next frame's error sampled along the flow (float32 (H, W, 2): x, y displacement)."""
    h, w = pred0.shape
    fix = 0.0
    org = 0.0
    count = 0
    for y in range(h):
        for x in range(w):
            if mask0[y, x] == 0 or valid[y, x] == 0:
                continue
            ix = _unnormalised(np.float32(np.float32(x) + flow[y, x, 0]), w)
            iy = _unnormalised(np.float32(np.float32(y) + flow[y, x, 1]), h)
            pa = _bilinear(pred1, ix, iy, eight_bit)
            pg = _bilinear(gt1, ix, iy, eight_bit)
            e0 = _alpha(pred0[y, x], eight_bit) - _alpha(gt0[y, x], eight_bit)
            e1 = pa - pg
            fix += abs(np.float64(e0 - e1))
            org += abs(np.float64(e0 * e0 - e1 * e1))
            count += 1
    return fix, org, count


@njit(cache=True, nogil=True)
def maggie_messddt_sum(pred0, gt0, src_pred, src_gt, flow):
    """sum over pixels of |(p0 - g0)^2 - (p1w - g1w)^2| for one frame pair of a MaGGIe call.

    pred0, gt0: float32 (h, w) frame t; src_pred, src_gt: the frame the buggy warp samples from;
    flow: int64 (h, w, 2) rounded Farneback flow (dx, dy) of the pair.
    """
    h, w = pred0.shape
    total = 0.0
    for y in range(h):
        for x in range(w):
            r = x + flow[y, x, 0]  # the swapped coordinates: x + dx used as the row
            c = y + flow[y, x, 1]
            r = min(max(r, 0), h - 1)
            c = min(max(c, 0), w - 1)
            e0 = pred0[y, x] - gt0[y, x]
            e1 = src_pred[r, c] - src_gt[r, c]
            total += abs(np.float64(e0 * e0 - e1 * e1))  # float32, as the torch error map
    return total
