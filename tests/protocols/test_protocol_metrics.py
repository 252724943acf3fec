"""The new protocols' per-frame values against independent NumPy/SciPy implementations
(tests/protocols/independent.py) and hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.protocols import independent as ind
from vmbench.metrics.flow import read_flow_png
from vmbench.protocols import PROTOCOLS, ftpvm_index_span, get_protocol, score_clip, tcvom_dropped_clip


def _clip(seed, t=5, h=31, w=45):
    rng = np.random.default_rng(seed)
    g = np.clip(rng.normal(128, 110, (t, h, w)), 0, 255).astype(np.uint8)
    g[:, :8] = 255
    g[:, -6:] = 0
    p = np.clip(g.astype(int) + rng.integers(-40, 41, g.shape), 0, 255).astype(np.uint8)
    tri = np.where(g == 255, 255, np.where(g == 0, 0, 128)).astype(np.uint8)
    return p, g, tri


def test_registry_names_and_units():
    for name in ("crgnn", "tcvom", "ftpvm", "videomama"):
        proto = get_protocol(name)
        assert set(proto.default_metrics) <= set(proto.available_metrics)
        assert all(m in proto.units for m in proto.available_metrics), name


# --- MAD-T (VideoMaMa) ---------------------------------------------------------------------------

def test_madt_hand_worked_band():
    """Left half 255, right half 0: fg loses 4 columns, bg 5 (the 10x10 ellipse's anchor), so the
    transition region is columns 16..24; an error of 51/255 there gives MAD-T 200."""
    g = np.zeros((1, 40, 40), np.uint8)
    g[:, :, :20] = 255
    p = g.copy()
    p[:, :, 16:25] = np.where(g[:, :, 16:25] == 255, 204, 51)
    out = score_clip(p, g, protocol="videomama", metrics=["MAD-T", "MAD"])
    assert out["MAD-T"][0] == pytest.approx(51 / 255 * 1e3, rel=1e-6)
    assert out["MAD"][0] == pytest.approx(51 / 255 * 9 / 40 * 1e3, rel=1e-6)


def test_madt_matches_independent_and_empty_region_is_zero():
    p, g, _ = _clip(1)
    g[2] = 255  # no transition region at all
    out = score_clip(p, g, protocol="videomama")
    for t in range(len(g)):
        assert out["MAD-T"][t] == pytest.approx(ind.madt(p[t], g[t]), rel=1e-9, abs=1e-12)
    assert out["MAD-T"][2] == 0.0


# --- TCVOM ------------------------------------------------------------------------------------------

def _flows(t, h, w, seed=3):
    rng = np.random.default_rng(seed)
    out = [None]
    for _ in range(1, t):
        flow = np.round(rng.uniform(-6, 6, (h, w, 2)) * 100).astype(np.int16).astype(np.float32) / np.float32(100)
        valid = (rng.random((h, w)) > 0.2).astype(np.uint8)
        out.append((flow, valid))
    return out


def test_tcvom_per_frame_matches_independent():
    p, g, tri = _clip(2)
    tri[1, 10:14] = 200  # any value strictly between 0 and 255 is unknown
    flows = _flows(len(g), *g.shape[1:])
    out = score_clip(p, g, protocol="tcvom", trimaps=tri, flows=flows)
    for t in range(len(g)):
        want = ind.tcvom_frame(p[t], g[t], tri[t])
        for m, v in want.items():
            assert out[m][t] == pytest.approx(v, rel=2e-6), (m, t)
        if t == 0:
            assert out["dtSSD"][0] == out["MESSDdt"][0] == out["MESSDdt_fix"][0] == 0.0
            continue
        pair = ind.tcvom_pair(p[t - 1], g[t - 1], tri[t - 1], p[t], g[t], *flows[t])
        for m, v in pair.items():
            assert out[m][t] == pytest.approx(v, rel=2e-6), (m, t)


def test_tcvom_integer_flow_is_an_exact_shift():
    """Flow +1 in x everywhere: the warped next error at x is the next frame's error at x+1; the
    last column samples outside (zeros)."""
    g = np.zeros((2, 4, 6), np.uint8)
    g[1] = 255
    p = np.zeros_like(g)  # error 0 on frame 0, -1 everywhere on frame 1
    tri = np.full_like(g, 128)
    flow = np.zeros((4, 6, 2), np.float32)
    flow[..., 0] = 1
    out = score_clip(p, g, protocol="tcvom", trimaps=tri, flows=[None, (flow, np.ones((4, 6), np.uint8))],
                     metrics=["MESSDdt", "MESSDdt_fix"])
    # frame 0 error 0; warped error -1 at columns 0..4 (sampled from x+1 <= 5), 0 at column 5
    assert out["MESSDdt_fix"][1] == pytest.approx(4 * 5)
    assert out["MESSDdt"][1] == pytest.approx(4 * 5)


def test_flow_png_decoding(tmp_path):
    import cv2

    raw = np.zeros((3, 4, 3), np.uint16)
    raw[..., 0] = np.array([-150, 0, 250, -1], np.int16).view(np.uint16)
    raw[..., 1] = np.int16(-32768).view(np.uint16)
    raw[1, 1, 2] = 0
    raw[..., 2] = 1
    raw[0, 0, 2] = 0
    cv2.imwrite(str(tmp_path / "f.png"), raw)
    flow, valid = read_flow_png(tmp_path / "f.png")
    assert flow[0, :, 0].tolist() == pytest.approx([-1.5, 0.0, 2.5, -0.01])
    assert flow[0, 0, 1] == pytest.approx(-327.68)
    assert valid[0, 0] == 0 and valid[1, 1] == 1


def test_tcvom_pooling_drops_the_last_clip_in_sorted_order():
    assert tcvom_dropped_clip(["", "", ""], ["b", "a10", "a2"]) == 0  # "b" sorts last
    assert tcvom_dropped_clip(["x", "y"], ["z", "a"]) == 1
    assert tcvom_dropped_clip([""], ["only"]) is None  # the script divides by zero; vmbench keeps the clip


# --- FTP-VM -----------------------------------------------------------------------------------------

def test_ftpvm_regions_match_independent():
    from tests.metrics import reference as rvm_ref

    p, g, _ = _clip(4, t=3)
    tri = np.where(g >= 250, 255, np.where(g <= 3, 0, 128)).astype(np.uint8)
    tri[1, :3] = 254  # the edges of the fg and bg rules
    tri[1, -3:] = 1
    out = score_clip(p, g, protocol="ftpvm", trimaps=tri)
    for t in range(3):
        regions = ind.ftpvm_regions(tri[t])
        d = ind.f32(p[t]).astype(np.float64) - ind.f32(g[t])
        for name, sel in [("", None), *[(f"{r}_", m) for r, m in regions.items()]]:
            v = d if sel is None else d[sel]
            assert out[name + "SAD"][t] == pytest.approx(np.abs(v).sum(), rel=1e-6)
            assert out[name + "MAD"][t] == pytest.approx(np.abs(v).mean() * 1e3 if v.size else 0, rel=1e-6)
            assert out[name + "MSE"][t] == pytest.approx((v ** 2).mean() * 1e3 if v.size else 0, rel=1e-6)
            assert out[name + "Grad"][t] == pytest.approx(rvm_ref.grad(ind.f32(p[t]), ind.f32(g[t]), mask=sel), rel=1e-6)
            if t:
                prev = ind.ftpvm_regions(tri[t - 1])
                union = None if sel is None else sel | prev[name[:-1]]
                want = ind.rms_dt(p[t], p[t - 1], g[t], g[t - 1], union)
                assert out[name + "dtSSD"][t] == pytest.approx(want, rel=1e-6)
            else:
                assert out[name + "dtSSD"][t] == 0.0


@pytest.mark.parametrize("lengths, span", [
    ([8, 11, 5, 8, 12], 12),  # row 2 passes (11 > 8) but writes nothing and sets 5; row 4 passes (8 > 5)
    ([8, 5, 11, 8, 8], 8),    # 11 never follows a row longer than the cells so far
    ([5, 9, 9], 9),
    ([7], 7),
])
def test_ftpvm_index_span_hand_worked(lengths, span):
    names = [f"c{k}" for k in range(len(lengths))]
    assert ftpvm_index_span([""] * len(lengths), names, lengths) == span


# --- CRGNN, DIM -------------------------------------------------------------------------------------

def test_crgnn_is_rvm_hr_on_annotated_frames():
    p, g, _ = _clip(5, t=4)
    a = score_clip(p, g, protocol="crgnn")
    b = score_clip(p, g, protocol="rvm-hr", metrics=["MAD", "MSE", "Grad", "dtSSD"])
    for m in a:
        np.testing.assert_allclose(a[m], b[m], rtol=0, atol=0)
    assert get_protocol("crgnn").gt_stride == 10


def test_dim_mse_is_nan_without_unknown_pixels():
    p, g, tri = _clip(6, t=2)
    tri[1] = 255
    out = score_clip(p, g, protocol="dim", trimaps=tri)
    assert math.isnan(out["MSE"][1]) and out["SAD"][1] == 0.0
    assert not math.isnan(out["MSE"][0])


def test_every_protocol_has_pooling_text():
    from vmbench.protocols import POOLING_TEXT

    assert {p.aggregation for p in PROTOCOLS.values()} <= set(POOLING_TEXT)


@pytest.mark.parametrize("protocol", ["tcvom", "ftpvm", "videomama"])
def test_runs_of_frames_give_the_rows_of_one_pass(tmp_path, protocol):
    """Clips longer than one work item (32 frames): the run after the first is seeded with the frame
    (and trimap) before it, so threads give exactly the single-pass rows."""
    import cv2

    from tests.hostile.test_protocols import _flow_tree
    from vmbench.evaluate import evaluate

    rng = np.random.default_rng(9)
    for c in ("a", "b"):
        for k in range(40):
            g = np.clip(rng.normal(128, 100, (10, 14)), 0, 255).astype(np.uint8)
            g[:, :3] = 255
            p = np.clip(g.astype(int) + rng.integers(-30, 31, g.shape), 0, 255).astype(np.uint8)
            tri = np.where(g > 240, 255, np.where(g < 15, 0, 128)).astype(np.uint8)
            for sub, img in (("gt", g), ("pred", p), ("tri", tri)):
                (tmp_path / sub / c).mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(tmp_path / sub / c / f"{k:04d}.png"), img)
    _flow_tree(tmp_path, t=40, h=10, w=14)
    extra = {"trimap": tmp_path / "tri"} if protocol != "videomama" else {}
    if protocol == "tcvom":
        extra["flow"] = tmp_path / "flow"
    one = evaluate(tmp_path / "pred", tmp_path / "gt", protocol=protocol, workers=1, **extra)
    two = evaluate(tmp_path / "pred", tmp_path / "gt", protocol=protocol, workers=3, **extra)
    assert one.to_dict() == two.to_dict()
    assert any(r["frame"] == "0032" for r in one.frame_rows)
