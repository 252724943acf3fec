"""Optical flow for the MESSDdt metrics: VM108's shipped flow PNGs (TCVOM) and MaGGIe's Farneback.

* `read_flow_png`: TCVOM's ``_flow_read``: a 16-bit, 3-channel PNG read as OpenCV reads it (BGR
  order); channels 0 and 1 are the x and y displacement as int16 (the uint16 bits reinterpreted,
  so 65535 is -1) divided by 100; channel 2 is the validity mask (0 = invalid).
* `maggie_flow`: ``cv2.calcOpticalFlowFarneback`` on the ground truth with MaGGIe's parameters
  (pyramid 0.5, 5 levels, window 10, 2 iterations, poly_n 7, poly_sigma 1.5, Gaussian window),
  the frames converted as MaGGIe converts them (float32 alpha * 255, truncated to uint8), the
  flow rounded to integers (``np.rint``). This is the one place an OpenCV call is the metric.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vmbench._lazy import cv2
from vmbench.errors import InputError

__all__ = ["read_flow_png", "maggie_flow"]


def read_flow_png(path: str | Path, shape: tuple[int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(flow float32 (H, W, 2) in pixels, valid uint8 (H, W)) from a VM108 ``flow_png`` file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: flow file missing (TCVOM's MESSDdt reads flow_png/<clip>/flow_<a>_<b>.png)")
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None:
        raise InputError(f"{path}: not a readable PNG")
    if raw.ndim != 3 or raw.shape[2] != 3 or raw.dtype != np.uint16:
        kind = f"{raw.dtype}, {1 if raw.ndim == 2 else raw.shape[2]} channel(s)"
        raise InputError(f"{path}: flow PNG must be 16-bit with 3 channels (x, y, valid), found {kind}")
    if shape is not None and raw.shape[:2] != tuple(shape):
        raise InputError(f"{path}: flow size {raw.shape[1]}x{raw.shape[0]} does not match the frame ({shape[1]}x{shape[0]})")
    flow = raw[..., :2].view(np.int16).astype(np.float32) / np.float32(100.0)
    valid = (raw[..., 2] != 0).astype(np.uint8)
    return np.ascontiguousarray(flow), valid


def maggie_flow(gt0: np.ndarray, gt1: np.ndarray) -> np.ndarray:
    """int64 (H, W, 2) rounded Farneback flow from float32 alpha gt0 to gt1 (MaGGIe's MESSDdt)."""
    a = (np.asarray(gt0, dtype=np.float32) * 255).astype(np.uint8)
    b = (np.asarray(gt1, dtype=np.float32) * 255).astype(np.uint8)
    flow = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 5, 10, 2, 7, 1.5, cv2.OPTFLOW_FARNEBACK_GAUSSIAN)
    return np.rint(flow).astype(np.int64)
