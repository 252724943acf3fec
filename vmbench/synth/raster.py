"""Numba rasterisers for one instance at one sub-frame: exact fractional coverage, no RNG.

Coverage is the analytic box-filter coverage along the edge normal: a body pixel whose centre is
at signed distance ``d`` (pixels, negative inside) from the outline gets ``clip(0.5 - d, 0, 1)``;
a strand of width ``w`` (pixels, often < 1) at distance ``d`` from its centre line covers
``max(0, min(w/2, d + 1/2) - max(-w/2, d - 1/2))`` of the pixel, so a 0.3 px hair gives alphas
strictly between 0 and 1. Loops run in a fixed order (no ``prange``), so the output is
bit-identical from run to run.
"""

from __future__ import annotations

import math

from numba import njit

__all__ = ["SHAPE_POLYGON", "SHAPE_CIRCLE", "SHAPE_RING", "render_subframe", "shape_sdf"]

SHAPE_POLYGON = 0
SHAPE_CIRCLE = 1
SHAPE_RING = 2


@njit(cache=True)
def _seg_dist(px, py, ax, ay, bx, by):
    """Euclidean distance from point p to segment ab."""
    dx = bx - ax
    dy = by - ay
    den = dx * dx + dy * dy
    t = 0.0
    if den > 0.0:
        t = ((px - ax) * dx + (py - ay) * dy) / den
        if t < 0.0:
            t = 0.0
        elif t > 1.0:
            t = 1.0
    qx = ax + t * dx - px
    qy = ay + t * dy - py
    return math.sqrt(qx * qx + qy * qy)


@njit(cache=True)
def shape_sdf(kind, u, v, verts):
    """Signed distance (local units, negative inside) of point (u, v) to the shape outline."""
    if kind == SHAPE_CIRCLE:
        return math.sqrt(u * u + v * v) - 1.0
    if kind == SHAPE_RING:
        return abs(math.sqrt(u * u + v * v) - 0.7) - 0.3
    n = verts.shape[0]
    best = 1e30
    inside = False
    j = n - 1
    for i in range(n):
        ax = verts[j, 0]
        ay = verts[j, 1]
        bx = verts[i, 0]
        by = verts[i, 1]
        d = _seg_dist(u, v, ax, ay, bx, by)
        if d < best:
            best = d
        if (ay > v) != (by > v):
            xc = ax + (v - ay) * (bx - ax) / (by - ay)
            if u < xc:
                inside = not inside
        j = i
    return -best if inside else best


@njit(cache=True)
def _line_coverage(d, w):
    lo = max(-0.5 * w, d - 0.5)
    hi = min(0.5 * w, d + 0.5)
    c = hi - lo
    return c if c > 0.0 else 0.0


@njit(cache=True)
def render_subframe(
    acc_a, acc_p, strand_buf,
    x0, y0, x1, y1,
    cx, cy, cos_a, sin_a, scale,
    kind, verts, opacity, colour, tex,
    segs, seg_w, strand_colour, weight,
):
    """Add ``weight`` x (alpha, premultiplied colour) of one instance pose to the accumulators.

    acc_a : float32 (H, W) alpha accumulator; acc_p : float32 (H, W, 3) premultiplied colour.
    strand_buf : float32 (H, W) scratch, zero on entry and left zero on exit over the box.
    (x0, y0, x1, y1) : pixel box that contains the whole pose (already clipped to the frame).
    (cx, cy), (cos_a, sin_a), scale : pose; a pixel centre p maps to local R^T (p - c) / scale.
    kind, verts : outline (see `shape_sdf`); opacity : body opacity in (0, 1].
    colour : float (3,) base colour; tex : float (M, 4) rows (fx, fy, phase, amp) of sinusoids
        that modulate the colour in local coordinates (the texture moves with the object).
    segs : float (S, 4) strand segments in pixel coordinates; seg_w : (S,) widths in pixels.
    strand_colour : float (3,). The body is drawn over the strands; strands of one instance
    combine by maximum coverage.
    """
    # strands: max coverage per pixel, each segment touches only its own small box
    for s in range(segs.shape[0]):
        ax = segs[s, 0]
        ay = segs[s, 1]
        bx = segs[s, 2]
        by = segs[s, 3]
        w = seg_w[s]
        r = 0.5 * w + 1.0
        sx0 = max(x0, int(math.floor(min(ax, bx) - r)))
        sx1 = min(x1, int(math.ceil(max(ax, bx) + r)) + 1)
        sy0 = max(y0, int(math.floor(min(ay, by) - r)))
        sy1 = min(y1, int(math.ceil(max(ay, by) + r)) + 1)
        for y in range(sy0, sy1):
            for x in range(sx0, sx1):
                d = _seg_dist(x + 0.5, y + 0.5, ax, ay, bx, by)
                c = _line_coverage(d, w)
                if c > strand_buf[y, x]:
                    strand_buf[y, x] = c
    inv = 1.0 / scale
    m = tex.shape[0]
    for y in range(y0, y1):
        for x in range(x0, x1):
            px = x + 0.5 - cx
            py = y + 0.5 - cy
            u = (cos_a * px + sin_a * py) * inv
            v = (-sin_a * px + cos_a * py) * inv
            b = 0.5 - shape_sdf(kind, u, v, verts) * scale
            if b < 0.0:
                b = 0.0
            elif b > 1.0:
                b = 1.0
            b *= opacity
            s = strand_buf[y, x]
            strand_buf[y, x] = 0.0
            if b <= 0.0 and s <= 0.0:
                continue
            t = 1.0
            for k in range(m):
                t += tex[k, 3] * math.sin(tex[k, 0] * u + tex[k, 1] * v + tex[k, 2])
            a = b + (1.0 - b) * s
            acc_a[y, x] += weight * a
            for ch in range(3):
                f = colour[ch] * t
                if f < 0.0:
                    f = 0.0
                elif f > 1.0:
                    f = 1.0
                acc_p[y, x, ch] += weight * (b * f + (1.0 - b) * s * strand_colour[ch])
