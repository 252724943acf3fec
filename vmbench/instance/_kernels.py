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
    Returns l1 float64 (T, n, m), sq float64 (T, n, m) (sum of squared differences), inter int64
    (T, n, m), union int64 (T, n, m). Each image row of all n + m instances is binarised once and reused from cache for the n * m
    pairs; union = |G| + |P| - intersection. Row sums are float64 (`fastmath` lets the order of
    addition inside a row vary).
    """
    n, T, H, W = gt.shape
    m = pred.shape[0]
    thr = np.float32(threshold)
    l1 = np.zeros((T, n, m))
    sq = np.zeros((T, n, m))
    inter = np.zeros((T, n, m), dtype=np.int64)
    union = np.zeros((T, n, m), dtype=np.int64)
    for t in prange(T):
        gbin = np.empty((n, W), dtype=np.int32)
        pbin = np.empty((m, W), dtype=np.int32)
        gcount = np.zeros(n, dtype=np.int64)
        pcount = np.zeros(m, dtype=np.int64)
        for y in range(H):
            for i in range(n):
                c = 0
                for x in range(W):
                    b = np.int32(gt[i, t, y, x] > thr)
                    gbin[i, x] = b
                    c += b
                gcount[i] += c
            for j in range(m):
                c = 0
                for x in range(W):
                    b = np.int32(pred[j, t, y, x] > thr)
                    pbin[j, x] = b
                    c += b
                pcount[j] += c
            for i in range(n):
                g_row = gt[i, t, y]
                for j in range(m):
                    p_row = pred[j, t, y]
                    s = 0.0
                    s2 = 0.0
                    a = np.int32(0)
                    for x in range(W):
                        d = np.float64(g_row[x]) - np.float64(p_row[x])
                        s += abs(d)
                        s2 += d * d
                    for x in range(W):
                        a += gbin[i, x] * pbin[j, x]
                    l1[t, i, j] += s
                    sq[t, i, j] += s2
                    inter[t, i, j] += a
        for i in range(n):
            for j in range(m):
                union[t, i, j] = gcount[i] + pcount[j] - inter[t, i, j]
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
