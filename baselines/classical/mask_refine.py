"""``mask-guided-filter``: a per-frame coarse mask refined to the frame's edges by a guided filter.

Uses per frame only: the RGB frame and its coarse mask (``mask_down8`` by default; any per-frame
guidance kind via ``--guidance``). The binary mask is first blurred with a box of the guidance's
uncertainty (radius ``r``), then passed through a colour guided filter (He et al.; our box-filter
implementation in `baselines.classical.guided_filter`) with radius ``r = max(2, round(min(H, W)
/ 36))`` (2 px at 72p, 8 px at 288p) and ``eps = 1e-4`` (intensities in [0, 1]), clipped to [0, 1].
No temporal information, no learned weights; deterministic.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from baselines.classical._common import NoWeightsAdapter, default_radius, read_binary, refine
from baselines.classical.guided_filter import box_mean
from vmbench.adapters.base import ClipInput, Track
from vmbench.errors import InputError

__all__ = ["MaskGuidedFilterAdapter"]


class MaskGuidedFilterAdapter(NoWeightsAdapter):
    """Coarse mask -> box blur (radius r) -> colour guided filter (radius r, eps 1e-4)."""

    name = "mask-guided-filter"
    track = Track.PER_FRAME_MASK
    default_guidance = "mask_down8"
    eps = 1e-4

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        if clip.masks is None:
            raise InputError(f"{clip.name}: {self.name} needs per-frame masks")
        for i, path in enumerate(clip.masks):
            rgb = clip.read_frame(i)
            mask = read_binary(path)
            if mask.shape != rgb.shape[:2]:
                raise InputError(f"{path}: mask size {mask.shape[::-1]} differs from the frame's {rgb.shape[1::-1]}")
            r = default_radius(mask.shape)
            yield refine(rgb, box_mean(mask, r), radius=r, eps=self.eps)
