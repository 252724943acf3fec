"""Independent float64 implementations of the protocols' metrics, written with plain NumPy/SciPy
from the definitions in docs/metrics.md and the reference scripts' text (no vmbench code), for the
tests to compare with."""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

#: OpenCV's MORPH_ELLIPSE 10x10 structuring element (anchor at row 5, column 5), written out
ELLIPSE_10 = np.array([
    [0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
    [0, 0, 1, 1, 1, 1, 1, 1, 1, 0],
    [0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    *[[1] * 10] * 5,
    [0, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    [0, 0, 1, 1, 1, 1, 1, 1, 1, 0],
], dtype=bool)


def f32(u8):
    return np.asarray(u8).astype(np.float32) / np.float32(255)


def madt(p8, g8):
    """VideoMaMa MAD-T: fg (255) and bg (0) eroded by the 10x10 ellipse, the rest; mean |p-g| x1e3, 0 if empty."""
    fg = ndimage.binary_erosion(g8 == 255, structure=ELLIPSE_10, border_value=1)
    bg = ndimage.binary_erosion(g8 == 0, structure=ELLIPSE_10, border_value=1)
    region = ~(fg | bg)
    if not region.any():
        return 0.0
    return float(np.mean(np.abs(f32(p8).astype(np.float64) - f32(g8))[region]) * 1e3)


def bilinear_zero(img, x, y):
    """Bilinear sample of float64 img at float (x, y) arrays, out-of-image corners contributing 0."""
    h, w = img.shape
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    out = np.zeros(x.shape)
    for dx in (0, 1):
        for dy in (0, 1):
            xi, yi = x0 + dx, y0 + dy
            wgt = (1 - np.abs(x - xi)) * (1 - np.abs(y - yi))
            ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            out[ok] += img[yi[ok], xi[ok]] * wgt[ok]
    return out


def tcvom_frame(p8, g8, tri):
    """TCVOM's per-frame mSAD, MSE, SSDA over 0 < trimap < 255 (NaN means where the region is empty)."""
    m = (tri > 0) & (tri < 255)
    d = f32(p8).astype(np.float64) - f32(g8)
    n = m.sum()
    return {"mSAD": np.abs(d[m]).mean() if n else math.nan, "MSE": (d[m] ** 2).mean() if n else math.nan,
            "SSDA": math.sqrt((d[m] ** 2).sum())}


def tcvom_pair(p0, g0, tri0, p1, g1, flow, valid):
    """TCVOM's temporal values of the pair (frame 0 = current, frame 1 = next, flow 0 -> 1)."""
    a0, b0, a1, b1 = (f32(x).astype(np.float64) for x in (p0, g0, p1, g1))
    m = (tri0 > 0) & (tri0 < 255)
    dt = ((a0 - a1) - (b0 - b1))[m]
    h, w = a0.shape
    yy, xx = np.mgrid[:h, :w].astype(np.float64)
    xs, ys = xx + flow[..., 0], yy + flow[..., 1]
    e0 = a0 - b0
    e1 = bilinear_zero(a1, xs, ys) - bilinear_zero(b1, xs, ys)
    mv = m & (valid != 0)
    return {"dtSSD": math.sqrt((dt ** 2).sum()), "MESSDdt": np.abs(e0 ** 2 - e1 ** 2)[mv].sum(),
            "MESSDdt_fix": np.abs(e0 - e1)[mv].sum()}


def ftpvm_regions(tri):
    fg, bg = tri >= 254, tri <= 1
    return {"fg": fg, "tran": ~(fg | bg), "bg": bg}


def rms_dt(p, pp, g, gp, sel=None):
    e = ((f32(p).astype(np.float64) - f32(pp)) - (f32(g).astype(np.float64) - f32(gp))) ** 2
    if sel is not None:
        e = e[sel]
    return math.sqrt(e.sum() / e.size) * 1e2 if e.size else 0.0


def davis_stats(v):
    """davis2017's mean, recall, decay of one sequence, written from its definition."""
    v = np.asarray(v, dtype=np.float64)
    n = len(v)
    edges = [int(round(1 + k * (n - 1) / 4 + 1e-10)) - 1 for k in range(5)]
    edges = [e % 256 for e in edges]  # stored as uint8; "+ 1" wraps too (NumPy 2's uint8 arithmetic)
    first = v[edges[0]:(edges[1] + 1) % 256]
    last = v[edges[3]:(edges[4] + 1) % 256]
    decay = (first.mean() if first.size else math.nan) - (last.mean() if last.size else math.nan)
    return v.mean(), (v > 0.5).mean(), decay
