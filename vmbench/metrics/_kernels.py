"""Numba kernels for the per-frame matting metrics (private: use `vmbench.metrics.frame`).

All kernels take float32 (H, W) alphas in [0, 1], an optional uint8 region mask (nonzero =
counted) and accumulate in float64. Each one is checked in the tests against an independent
NumPy/SciPy version written from the definition.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = [
    "abs_sq_sums",
    "gradient_magnitude",
    "grad_error",
    "conn_error",
    "conn_error_u8",
    "conn_tables",
    "dtssd_sum",
    "gaussian_gradient_kernel",
]


def gaussian_gradient_kernel(sigma: float = 1.4, epsilon: float = 1e-2) -> tuple[np.ndarray, np.ndarray]:
    """The separable factors of the 9x9 gradient-of-Gaussian kernel used by RVM and the DIM code.

    The reference kernel is ``Kx[i, j] = G(i - h) * G'(j - h) / ||.||_2`` with half-size
    ``h = ceil(sigma * sqrt(-2 ln(sqrt(2 pi) sigma epsilon)))`` (= 4 for sigma 1.4). Returns the
    row factor (G) and the column factor (G'), each scaled by sqrt of the norm, in float64.
    """
    half = int(math.ceil(sigma * math.sqrt(-2.0 * math.log(math.sqrt(2.0 * math.pi) * sigma * epsilon))))
    x = np.arange(-half, half + 1, dtype=np.float64)
    gauss = np.exp(-(x**2) / (2.0 * sigma**2)) / (sigma * math.sqrt(2.0 * math.pi))
    dgauss = -x * gauss / sigma**2
    norm = math.sqrt(float(np.sum(gauss**2) * np.sum(dgauss**2)))
    return gauss / math.sqrt(norm), dgauss / math.sqrt(norm)


@njit(cache=True, nogil=True)
def abs_sq_sums(pred, gt, mask, use_mask):
    """Sum of |p - g|, sum of (p - g)^2 and the pixel count, over the mask (or all pixels)."""
    h, w = pred.shape
    s_abs = 0.0
    s_sq = 0.0
    count = 0
    for y in range(h):
        for x in range(w):
            if use_mask and mask[y, x] == 0:
                continue
            d = np.float64(pred[y, x]) - np.float64(gt[y, x])
            s_abs += abs(d)
            s_sq += d * d
            count += 1
    return s_abs, s_sq, count


@njit(cache=True, nogil=True)
def _pad(img, r, zero_border):
    """`img` (float64) padded by `r` pixels: replicated edges, or zeros."""
    h, w = img.shape
    out = np.zeros((h + 2 * r, w + 2 * r))
    for y in range(h + 2 * r):
        sy = min(max(y - r, 0), h - 1)
        inside_y = r <= y < h + r
        for x in range(w + 2 * r):
            if zero_border and not (inside_y and r <= x < w + r):
                continue
            out[y, x] = img[sy, min(max(x - r, 0), w - 1)]
    return out


@njit(cache=True, nogil=True)
def gradient_magnitude(img, row_k, col_k, zero_border):
    """|grad| of `img` (float64 (H, W)) by correlation with the separable 9x9 kernel.

    gx = correlate(img, outer(row_k, col_k)), gy = correlate(img, outer(col_k, row_k)).
    Borders are replicated (RVM, DIM) or zero-padded (`zero_border`, MaGGIe). row_k (the
    Gaussian) is even and col_k (its derivative) odd, so each tap pair costs one multiply.
    """
    h, w = img.shape
    r = row_k.shape[0] // 2
    pad = _pad(img, r, zero_border)
    # horizontal passes over the padded rows: a = pad (*) col_k, b = pad (*) row_k along x.
    # Taps in the outer loop, x innermost and contiguous, so the compiler vectorises it.
    a = np.zeros((h + 2 * r, w))
    b = np.empty((h + 2 * r, w))
    for y in range(h + 2 * r):
        row = pad[y]
        ay = a[y]
        by = b[y]
        for x in range(w):
            by[x] = row_k[r] * row[x + r]
        for j in range(1, r + 1):
            kc = col_k[r + j]
            kr = row_k[r + j]
            for x in range(w):
                ay[x] += kc * (row[x + r + j] - row[x + r - j])
                by[x] += kr * (row[x + r + j] + row[x + r - j])
    out = np.empty((h, w))
    for y in range(h):
        c = y + r
        gx = row_k[r] * a[c]
        gy = np.zeros(w)
        for i in range(1, r + 1):
            kr = row_k[r + i]
            kc = col_k[r + i]
            up_a = a[c + i]
            dn_a = a[c - i]
            up_b = b[c + i]
            dn_b = b[c - i]
            for x in range(w):
                gx[x] += kr * (up_a[x] + dn_a[x])
                gy[x] += kc * (up_b[x] - dn_b[x])
        oy = out[y]
        for x in range(w):
            oy[x] = math.sqrt(gx[x] * gx[x] + gy[x] * gy[x])
    return out


@njit(cache=True, nogil=True)
def _magnitude_error(gxp, gyp, gxg, gyg, mask, use_mask, single_magnitudes):
    """Sum over the region of (|grad g| - |grad p|)^2 from the four gradient images."""
    h, w = gxp.shape
    total = 0.0
    for y in range(h):
        for x in range(w):
            if use_mask and mask[y, x] == 0:
                continue
            mp = math.sqrt(np.float64(gxp[y, x]) ** 2 + np.float64(gyp[y, x]) ** 2)
            mg = math.sqrt(np.float64(gxg[y, x]) ** 2 + np.float64(gyg[y, x]) ** 2)
            if single_magnitudes:  # the DIM code subtracts single(|grad|) values
                d = np.float64(np.float32(mg)) - np.float64(np.float32(mp))
            else:
                d = mg - mp
            total += d * d
    return total


def _gradients(img, row_k, col_k, minmax):
    """(gx, gy) of `img` by correlation with outer(row_k, col_k) and its transpose, replicate borders.

    Filtered with OpenCV's separable filter in float64 (float32 filtering, as RVM's cv2.filter2D
    does, drifts past 1e-6 relative on small images); `minmax` first maps the image to [0, 1]
    (constant -> zeros).
    """
    import cv2

    img = np.asarray(img)
    if minmax:
        lo, hi = float(img.min()), float(img.max())
        img = (img.astype(np.float64) - lo) / (hi - lo) if hi > lo else np.zeros(img.shape)
    img = np.ascontiguousarray(img, dtype=np.float64)
    gx = cv2.sepFilter2D(img, -1, col_k, row_k, borderType=cv2.BORDER_REPLICATE)
    gy = cv2.sepFilter2D(img, -1, row_k, col_k, borderType=cv2.BORDER_REPLICATE)
    return gx, gy


def grad_error(pred, gt, mask, use_mask, row_k, col_k, norm_mode, single_magnitudes):
    """Sum over the region of (|grad g| - |grad p|)^2 (the caller applies the /1000).

    norm_mode 1 min-max normalises each image first (RVM-LR, DIM's mat2gray); 0 leaves it.
    """
    gxp, gyp = _gradients(pred, row_k, col_k, norm_mode == 1)
    gxg, gyg = _gradients(gt, row_k, col_k, norm_mode == 1)
    return _magnitude_error(gxp, gyp, gxg, gyg, mask, use_mask, single_magnitudes)


@njit(cache=True, nogil=True)
def _find(parent, i):
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        nxt = parent[i]
        parent[i] = root
        i = nxt
    return root


@njit(cache=True, nogil=True, parallel=True)
def _levels(pred, gt, thresholds):
    """k[y, x] = number of thresholds i >= 1 with p >= th[i] and g >= th[i] (compared in float64)."""
    h, w = pred.shape
    n = thresholds.shape[0] - 1
    k = np.empty((h, w), dtype=np.uint8)
    for y in prange(h):
        for x in range(w):
            m = min(np.float64(pred[y, x]), np.float64(gt[y, x]))
            c = int(m * n)
            if c < 0:
                c = 0
            elif c > n:
                c = n
            while c < n and m >= thresholds[c + 1]:
                c += 1
            while c > 0 and m < thresholds[c]:
                c -= 1
            k[y, x] = c
    return k


@njit(cache=True, nogil=True, parallel=True)
def _levels_u8(pred8, gt8, level_of):
    """The same levels for 8-bit alphas, through a 256-entry table (`level_of[v]`)."""
    h, w = pred8.shape
    k = np.empty((h, w), dtype=np.uint8)
    for y in prange(h):
        for x in range(w):
            k[y, x] = level_of[min(pred8[y, x], gt8[y, x])]
    return k


@njit(cache=True, nogil=True, parallel=True)
def _run_counts(k, n):
    """counts[i, y] = number of runs of {k >= i} in row y."""
    h, w = k.shape
    counts = np.zeros((n + 1, h), dtype=np.int64)
    for y in prange(h):
        prev = 0
        for x in range(w):
            c = np.int64(k[y, x])
            if c < prev:
                for i in range(c + 1, prev + 1):
                    counts[i, y] += 1
            prev = c
        for i in range(1, prev + 1):
            counts[i, y] += 1
    return counts


@njit(cache=True, nogil=True, parallel=True)
def _fill_runs(k, row_first, run_y, run_s, run_e):
    """Write the runs of {k >= i} of every row at their precomputed slots (row-major order)."""
    h, w = k.shape
    n = row_first.shape[0] - 1
    for y in prange(h):
        fill = np.empty(n + 1, dtype=np.int64)
        start = np.zeros(n + 1, dtype=np.int64)
        for i in range(1, n + 1):
            fill[i] = row_first[i, y]
        prev = 0
        for x in range(w + 1):
            cur = np.int64(k[y, x]) if x < w else 0
            if cur > prev:
                for i in range(prev + 1, cur + 1):
                    start[i] = x
            elif cur < prev:
                for i in range(cur + 1, prev + 1):
                    r = fill[i]
                    run_y[r] = y
                    run_s[r] = start[i]
                    run_e[r] = x - 1
                    fill[i] = r + 1
            prev = cur


@njit(cache=True, nogil=True, parallel=True)
def _mark_rows(in_omega, row_first, run_s, run_e, bits):
    """bits[y, x] |= 1 << i for every pixel of a run of threshold i that lies in omega_i."""
    h = bits.shape[0]
    n = row_first.shape[0] - 1
    for y in prange(h):
        for i in range(1, n + 1):
            flag = np.uint16(1 << i)
            for r in range(row_first[i, y], row_first[i, y + 1]):
                if in_omega[r]:
                    for x in range(run_s[r], run_e[r] + 1):
                        bits[y, x] |= flag


@njit(cache=True, nogil=True)
def _largest_components(k, n):
    """For each threshold i, the largest 4-connected component of {k >= i} = {p >= th_i} & {g >= th_i}.

    The rows are cut into runs of k >= i (one sweep per row covers every threshold at once), runs
    of adjacent rows that overlap are joined with union-find, and the largest component wins, ties
    going to the component whose first pixel comes first in row-major order (the label order of
    OpenCV, scipy and skimage). Returns (bits, first_empty): bit i of bits[y, x] is set when the
    pixel lies in the largest component at threshold i; first_empty is the first threshold index
    whose intersection is empty (n + 1 if none).
    """
    h, w = k.shape
    counts = _run_counts(k, n)
    row_first = np.empty((n + 1, h + 1), dtype=np.int64)
    total = 0
    for i in range(1, n + 1):
        for y in range(h):
            row_first[i, y] = total
            total += counts[i, y]
        row_first[i, h] = total
    run_y = np.empty(total, dtype=np.int64)
    run_s = np.empty(total, dtype=np.int64)
    run_e = np.empty(total, dtype=np.int64)
    _fill_runs(k, row_first, run_y, run_s, run_e)

    parent = np.arange(total)
    size = np.zeros(total, dtype=np.int64)
    first_px = np.zeros(total, dtype=np.int64)
    in_omega = np.zeros(total, dtype=np.bool_)
    first_empty = n + 1
    for i in range(1, n + 1):
        lo = row_first[i, 0]
        hi = row_first[i, h]
        if hi == lo:
            if first_empty > n:
                first_empty = i
            continue
        for y in range(1, h):
            a = row_first[i, y - 1]
            a_end = row_first[i, y]
            b = a_end
            b_end = row_first[i, y + 1]
            while a < a_end and b < b_end:
                if run_s[a] <= run_e[b] and run_s[b] <= run_e[a]:
                    ra = _find(parent, a)
                    rb = _find(parent, b)
                    if ra < rb:
                        parent[rb] = ra
                    elif rb < ra:
                        parent[ra] = rb
                if run_e[a] < run_e[b]:
                    a += 1
                else:
                    b += 1
        for r in range(lo, hi):
            first_px[r] = run_y[r] * w + run_s[r]
        for r in range(lo, hi):
            root = _find(parent, r)
            size[root] += run_e[r] - run_s[r] + 1
            if first_px[r] < first_px[root]:
                first_px[root] = first_px[r]
        best = -1
        for r in range(lo, hi):
            if parent[r] == r:
                if best < 0 or size[r] > size[best] or (size[r] == size[best] and first_px[r] < first_px[best]):
                    best = r
        for r in range(lo, hi):
            in_omega[r] = _find(parent, r) == best
    bits = np.zeros((h, w), dtype=np.uint16)
    _mark_rows(in_omega, row_first, run_s, run_e, bits)
    return bits, first_empty


@njit(cache=True, nogil=True, inline="always")
def _level_index(bits_value, n, first_empty, indexnet_rule):
    """Index j of the pixel's l = th[j]: its depth (consecutive thresholds in the largest
    component), or n (l = 1) if it stayed in throughout, or, under IndexNet's rule, if it was still
    unassigned when the intersection first became empty."""
    b = np.int64(bits_value) >> 1
    depth = 0
    while b & 1:
        depth += 1
        b >>= 1
    if depth >= n or (indexnet_rule and depth == first_empty - 1):
        return n
    return depth


@njit(cache=True, nogil=True, parallel=True)
def _conn_rows(pred, gt, mask, use_mask, bits, first_empty, th32, indexnet_rule):
    h, w = pred.shape
    n = th32.shape[0] - 1
    theta = np.float32(0.15)
    one = np.float32(1.0)
    zero = np.float32(0.0)
    row_sums = np.zeros(h)
    for y in prange(h):
        acc = 0.0
        for x in range(w):
            if use_mask and mask[y, x] == 0:
                continue
            lv = th32[_level_index(bits[y, x], n, first_empty, indexnet_rule)]  # th32[n] = 1
            dg = gt[y, x] - lv
            dp = pred[y, x] - lv
            phig = one - (dg if dg >= theta else zero)
            phip = one - (dp if dp >= theta else zero)
            acc += abs(np.float64(phig) - np.float64(phip))
        row_sums[y] = acc
    return row_sums.sum()


@njit(cache=True, nogil=True)
def conn_error(pred, gt, mask, use_mask, thresholds, indexnet_rule):
    """Sum over the region of |phi_g - phi_p| for the connectivity error (caller applies /1000).

    l = th[depth], depth = the number of consecutive thresholds (from the first) at which the pixel
    lies in the largest common component (l = 1 if it stays in up to the last). With
    `indexnet_rule`, pixels still unassigned when the intersection first becomes empty keep l = 1
    (IndexNet's `continue`), instead of th[i-1] (RVM). d = alpha - l and phi = 1 - d * [d >= 0.15],
    all in float32 as the references compute them.
    """
    k = _levels(pred, gt, thresholds)
    bits, first_empty = _largest_components(k, thresholds.shape[0] - 1)
    return _conn_rows(pred, gt, mask, use_mask, bits, first_empty, thresholds.astype(np.float32), indexnet_rule)


def conn_tables(thresholds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lookup tables for 8-bit alphas v (alpha = float32(v) / 255, as the references read them).

    level_of[v]: how many thresholds i >= 1 satisfy float64(alpha) >= th[i].
    phi[j, v]: 1 - d [d >= 0.15] with d = alpha - float32(th[j]), in float32 as `_conn_rows`.
    """
    alpha = np.arange(256, dtype=np.float32) / np.float32(255)
    level_of = (alpha.astype(np.float64)[:, None] >= thresholds[None, 1:]).sum(axis=1).astype(np.uint8)
    d = alpha[None, :] - thresholds.astype(np.float32)[:, None]
    phi = np.float32(1) - np.where(d >= np.float32(0.15), d, np.float32(0))
    return level_of, phi.astype(np.float32)


@njit(cache=True, nogil=True, parallel=True)
def _conn_rows_u8(pred8, gt8, mask, use_mask, bits, first_empty, phi, indexnet_rule):
    h, w = pred8.shape
    n = phi.shape[0] - 1
    row_sums = np.zeros(h)
    for y in prange(h):
        acc = 0.0
        for x in range(w):
            if use_mask and mask[y, x] == 0:
                continue
            j = _level_index(bits[y, x], n, first_empty, indexnet_rule)
            acc += abs(np.float64(phi[j, gt8[y, x]]) - np.float64(phi[j, pred8[y, x]]))
        row_sums[y] = acc
    return row_sums.sum()


@njit(cache=True, nogil=True)
def conn_error_u8(pred8, gt8, mask, use_mask, level_of, phi, indexnet_rule):
    """`conn_error` for 8-bit alphas through the tables of `conn_tables`: the same values, faster."""
    k = _levels_u8(pred8, gt8, level_of)
    bits, first_empty = _largest_components(k, phi.shape[0] - 1)
    return _conn_rows_u8(pred8, gt8, mask, use_mask, bits, first_empty, phi, indexnet_rule)


@njit(cache=True, nogil=True)
def dtssd_sum(pred, pred_prev, gt, gt_prev):
    """Sum over pixels of ((p_t - p_{t-1}) - (g_t - g_{t-1}))^2, the differences taken in float32."""
    h, w = pred.shape
    total = 0.0
    for y in range(h):
        for x in range(w):
            dp = pred[y, x] - pred_prev[y, x]
            dg = gt[y, x] - gt_prev[y, x]
            d = np.float64(dp) - np.float64(dg)
            total += d * d
    return total
