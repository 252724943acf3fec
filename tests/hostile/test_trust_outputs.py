"""Hostile output targets: nothing lands on or inside an input, bad targets are one line before
any scoring, and results are written whole (temp file + rename) or not at all."""

from __future__ import annotations

import errno
import json
import os
import threading

import pytest

from tests.hostile._corpus import plain_pair, run_cli, tree_digest, write_result

import vmbench.outputs as outputs
from vmbench.outputs import atomic_write_text


@pytest.fixture
def trees(tmp_path):
    pred, gt = plain_pair(tmp_path)
    return pred, gt


def _eval(capsys, pred, gt, *opts):
    return run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--no-progress", *opts])


def _unchanged(fn, *roots):
    before = [tree_digest(r) for r in roots]
    answer = fn()
    assert [tree_digest(r) for r in roots] == before
    return answer


@pytest.mark.parametrize("where,option", [
    ("pred/r.json", "--json"), ("gt/r.json", "--json"), ("gt/clip0/r.json", "--json"),
    ("pred", "--csv"), ("gt/clip0", "--csv"),
])
def test_eval_output_inside_an_input_is_refused(capsys, tmp_path, trees, where, option):
    pred, gt = trees
    a = _unchanged(lambda: _eval(capsys, pred, gt, option, tmp_path / where, "--overwrite"), pred, gt)
    assert a.refused(option, "is inside the input", "never writes into its inputs") and a.out == ""


def test_eval_json_onto_a_ground_truth_frame_is_refused_even_with_overwrite(capsys, trees):
    pred, gt = trees
    frame = gt / "clip0" / "0000.png"
    a = _unchanged(lambda: _eval(capsys, pred, gt, "--json", frame, "--overwrite"), pred, gt)
    assert a.refused("--json", str(frame), "is inside the input")


def test_eval_json_inside_the_benchmark_root_is_refused(capsys, tmp_path):
    pred, gt = plain_pair(tmp_path / "bench")
    (tmp_path / "bench" / "manifest.json").write_text("{}")
    a = _eval(capsys, pred.rename(tmp_path / "pred"), gt, "--json", tmp_path / "bench" / "r.json")
    assert a.refused("is inside the input", str((tmp_path / "bench").resolve()))


def test_eval_json_inside_the_trimap_tree_is_refused(capsys, tmp_path, trees):
    pred, gt = trees
    trimap = tmp_path / "tri"
    trimap.mkdir()
    a = _eval(capsys, pred, gt, "--protocol", "dim", "--trimap", trimap, "--json", trimap / "r.json")
    assert a.refused("--json", "is inside the input")


def test_eval_existing_sidecar_is_refused_without_overwrite(capsys, tmp_path, trees):
    pred, gt = trees
    (tmp_path / "r.run.json").write_text('{"mine": 1}')
    a = _eval(capsys, pred, gt, "--json", tmp_path / "r.json")
    assert a.refused("r.run.json", "already exists", "--overwrite")
    assert (tmp_path / "r.run.json").read_text() == '{"mine": 1}' and not (tmp_path / "r.json").exists()


def test_eval_json_that_is_a_folder(capsys, tmp_path, trees):
    pred, gt = trees
    (tmp_path / "out").mkdir()
    assert _eval(capsys, pred, gt, "--json", tmp_path / "out").refused("--json", "is a folder; give a file name")


def test_eval_csv_that_is_a_file(capsys, tmp_path, trees):
    pred, gt = trees
    (tmp_path / "out.txt").write_text("x")
    assert _eval(capsys, pred, gt, "--csv", tmp_path / "out.txt").refused("--csv", "is a file; give a folder")


def test_eval_json_under_a_file(capsys, tmp_path, trees):
    pred, gt = trees
    (tmp_path / "f").write_text("x")
    assert _eval(capsys, pred, gt, "--json", tmp_path / "f" / "r.json").refused("is a file, not a folder")


def test_full_disk_is_found_before_scoring(capsys, tmp_path, trees, monkeypatch):
    pred, gt = trees

    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs.os, "write", full)
    a = _eval(capsys, pred, gt, "--json", tmp_path / "r.json")
    assert a.refused("--json", "the disk is full") and a.out == ""  # no table: nothing was scored


def test_csv_folder_holding_other_files_is_fine_but_named_files_are_not_replaced(capsys, tmp_path, trees):
    pred, gt = trees
    out = tmp_path / "csv"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert _eval(capsys, pred, gt, "--csv", out).code == 0
    assert (out / "notes.txt").read_text() == "mine" and (out / "summary.csv").is_file()
    assert _eval(capsys, pred, gt, "--csv", out).refused("summary.csv", "already exists")


