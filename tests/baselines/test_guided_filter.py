"""The guided filter against a naive implementation written here from the paper's equations."""

import numpy as np
import pytest

from baselines.classical.guided_filter import box_mean, guided_filter


def naive_box_mean(x, r):
    h, w = x.shape[:2]
    out = np.zeros(x.shape, dtype=np.float64)
    for i in range(h):
        for j in range(w):
            win = x[max(i - r, 0):min(i + r + 1, h), max(j - r, 0):min(j + r + 1, w)]
            out[i, j] = win.reshape(-1, *x.shape[2:]).mean(axis=0)
    return out


def naive_guided_gray(I, p, r, eps):
    h, w = p.shape
    a = np.zeros((h, w))
    b = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            wi = I[max(i - r, 0):i + r + 1, max(j - r, 0):j + r + 1].ravel()
            wp = p[max(i - r, 0):i + r + 1, max(j - r, 0):j + r + 1].ravel()
            cov = np.mean(wi * wp) - wi.mean() * wp.mean()
            a[i, j] = cov / (np.var(wi) + eps)
            b[i, j] = wp.mean() - a[i, j] * wi.mean()
    return naive_box_mean(a, r) * I + naive_box_mean(b, r)


def naive_guided_colour(I, p, r, eps):
    h, w = p.shape
    a = np.zeros((h, w, 3))
    b = np.zeros((h, w))
    for i in range(h):
        for j in range(w):
            wi = I[max(i - r, 0):i + r + 1, max(j - r, 0):j + r + 1].reshape(-1, 3)
            wp = p[max(i - r, 0):i + r + 1, max(j - r, 0):j + r + 1].ravel()
            mu = wi.mean(axis=0)
            sigma = (wi - mu).T @ (wi - mu) / len(wi)
            cov = (wi * wp[:, None]).mean(axis=0) - mu * wp.mean()
            a[i, j] = np.linalg.inv(sigma + eps * np.eye(3)) @ cov
            b[i, j] = wp.mean() - a[i, j] @ mu
    return np.einsum("hwc,hwc->hw", naive_box_mean(a, r), I) + naive_box_mean(b, r)


@pytest.mark.parametrize("r", [0, 1, 3, 20])
def test_box_mean_matches_loops(r):
    rng = np.random.default_rng(r)
    x = rng.random((9, 13))
    np.testing.assert_allclose(box_mean(x, r), naive_box_mean(x, r), rtol=1e-10, atol=1e-12)
    x3 = rng.random((9, 13, 3))
    np.testing.assert_allclose(box_mean(x3, r), naive_box_mean(x3, r), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("r,eps", [(1, 1e-2), (2, 1e-3), (4, 1e-1)])
def test_gray_guided_filter_matches_naive(r, eps):
    rng = np.random.default_rng(7)
    I, p = rng.random((12, 15)), rng.random((12, 15))
    np.testing.assert_allclose(guided_filter(I, p, radius=r, eps=eps), naive_guided_gray(I, p, r, eps),
                               rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("r,eps", [(1, 1e-2), (2, 1e-3)])
def test_colour_guided_filter_matches_naive(r, eps):
    rng = np.random.default_rng(11)
    I, p = rng.random((10, 14, 3)), rng.random((10, 14))
    np.testing.assert_allclose(guided_filter(I, p, radius=r, eps=eps), naive_guided_colour(I, p, r, eps),
                               rtol=1e-7, atol=1e-8)


def test_constant_guide_gives_box_mean_and_edges_are_kept():
    # with a constant guide, var(I) = 0 so a = 0 and q = mean(mean(p)) (two box means)
    rng = np.random.default_rng(3)
    p = rng.random((8, 8))
    q = guided_filter(np.full((8, 8), 0.5), p, radius=1, eps=1e-2)
    np.testing.assert_allclose(q, naive_box_mean(naive_box_mean(p, 1), 1), atol=1e-12)
    # a step guide with the same step as input, tiny eps: output ~ input
    step = np.zeros((8, 8))
    step[:, 4:] = 1.0
    np.testing.assert_allclose(guided_filter(step, step, radius=2, eps=1e-6), step, atol=1e-4)
