"""The ``oavm`` adapter: the small OAVM-style network, guided by the first-frame mask.

It ships its own checkpoint (``baselines/oavm/weights/oavm_small.pt``, trained on the embedded
synthetic generator), so it runs on any machine. Weights are looked up in this order: the
``--weights`` path, ``<default_weights_dir()>/oavm_small.pt``, the shipped file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from vmbench.adapters.base import ClipInput, Track, default_weights_dir
from vmbench.errors import InputError

__all__ = ["OAVMAdapter", "SHIPPED_WEIGHTS"]

SHIPPED_WEIGHTS = Path(__file__).resolve().parent / "weights" / "oavm_small.pt"


class OAVMAdapter:
    """First-frame-mask video matting with cross-frame memory (see docs/oavm.md).

    long_side : internal processing size (longer side, pixels); None = the training width.
    """

    name = "oavm"
    track = Track.FIRST_FRAME_MASK
    needs_weights = True
    requires = ("torch",)  # optional dependency (vmbench[models]); suite and demo skip it without
    weights_filename = "oavm_small.pt"
    shipped_weights = SHIPPED_WEIGHTS  # the registry falls back to it when no weights are given

    def __init__(self, *, long_side: int | None = None):
        self.long_side = long_side
        self.model = None
        self.device = "cpu"
        self.weights_path: Path | None = None

    def resolve_weights(self, weights: Path | None) -> Path:
        """The checkpoint file `load` would use (see the module docstring for the order)."""
        if weights is not None:
            weights = Path(weights)
            if weights.is_dir():
                weights = weights / self.weights_filename
            if not weights.is_file():
                raise InputError(f"{weights}: OAVM checkpoint not found")
            return weights
        user = default_weights_dir() / self.weights_filename
        if user.is_file():
            return user
        if SHIPPED_WEIGHTS.is_file():
            return SHIPPED_WEIGHTS
        raise InputError(
            f"{SHIPPED_WEIGHTS}: shipped OAVM checkpoint missing; pass --weights FILE, put one at "
            f"{user}, or train one with `vmbench train oavm --synthetic --out FILE`"
        )

    def load(self, weights: Path | None, device: str) -> None:
        """Read and check the checkpoint (``weights_only=True``) and build the network."""
        import torch

        from baselines.oavm.checkpoint import build_model, load_checkpoint

        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        path = self.resolve_weights(weights)
        ckpt = load_checkpoint(path, map_location=device)
        self.model = build_model(ckpt, path=path).to(device).eval()
        self.device = device
        self.weights_path = path
        if self.long_side is None:
            size = ckpt.get("train", {}).get("size") or [112, 192]
            self.long_side = int(max(size))

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        """Yield one float32 (H, W) alpha in [0, 1] per frame, carrying memory across frames."""
        from baselines.oavm.infer import predict_frames
        from vmbench.io.frames import read_alpha_u8

        if self.model is None:
            raise RuntimeError("call load() before predict()")
        if clip.first_mask is None:
            raise InputError(f"{clip.name}: the oavm adapter needs a first-frame mask (first_mask)")
        mask = read_alpha_u8(clip.first_mask) >= 128
        first = clip.read_frame(0)
        if mask.shape != first.shape[:2]:
            raise InputError(
                f"{clip.first_mask}: mask is {mask.shape[1]}x{mask.shape[0]}, "
                f"frames are {first.shape[1]}x{first.shape[0]}"
            )

        def frames():
            yield first
            for i in range(1, len(clip)):
                yield clip.read_frame(i)

        yield from predict_frames(
            self.model, frames(), mask, long_side=self.long_side, device=self.device
        )
