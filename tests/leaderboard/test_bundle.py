"""`vmbench pack` / `vmbench verify`: a bundle round-trips, and its numbers are re-derived by hand."""

import json
import zipfile
from pathlib import Path

import cv2
import numpy as np

from vmbench.cli import main


def make_set(root: Path, seed: int = 0, content_hash: str = "hash-A") -> tuple[Path, Path, list, list]:
    """GT tree root/gt/d/c{k}/pha/000t.png with a manifest, predictions root/pred/... ; returns the
    folders and the uint8 arrays (gt[k][t], pred[k][t])."""
    rng = np.random.default_rng(seed)
    gt_root, pred_root = root / "gt", root / "pred"
    gts, preds = [], []
    for k in range(2):
        g_clip, p_clip = [], []
        for t in range(3):
            g = rng.integers(0, 256, (6, 8), dtype=np.uint8)
            p = np.clip(g.astype(int) + rng.integers(-30, 31, g.shape), 0, 255).astype(np.uint8)
            for base, a in ((gt_root, g), (pred_root, p)):
                path = base / "d" / f"c{k}" / "pha" / f"{t:04d}.png"
                path.parent.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(path), a)
            g_clip.append(g)
            p_clip.append(p)
        gts.append(g_clip)
        preds.append(p_clip)
    (gt_root / "manifest.json").write_text(json.dumps({"content_hash": content_hash}))
    return gt_root, pred_root, gts, preds


def hand_mad(gts, preds) -> float:
    """RVM's MAD x1e3: mean over frame indices of the mean over clips of mean |p - g| (alpha in [0, 1])."""
    per_index = [np.mean([np.mean(np.abs(preds[k][t] / 255.0 - gts[k][t] / 255.0)) for k in range(len(gts))])
                 for t in range(len(gts[0]))]
    return float(np.mean(per_index) * 1e3)


def scored(tmp_path, **kw):
    gt, pred, gts, preds = make_set(tmp_path, **kw)
    res = tmp_path / "runs" / "r.json"
    assert main(["eval", "--pred", str(pred), "--gt", str(gt), "--json", str(res), "--metrics", "MAD,MSE",
                 "--method", "mine", "--track", "none", "--quiet"]) == 0
    return gt, pred, res, gts, preds


def test_round_trip_reproduces_and_values_are_the_hand_computed_ones(tmp_path, capsys):
    gt, pred, res, gts, preds = scored(tmp_path)
    bundle = tmp_path / "out" / "b.zip"
    assert main(["pack", str(res), "--out", str(bundle)]) == 0
    with zipfile.ZipFile(bundle) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        packed = json.loads(zf.read("result.json"))
    assert {"manifest.json", "result.json", "result.run.json"} <= names
    assert sum(n.startswith("predictions/") for n in names) == 6
    assert manifest["dataset_hash"] == "hash-A" and manifest["protocol"] == "rvm"
    assert manifest["score_options"]["metrics"] == "MAD,MSE" and manifest["task"] == "plain"
    assert manifest["environment"]["python"] and manifest["environment"]["numpy"] == np.__version__
    assert abs(packed["summary"]["MAD"] - hand_mad(gts, preds)) < 1e-6 * hand_mad(gts, preds)  # float32 frames
    capsys.readouterr()
    assert main(["verify", str(bundle), "--gt", str(gt)]) == 0
    out = capsys.readouterr().out
    assert "reproduced: all 2 summary metrics" in out and "differs" not in out


def test_hashes_only_bundle_verifies_against_the_given_predictions(tmp_path, capsys):
    gt, pred, res, *_ = scored(tmp_path)
    bundle = tmp_path / "b.zip"
    assert main(["pack", str(res), "--out", str(bundle), "--hashes-only"]) == 0
    with zipfile.ZipFile(bundle) as zf:
        assert not any(n.startswith("predictions/") for n in zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert len(manifest["predictions"]["sha256"]) == 6 and manifest["predictions"]["included"] is False
    assert main(["verify", str(bundle), "--gt", str(gt), "--pred", str(pred)]) == 0


def test_pack_is_byte_stable_apart_from_its_date(tmp_path):
    _gt, _pred, res, *_ = scored(tmp_path)
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    assert main(["pack", str(res), "--out", str(a)]) == 0
    assert main(["pack", str(res), "--out", str(b)]) == 0
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        assert za.namelist() == zb.namelist()
        for n in za.namelist():
            if n != "manifest.json":
                assert za.read(n) == zb.read(n)
