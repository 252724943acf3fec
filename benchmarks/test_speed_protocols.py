"""Speed of the issue-14 protocols' kernels against reference-style implementations of their
scripts (benchmarks/reference_style_protocols.py), measured with pytest-benchmark.

Run: python -m pytest benchmarks/test_speed_protocols.py --benchmark-enable --benchmark-group-by=group -q \\
         --benchmark-json /tmp/protocols.json
then: python benchmarks/ratios.py /tmp/protocols.json
Each group holds a vmbench case and its reference case on the same frame, in the same run; each
vmbench case also checks its value against the reference case's.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import mattes, reference_style_protocols as ref
from vmbench.instance.maggie import clamp_prediction, messddt_call
from vmbench.protocols import ClipScorer, get_protocol
from vmbench.trimaps import trimap_from_alpha

SIZES = {"512x288": (288, 512), "1920x1080": (1080, 1920)}


def _frames(size, t=3):
    h, w = SIZES[size]
    g = mattes.gt_frame(t, h, w)
    p = mattes.pred_frame(g, t)
    p8, g8 = (np.round(a * 255).astype(np.uint8) for a in (p, g))
    return p8, g8, p8.astype(np.float32) / np.float32(255), g8.astype(np.float32) / np.float32(255)


def _two(size):
    p0, g0, pf0, gf0 = _frames(size, 3)
    p1, g1, pf1, gf1 = _frames(size, 4)
    tri0, tri1 = trimap_from_alpha(g0), trimap_from_alpha(g1)
    h, w = g0.shape
    yy, xx = np.mgrid[:h, :w].astype(np.float32)
    flow = np.round(np.dstack([2.5 * np.sin(yy / 40), 1.5 * np.cos(xx / 50)]) * 100).astype(np.int16).astype(np.float32) / np.float32(100)
    valid = np.ones((h, w), np.uint8)
    valid[h // 3: h // 2, w // 3: w // 2] = 0
    return (p0, g0, pf0, gf0, tri0), (p1, g1, pf1, gf1, tri1), flow, valid


@pytest.mark.parametrize("size", list(SIZES))
def test_madt_vmbench(benchmark, size):
    p8, g8, pf, _ = _frames(size)
    scorer = ClipScorer(get_protocol("videomama"), ("MAD-T",))
    benchmark.group = f"MAD-T {size}"
    value = benchmark(lambda: scorer.add(p8, g8)["MAD-T"])
    assert value == pytest.approx(ref.madt(pf, g8), rel=1e-5)


@pytest.mark.parametrize("size", list(SIZES))
def test_madt_reference(benchmark, size):
    _, g8, pf, _ = _frames(size)
    benchmark.group = f"MAD-T {size}"
    benchmark(ref.madt, pf, g8)


@pytest.mark.parametrize("size", list(SIZES))
def test_tcvom_vmbench(benchmark, size):
    a, b, flow, valid = _two(size)
    proto = get_protocol("tcvom")
    scorer = ClipScorer(proto, proto.default_metrics)
    benchmark.group = f"tcvom 6 metrics {size}"

    def run():
        scorer.seed(a[0], a[1], trimap=a[4])
        return scorer.add(b[0], b[1], trimap=b[4], flow=(flow, valid))

    got = benchmark(run)
    nan_flow = np.where(valid[..., None] == 0, np.nan, flow).astype(np.float32)
    want = ref.tcvom_frame(a[2], a[3], a[4], b[2], b[3], nan_flow)
    for m in ("dtSSD", "MESSDdt", "MESSDdt_fix"):
        assert got[m] == pytest.approx(want[m], rel=1e-5)


@pytest.mark.parametrize("size", list(SIZES))
def test_tcvom_reference(benchmark, size):
    pytest.importorskip("torch")
    a, b, flow, valid = _two(size)
    nan_flow = np.where(valid[..., None] == 0, np.nan, flow).astype(np.float32)
    benchmark.group = f"tcvom 6 metrics {size}"
    benchmark(ref.tcvom_frame, a[2], a[3], a[4], b[2], b[3], nan_flow)


@pytest.mark.parametrize("size", list(SIZES))
def test_ftpvm_vmbench(benchmark, size):
    a, b, _, _ = _two(size)
    proto = get_protocol("ftpvm")
    scorer = ClipScorer(proto, proto.default_metrics)
    benchmark.group = f"ftpvm 21 metrics {size}"

    def run():
        scorer.seed(a[0], a[1], trimap=a[4])
        return scorer.add(b[0], b[1], trimap=b[4])

    got = benchmark(run)
    want = ref.ftpvm_frame(b[2], b[3], b[4], a[2], a[3], a[4])
    for m in ("MAD", "tran_MSE", "bg_dtSSD", "Conn"):
        assert got[m] == pytest.approx(want[m], rel=1e-5)


@pytest.mark.parametrize("size", list(SIZES))
def test_ftpvm_reference(benchmark, size):
    a, b, _, _ = _two(size)
    benchmark.group = f"ftpvm 21 metrics {size}"
    benchmark(ref.ftpvm_frame, b[2], b[3], b[4], a[2], a[3], a[4])


def _window(size):
    frames = [_frames(size, t) for t in range(4)]
    pred = clamp_prediction(np.stack([f[2] for f in frames]))
    gt = np.stack([f[3] for f in frames])
    return pred, gt


@pytest.mark.parametrize("size", list(SIZES))
def test_maggie_messddt_vmbench(benchmark, size):
    pred, gt = _window(size)
    benchmark.group = f"MaGGIe MESSDdt, 3-pair window {size}"
    value = benchmark(messddt_call, pred, gt, [(0, 1), (1, 2), (2, 3)])
    assert value == pytest.approx(ref.maggie_messddt(pred, gt), rel=1e-5)


@pytest.mark.parametrize("size", list(SIZES))
def test_maggie_messddt_reference(benchmark, size):
    pytest.importorskip("torch")
    pred, gt = _window(size)
    benchmark.group = f"MaGGIe MESSDdt, 3-pair window {size}"
    benchmark(ref.maggie_messddt, pred, gt)
