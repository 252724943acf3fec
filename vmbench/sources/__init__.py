"""Frame sources: the one reader interface for every place vmbench reads alpha frames.

A `FrameSource` is a clip's frames, in order, readable one at a time::

    source = open_source(path, precision="u8")      # folder, video file or .npy/.npz stack
    len(source), source.stems, source.kind, source.lossy, source.notes
    source.read(i, notes)      # uint8 (H, W); float32 (H, W) in [0, 1] for float content under "float"
    source.frames(start, stop, notes)   # streamed; a video decodes sequentially

Kinds: `ImageFolder` (PNG 8/16-bit, JPEG, TIFF incl. 32-bit float, EXR, WebP, BMP; one file per
frame, paired by stem), `ArrayStack` (``.npy``/``.npz`` (T, H, W)) and `VideoFile` (mp4, mov, mkv,
webm, avi via PyAV); the last two pair with the ground truth by position. `read_alpha_frame` is
the per-file reader they share, for code that reads single files (instance, referring). The
conversion rules are in `vmbench.sources.decode` and docs/formats.md.
"""

from __future__ import annotations

from pathlib import Path

from vmbench.errors import InputError
from vmbench.sources.base import FrameSource, Subset, natural_key
from vmbench.sources.decode import PRECISIONS, normalise_trimap, quantise, read_alpha_frame, read_rgb_frame
from vmbench.sources.folder import IMAGE_EXTENSIONS, ImageFolder, list_frames, not_a_file_kind
from vmbench.sources.stack import STACK_EXTENSIONS, ArrayStack
from vmbench.sources.video import VIDEO_EXTENSIONS, VideoFile

__all__ = [
    "FrameSource",
    "Subset",
    "ImageFolder",
    "ArrayStack",
    "VideoFile",
    "open_source",
    "read_alpha_frame",
    "read_rgb_frame",
    "normalise_trimap",
    "quantise",
    "list_frames",
    "not_a_file_kind",
    "natural_key",
    "is_clip_file",
    "IMAGE_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "STACK_EXTENSIONS",
    "CLIP_FILE_EXTENSIONS",
    "PRECISIONS",
]

CLIP_FILE_EXTENSIONS = VIDEO_EXTENSIONS + STACK_EXTENSIONS


def is_clip_file(path: Path) -> bool:
    """True for a file that holds a whole clip (a video or a NumPy stack)."""
    path = Path(path)
    return path.suffix.lower() in CLIP_FILE_EXTENSIONS and not path.name.startswith(".") and path.is_file()


def open_source(path: str | Path, *, precision: str = "u8") -> FrameSource:
    """The frame source at `path`: a folder of images, a video file or a ``.npy``/``.npz`` stack."""
    if precision not in PRECISIONS:
        raise InputError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    path = Path(path)
    if path.is_dir():
        return ImageFolder(path, precision=precision)
    if not path.exists():
        raise InputError(f"{path}: does not exist")
    suffix = path.suffix.lower()
    if suffix in VIDEO_EXTENSIONS:
        return VideoFile(path, precision=precision)
    if suffix in STACK_EXTENSIONS:
        return ArrayStack(path, precision=precision)
    raise InputError(
        f"{path}: not a clip vmbench reads (a folder of {'/'.join(e.lstrip('.') for e in IMAGE_EXTENSIONS)} "
        f"frames, a {'/'.join(e.lstrip('.') for e in VIDEO_EXTENSIONS)} video or a .npy/.npz stack)"
    )
