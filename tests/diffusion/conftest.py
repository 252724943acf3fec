"""Session-scoped tiny diffusion weights folders (built once, a few seconds each)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    """Tiny models on a shared 2-core machine run ~25x faster on one thread than on two
    contended ones (intra-op thread hand-offs dominate); restored afterwards."""
    try:
        import torch
    except ImportError:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory):
    """Lazily built tiny weights folders and clips, keyed by name; built once per session."""
    pytest.importorskip("diffusers")
    pytest.importorskip("transformers")
    pytest.importorskip("sentencepiece")
    from tests.diffusion.tiny_models import build_svd, build_vrmdiff, write_clip

    root = tmp_path_factory.mktemp("diffusion")
    builders = {
        "vrmdiff": lambda p: build_vrmdiff(p),
        "gvm": lambda p: build_svd(p, cond_latents=1),
        "videomama": lambda p: build_svd(p, cond_latents=2, conditioning=True),
        "clip9": lambda p: write_clip(p, frames=9, masks=True),
        "clip3": lambda p: write_clip(p, frames=3, masks=True, seed=1),
    }
    cache: dict = {}

    def get(name: str):
        if name not in cache:
            cache[name] = builders[name](root / name)
        return cache[name]

    return get
