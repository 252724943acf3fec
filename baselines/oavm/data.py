"""Training samples for OAVM: clips from a generator, sequential foreground merging, guidance.

A *clip source* is any callable ``source(rng, *, height, width, frames) -> clip`` where ``clip``
has ``image`` uint8 (T, H, W, 3), ``alphas`` float32 (N, T, H, W) (visible alpha of each
instance), ``union`` float32 (T, H, W) and ``fgr`` (T, H, W, 3) uint8 or float in [0, 1]
(un-premultiplied foreground colour). ``vmbench.synth.generate_clip`` is one; `DirSource` reads
clips of an embedded benchmark written by ``vmbench make-dataset``.

Sequential foreground merging (OAVM) composites one clip's foreground sequence over another clip,
so a sample holds a target object plus distractors that the first-frame mask must tell apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np

from vmbench.errors import InputError

__all__ = ["Sample", "DirSource", "synthetic_source", "make_sample", "make_batch", "jitter_mask"]


@dataclass
class Sample:
    """One training clip: image float32 (T,H,W,3) in [0,1], target alpha (T,H,W), first mask (H,W)."""

    image: np.ndarray
    alpha: np.ndarray
    first_mask: np.ndarray


def synthetic_source():
    """The embedded benchmark generator (``vmbench.synth.generate_clip``), imported lazily."""
    try:
        from vmbench.synth import generate_clip
    except ImportError as exc:  # pragma: no cover - only before the generator exists
        raise InputError(f"vmbench.synth: synthetic generator not available ({exc})") from exc
    return generate_clip


def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 255.0
    return x.astype(np.float32)


def jitter_mask(mask: np.ndarray, rng: np.random.Generator, *, max_radius: int = 3) -> np.ndarray:
    """Binary (H, W) mask randomly dilated or eroded by up to `max_radius` pixels (a noisy guide)."""
    r = int(rng.integers(-max_radius, max_radius + 1))
    m = mask.astype(np.uint8)
    if r == 0:
        return m.astype(bool)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(r) + 1, 2 * abs(r) + 1))
    out = cv2.dilate(m, kernel) if r > 0 else cv2.erode(m, kernel)
    return out.astype(bool)


def _pick_target(alphas: np.ndarray, union: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Target alpha: the union of all instances, one instance, or a random subset of them."""
    n = alphas.shape[0]
    u = rng.random()
    if n <= 1 or u < 0.35:
        return union.astype(np.float32)
    if u < 0.8:
        idx = [int(rng.integers(n))]
    else:
        idx = [i for i in range(n) if rng.random() < 0.5] or [int(rng.integers(n))]
    return np.clip(alphas[idx].sum(0), 0.0, 1.0).astype(np.float32)


def make_sample(
    source, rng: np.random.Generator, *, height: int, width: int, frames: int, p_merge: float = 0.6
) -> Sample:
    """Draw one training clip (with sequential foreground merging half of the time)."""
    a = source(rng, height=height, width=width, frames=frames)
    image = _unit(a.image)
    target = _pick_target(np.asarray(a.alphas), np.asarray(a.union), rng)
    if rng.random() < p_merge:
        b = source(rng, height=height, width=width, frames=frames)
        if rng.random() < 0.7:
            # A's foreground sequence (target + A's other objects) over B: B's objects distract
            ua = np.asarray(a.union, np.float32)[..., None]
            image = _unit(a.fgr) * ua + _unit(b.image) * (1.0 - ua)
        else:
            # B's foreground over A: B's objects distract and occlude the target
            ub = np.asarray(b.union, np.float32)[..., None]
            image = _unit(b.fgr) * ub + image * (1.0 - ub)
            target = target * (1.0 - ub[..., 0])
    if rng.random() < 0.5:
        image, target = image[:, :, ::-1], target[:, :, ::-1]
    if rng.random() < 0.3:
        image, target = image[::-1], target[::-1]
    first = jitter_mask(target[0] > 0.5, rng)
    return Sample(
        np.ascontiguousarray(image, np.float32),
        np.ascontiguousarray(target, np.float32),
        first,
    )


def make_batch(source, rng, *, batch: int, height: int, width: int, frames: int) -> dict:
    """A batch as numpy arrays: image (B,T,3,H,W), alpha (B,T,1,H,W), first_mask (B,1,H,W)."""
    samples = [make_sample(source, rng, height=height, width=width, frames=frames) for _ in range(batch)]
    return {
        "image": np.stack([s.image.transpose(0, 3, 1, 2) for s in samples]),
        "alpha": np.stack([s.alpha[:, None] for s in samples]),
        "first_mask": np.stack([s.first_mask[None].astype(np.float32) for s in samples]),
    }


class DirSource:
    """Clips of an embedded benchmark on disk (``vmbench make-dataset`` layout), as a clip source.

    Each draw picks a random instance clip, a random window of `frames` frames, and resizes it to
    (height, width). Needs ``instance/<dataset>/<clip>/{com,pha/<inst>}`` and the matching
    ``plain/<dataset>/<clip>/{pha,fgr}``.
    """

    def __init__(self, root: Path):
        from vmbench.io.frames import list_frames

        self.root = Path(root)
        inst = self.root / "instance"
        if not inst.is_dir():
            raise InputError(f"{inst}: not found; --data must be a `vmbench make-dataset` root")
        self.clips = []
        for clip_dir in sorted(p for p in inst.glob("*/*") if (p / "com").is_dir()):
            plain = self.root / "plain" / clip_dir.parent.name / clip_dir.name
            insts = sorted(p for p in (clip_dir / "pha").iterdir() if p.is_dir())
            if not (plain / "fgr").is_dir() or not insts:
                raise InputError(f"{clip_dir}: missing pha/<inst> folders or {plain / 'fgr'}")
            com = list_frames(clip_dir / "com")
            self.clips.append(
                {
                    "com": com,
                    "fgr": list_frames(plain / "fgr"),
                    "pha": list_frames(plain / "pha"),
                    "inst": [list_frames(p) for p in insts],
                }
            )
        if not self.clips:
            raise InputError(f"{inst}: no clips with a com/ folder")

    def __call__(self, rng, *, height: int, width: int, frames: int):
        from vmbench.io.frames import read_alpha, read_rgb

        clip = self.clips[int(rng.integers(len(self.clips)))]
        total = len(clip["com"])
        start = int(rng.integers(max(total - frames, 0) + 1))
        idx = [min(start + i, total - 1) for i in range(frames)]

        def rgb(files):
            return np.stack([cv2.resize(read_rgb(files[i]), (width, height), interpolation=cv2.INTER_AREA) for i in idx])

        def alpha(files):
            return np.stack([cv2.resize(read_alpha(files[i]), (width, height), interpolation=cv2.INTER_AREA) for i in idx])

        return SimpleNamespace(
            image=rgb(clip["com"]),
            fgr=rgb(clip["fgr"]),
            union=alpha(clip["pha"]),
            alphas=np.stack([alpha(f) for f in clip["inst"]]),
        )
