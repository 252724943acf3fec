"""Fixtures for the OAVM tests: a tiny stand-in clip generator (tests only) and a small model config."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch

torch.set_num_threads(1)  # far faster than 2 threads on a shared CPU

SMALL_CONFIG = {
    "channels": [8, 8, 16, 16],
    "key_dim": 8,
    "value_dim": 16,
    "pixel_dim": 16,
    "query_dim": 16,
    "num_queries": 2,
    "num_decoder_layers": 1,
    "decoder_dims": [8, 8, 8],
}


def standin_clip(rng, *, height, width, frames, n_instances=None):
    """Soft-edged discs moving over a noisy gradient: the generate_clip fields a trainer reads."""
    n = int(n_instances or rng.integers(1, 3))
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    bg = np.stack([xx / width, yy / height, np.full_like(xx, 0.3)], -1)
    colours = rng.random((n, 3)).astype(np.float32)
    cy, cx = rng.random(n) * height, rng.random(n) * width
    vy, vx = rng.normal(0, 2, n), rng.normal(0, 2, n)
    radius = rng.uniform(0.15, 0.3, n) * min(height, width)
    images, alphas, fgrs = [], [], []
    for t in range(frames):
        rest = np.ones((height, width), np.float32)
        comp = np.zeros((height, width, 3), np.float32)
        vis = []
        for i in range(n):
            d = np.hypot(yy - (cy[i] + vy[i] * t), xx - (cx[i] + vx[i] * t))
            a = np.clip(radius[i] - d + 0.5, 0, 1)
            v = a * rest
            vis.append(v)
            comp += v[..., None] * colours[i]
            rest = rest * (1 - a)
        union = 1 - rest
        fg = np.where(union[..., None] > 0, comp / np.maximum(union, 1e-6)[..., None], 0)
        image = comp + rest[..., None] * (bg + rng.normal(0, 0.02, bg.shape).astype(np.float32))
        images.append(np.clip(np.rint(image * 255), 0, 255).astype(np.uint8))
        fgrs.append(np.clip(np.rint(fg * 255), 0, 255).astype(np.uint8))
        alphas.append(np.stack(vis))
    alphas = np.stack(alphas, 1).astype(np.float32)
    return SimpleNamespace(
        image=np.stack(images), alphas=alphas, union=alphas.sum(0), fgr=np.stack(fgrs), instances=[]
    )


@pytest.fixture
def source():
    return standin_clip


@pytest.fixture
def small_config():
    return dict(SMALL_CONFIG)
