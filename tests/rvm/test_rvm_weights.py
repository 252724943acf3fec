"""Strict loading of RVM checkpoints: exact official keys/shapes, and clear errors otherwise."""

from __future__ import annotations

import pytest
import torch

from baselines.rvm.model import MattingNetwork
from baselines.rvm.weights import load_rvm
from rvm_helpers import official_keys, random_state_dict, single_thread  # noqa: F401 (autouse)
from vmbench.errors import InputError


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """{variant: (path, state_dict)} of random official-layout checkpoints written with torch.save."""
    folder = tmp_path_factory.mktemp("rvm_weights")
    out = {}
    for variant in ("mobilenetv3", "resnet50"):
        sd = random_state_dict(variant, seed=1)
        path = folder / f"rvm_{variant}.pth"
        torch.save(sd, path)
        out[variant] = (path, sd)
    return out


@pytest.mark.parametrize("variant", ["mobilenetv3", "resnet50"])
def test_model_keys_and_shapes_equal_official_list(variant):
    expected = official_keys(variant)
    got = {k: tuple(v.shape) for k, v in MattingNetwork(variant).state_dict().items()}
    assert list(got) == list(expected)  # same names, same order
    assert got == expected
    assert len(expected) == {"mobilenetv3": 380, "resnet50": 390}[variant]


@pytest.mark.parametrize("variant", ["mobilenetv3", "resnet50"])
def test_loads_strictly_and_infers_variant(saved, variant):
    path, sd = saved[variant]
    net = load_rvm(path)  # variant inferred from the keys
    assert net.variant == variant
    assert not net.training
    loaded = net.state_dict()
    assert set(loaded) == set(sd)
    for key, tensor in sd.items():
        assert torch.equal(loaded[key], tensor), key


def test_explicit_variant_mismatch(saved):
    path, _ = saved["mobilenetv3"]
    with pytest.raises(InputError, match="mobilenetv3.*resnet50"):
        load_rvm(path, variant="resnet50")


def _save_modified(tmp_path, sd, name="bad.pth"):
    path = tmp_path / name
    torch.save(sd, path)
    return path


def test_renamed_key_is_named(tmp_path, saved):
    sd = dict(saved["mobilenetv3"][1])
    sd["decoder.decode3.gru.ih.0.weight_renamed"] = sd.pop("decoder.decode3.gru.ih.0.weight")
    path = _save_modified(tmp_path, sd)
    with pytest.raises(InputError) as info:
        load_rvm(path)
    msg = str(info.value)
    assert str(path) in msg
    assert "missing keys: decoder.decode3.gru.ih.0.weight" in msg
    assert "unexpected keys: decoder.decode3.gru.ih.0.weight_renamed" in msg
    assert "wrong architecture" in msg


def test_removed_key_is_named(tmp_path, saved):
    sd = dict(saved["resnet50"][1])
    del sd["backbone.layer4.2.bn3.running_var"]
    path = _save_modified(tmp_path, sd)
    with pytest.raises(InputError, match=r"missing keys: backbone\.layer4\.2\.bn3\.running_var"):
        load_rvm(path)


def test_wrong_shape_is_named(tmp_path, saved):
    sd = dict(saved["mobilenetv3"][1])
    sd["project_mat.conv.weight"] = torch.zeros(5, 16, 1, 1)
    path = _save_modified(tmp_path, sd)
    with pytest.raises(InputError) as info:
        load_rvm(path)
    msg = str(info.value)
    assert "project_mat.conv.weight (file (5, 16, 1, 1), model (4, 16, 1, 1))" in msg


def test_many_missing_keys_are_summarised(tmp_path, saved):
    sd = {k: v for k, v in saved["mobilenetv3"][1].items() if not k.startswith("decoder.")}
    path = _save_modified(tmp_path, sd)
    n_decoder = sum(k.startswith("decoder.") for k in official_keys("mobilenetv3"))
    with pytest.raises(InputError, match=rf"\.\.\. \({n_decoder} in all\)"):
        load_rvm(path)


def test_not_rvm_checkpoint(tmp_path):
    path = _save_modified(tmp_path, {"conv.weight": torch.zeros(1)})
    with pytest.raises(InputError, match="wrong architecture"):
        load_rvm(path)


def test_not_a_state_dict(tmp_path):
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"this is not a torch file")
    with pytest.raises(InputError, match="garbage.pth: cannot be read"):
        load_rvm(garbage)
    nested = _save_modified(tmp_path, {"model": {"a": torch.zeros(1)}}, "nested.pth")
    with pytest.raises(InputError, match="not a state dict"):
        load_rvm(nested)


@pytest.mark.parametrize("variant", ["mobilenetv3", "resnet50"])
def test_missing_file_says_where_to_put_it(tmp_path, monkeypatch, variant):
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(tmp_path / "wdir"))
    monkeypatch.delenv("VMBENCH_RVM_ONNX", raising=False)  # CI points it at the authors' export
    expected = tmp_path / "wdir" / f"rvm_{variant}.pth"
    with pytest.raises(InputError) as info:
        load_rvm(None, variant=variant)
    msg = str(info.value)
    assert msg.startswith(f"{expected}: RVM weights file not found")
    assert "--weights PATH" in msg and "never downloads" in msg

    other = tmp_path / "elsewhere.pth"
    with pytest.raises(InputError) as info:
        load_rvm(other, variant=variant)
    assert str(info.value).startswith(f"{other}: RVM weights file not found")
    assert str(expected) in str(info.value)


def test_unknown_variant():
    with pytest.raises(InputError, match="unknown RVM variant 'vgg'"):
        load_rvm(None, variant="vgg")


def test_default_path_without_variant(tmp_path, monkeypatch, saved):
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(tmp_path))
    with pytest.raises(InputError, match="variant not given"):
        load_rvm()  # no default file at all
    (tmp_path / "rvm_mobilenetv3.pth").write_bytes(saved["mobilenetv3"][0].read_bytes())
    assert load_rvm().variant == "mobilenetv3"  # the only default file present
