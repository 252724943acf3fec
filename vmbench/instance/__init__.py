"""Instance and referring video matting evaluation: VIM's RQ/TQ/MQ/VIMQ, MaGGIe's protocol, DAVIS J&F.

Attributes are imported on first use, so that `vmbench eval --help` (which imports
`vmbench.instance.cli`) does not load Numba kernels, scikit-image or SciPy.
"""

from importlib import import_module

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

_WHERE = {
    "evaluate_instance": "evaluate",
    "evaluate_referring": "evaluate",
    "vim_clip": "vim",
    "vim_dataset": "vim",
    "VimOptions": "vim",
    "maggie_clip": "maggie",
    "transition_region": "maggie",
    "davis_jf": "davis",
}


def __getattr__(name):
    if name in _WHERE:
        return getattr(import_module(f"vmbench.instance.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'vmbench.instance' has no attribute {name!r}")
