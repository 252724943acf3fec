"""Learned adapters from the other baseline modules, end to end through `vmbench run-baseline`.

Random / tiny weights built by those modules' own test helpers: what is checked here is the
plumbing (registry name, weights lookup and hash, output layout, run record), not the mattes.
"""

import hashlib
import json

import pytest
import torch

from tests.baselines.helpers import T, build_tree, read_u8
from vmbench.cli import main


@pytest.fixture()
def tree(tmp_path):
    return build_tree(tmp_path / "bench")


@pytest.fixture()
def one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_rvm_by_name_with_default_weights_dir(tree, tmp_path, monkeypatch, one_thread):
    rvm_helpers = pytest.importorskip("tests.rvm.rvm_helpers")
    pytest.importorskip("baselines.rvm.adapter")
    wdir = tmp_path / "weights"
    wdir.mkdir()
    torch.save(rvm_helpers.random_state_dict("mobilenetv3"), wdir / "rvm_mobilenetv3.pth")
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(wdir))
    out = tmp_path / "rvm"
    assert main(["run-baseline", "rvm-mobilenetv3", "--data", str(tree), "--out", str(out),
                 "--device", "cpu", "--no-progress"]) == 0
    for clip in ("a", "b"):
        assert sorted(p.name for p in (out / "ds" / clip / "pha").iterdir()) == [f"{t:04d}.png" for t in range(T)]
        assert read_u8(out / "ds" / clip / "pha/0000.png").shape == (64, 96)
    rec = json.loads((out / "run.json").read_text())
    assert rec["track"] == "none" and rec["adapter"] == "rvm-mobilenetv3"
    assert rec["weights_sha256"] == hashlib.sha256((wdir / "rvm_mobilenetv3.pth").read_bytes()).hexdigest()


def test_vrmdiff_caption_track_with_weights_folder(tree, tmp_path, one_thread):
    tiny = pytest.importorskip("tests.diffusion.tiny_models")
    pytest.importorskip("diffusers")
    pytest.importorskip("baselines.diffusion.vrmdiff")
    weights = tiny.build_vrmdiff(tmp_path / "vrmdiff")
    out = tmp_path / "vrm"
    assert main(["run-baseline", "vrmdiff", "--data", str(tree), "--out", str(out), "--weights", str(weights),
                 "--device", "cpu", "--no-progress"]) == 0
    for clip, exp in (("a", "0"), ("a", "1"), ("b", "0")):
        files = sorted(p.name for p in (out / "ds" / clip / exp).iterdir())
        assert files == [f"{t:04d}.png" for t in range(T)]
        assert read_u8(out / "ds" / clip / exp / "0003.png").shape == (64, 96)
    rec = json.loads((out / "run.json").read_text())
    assert rec["track"] == "caption" and len(rec["clips"]) == 3
    lines = "".join(f"{p.relative_to(weights).as_posix()}\0{hashlib.sha256(p.read_bytes()).hexdigest()}\n"
                    for p in sorted(q for q in weights.rglob("*") if q.is_file()))
    assert rec["weights_sha256"] == hashlib.sha256(lines.encode()).hexdigest()
    assert {c["caption"] for c in rec["clips"]} == {"the red circle moving right", "the blue square",
                                                    "the red circle moving down"}
