"""Numba kernels for instance matching: per-frame L1 / squared costs and binary overlap counts.

One pass over a clip gives, for every frame t and every (ground-truth i, prediction j) pair, the L1
distance sum_px |g - p| and sum_px (g - p)^2 (float64 accumulation) and the intersection / union
pixel counts of the binarised masks (value > threshold). Summing the L1 over frames gives VIM's whole-clip cost matrix
(``torch.cdist(p=1)`` on the flattened stacks); the per-frame matrices drive VIM's tracking score.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["pair_frame_stats", "pair_frame_errors"]


@njit(cache=True, nogil=True, parallel=True, fastmath=True)
def pair_frame_stats(gt, pred, threshold):
    """Per-frame sums of every (ground truth i, prediction j) pair, in one pass.

    gt : C-contiguous float32 (n, T, H, W); pred : C-contiguous float32 (m, T, H, W);
    threshold : masks are value > threshold.
    Returns float64 (T, n, m) sums of |g - p| and (g - p)^2, and int64 (T, n, m) intersection and
    union pixel counts. Parallel over (frame, pair); each sum is one float64 accumulator over the
    frame's pixels (`fastmath` lets the addition order vary, as SIMD lanes).
    """
    n, T, H, W = gt.shape
    m = pred.shape[0]
    thr = np.float32(threshold)
    npx = H * W
    g2 = gt.reshape(n, T, npx)
    p2 = pred.reshape(m, T, npx)
    l1 = np.zeros((T, n, m))
    sq = np.zeros((T, n, m))
    inter = np.zeros((T, n, m), dtype=np.int64)
    union = np.zeros((T, n, m), dtype=np.int64)
    for k in prange(T * n * m):
        t = k // (n * m)
        i = (k // m) % n
        j = k % m
        g = g2[i, t]
        p = p2[j, t]
        s = 0.0
        s2 = 0.0
        a = 0
        u = 0
        for x in range(npx):
            d = np.float64(g[x]) - np.float64(p[x])
            s += abs(d)
            s2 += d * d
            gb = g[x] > thr
            pb = p[x] > thr
            a += np.int64(gb & pb)
            u += np.int64(gb | pb)
        l1[t, i, j] = s
        sq[t, i, j] = s2
        inter[t, i, j] = a
        union[t, i, j] = u
    return l1, sq, inter, union


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
