"""Independent float64 implementations of the matting metrics, written from the definitions in
shared/metrics-reference.md with plain NumPy/SciPy (no vmbench code), for the tests to compare with."""

import math

import numpy as np
from scipy import ndimage

RVM_TH = np.arange(0, 1.1, 0.1)
CROSS = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]])


def mad(p, g):
    return np.mean(np.abs(p.astype(np.float64) - g)) * 1e3


def mse(p, g):
    return np.mean((p.astype(np.float64) - g) ** 2) * 1e3


def gauss_grad_kernel(sigma=1.4):
    eps = 1e-2
    half = math.ceil(sigma * math.sqrt(-2 * math.log(math.sqrt(2 * math.pi) * sigma * eps)))
    size = 2 * half + 1
    kx = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            u, v = i - half, j - half
            gu = math.exp(-u * u / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))
            gv = math.exp(-v * v / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))
            kx[i, j] = gu * (-v * gv / sigma**2)
    return kx / np.sqrt(np.sum(kx**2))


def grad_magnitude(img, kx):
    img = img.astype(np.float64)
    gx = ndimage.correlate(img, kx, mode="nearest")
    gy = ndimage.correlate(img, kx.T, mode="nearest")
    return np.sqrt(gx**2 + gy**2)


def minmax(img):
    img = img.astype(np.float64)
    lo, hi = img.min(), img.max()
    return (img - lo) / (hi - lo) if hi > lo else np.zeros_like(img)


def grad(p, g, *, normalise=True, mask=None):
    kx = gauss_grad_kernel()
    if normalise:
        p, g = minmax(p), minmax(g)
    d = (grad_magnitude(g, kx) - grad_magnitude(p, kx)) ** 2
    if mask is not None:
        d = d[mask]
    return d.sum() / 1e3


def largest_component(binary, *, column_major=False):
    labels, n = ndimage.label(binary, structure=CROSS)
    if n == 0:
        return None
    sizes = np.bincount(labels.ravel())[1:]
    candidates = np.flatnonzero(sizes == sizes.max()) + 1
    if len(candidates) == 1:
        return labels == candidates[0]
    h, w = binary.shape
    ys, xs = np.mgrid[:h, :w]
    order = xs * h + ys if column_major else ys * w + xs
    firsts = [order[labels == c].min() for c in candidates]
    return labels == candidates[int(np.argmin(firsts))]


def conn(p, g, *, thresholds=RVM_TH, indexnet=False, column_major=False, mask=None):
    p = p.astype(np.float32)
    g = g.astype(np.float32)
    l = np.full(p.shape, -1.0, dtype=np.float32)
    for i in range(1, len(thresholds)):
        inter = (g.astype(np.float64) >= thresholds[i]) & (p.astype(np.float64) >= thresholds[i])
        omega = largest_component(inter, column_major=column_major)
        if omega is None:
            if indexnet:
                continue
            omega = np.zeros(p.shape, bool)
        l[(l == -1) & ~omega] = thresholds[i - 1]
    l[l == -1] = 1
    dg = g - l
    dp = p - l
    phig = 1 - dg * (dg >= np.float32(0.15))
    phip = 1 - dp * (dp >= np.float32(0.15))
    err = np.abs(phig.astype(np.float64) - phip)
    if mask is not None:
        err = err[mask]
    return err.sum() / 1e3


def dtssd(p, p_prev, g, g_prev):
    d = (p.astype(np.float64) - p_prev) - (g.astype(np.float64) - g_prev)
    return math.sqrt(np.mean(d**2)) * 1e2