def test_eval_result_files_have_the_usual_mode_and_no_temp_left(capsys, tmp_path, trees):
    pred, gt = trees
    assert _eval(capsys, pred, gt, "--json", tmp_path / "r.json", "--csv", tmp_path / "csv").code == 0
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o666 & ~mask
    leftovers = [p.name for p in tmp_path.rglob(".*") if p.is_file()]
    assert leftovers == []
    assert json.loads((tmp_path / "r.run.json").read_text())["pred"] == str(pred)


# --- atomic writes ----------------------------------------------------------------------------------

def test_failed_rename_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    target.write_text("old")

    def broken(src, dst):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(outputs.os, "replace", broken)
    with pytest.raises(OSError):
        atomic_write_text(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_two_writers_at_once_leave_one_whole_file(tmp_path):
    target = tmp_path / "r.json"
    texts = ["a" * 300_000, "b" * 300_000]

    def write(text):
        for _ in range(15):
            atomic_write_text(target, text)

    threads = [threading.Thread(target=write, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert target.read_text() in texts and len(list(tmp_path.iterdir())) == 1


# --- other commands ---------------------------------------------------------------------------------

def test_leaderboard_out_that_is_a_file(capsys, tmp_path):
    r = write_result(tmp_path / "a.json", {"MAD": 1.0})
    (tmp_path / "lb").write_text("x")
    assert run_cli(capsys, ["leaderboard", r, "--out", tmp_path / "lb"]).refused("--out", "is a file")


def test_leaderboard_would_replace_an_input_result(capsys, tmp_path):
    r = write_result(tmp_path / "lb" / "tables" / "a.json", {"MAD": 1.0})
    a = _unchanged(lambda: run_cli(capsys, ["leaderboard", r, "--out", tmp_path / "lb", "--no-plots"]), r)
    assert a.refused("--out", "holds the input", "a.json")


def test_leaderboard_results_csv_that_is_an_input(capsys, tmp_path):
    r = write_result(tmp_path / "results.csv", {"MAD": 1.0})  # a result file, oddly named
    a = _unchanged(lambda: run_cli(capsys, ["leaderboard", r, "--out", tmp_path, "--no-plots"]), r)
    assert a.refused("--out", "holds the input")


def test_history_plot_onto_an_input(capsys, tmp_path):
    r = write_result(tmp_path / "h.png", {"MAD": 1.0}, run={"date": "2026-01-01"})
    a = _unchanged(lambda: run_cli(capsys, ["history", r, "--metric", "MAD", "--out", r]), r)
    assert a.refused("--out", "is inside the input") and a.out == ""


@pytest.mark.parametrize("out_rel", ["bench/preds", "bench", "."])
def test_run_baseline_out_overlapping_the_data_is_refused(capsys, tmp_path, out_rel):
    bench = tmp_path / "bench"
    plain_pair(bench / "plain")
    a = _unchanged(lambda: run_cli(capsys, ["run-baseline", "mask-as-matte", "--data", bench,
                                            "--out", tmp_path / out_rel, "--overwrite", "--no-progress"]), bench)
    assert a.refused("--out") and ("is inside the input" in a.err or "holds the input" in a.err)


def test_suite_out_holding_the_data_is_refused(capsys, tmp_path):
    bench = tmp_path / "runs" / "bench"
    plain_pair(bench / "plain")
    a = _unchanged(lambda: run_cli(capsys, ["suite", "--data", bench, "--out", tmp_path / "runs",
                                            "--methods", "mask-as-matte"]), bench)
    assert a.refused("--out", "holds the input")


def test_make_dataset_out_that_is_a_file(capsys, tmp_path):
    (tmp_path / "f").write_text("x")
    a = _unchanged(lambda: run_cli(capsys, ["make-dataset", "--out", tmp_path / "f"]), tmp_path / "f")
    assert a.refused("--out", "is a file")


def test_eval_csv_folder_equal_to_the_json_file_is_refused_before_scoring(capsys, tmp_path, trees):
    pred, gt = trees
    a = _eval(capsys, pred, gt, "--json", tmp_path / "out", "--csv", tmp_path / "out")
    assert a.refused("--csv", "is also the --json file") and a.out == "" and not (tmp_path / "out").exists()

