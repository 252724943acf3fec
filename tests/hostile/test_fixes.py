"""Hostile cases for the for-owner findings of the QA sweep (/work/wt/notes/qa_findings.md), fixed
on branch `fixer`. Each asserts the exact answer: the one error line (exit 2, no traceback), that
nothing a user gave was changed, or the number computed here with plain NumPy.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.hostile._corpus import plain_pair, run_cli, tree_digest, write_result
from vmbench.errors import InputError

RUN = {"method": "m", "track": "t", "task": "plain", "dataset_hash": "h1"}


def _runs(tmp_path: Path, pred: Path | None = None) -> list[Path]:
    extra = {"pred": str(pred)} if pred is not None else {}
    return [write_result(tmp_path / f"r{i}.json", {"MAD": 1.0 + i},
                         run={**RUN, **extra, "date": f"2026-01-0{i + 1}T00:00:00+00:00"}) for i in range(2)]


# --- F3: history --out --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["h.txt", "h.json", "SOMEDIR", "h.png.bak"])
def test_f3_history_out_without_png_or_svg_suffix_is_refused(capsys, tmp_path, name):
    files = _runs(tmp_path)
    before = tree_digest(tmp_path)
    a = run_cli(capsys, ["history", *files, "--metric", "MAD", "--out", tmp_path / name])
    assert a.refused(f"--out {tmp_path / name}", "give a name ending in .png or .svg")
    assert tree_digest(tmp_path) == before  # no h.txt.png / h.txt.svg written beside it


@pytest.mark.parametrize("existing", ["h.png", "h.svg"])
def test_f3_history_refuses_an_existing_plot_without_overwrite(capsys, tmp_path, existing):
    files = _runs(tmp_path)
    (tmp_path / existing).write_bytes(b"user's own file")
    a = run_cli(capsys, ["history", *files, "--metric", "MAD", "--out", tmp_path / "h.png"])
    assert a.refused(str(tmp_path / existing), "already exists; pass --overwrite") and a.out == ""
    assert (tmp_path / existing).read_bytes() == b"user's own file"


def test_f3_history_overwrite_replaces_both_plots(capsys, tmp_path):
    files = _runs(tmp_path)
    (tmp_path / "h.png").write_bytes(b"old")
    a = run_cli(capsys, ["history", *files, "--metric", "MAD", "--out", tmp_path / "h.png", "--overwrite"])
    assert a.code == 0 and f"wrote {tmp_path / 'h.png'}, {tmp_path / 'h.svg'}" in a.out
    assert (tmp_path / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "h.svg").read_bytes()


def test_f3_history_refuses_a_plot_inside_the_predictions_a_run_names(capsys, tmp_path):
    pred, _gt = plain_pair(tmp_path / "data")
    files = _runs(tmp_path, pred=pred)
    before = tree_digest(pred)
    a = run_cli(capsys, ["history", *files, "--metric", "MAD", "--out", pred / "h.png"])
    assert a.refused("--out", "is inside the input", str(pred.resolve()))
    assert tree_digest(pred) == before


# --- F4: make-dataset --strip --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["r1.json", "strip", "s.txt"])
def test_f4_make_dataset_strip_not_an_image_is_refused_before_generating(capsys, tmp_path, name):
    a = run_cli(capsys, ["make-dataset", "--out", tmp_path / "md", "--strip", tmp_path / name, "--quiet"])
    assert a.refused(f"--strip {tmp_path / name}", "not an image name", ".png")
    assert not (tmp_path / "md").exists() and not (tmp_path / name).exists()


def test_f4_make_dataset_strip_onto_an_existing_file_is_refused(capsys, tmp_path):
    strip = tmp_path / "mine.png"
    strip.write_bytes(b"user's own picture")
    a = run_cli(capsys, ["make-dataset", "--out", tmp_path / "md", "--strip", strip, "--quiet"])
    assert a.refused(str(strip), "already exists; pass --overwrite")
    assert strip.read_bytes() == b"user's own picture" and not (tmp_path / "md").exists()


# --- F5: train --out inside --data ---------------------------------------------------------------

@pytest.mark.parametrize("rel", ["t.pt", "sub/t.pt"])
@pytest.mark.parametrize("resume", [False, True])
def test_f5_train_out_inside_the_training_data_is_refused(capsys, tmp_path, rel, resume):
    pytest.importorskip("torch")
    data = tmp_path / "tiny"
    plain_pair(data / "plain")
    before = tree_digest(data)
    argv = ["train", "oavm", "--data", data, "--out", data / rel, "--steps", "1", *(["--resume"] if resume else [])]
    a = run_cli(capsys, argv)
    assert a.refused(f"--out {data / rel}", "is inside the input", "vmbench never writes into its inputs")
    assert tree_digest(data) == before  # neither t.pt nor t.pt.log.jsonl


# --- F6: an unreadable RVM checkpoint is one line -----------------------------------------------

@pytest.mark.parametrize("content", [b'{"a": 1}\n', b"\x80\x02junk", b""])
def test_f6_junk_rvm_weights_give_one_line(tmp_path, content):
    pytest.importorskip("torch")
    from baselines.rvm.weights import load_rvm

    path = tmp_path / "notweights.pth"
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        load_rvm(path, "mobilenetv3")
    msg = str(info.value)
    assert msg.startswith(f"{path}: cannot be read as a PyTorch state dict (") and "\n" not in msg
    assert "weights_only` set to `False`" not in msg  # torch's advice, which vmbench never follows


def test_f6_json_weights_name_the_unpickler_reason(tmp_path):
    pytest.importorskip("torch")
    from baselines.rvm.weights import load_rvm

    path = tmp_path / "notjson.json"
    path.write_text('{"a":1}\n')
    with pytest.raises(InputError) as info:
        load_rvm(path, "mobilenetv3")
    assert str(info.value) == f"{path}: cannot be read as a PyTorch state dict (UnpicklingError: Unsupported operand 123)"


def test_f6_cli_prints_any_multiline_error_as_one_line(capsys, monkeypatch):
    """The CLI's own guarantee, whatever a wrapped library message holds."""
    import vmbench.commands.gate as gate

    def boom(_args):
        raise InputError("x.json: first part\nsecond part\n\n  third part")

    monkeypatch.setattr(gate, "_run", boom)  # registered when main() builds its parser
    a = run_cli(capsys, ["gate", "a.json", "--baseline", "b.json", "--all", "1%"])
    assert a.err == "vmbench: error: x.json: first part second part third part\n" and a.code == 2


