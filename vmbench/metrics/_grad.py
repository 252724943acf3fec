"""Numba kernel for the gradient error: sum over a region of (|grad g| - |grad p|)^2.

|grad| is the magnitude of the correlation with the 9x9 gradient-of-Gaussian kernel (sigma 1.4)
and its transpose, borders replicated: the definition RVM and the DIM code use. The kernel is
separable, so each image is filtered a row at a time: a horizontal pass per source row into a
ring of 9 rows, then a vertical pass per output row, fused with the magnitudes and the squared
difference. All in float64 and in cache; no full-size temporary is made.

Where an image's 9x9 window is constant its gradient is exactly 0, so each image is filtered only
over the columns that a change in it (along x, or from the row above) within 4 rows and 4
columns can reach, and a pixel flat in both adds nothing. Mattes are mostly flat, and a noisy
prediction over a flat ground truth (a diffusion-like background) costs only the prediction's
half; the result is the same to the last bit.
"""

from __future__ import annotations

import math

import numpy as np
from vmbench.jit import njit

__all__ = ["grad_error", "alpha_values_u8", "RADIUS"]

RADIUS = 4  # the half-size of the 9x9 kernel for sigma 1.4 (the only one the references use)
_NONE = 1 << 30  # an empty column interval is [_NONE, -_NONE]


def alpha_values_u8() -> np.ndarray:
    """float64 of float32(v) / float32(255) for v in 0..255: how the references read 8-bit alphas."""
    return (np.arange(256, dtype=np.float32) / np.float32(255)).astype(np.float64)


@njit(cache=True, nogil=True)
def _scan(img, lut, use_lut, span):
    """One pass over an image: its min and max value, and per row the columns where it changes.

    span[y] is widened to hold every x with img[y, x] != img[y, x - 1] or img[y, x] != img[y - 1, x].
    """
    h, w = img.shape
    lo_v = img[0, 0]
    hi_v = img[0, 0]
    for y in range(h):
        row = img[y]
        above = img[max(y - 1, 0)]
        first = _NONE
        last = -_NONE
        lo_v = min(lo_v, row[0])
        hi_v = max(hi_v, row[0])
        if row[0] != above[0]:
            first = 0
            last = 0
        for x in range(1, w):  # integer min/max reductions: this loop vectorises
            v = row[x]
            lo_v = min(lo_v, v)
            hi_v = max(hi_v, v)
            changed = (v != above[x]) | (v != row[x - 1])
            first = min(first, x if changed else _NONE)
            last = max(last, x if changed else -_NONE)
        span[y, 0] = min(span[y, 0], first)
        span[y, 1] = max(span[y, 1], last)
    lo = lut[np.intp(lo_v)] if use_lut else np.float64(lo_v)
    hi = lut[np.intp(hi_v)] if use_lut else np.float64(hi_v)
    return lo, hi


@njit(cache=True, nogil=True)
def _window_union(span, h, w, pad):
    """out[y] = the union of span[y - RADIUS .. y + RADIUS], widened by `pad` and clipped to the row."""
    out = np.empty((h, 2), dtype=np.int64)
    for y in range(h):
        lo = _NONE
        hi = -_NONE
        for r in range(max(y - RADIUS, 0), min(y + RADIUS + 1, h)):
            lo = min(lo, span[r, 0])
            hi = max(hi, span[r, 1])
        out[y, 0] = max(lo - pad, 0)
        out[y, 1] = min(hi + pad, w - 1)
    return out


