"""The embedded benchmark: deterministic synthetic video-matting clips with exact ground truth.

See docs/dataset.md for the compositing equations, guidance rules, captions and layout.
"""

from vmbench.synth.clip import SynthClip, generate_clip, merge_sequential
from vmbench.synth.dataset import GENERATOR_VERSION, PRESETS, content_hash, ensure_dataset, make_dataset

__all__ = [
    "GENERATOR_VERSION",
    "PRESETS",
    "SynthClip",
    "content_hash",
    "ensure_dataset",
    "generate_clip",
    "make_dataset",
    "merge_sequential",
]
