"""Sampling a clip: instances (shape, colour, texture, strands, path), background and camera.

Everything random about a clip is drawn here, from the one `numpy.random.Generator` passed in,
in a fixed order; rendering (`vmbench.synth.render`) is then a pure function of the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vmbench.synth.backgrounds import BACKGROUNDS, GRAY_BACKGROUNDS, Camera, load_background, render_background
from vmbench.synth.raster import SHAPE_CIRCLE, SHAPE_POLYGON, SHAPE_RING

__all__ = [
    "PALETTE",
    "SHAPES",
    "SIZES",
    "STYLES",
    "InstanceSpec",
    "ClipSpec",
    "sample_clip_spec",
    "nearest_colour_name",
]

PALETTE: dict[str, tuple[float, float, float]] = {
    "red": (0.86, 0.10, 0.10),
    "green": (0.12, 0.68, 0.20),
    "blue": (0.12, 0.25, 0.90),
    "yellow": (0.96, 0.86, 0.12),
    "orange": (1.00, 0.52, 0.06),
    "purple": (0.52, 0.16, 0.70),
    "pink": (1.00, 0.50, 0.74),
    "white": (0.96, 0.96, 0.96),
    "black": (0.07, 0.07, 0.07),
    "cyan": (0.10, 0.84, 0.90),
    "brown": (0.50, 0.30, 0.12),
    "gray": (0.50, 0.50, 0.50),
}

SHAPES = ("circle", "ring", "square", "triangle", "star", "hexagon", "diamond", "cross")

# circumradius as a fraction of min(height, width)
SIZES: dict[str, tuple[float, float]] = {
    "small": (0.065, 0.085),
    "medium": (0.11, 0.135),
    "large": (0.165, 0.2),
}

DIRECTIONS = ("left", "right", "up", "down", "still")

# Per-style knobs. n: instance count range; hairy/translucent: probabilities; camo: probability
# an instance takes its colour from the background under it; speed: max speed (fraction of
# width per frame); subframes: motion-blur samples per frame; pan: camera travel (fraction).
# travel: path length as a fraction of the frame side; spin: max rotation (rad/frame).
_BASE = dict(travel=(0.35, 0.6), spin=0.04, subframes=4, pan=0.2)
STYLES: dict[str, dict] = {
    "mixed": dict(_BASE, n=(1, 5), hairy=0.6, translucent=0.25, camo=0.2, speed=0.035, pan=0.25),
    "single": dict(_BASE, n=(1, 1), hairy=0.9, translucent=0.3, camo=0.15, speed=0.03, pan=0.25),
    "multi": dict(_BASE, n=(2, 5), hairy=0.6, translucent=0.25, camo=0.1, speed=0.035),
    "camo": dict(_BASE, n=(1, 3), hairy=0.7, translucent=0.2, camo=1.0, speed=0.03),
    "fast": dict(_BASE, n=(1, 3), hairy=0.6, translucent=0.2, camo=0.1, speed=0.07, subframes=8,
                 pan=0.5, travel=(0.75, 1.1), spin=0.15),
}


def nearest_colour_name(rgb) -> str:
    """The palette name nearest (Euclidean, RGB in [0, 1]) to `rgb`."""
    rgb = np.asarray(rgb, dtype=np.float64)
    names = list(PALETTE)
    d = [float(np.sum((rgb - np.asarray(PALETTE[n])) ** 2)) for n in names]
    return names[int(np.argmin(d))]


def _regular(n: int, phase_deg: float, radii=(1.0,)) -> np.ndarray:
    k = np.arange(n)
    ang = np.deg2rad(phase_deg) + 2 * np.pi * k / n
    r = np.asarray(radii, dtype=np.float64)[k % len(radii)]
    return np.stack([r * np.cos(ang), r * np.sin(ang)], axis=1)


def _outline(shape: str) -> tuple[int, np.ndarray]:
    """(kind, vertices) in local units: circumradius 1, centred at the origin."""
    if shape == "circle":
        return SHAPE_CIRCLE, np.zeros((0, 2))
    if shape == "ring":
        return SHAPE_RING, np.zeros((0, 2))
    if shape == "square":
        return SHAPE_POLYGON, _regular(4, 45)
    if shape == "triangle":
        return SHAPE_POLYGON, _regular(3, -90)
    if shape == "hexagon":
        return SHAPE_POLYGON, _regular(6, 0)
    if shape == "diamond":
        return SHAPE_POLYGON, np.array([[0, -1], [0.62, 0], [0, 1], [-0.62, 0]], dtype=np.float64)
    if shape == "star":
        return SHAPE_POLYGON, _regular(10, -90, radii=(1.0, 0.45))
    if shape == "cross":
        a, b = 0.3, 0.95
        v = [(a, -b), (a, -a), (b, -a), (b, a), (a, a), (a, b),
             (-a, b), (-a, a), (-b, a), (-b, -a), (-a, -a), (-a, -b)]
        return SHAPE_POLYGON, np.asarray(v, dtype=np.float64)
    raise ValueError(f"unknown shape {shape!r}")


def _boundary_points(kind: int, verts: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points on the outline at perimeter fractions t in [0, 1)."""
    if kind != SHAPE_POLYGON:
        ang = 2 * np.pi * t
        return np.stack([np.cos(ang), np.sin(ang)], axis=1)
    nxt = np.roll(verts, -1, axis=0)
    lengths = np.linalg.norm(nxt - verts, axis=1)
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    pos = t * cum[-1]
    idx = np.clip(np.searchsorted(cum, pos, side="right") - 1, 0, len(verts) - 1)
    f = ((pos - cum[idx]) / lengths[idx])[:, None]
    return verts[idx] * (1 - f) + nxt[idx] * f


