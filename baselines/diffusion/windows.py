"""Covering a clip of any length with fixed-length model windows, and blending them back.

Video diffusion models see a fixed number of frames at once (CogVideoX 49, VideoMaMa 12). A
longer clip is cut into overlapping windows whose outputs are cross-faded linearly inside each
overlap, so the per-frame weights sum to one and no step (a seam that dtSSD would see) appears
where one window hands over to the next. A clip shorter than the window is padded by repeating
its last frame. Everything here is pure NumPy / OpenCV and independent of any model.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Sequence

import cv2
import numpy as np

__all__ = [
    "plan_windows",
    "crossfade_weights",
    "padded_indices",
    "blend_stream",
    "resize_image",
]


def plan_windows(n_frames: int, *, window: int, overlap: int) -> list[tuple[int, int]]:
    """Spans ``(start, stop)`` that cover frames ``0..n_frames-1`` with windows of `window` frames.

    The fewest windows whose neighbours overlap by at least `overlap` frames are used; their
    starts are spread evenly from 0 to ``n_frames - window`` (integer rounding, half up), so
    every window has the full length and the first starts at 0 and the last ends at the clip end.
    A clip no longer than `window` is one span ``(0, n_frames)`` (pad it with `padded_indices`).
    """
    if n_frames < 1:
        raise ValueError(f"n_frames must be >= 1, got {n_frames}")
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if not 0 <= overlap < window:
        raise ValueError(f"overlap must be in [0, window), got overlap={overlap}, window={window}")
    if n_frames <= window:
        return [(0, n_frames)]
    stride = window - overlap
    count = -(-(n_frames - overlap) // stride)  # ceil
    last = n_frames - window
    # start_i = round(i * last / (count - 1)), half up, in integer arithmetic.
    starts = [(2 * i * last + (count - 1)) // (2 * (count - 1)) for i in range(count)]
    return [(s, s + window) for s in starts]


def crossfade_weights(spans: Sequence[tuple[int, int]], n_frames: int) -> list[np.ndarray]:
    """Per-span float64 weights, one per frame of the span, that sum to 1 at every frame.

    Inside the overlap of span k-1 and span k (``m`` frames) span k ramps up as
    ``(j + 1) / (m + 1)`` and span k-1 ramps down as ``(m - j) / (m + 1)``, j = 0..m-1: a linear
    cross-fade whose two weights already sum to one. Frames covered by one span get weight 1.
    Where more than two spans meet (overlap above half a window) the ramps are renormalised.
    """
    spans = [(int(s), int(e)) for s, e in spans]
    if not spans:
        raise ValueError("no spans")
    for k, (s, e) in enumerate(spans):
        if not 0 <= s < e <= n_frames:
            raise ValueError(f"span {k} = ({s}, {e}) is outside 0..{n_frames}")
        if k and not (spans[k - 1][0] < s and spans[k - 1][1] < e):
            raise ValueError("spans must be sorted with strictly increasing starts and stops")
    raw = []
    for k, (s, e) in enumerate(spans):
        w = np.ones(e - s, dtype=np.float64)
        if k > 0 and spans[k - 1][1] > s:
            m = spans[k - 1][1] - s
            up = (np.arange(m) + 1.0) / (m + 1.0)
            w[:m] = np.minimum(w[:m], up)
        if k + 1 < len(spans) and spans[k + 1][0] < e:
            m = e - spans[k + 1][0]
            down = (m - np.arange(m, dtype=np.float64)) / (m + 1.0)
            w[-m:] = np.minimum(w[-m:], down)
        raw.append(w)
    total = np.zeros(n_frames, dtype=np.float64)
    for (s, e), w in zip(spans, raw):
        total[s:e] += w
    if np.any(total <= 0):
        missing = np.flatnonzero(total <= 0)
        raise ValueError(f"spans leave frames uncovered, first {int(missing[0])}")
    return [w / total[s:e] for (s, e), w in zip(spans, raw)]


def padded_indices(start: int, stop: int, length: int) -> list[int]:
    """Frame indices ``start..stop-1`` padded to `length` by repeating the last one."""
    idx = list(range(start, stop))
    if len(idx) > length:
        raise ValueError(f"span of {len(idx)} frames is longer than the window {length}")
    return idx + [stop - 1] * (length - len(idx))


def blend_stream(
    spans: Sequence[tuple[int, int]],
    weights: Sequence[np.ndarray],
    outputs: Iterable[np.ndarray],
) -> Iterator[np.ndarray]:
    """Yield the blended frames in order, each as soon as no later window can touch it.

    `outputs` gives, per span and in span order, an array whose first axis has one entry per
    frame of the span (extra padded entries beyond the span are ignored). Frame t is
    ``sum_k weights[k][t - start_k] * outputs[k][t - start_k]``; it is yielded (float32) once
    the windows covering it are all in, so at most one overlap's worth of frames is held.
    """
    acc: dict[int, np.ndarray] = {}
    next_out = 0
    count = 0
    for k, out in enumerate(outputs):
        if k >= len(spans):
            raise ValueError(f"more window outputs than spans ({len(spans)})")
        s, e = spans[k]
        w = weights[k]
        if len(out) < e - s:
            raise ValueError(f"window {k} gave {len(out)} frames, its span needs {e - s}")
        for j, t in enumerate(range(s, e)):
            term = np.asarray(out[j], dtype=np.float64) * w[j]
            acc[t] = acc[t] + term if t in acc else term
        final_until = spans[k + 1][0] if k + 1 < len(spans) else e
        while next_out < final_until:
            yield acc.pop(next_out).astype(np.float32)
            next_out += 1
        count += 1
    if count != len(spans):
        raise ValueError(f"got {count} window outputs for {len(spans)} spans")


def resize_image(image: np.ndarray, *, size: tuple[int, int]) -> np.ndarray:
    """Resize an (H, W) or (H, W, C) image to ``size = (height, width)``.

    Area averaging when both sides shrink (no aliasing), bilinear otherwise; dtype is kept.
    """
    h, w = image.shape[:2]
    th, tw = int(size[0]), int(size[1])
    if (h, w) == (th, tw):
        return image.copy()
    interp = cv2.INTER_AREA if th <= h and tw <= w else cv2.INTER_LINEAR
    out = cv2.resize(image, (tw, th), interpolation=interp)
    if image.ndim == 3 and out.ndim == 2:  # cv2 drops a single channel axis
        out = out[:, :, None]
    return out
