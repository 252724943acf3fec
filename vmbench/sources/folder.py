"""A folder of image files, one frame per file, ordered by number (``2.png`` before ``10.png``)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vmbench.errors import InputError
from vmbench.sources.base import FrameSource, natural_key
from vmbench.sources.decode import read_alpha_frame, read_rgb_frame

__all__ = ["IMAGE_EXTENSIONS", "ImageFolder", "list_frames", "not_a_file_kind"]

_KINDS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".tif": "tiff", ".tiff": "tiff",
          ".exr": "exr", ".webp": "webp", ".bmp": "bmp"}
IMAGE_EXTENSIONS = tuple(_KINDS)


def list_frames(folder: Path) -> list[Path]:
    """Image files directly inside `folder`, ordered by number in the name; hidden files skipped."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: folder does not exist")
    try:
        entries = list(folder.iterdir())
    except OSError as exc:
        raise InputError(f"{folder}: cannot list folder ({exc.strerror or exc})") from exc
    named = [p for p in entries if p.suffix.lower() in _KINDS and not p.name.startswith(".")]
    odd = sorted((p for p in named if not p.is_file()), key=lambda p: natural_key(p.name))
    if odd:  # refused by name, never opened: a FIFO would block and /dev/zero never end
        raise InputError(f"{odd[0]}: {not_a_file_kind(odd[0])}; a frame must be an image file"
                         + (f" ({len(odd)} such entries in this folder)" if len(odd) > 1 else ""))
    return sorted(named, key=lambda p: natural_key(p.name))


def not_a_file_kind(path: Path) -> str:
    """What an image-named entry that is not a regular file is, for the one error line."""
    if path.is_symlink() and not path.exists():
        try:
            return f"a broken symbolic link (to {os.readlink(path)}, which does not exist)"
        except OSError:
            return "a broken symbolic link"
    if path.is_dir():
        return "a folder"
    return "a FIFO, socket or device"


def _webp_is_lossy(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return True
    return head[12:16] != b"VP8L"


class ImageFolder(FrameSource):
    """Frames as image files in one folder; stems are the file names without extension."""

    def __init__(self, folder: Path, *, precision: str = "u8"):
        folder = Path(folder)
        files = list_frames(folder)
        by_stem: dict[str, Path] = {}
        for f in files:
            if f.stem in by_stem:
                raise InputError(f"{folder}: two frames share the stem {f.stem!r} ({by_stem[f.stem].name}, {f.name})")
            by_stem[f.stem] = f
        kinds = sorted({_KINDS[f.suffix.lower()] for f in files})
        lossy = None
        if "jpeg" in kinds:
            lossy = "jpeg"
        elif "webp" in kinds and _webp_is_lossy(next(f for f in files if f.suffix.lower() == ".webp")):
            lossy = "webp"
        notes = []
        if lossy:
            notes.append(f"{folder}: lossy {lossy} frames; compression noise is scored as error")
        names = [f.name for f in files]
        if sorted(names) != names:
            lexical = sorted(names)
            notes.append(
                f"{folder}: frame names are not zero-padded; scored in numeric order ({', '.join(names[:3])}, ...) "
                f"where the reference's sorted() reads {', '.join(lexical[:3])}, ..., so its dtSSD would differ"
            )
        super().__init__(folder, [f.stem for f in files], "+".join(kinds) or "empty", lossy=lossy,
                         precision=precision, notes=notes)
        self.files = files

    def name(self, i: int) -> str:
        return str(self.files[i])

    def read(self, i: int, notes: list[str] | None = None) -> np.ndarray:
        return read_alpha_frame(self.files[i], notes, precision=self.precision)

    def read_rgb(self, i: int) -> np.ndarray:
        return read_rgb_frame(self.files[i])
