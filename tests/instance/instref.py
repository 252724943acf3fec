"""Independent, deliberately simple re-implementations used as test oracles (float64, plain loops).

Written from /work/shared/metrics-reference.md (sections 4 and 5) and the DAVIS definitions, not from
vmbench's code: nothing here imports vmbench.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage
from scipy.optimize import linear_sum_assignment


# ------------------------------------------------------------------ VIM (metrics_vim.py, section 5)
def l1(a, b):
    return float(np.sum(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def mask_iou(g, p, thr):
    gb = g > thr
    pb = p > thr
    union = int(np.sum(gb | pb))
    if union == 0:
        return 0.0
    return int(np.sum(gb & pb)) / union


def ref_vim(pred, gt, *, iou_thr=0.5, bin_thr=0.5, weight=50.0, error="MSE"):
    """Returns (RS, TS, MS, pairs, tp)."""
    n, m = len(gt), len(pred)
    T = gt.shape[1]
    fp = max(m - n, 0)
    fn = max(n - m, 0)
    pairs = []
    if m > 0:
        cost = np.zeros((n, m))
        for i in range(n):
            for j in range(m):
                cost[i, j] = l1(gt[i], pred[j])
        r, c = linear_sum_assignment(cost)
        pairs = list(zip(r.tolist(), c.tolist()))
    tp, ious = [], []
    for i, j in pairs:
        vals = [mask_iou(gt[i, t], pred[j, t], bin_thr) for t in range(T)]
        mean_iou = sum(vals) / len(vals)
        if mean_iou > iou_thr:
            tp.append((i, j))
            ious.append(mean_iou)
        else:
            fp += 1
            fn += 1
    rs = len(tp) / (len(tp) + 0.5 * fp + 0.5 * fn)
    if ious:
        rs = rs * (sum(ious) / len(ious))
    if rs == 0:
        return 0.0, 0.0, 0.0, pairs, tp
    frame_scores = []
    for t in range(T):
        cost = np.zeros((n, m))
        for i in range(n):
            for j in range(m):
                cost[i, j] = l1(gt[i, t], pred[j, t])
        r, c = linear_sum_assignment(cost)
        assigned = {}
        for a, b in zip(r.tolist(), c.tolist()):
            assigned[a] = b
        s = [1.0 if assigned.get(i) == j else 0.0 for i, j in tp]
        frame_scores.append(sum(s) / len(s))
    ts = sum(frame_scores) / T
    pair_scores = []
    for i, j in tp:
        g = gt[i].astype(np.float64)
        p = pred[j].astype(np.float64)
        s = []
        for t in range(T):
            if error == "MSE":
                err = float(np.mean((p[t] - g[t]) ** 2))
            elif error == "MAD":
                err = float(np.mean(np.abs(p[t] - g[t])))
            else:
                if t == 0:
                    s.append(1.0)
                    continue
                err = math.sqrt(float(np.mean(((p[t] - p[t - 1]) - (g[t] - g[t - 1])) ** 2)))
            s.append(1.0 - min(1.0, err * weight))
        pair_scores.append(sum(s) / len(s))
    ms = sum(pair_scores) / len(pair_scores)
    return rs, ts, ms, pairs, tp


# ------------------------------------------------------------------ MaGGIe (section 4)
def gauss_kernel_x(sigma=1.4, eps=1e-2):
    half = math.ceil(sigma * math.sqrt(-2 * math.log(math.sqrt(2 * math.pi) * sigma * eps)))
    size = 2 * half + 1

    def G(x):
        return math.exp(-x * x / (2 * sigma * sigma)) / (sigma * math.sqrt(2 * math.pi))

    k = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            x = j - half
            k[i, j] = G(i - half) * (-x * G(x) / sigma**2)
    return k / math.sqrt((k**2).sum())


def ref_transition(g, footprint):
    dil = ndimage.grey_dilation(g.astype(np.float64), footprint=footprint, mode="nearest")
    ero = ndimage.grey_erosion(g.astype(np.float64), footprint=footprint, mode="nearest")
    return (dil - ero) > 0


def ref_conn_rvm(p, g):
    """RVM connectivity error sum (no scale), scipy labels with a cross structure."""
    p = p.astype(np.float32)
    g = g.astype(np.float32)
    th = np.arange(0, 1.1, 0.1)
    level = -np.ones(g.shape, dtype=np.float32)
    for i in range(1, len(th)):
        inter = (g >= th[i]) & (p >= th[i])
        lab, num = ndimage.label(inter)
        omega = np.zeros(g.shape, dtype=bool)
        if num:
            sizes = np.bincount(lab.ravel())[1:]
            omega = lab == (int(np.argmax(sizes)) + 1)
        level[(level == -1) & ~omega] = th[i - 1]
    level[level == -1] = 1
    dg = g - level
    dp = p - level
    phi_g = 1 - dg * (dg >= 0.15)
    phi_p = 1 - dp * (dp >= 0.15)
    return float(np.sum(np.abs(phi_g - phi_p), dtype=np.float64))


# ------------------------------------------------------------------ DAVIS F (loops)
def ref_boundary(mask):
    h, w = mask.shape
    b = np.zeros((h, w), dtype=bool)
    for y in range(h):
        for x in range(w):
            v = mask[y, x]
            east = mask[y, x + 1] if x + 1 < w else False
            south = mask[y + 1, x] if y + 1 < h else False
            se = mask[y + 1, x + 1] if (x + 1 < w and y + 1 < h) else False
            if y == h - 1 and x == w - 1:
                b[y, x] = False
            elif y == h - 1:
                b[y, x] = v != east
            elif x == w - 1:
                b[y, x] = v != south
            else:
                b[y, x] = (v != east) or (v != south) or (v != se)
    return b


def ref_f(pm, gm, bound_th=0.008):
    h, w = pm.shape
    r = math.ceil(bound_th * math.sqrt(h * h + w * w))
    bp = ref_boundary(pm)
    bg = ref_boundary(gm)

    def near(b, y, x):
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                if dy * dy + dx * dx <= r * r and 0 <= y + dy < h and 0 <= x + dx < w and b[y + dy, x + dx]:
                    return True
        return False

    n_p, n_g = int(bp.sum()), int(bg.sum())
    if n_p == 0 and n_g == 0:
        return 1.0
    if n_p == 0:
        prec, rec = 1.0, 0.0
    elif n_g == 0:
        prec, rec = 0.0, 1.0
    else:
        prec = sum(near(bg, y, x) for y, x in zip(*np.nonzero(bp))) / n_p
        rec = sum(near(bp, y, x) for y, x in zip(*np.nonzero(bg))) / n_g
    return 0.0 if prec + rec == 0 else 2 * prec * rec / (prec + rec)