# --- F9: two evals writing the same --json at once -----------------------------------------------

def _mad(pred: Path, gt: Path) -> float:
    import cv2

    vals = [np.abs(cv2.imread(str(p), cv2.IMREAD_UNCHANGED) / 255.0 - cv2.imread(str(g), cv2.IMREAD_UNCHANGED) / 255.0).mean()
            for p, g in zip(sorted(pred.rglob("*.png")), sorted(gt.rglob("*.png")))]
    return float(np.mean(vals)) * 1e3


def test_f9_json_written_meanwhile_by_another_run_is_not_replaced(capsys, tmp_path, monkeypatch):
    pred, gt = plain_pair(tmp_path / "data")
    out = tmp_path / "c.json"
    import vmbench.commands.eval as eval_cmd

    real_score = eval_cmd.score

    def racing_score(args):  # the other run finishes while this one scores
        out.write_text('{"other": "run"}\n')
        return real_score(args)

    monkeypatch.setattr(eval_cmd, "score", racing_score)
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--json", out, "--no-progress"])
    assert a.refused(str(out), "already exists (written meanwhile by another run); pass --overwrite")
    assert out.read_text() == '{"other": "run"}\n'
    assert not out.with_name("c.run.json").exists()  # no run record of ours beside the other run's result
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_f9_overwrite_still_replaces_and_the_number_is_mad(capsys, tmp_path):
    pred, gt = plain_pair(tmp_path / "data")
    out = tmp_path / "c.json"
    out.write_text("old\n")
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--json", out, "--overwrite", "--no-progress"])
    assert a.code == 0
    assert json.loads(out.read_text())["summary"]["MAD"] == pytest.approx(_mad(pred, gt), rel=1e-6)


