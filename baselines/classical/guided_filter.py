"""The guided filter (He, Sun & Tang, ECCV 2010 / TPAMI 2013), written here with box means.

Used by the mask-based baselines to snap a coarse mask to the colour edges of the frame. The
output is a locally linear function of the guide: ``q = mean(a) * I + mean(b)`` where, in each
``(2r+1) x (2r+1)`` window, ``a = cov(I, p) / (var(I) + eps)`` and ``b = mean(p) - a * mean(I)``.
Box means at the image border average only the pixels inside the image (the paper's ``N``).
The colour case inverts the symmetric 3x3 matrix per pixel by cofactors.
With a colour guide ``a`` is a 3-vector: ``a = (Sigma + eps * U)^-1 cov(I, p)`` (Eq. 14 of the
paper). Small ``eps`` follows edges closely; large ``eps`` smooths more.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["box_mean", "guided_filter"]


def box_mean(x: np.ndarray, radius: int) -> np.ndarray:
    """Mean of `x` (H, W[, C]) over the (2r+1)^2 window, clipped at the border; float64.

    Window sums by ``cv2.boxFilter`` (zero padding, unnormalised) divided by the number of
    pixels of the window inside the image: O(H W) whatever the radius.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    r = int(radius)
    if r < 0:
        raise ValueError("radius must be >= 0")
    h, w = x.shape[:2]
    k = (2 * r + 1, 2 * r + 1)
    sums = cv2.boxFilter(x, -1, k, normalize=False, borderType=cv2.BORDER_CONSTANT)
    nh = np.minimum(np.arange(h) + r + 1, h) - np.maximum(np.arange(h) - r, 0)
    nw = np.minimum(np.arange(w) + r + 1, w) - np.maximum(np.arange(w) - r, 0)
    count = np.outer(nh, nw).astype(np.float64)
    return sums / (count[..., None] if x.ndim == 3 else count)


def guided_filter(guide: np.ndarray, src: np.ndarray, *, radius: int, eps: float) -> np.ndarray:
    """Filter `src` (H, W) with `guide` (H, W) gray or (H, W, 3) colour, both in [0, 1].

    Returns float64 (H, W) (not clipped: callers clip to [0, 1] for alphas).
    """
    guide = np.asarray(guide, dtype=np.float64)
    p = np.asarray(src, dtype=np.float64)
    if guide.shape[:2] != p.shape:
        raise ValueError(f"guide {guide.shape[:2]} and src {p.shape} differ in size")
    if guide.ndim == 2:
        m = box_mean(np.stack([guide, p, guide * p, guide * guide], axis=-1), radius)
        mean_i, mean_p = m[..., 0], m[..., 1]
        a = (m[..., 2] - mean_i * mean_p) / (m[..., 3] - mean_i * mean_i + eps)
        b = mean_p - a * mean_i
        ab = box_mean(np.stack([a, b], axis=-1), radius)
        return ab[..., 0] * guide + ab[..., 1]
    if guide.ndim != 3 or guide.shape[2] != 3:
        raise ValueError(f"guide must be (H, W) or (H, W, 3), got {guide.shape}")
    r_, g_, b_ = guide[..., 0], guide[..., 1], guide[..., 2]
    stack = np.stack([r_, g_, b_, p, r_ * p, g_ * p, b_ * p,
                      r_ * r_, r_ * g_, r_ * b_, g_ * g_, g_ * b_, b_ * b_], axis=-1)
    m = box_mean(stack, radius)
    mean_i, mean_p = m[..., 0:3], m[..., 3]
    cov = m[..., 4:7] - mean_i * mean_p[..., None]
    mr, mg, mb = mean_i[..., 0], mean_i[..., 1], mean_i[..., 2]
    # symmetric Sigma + eps U, inverted by cofactors
    srr = m[..., 7] - mr * mr + eps
    srg = m[..., 8] - mr * mg
    srb = m[..., 9] - mr * mb
    sgg = m[..., 10] - mg * mg + eps
    sgb = m[..., 11] - mg * mb
    sbb = m[..., 12] - mb * mb + eps
    irr = sgg * sbb - sgb * sgb
    irg = srb * sgb - srg * sbb
    irb = srg * sgb - srb * sgg
    igg = srr * sbb - srb * srb
    igb = srb * srg - srr * sgb
    ibb = srr * sgg - srg * srg
    det = srr * irr + srg * irg + srb * irb
    cr, cg, cb = cov[..., 0], cov[..., 1], cov[..., 2]
    a_r = (irr * cr + irg * cg + irb * cb) / det
    a_g = (irg * cr + igg * cg + igb * cb) / det
    a_b = (irb * cr + igb * cg + ibb * cb) / det
    b = mean_p - a_r * mr - a_g * mg - a_b * mb
    mab = box_mean(np.stack([a_r, a_g, a_b, b], axis=-1), radius)
    return mab[..., 0] * r_ + mab[..., 1] * g_ + mab[..., 2] * b_ + mab[..., 3]
