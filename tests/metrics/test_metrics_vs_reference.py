"""Each metric kernel against the independent float64 versions in reference.py."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays
from scipy import ndimage

from tests.metrics import reference as ref
from vmbench.protocols import score_clip

REL = 1e-6


def u8(a):
    return (np.clip(np.round(a * 255), 0, 255)).astype(np.uint8)


def as_f32(a8):
    return a8.astype(np.float32) / np.float32(255)


def random_clip(rng, t, h, w, kind):
    if kind == "noise":
        return rng.integers(0, 256, (t, h, w), dtype=np.uint8)
    base = ndimage.gaussian_filter(rng.random((t, h, w)), (0, 3, 3))
    base = (base - base.min()) / (np.ptp(base) + 1e-9)
    return u8(np.clip(base * 3 - 1, 0, 1))  # big 0 and 1 regions with soft edges


@pytest.mark.parametrize("kind", ["noise", "structured"])
@pytest.mark.parametrize("protocol", ["rvm", "rvm-hr"])
def test_rvm_metrics_match_reference(kind, protocol):
    rng = np.random.default_rng(1)
    gt = random_clip(rng, 4, 37, 53, kind)
    pred = random_clip(rng, 4, 37, 53, kind)
    got = score_clip(pred, gt, protocol=protocol, metrics=["MAD", "MSE", "SAD", "Grad", "Conn", "dtSSD"])
    p, g = as_f32(pred), as_f32(gt)
    for t in range(4):
        assert got["MAD"][t] == pytest.approx(ref.mad(p[t], g[t]), rel=REL)
        assert got["MSE"][t] == pytest.approx(ref.mse(p[t], g[t]), rel=REL)
        assert got["SAD"][t] == pytest.approx(np.abs(p[t].astype(np.float64) - g[t]).sum() / 1e3, rel=REL)
        assert got["Grad"][t] == pytest.approx(ref.grad(p[t], g[t], normalise=protocol == "rvm"), rel=REL)
        assert got["Conn"][t] == pytest.approx(ref.conn(p[t], g[t]), rel=REL)
        expected_dt = 0.0 if t == 0 else ref.dtssd(p[t], p[t - 1], g[t], g[t - 1])
        assert got["dtSSD"][t] == pytest.approx(expected_dt, rel=REL, abs=1e-12)


@pytest.mark.parametrize("kind", ["noise", "structured"])
def test_dim_metrics_match_reference(kind):
    rng = np.random.default_rng(2)
    gt = random_clip(rng, 3, 29, 41, kind)
    pred = random_clip(rng, 3, 29, 41, kind)
    tri = rng.choice(np.array([0, 128, 255], np.uint8), size=gt.shape, p=[0.3, 0.4, 0.3])
    got = score_clip(pred, gt, protocol="dim", trimaps=tri)
    p, g = as_f32(pred), as_f32(gt)
    matlab_th = np.array([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    for t in range(3):
        unknown = tri[t] == 128
        d = p[t].astype(np.float64) - g[t]
        assert got["SAD"][t] == pytest.approx(np.abs(d)[unknown].sum() / 1000, rel=REL)
        assert got["MSE"][t] == pytest.approx((d[unknown] ** 2).mean(), rel=REL)
        # mat2gray works on the uint8 values
        assert got["Grad"][t] == pytest.approx(ref.grad(pred[t], gt[t], mask=unknown), rel=REL)
        expected = ref.conn(p[t], g[t], thresholds=matlab_th, indexnet=True, column_major=True, mask=unknown)
        assert got["Conn"][t] == pytest.approx(expected, rel=REL, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 3),
    arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=st.sampled_from([0, 0, 255, 255, 17, 128, 200, 254])),
    st.integers(0, 2**31 - 1),
)
def test_hypothesis_conn_and_grad(t, gt_frame, seed):
    rng = np.random.default_rng(seed)
    gt = np.repeat(gt_frame[None], t, axis=0)
    noise = rng.integers(-60, 61, size=gt.shape)
    pred = np.clip(gt.astype(int) + noise * (rng.random(gt.shape) < 0.5), 0, 255).astype(np.uint8)
    got = score_clip(pred, gt, protocol="rvm")
    p, g = as_f32(pred), as_f32(gt)
    for i in range(t):
        assert got["Conn"][i] == pytest.approx(ref.conn(p[i], g[i]), rel=REL, abs=1e-12)
        assert got["Grad"][i] == pytest.approx(ref.grad(p[i], g[i]), rel=REL, abs=1e-15)
    self_score = score_clip(gt, gt, protocol="rvm")
    assert all(np.all(v == 0) for v in self_score.values())
    assert all(np.all(v >= 0) for v in got.values())


def test_dtssd_unchanged_by_constant_offset():
    rng = np.random.default_rng(3)
    gt = rng.integers(0, 200, (5, 16, 16)).astype(np.uint8)
    pred = rng.integers(0, 200, (5, 16, 16)).astype(np.uint8)
    a = score_clip(pred, gt, metrics=["dtSSD"])["dtSSD"]
    b = score_clip(pred + 40, gt, metrics=["dtSSD"])["dtSSD"]
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("protocol", ["rvm", "dim"])
def test_eight_bit_conn_tables_equal_the_float_path_exactly(protocol):
    rng = np.random.default_rng(11)
    gt = random_clip(rng, 3, 31, 45, "structured")
    pred = random_clip(rng, 3, 31, 45, "noise")
    pred[1] = 0  # an empty intersection
    tri = np.full(gt.shape, 128, np.uint8)
    from_u8 = score_clip(pred, gt, protocol=protocol, metrics=["Conn"], trimaps=tri)["Conn"]
    from_float = score_clip(as_f32(pred), as_f32(gt), protocol=protocol, metrics=["Conn"], trimaps=tri)["Conn"]
    np.testing.assert_array_equal(from_u8, from_float)
