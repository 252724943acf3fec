"""Reading and writing alpha and RGB frames, with the checks a number depends on.

Alphas are read the way the reference scripts read them (``cv2.imread(path, IMREAD_GRAYSCALE)``):
16-bit files are reduced to 8 bits and colour files to luma. vmbench does the same so that its
numbers match, but it *records* each such conversion as a note, so the user is told.
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from vmbench.errors import InputError
from vmbench.io.png import read_gray8

__all__ = [
    "IMAGE_EXTENSIONS",
    "natural_key",
    "list_frames",
    "read_alpha_u8",
    "read_alpha",
    "read_rgb",
    "write_alpha",
    "write_rgb",
]

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """Sort key that orders ``frame2`` before ``frame10`` (and plain ``0002`` < ``0010``)."""
    parts = _DIGITS.split(name)
    return tuple((0, int(p), p) if p.isdigit() else (1, 0, p.lower()) for p in parts)


def list_frames(folder: Path) -> list[Path]:
    """Image files directly inside `folder`, naturally sorted by name; hidden files skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: folder does not exist")
    files = [
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTENSIONS
    ]
    return sorted(files, key=lambda p: natural_key(p.name))


def _read_bytes(path: Path) -> np.ndarray:
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    if data.size == 0:
        raise InputError(f"{path}: file is empty")
    return data


def _decode(path: Path, flags: int, data: np.ndarray | None = None) -> np.ndarray:
    if data is None:
        data = _read_bytes(path)
    image = cv2.imdecode(data, flags)
    if image is None or image.size == 0:
        raise InputError(f"{path}: not a readable PNG/JPEG image (corrupt or wrong format)")
    return image


def read_alpha_u8(path: Path, notes: list[str] | None = None) -> np.ndarray:
    """Read an alpha matte as uint8 (H, W), exactly as ``cv2.IMREAD_GRAYSCALE`` would.

    Parameters
    ----------
    path : the image file (PNG 8/16-bit, or JPEG).
    notes : if given, a line is appended for every conversion the reference would make silently
        (16-bit reduced to 8 bits; RGB/RGBA reduced to luma, an alpha channel ignored).
    """
    path = Path(path)
    data = _read_bytes(path)
    plain = read_gray8(data.data)  # the common 8-bit gray PNG, decoded fast; None for anything else
    if plain is not None:
        return plain
    raw = _decode(path, cv2.IMREAD_UNCHANGED, data)
    if raw.ndim == 2 and raw.dtype == np.uint8:
        return raw
    what = []
    if raw.dtype == np.uint16:
        what.append("16-bit, reduced to 8 bits")
    elif raw.dtype != np.uint8:
        raise InputError(f"{path}: unsupported pixel type {raw.dtype}; alphas must be 8- or 16-bit")
    if raw.ndim == 3:
        channels = raw.shape[2]
        if channels == 4:
            what.append("RGBA, read as the luma of RGB (the A channel is ignored, as the reference does)")
        elif channels == 3:
            what.append("RGB, read as luma 0.299R+0.587G+0.114B")
        elif channels != 1:
            raise InputError(f"{path}: {channels} channels; expected a gray alpha matte")
    if notes is not None and what:
        notes.append(f"{path}: " + "; ".join(what))
    gray = _decode(path, cv2.IMREAD_GRAYSCALE, data)
    return gray


def read_alpha(path: Path, notes: list[str] | None = None) -> np.ndarray:
    """Read an alpha matte as float32 (H, W) in [0, 1]: ``uint8 / 255`` in float32, as the references."""
    return read_alpha_u8(path, notes).astype(np.float32) / np.float32(255.0)


def read_rgb(path: Path) -> np.ndarray:
    """Read a colour frame as uint8 (H, W, 3) in RGB order."""
    image = _decode(Path(path), cv2.IMREAD_COLOR)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _as_u8(alpha: np.ndarray, path: Path) -> np.ndarray:
    alpha = np.asarray(alpha)
    if alpha.dtype == np.uint8:
        return alpha
    if not np.all(np.isfinite(alpha)):
        raise InputError(f"{path}: refusing to write an alpha with NaN or infinite values")
    return np.clip(np.rint(alpha.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)


def write_alpha(path: Path, alpha: np.ndarray) -> None:
    """Write an alpha (float in [0, 1], rounded to 8 bits; or uint8) as a gray PNG/JPEG."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), _as_u8(alpha, path)):
        raise InputError(f"{path}: could not write image")


def write_rgb(path: Path, rgb: np.ndarray) -> None:
    """Write a uint8 (H, W, 3) RGB frame."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), cv2.cvtColor(np.asarray(rgb, dtype=np.uint8), cv2.COLOR_RGB2BGR)):
        raise InputError(f"{path}: could not write image")
