"""OAVM training: losses vs numpy, sample building, a few steps lower the loss, resumable runs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from baselines.oavm.checkpoint import FORMAT, load_checkpoint
from baselines.oavm.data import jitter_mask, make_batch, make_sample
from baselines.oavm.model import OAVMNet
from baselines.oavm.train import laplacian_loss, matting_loss, train
from vmbench.errors import InputError


def test_matting_loss_terms_match_numpy():
    rng = np.random.default_rng(0)
    a = rng.random((2, 3, 1, 16, 16))
    g = (rng.random((2, 3, 1, 16, 16)) > 0.5).astype(np.float64)
    s = rng.normal(size=(2, 3, 1, 16, 16))
    out = matting_loss(torch.from_numpy(a), torch.from_numpy(s), torch.from_numpy(g))
    assert float(out["l1"]) == pytest.approx(np.abs(a - g).mean(), rel=1e-12)
    da, dg = a[:, 1:] - a[:, :-1], g[:, 1:] - g[:, :-1]
    assert float(out["tc"]) == pytest.approx(((da - dg) ** 2).mean(), rel=1e-12)
    p = 1 / (1 + np.exp(-s))
    bce = -(g * np.log(p) + (1 - g) * np.log(1 - p)).mean()
    assert float(out["bce"]) == pytest.approx(bce, rel=1e-9)
    total = out["l1"] + out["lap"] + 5 * out["tc"] + 0.5 * out["bce"]
    assert float(out["total"]) == pytest.approx(float(total), rel=1e-12)


def test_laplacian_loss_zero_for_equal_and_offset_invariant():
    x = torch.rand(1, 1, 32, 32, dtype=torch.float64)
    assert float(laplacian_loss(x, x)) == 0.0
    # a constant offset has no band-pass content: only the first level's blur is exact inside,
    # and reflect padding keeps constants constant, so the loss stays 0
    assert float(laplacian_loss(x + 0.25, x)) == pytest.approx(0.0, abs=1e-12)
    y = x.clone()
    y[..., 10:20, 10:20] += 0.5
    assert float(laplacian_loss(y, x)) > 0.01


def test_jitter_mask_is_a_dilation_or_erosion():
    mask = np.zeros((40, 40), bool)
    mask[10:30, 12:28] = True
    for seed in range(8):
        out = jitter_mask(mask, np.random.default_rng(seed))
        assert out.dtype == bool and out.shape == mask.shape
        assert (out >= mask).all() or (out <= mask).all()


def test_samples_shapes_and_merging(source):
    rng = np.random.default_rng(3)
    b = make_batch(source, rng, batch=3, height=32, width=48, frames=4)
    assert b["image"].shape == (3, 4, 3, 32, 48) and b["alpha"].shape == (3, 4, 1, 32, 48)
    assert b["first_mask"].shape == (3, 1, 32, 48)
    assert b["image"].dtype == np.float32 and 0 <= b["image"].min() and b["image"].max() <= 1
    assert 0 <= b["alpha"].min() and b["alpha"].max() <= 1
    # without merging, flips or reversal the target's first mask is the jittered alpha > 0.5
    s = make_sample(source, np.random.default_rng(5), height=32, width=48, frames=3, p_merge=0.0)
    assert s.image.shape == (3, 32, 48, 3) and s.alpha.shape == (3, 32, 48)
    assert s.first_mask.shape == (32, 48)


def test_optimizer_steps_lower_loss_on_fixed_batch(source, small_config):
    torch.manual_seed(0)
    b = make_batch(source, np.random.default_rng(0), batch=2, height=32, width=48, frames=3)
    images, gt, first = (torch.from_numpy(b[k]) for k in ("image", "alpha", "first_mask"))
    model = OAVMNet(small_config)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)

    def loss():
        return matting_loss(*model(images, first), gt)["total"]

    before = float(loss().detach())
    for _ in range(15):
        opt.zero_grad()
        loss().backward()
        opt.step()
    after = float(loss().detach())
    assert after < 0.8 * before


def test_train_writes_resumable_checkpoint_and_log(tmp_path, source, small_config):
    out = tmp_path / "ck.pt"
    train(out=out, source=source, data_name="stand-in", steps=2, size=(32, 48), clip_len=2,
          batch=1, config=small_config, quiet=True, log_every=1)
    raw = torch.load(out, map_location="cpu", weights_only=True)
    assert raw["format"] == FORMAT and raw["train"]["steps"] == 2
    assert raw["config"]["channels"] == small_config["channels"]
    assert {"optimizer", "rng", "state_dict"} <= set(raw)
    lines = [json.loads(x) for x in (tmp_path / "ck.pt.log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [1, 2] and all(r["total"] > 0 for r in lines)
    with pytest.raises(InputError, match="already exists"):
        train(out=out, source=source, data_name="stand-in", steps=3, size=(32, 48), quiet=True)
    ck = train(out=out, source=source, data_name="stand-in", steps=3, resume=True, quiet=True, log_every=1)
    assert ck["train"]["steps"] == 3 and ck["train"]["size"] == [32, 48]
    assert load_checkpoint(out)["train"]["steps"] == 3
    # resuming restored the optimizer: Adam's step counters continued from 2
    state = ck["optimizer"]["state"]
    assert float(next(iter(state.values()))["step"]) == 3


def test_resumed_run_equals_uninterrupted_run(tmp_path, source, small_config):
    kw = dict(source=source, data_name="stand-in", size=(32, 48), clip_len=2, batch=1,
              config=small_config, quiet=True)
    a = train(out=tmp_path / "a.pt", steps=4, **kw)
    train(out=tmp_path / "b.pt", steps=4, stop_after=2, **kw)  # interrupted half-way
    b = train(out=tmp_path / "b.pt", steps=4, resume=True, **kw)
    for k, v in a["state_dict"].items():
        torch.testing.assert_close(v, b["state_dict"][k], rtol=1e-5, atol=1e-6)


def test_bad_size_is_input_error(tmp_path, source):
    with pytest.raises(InputError, match="multiples of 16"):
        train(out=tmp_path / "x.pt", source=source, data_name="s", steps=1, size=(30, 48))


def test_train_with_background_workers(tmp_path, source, small_config):
    ck = train(out=tmp_path / "w.pt", source=source, data_name="stand-in", steps=2, size=(32, 48),
               clip_len=2, batch=1, config=small_config, quiet=True, workers=1)
    assert ck["train"]["steps"] == 2
    assert all(torch.isfinite(v).all() for v in ck["state_dict"].values())
