"""Layouts: clips as folders or files, pairing rules and the messages of a pairing failure."""

import av
import cv2
import numpy as np
import pytest

from tests.metrics import reference as ref
from vmbench.errors import InputError
from vmbench.evaluate import evaluate
from vmbench.io.layouts import clip_frames, pair_clips, resolve_dataset_root


def frame(t, size=(16, 24), seed=0):
    rng = np.random.default_rng(seed + t)
    return (rng.random(size) * 255).astype(np.uint8)


def write_clip(folder, frames=3, *, name="{:04d}.png", seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    for t in range(frames):
        cv2.imwrite(str(folder / name.format(t)), frame(t, seed=seed))


def write_lossless_mp4(path, frames):
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264rgb", rate=25)
        s.width, s.height, s.pix_fmt, s.options = frames[0].shape[1], frames[0].shape[0], "rgb24", {"qp": "0"}
        for f in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(np.dstack([f] * 3), format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)


def test_clip_frames_finds_each_form(tmp_path):
    write_clip(tmp_path / "a" / "pha")
    write_clip(tmp_path / "b")
    write_clip(tmp_path / "c" / "alpha")
    np.save(tmp_path / "d.npy", np.zeros((3, 4, 4), np.uint8))
    (tmp_path / "e").mkdir()
    np.save(tmp_path / "e" / "pha.npy", np.zeros((3, 4, 4), np.uint8))
    notes = []
    assert clip_frames(tmp_path / "a", notes) == tmp_path / "a" / "pha"
    assert clip_frames(tmp_path / "b", notes) == tmp_path / "b"
    assert clip_frames(tmp_path / "d", notes) == tmp_path / "d.npy"
    assert clip_frames(tmp_path / "e", notes) == tmp_path / "e" / "pha.npy"
    assert notes == []
    assert clip_frames(tmp_path / "c", notes) == tmp_path / "c" / "alpha"
    assert notes == [f"{tmp_path / 'c' / 'alpha'}: read as the clip's alpha folder (the layouts name it pha/)"]
    assert clip_frames(tmp_path / "nothing") is None


def test_mp4_tree_scores_as_its_frames_would(tmp_path):
    """A tree of lossless pha.mp4 predictions gives the numbers of the same frames as PNGs."""
    for c in ("c0", "c1"):
        write_clip(tmp_path / "gt" / "ds" / c / "pha", 4, seed=10)
        frames = [frame(t, seed=20) for t in range(4)]
        write_lossless_mp4(tmp_path / "pred" / "ds" / c / "pha.mp4", frames)
    result = evaluate(tmp_path / "pred", tmp_path / "gt", workers=1)
    assert result.layout == "rvm-tree" and len(result.frames) == 8
    g = [frame(t, seed=10).astype(np.float32) / np.float32(255) for t in range(4)]
    p = [frame(t, seed=20).astype(np.float32) / np.float32(255) for t in range(4)]
    mad = np.mean([ref.mad(p[t], g[t]) for t in range(4)])
    dt = np.mean([0.0] + [ref.dtssd(p[t], p[t - 1], g[t], g[t - 1]) for t in range(1, 4)])
    assert result.summary["MAD"] == pytest.approx(mad, rel=1e-6)
    assert result.summary["dtSSD"] == pytest.approx(dt, rel=1e-6)
    assert any("lossy video codec h264" in n for n in result.notes)  # h264 is named, even at qp 0


def test_float_tiff_tree_default_and_float_precision(tmp_path):
    rng = np.random.default_rng(5)
    g8 = [frame(t, seed=1) for t in range(3)]
    x = [rng.random((16, 24)).astype(np.float32) for _ in range(3)]
    for t in range(3):
        (tmp_path / "gt").mkdir(exist_ok=True)
        (tmp_path / "pred").mkdir(exist_ok=True)
        cv2.imwrite(str(tmp_path / "gt" / f"{t}.png"), g8[t])
        cv2.imwrite(str(tmp_path / "pred" / f"{t}.tif"), x[t])
    g = [a.astype(np.float32) / np.float32(255) for a in g8]
    q = [np.clip(np.rint(a * np.float32(255)), 0, 255).astype(np.float32) / np.float32(255) for a in x]
    u8 = evaluate(tmp_path / "pred", tmp_path / "gt", metrics=["MAD", "MSE"], workers=1)
    assert u8.summary["MAD"] == pytest.approx(np.mean([ref.mad(q[t], g[t]) for t in range(3)]), rel=1e-6)
    assert any("quantised to 8 bits" in n for n in u8.notes)
    full = evaluate(tmp_path / "pred", tmp_path / "gt", metrics=["MAD", "MSE"], workers=1, precision="float")
    assert full.summary["MAD"] == pytest.approx(np.mean([ref.mad(x[t], g[t]) for t in range(3)]), rel=1e-6)
    assert full.summary["MSE"] == pytest.approx(np.mean([ref.mse(x[t], g[t]) for t in range(3)]), rel=1e-6)
    assert "precision float: float frames scored at full precision, not quantised to 8 bits" in full.notes


def test_clip_files_in_a_clip_folder_tree(tmp_path):
    """clip-folders layout with <clip>.npy predictions beside nothing else."""
    for c in ("a", "b"):
        write_clip(tmp_path / "gt" / c, 3, seed=2)
        (tmp_path / "pred").mkdir(exist_ok=True)
        np.save(tmp_path / "pred" / f"{c}.npy", np.stack([frame(t, seed=2) for t in range(3)]))
    result = evaluate(tmp_path / "pred", tmp_path / "gt", metrics=["MAD"], workers=1)
    assert result.layout == "clip-folders" and result.summary["MAD"] == 0.0 and len(result.frames) == 6


def test_video_frame_count_mismatch(tmp_path):
    write_clip(tmp_path / "gt" / "ds" / "c" / "pha", 5)
    write_lossless_mp4(tmp_path / "pred" / "ds" / "c" / "pha.mp4", [frame(t) for t in range(4)])
    with pytest.raises(InputError, match=r"pha\.mp4: 4 prediction frames, the ground truth .* has 5 \(a video or a NumPy "
                                         r"stack pairs with the ground truth frame by frame, in order\)"):
        pair_clips(tmp_path / "pred", tmp_path / "gt")


def test_dataset_root_resolves_to_plain_and_instance(tmp_path):
    (tmp_path / "manifest.json").write_text("{}")
    write_clip(tmp_path / "plain" / "ds" / "c" / "pha")
    (tmp_path / "instance").mkdir()
    notes = []
    assert resolve_dataset_root(tmp_path, notes) == tmp_path / "plain"
    assert notes == [f"{tmp_path}: a vmbench dataset root (manifest.json); read its plain/ subtree ({tmp_path / 'plain'})"]
    assert resolve_dataset_root(tmp_path, [], task="instance") == tmp_path / "instance"
    assert resolve_dataset_root(tmp_path / "plain", []) == tmp_path / "plain"


def test_pairing_failure_shows_both_sides_and_the_rule(tmp_path):
    write_clip(tmp_path / "gt", 3, name="{:05d}.png")
    write_clip(tmp_path / "pred", 3, name="{:04d}.png")
    with pytest.raises(InputError) as err:
        pair_clips(tmp_path / "pred", tmp_path / "gt")
    assert str(err.value) == (
        f"{tmp_path / 'pred'}: 3 of 3 prediction frames missing; the ground truth has 00000.png, 00001.png, 00002.png, "
        "the prediction has 0000.png, 0001.png, 0002.png; frames pair by equal file stem (the name without its extension)"
    )


def test_sparse_ground_truth_on_a_video_prediction(tmp_path):
    """CRGNN-style: ground truth on every 3rd frame, the prediction a 7-frame video: frames 0, 3, 6 are scored."""
    preds = [frame(t, seed=40) for t in range(7)]
    write_lossless_mp4(tmp_path / "pred" / "c" / "pha.mp4", preds)
    gts = [frame(t, seed=50) for t in range(3)]
    (tmp_path / "gt" / "c").mkdir(parents=True)
    for k, g in enumerate(gts):
        cv2.imwrite(str(tmp_path / "gt" / "c" / f"{k * 3:05d}.png"), g)
    _, pairs = pair_clips(tmp_path / "pred", tmp_path / "gt", sparse_gt=3)
    assert pairs[0].stems == ["00000", "00003", "00006"]
    assert [np.array_equal(pairs[0].pred.read(k), preds[3 * k]) for k in range(3)] == [True] * 3
    assert pairs[0].pred.name(2) == f"{tmp_path / 'pred' / 'c' / 'pha.mp4'} frame 6"
    with pytest.raises(InputError, match=r"pha\.mp4: 7 prediction frames; the ground truth has 3 frames, one every 4 "
                                         r"prediction frames, so at least 9 are needed"):
        pair_clips(tmp_path / "pred", tmp_path / "gt", sparse_gt=4)


def test_problems_mode_collects_instead_of_raising(tmp_path):
    for c in ("a", "b", "c"):
        write_clip(tmp_path / "gt" / c, 3)
    write_clip(tmp_path / "pred" / "a", 3)
    write_clip(tmp_path / "pred" / "b", 2)
    write_clip(tmp_path / "pred" / "z", 3)
    problems = []
    _, pairs = pair_clips(tmp_path / "pred", tmp_path / "gt", problems=problems)
    assert [p.clip for p in pairs] == ["a"]
    assert problems == [
        f"{tmp_path / 'pred' / 'c'}: missing prediction clip (ground truth {tmp_path / 'gt' / 'c'})",
        f"{tmp_path / 'pred' / 'z'}: prediction clip has no ground truth",
        f"{tmp_path / 'pred' / 'b'}: 1 of 3 prediction frames missing; the ground truth has 0002.png, the prediction "
        "has 0000.png, 0001.png; frames pair by equal file stem (the name without its extension)",
    ]


def test_cli_scores_a_lossy_mp4_tree_as_opencv_decodes_it(tmp_path, capsys):
    """`vmbench eval` on pha.mp4 (H.264 yuv420p, as imageio writes it) against PNG ground truth:
    MAD and dtSSD equal those of the frames OpenCV's own capture decodes, computed here."""
    import json

    from vmbench.cli import main

    expected_mad, expected_dt = [], []
    for c in ("c0", "c1"):
        write_clip(tmp_path / "gt" / "ds" / c / "pha", 5, seed=60)
        path = tmp_path / "pred" / "ds" / c / "pha.mp4"
        path.parent.mkdir(parents=True)
        with av.open(str(path), "w") as out:
            s = out.add_stream("libx264", rate=25)
            s.width, s.height, s.pix_fmt = 24, 16, "yuv420p"
            for t in range(5):
                for p in s.encode(av.VideoFrame.from_ndarray(np.dstack([frame(t, seed=70)] * 3), format="rgb24")):
                    out.mux(p)
            for p in s.encode():
                out.mux(p)
        cap = cv2.VideoCapture(str(path))
        decoded = []
        while True:
            ok, image = cap.read()
            if not ok:
                break
            decoded.append(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(np.float32) / np.float32(255))
        g = [frame(t, seed=60).astype(np.float32) / np.float32(255) for t in range(5)]
        expected_mad.append([ref.mad(decoded[t], g[t]) for t in range(5)])
        expected_dt.append([0.0] + [ref.dtssd(decoded[t], decoded[t - 1], g[t], g[t - 1]) for t in range(1, 5)])
    out = tmp_path / "r.json"
    assert main(["eval", "--no-progress", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt"),
                 "--metrics", "MAD,dtSSD", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "note: 2 file(s) lossy video codec h264; compression noise is scored as error: c0/pha.mp4, c1/pha.mp4" in printed
    summary = json.loads(out.read_text())["summary"]
    assert summary["MAD"] == pytest.approx(np.mean(expected_mad), rel=1e-6)
    assert summary["dtSSD"] == pytest.approx(np.mean(expected_dt), rel=1e-6)
