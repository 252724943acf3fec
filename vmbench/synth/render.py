"""Rendering a sampled clip: motion-blurred instance layers, exact compositing, ground truth.

For each frame t every instance i is rendered at `subframes` instants spread over the shutter
interval around t and averaged, giving its layer alpha ``a_i`` and premultiplied colour ``P_i``
(``F_i = P_i / a_i``). Layers are composited front (i = 1) to back over the background B::

    I = a_1 F_1 + (1 - a_1)(a_2 F_2 + (1 - a_2)(... + (1 - a_N) B))

The visible alpha of instance i is ``v_i = a_i prod_{j<i} (1 - a_j)``, the union alpha is
``u = 1 - prod_i (1 - a_i) = sum_i v_i`` and the composited foreground is
``fgr = sum_i v_i F_i / u`` where ``u > 0`` (0 elsewhere), so ``I = u fgr + (1 - u) B``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from vmbench.synth.backgrounds import load_background, render_background
from vmbench.synth.raster import render_subframe
from vmbench.synth.spec import ClipSpec, InstanceSpec

__all__ = ["FrameData", "instance_pose", "strand_segments", "render_layers", "render_frames", "to_u8"]

_SEGMENTS_PER_STRAND = 5


def to_u8(x: np.ndarray) -> np.ndarray:
    """float in [0, 1] -> uint8 by rounding ``255 x`` to nearest (computed in float32)."""
    y = np.multiply(np.asarray(x, dtype=np.float32), np.float32(255.0))
    np.rint(y, out=y)
    np.clip(y, 0, 255, out=y)
    return y.astype(np.uint8)


@dataclass
class FrameData:
    """One rendered frame.

    image : uint8 (H, W, 3) composite; background : float32 (H, W, 3) B in [0, 1];
    visible : float32 (N, H, W) visible alphas; union : float32 (H, W); fgr : uint8 (H, W, 3);
    layer_alpha / layer_colour : float32 (N, H, W) / (N, H, W, 3) a_i and F_i (un-occluded).
    """

    image: np.ndarray
    background: np.ndarray
    visible: np.ndarray
    union: np.ndarray
    fgr: np.ndarray
    layer_alpha: np.ndarray
    layer_colour: np.ndarray | None


def instance_pose(inst: InstanceSpec, tau: float, frames: int) -> tuple[float, float, float, float]:
    """(cx, cy, angle, scale px) of an instance at (fractional) frame time tau."""
    s = tau / max(frames - 1, 1)
    p = inst.p0 + (inst.p1 - inst.p0) * s
    wob = inst.wob_amp * np.array([np.sin(inst.wob_freq * tau + inst.wob_phase),
                                   np.cos(0.7 * inst.wob_freq * tau + inst.wob_phase)])
    p = p + wob
    angle = inst.angle0 + inst.omega * tau
    scale = inst.radius * (1.0 + inst.pulse_amp * np.sin(inst.pulse_freq * tau))
    return float(p[0]), float(p[1]), float(angle), float(scale)


def strand_segments(inst: InstanceSpec, pose, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """Strand polylines at time tau as pixel segments (S*J, 4) and widths (S*J,), tapering."""
    n = len(inst.s_len)
    if n == 0:
        return np.zeros((0, 4)), np.zeros((0,))
    cx, cy, angle, scale = pose
    th = inst.s_amp * np.sin(inst.s_freq * tau + inst.s_phase)
    c, s = np.cos(th), np.sin(th)
    d = np.stack([c * inst.s_dir[:, 0] - s * inst.s_dir[:, 1], s * inst.s_dir[:, 0] + c * inst.s_dir[:, 1]], axis=1)
    perp = np.stack([-d[:, 1], d[:, 0]], axis=1)
    j = np.linspace(0.0, 1.0, _SEGMENTS_PER_STRAND + 1)
    pts = (inst.s_base[:, None, :] + d[:, None, :] * (inst.s_len[:, None] * j)[:, :, None]
           + perp[:, None, :] * (inst.s_bend[:, None] * j ** 2)[:, :, None])  # (S, J+1, 2)
    ca, sa = np.cos(angle), np.sin(angle)
    x = cx + scale * (ca * pts[..., 0] - sa * pts[..., 1])
    y = cy + scale * (sa * pts[..., 0] + ca * pts[..., 1])
    segs = np.stack([x[:, :-1], y[:, :-1], x[:, 1:], y[:, 1:]], axis=-1).reshape(-1, 4)
    mid = 0.5 * (j[:-1] + j[1:])
    widths = (inst.s_width[:, None] * (1.0 - 0.6 * mid)[None, :]).reshape(-1)
    return np.ascontiguousarray(segs), np.ascontiguousarray(widths)


def _sub_times(t: int, spec: ClipSpec) -> np.ndarray:
    k = spec.subframes
    return t + spec.shutter * ((np.arange(k) + 0.5) / k - 0.5)


def render_layers(spec: ClipSpec, t: int) -> tuple[np.ndarray, np.ndarray]:
    """Layer alphas a_i float32 (N, H, W) and premultiplied colours P_i float32 (N, H, W, 3)."""
    h, w = spec.height, spec.width
    n = len(spec.instances)
    acc_a = np.zeros((n, h, w), dtype=np.float32)
    acc_p = np.zeros((n, h, w, 3), dtype=np.float32)
    scratch = np.zeros((h, w), dtype=np.float32)
    times = _sub_times(t, spec)
    weight = 1.0 / len(times)
    for i, inst in enumerate(spec.instances):
        reach = 1.0 + (float(np.max(inst.s_len + np.abs(inst.s_bend))) if len(inst.s_len) else 0.0)
        for tau in times:
            pose = instance_pose(inst, float(tau), spec.frames)
            cx, cy, angle, scale = pose
            r = scale * reach + 2.0
            x0, x1 = max(0, int(np.floor(cx - r))), min(w, int(np.ceil(cx + r)) + 1)
            y0, y1 = max(0, int(np.floor(cy - r))), min(h, int(np.ceil(cy + r)) + 1)
            if x0 >= x1 or y0 >= y1:
                continue
            segs, widths = strand_segments(inst, pose, float(tau))
            render_subframe(acc_a[i], acc_p[i], scratch, x0, y0, x1, y1, cx, cy,
                            np.cos(angle), np.sin(angle), scale, inst.kind, inst.verts,
                            inst.opacity, inst.colour, inst.tex, segs, widths,
                            inst.strand_colour, weight)
    np.clip(acc_a, 0.0, 1.0, out=acc_a)
    return acc_a, acc_p


def render_frames(spec: ClipSpec, *, layers: bool = False) -> Iterator[FrameData]:
    """Render the clip frame by frame (memory stays one frame, whatever the clip length).

    layers : also return the un-occluded layer colours F_i (costly at 1080p; for tests).
    """
    photo = load_background(spec.background)
    span = max(spec.frames - 1, 1)
    for t in range(spec.frames):
        bg = render_background(photo, spec.camera, t / span)
        a, p = render_layers(spec, t)
        trans = np.ones(a.shape[1:], dtype=np.float32)
        prem = np.zeros(bg.shape, dtype=np.float32)
        visible = np.empty_like(a)
        for i in range(a.shape[0]):
            visible[i] = trans * a[i]
            prem += trans[..., None] * p[i]
            trans *= 1.0 - a[i]
        union = 1.0 - trans
        image = prem + trans[..., None] * bg
        safe = np.where(union > 0, union, 1.0)[..., None]
        fgr = np.where(union[..., None] > 0, prem / safe, 0.0)
        colour = None
        if layers:
            colour = np.where(a[..., None] > 0, p / np.where(a > 0, a, 1.0)[..., None], 0.0)
            colour = np.clip(colour, 0, 1).astype(np.float32)
        yield FrameData(image=to_u8(image), background=bg, visible=visible, union=union,
                        fgr=to_u8(fgr), layer_alpha=a, layer_colour=colour)
