"""The shipped OAVM checkpoint loads and reproduces its recorded held-out scores.

The held-out clips are regenerated here from the preset and seed recorded in
``baselines/oavm/weights/oavm_small.json``; MAD / MSE are computed in this test with plain numpy
from the definition (1e3 * mean |p - g|, per frame, averaged over frames then clips).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from baselines.oavm.adapter import SHIPPED_WEIGHTS, OAVMAdapter

RECORD = SHIPPED_WEIGHTS.with_suffix(".json")


def test_shipped_checkpoint_is_small_and_loads_weights_only():
    assert SHIPPED_WEIGHTS.is_file() and RECORD.is_file()
    assert SHIPPED_WEIGHTS.stat().st_size < 20 * 2**20
    raw = torch.load(SHIPPED_WEIGHTS, map_location="cpu", weights_only=True)
    rec = json.loads(RECORD.read_text())
    assert raw["format"] == "vmbench-oavm/1"
    assert raw["train"]["steps"] == rec["train"]["steps"]
    n = sum(v.numel() for k, v in raw["state_dict"].items())
    assert n == rec["model"]["parameters"]


def test_shipped_checkpoint_reproduces_recorded_scores():
    pytest.importorskip("vmbench.synth")
    from vmbench.synth import generate_clip
    from vmbench.synth.dataset import preset_clips

    from baselines.oavm.infer import predict_frames

    rec = json.loads(RECORD.read_text())["test_set"]
    adapter = OAVMAdapter()
    adapter.load(None, "cpu")
    assert adapter.weights_path == SHIPPED_WEIGHTS or adapter.weights_path.name == "oavm_small.pt"
    model_mad, static_mad, model_mse = [], [], []
    for item in preset_clips(rec["preset"], rec["seed"]):
        clip = generate_clip(item["rng"], height=item["height"], width=item["width"],
                             frames=item["frames"], style=item["style"])
        gt = np.rint(clip.union.astype(np.float64) * 255) / 255  # the 8-bit ground truth
        mask = gt[0] >= 0.5
        pred = np.stack(list(predict_frames(adapter.model, clip.image, mask,
                                            long_side=rec["long_side"])))
        pred = np.rint(pred.astype(np.float64) * 255) / 255  # as written to PNG
        assert pred.shape == gt.shape
        model_mad.append(np.mean([np.abs(p - g).mean() for p, g in zip(pred, gt)]) * 1e3)
        model_mse.append(np.mean([((p - g) ** 2).mean() for p, g in zip(pred, gt)]) * 1e3)
        static_mad.append(np.mean([np.abs(mask - g).mean() for g in gt]) * 1e3)
    assert len(model_mad) == rec["clips"]
    assert np.mean(static_mad) == pytest.approx(rec["static"]["MAD"], rel=1e-6)
    assert np.mean(model_mad) == pytest.approx(rec["model"]["MAD"], rel=0.02)
    assert np.mean(model_mse) == pytest.approx(rec["model"]["MSE"], rel=0.02)
    assert np.mean(model_mad) < np.mean(static_mad)  # beats the static first-frame mask
