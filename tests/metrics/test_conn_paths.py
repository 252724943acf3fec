"""Conn's two paths (union-find over row runs; one union-find pass over pixels, for fragmented
mattes) against the float64 definition in reference.py, on every content class of the speed
benchmarks, with and without a region mask, under RVM's and IndexNet/MATLAB's rules."""

import numpy as np
import pytest

from tests.metrics import reference as ref
from vmbench.metrics import _conn

RVM_TH = np.arange(0, 1.1, 0.1)
MATLAB_TH = np.array([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
NO_MASK = np.zeros((1, 1), np.uint8)


def content(kind, h, w, seed=0):
    """(pred, gt) uint8 of one content class."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:h, :w]
    soft = np.clip(1.3 - np.hypot((yy - h / 2) / (0.4 * h), (xx - w / 2) / (0.3 * w)), 0, 1)
    gt = np.round(soft * 255).astype(np.uint8)
    if kind == "flat":
        return np.roll(gt, 2, axis=1), gt
    if kind == "diffusion":  # blurred a little, low-level Gaussian noise everywhere
        blur = (soft + np.roll(soft, 1, 0) + np.roll(soft, 1, 1) + np.roll(soft, -1, 0) + np.roll(soft, -1, 1)) / 5
        return np.clip(np.round((blur + rng.normal(0, 1.5 / 255, soft.shape)) * 255), 0, 255).astype(np.uint8), gt
    if kind == "noisy-fg":
        return np.clip(np.round((soft + rng.normal(0, 0.05, soft.shape) * (soft > 0.05)) * 255), 0, 255).astype(np.uint8), gt
    if kind == "ties":  # equal-sized components: the first in label order must win
        gt = np.zeros((h, w), np.uint8)
        gt[2:6, 2:6] = 255
        gt[2:6, w - 6 : w - 2] = 255
        gt[h - 6 : h - 2, 2:6] = 200
        return gt.copy(), gt
    return rng.integers(0, 256, (h, w), dtype=np.uint8), rng.integers(0, 256, (h, w), dtype=np.uint8)


KINDS = ["flat", "diffusion", "noisy-fg", "uniform", "ties"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("shape", [(37, 53), (64, 96), (1, 29), (29, 1)])
def test_both_paths_give_the_definition(kind, shape):
    p8, g8 = content(kind, *shape, seed=shape[0])
    tables = _conn.conn_tables(RVM_TH)
    p, g = (a.astype(np.float32) / np.float32(255) for a in (p8, g8))
    want = ref.conn(p, g) * 1e3
    values = {path: _conn.conn_error(p8, g8, NO_MASK, False, RVM_TH, False, tables, path=path)
              for path in ("runs", "pixels")}
    values["pixels-float"] = _conn.conn_error(p, g, NO_MASK, False, RVM_TH, False, path="pixels")
    assert values["runs"] == values["pixels"] == values["pixels-float"]
    assert values["pixels"] == pytest.approx(want, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("kind", ["uniform", "noisy-fg", "ties"])
def test_pixel_path_under_the_matlab_rules_with_a_region(kind):
    """DIM/IndexNet: column-major label order (the caller transposes), the IndexNet level rule, a mask."""
    p8, g8 = content(kind, 40, 56, seed=3)
    rng = np.random.default_rng(4)
    region = rng.random(p8.shape) < 0.6
    tables = _conn.conn_tables(MATLAB_TH)
    pt, gt_, mt = (np.ascontiguousarray(a.T) for a in (p8, g8, region.astype(np.uint8)))
    got = {path: _conn.conn_error(pt, gt_, mt, True, MATLAB_TH, True, tables, path=path) for path in ("runs", "pixels")}
    p, g = (a.astype(np.float32) / np.float32(255) for a in (p8, g8))
    want = ref.conn(p, g, thresholds=MATLAB_TH, indexnet=True, column_major=True, mask=region) * 1e3
    assert got["runs"] == got["pixels"]
    assert got["pixels"] == pytest.approx(want, rel=1e-12, abs=1e-12)


def test_empty_intersections_and_an_all_zero_frame():
    tables = _conn.conn_tables(RVM_TH)
    zero = np.zeros((9, 11), np.uint8)
    low = np.full((9, 11), 40, np.uint8)  # reaches 0.1 only: every higher intersection is empty
    for p8, g8 in ((zero, zero), (low, zero), (low, low)):
        p, g = (a.astype(np.float32) / np.float32(255) for a in (p8, g8))
        for indexnet in (False, True):
            want = ref.conn(p, g, indexnet=indexnet) * 1e3
            for path in ("runs", "pixels"):
                assert _conn.conn_error(p8, g8, NO_MASK, False, RVM_TH, indexnet, tables, path=path) == pytest.approx(want, abs=1e-12)


def test_auto_picks_the_pixel_path_on_noise_only():
    tables = _conn.conn_tables(RVM_TH)
    rate = {k: _conn._change_rate(*content(k, 64, 96), True, tables[0], RVM_TH, 16) for k in ("flat", "noisy-fg", "uniform")}
    assert rate["flat"] < _conn.DENSE_RATE < rate["uniform"]
    assert rate["noisy-fg"] < _conn.DENSE_RATE
    with pytest.raises(ValueError, match="path must be"):
        _conn.conn_error(*content("flat", 8, 8), NO_MASK, False, RVM_TH, False, tables, path="fast")


@pytest.mark.parametrize("indexnet", [False, True])
@pytest.mark.parametrize("top_case", ["fragmented at 255", "nothing at 255", "one blob at 255"])
def test_the_last_threshold_need_not_be_labelled(top_case, indexnet):
    """8-bit alphas skip omega_10 (phi rows 9 and 10 are all 1): the definition still holds when
    {p = g = 255} is fragmented, empty (IndexNet's first empty threshold is 10) or one blob."""
    th = MATLAB_TH if indexnet else RVM_TH
    tables = _conn.conn_tables(th)
    assert _conn._top_needed(tables[1], True) == 9 and _conn._top_needed(tables[1], False) == 10
    p8, g8 = content("noisy-fg", 48, 64, seed=11)
    if top_case == "nothing at 255":
        p8, g8 = np.minimum(p8, 254), np.minimum(g8, 254)
    elif top_case == "one blob at 255":
        p8, g8 = np.minimum(p8, 254), np.minimum(g8, 254)
        p8[10:20, 10:30] = g8[10:20, 10:30] = 255
    p, g = (a.astype(np.float32) / np.float32(255) for a in (p8, g8))
    want = ref.conn(p, g, thresholds=th, indexnet=indexnet) * 1e3
    runs = _conn.conn_error(p8, g8, NO_MASK, False, th, indexnet, tables, path="runs")
    assert runs == _conn.conn_error(p8, g8, NO_MASK, False, th, indexnet, tables, path="pixels")
    assert runs == pytest.approx(want, rel=1e-12, abs=1e-12)
