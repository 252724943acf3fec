"""Guidance derived from an 8-bit alpha: trimap, first-frame mask and degraded coarse masks.

All rules work on the *saved* 8-bit alpha ``A`` (uint8), so anyone can recompute them from
``pha/`` files. With ``r = guidance_radius(H, W)`` and ``disk(r)`` the elliptic structuring
element of size 2r+1:

* mask        : ``A >= 128`` (alpha >= 0.5), written 0/255.
* trimap      : 255 where ``erode(A == 255, disk(r))``, 0 where not ``dilate(A > 0, disk(r))``,
  128 elsewhere (the unknown band covers every fractional pixel plus r pixels each side).
* mask_down8 / mask_down32 : the mask averaged down by 8 / 32 (``cv2.INTER_AREA`` to
  ceil(W/f) x ceil(H/f)), bilinearly resized back to W x H and thresholded at 0.5 (VideoMaMa's
  down-then-up degradation).
* mask_poly   : outer contours of the mask (``cv2.findContours``, external, simple chain)
  approximated with ``cv2.approxPolyDP`` at epsilon = 2 % of each contour's perimeter
  (at least 1 px), filled (VideoMaMa's polygonisation; holes are filled).
* mask_dilate / mask_erode : the mask dilated / eroded with ``disk(r)``.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

__all__ = ["KINDS", "MASK_KINDS", "guidance_radius", "binary_mask", "trimap", "down_up",
           "polygonise", "all_guidance"]

KINDS = ("trimap", "first_mask", "mask_down8", "mask_down32", "mask_poly", "mask_dilate", "mask_erode")
MASK_KINDS = ("mask_down8", "mask_down32", "mask_poly", "mask_dilate", "mask_erode")


def guidance_radius(height: int, width: int) -> int:
    """Morphology radius in pixels: ``max(2, round(min(H, W) / 48))`` (6 px at 288p, 22 at 1080p)."""
    return max(2, int(round(min(height, width) / 48)))


def _disk(r: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def binary_mask(alpha_u8: np.ndarray) -> np.ndarray:
    """uint8 0/255 mask of ``alpha >= 128``."""
    return np.where(alpha_u8 >= 128, 255, 0).astype(np.uint8)


def trimap(alpha_u8: np.ndarray, r: int) -> np.ndarray:
    """uint8 trimap with values exactly 0, 128, 255 (rule in the module docstring)."""
    k = _disk(r)
    fg = cv2.erode(np.where(alpha_u8 == 255, 1, 0).astype(np.uint8), k, borderType=cv2.BORDER_REPLICATE)
    reach = cv2.dilate(np.where(alpha_u8 > 0, 1, 0).astype(np.uint8), k, borderType=cv2.BORDER_REPLICATE)
    out = np.full(alpha_u8.shape, 128, dtype=np.uint8)
    out[reach == 0] = 0
    out[fg == 1] = 255
    return out


def down_up(mask: np.ndarray, factor: int) -> np.ndarray:
    """Down-sample a 0/255 mask by `factor` (area average) and back up (bilinear), threshold 0.5."""
    h, w = mask.shape
    small = cv2.resize(mask.astype(np.float32) / 255.0, (max(1, math.ceil(w / factor)), max(1, math.ceil(h / factor))),
                       interpolation=cv2.INTER_AREA)
    big = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.where(big >= 0.5, 255, 0).astype(np.uint8)


def polygonise(mask: np.ndarray, *, rel_eps: float = 0.02) -> np.ndarray:
    """Fill the approxPolyDP polygons of the mask's outer contours (0/255)."""
    contours, _ = cv2.findContours(np.where(mask > 0, 1, 0).astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    out = np.zeros(mask.shape, dtype=np.uint8)
    polys = [cv2.approxPolyDP(c, max(1.0, rel_eps * cv2.arcLength(c, True)), True) for c in contours]
    if polys:
        cv2.fillPoly(out, polys, 255)
    return out


def _morph_box(alpha_u8: np.ndarray, r: int) -> tuple[slice, slice] | None:
    """Box around ``alpha > 0`` grown by r + 1 (clipped): outside it every morphology result is 0."""
    rows = np.flatnonzero(alpha_u8.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(alpha_u8.any(axis=0))
    h, w = alpha_u8.shape
    m = r + 1
    return (slice(max(0, rows[0] - m), min(h, rows[-1] + m + 1)),
            slice(max(0, cols[0] - m), min(w, cols[-1] + m + 1)))


def all_guidance(alpha_u8: np.ndarray, *, first: bool, r: int) -> dict[str, np.ndarray]:
    """Every guidance kind for one frame (``first_mask`` only when `first`), uint8 images.

    The morphology runs only on a box around the non-zero alpha (grown by r + 1): outside it
    the inputs are all zero, so the results equal those on the full frame, only faster.
    """
    mask = binary_mask(alpha_u8)
    k = _disk(r)
    box = _morph_box(alpha_u8, r)
    tri = np.zeros_like(alpha_u8)
    dil = np.zeros_like(alpha_u8)
    ero = np.zeros_like(alpha_u8)
    if box is not None:
        tri[box] = trimap(alpha_u8[box], r)
        dil[box] = cv2.dilate(mask[box], k, borderType=cv2.BORDER_REPLICATE)
        ero[box] = cv2.erode(mask[box], k, borderType=cv2.BORDER_REPLICATE)
    out = {
        "trimap": tri,
        "mask_down8": down_up(mask, 8),
        "mask_down32": down_up(mask, 32),
        "mask_poly": polygonise(mask),
        "mask_dilate": dil,
        "mask_erode": ero,
    }
    if first:
        out["first_mask"] = mask
    return out
