"""GVM (Generative Video Matting, SIGGRAPH 2025) as a vmbench adapter: auxiliary-free matting
with an SVD spatio-temporal UNet conditioned on the video latent (UNet in_channels 8).

Official weights/code are only partly public; the conditioning choices are documented in
docs/diffusion.md (see `baselines.diffusion._svd` for the per-window computation).
"""

from __future__ import annotations

from baselines.diffusion._svd import SVDMattingAdapter
from vmbench.adapters.base import Track

__all__ = ["GVMAdapter"]


class GVMAdapter(SVDMattingAdapter):
    """Video -> alpha with no guidance (Track.NONE).

    Keyword-only options as `SVDMattingAdapter` (None: the weights folder's
    inference.json, else the default); defaults: window 14 frames (SVD's base length),
    overlap 4, 1 denoising step (GVM is a few-step model), resolution 576x1024.
    """

    name = "gvm"
    track = Track.NONE
    needs_weights = True
    weights_filename = "gvm"
    cond_latents = 1

    DEFAULTS = {**SVDMattingAdapter.DEFAULTS, "window": 14, "overlap": 4,
                "num_inference_steps": 1}

    def __init__(self, *, window: int | None = None, overlap: int | None = None,
                 num_inference_steps: int | None = None, **options) -> None:
        super().__init__(window=window, overlap=overlap,
                         num_inference_steps=num_inference_steps, **options)