def test_f9_atomic_write_without_overwrite_refuses_an_existing_file(tmp_path):
    from vmbench.outputs import atomic_write_text

    target = tmp_path / "x.txt"
    atomic_write_text(target, "first", overwrite=False)
    with pytest.raises(InputError, match="already exists"):
        atomic_write_text(target, "second", overwrite=False)
    assert target.read_text() == "first" and sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


# --- F7/F8: instance eval, pred == gt and the folder that lacks a frame ----------------------------

def _instance_tree(root: Path, *, instances=("1", "2"), frames=3, seed=0, pha=True) -> Path:
    """ROOT/clip0/[pha/]<instance>/<frame>.png with random 8-bit mattes (the VIM layout)."""
    import cv2

    rng = np.random.default_rng(seed)
    for inst in instances:
        folder = root / "clip0" / ("pha" if pha else "") / inst
        folder.mkdir(parents=True, exist_ok=True)
        for t in range(frames):
            assert cv2.imwrite(str(folder / f"{t:04d}.png"), rng.integers(0, 256, (8, 8), dtype=np.uint8))
    return root


@pytest.mark.parametrize("via_link", [False, True])
@pytest.mark.parametrize("task", [[], ["--task", "instance"]])
def test_f7_instance_pred_equal_to_gt_is_named_as_such(capsys, tmp_path, via_link, task):
    gt = _instance_tree(tmp_path / "gt")
    pred = gt
    if via_link:
        pred = tmp_path / "link"
        pred.symlink_to(gt, target_is_directory=True)
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--no-progress", *task])
    assert a.refused(f"{pred}: the prediction and ground-truth paths are the same folder") and a.out == ""


def test_f7_a_distinct_copy_of_the_gt_still_scores_zero(capsys, tmp_path):
    import shutil

    gt = _instance_tree(tmp_path / "gt")
    pred = tmp_path / "pred"
    shutil.copytree(gt, pred)
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--no-progress", "--json", tmp_path / "r.json"])
    assert a.code == 0
    summary = json.loads((tmp_path / "r.json").read_text())["summary"]
    assert summary["MAD"] == 0.0 and summary["MSE"] == 0.0


@pytest.mark.parametrize("lacking", ["1", "2"])
def test_f8_predicted_instance_missing_a_frame_is_named(capsys, tmp_path, lacking):
    gt = _instance_tree(tmp_path / "gt")
    pred = _instance_tree(tmp_path / "pred", seed=1, pha=False)
    (pred / "clip0" / lacking / "0001.png").unlink()
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--no-progress"])
    assert a.refused(f"{pred / 'clip0' / lacking}: 2 frames, the ground truth has 3 (missing frame '0001')")


def test_f8_predicted_instance_with_an_extra_frame_is_named(capsys, tmp_path):
    import shutil

    gt = _instance_tree(tmp_path / "gt")
    pred = _instance_tree(tmp_path / "pred", seed=1, pha=False)
    shutil.copy(pred / "clip0" / "2" / "0000.png", pred / "clip0" / "2" / "0009.png")
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--no-progress"])
    assert a.refused(f"{pred / 'clip0' / '2'}: 4 frames, the ground truth has 3 (extra frame '0009')")


@pytest.mark.parametrize("lacking,other", [("1", "2"), ("2", "1")])
def test_f8_ground_truth_instance_missing_a_frame_is_named(capsys, tmp_path, lacking, other):
    gt = _instance_tree(tmp_path / "gt")
    pred = _instance_tree(tmp_path / "pred", seed=1, pha=False)
    (gt / "clip0" / "pha" / lacking / "0002.png").unlink()
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--no-progress"])
    assert a.refused(f"{gt / 'clip0' / 'pha' / lacking}: 2 frames but instance {other!r} has 3 (missing frame '0002')")


