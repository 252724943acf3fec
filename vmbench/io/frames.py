"""Reading and writing alpha and RGB frames: thin wrappers over `vmbench.sources`, the one reader.

Alphas are read the way the reference scripts read them (``cv2.imread(path, IMREAD_GRAYSCALE)``):
16-bit files are reduced to 8 bits and colour files to luma. vmbench does the same so that its
numbers match, but it *records* each such conversion as a note, so the user is told (the rules:
`vmbench.sources.decode`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vmbench._lazy import cv2
from vmbench.errors import InputError
from vmbench.sources import IMAGE_EXTENSIONS, list_frames, natural_key, read_alpha_frame, read_rgb_frame

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


def read_alpha_u8(path: Path, notes: list[str] | None = None) -> np.ndarray:
    """Read an alpha matte as uint8 (H, W), exactly as ``cv2.IMREAD_GRAYSCALE`` would (float files
    quantised to 8 bits); conversions are appended to `notes`."""
    return read_alpha_frame(path, notes, precision="u8")


def read_alpha(path: Path, notes: list[str] | None = None) -> np.ndarray:
    """Read an alpha matte as float32 (H, W) in [0, 1]: ``uint8 / 255`` in float32, as the references."""
    return read_alpha_u8(path, notes).astype(np.float32) / np.float32(255.0)


def read_rgb(path: Path) -> np.ndarray:
    """Read a colour frame as uint8 (H, W, 3) in RGB order."""
    return read_rgb_frame(path)


def _as_u8(alpha: np.ndarray, path: Path) -> np.ndarray:
    alpha = np.asarray(alpha)
    if alpha.dtype == np.uint8:
        return alpha
    if not np.all(np.isfinite(alpha)):
        raise InputError(f"{path}: refusing to write an alpha with NaN or infinite values")
    return np.clip(np.rint(alpha.astype(np.float64) * 255.0), 0, 255).astype(np.uint8)


def _imwrite(path: Path, image: np.ndarray) -> None:
    """cv2.imwrite with its failures (an extension it has no writer for raises cv2.error) as one
    InputError line naming the file, not a traceback."""
    try:
        written = cv2.imwrite(str(path), image)
    except cv2.error:
        written = False
    if not written:
        raise InputError(f"{path}: could not write image (extension {path.suffix or '(none)'!r}; "
                         f"use {', '.join(WRITE_EXTENSIONS)})")


WRITE_EXTENSIONS = (".png", ".jpg", ".tif", ".webp")  # what vmbench's OpenCV writes reliably


def write_alpha(path: Path, alpha: np.ndarray) -> None:
    """Write an alpha (float in [0, 1], rounded to 8 bits; or uint8) as a gray PNG/JPEG."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _imwrite(path, _as_u8(alpha, path))


def write_rgb(path: Path, rgb: np.ndarray) -> None:
    """Write a uint8 (H, W, 3) RGB frame."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _imwrite(path, cv2.cvtColor(np.asarray(rgb, dtype=np.uint8), cv2.COLOR_RGB2BGR))
