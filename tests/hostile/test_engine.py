"""Hostile inputs for the engine: scheduler addresses, Dask resources, shards, resuming and
--overwrite on run-baseline, pooling and near-tie notes, a frame of another size deep in a
streamed instance clip. Each case asserts the exact class of answer."""

from __future__ import annotations

import json
import socket

import cv2
import numpy as np
import pytest

from tests.hostile._corpus import run_cli


def _png(path, a):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), a)


@pytest.fixture
def plain(tmp_path):
    for side in ("gt", "pred"):
        for t in range(2):
            _png(tmp_path / side / "c" / f"{t:04d}.png", np.full((4, 5), 40 * t + (side == "pred"), np.uint8))
    return tmp_path


@pytest.fixture
def bench(tmp_path):
    rng = np.random.default_rng(0)
    for c in ("a", "b"):
        for t in range(2):
            _png(tmp_path / "bench" / "plain" / "ds" / c / "com" / f"{t:04d}.png", rng.integers(0, 256, (8, 8, 3), dtype=np.uint8))
            _png(tmp_path / "bench" / "plain" / "ds" / c / "guidance" / "mask_down8" / f"{t:04d}.png",
                 np.full((8, 8), 255, np.uint8))
    return tmp_path / "bench"


@pytest.mark.parametrize("address", ["localhost", "tcp://", "tcp://host:port", "http://10.0.0.5:8786", "tcp://h:0",
                                     "tcp://h:99999", "h:1:2", "tcp://a b:1"])
@pytest.mark.parametrize("task", ["plain", "instance"])
def test_malformed_scheduler_is_one_line(capsys, plain, address, task):
    ans = run_cli(capsys, ["eval", "--pred", plain / "pred", "--gt", plain / "gt", "--task", task, "--scheduler", address])
    assert ans.refused(f"--scheduler {address!r}: not a Dask scheduler address"), ans


def test_refused_scheduler_is_one_line(capsys, plain):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there now
    ans = run_cli(capsys, ["eval", "--pred", plain / "pred", "--gt", plain / "gt", "--scheduler", f"127.0.0.1:{port}"])
    assert ans.refused(f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}"), ans


@pytest.mark.parametrize("value", ["GPU", "GPU=0", "GPU=-1", "=1", "GPU=one", ","])
def test_malformed_resources(capsys, bench, tmp_path, value):
    ans = run_cli(capsys, ["run-baseline", "mask-as-matte", "--data", bench, "--out", tmp_path / "o",
                           "--scheduler", "tcp://127.0.0.1:8786", "--resources", value, "--no-progress"])
    assert ans.refused(f"--resources {value!r}"), ans
    assert not (tmp_path / "o").exists()


def test_resources_without_scheduler(capsys, bench, tmp_path):
    ans = run_cli(capsys, ["run-baseline", "mask-as-matte", "--data", bench, "--out", tmp_path / "o", "--resources", "GPU=1"])
    assert ans.refused("--resources are Dask task resources; they need --scheduler"), ans


@pytest.mark.parametrize("shard", ["0/3", "4/3", "2", "x/y", "1/0", "-1/2"])
def test_malformed_shard(capsys, bench, tmp_path, shard):
    ans = run_cli(capsys, ["run-baseline", "mask-as-matte", "--data", bench, "--out", tmp_path / "o", f"--shard={shard}"])
    assert ans.refused(f"--shard {shard!r}: expected I/N"), ans


def test_resume_with_other_weights_names_the_field(capsys, bench, tmp_path):
    out = tmp_path / "o"
    assert run_cli(capsys, ["run-baseline", "mask-as-matte", "--data", bench, "--out", out, "--no-progress"]).code == 0
    (tmp_path / "w.bin").write_bytes(b"\0")
    ans = run_cli(capsys, ["run-baseline", "mask-as-matte", "--data", bench, "--out", out, "--weights",
                           tmp_path / "w.bin", "--no-progress"])
    assert ans.refused("cannot resume", "weights_sha256: the record has None", "--overwrite"), ans


def test_overwrite_leaves_a_user_file_in_a_clip_folder(capsys, bench, tmp_path):
    out = tmp_path / "o"
    assert run_cli(capsys, ["run-baseline", "mask-as-matte", "--data", bench, "--out", out, "--no-progress"]).code == 0
    mine = out / "ds" / "a" / "pha" / "keep.json"
    mine.write_text("{}")
    ans = run_cli(capsys, ["run-baseline", "mask-guided-filter", "--data", bench, "--out", out, "--overwrite", "--no-progress"])
    assert ans.refused("keep.json: not written by vmbench"), ans
    assert mine.read_text() == "{}"


