"""In-memory clips: `generate_clip` for on-the-fly training data and `merge_sequential`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vmbench.synth.captions import captions_for_clip
from vmbench.synth.render import render_frames, to_u8
from vmbench.synth.spec import ClipSpec, sample_clip_spec

__all__ = ["SynthClip", "generate_clip", "clip_from_spec", "instance_records", "merge_sequential"]


@dataclass
class SynthClip:
    """One synthetic clip with exact ground truth.

    image : uint8 (T, H, W, 3) composite.
    alphas : float32 (N, T, H, W) visible alpha of each instance (front first).
    union : float32 (T, H, W) union alpha = plain-matting ground truth (= alphas.sum(0)).
    fgr : uint8 (T, H, W, 3) composited foreground (sum v_i F_i / union; 0 where union = 0).
    instances : per instance ``{"id", "attributes", "captions"}``.
    background : uint8 (T, H, W, 3) the background B (rounded).
    layer_alpha, layer_colour : float32 (N, T, H, W) / (N, T, H, W, 3) un-occluded a_i, F_i,
        only with ``keep_layers=True`` (else None).
    """

    image: np.ndarray
    alphas: np.ndarray
    union: np.ndarray
    fgr: np.ndarray
    instances: list[dict]
    background: np.ndarray | None = None
    layer_alpha: np.ndarray | None = None
    layer_colour: np.ndarray | None = None
    meta: dict = field(default_factory=dict)


def instance_records(spec: ClipSpec) -> list[dict]:
    """``{"id", "attributes", "captions"}`` per instance of a spec (captions unique in the clip)."""
    attrs = [inst.attributes(depth) for depth, inst in enumerate(spec.instances)]
    caps = captions_for_clip(attrs)
    return [{"id": inst.id, "attributes": a, "captions": c} for inst, a, c in zip(spec.instances, attrs, caps)]


def clip_from_spec(spec: ClipSpec, *, keep_layers: bool = False) -> SynthClip:
    """Render a sampled spec fully into memory."""
    frames = list(render_frames(spec, layers=keep_layers))
    clip = SynthClip(
        image=np.stack([f.image for f in frames]),
        alphas=np.stack([f.visible for f in frames], axis=1),
        union=np.stack([f.union for f in frames]),
        fgr=np.stack([f.fgr for f in frames]),
        instances=instance_records(spec),
        background=np.stack([to_u8(f.background) for f in frames]),
        meta={"background": spec.background, "style": spec.style, "shutter": spec.shutter,
              "subframes": spec.subframes},
    )
    if keep_layers:
        clip.layer_alpha = np.stack([f.layer_alpha for f in frames], axis=1)
        clip.layer_colour = np.stack([f.layer_colour for f in frames], axis=1)
    return clip


def generate_clip(
    rng: np.random.Generator,
    *,
    height: int,
    width: int,
    frames: int,
    n_instances: int | None = None,
    style: str = "mixed",
    keep_layers: bool = False,
) -> SynthClip:
    """Build one clip in memory from `rng` (deterministic for a given generator state).

    n_instances : 1..8 (None: drawn from the style's range, 1-5 for "mixed").
    style : "mixed", "single", "multi", "camo" (colours close to the background) or "fast".
    """
    spec = sample_clip_spec(rng, height=height, width=width, frames=frames,
                            n_instances=n_instances, style=style)
    return clip_from_spec(spec, keep_layers=keep_layers)


def merge_sequential(clip_a: SynthClip, clip_b: SynthClip) -> SynthClip:
    """OAVM-style sequential foreground merging: clip b's foreground composited over clip a.

    With b's union u_b and foreground F_b: ``I = u_b F_b + (1 - u_b) I_a``; b's instances
    keep their visible alphas and come first (in front); a's visible alphas are multiplied by
    ``(1 - u_b)``; the union is ``1 - (1 - u_a)(1 - u_b)``; the foreground is
    ``(u_b F_b + (1 - u_b) u_a F_a) / union``. Instance ids are prefixed "b"/"a". F_b is b's
    8-bit foreground, so the merged composite is exact up to that rounding. Captions are
    recomputed so that they stay unambiguous in the merged clip.
    """
    if clip_a.image.shape != clip_b.image.shape:
        raise ValueError(f"clips differ in shape: {clip_a.image.shape} vs {clip_b.image.shape}")
    ub = clip_b.union[..., None].astype(np.float64)
    ua = clip_a.union[..., None].astype(np.float64)
    fb = clip_b.fgr.astype(np.float64) / 255.0
    fa = clip_a.fgr.astype(np.float64) / 255.0
    ia = clip_a.image.astype(np.float64) / 255.0
    image = ub * fb + (1 - ub) * ia
    union = 1 - (1 - ua) * (1 - ub)
    prem = ub * fb + (1 - ub) * ua * fa
    fgr = np.where(union > 0, prem / np.where(union > 0, union, 1.0), 0.0)
    alphas = np.concatenate([clip_b.alphas, clip_a.alphas * (1 - clip_b.union)[None]], axis=0)
    instances = ([dict(r, id="b" + r["id"]) for r in clip_b.instances]
                 + [dict(r, id="a" + r["id"]) for r in clip_a.instances])
    caps = captions_for_clip([r["attributes"] for r in instances])  # unique in the merged clip
    instances = [dict(r, captions=c) for r, c in zip(instances, caps)]
    return SynthClip(
        image=to_u8(image),
        alphas=alphas.astype(np.float32),
        union=union[..., 0].astype(np.float32),
        fgr=to_u8(fgr),
        instances=instances,
        background=clip_a.background,
        meta={"merged": [clip_a.meta, clip_b.meta]},
    )
