"""Numba kernels for region-restricted metrics: the sums behind TCVOM's mSAD/MSE/SSDA/dtSSD,
FTP-VM's fg/transition/bg split and VideoMaMa's MAD-T, one pass over a frame each.

Alphas are float32 (H, W) in [0, 1] or uint8 read as float32(v) / 255, as the references read
8-bit files. Frame differences are taken in float32 (the references subtract float32 arrays),
products and sums in float64.
"""

from __future__ import annotations

import functools

import numpy as np

from vmbench.jit import njit
from vmbench.metrics._pixel import _alpha  # one u8/float-to-alpha rule for every kernel

__all__ = ["label_sums", "label_dt_sums", "masked_dt_sum", "madt_sums"]



@njit(cache=True, nogil=True)
def label_sums(pred, gt, labels, n_labels, eight_bit):
    """Per label l < n_labels: (sum |p - g|, sum (p - g)^2, count) as three float64 arrays.

    `labels` is a uint8 (H, W) map; pixels whose label is >= n_labels count in no region. The
    difference is float32 (p - g), as ``np.abs(pred - true)`` on float32 arrays.
    """
    h, w = pred.shape
    s_abs = np.zeros(n_labels)
    s_sq = np.zeros(n_labels)
    count = np.zeros(n_labels)
    for y in range(h):
        for x in range(w):
            lab = labels[y, x]
            if lab >= n_labels:
                continue
            d = np.float64(_alpha(pred[y, x], eight_bit) - _alpha(gt[y, x], eight_bit))
            s_abs[lab] += abs(d)
            s_sq[lab] += d * d
            count[lab] += 1.0
    return s_abs, s_sq, count


@njit(cache=True, nogil=True)
def label_dt_sums(pred, gt, prev_pred, prev_gt, labels, prev_labels, n_labels, eight_bit):
    """Per label l: (sum e^2, count) over the pixels labelled l in this frame OR the previous one,
    e = (p_t - p_t-1) - (g_t - g_t-1) with float32 differences (FTP-VM's dtSSD per region)."""
    h, w = pred.shape
    s_sq = np.zeros(n_labels)
    count = np.zeros(n_labels)
    for y in range(h):
        for x in range(w):
            a = labels[y, x]
            b = prev_labels[y, x]
            if a >= n_labels and b >= n_labels:
                continue
            dp = _alpha(pred[y, x], eight_bit) - _alpha(prev_pred[y, x], eight_bit)
            dg = _alpha(gt[y, x], eight_bit) - _alpha(prev_gt[y, x], eight_bit)
            e = np.float64(dp - dg)
            if a < n_labels:
                s_sq[a] += e * e
                count[a] += 1.0
            if b < n_labels and b != a:
                s_sq[b] += e * e
                count[b] += 1.0
    return s_sq, count


@njit(cache=True, nogil=True)
def masked_dt_sum(pred, gt, prev_pred, prev_gt, mask, eight_bit):
    """sum over mask != 0 of ((p_t-1 - p_t) - (g_t-1 - g_t))^2, float32 differences (TCVOM dtSSD)."""
    h, w = pred.shape
    total = 0.0
    for y in range(h):
        for x in range(w):
            if mask[y, x] == 0:
                continue
            dp = _alpha(prev_pred[y, x], eight_bit) - _alpha(pred[y, x], eight_bit)
            dg = _alpha(prev_gt[y, x], eight_bit) - _alpha(gt[y, x], eight_bit)
            e = np.float64(dp - dg)
            total += e * e
    return total


@njit(cache=True, nogil=True)
def _band_sums(pred, gt, low, high, full, eight_bit):
    """(sum |p - g|, count) over pixels whose window minimum is below `full` and maximum above 0."""
    h, w = pred.shape
    acc = np.zeros(w)
    count = 0
    for y in range(h):
        for x in range(w):
            if low[y, x] < full and high[y, x] > 0:
                acc[x] += abs(np.float64(_alpha(pred[y, x], eight_bit) - _alpha(gt[y, x], eight_bit)))
                count += 1
    return acc.sum(), count


@functools.cache
def _madt_ellipse() -> np.ndarray:
    """VideoMaMa's 10x10 MORPH_ELLIPSE, made once."""
    import cv2

    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (10, 10))


def madt_sums(pred: np.ndarray, gt: np.ndarray, eight_bit: bool) -> tuple[float, int]:
    """(sum |p - g|, pixel count) over VideoMaMa's transition region.

    The region: foreground (alpha == 255, or 1.0 for float ground truth) and background (alpha == 0)
    are each eroded with a 10x10 ellipse (OpenCV's MORPH_ELLIPSE, default anchor; pixels outside
    the frame count as inside the set); what neither eroded set covers (paper section 5.2 and
    appendix B). Computed with one erosion and one dilation of the ground truth itself: a pixel is
    outside the eroded foreground when its window's minimum is below full alpha, and outside the
    eroded background when its window's maximum is above 0 (the same windows and borders).
    """
    import cv2  # here, so the kernels above build without OpenCV (vmbench.aot)

    full = 255 if gt.dtype == np.uint8 else 1.0
    ellipse = _madt_ellipse()
    low = cv2.erode(gt, ellipse)
    high = cv2.dilate(gt, ellipse)
    return _band_sums(pred, gt, low, high, full, eight_bit)
