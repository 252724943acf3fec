"""Numba kernels for instance matching: per-frame L1 costs and binary overlap counts.

One pass over a clip gives, for every frame t and every (ground-truth i, prediction j) pair, the L1
distance sum_px |g - p| (float64 accumulation) and the intersection / union pixel counts of the
binarised masks (value > threshold). Summing the L1 over frames gives VIM's whole-clip cost matrix
(``torch.cdist(p=1)`` on the flattened stacks); the per-frame matrices drive VIM's tracking score.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["pair_frame_stats", "pair_frame_errors"]


@njit(cache=True, nogil=True, parallel=True)
def pair_frame_stats(gt, pred, threshold):
    """L1, intersection and union for every frame and pair.

    gt : float32 (n, T, H, W); pred : float32 (m, T, H, W); threshold : binarise at value > threshold.
    Returns l1 float64 (T, n, m), inter int64 (T, n, m), union int64 (T, n, m).
    """
    n, T, H, W = gt.shape
    m = pred.shape[0]
    thr = np.float32(threshold)
    l1 = np.zeros((T, n, m))
    inter = np.zeros((T, n, m), dtype=np.int64)
    union = np.zeros((T, n, m), dtype=np.int64)
    for t in prange(T):
        for i in range(n):
            for j in range(m):
                s = 0.0
                a = 0
                u = 0
                for y in range(H):
                    row_s = 0.0
                    for x in range(W):
                        g = gt[i, t, y, x]
                        p = pred[j, t, y, x]
                        row_s += abs(np.float64(g) - np.float64(p))
                        gb = g > thr
                        pb = p > thr
                        if gb and pb:
                            a += 1
                        if gb or pb:
                            u += 1
                    s += row_s
                l1[t, i, j] = s
                inter[t, i, j] = a
                union[t, i, j] = u
    return l1, inter, union


@njit(cache=True, nogil=True, parallel=True)
def pair_frame_errors(gt, pred):
    """Per-frame mean squared error, mean absolute error and dtSSD RMS of one pair (float64).

    gt, pred : float32 (T, H, W). dtSSD_t = sqrt(mean((p_t - p_t-1) - (g_t - g_t-1))^2) for t >= 1,
    and 0 at t = 0 (the caller decides what frame 0 means).
    """
    T, H, W = gt.shape
    mse = np.zeros(T)
    mad = np.zeros(T)
    dts = np.zeros(T)
    n = H * W
    for t in prange(T):
        s2 = 0.0
        s1 = 0.0
        sd = 0.0
        for y in range(H):
            for x in range(W):
                d = np.float64(pred[t, y, x]) - np.float64(gt[t, y, x])
                s2 += d * d
                s1 += abs(d)
                if t > 0:
                    e = d - (np.float64(pred[t - 1, y, x]) - np.float64(gt[t - 1, y, x]))
                    sd += e * e
        mse[t] = s2 / n
        mad[t] = s1 / n
        if t > 0:
            dts[t] = np.sqrt(sd / n)
    return mse, mad, dts
