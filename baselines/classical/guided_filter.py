"""The guided filter (He, Sun & Tang, ECCV 2010 / TPAMI 2013), written here with box means.

Used by the mask-based baselines to snap a coarse mask to the colour edges of the frame. The
output is a locally linear function of the guide: ``q = mean(a) * I + mean(b)`` where, in each
``(2r+1) x (2r+1)`` window, ``a = cov(I, p) / (var(I) + eps)`` and ``b = mean(p) - a * mean(I)``.
Box means at the image border average only the pixels inside the image (the paper's ``N``).
With a colour guide ``a`` is a 3-vector: ``a = (Sigma + eps * U)^-1 cov(I, p)`` (Eq. 14 of the
paper). Small ``eps`` follows edges closely; large ``eps`` smooths more.
"""

from __future__ import annotations

import numpy as np

__all__ = ["box_mean", "guided_filter"]


def box_mean(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean of `x` (H, W[, C]) over the (2r+1)^2 window, clipped at the border; float64.

    Computed with cumulative sums: O(H W) whatever the radius.
    """
    x = np.asarray(x, dtype=np.float64)
    h, w = x.shape[:2]
    r = int(radius)
    if r < 0:
        raise ValueError("radius must be >= 0")

    def _axis(a: np.ndarray, axis: int, n: int) -> np.ndarray:
        c = np.cumsum(a, axis=axis)
        zero_shape = list(a.shape)
        zero_shape[axis] = 1
        c = np.concatenate([np.zeros(zero_shape), c], axis=axis)  # c[k] = sum a[:k]
        idx = np.arange(n)
        hi = np.minimum(idx + r + 1, n)
        lo = np.maximum(idx - r, 0)
        return np.take(c, hi, axis=axis) - np.take(c, lo, axis=axis)

    s = _axis(_axis(x, 0, h), 1, w)
    idx_h, idx_w = np.arange(h), np.arange(w)
    nh = np.minimum(idx_h + r + 1, h) - np.maximum(idx_h - r, 0)
    nw = np.minimum(idx_w + r + 1, w) - np.maximum(idx_w - r, 0)
    count = np.outer(nh, nw).astype(np.float64)
    return s / (count[..., None] if x.ndim == 3 else count)


def guided_filter(guide: np.ndarray, src: np.ndarray, *, radius: int, eps: float) -> np.ndarray:
    """Filter `src` (H, W) with `guide` (H, W) gray or (H, W, 3) colour, both in [0, 1].

    Returns float64 (H, W) (not clipped: callers clip to [0, 1] for alphas).
    """
    guide = np.asarray(guide, dtype=np.float64)
    p = np.asarray(src, dtype=np.float64)
    if guide.shape[:2] != p.shape:
        raise ValueError(f"guide {guide.shape[:2]} and src {p.shape} differ in size")
    mean_p = box_mean(p, radius)
    if guide.ndim == 2:
        mean_i = box_mean(guide, radius)
        cov_ip = box_mean(guide * p, radius) - mean_i * mean_p
        var_i = box_mean(guide * guide, radius) - mean_i * mean_i
        a = cov_ip / (var_i + eps)
        b = mean_p - a * mean_i
        return box_mean(a, radius) * guide + box_mean(b, radius)
    if guide.ndim != 3 or guide.shape[2] != 3:
        raise ValueError(f"guide must be (H, W) or (H, W, 3), got {guide.shape}")
    mean_i = box_mean(guide, radius)  # (H, W, 3)
    cov_ip = box_mean(guide * p[..., None], radius) - mean_i * mean_p[..., None]
    outer = guide[..., :, None] * guide[..., None, :]  # (H, W, 3, 3)
    sigma = box_mean(outer.reshape(*p.shape, 9), radius).reshape(*p.shape, 3, 3)
    sigma -= mean_i[..., :, None] * mean_i[..., None, :]
    sigma += eps * np.eye(3)
    a = np.linalg.solve(sigma, cov_ip[..., None])[..., 0]  # (H, W, 3)
    b = mean_p - np.einsum("hwc,hwc->hw", a, mean_i)
    return np.einsum("hwc,hwc->hw", box_mean(a, radius), guide) + box_mean(b, radius)
