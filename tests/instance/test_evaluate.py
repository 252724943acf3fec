"""End-to-end instance and referring evaluation on small PNG trees, checked against the oracles."""

import json

import cv2
import numpy as np
import pytest

from instref import ref_vim
from vmbench.cli import main
from vmbench.instance import evaluate_instance, evaluate_referring
from vmbench.instance.cli import detect_task

H, W, T = 20, 28, 4


def _write(path, a):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), a)


def _scene(seed=0):
    rng = np.random.default_rng(seed)
    gt = np.zeros((3, T, H, W), np.uint8)
    for i in range(3):
        for t in range(T):
            gt[i, t, 2 + 6 * i: 7 + 6 * i, 2 + 2 * t: 14 + 2 * t] = 255
            gt[i, t, 1 + 6 * i, 2 + 2 * t: 14 + 2 * t] = 120
    noise = rng.integers(-6, 7, gt.shape)
    pred = np.clip(gt.astype(int) + noise, 0, 255).astype(np.uint8)
    return gt, pred


def _f(a):
    return a.astype(np.float32) / np.float32(255)


@pytest.fixture
def vim_tree(tmp_path):
    gt, pred = _scene()
    names = ["alice", "bob", "carol"]
    for i, n in enumerate(names):
        for t in range(T):
            _write(tmp_path / "gt" / "clipA" / "pha" / n / f"{t:04d}.png", gt[i, t])
    # predictions: only 2 instances, in a different order, free names
    for k, i in enumerate([2, 0]):
        for t in range(T):
            _write(tmp_path / "pred" / "clipA" / f"p{k}" / f"{t:04d}.png", pred[i, t])
    return tmp_path, gt, pred


def test_instance_rvm_vs_oracle(vim_tree):
    root, gt, pred = vim_tree
    res = evaluate_instance(root / "pred", root / "gt", metrics=["MAD", "MSE", "dtSSD"])
    assert list(res) == ["protocol", "summary", "clips", "frames"]
    P = np.stack([_f(pred[2]), _f(pred[0])])
    G = _f(gt)
    rs, ts, ms, pairs, tp = ref_vim(P, G)
    clip = res["clips"][0]
    assert (clip["RQ"], clip["TQ"], clip["MQ"]) == pytest.approx((rs, ts, ms), rel=1e-9)
    assert clip["VIMQ"] == pytest.approx(rs * ts * ms, rel=1e-9)
    assert res["summary"]["VIMQ"] == pytest.approx(rs * ts * ms, rel=1e-9)
    assert clip["instances"] == 3 and clip["predictions"] == 2
    # per-instance rows: alice <- p1, carol <- p0, bob unmatched -> scored against an empty matte
    rows = {(r["instance"], r["frame"]): r for r in res["frames"]}
    assert len(res["frames"]) == 3 * T
    assert rows[("alice", "0000")]["pred_instance"] == "p1"
    assert rows[("bob", "0000")]["pred_instance"] is None
    mads = []
    for i, name, p in ((0, "alice", P[1]), (1, "bob", np.zeros_like(P[0])), (2, "carol", P[0])):
        for t in range(T):
            g = G[i, t].astype(np.float64)
            mad = np.mean(np.abs(p[t] - g)) * 1e3
            assert rows[(name, f"{t:04d}")]["MAD"] == pytest.approx(mad, rel=1e-6)
            mads.append(mad)
            if t:
                d = (p[t] - p[t - 1].astype(np.float64)) - (g - G[i, t - 1])
                assert rows[(name, f"{t:04d}")]["dtSSD"] == pytest.approx(np.sqrt(np.mean(d * d)) * 1e2, rel=1e-6)
            else:
                assert rows[(name, "0000")]["dtSSD"] == 0.0
    assert res["summary"]["MAD"] == pytest.approx(np.mean(mads), rel=1e-6)
    assert clip["MAD"] == pytest.approx(np.mean(mads), rel=1e-6)
    json.dumps(res, allow_nan=False)