# --- F14: --expressions that is not a regular file is never opened --------------------------------

def test_f14_expressions_fifo_is_refused_without_blocking(tmp_path):
    """In a child process with a timeout, so a regression fails instead of hanging the suite."""
    import os
    import subprocess
    import sys

    gt = _instance_tree(tmp_path / "gt")
    (tmp_path / "pred").mkdir()
    fifo = tmp_path / "exp.json"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "vmbench", "eval", "--pred", str(tmp_path / "pred"), "--gt", str(gt),
                           "--task", "referring", "--expressions", str(fifo), "--no-progress"],
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == f"vmbench: error: {fifo}: a FIFO, socket or device; the expressions file must be a regular JSON file\n"


def test_f14_expressions_folder_is_refused(capsys, tmp_path):
    gt = _instance_tree(tmp_path / "gt")
    (tmp_path / "pred").mkdir()
    (tmp_path / "exp.json").mkdir()
    a = run_cli(capsys, ["eval", "--pred", tmp_path / "pred", "--gt", gt, "--task", "referring",
                         "--expressions", tmp_path / "exp.json", "--no-progress"])
    assert a.refused(f"{tmp_path / 'exp.json'}: a folder; the expressions file must be a regular JSON file")


# --- F11: suite / demo --out holding a user's files -----------------------------------------------

def test_f11_suite_out_holding_a_users_files_is_refused_before_any_work(capsys, tmp_path):
    bench = tmp_path / "bench"
    plain_pair(bench / "plain")
    out = tmp_path / "mine"
    (out / "multi").mkdir(parents=True)
    (out / "multi" / "a.png").write_bytes(b"user's")
    a = run_cli(capsys, ["suite", "--data", bench, "--out", out, "--methods", "mask-as-matte"])
    assert a.refused(f"--out {out}: folder is not empty and holds entries vmbench did not write (multi)", "--overwrite")
    assert sorted(p.name for p in out.iterdir()) == ["multi"] and "benchmark:" not in a.out


def _guided_bench(root: Path) -> Path:
    """ROOT/plain/ds/c0/{com, guidance/mask_down8, pha}/<frame>.png: what the guided baselines read."""
    import cv2

    rng = np.random.default_rng(3)
    for t in range(2):
        for sub, img in (("com", rng.integers(0, 256, (8, 16, 3), dtype=np.uint8)),
                         ("guidance/mask_down8", (rng.random((8, 16)) > 0.5).astype(np.uint8) * 255),
                         ("pha", rng.integers(0, 256, (8, 16), dtype=np.uint8))):
            (root / "plain" / "ds" / "c0" / sub).mkdir(parents=True, exist_ok=True)
            assert cv2.imwrite(str(root / "plain" / "ds" / "c0" / sub / f"{t:04d}.png"), img)
    return root


def test_f11_suite_overwrite_writes_beside_and_deletes_nothing(capsys, tmp_path):
    bench = _guided_bench(tmp_path / "bench")
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep")
    a = run_cli(capsys, ["suite", "--data", bench, "--out", out, "--methods", "mask-as-matte", "--overwrite"])
    assert a.code == 0 and (out / "notes.txt").read_text() == "keep"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "predictions", "results"]
    summary = json.loads((out / "results" / "mask-as-matte.json").read_text())["summary"]
    pred = out / "predictions" / "mask-as-matte" / "ds" / "c0" / "pha"
    assert summary["MAD"] == pytest.approx(_mad(pred, bench / "plain" / "ds" / "c0" / "pha"), rel=1e-6)
    # a rerun finds only its own entries (and the user's, allowed once --overwrite named them)
    again = run_cli(capsys, ["suite", "--data", bench, "--out", out, "--methods", "mask-as-matte"])
    assert again.refused("holds entries vmbench did not write (notes.txt)")


