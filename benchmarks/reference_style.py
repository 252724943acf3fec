"""The metric definitions implemented the way the reference scripts compute them (whole-array
float32 NumPy and OpenCV calls, one frame at a time), written here from the definitions in
shared/metrics-reference.md. Only the speed baseline for benchmarks; not used by vmbench."""

from __future__ import annotations

import math

import cv2
import numpy as np


def mad(pred, true):
    return np.abs(pred - true).mean() * 1e3


def mse(pred, true):
    return ((pred - true) ** 2).mean() * 1e3


def _kernels(sigma=1.4):
    half = math.ceil(sigma * math.sqrt(-2 * math.log(math.sqrt(2 * math.pi) * sigma * 1e-2)))
    x = np.arange(-half, half + 1, dtype=np.float64)
    g = np.exp(-(x**2) / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))
    kx = np.outer(g, -x * g / sigma**2)
    kx /= np.sqrt((kx**2).sum())
    return kx.astype(np.float32), kx.T.astype(np.float32).copy()


KX, KY = _kernels()


def grad(pred, true, *, minmax=True):
    def magnitude(img):
        if minmax:
            img = cv2.normalize(img, None, 1.0, 0.0, cv2.NORM_MINMAX)
        gx = cv2.filter2D(img, -1, KX, borderType=cv2.BORDER_REPLICATE)
        gy = cv2.filter2D(img, -1, KY, borderType=cv2.BORDER_REPLICATE)
        return np.sqrt(gx**2 + gy**2)

    return ((magnitude(true) - magnitude(pred)) ** 2).sum() / 1000


def conn(pred, true):
    th = np.arange(0, 1.1, 0.1)
    level = np.full(pred.shape, -1, dtype=np.float32)
    for i in range(1, len(th)):
        inter = ((true >= th[i]) & (pred >= th[i])).astype(np.uint8)
        _, labels, stats, _ = cv2.connectedComponentsWithStats(inter, connectivity=4)
        omega = np.zeros(pred.shape, np.uint8)
        if len(stats) > 1:
            omega[labels == np.argmax(stats[1:, -1]) + 1] = 1
        level[(level == -1) & (omega == 0)] = th[i - 1]
    level[level == -1] = 1
    dt, dp = true - level, pred - level
    return np.abs((1 - dt * (dt >= 0.15)) - (1 - dp * (dp >= 0.15))).sum() / 1000


def dtssd(pred, pred_prev, true, true_prev):
    d = ((pred - pred_prev) - (true - true_prev)) ** 2
    return np.sqrt(d.sum() / true.size) * 1e2


def evaluate_tree(pred_root, gt_root):
    """The reference-style sequential loop: read both PNGs, compute the rvm set, frame by frame."""
    import os

    rows = []
    for dataset in sorted(d for d in os.listdir(pred_root) if os.path.isdir(os.path.join(pred_root, d))):
        for clip in sorted(os.listdir(os.path.join(pred_root, dataset))):
            prev = None
            for name in sorted(os.listdir(os.path.join(pred_root, dataset, clip, "pha"))):
                p = cv2.imread(os.path.join(pred_root, dataset, clip, "pha", name), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
                g = cv2.imread(os.path.join(gt_root, dataset, clip, "pha", name), cv2.IMREAD_GRAYSCALE).astype(np.float32) / 255
                row = [mad(p, g), mse(p, g), grad(p, g), conn(p, g), 0.0 if prev is None else dtssd(p, prev[0], g, prev[1])]
                rows.append(row)
                prev = (p, g)
    return rows


if __name__ == "__main__":  # python -m benchmarks.reference_style PRED_ROOT GT_ROOT: the loop as a script
    import sys

    print(len(evaluate_tree(sys.argv[1], sys.argv[2])), "frames")
