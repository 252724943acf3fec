"""Trimaps made from a ground-truth alpha, for the ``dim`` protocol when none are given.

Rule (documented in docs/metrics.md): a pixel is *unknown* (128) if its alpha is fractional, or
if it lies within `radius` pixels (a disc) of both a pixel with alpha < 255 and a pixel with
alpha > 0; otherwise it is foreground (255, alpha == 255) or background (0, alpha == 0). This is
the usual "dilate the transition band" recipe; the DIM test set ships its own trimaps, and those
should be passed with ``--trimap`` when reproducing published numbers.
"""

from __future__ import annotations

import numpy as np

from vmbench._lazy import cv2

__all__ = ["trimap_from_alpha"]


def trimap_from_alpha(alpha_u8: np.ndarray, *, radius: int = 10) -> np.ndarray:
    """uint8 (H, W) trimap (0 / 128 / 255) from a uint8 alpha, unknown band `radius` px wide."""
    alpha_u8 = np.asarray(alpha_u8, dtype=np.uint8)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    not_fg = (alpha_u8 < 255).astype(np.uint8)
    not_bg = (alpha_u8 > 0).astype(np.uint8)
    near_not_fg = cv2.dilate(not_fg, disc, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    near_not_bg = cv2.dilate(not_bg, disc, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0
    trimap = np.where(alpha_u8 == 255, 255, 0).astype(np.uint8)
    unknown = (near_not_fg & near_not_bg) | ((alpha_u8 > 0) & (alpha_u8 < 255))
    trimap[unknown] = 128
    return trimap