def test_instance_match_by_name(tmp_path):
    gt, pred = _scene(1)
    for i, n in enumerate(["a", "b"]):
        for t in range(T):
            _write(tmp_path / "gt" / "c" / "pha" / n / f"{t:04d}.png", gt[i, t])
            _write(tmp_path / "pred" / "c" / n / f"{t:04d}.png", pred[1 - i, t])  # names swapped
    hung = evaluate_instance(tmp_path / "pred", tmp_path / "gt", metrics=["MAD"])
    named = evaluate_instance(tmp_path / "pred", tmp_path / "gt", metrics=["MAD"], match="name")
    assert named["summary"]["MAD"] > 10 * hung["summary"]["MAD"]
    assert named["summary"]["RQ"] == hung["summary"]["RQ"]
    # auto: maggie pairs by name when the names agree, the rvm protocol keeps VIM's matching
    auto_m = evaluate_instance(tmp_path / "pred", tmp_path / "gt", protocol="maggie", metrics=["MAD"])
    name_m = evaluate_instance(tmp_path / "pred", tmp_path / "gt", protocol="maggie", metrics=["MAD"], match="name")
    hung_m = evaluate_instance(tmp_path / "pred", tmp_path / "gt", protocol="maggie", metrics=["MAD"], match="hungarian")
    assert auto_m == name_m and auto_m["summary"]["MAD"] > 10 * hung_m["summary"]["MAD"]
    assert evaluate_instance(tmp_path / "pred", tmp_path / "gt", metrics=["MAD"]) == hung


def test_vhim_layout_maggie(tmp_path):
    gt, pred = _scene(2)
    for t in range(T):
        for i in range(3):
            _write(tmp_path / "comp_easy" / "pha" / "vid1" / f"{t:05d}" / f"{i:02d}.png", gt[i, t])
            _write(tmp_path / "out" / "vid1" / f"{t:05d}" / f"{i:02d}.png", pred[i, t])  # MaGGIe's saved layout
    assert detect_task(tmp_path / "comp_easy", tmp_path / "out") == "instance"
    res = evaluate_instance(tmp_path / "out", tmp_path / "comp_easy", protocol="maggie", metrics=["MAD", "SAD"])
    assert res["protocol"] == "maggie"
    assert res["clips"][0]["dataset"] == "comp_easy" and res["clips"][0]["clip"] == "vid1"
    P = _f(pred).copy()
    P[P <= np.float32(1 / 255)] = 0
    P[P >= np.float32(254 / 255)] = 1
    G = _f(gt)
    mad = [np.mean(np.abs(P[i, t].astype(np.float64) - G[i, t])) / (H * W + 1e-6) * 1e10 for i in range(3) for t in range(T)]
    assert res["summary"]["MAD"] == pytest.approx(sum(mad) / (len(mad) + 1e-6), rel=1e-9)
    # the whole tree (split folders below the root) works too
    res2 = evaluate_instance(tmp_path / "out", tmp_path, protocol="maggie", metrics=["MAD"])
    assert res2["summary"]["MAD"] == pytest.approx(res["summary"]["MAD"], rel=1e-12)


@pytest.fixture
def ref_tree(tmp_path):
    gt = np.zeros((2, T, H, W), np.uint8)
    gt[0, :, 2:10, 2:12] = 200
    gt[1, :, 6:14, 8:20] = 150  # overlaps instance 0: the sum clips at 255
    for i, n in enumerate(["0", "1"]):
        for t in range(T):
            _write(tmp_path / "gt" / "v" / "pha" / n / f"{t:04d}.png", gt[i, t])
    exps = {"videos": {"v": {"frames": [f"{t:04d}" for t in range(T)], "expressions": {
        "0": {"exp": "left one", "obj_id": ["0"], "anno_id": ["0"]},
        "1": {"exp": "both", "obj_id": ["0", "1"], "anno_id": ["0", "1"]},
        "2": {"exp": "right one (but the prediction is wrong)", "obj_id": "1"},
    }}}}
    (tmp_path / "gt" / "meta_expressions.json").write_text(json.dumps(exps))
    both = np.minimum(gt[0].astype(int) + gt[1], 255).astype(np.uint8)
    preds = {"0": gt[0], "1": both, "2": gt[0]}
    for e, p in preds.items():
        for t in range(T):
            _write(tmp_path / "pred" / "v" / e / f"{t:04d}.png", p[t])
    return tmp_path, gt, preds


