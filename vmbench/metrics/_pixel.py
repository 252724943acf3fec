"""Numba kernel for the per-pixel metrics: the sums behind MAD, MSE, SAD and dtSSD, in one pass.

Alphas are float32 (H, W) in [0, 1], or uint8 read as float32(v) / 255 (how the references read
them). Differences are taken as the references take them (p - g exactly, in float64; the dtSSD
frame differences in float32) and summed in float64, per column, so the loops vectorise.
"""

from __future__ import annotations

import numpy as np
from vmbench.jit import njit

__all__ = ["pixel_sums"]


@njit(cache=True, nogil=True, inline="always")
def _alpha(v, eight_bit):
    if eight_bit:
        return np.float32(v) / np.float32(255.0)
    return np.float32(v)


@njit(cache=True, nogil=True)
def pixel_sums(pred, gt, prev_pred, prev_gt, has_prev, mask, use_mask, eight_bit):
    """(sum |p - g|, sum (p - g)^2, pixel count) over the region, and the whole-frame dtSSD sum
    sum ((p_t - p_{t-1}) - (g_t - g_{t-1}))^2 (0 when not `has_prev`)."""
    h, w = pred.shape
    acc_abs = np.zeros(w)
    acc_sq = np.zeros(w)
    acc_dt = np.zeros(w)
    count = 0
    for y in range(h):
        prow = pred[y]
        grow = gt[y]
        if use_mask:
            keep = mask[y]
            for x in range(w):
                d = np.float64(_alpha(prow[x], eight_bit)) - np.float64(_alpha(grow[x], eight_bit))
                if keep[x] == 0:
                    d = 0.0
                else:
                    count += 1
                acc_abs[x] += abs(d)
                acc_sq[x] += d * d
        else:
            for x in range(w):
                d = np.float64(_alpha(prow[x], eight_bit)) - np.float64(_alpha(grow[x], eight_bit))
                acc_abs[x] += abs(d)
                acc_sq[x] += d * d
            count += w
        if has_prev:
            pp = prev_pred[y]
            pg = prev_gt[y]
            for x in range(w):
                dp = _alpha(prow[x], eight_bit) - _alpha(pp[x], eight_bit)
                dg = _alpha(grow[x], eight_bit) - _alpha(pg[x], eight_bit)
                e = np.float64(dp) - np.float64(dg)
                acc_dt[x] += e * e
    return acc_abs.sum(), acc_sq.sum(), count, acc_dt.sum()
