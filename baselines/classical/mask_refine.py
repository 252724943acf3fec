"""``mask-guided-filter``: a per-frame coarse mask refined to the frame's edges by a guided filter.

Uses per frame only: the RGB frame and its coarse mask (``mask_down8`` by default; any per-frame
guidance kind via ``--guidance``). The mask, binarised at 128, goes through a colour guided
filter (He et al.; the box-filter implementation in `baselines.classical.guided_filter`) with
``eps = 1e-4`` (intensities in [0, 1]) and a radius matched to the mask's coarseness: for
``mask_downN`` guidance ``r = round(0.75 N)`` (6 px for ``mask_down8``: tuned on the tiny
benchmark among r in {2..12}, eps in {1e-4..3e-2}), for other kinds ``r = max(2, round(min(H, W)
/ 36))`` (2 px at 72p, 8 px at 288p). Clipped to [0, 1]. No temporal information, no learned
weights; deterministic.
"""

from __future__ import annotations

import re
from typing import Iterator

import numpy as np

from baselines.classical._common import NoWeightsAdapter, default_radius, read_binary, refine
from vmbench.adapters.base import ClipInput, Track
from vmbench.errors import InputError

__all__ = ["MaskGuidedFilterAdapter", "radius_for"]


def radius_for(kind: str | None, shape: tuple[int, int]) -> int:
    """Guided-filter radius for guidance `kind`: ``round(0.75 N)`` for mask_downN, else by frame size."""
    m = re.fullmatch(r"mask_down(\d+)", kind or "")
    return max(2, int(round(0.75 * int(m.group(1))))) if m else default_radius(shape)


class MaskGuidedFilterAdapter(NoWeightsAdapter):
    """Binary coarse mask -> colour guided filter (eps 1e-4, radius matched to the mask)."""

    name = "mask-guided-filter"
    track = Track.PER_FRAME_MASK
    default_guidance = "mask_down8"
    eps = 1e-4

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        if clip.masks is None:
            raise InputError(f"{clip.name}: {self.name} needs per-frame masks")
        kind = clip.extra.get("guidance", self.default_guidance)
        for i, path in enumerate(clip.masks):
            rgb = clip.read_frame(i)
            mask = read_binary(path)
            if mask.shape != rgb.shape[:2]:
                raise InputError(f"{path}: mask size {mask.shape[::-1]} differs from the frame's {rgb.shape[1::-1]}")
            yield refine(rgb, mask, radius=radius_for(kind, mask.shape), eps=self.eps)
