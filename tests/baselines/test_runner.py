"""The runner, registry and `vmbench run-baseline` command: resume, refusal, errors, plug-ins."""

import hashlib
import json
import shutil
import sys
import textwrap

import numpy as np
import pytest

from tests.baselines.helpers import T, build_tree, mad, read_u8
from vmbench.adapters import registry
from vmbench.adapters.base import Track
from vmbench.adapters.registry import BUILTIN_ADAPTERS, create_adapter, load_adapter_class
from vmbench.adapters.runner import run_adapter, weights_sha256
from vmbench.cli import main
from vmbench.errors import InputError

USER_ADAPTER = textwrap.dedent('''
    import numpy as np
    from vmbench.adapters.base import Track

    class HalfAdapter:
        """Predicts 0.5 everywhere (plain / none track); checks the plug-in path."""
        name = "half"
        track = Track.NONE
        needs_weights = False
        weights_filename = None
        def load(self, weights, device):
            self.loaded = (weights, device)
        def predict(self, clip):
            h, w = clip.read_frame(0).shape[:2]
            for _ in range(len(clip)):
                yield np.full((h, w), 0.5, np.float32)

    class WeightedAdapter(HalfAdapter):
        name = "weighted"
        needs_weights = True
        weights_filename = "weighted.pt"
        def load(self, weights, device):
            import torch
            self.scale = float(torch.load(weights, map_location="cpu", weights_only=True)["scale"])
        def predict(self, clip):
            for a in super().predict(clip):
                yield a * self.scale

    class ShortAdapter(HalfAdapter):
        name = "short"
        def predict(self, clip):
            yield from list(super().predict(clip))[:-1]

    class WrongSizeAdapter(HalfAdapter):
        name = "wrong-size"
        def predict(self, clip):
            for _ in range(len(clip)):
                yield np.zeros((3, 3), np.float32)
''')


@pytest.fixture()
def tree(tmp_path):
    return build_tree(tmp_path / "bench")


@pytest.fixture()
def user_module(tmp_path, monkeypatch):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "my_vm_adapter.py").write_text(USER_ADAPTER)
    monkeypatch.syspath_prepend(str(folder))
    yield folder / "my_vm_adapter.py"
    sys.modules.pop("my_vm_adapter", None)


def test_resume_skips_finished_clips_and_redoes_half_written(tree, tmp_path):
    out = tmp_path / "out"
    first = run_adapter(create_adapter("mask-as-matte"), tree, out, device="cpu")
    assert first["skipped"] == 0
    stamp = (out / "ds/a/pha/0000.png").stat().st_mtime_ns
    second = run_adapter(create_adapter("mask-as-matte"), tree, out, device="cpu")
    assert second["skipped"] == 2 and (out / "ds/a/pha/0000.png").stat().st_mtime_ns == stamp
    # simulate an interruption inside clip b: its record entry gone, a half-written temp folder
    rec = json.loads((out / "run.json").read_text())
    rec["clips"] = [c for c in rec["clips"] if c["clip"] != "b"]
    rec["complete"] = False
    (out / "run.json").write_text(json.dumps(rec))
    shutil.rmtree(out / "ds/b")
    (out / "ds/.b.partial/pha").mkdir(parents=True)
    (out / "ds/.b.partial/pha/0000.png").write_bytes(b"junk")
    third = run_adapter(create_adapter("mask-as-matte"), tree, out, device="cpu")
    assert third["skipped"] == 1 and third["complete"]
    assert not (out / "ds/.b.partial").exists()
    assert sorted(p.name for p in (out / "ds/b/pha").iterdir()) == [f"{t:04d}.png" for t in range(T)]
    assert (out / "ds/a/pha/0000.png").stat().st_mtime_ns == stamp


