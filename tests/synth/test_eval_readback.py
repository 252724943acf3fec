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
