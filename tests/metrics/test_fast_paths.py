"""The shortcuts the kernels take, each against the float64 definitions in reference.py.

Grad computes only the columns a change can reach (flat 9x9 windows give exactly 0); Conn skips
8-pixel words in which both images agree and reads 8-bit alphas through tables; the pixel sums
read 8-bit alphas directly. These cases put changes next to the borders, in single pixels, on
odd widths and next to word boundaries, where such shortcuts go wrong.
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from tests.metrics import reference as ref
from vmbench.protocols import ClipScorer, get_protocol, score_clip

REL = 1e-6
MATLAB_TH = np.array([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])


def as_f32(a8):
    return a8.astype(np.float32) / np.float32(255)


def expected(pred8, gt8, protocol, tri=None):
    """Per frame {metric: value} from the float64 definitions."""
    p, g = as_f32(pred8), as_f32(gt8)
    rows = []
    for t in range(p.shape[0]):
        if protocol == "dim":
            unknown = tri[t] == 128
            rows.append({
                "Grad": ref.grad(pred8[t], gt8[t], mask=unknown),
                "Conn": ref.conn(p[t], g[t], thresholds=MATLAB_TH, indexnet=True, column_major=True, mask=unknown),
            })
        else:
            rows.append({
                "MAD": ref.mad(p[t], g[t]),
                "MSE": ref.mse(p[t], g[t]),
                "Grad": ref.grad(p[t], g[t], normalise=protocol == "rvm"),
                "Conn": ref.conn(p[t], g[t]),
                "dtSSD": 0.0 if t == 0 else ref.dtssd(p[t], p[t - 1], g[t], g[t - 1]),
            })
    return rows


def check(pred8, gt8, protocol, tri=None):
    metrics = ["Grad", "Conn"] if protocol == "dim" else ["MAD", "MSE", "Grad", "Conn", "dtSSD"]
    from_u8 = score_clip(pred8, gt8, protocol=protocol, metrics=metrics, trimaps=tri)
    from_float = score_clip(as_f32(pred8), as_f32(gt8), protocol=protocol, metrics=metrics, trimaps=tri)
    for m in metrics:  # the 8-bit path reads the same float32 values, so it gives the same bits
        np.testing.assert_array_equal(from_u8[m], from_float[m], err_msg=m)
    for t, want in enumerate(expected(pred8, gt8, protocol, tri)):
        for m, value in want.items():
            assert from_u8[m][t] == pytest.approx(value, rel=REL, abs=1e-12), (m, t)


def sparse_pair(rng, t, h, w, dots):
    """A flat ground truth with a few soft dots (some on the border) and a prediction that equals
    it except near some of them."""
    gt = np.zeros((t, h, w), np.uint8)
    for k in range(t):
        for _ in range(dots):
            y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
            gt[k, max(y - 1, 0) : y + 2, max(x - 1, 0) : x + 2] = rng.integers(1, 256)
    gt[:, 0, 0] = 255  # a corner
    gt[:, -1, -1] = 200  # the other corner
    pred = gt.copy()
    changed = rng.random(gt.shape) < 0.02
    pred[changed] = rng.integers(0, 256, int(changed.sum()))
    return pred, gt


@pytest.mark.parametrize("protocol", ["rvm", "rvm-hr", "dim"])
@pytest.mark.parametrize("shape", [(23, 203), (40, 64), (9, 9), (1, 17), (17, 1), (12, 8)])
def test_sparse_frames(protocol, shape):
    rng = np.random.default_rng(hash(shape) % 2**32)
    pred, gt = sparse_pair(rng, 3, *shape, dots=4)
    tri = np.where(rng.random(gt.shape) < 0.7, 128, 0).astype(np.uint8)
    check(pred, gt, protocol, tri)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 30),
    st.integers(1, 40),
    st.lists(st.tuples(st.integers(0, 29), st.integers(0, 39), st.integers(0, 255)), min_size=0, max_size=6),
    st.lists(st.tuples(st.integers(0, 29), st.integers(0, 39), st.integers(0, 255)), min_size=0, max_size=6),
    st.sampled_from([0, 255]),
)
def test_hypothesis_single_pixel_changes(h, w, gt_pixels, pred_pixels, background):
    """A flat frame with a few pixels set: every change is near nothing else, so each must be
    found by the column intervals of Grad and by Conn's word skipping."""
    gt = np.full((2, h, w), background, np.uint8)
    for y, x, v in gt_pixels:
        gt[:, y % h, x % w] = v
    pred = gt.copy()
    for y, x, v in pred_pixels:
        pred[1, y % h, x % w] = v
    check(pred, gt, "rvm")
    check(pred, gt, "rvm-hr")


def test_identical_frames_score_zero_on_every_path():
    rng = np.random.default_rng(5)
    _, gt = sparse_pair(rng, 2, 31, 77, dots=6)
    for frames in (gt, as_f32(gt)):
        got = score_clip(frames, frames, protocol="rvm")
        assert all(np.all(v == 0) for v in got.values())


def test_a_float_frame_after_an_eight_bit_frame():
    """dtSSD pairs a frame with the one before, whichever way each was given."""
    rng = np.random.default_rng(6)
    pred, gt = sparse_pair(rng, 2, 20, 30, dots=5)
    scorer = ClipScorer(get_protocol("rvm"), ("MAD", "dtSSD"))
    scorer.add(pred[0], gt[0])
    second = scorer.add(as_f32(pred[1]), as_f32(gt[1]))
    p, g = as_f32(pred), as_f32(gt)
    assert second["dtSSD"] == pytest.approx(ref.dtssd(p[1], p[0], g[1], g[0]), rel=REL)
    assert second["MAD"] == pytest.approx(ref.mad(p[1], g[1]), rel=REL)
