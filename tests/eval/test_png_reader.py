"""The fast 8-bit gray PNG reader against OpenCV, on files made every way a matte gets written."""

import struct
import zlib

import cv2
import numpy as np
import pytest

from vmbench.errors import InputError
from vmbench.io.frames import read_alpha_u8
from vmbench.io.png import read_gray8


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def encode(img: np.ndarray, filters, *, depth=8, colour=0, interlace=0, extra=b"", level=6) -> bytes:
    """A PNG written from the specification: row y filtered with filters[y % len(filters)]."""
    h, w = img.shape
    rows = []
    for y in range(h):
        f = filters[y % len(filters)]
        cur = img[y].astype(int)
        up = img[y - 1].astype(int) if y else np.zeros(w, int)
        out = []
        for x in range(w):
            left = cur[x - 1] if x else 0
            upleft = up[x - 1] if x else 0
            pred = [0, left, up[x], (left + up[x]) // 2, paeth(left, up[x], upleft), 0][f]  # 5: not a filter
            out.append((cur[x] - pred) % 256)
        rows.append(bytes([f]) + bytes(out))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, interlace)
    data = zlib.compress(b"".join(rows), level)
    half = len(data) // 2  # two IDAT chunks, as large files have
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", data[:half]) + chunk(b"IDAT", data[half:]) + chunk(b"IEND", b"")


def flip(data: bytes, at: int) -> bytes:
    out = bytearray(data)
    out[at] ^= 0xFF
    return bytes(out)


def opencv(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)


@pytest.mark.parametrize("filters", [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4], [4, 3, 2, 1]])
@pytest.mark.parametrize("shape", [(1, 1), (1, 13), (13, 1), (7, 9), (16, 33)])
def test_every_filter_decodes_as_opencv_does(filters, shape):
    rng = np.random.default_rng(len(filters) * 100 + shape[0] * 7 + shape[1])
    img = rng.integers(0, 256, shape, dtype=np.uint8)
    img[: shape[0] // 2] = np.clip(img[: shape[0] // 2], 250, 255)  # runs of near-white, where Paeth picks every neighbour
    data = encode(img, filters)
    got = read_gray8(data)
    assert got is not None
    np.testing.assert_array_equal(got, opencv(data))
    np.testing.assert_array_equal(got, img)


@pytest.mark.parametrize("level", [0, 1, 3, 9])
def test_opencv_written_files(tmp_path, level):
    rng = np.random.default_rng(level)
    img = (np.clip(rng.normal(0.5, 0.4, (45, 77)), 0, 1) * 255).astype(np.uint8)
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), img, [cv2.IMWRITE_PNG_COMPRESSION, level])
    data = path.read_bytes()
    np.testing.assert_array_equal(read_gray8(data), cv2.imread(str(path), cv2.IMREAD_GRAYSCALE))


def test_pillow_written_files(tmp_path):
    image_module = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (31, 50), dtype=np.uint8)
    for optimize in (False, True):
        path = tmp_path / f"p{optimize}.png"
        image_module.fromarray(img, mode="L").save(path, optimize=optimize)
        np.testing.assert_array_equal(read_gray8(path.read_bytes()), img)


@pytest.mark.parametrize(
    "make",
    [
        lambda img: encode(img, [0], depth=16),  # 16-bit: reduced to 8 by OpenCV, with a note
        lambda img: encode(img, [0], colour=2),  # RGB
        lambda img: encode(img, [0], interlace=1),
        lambda img: encode(img, [0], extra=chunk(b"tRNS", b"\x00\x00")),  # a transparent gray level
        lambda img: encode(img, [5]),  # no such filter
        lambda img: encode(img, [0])[:-20],  # truncated
        lambda img: flip(encode(img, [0]), 30),  # in the IHDR's CRC
        lambda img: b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 9, 9, 8, 0, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(b"\x00" * 20)) + chunk(b"IEND", b""),  # too little data
        lambda img: cv2.imencode(".jpg", img)[1].tobytes(),
    ],
)
def test_everything_else_is_left_to_opencv(make):
    img = np.arange(81, dtype=np.uint8).reshape(9, 9)
    assert read_gray8(make(img)) is None


def test_read_alpha_u8_still_names_a_corrupt_file(tmp_path):
    img = np.arange(81, dtype=np.uint8).reshape(9, 9)
    path = tmp_path / "bad.png"
    path.write_bytes(flip(encode(img, [1]), 60))  # inside the compressed stream
    with pytest.raises(InputError, match="bad.png.*corrupt"):
        read_alpha_u8(path)
