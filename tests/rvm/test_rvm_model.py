"""RVM network behaviour on tiny inputs, checked against hand arithmetic and NumPy references."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from baselines.rvm.decoder import ConvGRU
from baselines.rvm.model import MattingNetwork
from baselines.rvm.refiner import DeepGuidedFilterRefiner
from rvm_helpers import official_keys, random_state_dict, single_thread  # noqa: F401 (autouse)

# Recurrent-state channels (r1..r4) per variant: half of each decoder stage's output
# (decoder stages 1/2, 1/4, 1/8 = 32, 40|64, 80|128; bottleneck = LR-ASPP 128|256).
STATE_CHANNELS = {"mobilenetv3": (16, 20, 40, 64), "resnet50": (16, 32, 64, 128)}


@pytest.fixture(scope="module")
def nets():
    out = {}
    for variant in ("mobilenetv3", "resnet50"):
        net = MattingNetwork(variant)
        net.load_state_dict(random_state_dict(variant, seed=2), strict=True)
        out[variant] = net.eval()
    return out


def _src(*shape, seed=0):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


def _down(n: int) -> int:
    """Output size of a 3x3 stride-2 pad-1 conv (= ceil(n / 2), also the ceil-mode 2x2 pool)."""
    return (n - 1) // 2 + 1


@pytest.mark.parametrize("variant", ["mobilenetv3", "resnet50"])
def test_shapes_ranges_and_state_sizes(nets, variant):
    h, w = 45, 62
    src = _src(2, 3, h, w)
    with torch.inference_mode():
        fgr, pha, *rec = nets[variant](src)
    assert fgr.shape == (2, 3, h, w) and pha.shape == (2, 1, h, w)
    for out in (fgr, pha):
        assert torch.isfinite(out).all()
        assert out.min() >= 0 and out.max() <= 1
    sizes = [(_down(h), _down(w))]
    for _ in range(3):
        sizes.append((_down(sizes[-1][0]), _down(sizes[-1][1])))
    assert [tuple(r.shape) for r in rec] == [
        (2, c, hh, ww) for c, (hh, ww) in zip(STATE_CHANNELS[variant], sizes)
    ]
    assert pha.std() > 0  # not a constant (e.g. fully clamped) output


@pytest.mark.parametrize("variant", ["mobilenetv3", "resnet50"])
def test_encoder_strides(nets, variant):
    channels = {"mobilenetv3": (16, 24, 40, 960), "resnet50": (64, 256, 512, 2048)}[variant]
    with torch.inference_mode():
        feats = nets[variant].backbone(_src(1, 3, 64, 96))
    assert [tuple(f.shape) for f in feats] == [
        (1, c, 64 // s, 96 // s) for c, s in zip(channels, (2, 4, 8, 16))
    ]


def test_state_is_carried(nets):
    net = nets["mobilenetv3"]
    f1, f2 = _src(1, 3, 40, 56, seed=1), _src(1, 3, 40, 56, seed=2)
    with torch.inference_mode():
        _, _, *rec = net(f1)
        _, pha_carried, *_ = net(f2, *rec)
        _, pha_fresh, *_ = net(f2)
        _, pha_zeros, *_ = net(f2, *[torch.zeros_like(r) for r in rec])
    assert (pha_carried - pha_fresh).abs().max() > 1e-4
    assert torch.equal(pha_fresh, pha_zeros)  # None state means zeros


@pytest.mark.parametrize("variant", ["mobilenetv3", "resnet50"])
def test_clip_input_equals_frame_loop(nets, variant):
    net = nets[variant]
    clip = _src(2, 3, 3, 36, 50, seed=3)
    with torch.inference_mode():
        fgr, pha, *rec = net(clip, downsample_ratio=0.75)
        state = [None] * 4
        for t in range(3):
            f_t, p_t, *state = net(clip[:, t], *state, downsample_ratio=0.75)
            torch.testing.assert_close(p_t, pha[:, t], rtol=0, atol=1e-5)
            torch.testing.assert_close(f_t, fgr[:, t], rtol=0, atol=1e-5)
    for a, b in zip(rec, state):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-5)


@pytest.mark.parametrize("variant", ["mobilenetv3", "resnet50"])
def test_downsampled_path_is_full_resolution(nets, variant):
    h, w, ratio = 64, 88, 0.5
    with torch.inference_mode():
        fgr, pha, *rec = nets[variant](_src(1, 3, h, w), downsample_ratio=ratio)
    assert fgr.shape == (1, 3, h, w) and pha.shape == (1, 1, h, w)
    assert 0 <= pha.min() and pha.max() <= 1 and 0 <= fgr.min() and fgr.max() <= 1
    # The network itself ran at floor(64 * 0.5) x floor(88 * 0.5) = 32 x 44: r1 is at half that.
    assert tuple(rec[0].shape[2:]) == (16, 22)


def test_output_head_residual_and_clamp():
    """Zero the 1x1 head's weights: fgr = clamp(src + bias[:3]), pha = clamp(bias[3])."""
    net = MattingNetwork("mobilenetv3").eval()
    with torch.no_grad():
        net.project_mat.conv.weight.zero_()
        net.project_mat.conv.bias.copy_(torch.tensor([0.3, -0.2, 0.0, 1.7]))
    src = _src(1, 3, 32, 48, seed=4)
    with torch.inference_mode():
        fgr, pha, *_ = net(src)
    expected = np.clip(src.numpy() + np.array([0.3, -0.2, 0.0]).reshape(1, 3, 1, 1), 0, 1)
    np.testing.assert_allclose(fgr.numpy(), expected, atol=1e-6)
    assert torch.all(pha == 1.0)
    with torch.no_grad():
        net.project_mat.conv.bias[3] = 0.25
    with torch.inference_mode():
        _, pha, *_ = net(src)
    np.testing.assert_allclose(pha.numpy(), 0.25, atol=1e-7)


