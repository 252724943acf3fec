"""Bad input: every case raises InputError naming the offending file or folder."""

import json

import cv2
import numpy as np
import pytest

from vmbench.errors import InputError
from vmbench.instance import evaluate_instance, evaluate_referring


def _w(path, shape=(8, 10), value=200):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full(shape, value, np.uint8))


def _clip(root, names=("a", "b"), frames=3, shape=(8, 10), pha=True):
    for n in names:
        for t in range(frames):
            base = root / "c" / "pha" / n if pha else root / "c" / n
            _w(base / f"{t:04d}.png", shape)


def test_gt_instances_with_different_frame_counts(tmp_path):
    _clip(tmp_path / "gt")
    (tmp_path / "gt" / "c" / "pha" / "b" / "0002.png").unlink()
    _clip(tmp_path / "pred", pha=False)
    with pytest.raises(InputError, match=r"pha/b: 2 frames .*missing frame '0002'"):
        evaluate_instance(tmp_path / "pred", tmp_path / "gt")


def test_pred_frame_count_differs_from_gt(tmp_path):
    _clip(tmp_path / "gt")
    _clip(tmp_path / "pred", pha=False, frames=4)
    with pytest.raises(InputError, match=r"pred/c/a: 4 frames, the ground truth has 3"):
        evaluate_instance(tmp_path / "pred", tmp_path / "gt")


def test_pred_instance_missing_frames(tmp_path):
    _clip(tmp_path / "gt")
    _clip(tmp_path / "pred", pha=False)
    (tmp_path / "pred" / "c" / "b" / "0001.png").unlink()
    with pytest.raises(InputError, match=r"pred/c/b: .*missing frame '0001'"):
        evaluate_instance(tmp_path / "pred", tmp_path / "gt")


def test_empty_instance_folder(tmp_path):
    _clip(tmp_path / "gt")
    _clip(tmp_path / "pred", pha=False)
    (tmp_path / "pred" / "c" / "z").mkdir()
    with pytest.raises(InputError, match=r"pred/c/z: predicted instance folder has no frames"):
        evaluate_instance(tmp_path / "pred", tmp_path / "gt")


def test_size_mismatch(tmp_path):
    _clip(tmp_path / "gt")
    _clip(tmp_path / "pred", pha=False, shape=(8, 12))
    with pytest.raises(InputError, match=r"pred/c: predicted frames are 12x8, the ground truth is 10x8"):
        evaluate_instance(tmp_path / "pred", tmp_path / "gt")
    _clip(tmp_path / "pred", pha=False)  # the prediction right, one ground-truth frame of another size
    _w(tmp_path / "gt" / "c" / "pha" / "a" / "0001.png", (9, 10))
    with pytest.raises(InputError, match=r"gt/c/pha/a/0001.png: size 10x9"):
        evaluate_instance(tmp_path / "pred", tmp_path / "gt")


def test_missing_prediction_clip(tmp_path):
    _clip(tmp_path / "gt")
    (tmp_path / "pred").mkdir()
    with pytest.raises(InputError, match=r"pred/c: prediction folder for clip 'c'"):
        evaluate_instance(tmp_path / "pred", tmp_path / "gt")


def test_empty_prediction_clip_scores_zero(tmp_path):
    _clip(tmp_path / "gt")
    (tmp_path / "pred" / "c").mkdir(parents=True)
    res = evaluate_instance(tmp_path / "pred", tmp_path / "gt", metrics=["MAD"])
    assert res["summary"]["RQ"] == 0.0 and res["summary"]["VIMQ"] == 0.0
    assert res["summary"]["MAD"] == pytest.approx(200 / 255 * 1e3, rel=1e-6)  # vs an empty matte


def test_expression_names_missing_instance(tmp_path):
    _clip(tmp_path / "gt")
    (tmp_path / "gt" / "meta_expressions.json").write_text(json.dumps(
        {"videos": {"c": {"expressions": {"0": {"exp": "x", "obj_id": ["a", "ghost"]}}}}}))
    for t in range(3):
        _w(tmp_path / "pred" / "c" / "0" / f"{t:04d}.png")
    with pytest.raises(InputError, match=r"refers to instance 'ghost'"):
        evaluate_referring(tmp_path / "pred", tmp_path / "gt")


def test_missing_expression_prediction(tmp_path):
    _clip(tmp_path / "gt")
    (tmp_path / "gt" / "meta_expressions.json").write_text(json.dumps(
        {"videos": {"c": {"expressions": {"0": {"exp": "x", "obj_id": ["a"]}, "1": {"exp": "y", "obj_id": ["b"]}}}}}))
    for t in range(3):
        _w(tmp_path / "pred" / "c" / "0" / f"{t:04d}.png")
    with pytest.raises(InputError, match=r"pred/c/1: prediction folder for this expression does not exist"):
        evaluate_referring(tmp_path / "pred", tmp_path / "gt")


def test_bad_expressions_file(tmp_path):
    _clip(tmp_path / "gt")
    (tmp_path / "gt" / "meta_expressions.json").write_text("{not json")
    with pytest.raises(InputError, match=r"meta_expressions.json: not a readable JSON"):
        evaluate_referring(tmp_path / "pred", tmp_path / "gt")


def test_unknown_options(tmp_path):
    _clip(tmp_path / "gt")
    _clip(tmp_path / "pred", pha=False)
    with pytest.raises(InputError, match="VIM error"):
        evaluate_instance(tmp_path / "pred", tmp_path / "gt", vim_options={"error": "SSD"})
    with pytest.raises(InputError, match="not part of protocol 'maggie'"):
        evaluate_instance(tmp_path / "pred", tmp_path / "gt", protocol="maggie", metrics=["Bogus"])


def test_vhim_frame_lacking_an_instance(tmp_path):
    for t in range(2):
        for i in range(2):
            _w(tmp_path / "gt" / "pha" / "v" / f"{t:05d}" / f"{i:02d}.png")
    (tmp_path / "gt" / "pha" / "v" / "00001" / "01.png").unlink()
    (tmp_path / "pred" / "v").mkdir(parents=True)
    with pytest.raises(InputError, match=r"pha/v/00001: instances \['00'\] differ"):
        evaluate_instance(tmp_path / "pred", tmp_path / "gt")
