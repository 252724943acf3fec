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


@njit(cache=True, nogil=True, parallel=True, fastmath=True)
def pair_frame_stats(gt, pred, threshold):
    """L1, intersection and union for every frame and pair.

    gt : float32 (n, T, H, W); pred : float32 (m, T, H, W); threshold : binarise at value > threshold.
    Returns l1 float64 (T, n, m), inter int64 (T, n, m), union int64 (T, n, m).
    Each image row of all n + m instances is read once and reused from cache for the n * m pairs;
    the per-row sums are float64 (the order of addition inside a row may vary: `fastmath`).
    """
    n, T, H, W = gt.shape
    m = pred.shape[0]
    thr = np.float32(threshold)
    l1 = np.zeros((T, n, m))
    inter = np.zeros((T, n, m), dtype=np.int64)
    union = np.zeros((T, n, m), dtype=np.int64)
    for t in prange(T):
        for y in range(H):
            for i in range(n):
                g_row = gt[i, t, y]
                for j in range(m):
                    p_row = pred[j, t, y]
                    s = 0.0
                    a = np.int32(0)
                    u = np.int32(0)
                    for x in range(W):
                        g = g_row[x]
                        p = p_row[x]
                        s += abs(np.float64(g) - np.float64(p))
                        gb = g > thr
                        pb = p > thr
                        a += np.int32(gb & pb)
                        u += np.int32(gb | pb)
                    l1[t, i, j] += s
                    inter[t, i, j] += a
                    union[t, i, j] += u
    return l1, inter, union


@njit(cache=True, nogil=True, parallel=True, fastmath=True)
def pair_frame_errors(gt, pred, mode):
    """Per-frame error of one pair (float64 (T,)): mode 0 MSE, 1 MAD, 2 dtSSD.

    gt, pred : float32 (T, H, W). MSE = mean (p - g)^2, MAD = mean |p - g|; dtSSD_t =
    sqrt(mean((p_t - p_t-1) - (g_t - g_t-1))^2) for t >= 1 and 0 at t = 0 (the caller decides
    what frame 0 means).
    """
    T, H, W = gt.shape
    out = np.zeros(T)
    n = H * W
    for t in prange(T):
        if mode == 2 and t == 0:
            continue
        acc = 0.0
        for y in range(H):
            s = 0.0
            if mode == 0:
                for x in range(W):
                    d = np.float64(pred[t, y, x]) - np.float64(gt[t, y, x])
                    s += d * d
            elif mode == 1:
                for x in range(W):
                    s += abs(np.float64(pred[t, y, x]) - np.float64(gt[t, y, x]))
            else:
                for x in range(W):
                    e = (np.float64(pred[t, y, x]) - np.float64(gt[t, y, x])) - (
                        np.float64(pred[t - 1, y, x]) - np.float64(gt[t - 1, y, x]))
                    s += e * e
            acc += s
        out[t] = np.sqrt(acc / n) if mode == 2 else acc / n
    return out