def test_user_frames_without_record_never_replaced(capsys, bench, tmp_path):
    out = tmp_path / "o"
    theirs = out / "ds" / "a" / "pha" / "0000.png"
    _png(theirs, np.full((8, 8), 7, np.uint8))
    before = theirs.read_bytes()
    ans = run_cli(capsys, ["run-baseline", "mask-as-matte", "--data", bench, "--out", out, "--overwrite", "--no-progress"])
    assert ans.refused("exists and was not written by vmbench"), ans
    assert theirs.read_bytes() == before


def test_output_inside_input(capsys, bench):
    ans = run_cli(capsys, ["run-baseline", "mask-as-matte", "--data", bench, "--out", bench / "plain" / "x", "--no-progress"])
    assert ans.refused("is inside the input", "vmbench never writes into"), ans


def test_unequal_clip_lengths_note_and_sheet_number(capsys, tmp_path):
    values = {}
    for clip, n in (("a", 1), ("b", 3)):  # the first clip (sorted) is the shortest
        for t in range(n):
            g = np.full((2, 2), 10 * t, np.uint8)
            p = np.full((2, 2), 10 * t + 5 + 20 * (clip == "b"), np.uint8)
            _png(tmp_path / "gt" / "ds" / clip / "pha" / f"{t:04d}.png", g)
            _png(tmp_path / "pred" / "ds" / clip / "pha" / f"{t:04d}.png", p)
            values.setdefault(clip, []).append(float(np.float32(abs(int(p[0, 0]) - int(g[0, 0]))) / np.float32(255)) * 1e3)
    ans = run_cli(capsys, ["eval", "--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--metrics", "MAD",
                           "--json", tmp_path / "r.json"])
    assert ans.code == 0
    notes = [ln for ln in ans.out.splitlines() if "RVM's sheet pools only" in ln]
    assert len(notes) == 1 and "first clip ds/a" in notes[0]
    sheet = (values["a"][0] + values["b"][0]) / 2  # B2 averages index 0 only
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["MAD"] == pytest.approx(sheet, rel=1e-6)


def test_identical_predictions_near_tie_note(capsys, tmp_path):
    for i in range(2):
        for t in range(2):
            g = np.zeros((6, 6), np.uint8)
            g[i * 3:(i * 3) + 3] = 255
            _png(tmp_path / "gt" / "v" / "pha" / f"i{i}" / f"{t:04d}.png", g)
            _png(tmp_path / "pred" / "v" / f"p{i}" / f"{t:04d}.png", np.full((6, 6), 255, np.uint8))
    ans = run_cli(capsys, ["eval", "--task", "instance", "--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--metrics", "MAD"])
    assert ans.code == 0
    ties = [ln for ln in ans.out.splitlines() if "near-tie" in ln]
    assert len(ties) == 1 and "clip gt/v" in ties[0] and "whole-clip matching: GT 'i0' and 'i1' with prediction(s) 'p0' and 'p1'" in ties[0]


def test_frame_of_other_size_deep_in_a_streamed_clip(capsys, tmp_path):
    for t in range(6):
        g = np.zeros((6, 8), np.uint8)
        _png(tmp_path / "gt" / "v" / "pha" / "i0" / f"{t:04d}.png", g)
        _png(tmp_path / "pred" / "v" / "p0" / f"{t:04d}.png", g if t != 4 else np.zeros((6, 9), np.uint8))
    ans = run_cli(capsys, ["eval", "--task", "instance", "--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--metrics", "MAD"])
    assert ans.refused("predicted frames are 9x6, the ground truth is 8x6 (e.g. 0004.png)"), ans


@pytest.mark.parametrize("kind", ["rgb", "binary"])
def test_instance_conversions_are_noted(capsys, tmp_path, kind):
    """Instance frames go through the plain task's reader and its notes (not converted silently)."""
    for t in range(2):
        g = np.zeros((6, 8), np.uint8)
        g[:3] = 255
        _png(tmp_path / "gt" / "v" / "pha" / "i0" / f"{t:04d}.png", g)
        p = np.stack([g] * 3, axis=-1) if kind == "rgb" else (g > 0).astype(np.uint8)
        _png(tmp_path / "pred" / "v" / "p0" / f"{t:04d}.png", p)
    ans = run_cli(capsys, ["eval", "--task", "instance", "--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--metrics", "MAD"])
    assert ans.code == 0
    word = "RGB, read as luma" if kind == "rgb" else "0/1"
    assert any(word in ln and "2 file(s)" in ln for ln in ans.out.splitlines() if ln.startswith("note:")), ans.out
