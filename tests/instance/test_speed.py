"""Speed of VIM scoring: vmbench's Numba kernels vs the reference's approach (torch.cdist on the
stacked clips on CPU, per-pair per-frame IoU in numpy, per-frame cdist for tracking).

Runs only with ``--benchmark-enable`` (5 instances x 100 frames x 512x288, ~1.2 GB of RAM):
    python -m pytest tests/instance/test_speed.py --benchmark-enable -q
No timed assertion: compare the two rows of the "vim-clip" group. Both sides compute the same
RQ/TQ/MQ, which is asserted.
"""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from vmbench.instance.vim import vim_clip

N, T, H, W = 5, 100, 288, 512


@pytest.fixture(scope="module")
def clip(request):
    if not request.config.getoption("benchmark_enable"):
        pytest.skip("speed benchmark: pass --benchmark-enable")
    rng = np.random.default_rng(0)
    gt = np.zeros((N, T, H, W), np.float32)
    for i in range(N):
        for t in range(T):
            y = 20 + 50 * i
            x = (3 * t + 40 * i) % (W - 120)
            gt[i, t, y:y + 45, x:x + 110] = 1.0
    pred = gt[::-1].copy()
    pred += (rng.integers(0, 8, pred.shape, dtype=np.uint8) / np.float32(255)).astype(np.float32)
    np.clip(pred, 0, 1, out=pred)
    return pred, gt


def reference_style(pred, gt):
    """The reference's algorithm, re-expressed: cdist + numpy loops (not its code)."""
    import torch

    G = torch.from_numpy(gt)
    P = torch.from_numpy(pred)
    cost = torch.cdist(G.flatten(1)[None], P.flatten(1)[None], p=1)[0].numpy()
    rows, cols = linear_sum_assignment(cost)
    tp, ious = [], []
    for r, c in zip(rows, cols):
        vals = []
        for t in range(T):
            g = gt[r, t] > 0.5
            p = pred[c, t] > 0.5
            u = np.count_nonzero(g | p)
            vals.append(np.count_nonzero(g & p) / u if u else 0.0)
        if np.mean(vals) > 0.5:
            tp.append((r, c))
            ious.append(np.mean(vals))
    rs = len(tp) / (len(tp) + 0.5 * (len(rows) - len(tp)) * 2) * np.mean(ious)
    frames = []
    for t in range(T):
        ct = torch.cdist(G[:, t].flatten(1)[None], P[:, t].flatten(1)[None], p=1)[0].numpy()
        rt, cc = linear_sum_assignment(ct)
        a = dict(zip(rt.tolist(), cc.tolist()))
        frames.append(np.mean([a.get(r) == c for r, c in tp]))
    ms = np.mean([np.mean([1 - min(1.0, float(((pred[c, t] - gt[r, t]) ** 2).mean()) * 50) for t in range(T)])
                  for r, c in tp])
    return rs, float(np.mean(frames)), ms


@pytest.mark.benchmark(group="vim-clip")
def test_speed_vmbench(benchmark, clip):
    pred, gt = clip
    vim_clip(pred[:, :2], gt[:, :2])  # compile outside the timing
    r = benchmark.pedantic(vim_clip, args=(pred, gt), rounds=3, iterations=1)
    rs, ts, ms = reference_style(pred, gt)
    assert (r.RQ, r.TQ, r.MQ) == pytest.approx((rs, ts, ms), rel=1e-6)


@pytest.mark.benchmark(group="vim-clip")
def test_speed_reference_style(benchmark, clip):
    pred, gt = clip
    benchmark.pedantic(reference_style, args=(pred, gt), rounds=3, iterations=1)
