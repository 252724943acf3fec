"""Shared pieces of the classical baselines: the no-weights adapter base and mask refinement."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from baselines.classical.guided_filter import guided_filter
from vmbench.io.frames import read_alpha_u8

__all__ = ["NoWeightsAdapter", "read_binary", "default_radius", "refine"]


class NoWeightsAdapter:
    """Base for adapters without learned weights: ``load`` only records the device (CPU code)."""

    name = "no-weights"
    needs_weights = False
    weights_filename = None

    def load(self, weights: Path | None, device: str) -> None:
        self.device = device


def read_binary(path: Path) -> np.ndarray:
    """A guidance mask file as float64 {0, 1} (pixels >= 128 are foreground)."""
    return (read_alpha_u8(path) >= 128).astype(np.float64)


def default_radius(shape: tuple[int, int]) -> int:
    """Guided-filter radius scaled to the frame: ``max(2, round(min(H, W) / 36))`` (8 px at 288p)."""
    return max(2, int(round(min(shape[:2]) / 36)))


def refine(rgb: np.ndarray, mask: np.ndarray, *, radius: int | None = None, eps: float = 1e-4) -> np.ndarray:
    """Snap a (soft or binary) mask to the colour edges of `rgb` with a colour guided filter.

    rgb : uint8 (H, W, 3); mask : (H, W) in [0, 1]. Returns float32 (H, W) clipped to [0, 1].
    """
    r = default_radius(mask.shape) if radius is None else radius
    q = guided_filter(rgb.astype(np.float64) / 255.0, mask, radius=r, eps=eps)
    return np.clip(q, 0.0, 1.0).astype(np.float32)
