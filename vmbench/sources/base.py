"""`FrameSource`: a clip's frames, in order, readable one at a time (the one reader interface)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import numpy as np

__all__ = ["FrameSource", "Subset", "natural_key"]

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """Sort key that orders ``frame2`` before ``frame10`` (and plain ``0002`` < ``0010``)."""
    parts = _DIGITS.split(name)
    return tuple((0, int(p), p) if p.isdigit() else (1, 0, p.lower()) for p in parts)


class FrameSource:
    """A clip's alpha frames, in order, read one at a time.

    Attributes
    ----------
    path : the folder or file read.
    stems : frame ids used for pairing: file stems for image folders; ``"00000"``, ``"00001"``..
        for containers (video, ``.npy``/``.npz``), which pair by position (`positional`).
    kind : ``"png"``, ``"jpeg"``, ``"tiff"``, ``"exr"``, ``"webp"``, ``"npy"``, ``"video:h264"``...
    lossy : the codec name when the frames went through a lossy codec (``"jpeg"``, ``"h264"``..).
    precision : ``"u8"`` (float content quantised to 8 bits) or ``"float"`` (kept).
    notes : one line per thing the user should know about the whole source (lossy codec,
        frame order), each ``"PATH: what"``. Per-frame conversions go to the list given to `read`.
    """

    positional = False

    def __init__(self, path: Path, stems: list[str], kind: str, *, lossy: str | None = None,
                 precision: str = "u8", notes: list[str] | None = None):
        self.path = Path(path)
        self.stems = list(stems)
        self.kind = kind
        self.lossy = lossy
        self.precision = precision
        self.notes = list(notes or [])

    def __len__(self) -> int:
        return len(self.stems)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, {len(self)} frames, {self.kind})"

    def name(self, i: int) -> str:
        """Where frame `i` lives, for messages: a file path, or ``FILE frame i``."""
        return f"{self.path} frame {i}"

    def read(self, i: int, notes: list[str] | None = None) -> np.ndarray:
        """Frame `i` as uint8 (H, W), or float32 (H, W) in [0, 1] for float content under
        ``precision="float"``; conversions are appended to `notes`."""
        raise NotImplementedError

    def read_rgb(self, i: int) -> np.ndarray:
        """Frame `i` as uint8 (H, W, 3) RGB (foreground folders)."""
        raise NotImplementedError

    def frames(self, start: int = 0, stop: int | None = None, notes: list[str] | None = None) -> Iterator[np.ndarray]:
        """Frames start..stop-1, streamed one at a time."""
        stop = len(self) if stop is None else min(stop, len(self))
        for i in range(start, stop):
            yield self.read(i, notes)


class Subset(FrameSource):
    """Frames ``indices`` of another source, as a source of their own (sparse ground truth: the
    annotated frames of a prediction)."""

    def __init__(self, source: FrameSource, indices: list[int]):
        super().__init__(source.path, [source.stems[k] for k in indices], source.kind, lossy=source.lossy,
                         precision=source.precision, notes=source.notes)
        self.source = source
        self.indices = list(indices)
        self.positional = source.positional

    def name(self, i: int) -> str:
        return self.source.name(self.indices[i])

    def read(self, i: int, notes: list[str] | None = None) -> np.ndarray:
        return self.source.read(self.indices[i], notes)

    def read_rgb(self, i: int) -> np.ndarray:
        return self.source.read_rgb(self.indices[i])
