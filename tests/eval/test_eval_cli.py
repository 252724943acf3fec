"""`vmbench eval` end to end: layouts, outputs, parallel engines, and every bad-input case."""

import json
import os

import cv2
import numpy as np
import pytest

from tests.metrics import reference as ref
from vmbench.cli import main
from vmbench.evaluate import evaluate
from vmbench.io.frames import write_alpha, write_rgb


def make_tree(root, *, datasets=("ds_a", "ds_b"), clips=("0000", "0001"), frames=4, size=(24, 32), seed=0, ext=".png"):
    """An RVM-style pair of trees gt/<dataset>/<clip>/pha and pred/... with fgr/; returns the arrays."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for d in datasets:
        for c in clips:
            for t in range(frames):
                g = (rng.random(size) > 0.5).astype(np.float32)
                p = np.clip(g + rng.normal(0, 0.2, size), 0, 1)
                write_alpha(root / "gt" / d / c / "pha" / f"{t:04d}{ext}", g)
                write_alpha(root / "pred" / d / c / "pha" / f"{t:04d}.png", p)
                arrays[(d, c, t)] = (np.round(p * 255).astype(np.uint8), np.round(g * 255).astype(np.uint8))
    return arrays


def run_cli(*args):
    return main(["eval", "--no-progress", *map(str, args)])


def expected_rows(arrays):
    rows = {}
    for (d, c, t), (p8, g8) in arrays.items():
        p, g = p8.astype(np.float32) / np.float32(255), g8.astype(np.float32) / np.float32(255)
        prev = arrays.get((d, c, t - 1))
        dt = 0.0
        if prev is not None:
            pp, gp = prev[0].astype(np.float32) / np.float32(255), prev[1].astype(np.float32) / np.float32(255)
            dt = ref.dtssd(p, pp, g, gp)
        rows[(d, c, f"{t:04d}")] = {"MAD": ref.mad(p, g), "MSE": ref.mse(p, g), "Grad": ref.grad(p, g), "Conn": ref.conn(p, g), "dtSSD": dt}
    return rows


def test_rvm_tree_json_matches_reference(tmp_path, capsys):
    arrays = make_tree(tmp_path)
    out = tmp_path / "out.json"
    assert run_cli("--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--json", out) == 0
    table = capsys.readouterr().out
    assert "protocol rvm" in table and "x1e3" in table and "ds_b" in table and "layout rvm-tree: 4 clips, 16 frames" in table
    data = json.loads(out.read_text())
    assert list(data) == ["protocol", "summary", "clips", "frames"]
    assert data["protocol"] == "rvm"
    expected = expected_rows(arrays)
    assert len(data["frames"]) == len(expected) == 16
    for row in data["frames"]:
        assert set(row) == {"dataset", "clip", "frame", "MAD", "MSE", "Grad", "Conn", "dtSSD"}
        want = expected[(row["dataset"], row["clip"], row["frame"])]
        for m, v in want.items():
            assert row[m] == pytest.approx(v, rel=1e-6, abs=1e-12)
    for m in ("MAD", "MSE", "Grad", "Conn", "dtSSD"):
        # equal clip lengths: the RVM figure is the mean over all frames
        assert data["summary"][m] == pytest.approx(np.mean([v[m] for v in expected.values()]), rel=1e-6)
    clip = data["clips"][0]
    assert set(clip) == {"dataset", "clip", "frames", "MAD", "MSE", "Grad", "Conn", "dtSSD"} and clip["frames"] == 4
    assert (tmp_path / "out.run.json").is_file()


def test_csv_and_api_dataframes(tmp_path):
    make_tree(tmp_path)
    assert run_cli("--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--csv", tmp_path / "csv", "--metrics", "MAD,dtSSD") == 0
    import pandas as pd

    frames = pd.read_csv(tmp_path / "csv" / "frames.csv")
    assert list(frames.columns) == ["dataset", "clip", "frame", "MAD", "dtSSD"]
    result = evaluate(tmp_path / "pred", tmp_path / "gt", metrics=["MAD", "dtSSD"])
    np.testing.assert_allclose(frames["MAD"], result.frames["MAD"], rtol=1e-12)
    summary = pd.read_csv(tmp_path / "csv" / "summary.csv").set_index("metric")["value"]
    assert summary["MAD"] == pytest.approx(result.summary["MAD"])


def test_clip_folders_and_single_clip_layouts(tmp_path):
    rng = np.random.default_rng(5)
    for c in ("a", "b"):
        for t in range(3):
            g = rng.random((10, 12)).astype(np.float32)
            write_alpha(tmp_path / "gt" / c / f"{t}.png", g)
            write_alpha(tmp_path / "pred" / c / f"{t}.png", g)
    res = evaluate(tmp_path / "pred", tmp_path / "gt")
    assert res.layout == "clip-folders" and len(res.clips) == 2 and res.summary["MAD"] == 0.0
    single = evaluate(tmp_path / "pred" / "a", tmp_path / "gt" / "a")
    assert single.layout == "single-clip" and len(single.frames) == 3


def test_png_prediction_pairs_with_jpeg_ground_truth(tmp_path):
    make_tree(tmp_path, datasets=("hr",), clips=("0000",), frames=2, ext=".jpg")
    res = evaluate(tmp_path / "pred", tmp_path / "gt")
    assert len(res.frames) == 2


def test_natural_frame_order(tmp_path):
    for name, value in [("frame2", 0.2), ("frame10", 1.0), ("frame1", 0.1)]:
        write_alpha(tmp_path / "gt" / f"{name}.png", np.full((4, 4), value))
        write_alpha(tmp_path / "pred" / f"{name}.png", np.full((4, 4), value))
    res = evaluate(tmp_path / "pred", tmp_path / "gt")
    assert list(res.frames["frame"]) == ["frame1", "frame2", "frame10"]


def test_workers_and_dask_give_identical_numbers(tmp_path):
    make_tree(tmp_path)
    serial = evaluate(tmp_path / "pred", tmp_path / "gt", workers=1)
    parallel = evaluate(tmp_path / "pred", tmp_path / "gt", workers=2)
    assert serial.to_dict() == parallel.to_dict()
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        on_dask = evaluate(tmp_path / "pred", tmp_path / "gt", scheduler=cluster.scheduler_address)
    assert serial.to_dict() == on_dask.to_dict()


def test_long_clips_split_into_runs_score_as_one_pass(tmp_path):
    """Clips longer than a work item are scored in runs of frames; dtSSD across the seams must be
    the same as from one pass over the clip in memory."""
    from vmbench.evaluate import SEGMENT_FRAMES
    from vmbench.protocols import score_clip

    frames = 2 * SEGMENT_FRAMES + 5
    arrays = make_tree(tmp_path, datasets=("d",), clips=("a", "b"), frames=frames, size=(12, 17))
    one_pass = {c: score_clip(np.stack([arrays[("d", c, t)][0] for t in range(frames)]),
                              np.stack([arrays[("d", c, t)][1] for t in range(frames)])) for c in ("a", "b")}
    for workers in (1, 3):
        res = evaluate(tmp_path / "pred", tmp_path / "gt", workers=workers)
        for c in ("a", "b"):
            rows = res.frames[res.frames["clip"] == c]
            assert list(rows["frame"]) == [f"{t:04d}" for t in range(frames)]
            for m, values in one_pass[c].items():
                np.testing.assert_array_equal(rows[m].to_numpy(), values, err_msg=f"{m} workers={workers}")


def test_fgr_metrics(tmp_path):
    rng = np.random.default_rng(2)
    g = (rng.random((8, 8)) > 0.5).astype(np.float32)
    write_alpha(tmp_path / "gt" / "d" / "c" / "pha" / "0.png", g)
    write_alpha(tmp_path / "pred" / "d" / "c" / "pha" / "0.png", g)
    fg_g = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    fg_p = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    write_rgb(tmp_path / "gt" / "d" / "c" / "fgr" / "0.png", fg_g)
    write_rgb(tmp_path / "pred" / "d" / "c" / "fgr" / "0.png", fg_p)
    res = evaluate(tmp_path / "pred", tmp_path / "gt", metrics=["fgr_MAD", "fgr_MSE"])
    sel = g > 0
    diff = fg_p[sel].astype(np.float64) / 255 - fg_g[sel].astype(np.float64) / 255
    assert res.summary["fgr_MAD"] == pytest.approx(np.abs(diff).mean() * 1e3, rel=1e-6)
    assert res.summary["fgr_MSE"] == pytest.approx((diff**2).mean() * 1e3, rel=1e-6)


def test_dim_protocol_with_trimap_tree(tmp_path, capsys):
    make_tree(tmp_path, datasets=("d",), clips=("c",), frames=2)
    for t in range(2):
        tri = np.full((24, 32), 128, np.uint8)
        tri[:, :10] = 0
        cv2.imwrite(str(tmp_path / "tri" / "d" / "c" / "pha" / f"{t:04d}.png") if (tmp_path / "tri" / "d" / "c" / "pha").mkdir(parents=True, exist_ok=True) is None else "", tri)
    assert run_cli("--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--protocol", "dim", "--trimap", tmp_path / "tri") == 0
    assert "trimap==128" in capsys.readouterr().out


def test_sixteen_bit_and_rgb_are_read_as_the_reference_and_reported(tmp_path, capsys):
    g8 = np.random.default_rng(0).integers(0, 256, (6, 6), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "gt.png"), g8)
    (tmp_path / "gt").mkdir()
    (tmp_path / "pred").mkdir()
    cv2.imwrite(str(tmp_path / "gt" / "0.png"), g8)
    cv2.imwrite(str(tmp_path / "pred" / "0.png"), (g8.astype(np.uint16) * 257))  # 16-bit, same values
    cv2.imwrite(str(tmp_path / "gt" / "1.png"), g8)
    cv2.imwrite(str(tmp_path / "pred" / "1.png"), np.dstack([g8] * 3))  # gray stored as RGB
    assert run_cli("--pred", tmp_path / "pred", "--gt", tmp_path / "gt") == 0
    out = capsys.readouterr().out
    assert "16-bit, reduced to 8 bits" in out and "RGB, read as luma" in out
    lines = out.splitlines()
    first_number = next(i for i, line in enumerate(lines) if line.startswith(("dataset", "summary")))
    assert all(i < first_number for i, line in enumerate(lines) if line.startswith("note: "))  # notes before any number
    res = evaluate(tmp_path / "pred", tmp_path / "gt")
    assert res.summary["MAD"] == 0.0


# ---------------------------------------------------------------- bad input: one clear line, exit 2

def expect_error(capsys, args, *needles):
    assert run_cli(*args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("vmbench: error:") and err.count("\n") == 0, err
    for needle in needles:
        assert needle in err, err
    return err


def test_missing_prediction_frame(tmp_path, capsys):
    make_tree(tmp_path)
    os.remove(tmp_path / "pred/ds_a/0001/pha/0002.png")
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"], "0002", "missing", "ds_a/0001")


def test_extra_prediction_frame(tmp_path, capsys):
    make_tree(tmp_path)
    write_alpha(tmp_path / "pred/ds_a/0000/pha/0099.png", np.zeros((24, 32)))
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"], "0099.png", "no ground truth")


def test_missing_and_extra_clip(tmp_path, capsys):
    make_tree(tmp_path)
    import shutil

    shutil.copytree(tmp_path / "pred/ds_a/0000", tmp_path / "pred/ds_a/0007")
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"], "0007", "no ground truth")
    shutil.rmtree(tmp_path / "pred/ds_a/0007")
    shutil.rmtree(tmp_path / "pred/ds_b/0001")
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"], "ds_b/0001", "missing prediction clip")


def test_size_mismatch(tmp_path, capsys):
    make_tree(tmp_path)
    write_alpha(tmp_path / "pred/ds_a/0000/pha/0001.png", np.zeros((12, 32)))
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"], "0001.png", "32x12", "32x24")


def test_corrupt_and_empty_png(tmp_path, capsys):
    make_tree(tmp_path)
    target = tmp_path / "pred/ds_a/0000/pha/0001.png"
    target.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"], "0001.png", "corrupt")
    target.write_bytes(b"")
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"], "0001.png", "empty")


def test_truncated_png(tmp_path, capsys):
    make_tree(tmp_path)
    target = tmp_path / "pred/ds_a/0000/pha/0001.png"
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"], "0001.png")


def test_empty_and_missing_folders(tmp_path, capsys):
    (tmp_path / "gt").mkdir()
    (tmp_path / "pred").mkdir()
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt"], "no frames")
    expect_error(capsys, ["--pred", tmp_path / "nope", "--gt", tmp_path / "gt"], "nope", "does not exist")
    make_tree(tmp_path / "x")
    for f in (tmp_path / "x/pred/ds_a/0000/pha").iterdir():
        f.unlink()
    expect_error(capsys, ["--pred", tmp_path / "x/pred", "--gt", tmp_path / "x/gt"], "no frames")


def test_prediction_matching_no_ground_truth(tmp_path, capsys):
    make_tree(tmp_path)
    write_alpha(tmp_path / "other/some/thing/0000.png", np.zeros((4, 4)))
    expect_error(capsys, ["--pred", tmp_path / "other", "--gt", tmp_path / "gt"], "matches no ground-truth clip")


def test_same_folder_is_refused(tmp_path, capsys):
    make_tree(tmp_path)
    expect_error(capsys, ["--pred", tmp_path / "gt", "--gt", tmp_path / "gt"], "same folder")
    os.symlink(tmp_path / "gt", tmp_path / "link")
    expect_error(capsys, ["--pred", tmp_path / "link", "--gt", tmp_path / "gt"], "same folder")


def test_existing_outputs_are_not_overwritten(tmp_path, capsys):
    make_tree(tmp_path)
    out = tmp_path / "result.json"
    out.write_text("precious")
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--json", out], "already exists")
    assert out.read_text() == "precious"
    assert run_cli("--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--json", out, "--overwrite") == 0
    assert json.loads(out.read_text())["protocol"] == "rvm"


def test_inputs_are_never_modified(tmp_path):
    make_tree(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.png")}
    evaluate(tmp_path / "pred", tmp_path / "gt")
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.png")} == before


def test_unknown_metric_and_protocol(tmp_path, capsys):
    make_tree(tmp_path)
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--metrics", "MAD,Foo"], "Foo", "available")
    expect_error(capsys, ["--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--protocol", "xyz"], "xyz")


def test_quiet_prints_only_the_summary(tmp_path, capsys):
    make_tree(tmp_path)
    assert run_cli("--pred", tmp_path / "pred", "--gt", tmp_path / "gt", "--quiet") == 0
    out = capsys.readouterr().out
    assert "protocol rvm" in out and "MAD" in out and "ds_a" not in out and "0001" not in out


def test_one_short_clip_is_split_over_the_workers_with_the_same_numbers(tmp_path):
    """24 frames and 2 workers: two runs of 12 frames (so both threads score), and every value,
    dtSSD across the seam included, as one pass and as the definition in tests/metrics/reference.py."""
    from vmbench.evaluate import _runs
    from vmbench.io.layouts import pair_clips

    arrays = make_tree(tmp_path, datasets=("ds",), clips=("0000",), frames=24)
    _, pairs = pair_clips(tmp_path / "pred", tmp_path / "gt")
    assert [(r.start, r.stop) for r in _runs(pairs, "rvm", ("MAD",), 10, workers=2)] == [(0, 12), (12, 24)]
    assert [(r.start, r.stop) for r in _runs(pairs, "rvm", ("MAD",), 10, workers=1)] == [(0, 24)]
    serial = evaluate(tmp_path / "pred", tmp_path / "gt", workers=1)
    parallel = evaluate(tmp_path / "pred", tmp_path / "gt", workers=2)
    assert serial.to_dict() == parallel.to_dict()
    alpha = {t: tuple(a.astype(np.float32) / np.float32(255) for a in arrays[("ds", "0000", t)]) for t in range(24)}
    for row in parallel.frame_rows:
        t = int(row["frame"])
        p, g = alpha[t]
        assert row["MAD"] == pytest.approx(ref.mad(p, g), rel=1e-9)
        if t:
            (pp, pg) = alpha[t - 1]
            assert row["dtSSD"] == pytest.approx(ref.dtssd(p, pp, g, pg), rel=1e-6)  # the frame differences are float32, as RVM
