"""The maggie protocol against a plain scipy/numpy oracle written from metrics-reference section 4."""

import cv2
import numpy as np
import pytest
from scipy import ndimage

from instref import gauss_kernel_x, ref_conn_rvm, ref_transition
from vmbench.instance.maggie import (
    clamp_prediction,
    maggie_clip,
    maggie_pool,
    maggie_trimap,
    maggie_windows,
    transition_region,
)

ELLIPSE = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25))  # the footprint MaGGIe uses


def test_windows_by_hand():
    # clip length 3, overlap 2: call 0 scores frame 0; then frame 1 with pair (0,1); the last call
    # scores frames 2..4 with pairs (1,2), (2,3), (3,4) under one sqrt.
    assert maggie_windows(5) == [([0], []), ([1], [(0, 1)]), ([2, 3, 4], [(1, 2), (2, 3), (3, 4)])]
    assert maggie_windows(3) == [([0, 1, 2], [])]
    assert [f for c in maggie_windows(30) for f in c[0]] == list(range(30))


def test_clamp():
    p = np.array([0, 1, 2, 253, 254, 255], np.float32) / np.float32(255)
    out = clamp_prediction(p)
    assert out.tolist() == [0.0, 0.0, np.float32(2 / 255), np.float32(253 / 255), 1.0, 1.0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_transition_region_vs_scipy(seed):
    rng = np.random.default_rng(seed)
    g = np.zeros((60, 70), np.float32)
    g[10:40, 5:50] = 1
    g[rng.integers(0, 60, 30), rng.integers(0, 70, 30)] = rng.integers(1, 255, 30) / np.float32(255)
    g[:, -3:] = 0.5  # touching the border
    expected = ref_transition(g, ELLIPSE > 0)
    assert np.array_equal(transition_region(g), expected)
    tri = maggie_trimap(g)
    assert np.array_equal(tri == 1, expected)
    assert np.array_equal(tri == 2, (g > 0.5) & ~expected)


def _oracle(pred, gt, calls):
    """Pooled MaGGIe numbers for one clip, from the definitions (float64, scipy)."""
    pred = pred.copy()
    pred[pred <= np.float32(1 / 255)] = 0
    pred[pred >= np.float32(254 / 255)] = 1
    N, T, H, W = gt.shape
    kx = gauss_kernel_x()
    ky = kx.T
    score = {k: 0.0 for k in ("MAD", "MAD_unk", "MSE", "SAD", "Grad", "Conn", "dtSSD")}
    count = {k: 0 for k in score}
    for frames, pairs in calls:
        maps = [(i, t) for i in range(N) for t in frames]
        P = np.stack([pred[i, t] for i, t in maps]).astype(np.float64)
        G = np.stack([gt[i, t] for i, t in maps]).astype(np.float64)
        Pn = (P - P.min()) / (P.max() - P.min() + 1e-6)
        Gn = (G - G.min()) / (G.max() - G.min() + 1e-6)
        for k in range(len(maps)):
            p, g = P[k], G[k]
            trans = ref_transition(g, ELLIPSE > 0)
            score["MAD"] += np.mean(np.abs(p - g)) / (H * W + 1e-6) * 1e10
            score["MSE"] += np.mean((p - g) ** 2) / (H * W + 1e-6) * 1e10
            score["SAD"] += np.sum(np.abs(p - g)) * 1e-3
            score["MAD_unk"] += np.mean(np.abs(p - g) * trans) / (trans.sum() + 1e-6) * 1e10
            def grad(x):
                return np.sqrt(ndimage.correlate(x, kx, mode="constant") ** 2 + ndimage.correlate(x, ky, mode="constant") ** 2)
            score["Grad"] += np.sum((grad(Gn[k]) - grad(Pn[k])) ** 2) * 1e-3
            score["Conn"] += ref_conn_rvm(pred[maps[k]], gt[maps[k]]) * 1e-3
            for key in ("MAD", "MAD_unk", "MSE", "SAD", "Grad", "Conn"):
                count[key] += 1
        if pairs:
            for i in range(N):
                s = 0.0
                for a, b in pairs:
                    d = (pred[i, b].astype(np.float64) - pred[i, a]) - (gt[i, b].astype(np.float64) - gt[i, a])
                    s += np.sum(d * d)
                score["dtSSD"] += np.sqrt(s) * 0.1
                count["dtSSD"] += 1
    return {k: score[k] / (count[k] + 1e-6) for k in score}


def _clip(seed, N=2, T=5, H=40, W=48):
    rng = np.random.default_rng(seed)
    gt = np.zeros((N, T, H, W), np.float32)
    for i in range(N):
        for t in range(T):
            gt[i, t, 5 + 10 * i: 15 + 10 * i, 2 + 3 * t: 30 + 3 * t] = 1
            gt[i, t, 4 + 10 * i, 2 + 3 * t: 30 + 3 * t] = 0.4
    gt[0, :, :, :2] = 0.8  # alpha touching the left border (zero padding matters)
    pred = np.clip(gt + rng.integers(-20, 21, gt.shape) / np.float32(255), 0, 1).astype(np.float32)
    pred = (np.rint(pred * 255) / np.float32(255)).astype(np.float32)
    return pred, gt


@pytest.mark.parametrize("seed", [0, 1])
def test_maggie_clip_vs_oracle(seed):
    pred, gt = _clip(seed)
    calls = [([0], []), ([1], [(0, 1)]), ([2, 3, 4], [(1, 2), (2, 3), (3, 4)])]
    expected = _oracle(pred, gt, calls)
    got = maggie_clip(pred, gt, metrics=list(expected))
    for k, v in expected.items():
        assert maggie_pool([got[k]]) == pytest.approx(v, rel=1e-6), k
    # per-map values: dtSSD only at a window's last frame
    assert np.isnan(got["dtSSD"][:, 0]).all() and not np.isnan(got["dtSSD"][:, 1]).any()
    assert np.isnan(got["dtSSD"][:, 2:4]).all() and not np.isnan(got["dtSSD"][:, 4]).any()


def test_maggie_units_by_hand():
    gt = np.zeros((1, 1, 4, 5), np.float32)
    pred = gt.copy()
    pred[0, 0, 0, 0] = 0.5
    got = maggie_clip(pred, gt, metrics=["MAD", "MSE", "SAD"])
    assert got["MAD"][0, 0] == pytest.approx(0.5 / 20 / (20 + 1e-6) * 1e10)
    assert got["MSE"][0, 0] == pytest.approx(0.25 / 20 / (20 + 1e-6) * 1e10)
    assert got["SAD"][0, 0] == pytest.approx(0.5e-3)
    assert maggie_pool([got["MAD"]]) == pytest.approx(0.5 / 20 / (20 + 1e-6) * 1e10 / (1 + 1e-6))
