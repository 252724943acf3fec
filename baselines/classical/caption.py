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

Speed: the expressions of a clip share the motion cue, the colour components and the refined
mattes of the components they pick (`_ClipShared`, one clip kept at a time), so a clip costs about
one background-difference pass plus one guided filter per distinct pick and frame, not one of each
per expression; that filter runs on the component's neighbourhood only (`_refine_near`), where all
of its non-zero output lies. Outputs equal the per-expression full-frame computation up to float64
rounding (1.6e-14 at most on the tiny set, identical 8-bit PNGs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

import cv2
import numpy as np

from baselines.classical._common import NoWeightsAdapter, default_radius, refine
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


class _ClipShared:
    """What every expression of one clip shares, computed once per clip instead of once per expression:
    the frames, the motion cue (``none-background-diff`` matte > 0.2), the components of each colour
    word (after the motion filter) and the refined matte of each component picked."""

    def __init__(self, clip: ClipInput, eps: float) -> None:
        self.frames = tuple(clip.frames)
        self.eps = eps
        self.rgb = [clip.read_frame(t) for t in range(len(clip))]
        self.moving = [alpha > MOVING_ALPHA for alpha in BackgroundDiffAdapter().predict(clip)]
        self._components: dict = {}
        self._refined: dict = {}

    def components(self, t: int, colour: str | None):
        """(labels, components) of frame `t` for `colour`, keeping only moving ones when some move."""
        key = (t, colour)
        if key not in self._components:
            labels, comps = _candidates_and_components(self.rgb[t], colour)
            if comps:
                n = int(labels.max()) + 1
                share = np.bincount(labels[self.moving[t]], minlength=n) / np.bincount(labels.ravel(), minlength=n)
                if any(share[k] >= MOVING_SHARE for k, *_ in comps):
                    comps = [c for c in comps if share[c[0]] >= MOVING_SHARE]
            self._components[key] = (labels, comps)
        return self._components[key]

    def refined(self, t: int, mask_key) -> np.ndarray:
        """Frame `t`'s refined matte of the mask `mask_key` = (frame, colour, label), or None for empty."""
        key = (t, mask_key)
        if key not in self._refined:
            if mask_key is None:
                mask = np.zeros(self.rgb[t].shape[:2])
            else:
                mt, colour, label = mask_key
                mask = (self.components(mt, colour)[0] == label).astype(np.float64)
            self._refined[key] = _refine_near(self.rgb[t], mask, self.eps)
        return self._refined[key]


def _refine_near(rgb: np.ndarray, mask: np.ndarray, eps: float) -> np.ndarray:
    """`refine(rgb, mask)` computed on the mask's bounding box grown by 4 radii, zero elsewhere.

    With a binary mask the guided filter's output is exactly 0 farther than 2 radii from the mask
    (there a = 0 and b = 0), and inside that band it reads pixels at most 2 more radii away, so the
    crop holds every window the result needs. Values equal the full-frame filter's up to float64
    rounding (the box sums start at another pixel); a component is a few percent of the frame.
    """
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return np.zeros(mask.shape, np.float32)
    margin = 4 * default_radius(mask.shape)
    y0, y1 = max(ys.min() - margin, 0), min(ys.max() + margin + 1, mask.shape[0])
    x0, x1 = max(xs.min() - margin, 0), min(xs.max() + margin + 1, mask.shape[1])
    out = np.zeros(mask.shape, np.float32)
    out[y0:y1, x0:x1] = refine(rgb[y0:y1, x0:x1], mask[y0:y1, x0:x1], radius=default_radius(mask.shape), eps=eps)
    return out


class CaptionColorPriorAdapter(NoWeightsAdapter):
    """Caption colour/size/position words -> Lab colour segmentation -> component -> guided filter."""

    name = "caption-color-prior"
    track = Track.CAPTION
    eps = 1e-4
    _shared: _ClipShared | None = None  # the last clip's shared work (expressions come clip by clip)

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        if not clip.caption:
            raise InputError(f"{clip.name}: {self.name} needs a caption")
        q = parse_caption(clip.caption)
        if self._shared is None or self._shared.frames != tuple(clip.frames):
            self._shared = None  # free the previous clip first
            self._shared = _ClipShared(clip, self.eps)
        shared = self._shared
        prev = None  # (cx, cy) of the last pick
        mask_key = None  # (frame, colour, label) of the last pick; None: nothing picked yet
        for t in range(len(clip)):
            _, comps = shared.components(t, q.colour)
            if comps:
                if prev is None:
                    pick = _first_pick(comps, q, shared.rgb[t].shape[:2])
                else:
                    pick = min(comps, key=lambda c: (c[2] - prev[0]) ** 2 + (c[3] - prev[1]) ** 2)
                mask_key = (t, q.colour, pick[0])
                prev = (pick[2], pick[3])
            yield shared.refined(t, mask_key)


def _candidates_and_components(rgb: np.ndarray, colour: str | None):
    return _components(_candidates(rgb, colour))