@dataclass
class InstanceSpec:
    """One foreground instance. Geometry in local units (circumradius 1), paths in pixels."""

    id: str
    shape: str
    kind: int
    verts: np.ndarray
    colour: np.ndarray  # (3,) base colour in [0, 1]
    colour_name: str
    size: str
    radius: float  # circumradius in pixels
    opacity: float
    hairy: bool
    translucent: bool
    camo: bool
    tex: np.ndarray  # (M, 4): fx, fy, phase, amp
    strand_colour: np.ndarray
    # strands, S of them, local units: base (S,2), dir (S,2), length (S,), bend (S,),
    # width px (S,), sway amp (S,), sway freq (S,), sway phase (S,)
    s_base: np.ndarray
    s_dir: np.ndarray
    s_len: np.ndarray
    s_bend: np.ndarray
    s_width: np.ndarray
    s_amp: np.ndarray
    s_freq: np.ndarray
    s_phase: np.ndarray
    # path: p(tau) = p0 + (p1 - p0) tau / (T - 1) + wobble
    p0: np.ndarray
    p1: np.ndarray
    wob_amp: float
    wob_freq: float
    wob_phase: float
    angle0: float
    omega: float
    pulse_amp: float
    pulse_freq: float
    direction: str
    start: str  # left / centre / right third at frame 0

    def attributes(self, depth: int) -> dict:
        """JSON-ready attributes (what captions are built from, plus depth and flags)."""
        return {
            "colour": self.colour_name,
            "rgb": [round(float(c), 4) for c in self.colour],
            "shape": self.shape,
            "size": self.size,
            "radius_px": round(float(self.radius), 3),
            "motion": self.direction,
            "start": self.start,
            "hairy": bool(self.hairy),
            "translucent": bool(self.translucent),
            "opacity": round(float(self.opacity), 4),
            "camouflaged": bool(self.camo),
            "strands": int(len(self.s_len)),
            "depth": int(depth),
        }


@dataclass
class ClipSpec:
    """A whole clip: output size, instances front to back, background and camera, blur."""

    height: int
    width: int
    frames: int
    style: str
    instances: list[InstanceSpec]
    background: str
    camera: Camera
    shutter: float
    subframes: int
    extra: dict = field(default_factory=dict)


