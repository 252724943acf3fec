"""Adapters for the diffusion-based matting systems: VRMDiff (CogVideoX, caption track), GVM
(SVD, no guidance) and VideoMaMa (SVD, per-frame masks). diffusers/transformers are imported
only when an adapter loads its weights (``pip install vmbench[diffusion]``)."""

from baselines.diffusion.gvm import GVMAdapter
from baselines.diffusion.videomama import VideoMaMaAdapter
from baselines.diffusion.vrmdiff import VRMDiffAdapter

__all__ = ["VRMDiffAdapter", "GVMAdapter", "VideoMaMaAdapter"]
