"""DAVIS J/F statistics with the davis first/last rule, and MaGGIe's MESSDdt, against
independent implementations and hand-worked values."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from tests.protocols import independent as ind
from vmbench.instance.davis import davis_frames, davis_statistics, davis_summary
from vmbench.instance.maggie import maggie_clip, maggie_pool, maggie_windows


def test_davis_statistics_hand_worked():
    # 8 frames: edges round(linspace(1, 8, 5)) - 1 = [0, 2, 4, 5, 7] -> bins [0:3] and [5:8]
    v = np.array([1.0, 0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2])
    mean, recall, decay = davis_statistics(v)
    assert mean == pytest.approx(v.mean())
    assert recall == pytest.approx(5 / 8)
    assert decay == pytest.approx(0.9 - 0.3)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 17, 100, 255, 256, 257, 298, 400])
def test_davis_statistics_match_independent(n):
    v = np.random.default_rng(n).random(n)
    got = davis_statistics(v)
    want = ind.davis_stats(v)
    for a, b in zip(got, want):
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b)


def test_davis_rule_drops_first_and_last_frame():
    v = np.array([0.0, 1.0, 1.0, 0.0])
    assert davis_frames(v, "davis").tolist() == [1.0, 1.0]
    assert davis_frames(v, "all").tolist() == v.tolist()
    s = davis_summary([v], [v], "davis")
    assert s["J"] == 1.0 and s["F"] == 1.0 and s["J&F"] == 1.0
    assert davis_summary([v], [v], "all")["J&F"] == 0.5
    with pytest.raises(Exception, match="frame rule"):
        davis_frames(v, "middle")


def _maggie_messddt_independent(P, G):
    """MESSDdt per (instance, window end) written from the description in docs/metrics.md."""
    N, T, H, W = G.shape
    out = np.full((N, T), np.nan)
    Pc = P.copy()
    Pc[Pc <= np.float32(1 / 255)] = 0
    Pc[Pc >= np.float32(254 / 255)] = 1
    for frames, pairs in maggie_windows(T):
        if not pairs:
            continue
        for i in range(N):
            src = pairs[0][1]
            total = 0.0
            for a, b in pairs:
                flow = cv2.calcOpticalFlowFarneback((G[i, a] * 255).astype(np.uint8), (G[i, b] * 255).astype(np.uint8),
                                                    None, 0.5, 5, 10, 2, 7, 1.5, cv2.OPTFLOW_FARNEBACK_GAUSSIAN)
                flow = np.rint(flow).astype(int)
                yy, xx = np.mgrid[:H, :W]
                rows = np.clip(xx + flow[..., 0], 0, H - 1)  # MaGGIe's swapped coordinates
                cols = np.clip(yy + flow[..., 1], 0, W - 1)
                e0 = Pc[i, a].astype(np.float64) - G[i, a]
                e1 = Pc[i, src][rows, cols].astype(np.float64) - G[i, src][rows, cols]
                total += np.abs(e0 ** 2 - e1 ** 2).sum()
            out[i, frames[-1]] = total / (len(pairs) * (H * W + 1)) * 1e4
    return out


def test_maggie_messddt_matches_independent():
    rng = np.random.default_rng(0)
    N, T, H, W = 2, 6, 30, 44
    G = np.zeros((N, T, H, W), np.float32)
    for i in range(N):
        for t in range(T):
            G[i, t, 5 + 10 * i: 15 + 10 * i, 4 + 3 * t: 24 + 3 * t] = 1
            G[i, t, 4 + 10 * i, 4 + 3 * t: 24 + 3 * t] = 0.5
    P = np.clip(G + rng.integers(-30, 31, G.shape) / np.float32(255), 0, 1).astype(np.float32)
    got = maggie_clip(P, G, metrics=["MESSDdt"])["MESSDdt"]
    want = _maggie_messddt_independent(P, G)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=1e-6)
    assert maggie_pool([got]) == pytest.approx(np.nanmean(want) * np.sum(~np.isnan(want)) / (np.sum(~np.isnan(want)) + 1e-6))


def test_maggie_messddt_static_gt_hand_worked():
    """Identical ground-truth frames have zero Farneback flow: MESSDdt = sum |e0^2 - e1^2| / (HW + 1) * 1e4."""
    G = np.zeros((1, 2, 8, 8), np.float32)
    G[0, :, 2:6, 2:6] = 1
    P = G.copy()
    P[0, 1, 2:6, 2:6] = np.float32(0.5)  # 16 pixels with error 0.5 on frame 1 only
    # a 2-frame clip is one call without pairs in MaGGIe's windows: no MESSDdt at all
    assert np.isnan(maggie_clip(P, G, metrics=["MESSDdt"])["MESSDdt"]).all()
    G4 = np.repeat(G[:, :1], 4, axis=1)
    P4 = G4.copy()
    P4[0, 1, 2:6, 2:6] = np.float32(0.5)
    out = maggie_clip(P4, G4, metrics=["MESSDdt"])["MESSDdt"][0]
    # windows of T=4: [0] alone; [1..3] with pairs (0,1), (1,2), (2,3), every pair sampling frame 1
    e_sq = 16 * 0.25
    want = (abs(0 - e_sq) + abs(e_sq - e_sq) + abs(0 - e_sq)) / (3 * 65) * 1e4
    assert out[3] == pytest.approx(want, rel=1e-6)
