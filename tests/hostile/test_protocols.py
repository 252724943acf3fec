"""Hostile inputs for the protocols (issue 14, issue 12 items 4 and DAVIS): empty regions, NaN
rules, single-frame clips, sparse ground truth, flows that are missing, wrong or all invalid.
Each case asserts the exact class of answer: the error line, the note, or a number worked out here."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest

from vmbench.cli import main


def _png(path, img):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)


def _tree(root, clips=("a", "b"), t=3, h=12, w=16, gt_fn=None, pred_fn=None, tri_fn=None):
    """root/{gt,pred,tri}/<clip>/<frame>.png; deterministic content unless a *_fn overrides a frame."""
    rng = np.random.default_rng(0)
    for c in clips:
        for k in range(t):
            g = np.zeros((h, w), np.uint8)
            g[:, : w // 2] = 255
            g[:, w // 2 - 2: w // 2 + 2] = 128
            g = gt_fn(c, k, g) if gt_fn else g
            p = np.clip(g.astype(int) + rng.integers(-20, 21, g.shape), 0, 255).astype(np.uint8)
            p = pred_fn(c, k, p) if pred_fn else p
            tri = np.where(g == 255, 255, np.where(g == 0, 0, 128)).astype(np.uint8)
            tri = tri_fn(c, k, tri) if tri_fn else tri
            _png(root / "gt" / c / f"{k:04d}.png", g)
            _png(root / "pred" / c / f"{k:04d}.png", p)
            _png(root / "tri" / c / f"{k:04d}.png", tri)
    return root


def _flow_tree(root, clips=("a", "b"), t=3, h=12, w=16, valid=1, dtype=np.uint16, channels=3, size=None):
    for c in clips:
        for k in range(1, t):
            hh, ww = size or (h, w)
            f = np.zeros((hh, ww, channels), dtype) if channels > 1 else np.zeros((hh, ww), dtype)
            if channels == 3:
                f[..., 2] = valid
            _png(root / "flow" / c / f"flow_{k - 1:04d}_{k:04d}.png", f)


def _eval(root, *extra):
    return main(["eval", "--no-progress", "--pred", str(root / "pred"), "--gt", str(root / "gt"), *map(str, extra)])


def _error(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("vmbench: error: "), err
    return err[0]


# --- errors -----------------------------------------------------------------------------------------

def test_tcvom_without_flow_names_the_option(tmp_path, capsys):
    _tree(tmp_path)
    assert _eval(tmp_path, "--protocol", "tcvom", "--trimap", tmp_path / "tri") == 2
    line = _error(capsys)
    assert "--flow" in line and "--metrics mSAD,MSE,SSDA,dtSSD" in line


def test_tcvom_one_clip_keeps_it_with_a_note(tmp_path, capsys):
    _tree(tmp_path, clips=("only",))
    out = tmp_path / "r.json"
    assert _eval(tmp_path, "--protocol", "tcvom", "--trimap", tmp_path / "tri", "--metrics", "mSAD",
                 "--json", out) == 0
    assert "note: one clip: TCVOM's calc_metric.py leaves the last video out" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["summary"]["mSAD"] == pytest.approx(np.mean([r["mSAD"] for r in data["frames"]]))


def test_tcvom_missing_flow_file(tmp_path, capsys):
    _tree(tmp_path)
    _flow_tree(tmp_path)
    (tmp_path / "flow" / "b" / "flow_0001_0002.png").unlink()
    assert _eval(tmp_path, "--protocol", "tcvom", "--trimap", tmp_path / "tri", "--flow", tmp_path / "flow") == 2
    line = _error(capsys)
    assert "flow_0001_0002.png: flow file missing" in line


@pytest.mark.parametrize("kind, expected", [
    ({"dtype": np.uint8}, "must be 16-bit with 3 channels"),
    ({"channels": 1}, "must be 16-bit with 3 channels"),
    ({"size": (11, 16)}, "does not match the frame"),
])
def test_tcvom_malformed_flow(tmp_path, capsys, kind, expected):
    _tree(tmp_path)
    _flow_tree(tmp_path, **kind)
    assert _eval(tmp_path, "--protocol", "tcvom", "--trimap", tmp_path / "tri", "--flow", tmp_path / "flow") == 2
    assert expected in _error(capsys)


def test_tcvom_flow_folder_missing_for_a_clip(tmp_path, capsys):
    _tree(tmp_path)
    _flow_tree(tmp_path, clips=("a",))
    assert _eval(tmp_path, "--protocol", "tcvom", "--trimap", tmp_path / "tri", "--flow", tmp_path / "flow") == 2
    assert "flow folder missing for clip b" in _error(capsys)


@pytest.mark.parametrize("protocol, option", [("rvm", "--flow"), ("videomama", "--trimap"), ("crgnn", "--trimap")])
def test_options_a_protocol_does_not_use(tmp_path, capsys, protocol, option):
    _tree(tmp_path)
    _flow_tree(tmp_path)
    target = tmp_path / ("flow" if option == "--flow" else "tri")
    assert _eval(tmp_path, "--protocol", protocol, option, target) == 2
    assert option.lstrip("-") in _error(capsys)


def test_unknown_metric_of_a_new_protocol(tmp_path, capsys):
    _tree(tmp_path)
    assert _eval(tmp_path, "--protocol", "videomama", "--metrics", "Conn") == 2
    assert "not part of protocol 'videomama'" in _error(capsys)


def test_unknown_jf_rule_is_an_argument_error(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["eval", "--pred", str(tmp_path), "--gt", str(tmp_path), "--jf-frames", "middle"])
    assert exc.value.code == 2


# --- NaN rules: null in JSON, one note, a defined mean -----------------------------------------------

def test_tcvom_no_unknown_pixel_is_nan_noted_and_null(tmp_path, capsys):
    _tree(tmp_path, tri_fn=lambda c, k, tri: np.full_like(tri, 255) if (c, k) == ("a", 1) else tri)
    out = tmp_path / "r.json"
    assert _eval(tmp_path, "--protocol", "tcvom", "--trimap", tmp_path / "tri", "--metrics", "mSAD,MSE,SSDA",
                 "--json", out) == 0
    text = capsys.readouterr().out
    assert "note: mSAD: 1 frame(s) have an empty region, where TCVOM calc_metric.py computes 0/0 = NaN" in text
    data = json.loads(out.read_text())
    row = next(r for r in data["frames"] if r["clip"] == "a" and r["frame"] == "0001")
    assert row["mSAD"] is None and row["MSE"] is None and row["SSDA"] == 0.0
    # summary: clip a (mean of its 2 defined frames) only, clip b is TCVOM's left-out last clip
    a = [r["mSAD"] for r in data["frames"] if r["clip"] == "a" and r["mSAD"] is not None]
    assert data["summary"]["mSAD"] == pytest.approx(np.mean(a))
    assert "clip b is scored but left out of the summary" in text


def test_dim_frame_without_unknown_pixel(tmp_path, capsys):
    _tree(tmp_path, tri_fn=lambda c, k, tri: np.zeros_like(tri) if k == 2 else tri)
    out = tmp_path / "r.json"
    assert _eval(tmp_path, "--protocol", "dim", "--trimap", tmp_path / "tri", "--json", out) == 0
    text = capsys.readouterr().out
    assert "note: MSE: 2 frame(s) have an empty region" in text and "(its mean would print NaN)" in text
    data = json.loads(out.read_text())
    frames = data["frames"]
    assert [r["MSE"] is None for r in frames].count(True) == 2
    assert data["summary"]["MSE"] == pytest.approx(np.mean([r["MSE"] for r in frames if r["MSE"] is not None]))
    assert all(r["SAD"] == 0.0 for r in frames if r["frame"] == "0002")


def test_dim_every_frame_empty_gives_null_summary(tmp_path, capsys):
    _tree(tmp_path, tri_fn=lambda c, k, tri: np.full_like(tri, 255))
    out = tmp_path / "r.json"
    assert _eval(tmp_path, "--protocol", "dim", "--trimap", tmp_path / "tri", "--metrics", "MSE", "--json", out) == 0
    assert json.loads(out.read_text())["summary"]["MSE"] is None
    assert "6 frame(s) have an empty region" in capsys.readouterr().out


# --- empty regions that are 0 by the reference's rule --------------------------------------------------

def test_videomama_all_foreground_frame_has_madt_zero(tmp_path, capsys):
    _tree(tmp_path, gt_fn=lambda c, k, g: np.full_like(g, 255) if k == 0 else g)
    out = tmp_path / "r.json"
    assert _eval(tmp_path, "--protocol", "videomama", "--metrics", "MAD-T", "--json", out) == 0
    rows = json.loads(out.read_text())["frames"]
    assert all(r["MAD-T"] == 0.0 for r in rows if r["frame"] == "0000")
    assert all(r["MAD-T"] > 0 for r in rows if r["frame"] != "0000")


def test_ftpvm_trimap_all_foreground(tmp_path, capsys):
    _tree(tmp_path, tri_fn=lambda c, k, tri: np.full_like(tri, 254))
    out = tmp_path / "r.json"
    assert _eval(tmp_path, "--protocol", "ftpvm", "--trimap", tmp_path / "tri", "--json", out) == 0
    rows = json.loads(out.read_text())["frames"]
    for r in rows:
        assert r["tran_MAD"] == r["bg_MAD"] == r["tran_SAD"] == r["bg_MSE"] == r["bg_dtSSD"] == 0.0
        assert r["fg_MAD"] == pytest.approx(r["MAD"])


def test_tcvom_flow_validity_all_zero(tmp_path, capsys):
    _tree(tmp_path)
    _flow_tree(tmp_path, valid=0)
    out = tmp_path / "r.json"
    assert _eval(tmp_path, "--protocol", "tcvom", "--trimap", tmp_path / "tri", "--flow", tmp_path / "flow",
                 "--json", out) == 0
    rows = json.loads(out.read_text())["frames"]
    assert all(r["MESSDdt"] == 0.0 and r["MESSDdt_fix"] == 0.0 for r in rows)
    assert any(r["dtSSD"] > 0 for r in rows)


# --- sparse ground truth (CRGNN) and single frames ----------------------------------------------------

def _sparse(root, n_gt, n_pred, clips=("v1", "v2")):
    for c in clips:
        for k in range(n_gt):
            g = np.zeros((10, 12), np.uint8)
            g[:, : 3 + k] = 255
            _png(root / "gt" / c / f"{10 * k + 1:05d}.png", g)
        for i in range(n_pred):
            p = np.full((10, 12), i % 256, np.uint8)
            _png(root / "pred" / c / "pha" / f"{i:05d}.png", p)


def test_crgnn_pairs_gt_k_with_prediction_10k(tmp_path, capsys):
    _sparse(tmp_path, n_gt=3, n_pred=21)
    out = tmp_path / "r.json"
    assert _eval(tmp_path, "--protocol", "crgnn", "--metrics", "MAD,dtSSD", "--json", out) == 0
    rows = [r for r in json.loads(out.read_text())["frames"] if r["clip"] == "v1"]
    for k, r in enumerate(rows):
        g = np.zeros((10, 12), np.float64)
        g[:, : 3 + k] = 1
        p = np.float32(10 * k) / np.float32(255)
        assert r["MAD"] == pytest.approx(np.abs(p - g).mean() * 1e3, rel=1e-6)
    # dtSSD between annotated frames 10 video frames apart: dp = 10/255, dg = 1 on one column
    dp = float(np.float32(10) / np.float32(255))
    want = math.sqrt(((dp - 1) ** 2 * 10 + dp ** 2 * 110) / 120) * 1e2
    assert rows[0]["dtSSD"] == 0.0 and rows[1]["dtSSD"] == pytest.approx(want, rel=1e-6)


def test_crgnn_prediction_too_short_is_refused(tmp_path, capsys):
    _sparse(tmp_path, n_gt=4, n_pred=15)
    assert _eval(tmp_path, "--protocol", "crgnn", "--metrics", "MAD") == 2
    assert "15 prediction frames; the ground truth has 4 frames, one every 10 prediction frames, so at least 31" in _error(capsys)


def test_crgnn_prediction_of_annotated_frames_only_is_noted(tmp_path, capsys):
    for c in ("v1", "v2"):
        for k in range(3):
            g = np.zeros((10, 12), np.uint8)
            g[:, : 3 + k] = 255
            _png(tmp_path / "gt" / c / f"{10 * k:05d}.png", g)
            _png(tmp_path / "pred" / c / "pha" / f"{10 * k:05d}.png", np.roll(g, 1, axis=1))
    assert _eval(tmp_path, "--protocol", "crgnn", "--metrics", "MAD") == 0
    assert "the prediction holds only the 3 annotated frames; paired by file name" in capsys.readouterr().out


def test_crgnn_one_annotated_frame(tmp_path, capsys):
    _sparse(tmp_path, n_gt=1, n_pred=1)
    out = tmp_path / "r.json"
    assert _eval(tmp_path, "--protocol", "crgnn", "--json", out) == 0
    data = json.loads(out.read_text())
    assert len(data["frames"]) == 2 and data["summary"]["dtSSD"] == 0.0


def test_single_frame_clips_temporal_metrics_are_zero(tmp_path, capsys):
    _tree(tmp_path, t=1)
    out = tmp_path / "r.json"
    assert _eval(tmp_path, "--protocol", "tcvom", "--trimap", tmp_path / "tri", "--flow", tmp_path / "nothing",
                 "--json", out) == 2  # the flow folder is checked even when no pair needs it
    assert "flow folder missing" in _error(capsys)
    _flow_tree(tmp_path, t=1)
    (tmp_path / "flow" / "a").mkdir(parents=True)
    (tmp_path / "flow" / "b").mkdir(parents=True)
    assert _eval(tmp_path, "--protocol", "tcvom", "--trimap", tmp_path / "tri", "--flow", tmp_path / "flow",
                 "--json", out) == 0
    data = json.loads(out.read_text())
    assert all(r["dtSSD"] == 0.0 and r["MESSDdt"] == 0.0 for r in data["frames"])


def test_generated_trimaps_are_noted(tmp_path, capsys):
    _tree(tmp_path)
    assert _eval(tmp_path, "--protocol", "ftpvm", "--metrics", "MAD") == 0
    assert "note: no --trimap: trimaps made from the ground truth" in capsys.readouterr().out


# --- DAVIS rule ---------------------------------------------------------------------------------------

def test_davis_rule_on_two_frame_sequences_gives_null(tmp_path, capsys):
    from vmbench.instance.evaluate import evaluate_instance

    for t in range(2):
        g = np.zeros((8, 8), np.uint8)
        g[:4, :4] = 255
        _png(tmp_path / "gt" / "c" / "pha" / "a" / f"{t}.png", g)
        _png(tmp_path / "pred" / "c" / "a" / f"{t}.png", g)
    res = evaluate_instance(tmp_path / "pred", tmp_path / "gt", metrics=["J", "F"])
    assert res["summary"]["J"] is None and res["summary"]["J&F"] is None
    res = evaluate_instance(tmp_path / "pred", tmp_path / "gt", metrics=["J", "F"], jf_rule="all")
    assert res["summary"]["J"] == 1.0 and res["summary"]["J-Decay"] == 0.0


def test_davis_rule_is_printed(tmp_path, capsys):
    for t in range(4):
        g = np.zeros((8, 8), np.uint8)
        g[:4, : 2 + t] = 255
        _png(tmp_path / "gt" / "c" / "pha" / "a" / f"{t}.png", g)
        _png(tmp_path / "pred" / "c" / "a" / f"{t}.png", np.roll(g, 1, axis=1))
    assert _eval(tmp_path, "--task", "instance", "--metrics", "J,F") == 0
    assert "frame rule davis (first and last frame of each sequence dropped)" in capsys.readouterr().out


@pytest.mark.parametrize("protocol", ["crgnn", "tcvom", "ftpvm"])
def test_plain_only_protocols_refused_for_instance_tasks(tmp_path, protocol):
    from vmbench.errors import InputError
    from vmbench.instance.evaluate import evaluate_instance

    g = np.zeros((8, 8), np.uint8)
    _png(tmp_path / "gt" / "c" / "pha" / "a" / "0.png", g)
    _png(tmp_path / "pred" / "c" / "a" / "0.png", g)
    with pytest.raises(InputError, match="is for the plain task"):
        evaluate_instance(tmp_path / "pred", tmp_path / "gt", protocol=protocol)


def test_videomama_per_instance(tmp_path):
    from vmbench.instance.evaluate import evaluate_instance

    for t in range(2):
        g = np.zeros((24, 24), np.uint8)
        g[:, :12] = 255
        p = g.copy()
        p[:, 8:16] = 128  # inside the transition band (columns 8..16 of the eroded-fg/bg rule)
        _png(tmp_path / "gt" / "c" / "pha" / "a" / f"{t}.png", g)
        _png(tmp_path / "pred" / "c" / "a" / f"{t}.png", p)
    res = evaluate_instance(tmp_path / "pred", tmp_path / "gt", protocol="videomama", metrics=["MAD-T", "MAD"])
    # band: fg loses columns 8..11, bg columns 12..16 -> 9 columns; error 127/255 on 4, 128/255 on 4 of them
    want = (4 * 127 + 4 * 128) / 255 / 9 * 1e3
    assert res["summary"]["MAD-T"] == pytest.approx(want, rel=1e-6)
