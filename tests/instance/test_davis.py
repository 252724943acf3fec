"""DAVIS J and F on binarised mattes: hand cases and a loop-based oracle."""

import numpy as np
import pytest

from instref import ref_boundary, ref_f
from vmbench.instance.davis import davis_jf, seg2bmap


def test_j_hand_cases():
    gt = np.zeros((3, 4, 4), np.float32)
    pred = np.zeros_like(gt)
    gt[1, :2, :2] = 1          # frame 1: 4 px vs 2 px overlap
    pred[1, :1, :2] = 0.9
    gt[2, 0, 0] = 1            # frame 2: disjoint
    pred[2, 3, 3] = 1
    j, f = davis_jf(pred, gt)
    assert j.tolist() == [1.0, 2 / 4, 0.0]  # both empty -> 1
    assert f[0] == 1.0


def test_threshold_is_strict():
    gt = np.full((1, 2, 2), 0.5, np.float32)
    pred = np.ones((1, 2, 2), np.float32)
    j, _ = davis_jf(pred, gt)  # gt 0.5 is not > 0.5: empty GT vs full prediction
    assert j[0] == 0.0
    j, _ = davis_jf(pred, gt, threshold=0.4)
    assert j[0] == 1.0


def test_seg2bmap_hand():
    seg = np.zeros((5, 5), bool)
    seg[1:3, 1:3] = True
    b = seg2bmap(seg)
    expected = np.zeros((5, 5), bool)
    # a pixel differs from its E, S or SE neighbour
    expected[0, 0] = True                    # SE neighbour (1,1) is in
    expected[0, 1] = expected[0, 2] = True   # S neighbours in
    expected[1, 0] = expected[2, 0] = True   # E neighbours in
    expected[1, 1] = False                   # E, S, SE all in
    expected[1, 2] = True                    # E (1,3) out
    expected[2, 1] = True                    # S (3,1) out
    expected[2, 2] = True
    assert np.array_equal(b, expected)
    assert np.array_equal(b, ref_boundary(seg))


def test_f_empty_rules():
    gt = np.zeros((1, 10, 10), np.float32)
    gt[0, 2:6, 2:6] = 1
    empty = np.zeros_like(gt)
    assert davis_jf(empty, gt)[1][0] == 0.0  # P = 1, R = 0
    assert davis_jf(gt, empty)[1][0] == 0.0  # P = 0, R = 1
    assert davis_jf(empty, empty)[1][0] == 1.0
    assert davis_jf(gt, gt)[1][0] == 1.0


@pytest.mark.parametrize("seed", range(4))
def test_f_vs_loop_oracle(seed):
    rng = np.random.default_rng(seed)
    H, W = 30, 41  # tolerance ceil(0.008 * 50.9) = 1 px
    gt = np.zeros((1, H, W), np.float32)
    gt[0, 5:20, 8:30] = 1
    pred = np.zeros_like(gt)
    dy, dx = rng.integers(-3, 4, 2)
    pred[0, 5 + dy:20 + dy, 8 + dx:30 + dx] = 1
    pred[0, rng.integers(0, H, 15), rng.integers(0, W, 15)] = 1
    _, f = davis_jf(pred, gt)
    assert f[0] == pytest.approx(ref_f(pred[0] > 0.5, gt[0] > 0.5), rel=1e-12)
    big = np.zeros((1, 140, 200), np.float32)  # tolerance ceil(0.008 * 244.1) = 2 px
    bg = big.copy()
    bg[0, 20:90, 30:150] = 1
    big[0, 22:93, 29:148] = 1
    assert davis_jf(big, bg)[1][0] == pytest.approx(ref_f(big[0] > 0.5, bg[0] > 0.5), rel=1e-12)
