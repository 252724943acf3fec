"""The compositing equations, checked with independent numpy written here."""

import numpy as np
import pytest

from vmbench.synth import generate_clip, merge_sequential


@pytest.fixture(scope="module")
def clip():
    return generate_clip(np.random.default_rng(5), height=48, width=80, frames=4, n_instances=4,
                         style="multi", keep_layers=True)


def test_shapes_and_dtypes(clip):
    n, t, h, w = clip.alphas.shape
    assert (n, t, h, w) == (4, 4, 48, 80)
    assert clip.image.shape == (t, h, w, 3) and clip.image.dtype == np.uint8
    assert clip.fgr.shape == (t, h, w, 3) and clip.fgr.dtype == np.uint8
    assert clip.alphas.dtype == np.float32 and clip.union.dtype == np.float32
    assert len(clip.instances) == 4


def test_composite_is_nested_over(clip):
    """I = a1 F1 + (1-a1)(a2 F2 + (1-a2)(... B)), evaluated back to front here."""
    a = clip.layer_alpha.astype(np.float64)[..., None]
    f = clip.layer_colour.astype(np.float64)
    acc = clip.background.astype(np.float64) / 255.0  # B, stored rounded to 8 bits
    for i in range(a.shape[0] - 1, -1, -1):
        acc = a[i] * f[i] + (1 - a[i]) * acc
    # composite rounding (0.5) + background rounding (<= 0.5 (1-u)) + float error
    assert np.abs(clip.image.astype(np.float64) - 255 * acc).max() <= 1.0 + 1e-3
    assert np.any(clip.union > 0.5)  # there is something to test


def test_visible_alphas_under_occlusion(clip):
    a = clip.layer_alpha.astype(np.float64)
    front = np.ones(a.shape[1:])
    for i in range(a.shape[0]):
        np.testing.assert_allclose(clip.alphas[i], a[i] * front, atol=1e-5)
        front = front * (1 - a[i])
    union = 1 - np.prod(1 - a, axis=0)
    np.testing.assert_allclose(clip.union, union, atol=1e-5)
    total = clip.alphas.astype(np.float64).sum(axis=0)
    assert total.max() <= 1 + 1e-5
    np.testing.assert_allclose(total, clip.union, atol=1e-5)
    # instances really overlap somewhere (occlusion is exercised)
    assert np.any((a > 0.5).sum(axis=0) >= 2)


def test_fgr_is_visible_weighted_colour(clip):
    v = clip.alphas.astype(np.float64)[..., None]
    f = clip.layer_colour.astype(np.float64)
    u = clip.union.astype(np.float64)
    expect = (v * f).sum(axis=0) / np.where(u > 0, u, 1)[..., None]
    sel = u > 1e-3
    assert np.abs(clip.fgr[sel].astype(np.float64) - 255 * expect[sel]).max() <= 0.5 + 1e-3
    assert np.all(clip.fgr[u == 0] == 0)


def test_generate_clip_is_deterministic():
    a = generate_clip(np.random.default_rng(11), height=32, width=48, frames=3)
    b = generate_clip(np.random.default_rng(11), height=32, width=48, frames=3)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.alphas, b.alphas)
    assert a.instances == b.instances
    c = generate_clip(np.random.default_rng(12), height=32, width=48, frames=3)
    assert not np.array_equal(a.image, c.image)


def test_merge_sequential_equations():
    ca = generate_clip(np.random.default_rng(1), height=40, width=64, frames=3, n_instances=2)
    cb = generate_clip(np.random.default_rng(2), height=40, width=64, frames=3, n_instances=2)
    m = merge_sequential(ca, cb)
    ub = cb.union.astype(np.float64)[..., None]
    ua = ca.union.astype(np.float64)[..., None]
    expect = ub * cb.fgr / 255.0 + (1 - ub) * ca.image / 255.0
    assert np.abs(m.image - 255 * expect).max() <= 0.5 + 1e-3
    np.testing.assert_allclose(m.union, 1 - (1 - ua[..., 0]) * (1 - ub[..., 0]), atol=1e-5)
    np.testing.assert_allclose(m.alphas.sum(axis=0), m.union, atol=1e-5)
    np.testing.assert_allclose(m.alphas[:2], cb.alphas, atol=0)
    np.testing.assert_allclose(m.alphas[2:], ca.alphas * (1 - cb.union), atol=1e-6)
    assert [r["id"] for r in m.instances] == ["b1", "b2", "a1", "a2"]
    caps = [c for r in m.instances for c in r["captions"]]
    assert len(caps) == len(set(caps))
    with pytest.raises(ValueError):
        merge_sequential(ca, generate_clip(np.random.default_rng(3), height=40, width=64, frames=2))
