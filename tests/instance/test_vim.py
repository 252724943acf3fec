"""VIM RQ/TQ/MQ/VIMQ against hand arithmetic and the independent oracle in instref.py."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st, HealthCheck

from instref import ref_vim
from vmbench.errors import InputError
from vmbench.instance.vim import VimOptions, pair_stats, vim_clip, vim_dataset


def _hand_case():
    # T = 2 frames of 1 x 4 pixels
    g0 = np.array([[[1, 1, 0, 0]], [[1, 1, 0, 0]]], np.float32)
    g1 = np.array([[[0, 0, 1, 1]], [[0, 0, 1, 1]]], np.float32)
    p0 = g1.copy()
    p1 = np.array([[[1, 1, 0, 0]], [[1, 0, 0, 0]]], np.float32)
    p2 = np.zeros_like(g0)
    return np.stack([p0, p1, p2]), np.stack([g0, g1])


def test_hand_case_more_predictions_than_gt():
    pred, gt = _hand_case()
    r = vim_clip(pred, gt)
    # costs: g0-p1 = 0 + 1, g1-p0 = 0 -> pairs (0,1), (1,0); IoUs 0.75 and 1; FP = 3 - 2
    assert sorted(r.pairs) == [(0, 1), (1, 0)]
    assert r.TP == 2 and r.FP == 1 and r.FN == 0
    assert r.RQ == pytest.approx(2 / (2 + 0.5 * 1) * ((0.75 + 1.0) / 2), rel=1e-12)
    assert r.TQ == pytest.approx(1.0)
    # MSE weight 50: frame 1 of (g0, p1) has MSE 1/4 -> score 0
    assert r.MQ == pytest.approx(((1 + 0) / 2 + 1.0) / 2)
    assert r.VIMQ == pytest.approx(0.7 * 1.0 * 0.75)
    r1 = vim_clip(pred, gt, options=VimOptions(weight=1.0))
    assert r1.MQ == pytest.approx(((1 + (1 - 0.25)) / 2 + 1.0) / 2)
    rd = vim_clip(pred, gt, options=VimOptions(error="dtSSD", weight=10.0))
    # derivative error [0,-1,0,0] -> RMS 0.5 -> 5 -> score 0; frame 0 scores 1
    assert rd.MQ == pytest.approx(0.75)


def test_no_predictions_at_all():
    _, gt = _hand_case()
    r = vim_clip(np.zeros((0, *gt.shape[1:]), np.float32), gt)
    assert (r.RQ, r.TQ, r.MQ, r.VIMQ) == (0.0, 0.0, 0.0, 0.0)
    assert r.FN == 2 and r.TP == 0


def test_identity_switch_at_one_frame():
    T = 4
    g = np.zeros((2, T, 2, 4), np.float32)
    g[0, :, :, :2] = 1
    g[1, :, :, 2:] = 1
    p = g.copy()
    p[0, 2], p[1, 2] = g[1, 2], g[0, 2]
    r = vim_clip(p, g)
    assert r.RQ == pytest.approx(1.0 * (3 / 4))  # IoUs 1, 1, 0, 1 for both pairs
    assert r.TQ == pytest.approx(3 / 4)
    assert r.MQ == pytest.approx(3 / 4)  # switched frame: MSE 1 -> score 0


def test_both_empty_frames_count_as_iou_zero_and_rs_zero():
    g = np.zeros((1, 4, 3, 3), np.float32)
    g[0, :2, 1, 1] = 1  # present in frames 0, 1 only
    p = g.copy()
    r = vim_clip(p, g)
    # IoU 1, 1, 0, 0 -> mean 0.5, not > 0.5 -> FP and FN -> RS = 0 and TQ = MQ = 0
    assert r.pair_iou[(0, 0)] == 0.5
    assert (r.RQ, r.TQ, r.MQ) == (0.0, 0.0, 0.0)
    assert r.FP == 1 and r.FN == 1


def test_binarize_zero_paper_setting():
    g = np.zeros((1, 1, 1, 4), np.float32)
    g[0, 0, 0] = [0.2, 0.9, 0, 0]
    p = np.zeros_like(g)
    p[0, 0, 0] = [0.3, 0.4, 0.1, 0]
    # > 0.5: gt {1}, pred {} -> IoU 0; > 0: gt {0,1}, pred {0,1,2} -> 2/3
    assert vim_clip(p, g).RQ == 0.0
    r = vim_clip(p, g, options=VimOptions(paper=True))
    assert r.RQ == pytest.approx(2 / 3)
    assert VimOptions(paper=True, error="dtSSD").effective_weight == 10.0
    assert VimOptions(paper=True).effective_weight == 50.0


def test_ties_match_oracle():
    g = np.zeros((2, 3, 2, 2), np.float32)
    g[:, :, 0, 0] = 1  # two identical GT instances
    p = np.concatenate([g, g[:1]])
    r = vim_clip(p, g)
    rs, ts, ms, pairs, tp = ref_vim(p, g)
    assert sorted(r.pairs) == sorted(pairs)
    assert (r.RQ, r.TQ, r.MQ) == pytest.approx((rs, ts, ms), rel=1e-12)


def test_dataset_vimq_is_product_of_means():
    class C:  # stand-in clips
        def __init__(self, rq, tq, mq):
            self.RQ, self.TQ, self.MQ = rq, tq, mq
    d = vim_dataset([C(1.0, 0.5, 0.2), C(0.5, 1.0, 0.8)])
    assert d["VIMQ"] == pytest.approx(0.75 * 0.75 * 0.5)
    assert d["VIMQ"] != pytest.approx((1.0 * 0.5 * 0.2 + 0.5 * 1.0 * 0.8) / 2)


def test_pair_stats_counts():
    rng = np.random.default_rng(1)
    g = rng.random((2, 3, 5, 7)).astype(np.float32)
    p = rng.random((3, 3, 5, 7)).astype(np.float32)
    s = pair_stats(p, g, binarize=0.5)
    for t in range(3):
        for i in range(2):
            for j in range(3):
                a, b = g[i, t] > 0.5, p[j, t] > 0.5
                assert s.inter[t, i, j] == np.sum(a & b)
                assert s.union[t, i, j] == np.sum(a | b)
                d = g[i, t].astype(np.float64) - p[j, t]
                assert s.l1[t, i, j] == pytest.approx(np.abs(d).sum(), rel=1e-12)
                assert s.sq[t, i, j] == pytest.approx((d * d).sum(), rel=1e-12)


def test_no_gt_instances_is_an_error():
    with pytest.raises(InputError):
        vim_clip(np.zeros((1, 1, 2, 2), np.float32), np.zeros((0, 1, 2, 2), np.float32))


quarter = st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0])


@st.composite
def clips(draw):
    n = draw(st.integers(1, 3))
    m = draw(st.integers(0, 4))
    T = draw(st.integers(1, 4))
    h, w = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    vals = draw(st.lists(quarter, min_size=(n + m) * T * h * w, max_size=(n + m) * T * h * w))
    a = np.array(vals, np.float32).reshape(n + m, T, h, w)
    return a[n:], a[:n]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clips(), st.sampled_from(["MSE", "MAD", "dtSSD"]), st.sampled_from([0.5, 0.0]), st.sampled_from([1.0, 10.0, 50.0]))
def test_random_clips_match_oracle(clip, error, binarize, weight):
    pred, gt = clip
    r = vim_clip(pred, gt, options=VimOptions(error=error, binarize=binarize, weight=weight))
    rs, ts, ms, pairs, tp = ref_vim(pred, gt, bin_thr=binarize, weight=weight, error=error)
    assert sorted(r.pairs) == sorted(pairs)
    assert sorted(r.tp) == sorted(tp)
    assert r.RQ == pytest.approx(rs, rel=1e-12, abs=1e-15)
    assert r.TQ == pytest.approx(ts, rel=1e-12, abs=1e-15)
    assert r.MQ == pytest.approx(ms, rel=1e-12, abs=1e-15)


def test_8bit_clip_matches_oracle_to_1e6():
    rng = np.random.default_rng(7)
    gt = np.zeros((3, 6, 24, 32), np.float32)
    for i in range(3):
        gt[i, :, 4 + 6 * i: 10 + 6 * i, 3:20] = 1
    noise = rng.integers(0, 12, gt.shape) / np.float32(255)
    pred = np.clip(gt[[2, 0, 1]] + noise.astype(np.float32) - np.float32(0.02), 0, 1).astype(np.float32)
    pred = (np.rint(pred * 255) / np.float32(255)).astype(np.float32)
    for error, w in (("MSE", 50.0), ("MAD", 50.0), ("dtSSD", 10.0)):
        r = vim_clip(pred, gt, options=VimOptions(error=error, weight=w))
        rs, ts, ms, _, _ = ref_vim(pred, gt, weight=w, error=error)
        assert 0 < ms < 1 and rs > 0
        assert (r.RQ, r.TQ, r.MQ) == pytest.approx((rs, ts, ms), rel=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.integers(1, 4), st.integers(2, 5))
def test_invariant_to_instance_order(seed, n, m, T):
    """Renaming / reordering instances changes nothing (continuous values: no cost ties)."""
    rng = np.random.default_rng(seed)
    gt = rng.random((n, T, 5, 6)).astype(np.float32)
    pred = np.clip(gt[rng.integers(0, n, m)] + rng.normal(0, 0.2, (m, T, 5, 6)), 0, 1).astype(np.float32)
    a = vim_clip(pred, gt, options=VimOptions(weight=5.0))
    b = vim_clip(pred[rng.permutation(m)], gt[rng.permutation(n)], options=VimOptions(weight=5.0))
    assert (a.RQ, a.TQ, a.MQ) == pytest.approx((b.RQ, b.TQ, b.MQ), rel=1e-12)
    same = vim_clip(gt, gt)  # a perfect prediction: every pair matches itself
    assert sorted(same.pairs) == [(i, i) for i in range(n)]
    if same.RQ > 0:
        assert (same.TQ, same.MQ) == (1.0, 1.0)
