"""``caption-color-prior``: referring matting from colour/size/position words, no learned weights.

Uses: the RGB frames and the caption text only (the whole clip is read first, for the motion
cue). Vocabulary (whole words, case-insensitive):

- colour: red, green, blue, yellow, orange, purple, pink, white, black, cyan, brown, gray/grey
  (reference sRGB values in `COLOURS`). Pixels whose CIE Lab distance (OpenCV Lab, L in
  [0, 100]) to the named colour is below ``tau = 35`` are candidates; if none are, those within
  10 of the closest pixel are. Without a colour word the candidates are the pixels farther
  than ``tau`` from the frame's median colour (a crude "not background" cue).
- size: small / medium / large (expected circumradius 0.075 / 0.12 / 0.18 x min(H, W)): the
  frame-0 component whose area is closest (log ratio) to that of such a disc. Without a size
  word the largest component.
- start position: "starts on the left/right" (or "on the left/right"): components are ranked
  by horizontal distance of their frame-0 centroid to that third of the frame first.
- shape words (circle, ring, square, triangle, star, hexagon, diamond, cross) and motion words
  ("moving left", "staying still") are recognised but not used: there is no shape model, and
  motion would need the whole clip before frame 0's choice.

Candidates are cleaned with a 3x3 opening and split into 8-connected components (area from
max(4, 0.0005 H W) to twice that of a large disc). Motion cue: the ``none-background-diff``
baseline's matte (> 0.2) marks what moves against the camera-compensated background; when some
component has at least 25 % of its pixels there, components below 25 % are dropped (a colour
patch of the background is not an object). Frame 0 picks one by the rules above; every later frame picks the component
whose centroid is nearest the previous pick's (keeping the previous mask when there is none).
The chosen component is refined with the colour guided filter (radius max(2, round(min(H, W) /
36)), eps 1e-4). Deterministic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import cv2
import numpy as np

from baselines.classical._common import NoWeightsAdapter, refine
from baselines.classical.background_diff import BackgroundDiffAdapter
from vmbench.adapters.base import ClipInput, Track
from vmbench.errors import InputError

__all__ = ["COLOURS", "SIZES", "SHAPES", "Query", "parse_caption", "CaptionColorPriorAdapter"]

COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30), "green": (40, 170, 50), "blue": (35, 65, 225), "yellow": (245, 220, 35),
    "orange": (250, 135, 20), "purple": (130, 45, 180), "pink": (250, 130, 190),
    "white": (245, 245, 245), "black": (20, 20, 20), "cyan": (30, 210, 230), "brown": (125, 75, 35),
    "gray": (128, 128, 128), "grey": (128, 128, 128),
}
SIZES: dict[str, float] = {"small": 0.075, "medium": 0.12, "large": 0.18}
SHAPES = ("circle", "ring", "square", "triangle", "star", "hexagon", "diamond", "cross")
TAU = 35.0
MOVING_ALPHA, MOVING_SHARE = 0.2, 0.25
MAX_AREA_FACTOR = 2.0


@dataclass
class Query:
    """What the caption asks for (None: not said)."""

    colour: str | None = None
    size: str | None = None
    start: str | None = None
    shape: str | None = None
    motion: str | None = None


def parse_caption(text: str) -> Query:
    """Pick the vocabulary words out of a caption such as "the small red star moving left"."""
    words = re.findall(r"[a-z]+", text.lower())
    q = Query()
    for w in words:
        if w in COLOURS and q.colour is None:
            q.colour = w
        elif w in SIZES and q.size is None:
            q.size = w
        elif w in SHAPES and q.shape is None:
            q.shape = w
    m = re.search(r"\bmoving (left|right|up|down)\b", text.lower())
    q.motion = m.group(1) if m else ("still" if "still" in words else None)
    m = re.search(r"\bon the (left|right|centre|center)\b", text.lower())
    if m:
        q.start = "centre" if m.group(1) == "center" else m.group(1)
    return q


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _candidates(rgb: np.ndarray, colour: str | None) -> np.ndarray:
    lab = _lab(rgb)
    if colour is None:
        ref = np.median(lab.reshape(-1, 3), axis=0)
        return np.linalg.norm(lab - ref, axis=2) > TAU
    target = _lab(np.array([[COLOURS[colour]]], dtype=np.uint8))[0, 0]
    dist = np.linalg.norm(lab - target, axis=2)
    cand = dist < TAU
    if not cand.any():
        cand = dist < dist.min() + 10.0
    return cand


def _components(cand: np.ndarray) -> tuple[np.ndarray, list[tuple[int, float, float, float]]]:
    """Labels and (label, area, cx, cy) of components above the minimum area."""
    h, w = cand.shape
    opened = cv2.morphologyEx(cand.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    n, labels, stats, cents = cv2.connectedComponentsWithStats(opened, connectivity=8)
    min_area = max(4.0, 0.0005 * h * w)
    max_area = MAX_AREA_FACTOR * np.pi * (SIZES["large"] * min(h, w)) ** 2
    comps = [(k, float(stats[k, 4]), float(cents[k, 0]), float(cents[k, 1]))
             for k in range(1, n) if min_area <= stats[k, 4] <= max_area]
    return labels, comps


def _first_pick(comps, q: Query, shape) -> tuple[int, float, float, float]:
    h, w = shape
    def key(c):
        _, area, cx, _ = c
        start = 0.0
        if q.start is not None:
            centre = {"left": w / 6, "centre": w / 2, "right": 5 * w / 6}[q.start]
            start = abs(cx - centre) / w
        if q.size is not None:
            expected = np.pi * (SIZES[q.size] * min(h, w)) ** 2
            size = abs(np.log(area / expected))
        else:
            size = abs(np.log(area / (np.pi * (SIZES["medium"] * min(h, w)) ** 2)))
        return (round(start * 3), size)  # start position first (by sixths), then size
    return min(comps, key=key)


class CaptionColorPriorAdapter(NoWeightsAdapter):
    """Caption colour/size/position words -> Lab colour segmentation -> component -> guided filter."""

    name = "caption-color-prior"
    track = Track.CAPTION
    eps = 1e-4

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        if not clip.caption:
            raise InputError(f"{clip.name}: {self.name} needs a caption")
        q = parse_caption(clip.caption)
        prev = None  # (cx, cy)
        prev_mask = None
        moving = _moving_masks(clip)
        for t in range(len(clip)):
            rgb = clip.read_frame(t)
            labels, comps = _candidates_and_components(rgb, q.colour)
            fg = np.unpackbits(moving[t], count=rgb.shape[0] * rgb.shape[1]).reshape(rgb.shape[:2]).astype(bool)
            share = {k: float(fg[labels == k].mean()) for k, *_ in comps}
            if any(v >= MOVING_SHARE for v in share.values()):
                comps = [c for c in comps if share[c[0]] >= MOVING_SHARE]
            if comps:
                if prev is None:
                    pick = _first_pick(comps, q, rgb.shape[:2])
                else:
                    pick = min(comps, key=lambda c: (c[2] - prev[0]) ** 2 + (c[3] - prev[1]) ** 2)
                mask = (labels == pick[0]).astype(np.float64)
                prev = (pick[2], pick[3])
            else:
                mask = prev_mask if prev_mask is not None else np.zeros(rgb.shape[:2])
            prev_mask = mask
            yield refine(rgb, mask, eps=self.eps)


_MOVING: dict = {}  # the last clip's moving-object masks (bit-packed), shared by its expressions


def _moving_masks(clip: ClipInput) -> list[np.ndarray]:
    """Per frame, the bit-packed mask of background-diff alpha > MOVING_ALPHA. Every expression
    of a clip reads the same frames, so the masks are computed once per clip, not per expression."""
    key = tuple(map(str, clip.frames))
    if _MOVING.get("key") != key:
        masks = [np.packbits(a > MOVING_ALPHA) for a in BackgroundDiffAdapter().predict(clip)]
        _MOVING.clear()
        _MOVING.update(key=key, masks=masks)
    return _MOVING["masks"]


def _candidates_and_components(rgb: np.ndarray, colour: str | None):
    return _components(_candidates(rgb, colour))

