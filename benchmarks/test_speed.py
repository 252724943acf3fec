"""Speed of vmbench against the reference-style implementation, measured with pytest-benchmark.

Run: python -m benchmarks.speed_table  (runs this file, then prints the README's markdown table), or
python -m pytest benchmarks/test_speed.py --benchmark-enable --benchmark-json=b.json && python benchmarks/ratios.py b.json.
Each group holds a vmbench case and its reference case, measured in the same run on the same
machine; the ratio of their means is the figure reported in the README. Content classes: see
`benchmarks.mattes.class_pair` (flat, diffusion-like noise, noisy large foreground, uniform noise).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from benchmarks import mattes, reference_style as ref
from vmbench.evaluate import evaluate
from vmbench.io.frames import read_alpha_u8
from vmbench.protocols import ClipScorer, get_protocol

SIZES = {"512x288": (288, 512), "1920x1080": (1080, 1920)}


def frame_pair_u8(size):
    """(pred, gt) float32 as the references hold them, and the 8-bit frames `vmbench eval` holds."""
    h, w = SIZES[size]
    g = mattes.gt_frame(3, h, w)
    p = mattes.pred_frame(g, 3)
    p8, g8 = (np.round(a * 255).astype(np.uint8) for a in (p, g))
    return p8.astype(np.float32) / np.float32(255), g8.astype(np.float32) / np.float32(255), p8, g8


def frame_pair(size):
    """Float32 alphas as the references read them (u8 / 255)."""
    return frame_pair_u8(size)[:2]


RVM_SET = get_protocol("rvm").default_metrics  # MAD, MSE, Grad, Conn, dtSSD
CASES = [(kind, size) for size in SIZES for kind in mattes.CLASSES]


def class_frames(kind, size):
    """(pred, gt) as 8-bit frames (what `vmbench eval` holds) and as float32 u8/255 (the references)."""
    h, w = SIZES[size]
    p8, g8 = mattes.class_pair(kind, 3, h, w)
    return p8, g8, p8.astype(np.float32) / np.float32(255), g8.astype(np.float32) / np.float32(255)


def reference_set(p, g):
    return ref.mad(p, g), ref.mse(p, g), ref.grad(p, g), ref.conn(p, g), ref.dtssd(p, p, g, g)


def rounds(size, reference):
    return (3 if size == "1920x1080" else 10) if reference else 20


@pytest.mark.parametrize("kind, size", CASES)
def test_rvm_set_vmbench(benchmark, kind, size):
    """The whole rvm set on one frame, with a previous frame so dtSSD is computed too."""
    p8, g8, p, g = class_frames(kind, size)
    benchmark.group = f"rvm set, {kind}, {size}"
    scorer = ClipScorer(get_protocol("rvm"), RVM_SET)
    scorer.add(p8, g8)
    got = benchmark.pedantic(lambda: scorer.add(p8, g8), rounds=rounds(size, False), iterations=1, warmup_rounds=1)
    want = reference_set(p, g)
    assert [got[m] for m in ("MAD", "MSE", "Grad", "Conn")] == pytest.approx(want[:4], rel=1e-5)


@pytest.mark.parametrize("kind, size", CASES)
def test_rvm_set_reference(benchmark, kind, size):
    _, _, p, g = class_frames(kind, size)
    benchmark.group = f"rvm set, {kind}, {size}"
    benchmark.pedantic(lambda: reference_set(p, g), rounds=rounds(size, True), iterations=1, warmup_rounds=1)


@pytest.mark.parametrize("kind, size", CASES)
def test_grad_vmbench(benchmark, kind, size):
    p8, g8, p, g = class_frames(kind, size)
    benchmark.group = f"Grad, {kind}, {size}"
    scorer = ClipScorer(get_protocol("rvm"), ("Grad",))
    got = benchmark.pedantic(lambda: scorer.add(p8, g8)["Grad"], rounds=rounds(size, False), iterations=1, warmup_rounds=1)
    assert got == pytest.approx(ref.grad(p, g), rel=1e-5)


@pytest.mark.parametrize("kind, size", CASES)
def test_grad_reference(benchmark, kind, size):
    _, _, p, g = class_frames(kind, size)
    benchmark.group = f"Grad, {kind}, {size}"
    benchmark.pedantic(lambda: ref.grad(p, g), rounds=rounds(size, True), iterations=1, warmup_rounds=1)


def write_two_pngs(size, folder):
    """The benchmark frame's prediction and ground truth as PNG files (cv2.imwrite defaults)."""
    p, g = frame_pair(size)
    paths = folder / "p.png", folder / "g.png"
    for path, alpha in zip(paths, (p, g)):
        cv2.imwrite(str(path), np.round(alpha * 255).astype(np.uint8))
    return paths


@pytest.mark.parametrize("size", list(SIZES))
def test_decode_two_pngs(benchmark, size, tmp_path):
    """The yardstick of the issue: decoding the frame's two PNGs as the references do (cv2.imread)."""
    p, g = (str(path) for path in write_two_pngs(size, tmp_path))
    benchmark.group = f"rvm metric set vs PNG decode {size}"
    benchmark(lambda: (cv2.imread(p, 0), cv2.imread(g, 0)))


@pytest.mark.parametrize("size", list(SIZES))
def test_decode_two_pngs_vmbench(benchmark, size, tmp_path):
    """The same two files through vmbench's reader (libdeflate + Numba; identical bytes)."""
    p, g = write_two_pngs(size, tmp_path)
    benchmark.group = f"rvm metric set vs PNG decode {size}"
    benchmark(lambda: (read_alpha_u8(p), read_alpha_u8(g)))


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return mattes.write_tree(tmp_path_factory.mktemp("tree"), height=288, width=512, clips=8, frames=25)


E2E = "end-to-end eval, 8 clips x 25 frames 512x288"


@pytest.mark.parametrize("workers", [1, 2])
def test_end_to_end_vmbench(benchmark, tree, workers):
    """`evaluate` as `vmbench eval` runs it, with 1 thread and with 2 (the default on 2 cores)."""
    benchmark.group = E2E
    benchmark.pedantic(lambda: evaluate(tree / "pred", tree / "gt", workers=workers), rounds=3, iterations=1)


def test_end_to_end_reference(benchmark, tree):
    benchmark.group = E2E
    benchmark.pedantic(lambda: ref.evaluate_tree(str(tree / "pred"), str(tree / "gt")), rounds=3, iterations=1)
