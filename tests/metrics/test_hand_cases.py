"""Hand-worked cases and the edge cases of shared/metrics-reference.md, expectations as arithmetic."""

import numpy as np
import pandas as pd
import pytest

from vmbench.evaluate import aggregate
from vmbench.metrics._kernels import gaussian_gradient_kernel
from vmbench.protocols import get_protocol, score_clip

HALF = 128 / 255  # 0.50196...


def clip(*frames):
    return np.array(frames, dtype=np.float32)


def test_gradient_kernel_centre_row_matches_published_values():
    row, col = gaussian_gradient_kernel(1.4)
    kx = np.outer(row, col)
    assert kx.shape == (9, 9)
    np.testing.assert_allclose(kx[4], [0.027487, 0.122946, 0.293474, 0.315434, 0, -0.315434, -0.293474, -0.122946, -0.027487], atol=1e-6)
    assert np.sum(kx**2) == pytest.approx(1.0)


def test_conn_4x4_on_paper():
    # g: a 2x2 block of 1s at the top left and a lone 1 at the bottom right. p equals g except
    # p(0,0) = 128/255. At thresholds 0.1..0.5 the largest common component is the 2x2 block; from
    # 0.6 it is the 3 remaining block pixels. So l(0,0) = 0.5, the other block pixels keep l = 1,
    # everything else gets l = 0. Only (0,0) differs: phi_g = 1 - (1 - 0.5) = 0.5,
    # phi_p = 1 (d_p = 0.002 < 0.15). Conn = 0.5 / 1000.
    g = np.zeros((4, 4), np.float32)
    g[:2, :2] = 1
    g[3, 3] = 1
    p = g.copy()
    p[0, 0] = HALF
    got = score_clip(clip(p), clip(g), metrics=["Conn"])["Conn"][0]
    assert got == pytest.approx(0.5 / 1000, rel=1e-6)


def _tie_case():
    # Two 2-pixel components of equal size: X = (0,2),(0,3) comes first in row-major order,
    # Y = (2,0),(3,0) first in column-major order. g = 1 on both; p(0,3) = 128/255, p(3,0) = 200/255.
    g = np.zeros((4, 4), np.float32)
    for y, x in [(0, 2), (0, 3), (2, 0), (3, 0)]:
        g[y, x] = 1
    p = g.copy()
    p[0, 3] = HALF
    p[3, 0] = 200 / 255
    return p, g


def test_conn_equal_components_row_major_as_rvm():
    # RVM: X wins the tie (0.1..0.5); Y (2 px) is larger at 0.6, 0.7. Y dropped at 0.1: l = 0, so
    # (3,0) contributes |0 - (1 - 200/255)|. X dropped at 0.6: l = 0.5, (0,3) contributes |0.5 - 1|.
    p, g = _tie_case()
    got = score_clip(clip(p), clip(g), metrics=["Conn"])["Conn"][0]
    assert got == pytest.approx((0.5 + 55 / 255) / 1000, rel=1e-6)


def test_conn_equal_components_column_major_as_matlab():
    # DIM/MATLAB: Y wins every tie and every size contest up to 0.7; at 0.8 (3,0) drops (l = 0.7:
    # phi_g = 0.7, phi_p = 1). X dropped at 0.1: l = 0, (0,3) contributes 1 - 128/255.
    p, g = _tie_case()
    tri = np.full((1, 4, 4), 128, np.uint8)
    got = score_clip(clip(p), clip(g), protocol="dim", metrics=["Conn"], trimaps=tri)["Conn"][0]
    assert got == pytest.approx((0.3 + 127 / 255) / 1000, rel=1e-6)


def test_conn_empty_intersection_rules():
    # p = 0 everywhere, g = 1 everywhere: the intersection is empty from the first threshold.
    # RVM: l = th[0] = 0 for all, phi_g = 0, phi_p = 1: Conn = N / 1000.
    # IndexNet: nothing is assigned, l = 1 for all, phi_g = phi_p = 1: Conn = 0.
    g = np.ones((5, 6), np.float32)
    p = np.zeros((5, 6), np.float32)
    assert score_clip(clip(p), clip(g), metrics=["Conn"])["Conn"][0] == pytest.approx(30 / 1000)
    tri = np.full((1, 5, 6), 128, np.uint8)
    assert score_clip(clip(p), clip(g), protocol="dim", metrics=["Conn"], trimaps=tri)["Conn"][0] == 0.0