def _sample_camera(rng, src_hw, out_hw, pan: float) -> Camera:
    sh, sw = src_hw
    h, w = out_hw
    cw = Camera.crop_width(src_hw, out_hw)
    ch = cw * h / w
    z0 = float(rng.uniform(1.0, 1.35))
    z1 = float(np.clip(z0 * rng.uniform(0.85, 1.2), 1.0, 1.6))
    zmin = min(z0, z1)
    half = np.array([cw, ch]) / (2 * zmin)
    lo = half
    hi = np.array([sw, sh]) - half
    c0 = lo + (hi - lo) * rng.uniform(0.2, 0.8, size=2)
    step = rng.normal(size=2)
    step = step / (np.linalg.norm(step) + 1e-12) * pan * np.array([cw, ch]) / zmin
    c1 = np.clip(c0 + step, lo, hi)
    return Camera(src_hw=src_hw, out_hw=out_hw, c0=c0, c1=c1, z0=z0, z1=z1)


def _sample_path(rng, direction: str, h: int, w: int, frames: int, speed: float, radius: float,
                 travel: tuple[float, float]):
    span = max(frames - 1, 1)
    if direction in ("left", "right"):
        disp = min(rng.uniform(*travel) * w, speed * w * span)
        x0 = rng.uniform(0.12, 0.38) * w
        x1 = x0 + disp
        if direction == "left":
            x0, x1 = w - x0, w - x1
        y0 = rng.uniform(0.3, 0.7) * h
        y1 = y0 + rng.uniform(-0.08, 0.08) * h
    elif direction in ("up", "down"):
        disp = min(rng.uniform(*travel) * h, speed * w * span)
        y0 = rng.uniform(0.15, 0.38) * h
        y1 = y0 + disp
        if direction == "up":
            y0, y1 = h - y0, h - y1
        x0 = rng.uniform(0.3, 0.7) * w
        x1 = x0 + rng.uniform(-0.05, 0.05) * w
    else:
        x0 = rng.uniform(0.3, 0.7) * w
        y0 = rng.uniform(0.3, 0.7) * h
        x1 = x0 + rng.uniform(-0.02, 0.02) * w
        y1 = y0 + rng.uniform(-0.02, 0.02) * h
    wob_amp = rng.uniform(0.0, 0.25) * radius
    return np.array([x0, y0]), np.array([x1, y1]), wob_amp, rng.uniform(0.1, 0.35), rng.uniform(0, 2 * np.pi)


def _sample_strands(rng, kind, verts, radius: float, hairy: bool):
    if not hairy:
        z = np.zeros((0,))
        return dict(s_base=np.zeros((0, 2)), s_dir=np.zeros((0, 2)), s_len=z, s_bend=z,
                    s_width=z, s_amp=z, s_freq=z, s_phase=z)
    perimeter_px = 2 * np.pi * radius
    n = int(np.clip(perimeter_px * rng.uniform(0.25, 0.6), 12, 160))
    t = np.sort(rng.uniform(0, 1, size=n))
    base = _boundary_points(kind, verts, t)
    out = base / (np.linalg.norm(base, axis=1, keepdims=True) + 1e-12)
    ang = rng.uniform(-0.6, 0.6, size=n)
    c, s = np.cos(ang), np.sin(ang)
    d = np.stack([c * out[:, 0] - s * out[:, 1], s * out[:, 0] + c * out[:, 1]], axis=1)
    base = base * 0.97  # root the strand just inside the body
    return dict(
        s_base=base,
        s_dir=d,
        s_len=rng.uniform(0.2, 0.6, size=n),
        s_bend=rng.uniform(-0.25, 0.25, size=n),
        s_width=rng.uniform(0.22, 0.9, size=n),
        s_amp=rng.uniform(0.0, 0.3, size=n),
        s_freq=rng.uniform(0.1, 0.5, size=n),
        s_phase=rng.uniform(0, 2 * np.pi, size=n),
    )


def _third(x: float, w: int) -> str:
    return "left" if x < w / 3 else ("right" if x > 2 * w / 3 else "centre")


