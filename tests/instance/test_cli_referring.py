"""CLI option mapping, task detection and the referring-accuracy rule, by hand."""

import argparse
import json

import cv2
import numpy as np
import pytest

from vmbench.errors import InputError
from vmbench.instance.cli import add_arguments, detect_task, vim_options_from_args
from vmbench.instance.evaluate import referring_accuracy


def _parse(*argv):
    p = argparse.ArgumentParser()
    add_arguments(p)
    return p.parse_args(list(argv))


def test_vim_options_from_args():
    o = vim_options_from_args(_parse())
    assert (o.effective_binarize, o.effective_weight, o.error, o.iou_threshold) == (0.5, 50.0, "MSE", 0.5)
    o = vim_options_from_args(_parse("--vim-paper", "--vim-error", "dtSSD"))
    assert (o.effective_binarize, o.effective_weight) == (0.0, 10.0)
    o = vim_options_from_args(_parse("--vim-paper", "--vim-error", "dtSSD", "--vim-weight", "7"))
    assert o.effective_weight == 7.0
    o = vim_options_from_args(_parse("--vim-binarize", "0"))
    assert o.effective_binarize == 0.0
    with pytest.raises(InputError):
        vim_options_from_args(_parse("--vim-paper", "--vim-binarize", "0.5"))
    with pytest.raises(SystemExit):
        _parse("--vim-weight", "-1")


def test_referring_accuracy_by_hand():
    # 1 frame of 1 x 6 pixels; instances A = px 0-2, B = px 2-4 (overlap at px 2), C = px 5
    inst = np.zeros((3, 1, 1, 6), np.float32)
    inst[0, 0, 0, 0:3] = 1
    inst[1, 0, 0, 2:5] = 1
    inst[2, 0, 0, 5] = 1
    exp_gt = np.stack([inst[0], np.minimum(inst[0] + inst[1], 1), inst[2]])
    pred = np.zeros((3, 1, 1, 6), np.float32)
    pred[0, 0, 0, 1:4] = 1   # refers to A: IoU(A) = 2/4, IoU(B) = 2/4 -> tie -> wrong
    pred[1, 0, 0, 0:5] = 1   # refers to A+B: IoU = 1; other instance C: 0 -> right
    pred[2, 0, 0, 4:6] = 1   # refers to C: IoU(C) = 1/2; IoU(B) = 1/4; IoU(A) = 0 -> right
    out = referring_accuracy(pred, inst, [[0], [0, 1], [2]], exp_gt)
    assert [a["iou"] for a in out] == [2 / 4, 1.0, 1 / 2]
    assert [a["best_other_iou"] for a in out] == [2 / 4, 0.0, 1 / 4]
    assert [a["correct"] for a in out] == [False, True, True]


def _w(path, a):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), a)


def test_detect_instance_when_pred_names_are_instance_names(tmp_path):
    img = np.full((4, 4), 255, np.uint8)
    for n in ("0", "1"):
        _w(tmp_path / "gt" / "c" / "pha" / n / "0000.png", img)
        _w(tmp_path / "pred" / "c" / n / "0000.png", img)
    (tmp_path / "gt" / "meta_expressions.json").write_text(json.dumps(
        {"videos": {"c": {"expressions": {"0": {"exp": "a", "obj_id": ["0"]}, "1": {"exp": "b", "obj_id": ["1"]},
                                          "2": {"exp": "c", "obj_id": ["0", "1"]}}}}}))
    assert detect_task(tmp_path / "gt", tmp_path / "pred") == "instance"  # ambiguous: instance wins
    _w(tmp_path / "pred" / "c" / "2" / "0000.png", img)
    assert detect_task(tmp_path / "gt", tmp_path / "pred") == "referring"
