"""Lower-bound baselines: the guidance itself used as the matte (a method should beat these).

``mask-as-matte`` (per-frame-mask track): each frame's coarse guidance mask, binarised at 128,
is the prediction. ``ffm-static`` (first-frame-mask track): the frame-0 mask repeated for every
frame. Neither looks at the video frames.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from baselines.classical._common import NoWeightsAdapter, read_binary
from vmbench.adapters.base import ClipInput, Track
from vmbench.errors import InputError

__all__ = ["MaskAsMatteAdapter", "FFMStaticAdapter"]


class MaskAsMatteAdapter(NoWeightsAdapter):
    """Per-frame coarse mask (``mask_down8`` by default), binarised at 128, as the matte."""

    name = "mask-as-matte"
    track = Track.PER_FRAME_MASK
    default_guidance = "mask_down8"

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        if clip.masks is None:
            raise InputError(f"{clip.name}: {self.name} needs per-frame masks")
        for path in clip.masks:
            yield read_binary(path).astype(np.float32)


class FFMStaticAdapter(NoWeightsAdapter):
    """The first-frame mask, binarised at 128, repeated for every frame."""

    name = "ffm-static"
    track = Track.FIRST_FRAME_MASK

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        if clip.first_mask is None:
            raise InputError(f"{clip.name}: {self.name} needs the first-frame mask")
        mask = read_binary(clip.first_mask).astype(np.float32)
        for _ in range(len(clip)):
            yield mask.copy()
