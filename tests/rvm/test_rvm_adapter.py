"""The RVM adapters on a tiny clip written to disk, on CPU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.rvm.adapter import (
    RVMMobileNetV3Adapter,
    RVMResNet50Adapter,
    auto_downsample_ratio,
    resolve_device,
)
from rvm_helpers import random_state_dict, single_thread  # noqa: F401 (autouse)
from vmbench.adapters.base import Adapter, ClipInput, Track
from vmbench.errors import InputError
from vmbench.io.frames import write_rgb

H, W, T = 48, 64, 3


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rvm_adapter_weights")
    out = {}
    for variant in ("mobilenetv3", "resnet50"):
        out[variant] = folder / f"rvm_{variant}.pth"
        torch.save(random_state_dict(variant, seed=3), out[variant])
    return out


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rvm_clip")
    rng = np.random.default_rng(0)
    frames = []
    for t in range(T):
        path = folder / f"{t:05d}.png"
        write_rgb(path, rng.integers(0, 256, size=(H, W, 3), dtype=np.uint8))
        frames.append(path)
    return ClipInput(name="tiny", frames=frames)


def test_adapter_attributes():
    for cls, name, filename in (
        (RVMMobileNetV3Adapter, "rvm-mobilenetv3", "rvm_mobilenetv3.pth"),
        (RVMResNet50Adapter, "rvm-resnet50", "rvm_resnet50.pth"),
    ):
        adapter = cls()
        assert isinstance(adapter, Adapter)
        assert adapter.name == name and adapter.weights_filename == filename
        assert adapter.track is Track.NONE and adapter.needs_weights is True


@pytest.mark.parametrize("cls,variant", [(RVMMobileNetV3Adapter, "mobilenetv3"), (RVMResNet50Adapter, "resnet50")])
def test_predict_tiny_clip(weights, clip, cls, variant):
    adapter = cls()
    adapter.load(weights[variant], "cpu")
    alphas = list(adapter.predict(clip))
    assert len(alphas) == T
    for alpha in alphas:
        assert alpha.dtype == np.float32 and alpha.shape == (H, W)
        assert np.isfinite(alpha).all() and alpha.min() >= 0 and alpha.max() <= 1


def test_predict_carries_state_and_matches_network(weights, clip):
    """Adapter output = the network run frame by frame on u8/255 input with the state fed back."""
    adapter = RVMMobileNetV3Adapter(downsample_ratio=0.5)
    adapter.load(weights["mobilenetv3"], "cpu")
    alphas = list(adapter.predict(clip))
    net = adapter.model
    state = [None] * 4
    with torch.inference_mode():
        for t in range(T):
            src = torch.from_numpy(clip.read_frame(t).astype(np.float32) / 255).permute(2, 0, 1)[None]
            _, pha, *state = net(src, *state, downsample_ratio=0.5)
            np.testing.assert_allclose(alphas[t], pha[0, 0].numpy(), atol=1e-6)
        _, fresh, *_ = net(torch.from_numpy(clip.read_frame(2).astype(np.float32) / 255).permute(2, 0, 1)[None],
                           downsample_ratio=0.5)
    assert np.abs(alphas[2] - fresh[0, 0].numpy()).max() > 1e-4  # frame 3 depends on frames 1-2


def test_auto_downsample_ratio():
    assert auto_downsample_ratio(1080, 1920) == 512 / 1920
    assert auto_downsample_ratio(2160, 3840) == 512 / 3840
    assert auto_downsample_ratio(288, 512) == 1.0
    assert auto_downsample_ratio(48, 64) == 1.0


def test_bad_options_and_devices():
    with pytest.raises(InputError, match="downsample_ratio 0: must be in"):
        RVMMobileNetV3Adapter(downsample_ratio=0)
    with pytest.raises(InputError, match="downsample_ratio 1.5"):
        RVMMobileNetV3Adapter(downsample_ratio=1.5)
    with pytest.raises(InputError, match="unknown device"):
        resolve_device("tpu")
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="CUDA is not available"):
            resolve_device("cuda")


def test_missing_default_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(tmp_path))
    with pytest.raises(InputError) as info:
        RVMResNet50Adapter().load(None, "cpu")
    assert str(tmp_path / "rvm_resnet50.pth") in str(info.value)
    assert "never downloads" in str(info.value)


def test_frame_size_change_is_an_error(weights, clip, tmp_path):
    odd = tmp_path / "odd.png"
    write_rgb(odd, np.zeros((H, W + 2, 3), dtype=np.uint8))
    bad = ClipInput(name="bad", frames=[clip.frames[0], odd])
    adapter = RVMMobileNetV3Adapter()
    adapter.load(weights["mobilenetv3"], "cpu")
    with pytest.raises(InputError, match="odd.png: frame size 66x48 differs"):
        list(adapter.predict(bad))


def test_predict_before_load(clip):
    with pytest.raises(RuntimeError, match="call load"):
        next(RVMMobileNetV3Adapter().predict(clip))


def test_weights_folder_and_default_location(weights, monkeypatch):
    folder = weights["mobilenetv3"].parent  # holds rvm_mobilenetv3.pth and rvm_resnet50.pth
    adapter = RVMResNet50Adapter()
    adapter.load(folder, "cpu")
    assert adapter.model.variant == "resnet50"
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(folder))
    adapter = RVMMobileNetV3Adapter()
    adapter.load(None, "cpu")
    assert adapter.model.variant == "mobilenetv3"