def sample_clip_spec(
    rng: np.random.Generator,
    *,
    height: int,
    width: int,
    frames: int,
    n_instances: int | None = None,
    style: str = "mixed",
) -> ClipSpec:
    """Draw one clip's spec from `rng` (the only source of randomness)."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; available: {', '.join(STYLES)}")
    if height < 8 or width < 8 or frames < 1:
        raise ValueError(f"clip too small: {frames} frames of {height}x{width}")
    knobs = STYLES[style]
    n = int(n_instances) if n_instances is not None else int(rng.integers(knobs["n"][0], knobs["n"][1] + 1))
    if not 1 <= n <= 8:
        raise ValueError(f"n_instances must be 1..8, got {n}")
    names = list(BACKGROUNDS)
    weights = np.array([1.0 if n in GRAY_BACKGROUNDS else 2.0 for n in names])  # favour colour photos
    background = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    photo = load_background(background)
    camera = _sample_camera(rng, photo.shape[:2], (height, width), knobs["pan"])
    bg0 = render_background(photo, camera, 0.0)
    m = min(height, width)
    instances: list[InstanceSpec] = []
    taken: set[tuple] = set()
    for k in range(n):
        for _attempt in range(64):
            shape = SHAPES[int(rng.integers(len(SHAPES)))]
            size = list(SIZES)[int(rng.integers(len(SIZES)))]
            direction = DIRECTIONS[int(rng.integers(len(DIRECTIONS)))]
            camo = bool(rng.uniform() < knobs["camo"])
            radius = float(rng.uniform(*SIZES[size]) * m)
            p0, p1, wob_amp, wob_freq, wob_phase = _sample_path(
                rng, direction, height, width, frames, knobs["speed"], radius, knobs["travel"])
            if camo:
                x, y = int(np.clip(p0[0], 0, width - 1)), int(np.clip(p0[1], 0, height - 1))
                r = max(1, int(radius))
                patch = bg0[max(0, y - r): y + r + 1, max(0, x - r): x + r + 1]
                colour = np.clip(patch.reshape(-1, 3).mean(axis=0) + rng.uniform(-0.05, 0.05, 3), 0, 1)
                tex_amp = 0.06
            else:
                cname = list(PALETTE)[int(rng.integers(len(PALETTE)))]
                colour = np.clip(np.asarray(PALETTE[cname]) + rng.uniform(-0.05, 0.05, 3), 0, 1)
                tex_amp = 0.25
            cname = nearest_colour_name(colour)
            key = (cname, shape, size, direction)
            if key not in taken:
                break
        taken.add(key)
        kind, verts = _outline(shape)
        hairy = bool(rng.uniform() < knobs["hairy"])
        translucent = bool(rng.uniform() < knobs["translucent"])
        opacity = float(rng.uniform(0.35, 0.75)) if translucent else 1.0
        mtex = 3
        freq = rng.uniform(2.0, 9.0, size=mtex)
        theta = rng.uniform(0, np.pi, size=mtex)
        tex = np.stack([freq * np.cos(theta), freq * np.sin(theta), rng.uniform(0, 2 * np.pi, mtex),
                        rng.uniform(0.3, 1.0, mtex) * tex_amp / mtex], axis=1)
        strand_colour = np.clip(colour * rng.uniform(0.6, 1.3) + rng.uniform(-0.05, 0.05, 3), 0, 1)
        strands = _sample_strands(rng, kind, verts, radius, hairy)
        instances.append(InstanceSpec(
            id=str(k + 1), shape=shape, kind=kind, verts=np.ascontiguousarray(verts, dtype=np.float64),
            colour=colour, colour_name=cname, size=size, radius=radius, opacity=opacity,
            hairy=hairy, translucent=translucent, camo=camo, tex=np.ascontiguousarray(tex),
            strand_colour=strand_colour, **strands,
            p0=p0, p1=p1, wob_amp=float(wob_amp), wob_freq=float(wob_freq), wob_phase=float(wob_phase),
            angle0=float(rng.uniform(0, 2 * np.pi)), omega=float(rng.uniform(-knobs["spin"], knobs["spin"])),
            pulse_amp=float(rng.uniform(0.0, 0.08)), pulse_freq=float(rng.uniform(0.05, 0.3)),
            direction=direction, start=_third(float(p0[0]), width),
        ))
    shutter = float(rng.uniform(0.3, 1.0))
    return ClipSpec(height=height, width=width, frames=frames, style=style, instances=instances,
                    background=background, camera=camera, shutter=shutter, subframes=int(knobs["subframes"]))