def test_refuses_occupied_output_unless_overwrite(tree, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("user data")
    with pytest.raises(InputError, match="--overwrite"):
        run_adapter(create_adapter("mask-as-matte"), tree, out, device="cpu")
    run_adapter(create_adapter("mask-as-matte"), tree, out, device="cpu", overwrite=True)
    assert (out / "notes.txt").read_text() == "user data"
    # another adapter into the same folder is refused too
    with pytest.raises(InputError, match="different run"):
        run_adapter(create_adapter("ffm-static"), tree, out, device="cpu")
    assert main(["run-baseline", "ffm-static", "--data", str(tree), "--out", str(out), "--no-progress"]) == 2


def test_missing_guidance_names_clip_and_folder(tree, tmp_path):
    shutil.rmtree(tree / "plain/ds/b/guidance/mask_down8")
    with pytest.raises(InputError, match=r"ds/b.*guidance/mask_down8|mask_down8.*ds/b") as err:
        run_adapter(create_adapter("mask-guided-filter"), tree, tmp_path / "out", device="cpu")
    assert "ds/b" in str(err.value) and "mask_down8" in str(err.value)
    (tree / "plain/ds/a/guidance/trimap/0003.png").unlink()
    with pytest.raises(InputError, match="0003.png"):
        run_adapter(create_adapter("trimap-cf"), tree, tmp_path / "out2", device="cpu")


def test_other_guidance_kind(tree, tmp_path):
    # --guidance: a mask kind that is the exact alpha binarised gives a near-perfect mask-as-matte
    src = tree / "plain/ds"
    for clip in ("a", "b"):
        for t in range(T):
            gt = read_u8(src / clip / "pha" / f"{t:04d}.png")
            path = src / clip / "guidance/mask_exact" / f"{t:04d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            import cv2
            cv2.imwrite(str(path), np.where(gt >= 128, 255, 0).astype(np.uint8))
    rec = run_adapter(create_adapter("mask-as-matte"), tree, tmp_path / "o", device="cpu", guidance="mask_exact")
    assert rec["guidance"] == "mask_exact"
    gt = read_u8(src / "a/pha/0001.png")
    assert np.array_equal(read_u8(tmp_path / "o/ds/a/pha/0001.png"), np.where(gt >= 128, 255, 0))


def test_user_adapter_by_module_and_by_file(tree, tmp_path, user_module):
    cls = load_adapter_class(spec="my_vm_adapter:HalfAdapter")
    assert cls.track == Track.NONE
    out = tmp_path / "mod"
    assert main(["run-baseline", "--adapter", "my_vm_adapter:HalfAdapter", "--data", str(tree),
                 "--out", str(out), "--no-progress"]) == 0
    assert np.all(read_u8(out / "ds/a/pha/0004.png") == 128)  # 0.5 * 255 rounds to 128
    rec = json.loads((out / "run.json").read_text())
    assert rec["adapter"] == "half" and rec["adapter_class"] == "my_vm_adapter.HalfAdapter"
    assert rec["track"] == "none" and rec["guidance"] is None
    out2 = tmp_path / "file"
    assert main(["run-baseline", "--adapter", f"{user_module}:HalfAdapter", "--data", str(tree),
                 "--out", str(out2), "--no-progress"]) == 0
    assert np.array_equal(read_u8(out2 / "ds/b/pha/0000.png"), read_u8(out / "ds/b/pha/0000.png"))
    with pytest.raises(InputError, match="no attribute"):
        load_adapter_class(spec=f"{user_module}:Nope")
    with pytest.raises(InputError, match="does not exist"):
        load_adapter_class(spec=f"{tmp_path}/missing.py:X")


def test_adapter_must_yield_one_frame_per_input_at_frame_size(tree, tmp_path, user_module):
    with pytest.raises(InputError, match=r"adapter short on clip ds/a: yielded 4 frames, the clip has 5"):
        run_adapter(create_adapter(spec="my_vm_adapter:ShortAdapter"), tree, tmp_path / "s", device="cpu")
    with pytest.raises(InputError, match=r"adapter wrong-size on clip ds/a.*\(3, 3\).*\(64, 96\)"):
        run_adapter(create_adapter(spec="my_vm_adapter:WrongSizeAdapter"), tree, tmp_path / "w", device="cpu")
    # nothing half-written is left as if complete
    assert not (tmp_path / "s/ds/a").exists()


def test_weights_resolution_hash_and_missing_message(tree, tmp_path, user_module, monkeypatch):
    import torch

    monkeypatch.setenv("VMBENCH_WEIGHTS", str(tmp_path / "wdir"))
    args = ["run-baseline", "--adapter", "my_vm_adapter:WeightedAdapter", "--data", str(tree), "--no-progress"]
    with pytest.raises(InputError, match=r"wdir/weighted.pt.*not found"):
        registry.resolve_weights(create_adapter(spec="my_vm_adapter:WeightedAdapter"), None)
    assert main([*args, "--out", str(tmp_path / "o0")]) == 2
    wfile = tmp_path / "wdir" / "weighted.pt"
    wfile.parent.mkdir()
    torch.save({"scale": torch.tensor(0.4)}, wfile)
    assert main([*args, "--out", str(tmp_path / "o1")]) == 0
    rec = json.loads((tmp_path / "o1/run.json").read_text())
    assert rec["weights_sha256"] == hashlib.sha256(wfile.read_bytes()).hexdigest()
    assert rec["weights"] == str(wfile.resolve()) and rec["device"] in ("cpu", "cuda")
    assert np.all(read_u8(tmp_path / "o1/ds/a/pha/0000.png") == 51)  # 0.2 * 255
    # a folder of weights: hash over sorted "relpath\0sha256\n" lines
    folder = tmp_path / "wfolder"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.bin").write_bytes(b"bbb")
    (folder / "sub/a.bin").write_bytes(b"aa")
    lines = "".join(f"{rel}\0{hashlib.sha256(data).hexdigest()}\n" for rel, data in (("b.bin", b"bbb"), ("sub/a.bin", b"aa")))
    assert weights_sha256(folder) == hashlib.sha256(lines.encode()).hexdigest()


def test_unknown_name_lists_available():
    with pytest.raises(InputError, match="unknown adapter 'nope'; available: .*mask-guided-filter.*trimap-cf"):
        create_adapter("nope")
    assert main(["run-baseline", "nope", "--out", "x"]) == 2


def test_list_shows_every_builtin_and_entry_points(capsys, monkeypatch, user_module):
    monkeypatch.setattr(registry, "_entry_points", lambda: {"third-party-half": "my_vm_adapter:HalfAdapter",
                                                            "broken": "no_such_module_xyz:X"})
    assert main(["run-baseline", "--list"]) == 0
    text = capsys.readouterr().out
    lines = {line.split()[0]: line for line in text.splitlines()[2:]}
    assert set(BUILTIN_ADAPTERS) | {"third-party-half", "broken"} == set(lines)
    assert "per-frame-mask" in lines["mask-guided-filter"] and lines["mask-guided-filter"].rstrip().endswith("yes")
    assert "caption" in lines["caption-color-prior"] and "first-frame-mask" in lines["ffm-propagate"]
    assert "yes (entry point)" in lines["third-party-half"]
    assert "unavailable: ModuleNotFoundError" in lines["broken"]
    for name, target in BUILTIN_ADAPTERS.items():
        module = target.split(":")[0]
        try:
            __import__(module)
        except ImportError:
            assert "unavailable" in lines[name]


def test_default_data_uses_embedded_benchmark(monkeypatch, tmp_path, tree):
    import types

    fake = types.ModuleType("vmbench.synth")
    fake.ensure_dataset = lambda preset: tree if preset == "tiny" else None
    monkeypatch.setitem(sys.modules, "vmbench.synth", fake)
    assert main(["run-baseline", "ffm-static", "--out", str(tmp_path / "o"), "--no-progress"]) == 0
    assert json.loads((tmp_path / "o/run.json").read_text())["data_root"] == str(tree.resolve())


def test_evaluate_scores_runner_output(tree, tmp_path):
    from vmbench.evaluate import evaluate

    out = tmp_path / "o"
    run_adapter(create_adapter("mask-guided-filter"), tree, out, device="cpu")
    result = evaluate(out, tree / "plain", protocol="rvm", metrics=["MAD"])
    for row in result.to_dict()["clips"]:
        errs = [mad(read_u8(out / "ds" / row["clip"] / "pha" / f"{t:04d}.png"),
                    read_u8(tree / "plain/ds" / row["clip"] / "pha" / f"{t:04d}.png")) for t in range(T)]
        assert row["MAD"] == pytest.approx(1e3 * np.mean(errs), rel=1e-6)


def test_data_may_be_the_plain_folder_itself_but_not_anything(tree, tmp_path):
    rec = run_adapter(create_adapter("ffm-static"), tree / "plain", tmp_path / "o", device="cpu")
    assert [c["key"] for c in rec["clips"]] == ["ds/a", "ds/b"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no plain/ folder"):
        run_adapter(create_adapter("ffm-static"), tmp_path / "empty", tmp_path / "o2", device="cpu")
    with pytest.raises(InputError, match="instance/"):
        run_adapter(create_adapter("caption-color-prior"), tree / "plain", tmp_path / "o3", device="cpu")


def test_guidance_refused_for_tracks_without_guidance(tree, tmp_path):
    with pytest.raises(InputError, match="takes no guidance"):
        run_adapter(create_adapter("none-background-diff"), tree, tmp_path / "o", device="cpu", guidance="trimap")


def test_dataset_hash_found_above_plain_folder(tree, tmp_path):
    rec = run_adapter(create_adapter("ffm-static"), tree / "plain", tmp_path / "o", device="cpu")
    assert rec["dataset_hash"] == "testhash123"