def test_referring(ref_tree):
    root, gt, preds = ref_tree
    assert detect_task(root / "gt", root / "pred") == "referring"
    res = evaluate_referring(root / "pred", root / "gt", metrics=["MAD"])
    # expressions 0 and 1 are exact; expression 2 predicts instance 0 instead of 1
    assert res["summary"]["RefAcc"] == pytest.approx(2 / 3)
    G = _f(gt)
    exp_gt = [G[0], np.minimum(G[0] + G[1], 1), G[1]]
    mads = [np.mean(np.abs(_f(preds[str(e)]).astype(np.float64) - exp_gt[e])) * 1e3 for e in range(3)]
    assert mads[0] == 0 and mads[1] == pytest.approx(0, abs=1e-4)
    assert res["summary"]["MAD"] == pytest.approx(np.mean(mads), rel=1e-6)
    P = np.stack([_f(preds[str(e)]) for e in range(3)])
    rs, ts, ms, _, _ = ref_vim(P, np.stack(exp_gt).astype(np.float32))
    assert (res["summary"]["RQ"], res["summary"]["TQ"], res["summary"]["MQ"]) == pytest.approx((rs, ts, ms), rel=1e-9)
    assert {r["exp_id"] for r in res["frames"]} == {"0", "1", "2"}


def test_cli_json(vim_tree, capsys):
    root, _, _ = vim_tree
    out = root / "r.json"
    rc = main(["eval", "--pred", str(root / "pred"), "--gt", str(root / "gt"), "--metrics", "MAD,J,F",
               "--vim-error", "dtSSD", "--vim-paper", "--json", str(out), "--no-progress"])
    assert rc == 0
    data = json.loads(out.read_text())
    assert set(data) == {"protocol", "summary", "clips", "frames"}
    for k in ("RQ", "TQ", "MQ", "VIMQ", "MAD", "J", "F", "J&F"):
        assert k in data["summary"]
    assert "VIMQ" in capsys.readouterr().out


def test_detect_plain_layouts(tmp_path):
    img = np.zeros((4, 4), np.uint8)
    _write(tmp_path / "rvm" / "videomatte" / "0000" / "pha" / "0000.png", img)
    _write(tmp_path / "rvm" / "videomatte" / "0000" / "com" / "0000.png", img)
    _write(tmp_path / "flat" / "clip" / "0000.png", img)
    for root in (tmp_path / "rvm", tmp_path / "rvm" / "videomatte", tmp_path / "flat"):
        assert detect_task(root, None) == "plain"


def test_workers_and_csv(vim_tree, tmp_path):
    root, _, _ = vim_tree
    # a second clip so that two processes have work
    gt, pred = _scene(3)
    for i, n in enumerate(["x", "y"]):
        for t in range(T):
            _write(root / "gt" / "clipB" / "pha" / n / f"{t:04d}.png", gt[i, t])
            _write(root / "pred" / "clipB" / n / f"{t:04d}.png", pred[i, t])
    one = evaluate_instance(root / "pred", root / "gt", metrics=["MAD", "Grad"])
    two = evaluate_instance(root / "pred", root / "gt", metrics=["MAD", "Grad"], workers=2)
    assert one == two
    assert [c["clip"] for c in one["clips"]] == ["clipA", "clipB"]
    rc = main(["eval", "--pred", str(root / "pred"), "--gt", str(root / "gt"), "--metrics", "MAD",
               "--csv", str(tmp_path / "csv"), "--no-progress"])
    assert rc == 0 and (tmp_path / "csv" / "clips.csv").is_file()


def test_jf_summary_is_mean_of_sequence_means(tmp_path):
    gt = np.zeros((2, 2, 8, 8), np.uint8)
    gt[0, :, :4, :4] = 255
    gt[1, 0, 4:, 4:] = 255  # instance 1 absent in frame 1
    pred = gt.copy()
    pred[0, 1, :2, :4] = 0  # frame 1 of instance 0: IoU 8/16
    for i, n in enumerate(["a", "b"]):
        for t in range(2):
            _write(tmp_path / "gt" / "c" / "pha" / n / f"{t}.png", gt[i, t])
            _write(tmp_path / "pred" / "c" / n / f"{t}.png", pred[i, t])
    res = evaluate_instance(tmp_path / "pred", tmp_path / "gt", protocol="maggie", metrics=["J"], jf_rule="all")
    # J: instance a frames 1, 0.5; instance b frames 1, 1 (both empty -> 1)
    assert res["summary"]["J"] == pytest.approx(((1 + 0.5) / 2 + 1.0) / 2)
    assert "MAD" not in res["summary"]
