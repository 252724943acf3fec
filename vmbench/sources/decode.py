"""One image file to one alpha frame, with every conversion the number depends on named in a note.

The reference scripts read a matte with ``cv2.imread(path, cv2.IMREAD_GRAYSCALE)``; vmbench reads
it the same way and records each conversion that call makes silently. The rules (docs/formats.md):

* 8-bit gray PNG: the fast reader of `vmbench.io.png`; anything else goes through OpenCV.
* eXIf orientation: applied as ``cv2.imread`` applies it (rotated/flipped), with a note.
* 16-bit: reduced to 8 bits as OpenCV does (``v >> 8``), or read as ``v / 65535`` under
  ``precision="float"``.
* RGB: luma ``0.299R + 0.587G + 0.114B`` as OpenCV computes it. RGBA: the luma of RGB, as the
  reference, *except* when RGB is black everywhere and A is not: the reference would read an
  all-zero matte, so vmbench reads A and says so.
* Float files (32-bit TIFF, EXR, float ``.npy``): NaN/inf refused, values beyond [-2, 2] (a 0..255
  matte stored as float) refused; values outside [0, 1] clipped
  with a note; by default quantised to 8 bits as an 8-bit PNG written by ``cv2.imwrite(x * 255)``
  would hold them (float32 product, round half to even, saturated), or kept under
  ``precision="float"``.
* Arrays (``.npy``): bool as 0/255; other integers in 0..255 as 8-bit, any other range refused.
* A frame whose only values are 0 and 1 (a mask saved as 0/1?): scored as the reference reads it
  (1 = 1/255), with a note; it is not rescaled, since a faint 8-bit matte looks the same.
* An animated PNG or a multi-page TIFF (OpenCV would read its first frame only): refused.

Trimaps have their own rule (`normalise_trimap`).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from vmbench._lazy import cv2
from vmbench.errors import InputError
from vmbench.io.png import bad_crc_refusal, read_gray8

__all__ = [
    "PRECISIONS",
    "read_alpha_frame",
    "read_rgb_frame",
    "alpha_from_array",
    "quantise",
    "normalise_trimap",
    "png_orientation",
    "apply_orientation",
]

PRECISIONS = ("u8", "float")
FLOAT_EXTENSIONS = (".tif", ".tiff", ".exr")


def _read_bytes(path: Path) -> np.ndarray:
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    if data.size == 0:
        raise InputError(f"{path}: file is empty")
    return data


def _decode(path: Path, data: np.ndarray, flags: int) -> np.ndarray:
    try:
        image = cv2.imdecode(data, flags)
    except cv2.error:
        image = None
    if image is None or image.size == 0:
        raise InputError(f"{path}: not a readable {path.suffix.lstrip('.').upper() or 'image'} image (corrupt or wrong format)")
    return image


# --- orientation -----------------------------------------------------------------------------------

def _png_chunks_before_data(data) -> dict[bytes, bytes]:
    """{chunk type: body} of a PNG's chunks before its image data (empty for anything else)."""
    view = memoryview(data).cast("B")
    if bytes(view[:8]) != b"\x89PNG\r\n\x1a\n":
        return {}
    chunks: dict[bytes, bytes] = {}
    pos = 8
    while pos + 12 <= len(view):
        length, kind = struct.unpack_from(">I4s", view, pos)
        if kind in (b"IDAT", b"IEND"):
            break
        chunks.setdefault(kind, bytes(view[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def png_orientation(data) -> int:
    """The EXIF orientation (1..8) of a PNG's eXIf chunk; 1 when there is none or it is unreadable."""
    exif = _png_chunks_before_data(data).get(b"eXIf")
    return _tiff_orientation(exif) if exif else 1


def _tiff_orientation(exif: bytes) -> int:
    if len(exif) < 8 or exif[:2] not in (b"II", b"MM"):
        return 1
    end = "<" if exif[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(end + "I", exif, 4)
    if ifd + 2 > len(exif):
        return 1
    (count,) = struct.unpack_from(end + "H", exif, ifd)
    for k in range(count):
        at = ifd + 2 + 12 * k
        if at + 12 > len(exif):
            return 1
        tag, kind = struct.unpack_from(end + "HH", exif, at)
        if tag == 0x0112 and kind == 3:
            (value,) = struct.unpack_from(end + "H", exif, at + 8)
            return value if 1 <= value <= 8 else 1
    return 1


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """Turn a stored image upright per EXIF orientation (1..8), as OpenCV's imread does."""
    if orientation == 2:
        return np.ascontiguousarray(image[:, ::-1])
    if orientation == 3:
        return np.ascontiguousarray(image[::-1, ::-1])
    if orientation == 4:
        return np.ascontiguousarray(image[::-1])
    if orientation == 5:
        return np.ascontiguousarray(np.swapaxes(image, 0, 1))
    if orientation == 6:
        return np.ascontiguousarray(np.swapaxes(image, 0, 1)[:, ::-1])
    if orientation == 7:
        return np.ascontiguousarray(np.swapaxes(image, 0, 1)[::-1, ::-1])
    if orientation == 8:
        return np.ascontiguousarray(np.swapaxes(image, 0, 1)[::-1])
    return image


# --- values --------------------------------------------------------------------------------------

def quantise(x: np.ndarray) -> np.ndarray:
    """Float alpha in [0, 1] to uint8 as ``cv2.imwrite`` stores ``x * 255``: float32 product,
    round half to even, saturated to 0..255."""
    scaled = np.asarray(x, dtype=np.float32) * np.float32(255.0)
    np.rint(scaled, out=scaled)
    np.clip(scaled, 0, 255, out=scaled)
    return scaled.astype(np.uint8)


FLOAT_SCALE_LIMIT = 2.0  # beyond [-2, 2] a float matte is on another scale (0..255), not overshoot: refused


def _check_float(x: np.ndarray, where: str, notes: list[str] | None) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())  # NaN propagates through both, infinities show at the ends
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise InputError(f"{where}: NaN or infinite alpha values; vmbench cannot score them")
    if hi > FLOAT_SCALE_LIMIT or lo < -FLOAT_SCALE_LIMIT:
        raise InputError(f"{where}: float alpha values in [{lo:.6g}, {hi:.6g}]; vmbench reads float alphas in [0, 1] "
                         "and clipping this to them would misread it (a 0..255 matte stored as float? divide it by 255)")
    if lo < 0.0 or hi > 1.0:
        if notes is not None:
            notes.append(f"{where}: float values outside [0, 1] clipped to [0, 1]")
        x = np.clip(x, 0.0, 1.0)
    return x


def alpha_from_array(a: np.ndarray, where: str, notes: list[str] | None, precision: str = "u8") -> np.ndarray:
    """One gray frame of any dtype (uint8, uint16, bool, float) to what the scorer takes.

    uint8 stays; uint16 becomes ``v >> 8`` (or ``v / 65535`` as float32 under ``"float"``);
    bool becomes 0/255; floats are checked, then quantised (``"u8"``) or kept (``"float"``).
    """
    a = np.asarray(a)
    if a.dtype == np.uint8:
        return _note_binary(np.ascontiguousarray(a), where, notes)
    if a.dtype == np.bool_:
        if notes is not None:
            notes.append(f"{where}: boolean mask read as 0/255")
        return a.astype(np.uint8) * np.uint8(255)
    if a.dtype == np.uint16:
        if precision == "float":
            if notes is not None:
                notes.append(f"{where}: 16-bit, read at full precision (v / 65535)")
            return a.astype(np.float32) / np.float32(65535.0)
        if notes is not None:
            notes.append(f"{where}: 16-bit, reduced to 8 bits")
        return (a >> 8).astype(np.uint8)
    if np.issubdtype(a.dtype, np.integer) and a.size:  # int32/int64 arrays (np.save of an int array)
        lo, hi = int(a.min()), int(a.max())
        if lo >= 0 and hi <= 255:
            if notes is not None:
                notes.append(f"{where}: {a.dtype} values in 0..255, read as 8-bit")
            return _note_binary(a.astype(np.uint8), where, notes)
        raise InputError(f"{where}: {a.dtype} values in {lo}..{hi}; alphas must be 0..255 (8-bit), 16-bit or float in [0, 1]")
    if np.issubdtype(a.dtype, np.floating):
        x = _check_float(a, where, notes)
        if precision == "float":
            return np.ascontiguousarray(x)
        if notes is not None:
            notes.append(f"{where}: float, quantised to 8 bits as an 8-bit PNG of it (rint(x*255))")
        return quantise(x)
    raise InputError(f"{where}: unsupported pixel type {a.dtype}; alphas must be 8/16-bit or float")


def _note_binary(a: np.ndarray, where: str, notes: list[str] | None) -> np.ndarray:
    if notes is not None and a.size and a.max() == 1:
        notes.append(
            f"{where}: values only 0 and 1 (a mask saved as 0/1?), scored as the reference reads them "
            "(1 = 1/255); save masks as 0/255"
        )
    return a


def _luma(image: np.ndarray) -> np.ndarray:
    """BGR(A) as OpenCV stores it to gray, as IMREAD_GRAYSCALE computes it (BGR2GRAY)."""
    return cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_BGR2GRAY)


# --- files ---------------------------------------------------------------------------------------

def read_alpha_frame(path: str | Path, notes: list[str] | None = None, *, precision: str = "u8") -> np.ndarray:
    """One alpha matte file to uint8 (H, W), or float32 (H, W) in [0, 1] for float content under
    ``precision="float"``; conversions are appended to `notes` as ``"PATH: what"`` lines.

    This is the per-frame reader every task uses (plain, instance, referring), so a file reads
    the same way wherever it is scored.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".exr":
        return _read_exr(path, notes, precision)
    data = _read_bytes(path)
    plain = read_gray8(data.data)  # the common 8-bit gray PNG, decoded fast; None for anything else
    if plain is not None:
        return _note_binary(plain, str(path), notes)
    refusal = bad_crc_refusal(data.data)
    if refusal is not None:  # said here: OpenCV would add libpng's own line on stderr
        raise InputError(f"{path}: not a readable PNG image (corrupt or wrong format: {refusal})")
    components = _jpeg_components(data)
    if components in (1, 3):  # a JPEG: its header says gray or colour, so it is decoded once
        if components == 3 and notes is not None:
            notes.append(f"{path}: RGB, read as luma 0.299R+0.587G+0.114B")
        return _note_binary(_decode(path, data, cv2.IMREAD_GRAYSCALE), str(path), notes)
    _refuse_multi_frame(path, data)
    orientation = png_orientation(data.data) if suffix == ".png" else 1
    if orientation != 1 and notes is not None:
        notes.append(f"{path}: eXIf orientation {orientation}, turned upright as cv2.imread does")
    where = str(path)
    header = _png_header(data)
    if header is not None and header[1] in (0, 2, 3) and (header[0] <= 8 or precision != "float"):
        # no alpha channel and no float reading: one decode, straight to gray, oriented by OpenCV
        depth, colour = header
        if notes is not None and colour != 0:
            notes.append(f"{path}: {'RGB' if colour == 2 else 'palette'}, read as luma 0.299R+0.587G+0.114B")
        if notes is not None and depth == 16:
            notes.append(f"{path}: 16-bit, reduced to 8 bits")
        return _note_binary(_decode(path, data, cv2.IMREAD_GRAYSCALE), where, notes)
    raw = _decode(path, data, cv2.IMREAD_UNCHANGED)  # not oriented by OpenCV
    channels = 1 if raw.ndim == 2 else raw.shape[2]
    if channels not in (1, 3, 4):
        raise InputError(f"{path}: {channels} channels; expected a gray alpha matte")
    if channels == 4 and not raw[..., :3].any() and raw[..., 3].any():
        if notes is not None:
            notes.append(f"{path}: RGBA with black RGB, read from the A channel "
                         "(the reference reads the luma of RGB and would score an all-zero matte)")
        return alpha_from_array(apply_orientation(np.ascontiguousarray(raw[..., 3]), orientation), where, notes, precision)
    if raw.dtype == np.uint8 or (raw.dtype == np.uint16 and precision != "float"):
        if channels > 1 and notes is not None:
            notes.append(f"{path}: " + ("RGBA, read as the luma of RGB (the A channel is ignored, as the reference does)"
                                        if channels == 4 else "RGB, read as luma 0.299R+0.587G+0.114B"))
        if raw.dtype == np.uint16 and notes is not None:
            notes.append(f"{path}: 16-bit, reduced to 8 bits")
        return _note_binary(_decode(path, data, cv2.IMREAD_GRAYSCALE), where, notes)  # oriented by OpenCV
    gray = raw if channels == 1 else _luma(raw)
    if channels > 1 and notes is not None:
        notes.append(f"{path}: {'RGBA' if channels == 4 else 'RGB'}, read as luma 0.299R+0.587G+0.114B")
    return alpha_from_array(apply_orientation(gray, orientation), where, notes, precision)


def _png_header(data: np.ndarray) -> tuple[int, int] | None:
    """(bit depth, colour type) from a PNG's IHDR; None for anything that is not a PNG."""
    view = memoryview(data).cast("B")
    if len(view) < 33 or bytes(view[:8]) != b"\x89PNG\r\n\x1a\n" or bytes(view[12:16]) != b"IHDR":
        return None
    return view[24], view[25]


def _jpeg_components(data: np.ndarray) -> int | None:
    """The number of colour components in a baseline/progressive JPEG's frame header; None for
    anything that is not a JPEG with a readable header."""
    view = memoryview(data).cast("B")
    if len(view) < 4 or view[0] != 0xFF or view[1] != 0xD8:
        return None
    pos = 2
    while pos + 4 <= len(view):
        if view[pos] != 0xFF:
            return None
        marker = view[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", view, pos + 2)
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # SOFn
            return view[pos + 9] if pos + 10 <= len(view) else None
        if marker in (0xD9, 0xDA):  # end of image, or scan data before any frame header
            return None
        pos += 2 + length
    return None


def _refuse_multi_frame(path: Path, data: np.ndarray) -> None:
    """An animated PNG or a multi-page TIFF holds several frames where one is expected; OpenCV
    would silently read the first, so vmbench refuses."""
    actl = _png_chunks_before_data(data.data).get(b"acTL")
    if actl is not None and len(actl) >= 4:
        (count,) = struct.unpack_from(">I", actl, 0)
        raise InputError(f"{path}: animated PNG ({count} frames); a frame folder holds one frame per file "
                         "(cv2.imread would read only the first)")
    if path.suffix.lower() in (".tif", ".tiff"):
        try:
            pages = cv2.imcount(str(path))
        except cv2.error:
            pages = 1
        if pages > 1:
            raise InputError(f"{path}: multi-page TIFF ({pages} pages); a frame folder holds one frame per file "
                             "(cv2.imread would read only the first); save the clip as one TIFF per frame or a .npy stack")


def _read_exr(path: Path, notes: list[str] | None, precision: str) -> np.ndarray:
    try:
        import OpenEXR
    except ImportError as exc:  # pragma: no cover - openexr is a declared dependency
        raise InputError(f"{path}: reading EXR needs the openexr package (pip install openexr)") from exc
    if not path.is_file():
        raise InputError(f"{path}: cannot read file (no such file)")
    try:
        with OpenEXR.File(str(path), separate_channels=True) as exr:
            channels = {name: np.asarray(ch.pixels) for name, ch in exr.channels().items()}
    except Exception as exc:  # OpenEXR raises plain exceptions for corrupt files
        raise InputError(f"{path}: not a readable EXR image ({exc})") from exc
    for name in ("A", "Y", "alpha", "pha"):
        if name in channels:
            picked = name
            break
    else:
        if len(channels) != 1:
            raise InputError(f"{path}: EXR channels {sorted(channels)}; expected one of A, Y or a single channel")
        picked = next(iter(channels))
    if len(channels) > 1 and notes is not None:
        notes.append(f"{path}: EXR channel {picked} read as the alpha (of {', '.join(sorted(channels))})")
    return alpha_from_array(channels[picked].astype(np.float32), str(path), notes, precision)


def read_rgb_frame(path: str | Path) -> np.ndarray:
    """A colour frame as uint8 (H, W, 3) in RGB order (``cv2.IMREAD_COLOR``, oriented)."""
    path = Path(path)
    image = _decode(path, _read_bytes(path), cv2.IMREAD_COLOR)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


# --- trimaps -------------------------------------------------------------------------------------

def normalise_trimap(trimap: np.ndarray, where: str, notes: list[str] | None) -> np.ndarray:
    """A trimap with values other than 0/128/255 (127 bands, JPEG noise, 16-bit, float) mapped to
    0 (< 64), 128 (64..191) and 255 (> 191), with a note; the reference counts only exact 128 as
    unknown."""
    trimap = np.asarray(trimap)
    if trimap.dtype != np.uint8:
        trimap = alpha_from_array(trimap, where, None, "u8")
    if trimap.size == 0:
        return trimap
    valid = (trimap == 0) | (trimap == 128) | (trimap == 255)
    if valid.all():
        return trimap
    out = np.full(trimap.shape, 128, dtype=np.uint8)
    out[trimap < 64] = 0
    out[trimap > 191] = 255
    if notes is not None:
        notes.append(
            f"{where}: trimap values other than 0/128/255 (a 127 band, JPEG?), mapped <64 to 0, 64..191 to 128, "
            ">191 to 255 (the reference counts only exact 128 as unknown)"
        )
    return out
