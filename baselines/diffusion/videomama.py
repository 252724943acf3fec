"""VideoMaMa (mask-to-matte video diffusion, CVPR 2026) as a vmbench adapter: an SVD
spatio-temporal UNet conditioned on the video latent and the latent of a coarse per-frame mask
(UNet in_channels 12), run on 12-frame windows.

The mask is encoded by the same VAE as a grey RGB image (0 -> -1, 1 -> +1). What is assumed
about the unreleased parts is in docs/diffusion.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from baselines.diffusion._svd import SVDMattingAdapter
from baselines.diffusion.windows import resize_image
from vmbench.adapters.base import ClipInput, Track
from vmbench.errors import InputError

__all__ = ["VideoMaMaAdapter"]


class VideoMaMaAdapter(SVDMattingAdapter):
    """Video + one coarse mask per frame -> alpha (Track.PER_FRAME_MASK).

    Keyword-only options as `SVDMattingAdapter` (None: the weights folder's
    inference.json, else the default); defaults: window 12 frames (the paper's
    segments), overlap 4, 1 denoising step, resolution 576x1024.
    """

    name = "videomama"
    track = Track.PER_FRAME_MASK
    needs_weights = True
    weights_filename = "videomama"
    cond_latents = 2

    DEFAULTS = {**SVDMattingAdapter.DEFAULTS, "window": 12, "overlap": 4,
                "num_inference_steps": 1}

    def __init__(self, *, window: int | None = None, overlap: int | None = None,
                 num_inference_steps: int | None = None, **options) -> None:
        super().__init__(window=window, overlap=overlap,
                         num_inference_steps=num_inference_steps, **options)

    def _cond_names(self) -> list[str]:
        return ["video", "mask"]

    def _guidance(self, clip: ClipInput) -> dict[str, Any]:
        if clip.masks is None:
            raise InputError(f"{clip.name}: videomama is a per-frame-mask method and needs one "
                             f"mask per frame; none were given")
        if len(clip.masks) != len(clip.frames):
            raise InputError(f"{clip.name}: {len(clip.masks)} masks for {len(clip.frames)} "
                             f"frames (need one per frame)")
        return {}

    def _read_guidance(self, clip: ClipInput, index: int, size: tuple[int, int],
                       frame_size: tuple[int, int]) -> dict:
        from vmbench.io.frames import read_alpha

        path = Path(clip.masks[index])
        mask = read_alpha(path)
        if mask.shape != tuple(frame_size):
            raise InputError(f"{path}: mask size {mask.shape} differs from the frame size "
                             f"{tuple(frame_size)}")
        return {"mask": resize_image(mask.astype(np.float32), size=size)}

    def _cond_images(self, frames: np.ndarray, guidance: dict[str, Any]) -> list[np.ndarray]:
        mask = guidance["mask"].astype(np.float32)
        return [frames, np.repeat(mask[..., None], 3, axis=-1)]