@pytest.mark.parametrize("entry", ["photo.jpg", "work"])
def test_f11_demo_out_holding_a_users_files_is_refused_before_any_work(capsys, tmp_path, entry):
    out = tmp_path / "d"
    out.mkdir()
    (out / entry).mkdir() if entry == "work" else (out / entry).write_bytes(b"x")
    a = run_cli(capsys, ["demo", "--out", out])
    assert a.refused(f"--out {out}: folder is not empty and holds entries vmbench did not write ({entry})")
    assert sorted(p.name for p in out.iterdir()) == [entry] and a.out == ""


def test_f11_demo_out_that_is_a_file_is_refused_first(capsys, tmp_path):
    f = tmp_path / "f"
    f.write_text("x")
    a = run_cli(capsys, ["demo", "--out", f])
    assert a.refused(f"--out {f}: is a file; give a folder") and a.out == "" and f.read_text() == "x"


def test_f11_suite_counts_a_leaderboard_inside_out_as_its_own(tmp_path):
    from argparse import Namespace

    from vmbench.commands.suite import _own_entries
    from vmbench.outputs import refuse_foreign_entries

    out = tmp_path / "runs"
    for name in ("predictions", "results", "lb"):
        (out / name).mkdir(parents=True)
    refuse_foreign_entries(out, _own_entries(Namespace(out=out, leaderboard=out / "lb" / "std")), overwrite=False)
    with pytest.raises(InputError, match=r"holds entries vmbench did not write \(lb\)"):
        refuse_foreign_entries(out, _own_entries(Namespace(out=out, leaderboard=None)), overwrite=False)


# --- F15: --instance-match name with a GT instance lacking a same-named prediction ---------------

def test_f15_unnamed_gt_instance_is_noted_and_scored_against_zeros(capsys, tmp_path):
    import cv2

    gt = _instance_tree(tmp_path / "gt", frames=2)
    pred = _instance_tree(tmp_path / "pred", instances=("1", "ü 2"), frames=2, seed=5, pha=False)
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--instance-match", "name", "--no-progress",
                         "--json", tmp_path / "r.json"])
    assert a.code == 0
    line = (f"note: {pred / 'clip0'}: GT instance(s) '2' have no prediction of the same name and are scored "
            "against an all-zero matte (predictions left unmatched 'ü 2')")
    assert line in a.out.splitlines()  # where eval prints its other notes (after the per-clip table)
    rows = [r for r in json.loads((tmp_path / "r.json").read_text())["frames"] if r["instance"] == "2"]
    for r in rows:
        g = cv2.imread(str(gt / "clip0" / "pha" / "2" / f"{r['frame']}.png"), cv2.IMREAD_UNCHANGED) / 255.0
        assert r["pred_instance"] is None and r["MAD"] == pytest.approx(g.mean() * 1e3, rel=1e-6)  # float32 sums


def test_f15_no_note_when_every_gt_instance_has_its_name(capsys, tmp_path):
    gt = _instance_tree(tmp_path / "gt", frames=2)
    pred = _instance_tree(tmp_path / "pred", frames=2, seed=5, pha=False)
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--instance-match", "name", "--no-progress"])
    assert a.code == 0 and "no prediction of the same name" not in a.out + a.err


# --- F16: pack --pred that is not the folder the run record names ---------------------------------

def test_f16_pack_notes_a_pred_other_than_the_scored_one(capsys, tmp_path):
    import shutil

    pred, gt = plain_pair(tmp_path / "data")
    other = tmp_path / "other"
    shutil.copytree(pred, other)
    assert run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--json", tmp_path / "r.json", "--no-progress"]).code == 0
    a = run_cli(capsys, ["pack", tmp_path / "r.json", "--out", tmp_path / "b.zip", "--pred", other])
    note = (f"vmbench: note: --pred {other} is not the predictions folder the run record names ({pred}); "
            f"the bundle holds the files of {other}, and `vmbench verify` re-scores those")
    assert a.code == 0 and note in a.out.splitlines()
    same = run_cli(capsys, ["pack", tmp_path / "r.json", "--out", tmp_path / "c.zip", "--pred", pred])
    assert same.code == 0 and "is not the predictions folder" not in same.out


