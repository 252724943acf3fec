"""OAVM checkpoints (weights_only round trip, bad files) and the adapter on PNG clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from baselines.oavm.adapter import SHIPPED_WEIGHTS, OAVMAdapter
from baselines.oavm.checkpoint import FORMAT, build_model, load_checkpoint, save_checkpoint
from baselines.oavm.infer import internal_size
from baselines.oavm.model import OAVMNet
from vmbench.adapters.base import Adapter, ClipInput, Track
from vmbench.errors import InputError
from vmbench.io.frames import write_alpha, write_rgb


def _save_small(path: Path, config: dict, seed: int = 0) -> OAVMNet:
    torch.manual_seed(seed)
    model = OAVMNet(config)
    save_checkpoint(path, {"format": FORMAT, "config": model.config, "state_dict": model.state_dict(),
                           "train": {"steps": 0, "minutes": 0.0, "size": [32, 48]}})
    return model


def test_round_trip_weights_only(tmp_path, small_config):
    model = _save_small(tmp_path / "w.pt", small_config).eval()
    raw = torch.load(tmp_path / "w.pt", map_location="cpu", weights_only=True)
    assert raw["format"] == "vmbench-oavm/1"
    again = build_model(load_checkpoint(tmp_path / "w.pt")).eval()
    x, m = torch.rand(1, 2, 3, 32, 48), torch.ones(1, 1, 32, 48)
    with torch.no_grad():
        torch.testing.assert_close(model(x, m)[0], again(x, m)[0], rtol=0, atol=0)


def test_bad_checkpoints_are_input_errors(tmp_path, small_config):
    torch.save({"format": "something-else/3", "config": {}, "state_dict": {}}, tmp_path / "a.pt")
    with pytest.raises(InputError, match="a.pt: not an OAVM checkpoint"):
        load_checkpoint(tmp_path / "a.pt")
    torch.save([1, 2, 3], tmp_path / "b.pt")
    with pytest.raises(InputError, match="b.pt: not an OAVM checkpoint"):
        load_checkpoint(tmp_path / "b.pt")
    (tmp_path / "c.pt").write_bytes(b"not a checkpoint at all")
    with pytest.raises(InputError, match="c.pt: not a readable torch checkpoint"):
        load_checkpoint(tmp_path / "c.pt")
    with pytest.raises(InputError, match="missing.pt: OAVM checkpoint not found"):
        load_checkpoint(tmp_path / "missing.pt")
    # right format, weights of another shape
    _save_small(tmp_path / "d.pt", small_config)
    ck = load_checkpoint(tmp_path / "d.pt")
    ck["config"] = dict(ck["config"], key_dim=4)
    with pytest.raises(InputError, match="do not fit"):
        build_model(ck, path=tmp_path / "d.pt")


def test_internal_size():
    assert internal_size(288, 512, long_side=192) == (112, 192)
    assert internal_size(1080, 1920, long_side=192) == (112, 192)
    assert internal_size(512, 288, long_side=192) == (192, 112)
    assert internal_size(10, 400, long_side=192) == (16, 192)


def _write_clip(root: Path, t=3, h=40, w=60):
    rng = np.random.default_rng(0)
    frames = []
    for i in range(t):
        img = (rng.random((h, w, 3)) * 255).astype(np.uint8)
        write_rgb(root / "com" / f"{i:04d}.png", img)
        frames.append(root / "com" / f"{i:04d}.png")
    mask = np.zeros((h, w), np.uint8)
    mask[10:30, 15:45] = 255
    write_alpha(root / "first_mask.png", mask)
    return frames, root / "first_mask.png"


def test_adapter_streams_alphas(tmp_path, small_config, monkeypatch):
    _save_small(tmp_path / "w.pt", small_config)
    frames, mask = _write_clip(tmp_path / "clip")
    adapter = OAVMAdapter()
    assert isinstance(adapter, Adapter)
    assert adapter.name == "oavm" and adapter.track is Track.FIRST_FRAME_MASK
    assert adapter.needs_weights and adapter.weights_filename == "oavm_small.pt"
    adapter.load(tmp_path / "w.pt", "cpu")
    assert adapter.long_side == 48  # from the checkpoint's training size
    out = list(adapter.predict(ClipInput(name="c", frames=frames, first_mask=mask)))
    assert len(out) == 3
    for a in out:
        assert a.shape == (40, 60) and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1
    with pytest.raises(InputError, match="needs a first-frame mask"):
        list(adapter.predict(ClipInput(name="c", frames=frames)))
    write_alpha(tmp_path / "small.png", np.zeros((20, 30), np.uint8))
    with pytest.raises(InputError, match="small.png: mask is 30x20, frames are 60x40"):
        list(adapter.predict(ClipInput(name="c", frames=frames, first_mask=tmp_path / "small.png")))


def test_weights_lookup_order(tmp_path, small_config, monkeypatch):
    adapter = OAVMAdapter()
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(tmp_path / "empty"))
    assert adapter.resolve_weights(None) == SHIPPED_WEIGHTS
    _save_small(tmp_path / "dir" / "oavm_small.pt", small_config)
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(tmp_path / "dir"))
    assert adapter.resolve_weights(None) == tmp_path / "dir" / "oavm_small.pt"
    assert adapter.resolve_weights(tmp_path / "dir") == tmp_path / "dir" / "oavm_small.pt"
    with pytest.raises(InputError, match="nope.pt: OAVM checkpoint not found"):
        adapter.resolve_weights(tmp_path / "nope.pt")
