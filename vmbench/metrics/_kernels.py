"""The gradient-of-Gaussian taps every Grad uses, and MaGGIe's zero-border gradient magnitude.

The per-frame metric kernels live beside this module: `_pixel` (MAD, MSE, SAD, dtSSD sums),
`_grad` (Grad) and `_conn` (Conn).
"""

from __future__ import annotations

import math

import numpy as np
from vmbench.jit import njit

__all__ = ["gradient_magnitude", "gaussian_gradient_kernel"]


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