# --- F14 (second part): a result, bundle or ONNX path that exists but is not a file ---------------

def _odd(tmp_path: Path, kind: str) -> Path:
    import os

    path = tmp_path / "odd.json"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to(tmp_path / "nowhere.json")
    return path


_ODD_ANSWER = {"fifo": "is a FIFO, socket or device, not a {what}", "folder": "is a folder, not a {what}",
               "broken": "{what} not found (a broken symbolic link)"}


@pytest.mark.parametrize("kind", ["fifo", "folder", "broken"])
@pytest.mark.parametrize("command", ["gate", "leaderboard", "history"])
def test_f14_result_path_that_is_not_a_file_says_what_it_is(capsys, tmp_path, kind, command):
    odd = _odd(tmp_path, kind)
    good = write_result(tmp_path / "good.json", {"MAD": 1.0}, run={**RUN, "date": "2026-01-01T00:00:00+00:00"})
    argv = {"gate": ["gate", odd, "--baseline", good, "--all", "1%"],
            "leaderboard": ["leaderboard", odd, good, "--out", tmp_path / "lb", "--no-plots"],
            "history": ["history", odd, good, "--metric", "MAD", "--out", tmp_path / "h.png"]}[command]
    a = run_cli(capsys, argv)
    assert a.refused(f"{odd}: " + _ODD_ANSWER[kind].format(what="result file"))


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_f14_bundle_that_is_not_a_file_says_what_it_is(capsys, tmp_path, kind):
    odd = _odd(tmp_path, kind)
    a = run_cli(capsys, ["verify", odd])
    assert a.refused(f"{odd}: " + _ODD_ANSWER[kind].format(what="bundle"))


# --- F17: an option the detected task ignores is refused, not silently dropped --------------------

@pytest.mark.parametrize("opt,flag,users", [
    (["--vim-iou", "0.3"], "--vim-iou", "the instance and referring tasks"),
    (["--vim-error", "MAD"], "--vim-error", "the instance and referring tasks"),
    (["--vim-weight", "10"], "--vim-weight", "the instance and referring tasks"),
    (["--vim-binarize", "0"], "--vim-binarize", "the instance and referring tasks"),
    (["--vim-paper"], "--vim-paper", "the instance and referring tasks"),
    (["--instance-match", "name"], "--instance-match", "the instance task"),
    (["--jf-frames", "all"], "--jf-frames", "the instance and referring tasks"),
    (["--expressions", "/nope.json"], "--expressions", "the referring task"),
])
def test_f17_plain_eval_refuses_instance_only_options(capsys, tmp_path, opt, flag, users):
    pred, gt = plain_pair(tmp_path)
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--no-progress", *opt])
    assert a.refused(f"{flag} is only used by {users}; this is a plain evaluation (--gt {gt}), "
                     "where it would change nothing") and a.out == ""


@pytest.mark.parametrize("opt,flag", [(["--flow", "/nope"], "--flow"), (["--expressions", "/nope.json"], "--expressions")])
def test_f17_instance_eval_refuses_options_it_ignores(capsys, tmp_path, opt, flag):
    gt = _instance_tree(tmp_path / "gt", frames=2)
    pred = _instance_tree(tmp_path / "pred", frames=2, seed=5, pha=False)
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--no-progress", *opt])
    assert a.refused(f"{flag} is only used by", "this is an instance evaluation") and a.out == ""


def test_f17_defaults_given_explicitly_still_score(capsys, tmp_path):
    pred, gt = plain_pair(tmp_path)
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--no-progress", "--vim-iou", "0.5",
                         "--instance-match", "auto", "--json", tmp_path / "r.json"])
    assert a.code == 0
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["MAD"] == pytest.approx(
        _mad(pred, gt), rel=1e-6)
