"""OAVM network: output shapes and ranges, memory attention vs loop references, carried memory."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage

from baselines.oavm.model import OAVMNet, dilate, erode, global_attention, local_attention


def _clip(t=3, h=32, w=48, seed=0):
    g = torch.Generator().manual_seed(seed)
    images = torch.rand(1, t, 3, h, w, generator=g)
    mask = torch.zeros(1, 1, h, w)
    mask[..., 8:24, 10:30] = 1
    return images, mask


def test_output_shapes_and_ranges(small_config):
    torch.manual_seed(0)
    model = OAVMNet(small_config).eval()
    images, mask = _clip()
    with torch.no_grad():
        alpha, seg = model(images, mask)
    assert alpha.shape == (1, 3, 1, 32, 48) and seg.shape == (1, 3, 1, 32, 48)
    assert float(alpha.min()) >= 0.0 and float(alpha.max()) <= 1.0
    assert torch.isfinite(seg).all()
    assert float(seg.std()) > 0  # logits, not a constant


def test_default_config_runs_and_size_checked():
    model = OAVMNet().eval()
    images, mask = _clip(t=2, h=48, w=64)
    with torch.no_grad():
        alpha, _ = model(images, mask)
    assert alpha.shape == (1, 2, 1, 48, 64)
    with pytest.raises(ValueError, match="multiple of 16"):
        model.step(torch.rand(1, 3, 40, 64), None, first_mask=torch.zeros(1, 1, 40, 64))
    with pytest.raises(ValueError, match="first_mask"):
        model.step(torch.rand(1, 3, 48, 64), None)
    with pytest.raises(ValueError, match="unknown OAVM config"):
        OAVMNet({"bogus": 1})


def test_memory_is_carried_across_frames(small_config):
    torch.manual_seed(1)
    model = OAVMNet(small_config).eval()
    images, mask = _clip(t=3)
    with torch.no_grad():
        mem = None
        for t in range(3):
            out, mem = model.step(images[:, t], mem, first_mask=mask if t == 0 else None)
        carried = out["alpha"]
        fresh, _ = model.step(images[:, 2], None, first_mask=mask)
        # the memory holds the first frame's keys/values, the previous frame's ones and its mask
        assert set(mem) == {"k0", "v0", "k_prev", "v_prev", "mask_prev"}
        assert float((carried - fresh["alpha"]).abs().max()) > 1e-4
        # frame 2 depends on frame 1 through the previous-frame memory
        alt = images.clone()
        alt[:, 1] = 1 - alt[:, 1]
        mem = None
        for t in range(3):
            out2, mem = model.step(alt[:, t], mem, first_mask=mask if t == 0 else None)
        assert float((out2["alpha"] - carried).abs().max()) > 1e-4


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def test_global_attention_matches_loop():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(1, 4, 3, 2)), rng.normal(size=(1, 4, 2, 3)), rng.normal(size=(1, 5, 2, 3))
    got = global_attention(*(torch.from_numpy(a) for a in (q, k, v))).numpy()
    kf, vf = k[0].reshape(4, -1), v[0].reshape(5, -1)
    for y in range(3):
        for x in range(2):
            w = _softmax(q[0, :, y, x] @ kf / 2.0, 0)  # sqrt(4) = 2
            np.testing.assert_allclose(got[0, :, y, x], vf @ w, rtol=1e-10)


def test_local_attention_matches_loop():
    rng = np.random.default_rng(1)
    c, d, h, w, win = 3, 2, 4, 5, 3
    q, k, v = rng.normal(size=(1, c, h, w)), rng.normal(size=(1, c, h, w)), rng.normal(size=(1, d, h, w))
    got = local_attention(*(torch.from_numpy(a) for a in (q, k, v)), window=win).numpy()
    for y in range(h):
        for x in range(w):
            nb = [(yy, xx) for yy in range(y - 1, y + 2) for xx in range(x - 1, x + 2)
                  if 0 <= yy < h and 0 <= xx < w]
            logits = np.array([q[0, :, y, x] @ k[0, :, yy, xx] for yy, xx in nb]) / np.sqrt(c)
            wts = _softmax(logits, 0)
            want = sum(wt * v[0, :, yy, xx] for wt, (yy, xx) in zip(wts, nb))
            np.testing.assert_allclose(got[0, :, y, x], want, rtol=1e-10)


def test_dilate_erode_match_scipy():
    rng = np.random.default_rng(2)
    m = (rng.random((12, 15)) > 0.7).astype(np.float32)
    t = torch.from_numpy(m)[None, None]
    np.testing.assert_array_equal(dilate(t, 2)[0, 0].numpy(), ndimage.grey_dilation(m, size=(5, 5), mode="constant", cval=0))
    # erode pads with -inf outside (max-pool padding), i.e. the border does not erode
    np.testing.assert_array_equal(erode(t, 1)[0, 0].numpy(), ndimage.grey_erosion(m, size=(3, 3), mode="nearest"))
