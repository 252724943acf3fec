"""The adapter interface: how any matting method plugs into vmbench.

An adapter declares its *track* (what guidance it needs), loads its weights once, then turns
one clip into a stream of alpha frames. The runner (``vmbench run-baseline``) writes each frame
to disk as it arrives, so a long 1080p clip never has to sit in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Iterator, Protocol, Sequence, runtime_checkable

import numpy as np

__all__ = ["Track", "ClipInput", "Adapter", "default_weights_dir"]


def default_weights_dir() -> Path:
    """Where adapters look for weights when ``--weights`` is not given.

    ``$VMBENCH_WEIGHTS`` if set, else ``~/.cache/vmbench/weights``; an adapter's file lives at
    ``<dir>/<adapter.weights_filename>``. Nothing is ever downloaded.
    """
    import os

    env = os.environ.get("VMBENCH_WEIGHTS")
    return Path(env) if env else Path.home() / ".cache" / "vmbench" / "weights"


class Track(str, Enum):
    """The guidance a method takes; results are only comparable within a track."""

    NONE = "none"  # auxiliary-free (RVM, GVM)
    FIRST_FRAME_MASK = "first-frame-mask"  # OAVM, MatAnyone
    PER_FRAME_MASK = "per-frame-mask"  # VideoMaMa, MaGGIe
    TRIMAP = "trimap"  # classical trimap-based matting
    CAPTION = "caption"  # referring matting (VRMDiff)


@dataclass
class ClipInput:
    """One clip to matte: frame files plus whatever guidance its track needs (read lazily).

    frames : RGB frame files in temporal order.
    first_mask : binary mask of the target at frame 0 (first-frame-mask track).
    masks : one coarse mask file per frame (per-frame-mask track).
    trimaps : one trimap file per frame (0 / 128 / 255; trimap track).
    caption : the referring expression (caption track).
    """

    name: str
    frames: Sequence[Path]
    first_mask: Path | None = None
    masks: Sequence[Path] | None = None
    trimaps: Sequence[Path] | None = None
    caption: str | None = None
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.frames)

    def read_frame(self, index: int) -> np.ndarray:
        """uint8 (H, W, 3) RGB frame `index`."""
        from vmbench.io.frames import read_rgb

        return read_rgb(self.frames[index])


@runtime_checkable
class Adapter(Protocol):
    """What a matting method implements to run under vmbench.

    Attributes: ``name`` (str), ``track`` (Track), ``needs_weights`` (bool), and
    ``weights_filename`` (str | None: file or folder name under `default_weights_dir()`).
    ``load(weights, device)`` is called once; ``predict(clip)`` yields float32 (H, W) alphas in
    [0, 1], one per frame of ``clip``, in order, at the clip's resolution.
    """

    name: str
    track: Track
    needs_weights: bool
    weights_filename: str | None

    def load(self, weights: Path | None, device: str) -> None: ...

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]: ...