@njit(cache=True, nogil=True, inline="always")
def _horizontal(img, sy, lut, use_lut, g, d, buf, a_row, b_row, x0, x1):
    """Source row sy over columns x0..x1: a = row (*) d (derivative), b = row (*) g (Gaussian).

    g, d: the 9 taps (g even, d odd with d[4] = 0), written out so that each output is computed
    in registers in one vectorised sweep. buf[j] holds the pixel at column x0 - 4 + j.
    """
    w = img.shape[1]
    src = img[sy]
    n = x1 - x0 + 1
    for j in range(n + 8):  # the columns x0-4 .. x1+4, replicated past the edges
        sx = min(max(x0 - 4 + j, 0), w - 1)
        buf[j] = lut[np.intp(src[sx])] if use_lut else np.float64(src[sx])
    g0, g1, g2, g3, g4 = g[4], g[5], g[6], g[7], g[8]
    d1, d2, d3, d4 = d[5], d[6], d[7], d[8]
    a_out = a_row[x0 : x1 + 1]
    b_out = b_row[x0 : x1 + 1]
    for x in range(n):
        a_out[x] = d1 * (buf[x + 5] - buf[x + 3]) + d2 * (buf[x + 6] - buf[x + 2]) + d3 * (buf[x + 7] - buf[x + 1]) + d4 * (buf[x + 8] - buf[x])
        b_out[x] = (
            g0 * buf[x + 4]
            + g1 * (buf[x + 5] + buf[x + 3])
            + g2 * (buf[x + 6] + buf[x + 2])
            + g3 * (buf[x + 7] + buf[x + 1])
            + g4 * (buf[x + 8] + buf[x])
        )


@njit(cache=True, nogil=True, inline="always")
def _vertical(a, b, y, h, g, d, scale, mag, x0, x1):
    """Output row y over columns x0..x1: gx = a (*) g and gy = b (*) d along y (rows clamped:
    replicated border); mag[x - x0] = scale * sqrt(gx^2 + gy^2)."""
    ring = a.shape[0]
    g0, g1, g2, g3, g4 = g[4], g[5], g[6], g[7], g[8]
    d1, d2, d3, d4 = d[5], d[6], d[7], d[8]
    e = x1 + 1
    a0 = a[y % ring, x0:e]
    u1, u2, u3, u4 = min(y + 1, h - 1) % ring, min(y + 2, h - 1) % ring, min(y + 3, h - 1) % ring, min(y + 4, h - 1) % ring
    d1_, d2_, d3_, d4_ = max(y - 1, 0) % ring, max(y - 2, 0) % ring, max(y - 3, 0) % ring, max(y - 4, 0) % ring
    au1, au2, au3, au4 = a[u1, x0:e], a[u2, x0:e], a[u3, x0:e], a[u4, x0:e]
    ad1, ad2, ad3, ad4 = a[d1_, x0:e], a[d2_, x0:e], a[d3_, x0:e], a[d4_, x0:e]
    bu1, bu2, bu3, bu4 = b[u1, x0:e], b[u2, x0:e], b[u3, x0:e], b[u4, x0:e]
    bd1, bd2, bd3, bd4 = b[d1_, x0:e], b[d2_, x0:e], b[d3_, x0:e], b[d4_, x0:e]
    for x in range(e - x0):
        gx = g0 * a0[x] + g1 * (au1[x] + ad1[x]) + g2 * (au2[x] + ad2[x]) + g3 * (au3[x] + ad3[x]) + g4 * (au4[x] + ad4[x])
        gy = d1 * (bu1[x] - bd1[x]) + d2 * (bu2[x] - bd2[x]) + d3 * (bu3[x] - bd3[x]) + d4 * (bu4[x] - bd4[x])
        mag[x] = scale * math.sqrt(gx * gx + gy * gy)


@njit(cache=True, nogil=True, inline="always")
def _magnitudes(a, b, y, h, g, d, scale, mag, x0, x1, s0, s1):
    """mag[x - x0] for x in x0..x1: the image's |grad| over s0..s1 (where its window is not flat),
    exactly 0 elsewhere."""
    lo = max(s0, x0)
    hi = min(s1, x1)
    if lo > hi:
        mag[: x1 - x0 + 1] = 0.0
        return
    mag[: lo - x0] = 0.0
    mag[hi - x0 + 1 : x1 - x0 + 1] = 0.0
    _vertical(a, b, y, h, g, d, scale, mag[lo - x0 :], lo, hi)


