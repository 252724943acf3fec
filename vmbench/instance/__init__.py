"""Instance and referring video matting evaluation: VIM's RQ/TQ/MQ/VIMQ, MaGGIe's protocol, DAVIS J&F."""

from vmbench.instance.davis import davis_jf
from vmbench.instance.evaluate import evaluate_instance, evaluate_referring
from vmbench.instance.maggie import maggie_clip, transition_region
from vmbench.instance.vim import VimOptions, vim_clip, vim_dataset

__all__ = [
    "evaluate_instance",
    "evaluate_referring",
    "vim_clip",
    "vim_dataset",
    "VimOptions",
    "maggie_clip",
    "transition_region",
    "davis_jf",
]
