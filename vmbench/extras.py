"""Optional dependencies: which pip extra provides each one, and the one-line message when it is missing.

Scoring, gating, leaderboards and the no-weights baselines need only the core install. Models are
extras: ``vmbench[models]`` (torch: RVM, OAVM), ``vmbench[diffusion]`` (torch, diffusers,
transformers: VRMDiff, GVM, VideoMaMa). A command that reaches one of them without it installed
stops with ``vmbench: error: <command>: ... pip install 'vmbench[models]'`` instead of a traceback.
"""

from __future__ import annotations

import importlib.util

__all__ = ["EXTRA_OF", "missing_extra_message", "has_module", "require"]

# top-level module -> the extra that installs it
EXTRA_OF: dict[str, str] = {
    "torch": "models",
    "torchvision": "models",
    "diffusers": "diffusion",
    "transformers": "diffusion",
    "sentencepiece": "diffusion",
    "safetensors": "diffusion",
    "accelerate": "diffusion",
    "onnxruntime": "onnx",
    "onnx": "onnx",
}

_TORCH_NOTE = {"models": " (for the CPU build: pip install torch --index-url https://download.pytorch.org/whl/cpu first)"}


def has_module(name: str) -> bool:
    """True when `name` can be imported here (found on the path and not blocked)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # blocked (sys.modules[name] = None) or a broken package
        return False


def missing_extra_message(exc: ImportError) -> str | None:
    """The one-line message for an ImportError of an optional dependency; None for any other."""
    name = (getattr(exc, "name", None) or "").split(".")[0]
    extra = EXTRA_OF.get(name)
    if extra is None:
        return None
    return f"needs {name}, which is not installed: pip install 'vmbench[{extra}]'{_TORCH_NOTE.get(extra, '')}"


def require(name: str, purpose: str):
    """Import and return module `name`, or raise InputError saying which extra installs it."""
    from vmbench.errors import InputError

    try:
        return importlib.import_module(name)
    except ImportError as exc:
        message = missing_extra_message(exc) or f"needs {name} ({type(exc).__name__}: {exc})"
        raise InputError(f"{purpose} {message}") from None