def test_segmentation_pass_shape(nets):
    with torch.inference_mode():
        seg, *rec = nets["mobilenetv3"](_src(1, 2, 3, 32, 32), segmentation_pass=True)
    assert seg.shape == (1, 2, 1, 32, 32) and len(rec) == 4


# --- NumPy references written from the definitions --------------------------------------------


def _np_conv(x, weight, bias=None, groups=1):
    """Zero-padded 'same' cross-correlation, stride 1, odd kernel. x (C, H, W), weight (O, C/g, k, k)."""
    out_ch, in_per_group, k, _ = weight.shape
    pad = k // 2
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    h, w = x.shape[1:]
    out = np.zeros((out_ch, h, w))
    per_out = out_ch // groups
    for o in range(out_ch):
        g = o // per_out
        for c in range(in_per_group):
            for i in range(k):
                for j in range(k):
                    out[o] += weight[o, c, i, j] * xp[g * in_per_group + c, i : i + h, j : j + w]
    if bias is not None:
        out += bias[:, None, None]
    return out


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_convgru_step_matches_numpy():
    torch.manual_seed(5)
    gru = ConvGRU(3)
    x = torch.rand(1, 3, 5, 6)
    h = torch.rand(1, 3, 5, 6)
    with torch.no_grad():
        got, last = gru(x, h, batch=None)
    n = lambda t: t.detach().numpy().astype(np.float64)  # noqa: E731
    w_ih, b_ih, w_hh, b_hh = n(gru.ih[0].weight), n(gru.ih[0].bias), n(gru.hh[0].weight), n(gru.hh[0].bias)
    xn, hn = x[0].numpy().astype(np.float64), h[0].numpy().astype(np.float64)
    gates = _sigmoid(_np_conv(np.concatenate([xn, hn]), w_ih, b_ih))
    r, z = gates[:3], gates[3:]
    cand = np.tanh(_np_conv(np.concatenate([xn, r * hn]), w_hh, b_hh))
    expected = (1 - z) * hn + z * cand
    np.testing.assert_allclose(got[0].numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(last[0].numpy(), expected, atol=1e-5)


def _np_resize_bilinear(x, out_h, out_w):
    """Bilinear resize with half-pixel centres (source index clamped at 0), x (C, H, W)."""
    def taps(n_in, n_out):
        src = np.maximum((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0)
        i0 = np.floor(src).astype(int)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, src - i0

    y0, y1, ly = taps(x.shape[1], out_h)
    x0, x1, lx = taps(x.shape[2], out_w)
    top = x[:, y0][:, :, x0] * (1 - lx) + x[:, y0][:, :, x1] * lx
    bottom = x[:, y1][:, :, x0] * (1 - lx) + x[:, y1][:, :, x1] * lx
    return top * (1 - ly)[None, :, None] + bottom * ly[None, :, None]


def _np_bn(x, bn):
    weight, bias = bn.weight.detach().numpy(), bn.bias.detach().numpy()
    scale = weight / np.sqrt(bn.running_var.numpy() + bn.eps)
    return (x - bn.running_mean.numpy()[:, None, None]) * scale[:, None, None] + bias[:, None, None]


def test_guided_filter_refiner_matches_numpy():
    torch.manual_seed(6)
    ref = DeepGuidedFilterRefiner().eval()
    with torch.no_grad():  # non-trivial BN statistics and box filter
        for bn in (ref.conv[1], ref.conv[4]):
            bn.running_mean.uniform_(-0.2, 0.2)
            bn.running_var.uniform_(0.5, 1.5)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.1, 0.1)
        ref.box_filter.weight.add_(0.01 * torch.randn_like(ref.box_filter.weight))
    fine = torch.rand(1, 3, 11, 17)
    base = torch.rand(1, 3, 5, 8)
    fgr_res, pha, hid = torch.randn(1, 3, 5, 8) * 0.1, torch.rand(1, 1, 5, 8), torch.rand(1, 16, 5, 8)
    with torch.no_grad():
        got_fgr, got_pha = ref(fine, base, fgr_res, pha, hid)

    d = lambda t: t[0].numpy().astype(np.float64)  # noqa: E731
    box = ref.box_filter.weight.detach().numpy().astype(np.float64)
    fine_x = np.concatenate([d(fine), d(fine).mean(0, keepdims=True)])
    base_x = np.concatenate([d(base), d(base).mean(0, keepdims=True)])
    base_y = np.concatenate([d(fgr_res), d(pha)])
    mean_x = _np_conv(base_x, box, groups=4)
    mean_y = _np_conv(base_y, box, groups=4)
    cov_xy = _np_conv(base_x * base_y, box, groups=4) - mean_x * mean_y
    var_x = _np_conv(base_x * base_x, box, groups=4) - mean_x * mean_x
    feats = np.concatenate([cov_xy, var_x, d(hid)])
    w = [ref.conv[i].weight.detach().numpy()[:, :, 0, 0].astype(np.float64) for i in (0, 3, 6)]
    a = np.maximum(_np_bn(np.einsum("oc,chw->ohw", w[0], feats), ref.conv[1]), 0)
    a = np.maximum(_np_bn(np.einsum("oc,chw->ohw", w[1], a), ref.conv[4]), 0)
    a = np.einsum("oc,chw->ohw", w[2], a) + ref.conv[6].bias.detach().numpy()[:, None, None]
    b = mean_y - a * mean_x
    out = _np_resize_bilinear(a, 11, 17) * fine_x + _np_resize_bilinear(b, 11, 17)
    np.testing.assert_allclose(got_fgr[0].numpy(), out[:3], atol=1e-5)
    np.testing.assert_allclose(got_pha[0].numpy(), out[3:], atol=1e-5)


def test_parameter_counts():
    """Sum of the official key list's parameter shapes (buffers excluded) equals the model's."""
    for variant in ("mobilenetv3", "resnet50"):
        buffers = ("running_mean", "running_var", "num_batches_tracked")
        expected = sum(
            math.prod(shape) for key, shape in official_keys(variant).items() if not key.endswith(buffers)
        )
        assert sum(p.numel() for p in MattingNetwork(variant).parameters()) == expected


@pytest.mark.slow
def test_parity_with_official_tfjs_export():
    """Needs the official TF.js export (tfjs branch of PeterL1n/RobustVideoMatting: model.json +
    group1-shard1of1.bin) in $VMBENCH_RVM_TFJS_DIR; skipped otherwise. Runs the official graph
    with our interpreter and compares with MattingNetwork on the same weights (ratio 1)."""
    import os
    from pathlib import Path

    folder = os.environ.get("VMBENCH_RVM_TFJS_DIR")
    if not folder or not (Path(folder) / "model.json").is_file():
        pytest.skip("set VMBENCH_RVM_TFJS_DIR to a folder with the RVM TF.js model.json + group1-shard1of1.bin")
    from baselines.rvm.parity_tfjs import compare

    rows = compare(Path(folder) / "model.json", Path(folder) / "group1-shard1of1.bin", height=63, width=110, frames=2)
    for row in rows:
        assert row["pha_raw_range"] > 0.1  # the comparison is not between two constants
        for key in ("fgr", "pha", "r1o", "r2o", "r3o", "r4o", "pha_raw"):
            assert row[key] < 1e-4, (key, row)