def test_constant_frames_have_zero_gradient_after_minmax():
    g = np.full((10, 10), 0.6, np.float32)
    p = np.full((10, 10), 0.2, np.float32)
    for protocol in ("rvm", "rvm-hr"):
        assert score_clip(clip(p), clip(g), protocol=protocol, metrics=["Grad"])["Grad"][0] == pytest.approx(0.0, abs=1e-12)


def test_frames_that_never_reach_one_differ_between_lr_and_hr():
    # With min-max (LR) a matte whose max is 0.5 is stretched to 1; HR leaves it. An edge ramp
    # that only reaches 0.5 in p but 1.0 in g therefore scores 0 Grad under LR, not under HR.
    g = np.zeros((12, 12), np.float32)
    g[:, 6:] = 1
    p = g * np.float32(0.5)
    lr = score_clip(clip(p), clip(g), protocol="rvm", metrics=["Grad"])["Grad"][0]
    hr = score_clip(clip(p), clip(g), protocol="rvm-hr", metrics=["Grad"])["Grad"][0]
    assert lr == pytest.approx(0.0, abs=1e-12)
    assert hr > 0


def test_dtssd_first_frame_is_zero_and_value_by_hand():
    # one pixel of 2x2 changes by 0.5 in p, nothing in g: dtSSD_1 = sqrt(0.25 / 4) * 100 = 25
    g = clip(np.zeros((2, 2)), np.zeros((2, 2)))
    p = g.copy()
    p[1, 0, 0] = 0.5
    got = score_clip(p, g, metrics=["dtSSD"])["dtSSD"]
    np.testing.assert_allclose(got, [0.0, 25.0])


def test_mad_mse_by_hand():
    g = clip([[0, 1], [1, 0]])
    p = clip([[0.5, 1], [0, 0]])
    got = score_clip(p, g, metrics=["MAD", "MSE", "SAD"])
    assert got["MAD"][0] == pytest.approx((0.5 + 1) / 4 * 1e3)
    assert got["MSE"][0] == pytest.approx((0.25 + 1) / 4 * 1e3)
    assert got["SAD"][0] == pytest.approx(1.5 / 1e3)


def test_rvm_pooling_is_mean_of_per_index_means():
    # clip A has MAD [1, 3], clip B [7]: index means are 4 and 3, the RVM figure 3.5 (the mean over
    # all frames would be 11/3).
    frames = pd.DataFrame({"dataset": ["d"] * 3, "clip": ["A", "A", "B"], "frame": ["0", "1", "0"], "MAD": [1.0, 3.0, 7.0]})
    clips, summary = aggregate(frames, get_protocol("rvm"), ("MAD",))
    assert summary["MAD"] == pytest.approx(3.5)
    assert clips.set_index("clip")["MAD"].to_dict() == {"A": 2.0, "B": 7.0}
    _, dim_summary = aggregate(frames, get_protocol("dim"), ("MAD",))
    assert dim_summary["MAD"] == pytest.approx(11 / 3)


def test_dim_mse_is_unscaled_mean_over_unknown():
    g = clip([[0, 1], [1, 0]])
    p = clip([[0.5, 1], [0, 0]])
    tri = np.array([[[128, 128], [255, 0]]], np.uint8)
    got = score_clip(p, g, protocol="dim", metrics=["MSE", "SAD"], trimaps=tri)
    assert got["MSE"][0] == pytest.approx(0.25 / 2)
    assert got["SAD"][0] == pytest.approx(0.5 / 1000)


def test_nan_and_out_of_range_arrays_are_refused():
    from vmbench.errors import InputError

    g = np.zeros((1, 2, 2), np.float32)
    with pytest.raises(InputError, match="NaN"):
        score_clip(np.full((1, 2, 2), np.nan, np.float32), g)
    with pytest.raises(InputError, match="outside"):
        score_clip(np.full((1, 2, 2), 2.0, np.float32), g)
    with pytest.raises(InputError, match="unknown protocol"):
        score_clip(g, g, protocol="nope")
    with pytest.raises(InputError, match="not part of protocol"):
        score_clip(g, g, metrics=["dtSSD"], protocol="dim")
