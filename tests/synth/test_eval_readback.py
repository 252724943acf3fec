"""The dataset is read back by `vmbench.evaluate`: GT vs itself scores zero, a coarse mask does not."""

import shutil

import numpy as np

from vmbench.evaluate import evaluate
from vmbench.io.frames import read_alpha_u8


def test_gt_against_itself_scores_zero(tiny_root, tmp_path):
    pred = tmp_path / "pred"
    shutil.copytree(tiny_root / "plain", pred, ignore=shutil.ignore_patterns("com", "fgr", "guidance"))
    res = evaluate(pred, tiny_root / "plain", protocol="rvm", metrics=["MAD", "MSE", "dtSSD"])
    assert len(res.clips) == 4 and len(res.frames) == 32
    assert all(v == 0 for v in res.summary.values())


def test_coarse_mask_prediction_scores_mean_abs_diff(tiny_root, tmp_path):
    gt_root = tiny_root / "plain"
    pred = tmp_path / "pred"
    diffs = {}
    for clip_dir in sorted(gt_root.glob("*/*")):
        out = pred / clip_dir.parent.name / clip_dir.name / "pha"
        shutil.copytree(clip_dir / "guidance" / "mask_down8", out)
        for f in sorted((clip_dir / "pha").iterdir()):
            p = read_alpha_u8(out / f.name).astype(np.float64) / 255
            g = read_alpha_u8(f).astype(np.float64) / 255
            diffs[(clip_dir.parent.name, clip_dir.name, f.stem)] = np.abs(p - g).mean() * 1e3
    res = evaluate(pred, gt_root, protocol="rvm", metrics=["MAD"])
    got = {(r.dataset, r.clip, r.frame): r.MAD for r in res.frames.itertuples()}
    assert sorted(got) == sorted(diffs)
    for key, want in diffs.items():
        np.testing.assert_allclose(got[key], want, rtol=1e-5, atol=1e-9)
    assert res.summary["MAD"] > 1


def _copy_instance_preds(gt, pred):
    for clip in sorted(p for p in gt.iterdir() if p.is_dir()):
        shutil.copytree(clip / "pha", pred / clip.name)


def test_instance_tree_read_back_by_instance_eval(tiny_root, tmp_path):
    from vmbench.instance.evaluate import evaluate_instance

    gt = tiny_root / "instance" / "multi"
    _copy_instance_preds(gt, tmp_path / "pred")
    res = evaluate_instance(tmp_path / "pred", gt)
    s = res["summary"]
    assert s["MAD"] == 0 and s["MSE"] == 0 and s["dtSSD"] == 0
    assert s["RQ"] == 1 and s["VIMQ"] == 1


def test_expressions_read_back_by_referring_eval(tiny_root, tmp_path):
    import json

    from vmbench.instance.evaluate import evaluate_referring

    gt = tiny_root / "instance" / "multi"
    meta = json.loads((gt / "meta_expressions.json").read_text())
    right, wrong = tmp_path / "right", tmp_path / "wrong"
    for clip, video in meta["videos"].items():
        ids = sorted(p.name for p in (gt / clip / "pha").iterdir())
        assert len(ids) >= 2
        for exp_id, e in video["expressions"].items():
            obj = e["obj_id"][0]
            shutil.copytree(gt / clip / "pha" / obj, right / clip / exp_id)
            other = ids[(ids.index(obj) + 1) % len(ids)]  # a different instance of the clip
            shutil.copytree(gt / clip / "pha" / other, wrong / clip / exp_id)
    good = evaluate_referring(right, gt)["summary"]
    assert good["RefAcc"] == 1 and good["MAD"] == 0
    bad = evaluate_referring(wrong, gt)["summary"]
    assert bad["RefAcc"] < 0.5 and bad["MAD"] > 0
