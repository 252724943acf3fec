"""OAVM checkpoint files: format ``vmbench-oavm/1`` (see docs/oavm.md).

A checkpoint is a plain dict saved with ``torch.save`` and read with ``weights_only=True``::

    {"format": "vmbench-oavm/1", "config": {model hyper-parameters},
     "state_dict": {name: tensor}, "train": {"steps", "minutes", "device", "seed", "data", ...},
     "optimizer": optimizer state (optional), "rng": {"numpy": json str, "torch": tensor} (optional)}
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from vmbench.errors import InputError

__all__ = ["FORMAT", "save_checkpoint", "load_checkpoint", "build_model"]

FORMAT = "vmbench-oavm/1"


def save_checkpoint(path: Path, payload: dict) -> None:
    """Write `payload` (must carry "format", "config", "state_dict") atomically to `path`."""
    path = Path(path)
    missing = {"format", "config", "state_dict"} - set(payload)
    if missing:
        raise ValueError(f"checkpoint payload lacks {sorted(missing)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path, *, map_location="cpu") -> dict:
    """Read and check an OAVM checkpoint; InputError naming the file if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: OAVM checkpoint not found")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises several types for corrupt / unsafe pickles
        raise InputError(f"{path}: not a readable torch checkpoint ({type(exc).__name__}: {exc})") from exc
    if not isinstance(ckpt, dict) or ckpt.get("format") != FORMAT:
        got = ckpt.get("format") if isinstance(ckpt, dict) else type(ckpt).__name__
        raise InputError(f"{path}: not an OAVM checkpoint (format {got!r}, expected {FORMAT!r})")
    if not isinstance(ckpt.get("config"), dict) or not isinstance(ckpt.get("state_dict"), dict):
        raise InputError(f"{path}: OAVM checkpoint lacks a config or state_dict")
    return ckpt


def build_model(ckpt: dict, *, path: Path | str = "checkpoint"):
    """An `OAVMNet` with the checkpoint's config and weights (InputError on a mismatch)."""
    from baselines.oavm.model import OAVMNet

    try:
        model = OAVMNet(ckpt["config"])
        model.load_state_dict(ckpt["state_dict"])
    except (ValueError, RuntimeError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: OAVM weights do not fit the model ({exc})") from exc
    return model
