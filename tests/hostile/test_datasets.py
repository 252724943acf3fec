"""Hostile inputs for dataset profiles (`eval --dataset`, `vmbench datasets`) and `vmbench check`:
each case asserts the exact class of answer (the one error line, the note, or the exit code)."""

import json

import cv2
import numpy as np
import pytest

from vmbench.cli import main


def write(path, img):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)


def frames(folder, n, value=100, size=(6, 8), start=0, fmt="{:04d}.png"):
    for t in range(start, start + n):
        write(folder / fmt.format(t), np.full(size, (value + 7 * t) % 256, np.uint8))


def one_error(capsys, argv, code=2):
    """Run the CLI; assert exit `code` and exactly one stderr line; return it."""
    assert main(argv) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("vmbench: error: ")
    return err[0].removeprefix("vmbench: error: ")


def rvm(root, splits=("videomatte_motion", "videomatte_static"), n=2, gt_ext=".png"):
    for s in splits:
        frames(root / "gt" / s / "0000" / "pha", n, fmt="{:04d}" + gt_ext)
        frames(root / "pred" / s / "0000" / "pha", n, value=90)


# --- eval --dataset / vmbench datasets: refusals -------------------------------------------------

@pytest.mark.parametrize("name", ["", "videomatte", "vm 108", "../etc/passwd", "VHIM60x"])
def test_unknown_dataset_names(tmp_path, capsys, name):
    rvm(tmp_path)
    msg = one_error(capsys, ["eval", "--dataset", name, "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    assert msg.startswith(f"unknown dataset {name!r}; known: videomatte-lr,")


def test_unreleased_dataset_refuses(tmp_path, capsys):
    rvm(tmp_path)
    msg = one_error(capsys, ["eval", "--dataset", "vrm10k", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    assert msg.startswith("dataset vrm10k: VRM-10K is not released")


def test_davis_palette_layout_refuses_with_what_to_do(tmp_path, capsys):
    rvm(tmp_path)
    msg = one_error(capsys, ["eval", "--dataset", "davis", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    assert msg.startswith("dataset davis: palette ground truth") and "--task instance --metrics J,F" in msg


def test_task_contradicting_the_profile(tmp_path, capsys):
    rvm(tmp_path)
    msg = one_error(capsys, ["eval", "--dataset", "vhim60", "--task", "plain", "--pred", str(tmp_path / "pred"),
                             "--gt", str(tmp_path / "gt")])
    assert msg == "dataset vhim60 is scored as the instance task, not --task plain"


def test_unknown_protocol_with_dataset(tmp_path, capsys):
    rvm(tmp_path)
    msg = one_error(capsys, ["eval", "--dataset", "videomatte-lr", "--protocol", "rvm-xl", "--pred", str(tmp_path / "pred"),
                             "--gt", str(tmp_path / "gt")])
    assert msg.startswith("unknown protocol 'rvm-xl'; available: rvm, rvm-hr, dim")


def _vm108(tmp_path, **kw):
    from tests.datasets.replicas import vm108_tree

    vm108_tree(tmp_path, **kw)
    return ["eval", "--dataset", "vm108", "--protocol", "rvm-hr", "--pred", str(tmp_path / "pred"),
            "--gt", str(tmp_path / "data")]


def test_vm108_gray_ground_truth_refused(tmp_path, capsys):
    argv = _vm108(tmp_path, videos=("v",), train=())
    write(tmp_path / "data" / "FG_done" / "v" / "00001.png", np.zeros((12, 20), np.uint8))
    msg = one_error(capsys, argv)
    assert msg.startswith(f"{tmp_path / 'data' / 'FG_done' / 'v' / '00001.png'}: gray, uint8; VM108's ground truth is the A channel")


def test_vm108_missing_trimap_refused(tmp_path, capsys):
    argv = _vm108(tmp_path, videos=("v",), train=())
    (tmp_path / "pred" / "v" / "00002_tri.png").unlink()
    msg = one_error(capsys, argv)
    assert msg.startswith(f"{tmp_path / 'pred' / 'v' / '00002_tri.png'}: trimap missing (1 of 3 in v); calc_metric.py would skip")


def test_vm108_non_validation_video_refused(tmp_path, capsys):
    argv = _vm108(tmp_path, videos=("v",), train=("t",))
    write(tmp_path / "pred" / "t" / "00000_pred.png", np.zeros((12, 20), np.uint8))
    msg = one_error(capsys, argv)
    assert msg.startswith(f"{tmp_path / 'pred' / 't'}: not a validation video of VM108 (val_videos.txt)")


def test_vm108_without_val_list(tmp_path, capsys):
    argv = _vm108(tmp_path, videos=("v",), train=())
    (tmp_path / "data" / "val_videos.txt").unlink()
    msg = one_error(capsys, argv)
    assert msg == f"{tmp_path / 'data' / 'val_videos.txt'}: missing; it lists VM108's validation videos"


def test_vm108_check_collects_every_video_problem(tmp_path, capsys):
    from tests.datasets.replicas import vm108_tree

    vm108_tree(tmp_path, videos=("a", "b", "c"), train=("t",))
    for f in (tmp_path / "pred" / "a").iterdir():
        f.unlink()
    (tmp_path / "pred" / "a").rmdir()
    (tmp_path / "pred" / "b" / "00000_pred.png").unlink()
    write(tmp_path / "pred" / "t" / "00000_pred.png", np.zeros((12, 20), np.uint8))
    assert main(["check", "--dataset", "vm108", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "data")]) == 1
    out = capsys.readouterr().out.splitlines()
    errors = [l for l in out if l.startswith("error: ")]
    assert errors[0].startswith(f"error: {tmp_path / 'pred' / 'a'}: missing prediction video")
    assert errors[1].startswith(f"error: {tmp_path / 'pred' / 'b' / '00000_pred.png'}: prediction missing")
    assert errors[2].startswith(f"error: {tmp_path / 'pred' / 't'}: not a validation video")
    assert out[-1].startswith("check: 1 of 3 clips paired, 3 frames read; 3 error(s)")


def test_default_protocol_missing_refuses(tmp_path, capsys, monkeypatch):
    """A profile whose protocol this vmbench lacks (simulated: crgnn taken out) refuses in one line."""
    import vmbench.protocols as protocols

    monkeypatch.setattr(protocols, "PROTOCOLS", {k: v for k, v in protocols.PROTOCOLS.items() if k != "crgnn"})
    frames(tmp_path / "gt" / "v", 2, fmt="frame{:05d}.png")
    frames(tmp_path / "pred" / "v" / "pha", 11)
    msg = one_error(capsys, ["eval", "--dataset", "crgnn", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    assert msg.startswith("dataset crgnn: its protocol 'crgnn' is not in this vmbench yet") and "pass --protocol" in msg


def test_missing_gt_root_with_dataset(tmp_path, capsys):
    msg = one_error(capsys, ["eval", "--dataset", "videomatte-lr", "--pred", str(tmp_path), "--gt", str(tmp_path / "nope")])
    assert msg == f"{tmp_path / 'nope'}: folder does not exist"


def test_sparse_prediction_too_short(tmp_path, capsys):
    frames(tmp_path / "gt" / "v", 3, fmt="frame{:05d}.png")  # 3 annotated frames -> needs 21 predictions
    frames(tmp_path / "pred" / "v" / "pha", 15)
    msg = one_error(capsys, ["eval", "--dataset", "crgnn", "--protocol", "rvm-hr", "--pred", str(tmp_path / "pred"),
                             "--gt", str(tmp_path / "gt")])
    assert msg == (f"{tmp_path / 'pred' / 'v' / 'pha'}: 15 prediction frames; the ground truth has 3 frames, one every "
                   "10 prediction frames, so at least 21 are needed (the last, 'frame00002', is prediction frame 20)")


# --- eval --dataset: notes before any number ---------------------------------------------------

def test_png_ground_truth_for_a_jpeg_set_is_noted_first(tmp_path, capsys):
    rvm(tmp_path, n=1)
    assert main(["eval", "--no-progress", "--dataset", "youtubematte-hr", "--pred", str(tmp_path / "pred"),
                 "--gt", str(tmp_path / "gt"), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "split(s) youtubematte_motion, youtubematte_static of youtubematte-hr not found" in out[0]
    assert any(l.startswith("note: ") and "ground truth is .png; the published youtubematte-hr ships .jpg" in l for l in out)
    first_number = next(i for i, l in enumerate(out) if l.startswith("protocol "))
    assert all(l.startswith("note: ") for l in out[:first_number])


def test_gt_pointing_at_one_split(tmp_path, capsys):
    rvm(tmp_path, splits=("videomatte_static",), n=1)
    gt, pred = tmp_path / "gt" / "videomatte_static", tmp_path / "pred" / "videomatte_static"
    assert main(["eval", "--no-progress", "--dataset", "videomatte-lr", "--pred", str(pred), "--gt", str(gt), "--quiet"]) == 0
    assert f"note: {gt}: one split of videomatte-lr (videomatte_static); the summary covers that split only" in capsys.readouterr().out


def test_splits_key_is_read_by_the_leaderboard_and_other_keys_are_not(tmp_path):
    from vmbench.errors import InputError
    from vmbench.leaderboard.results import load_result

    base = {"protocol": "maggie", "summary": {"MAD": 1.0}, "clips": [{"clip": "a", "frames": 1, "MAD": 1.0}], "frames": []}
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps({**base, "splits": {"comp_easy": {"clips": 1, "frames": 1, "summary": {"MAD": 1.0}}}}))
    assert load_result(ok).summary == {"MAD": 1.0}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**base, "extra": 1}))
    with pytest.raises(InputError, match=r"unexpected \['extra'\]"):
        load_result(bad)


# --- check ---------------------------------------------------------------------------------------

def check(argv):
    return main(["check", *map(str, argv)])


def test_check_same_folder(tmp_path, capsys):
    frames(tmp_path / "gt" / "a", 2)
    assert check(["--pred", tmp_path / "gt", "--gt", tmp_path / "gt"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"error: {tmp_path / 'gt'}: the prediction and ground-truth paths are the same folder")


def test_check_missing_prediction_root(tmp_path, capsys):
    frames(tmp_path / "gt" / "a", 2)
    assert check(["--pred", tmp_path / "nope", "--gt", tmp_path / "gt"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == f"error: {tmp_path / 'nope'}: prediction folder does not exist"


def test_check_ground_truth_without_frames(tmp_path, capsys):
    (tmp_path / "gt" / "a").mkdir(parents=True)
    (tmp_path / "pred").mkdir()
    assert check(["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"]) == 1
    assert capsys.readouterr().out.splitlines()[0].startswith(f"error: {tmp_path / 'gt'}: no frames found")


@pytest.mark.parametrize("content,what", [(b"", "file is empty"), (b"GIF89a....", "not a readable")])
def test_check_unreadable_prediction_file(tmp_path, capsys, content, what):
    frames(tmp_path / "gt" / "a", 2)
    frames(tmp_path / "pred" / "a", 2)
    (tmp_path / "pred" / "a" / "0001.png").write_bytes(content)
    assert check(["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"error: {tmp_path / 'pred' / 'a' / '0001.png'}: {what}")
    assert out[-1].startswith("check: 1 of 1 clips paired, 1 frames read; 1 error(s)")


def test_check_empty_prediction_is_a_note(tmp_path, capsys):
    frames(tmp_path / "gt" / "a", 2)
    frames(tmp_path / "pred" / "a", 2, value=0)
    for p in (tmp_path / "pred" / "a").iterdir():
        write(p, np.zeros((6, 8), np.uint8))
    assert check(["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"]) == 0
    assert f"note: {tmp_path / 'pred' / 'a'}: prediction is empty (0 in every pixel of every frame)" in capsys.readouterr().out


def test_check_ground_truth_saved_as_01_mask(tmp_path, capsys):
    for t in range(2):
        write(tmp_path / "gt" / "a" / f"{t:04d}.png", (np.arange(48).reshape(6, 8) % 2).astype(np.uint8))
    frames(tmp_path / "pred" / "a", 2)
    assert check(["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"]) == 0
    out = capsys.readouterr().out
    assert any(l.startswith("note: ") and "values only 0 and 1" in l and str(tmp_path / "gt" / "a") in l
               for l in out.splitlines())


@pytest.mark.parametrize("workers", ["0", "-3", "x"])
def test_check_bad_workers(tmp_path, capsys, workers):
    frames(tmp_path / "gt" / "a", 1)
    frames(tmp_path / "pred" / "a", 1)
    try:
        code = main(["check", "--workers", workers, "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    except SystemExit as exc:  # argparse's own exit
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("vmbench: error: argument --workers: ")


def test_check_unknown_dataset(tmp_path, capsys):
    msg = one_error(capsys, ["check", "--dataset", "nope", "--pred", str(tmp_path), "--gt", str(tmp_path)])
    assert msg.startswith("unknown dataset 'nope'")


def test_check_never_writes(tmp_path, capsys):
    frames(tmp_path / "gt" / "a", 2)
    frames(tmp_path / "pred" / "a", 2)
    before = sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*"))
    assert check(["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"]) == 0
    assert sorted((p, p.stat().st_mtime_ns) for p in tmp_path.rglob("*")) == before


def test_per_split_dataset_scored_on_one_split(tmp_path, capsys):
    """--gt is one split of V-HIM60: the summary is that split's (noted first), no empty splits table or key."""
    from tests.datasets.replicas import vhim_tree

    vhim_tree(tmp_path, splits=("comp_easy",), videos=1, frames=2, instances=1)
    out = tmp_path / "r.json"
    assert main(["eval", "--no-progress", "--dataset", "vhim60", "--metrics", "MAD", "--pred", str(tmp_path / "pred" / "comp_easy"),
                 "--gt", str(tmp_path / "gt" / "comp_easy"), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"note: {tmp_path / 'gt' / 'comp_easy'}: one split of vhim60 (comp_easy); the summary covers that split only")
    assert "per split" not in printed
    assert list(json.loads(out.read_text())) == ["protocol", "summary", "clips", "frames"]


def test_vm108_trimap_option_refused(tmp_path, capsys):
    argv = _vm108(tmp_path, videos=("v",), train=())
    argv[argv.index("rvm-hr")] = "dim"
    msg = one_error(capsys, [*argv, "--trimap", str(tmp_path / "pred")])
    assert msg.startswith("--trimap: this dataset's pairing finds its trimaps itself")


def _flows(data, videos, frames=3, size=(12, 20), folder="flow_png"):
    flow = np.zeros((*size, 3), np.uint16)
    flow[..., 2] = 1  # zero motion, every pixel valid
    for v in videos:
        for t in range(frames - 1):
            write(data / folder / v / f"flow_{t:05d}_{t + 1:05d}.png", flow)


def test_vm108_messddt_without_flow_names_the_video(tmp_path, capsys):
    from tests.datasets.replicas import vm108_tree

    vm108_tree(tmp_path, videos=("a", "b"), train=())
    _flows(tmp_path / "data", ["a"])  # b has none
    msg = one_error(capsys, ["eval", "--dataset", "vm108", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "data")])
    assert msg.startswith(f"{tmp_path / 'data'}: no optical flow for video 'b' (1 of 2), which MESSDdt")


@pytest.mark.parametrize("folder", ["flow_png", "flow_png_val"])  # as TCVOM's README says to rename it, or not
def test_vm108_flow_found_in_the_dataset(tmp_path, capsys, folder):
    from tests.datasets.replicas import vm108_tree

    vm108_tree(tmp_path, videos=("a", "b"), train=())
    _flows(tmp_path / "data", ["a", "b"], folder=folder)
    out = tmp_path / "r.json"
    assert main(["eval", "--no-progress", "--dataset", "vm108", "--pred", str(tmp_path / "pred"), "--gt",
                 str(tmp_path / "data"), "--json", str(out), "--quiet"]) == 0
    summary = json.loads(out.read_text())["summary"]
    assert {"MESSDdt", "MESSDdt_fix"} <= set(summary) and all(np.isfinite(v) for v in summary.values())


def test_vm108_missing_flow_folder_option(tmp_path, capsys):
    argv = _vm108(tmp_path, videos=("a", "b"), train=())
    argv[argv.index("rvm-hr")] = "tcvom"
    msg = one_error(capsys, [*argv, "--flow", str(tmp_path / "nope")])
    assert msg == f"{tmp_path / 'nope'}: flow folder does not exist"