@njit(cache=True, nogil=True)
def grad_error(pred, gt, mask, use_mask, lut, use_lut, g, d, minmax, single):
    """Sum over the region of (|grad g| - |grad p|)^2 (the caller applies /1000).

    pred, gt: (H, W) C-contiguous float32 alphas, or uint8 read through `lut` (`alpha_values_u8`)
    when `use_lut`. g, d: the Gaussian and derivative taps (`gaussian_gradient_kernel`). `minmax`
    scales each image to [0, 1] first (RVM-LR, DIM's mat2gray; a constant image has no gradient);
    `single` rounds the magnitudes to float32 before subtracting (DIM).
    """
    h, w = pred.shape
    r = RADIUS
    span_p = np.empty((h, 2), dtype=np.int64)
    span_p[:, 0] = _NONE
    span_p[:, 1] = -_NONE
    span_g = span_p.copy()
    lo_p, hi_p = _scan(pred, lut, use_lut, span_p)
    lo_g, hi_g = _scan(gt, lut, use_lut, span_g)
    scale_p = 1.0
    scale_g = 1.0
    if minmax:  # the gradient of (x - lo) / (hi - lo) is grad(x) / (hi - lo)
        scale_p = 1.0 / (hi_p - lo_p) if hi_p > lo_p else 0.0
        scale_g = 1.0 / (hi_g - lo_g) if hi_g > lo_g else 0.0
    # per image, output row y: the columns where its gradient can be nonzero; source row y: the
    # columns those output rows read. An image is filtered only there (elsewhere its gradient is 0).
    active_p = _window_union(span_p, h, w, r)
    active_g = _window_union(span_g, h, w, r)
    needed_p = _window_union(active_p, h, w, 0)
    needed_g = _window_union(active_g, h, w, 0)
    ring = 2 * r + 1
    buf = np.empty(w + 2 * r)
    ap = np.zeros((ring, w))
    bp = np.zeros((ring, w))
    ag = np.zeros((ring, w))
    bg = np.zeros((ring, w))
    mp = np.empty(w)
    mg = np.empty(w)
    acc = np.zeros(w)
    for sy in range(min(r, h)):  # the rows below the first output row
        if needed_p[sy, 0] <= needed_p[sy, 1]:
            _horizontal(pred, sy, lut, use_lut, g, d, buf, ap[sy % ring], bp[sy % ring], needed_p[sy, 0], needed_p[sy, 1])
        if needed_g[sy, 0] <= needed_g[sy, 1]:
            _horizontal(gt, sy, lut, use_lut, g, d, buf, ag[sy % ring], bg[sy % ring], needed_g[sy, 0], needed_g[sy, 1])
    for y in range(h):
        sy = y + r
        if sy < h:
            if needed_p[sy, 0] <= needed_p[sy, 1]:
                _horizontal(pred, sy, lut, use_lut, g, d, buf, ap[sy % ring], bp[sy % ring], needed_p[sy, 0], needed_p[sy, 1])
            if needed_g[sy, 0] <= needed_g[sy, 1]:
                _horizontal(gt, sy, lut, use_lut, g, d, buf, ag[sy % ring], bg[sy % ring], needed_g[sy, 0], needed_g[sy, 1])
        x0 = min(active_p[y, 0], active_g[y, 0])
        x1 = max(active_p[y, 1], active_g[y, 1])
        if x0 > x1:
            continue
        _magnitudes(ap, bp, y, h, g, d, scale_p, mp, x0, x1, active_p[y, 0], active_p[y, 1])
        _magnitudes(ag, bg, y, h, g, d, scale_g, mg, x0, x1, active_g[y, 0], active_g[y, 1])
        out = acc[x0 : x1 + 1]
        if use_mask or single:
            for x in range(x1 - x0 + 1):
                if single:  # the DIM code subtracts single(|grad|) values
                    e = np.float64(np.float32(mg[x])) - np.float64(np.float32(mp[x]))
                else:
                    e = mg[x] - mp[x]
                if use_mask and mask[y, x0 + x] == 0:
                    e = 0.0
                out[x] += e * e
        else:
            for x in range(x1 - x0 + 1):
                e = mg[x] - mp[x]
                out[x] += e * e
    return acc.sum()
