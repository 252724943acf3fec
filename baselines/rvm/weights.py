"""Load the official RVM checkpoints (``rvm_mobilenetv3.pth``, ``rvm_resnet50.pth``) strictly.

The files are plain state dicts published with RobustVideoMatting v1.0.0. They are read with
``torch.load(..., weights_only=True)`` (no pickled code runs) and must match the network
exactly: every missing, unexpected or wrongly shaped key is reported as an `InputError`.
vmbench never downloads weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch

from baselines.rvm.model import VARIANTS, MattingNetwork
from vmbench.adapters.base import default_weights_dir
from vmbench.errors import InputError

__all__ = ["WEIGHTS_FILENAMES", "default_weights_path", "infer_variant", "load_rvm"]

WEIGHTS_FILENAMES = {"mobilenetv3": "rvm_mobilenetv3.pth", "resnet50": "rvm_resnet50.pth"}
_RELEASE_URL = "https://github.com/PeterL1n/RobustVideoMatting/releases/tag/v1.0.0"
# A key only one backbone has, used to tell the variants apart.
_MARKERS = {"mobilenetv3": "backbone.features.0.0.weight", "resnet50": "backbone.conv1.weight"}
_SHOW = 5  # how many offending keys a message lists


def default_weights_path(variant: str) -> Path:
    """Where `load_rvm` looks when no path is given: ``default_weights_dir() / <file name>``."""
    return default_weights_dir() / WEIGHTS_FILENAMES[variant]


def infer_variant(state_dict: Mapping[str, object]) -> str | None:
    """'mobilenetv3' or 'resnet50' from the backbone's first-layer key; None if neither."""
    for variant, marker in _MARKERS.items():
        if marker in state_dict:
            return variant
    return None


def _missing_file_message(path: Path, variant: str | None) -> str:
    names = [WEIGHTS_FILENAMES[variant]] if variant else list(WEIGHTS_FILENAMES.values())
    where = " or ".join(str(default_weights_dir() / n) for n in names)
    return (
        f"{path}: RVM weights file not found. Download {' / '.join(names)} yourself from "
        f"{_RELEASE_URL} and put it at {where} (folder = $VMBENCH_WEIGHTS or "
        f"~/.cache/vmbench/weights), or pass --weights PATH. vmbench never downloads weights."
    )


def _list(keys: list[str]) -> str:
    shown = ", ".join(keys[:_SHOW])
    return shown + (f", ... ({len(keys)} in all)" if len(keys) > _SHOW else "")


def _mismatch(path: Path, variant: str, net: MattingNetwork, sd: Mapping[str, torch.Tensor]) -> str | None:
    """Describe how `sd` differs from `net`'s state dict, or None if keys and shapes all agree."""
    expected = net.state_dict()
    missing = [k for k in expected if k not in sd]
    unexpected = [k for k in sd if k not in expected]
    wrong_shape = [
        f"{k} (file {tuple(sd[k].shape)}, model {tuple(expected[k].shape)})"
        for k in expected
        if k in sd and tuple(sd[k].shape) != tuple(expected[k].shape)
    ]
    if not (missing or unexpected or wrong_shape):
        return None
    parts = []
    if missing:
        parts.append(f"missing keys: {_list(missing)}")
    if unexpected:
        parts.append(f"unexpected keys: {_list(unexpected)}")
    if wrong_shape:
        parts.append(f"shape mismatches: {_list(wrong_shape)}")
    return (
        f"{path}: does not match the RVM {variant} architecture; "
        + "; ".join(parts)
        + ". This looks like the wrong architecture or a different/modified checkpoint "
        "(expected the official rvm_mobilenetv3.pth or rvm_resnet50.pth state dict)."
    )


def load_rvm(
    path: str | Path | None = None, variant: str | None = None, device: str | torch.device = "cpu"
) -> MattingNetwork:
    """Build `MattingNetwork` and load an official RVM state dict into it (strict), in eval mode.

    Parameters
    ----------
    path : the ``.pth`` file; None means `default_weights_path(variant)` (variant then required
        unless exactly one of the two default files exists).
    variant : "mobilenetv3" or "resnet50"; None infers it from the file's keys.
    device : where the returned model lives.

    Raises
    ------
    InputError : file missing or unreadable, not a state dict, or keys/shapes that do not match.
    """
    if variant is not None and variant not in VARIANTS:
        raise InputError(f"unknown RVM variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    if path is None:
        if variant is None:
            present = [v for v in VARIANTS if default_weights_path(v).is_file()]
            variant = present[0] if len(present) == 1 else None
            if variant is None:
                raise InputError(
                    f"{default_weights_dir()}: RVM variant not given and cannot be chosen from the "
                    f"default weights folder; pass the variant or a weights path"
                )
        path = default_weights_path(variant)
    path = Path(path)
    if not path.is_file():
        raise InputError(_missing_file_message(path, variant))

    try:
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling errors have many types; all mean "not a usable .pth"
        raise InputError(f"{path}: cannot be read as a PyTorch state dict ({type(exc).__name__}: {exc})") from exc
    if not isinstance(sd, Mapping) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
        raise InputError(f"{path}: is not a state dict (a mapping of parameter names to tensors)")

    found = infer_variant(sd)
    if variant is None:
        if found is None:
            raise InputError(
                f"{path}: no RVM backbone keys ({' / '.join(_MARKERS.values())}) found; "
                "this looks like the wrong architecture, not an RVM checkpoint"
            )
        variant = found
    elif found is not None and found != variant:
        raise InputError(f"{path}: holds RVM {found} weights but variant {variant!r} was requested")

    net = MattingNetwork(variant)
    problem = _mismatch(path, variant, net, sd)
    if problem is not None:
        raise InputError(problem)
    try:
        net.load_state_dict(sd, strict=True)
    except RuntimeError as exc:  # e.g. dtype that cannot be copied; keys/shapes were checked above
        raise InputError(f"{path}: could not be loaded into RVM {variant}: {exc}") from exc
    return net.to(device).eval()
