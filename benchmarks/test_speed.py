"""Speed of vmbench against the reference-style implementation, measured with pytest-benchmark.

Run: python -m pytest benchmarks/test_speed.py --benchmark-enable --benchmark-group-by=group -q
then: python benchmarks/ratios.py .benchmarks/latest.json  (or use --benchmark-json FILE).
Each group holds a vmbench case and its reference case, measured in the same run on the same
machine; the ratio of their means is the figure reported in the README.
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


@pytest.mark.parametrize("size", list(SIZES))
def test_conn_vmbench(benchmark, size):
    p, g, p8, g8 = frame_pair_u8(size)
    scorer = ClipScorer(get_protocol("rvm"), ("Conn",))
    benchmark.group = f"conn {size}"
    value = benchmark(lambda: scorer.add(p8, g8)["Conn"])
    assert value == pytest.approx(ref.conn(p, g), rel=1e-5)


@pytest.mark.parametrize("size", list(SIZES))
def test_conn_reference(benchmark, size):
    p, g = frame_pair(size)
    benchmark.group = f"conn {size}"
    benchmark(ref.conn, p, g)


@pytest.mark.parametrize("size", list(SIZES))
def test_rvm_set_vmbench(benchmark, size):
    p, g, p8, g8 = frame_pair_u8(size)
    benchmark.group = f"rvm metric set vs PNG decode {size}"
    scorer = ClipScorer(get_protocol("rvm"), get_protocol("rvm").default_metrics)
    scorer.add(p8, g8)  # a previous frame, so each timed call computes dtSSD too
    benchmark(lambda: scorer.add(p8, g8))


@pytest.mark.parametrize("size", list(SIZES))
def test_rvm_set_reference(benchmark, size):
    p, g = frame_pair(size)
    benchmark.group = f"rvm metric set vs PNG decode {size}"
    benchmark(lambda: (ref.mad(p, g), ref.mse(p, g), ref.grad(p, g), ref.conn(p, g), ref.dtssd(p, p, g, g)))


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


def noise_pair_u8(size):
    """Worst case for the kernels' shortcuts: uniform noise has no flat window and no equal pixels."""
    h, w = SIZES[size]
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (h, w), dtype=np.uint8), rng.integers(0, 256, (h, w), dtype=np.uint8)


@pytest.mark.parametrize("size", list(SIZES))
def test_rvm_set_noise_vmbench(benchmark, size):
    p8, g8 = noise_pair_u8(size)
    benchmark.group = f"rvm metric set on noise (worst case) {size}"
    scorer = ClipScorer(get_protocol("rvm"), get_protocol("rvm").default_metrics)
    scorer.add(p8, g8)
    benchmark(lambda: scorer.add(p8, g8))


@pytest.mark.parametrize("size", list(SIZES))
def test_rvm_set_noise_reference(benchmark, size):
    p8, g8 = noise_pair_u8(size)
    p, g = (a.astype(np.float32) / np.float32(255) for a in (p8, g8))
    benchmark.group = f"rvm metric set on noise (worst case) {size}"
    benchmark(lambda: (ref.mad(p, g), ref.mse(p, g), ref.grad(p, g), ref.conn(p, g), ref.dtssd(p, p, g, g)))


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
