"""Frame sources: each kind round-tripped (written here with OpenCV, OpenEXR, NumPy or PyAV, read back
by vmbench, compared with what was written or with an independent decoder)."""

import pickle
import threading

import av
import cv2
import numpy as np
import pytest

from vmbench.errors import InputError
from vmbench.sources import ArrayStack, ImageFolder, VideoFile, open_source, quantise, read_alpha_frame


def gradient_frames(t=6, h=24, w=40, seed=0):
    rng = np.random.default_rng(seed)
    base = np.tile(np.linspace(0, 255, w), (h, 1))
    return [np.clip(np.roll(base, 3 * i, axis=1) + rng.integers(-20, 20, (h, w)), 0, 255).astype(np.uint8) for i in range(t)]


def write_video(path, frames, codec, pix_fmt, options=None, rate=25):
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=rate)
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.pix_fmt = pix_fmt
        if options:
            stream.options = options
        for f in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.dstack([f] * 3), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def cv2_video_gray(path):
    """An independent decoder: OpenCV's own FFmpeg capture, then BGR2GRAY."""
    cap = cv2.VideoCapture(str(path))
    out = []
    while True:
        ok, image = cap.read()
        if not ok:
            break
        out.append(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
    cap.release()
    return out


# --- image folders -----------------------------------------------------------------------------

def test_png_8bit_folder_round_trip(tmp_path):
    frames = gradient_frames()
    for t, f in enumerate(frames):
        cv2.imwrite(str(tmp_path / f"{t:04d}.png"), f)
    src = open_source(tmp_path)
    assert isinstance(src, ImageFolder) and src.kind == "png" and src.lossy is None and src.notes == []
    assert src.stems == [f"{t:04d}" for t in range(6)] and len(src) == 6
    for t, f in enumerate(frames):
        notes = []
        assert np.array_equal(src.read(t, notes), f) and notes == []
    assert all(np.array_equal(a, b) for a, b in zip(src.frames(2, 5), frames[2:5]))


def test_png_16bit_u8_is_cv2_and_float_is_full_precision(tmp_path):
    x = (np.arange(24 * 40).reshape(24, 40) * 61 % 65536).astype(np.uint16)
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), x)
    notes = []
    u8 = read_alpha_frame(path, notes)
    assert np.array_equal(u8, cv2.imread(str(path), cv2.IMREAD_GRAYSCALE))
    assert np.array_equal(u8, (x // 256).astype(np.uint8))
    assert notes == [f"{path}: 16-bit, reduced to 8 bits"]
    f = read_alpha_frame(path, [], precision="float")
    assert f.dtype == np.float32 and np.array_equal(f, x.astype(np.float32) / np.float32(65535))


def test_jpeg_folder_reads_as_cv2_and_is_marked_lossy(tmp_path):
    for t, f in enumerate(gradient_frames(3)):
        cv2.imwrite(str(tmp_path / f"{t:05d}.jpg"), f)
    src = open_source(tmp_path)
    assert src.kind == "jpeg" and src.lossy == "jpeg"
    assert src.notes == [f"{tmp_path}: lossy jpeg frames; compression noise is scored as error"]
    for t in range(3):
        assert np.array_equal(src.read(t), cv2.imread(str(tmp_path / f"{t:05d}.jpg"), cv2.IMREAD_GRAYSCALE))


def test_float_tiff_quantised_as_cv2_writes_an_8bit_png(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.random((24, 40)).astype(np.float32)
    x[0, :4] = [0.5 / 255, 1.5 / 255, 2.5 / 255, 254.5 / 255]  # ties: half to even, as cv2's saturate_cast
    tif = tmp_path / "a.tif"
    assert cv2.imwrite(str(tif), x)
    png = tmp_path / "ref.png"
    assert cv2.imwrite(str(png), x * np.float32(255))  # what a pipeline writing x*255 as PNG stores
    notes = []
    u8 = read_alpha_frame(tif, notes)
    assert u8.dtype == np.uint8 and np.array_equal(u8, cv2.imread(str(png), cv2.IMREAD_GRAYSCALE))
    assert "quantised to 8 bits" in notes[0]
    f = read_alpha_frame(tif, [], precision="float")
    assert f.dtype == np.float32 and np.array_equal(f, x)
    assert np.array_equal(quantise(x), u8)


def test_exr_round_trip(tmp_path):
    import OpenEXR

    x = np.random.default_rng(4).random((24, 40)).astype(np.float32)
    path = tmp_path / "a.exr"
    with OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}, {"Y": x}) as f:
        f.write(str(path))
    assert np.array_equal(read_alpha_frame(path, [], precision="float"), x)
    assert np.array_equal(read_alpha_frame(path, []), np.clip(np.rint(x * np.float32(255)), 0, 255).astype(np.uint8))
    rgba = tmp_path / "b.exr"
    with OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage},
                      {"R": x * 0, "G": x * 0, "B": x * 0, "A": x}) as f:
        f.write(str(rgba))
    notes = []
    assert np.array_equal(read_alpha_frame(rgba, notes, precision="float"), x)
    assert notes == [f"{rgba}: EXR channel A read as the alpha (of A, B, G, R)"]


def test_webp_lossless_and_lossy(tmp_path):
    f = gradient_frames(1)[0]
    (tmp_path / "lossless").mkdir()
    (tmp_path / "lossy").mkdir()
    cv2.imwrite(str(tmp_path / "lossless" / "0.webp"), f, [cv2.IMWRITE_WEBP_QUALITY, 101])
    cv2.imwrite(str(tmp_path / "lossy" / "0.webp"), f, [cv2.IMWRITE_WEBP_QUALITY, 50])
    lossless = open_source(tmp_path / "lossless")
    assert lossless.kind == "webp" and lossless.lossy is None and np.array_equal(lossless.read(0), f)
    lossy = open_source(tmp_path / "lossy")
    assert lossy.lossy == "webp"
    assert np.array_equal(lossy.read(0), cv2.imread(str(tmp_path / "lossy" / "0.webp"), cv2.IMREAD_GRAYSCALE))


# --- NumPy stacks --------------------------------------------------------------------------------

def test_npy_stack_uint8_and_float(tmp_path):
    frames = np.stack(gradient_frames(4))
    np.save(tmp_path / "a.npy", frames)
    src = open_source(tmp_path / "a.npy")
    assert isinstance(src, ArrayStack) and src.positional and src.stems == ["00000", "00001", "00002", "00003"]
    assert all(np.array_equal(src.read(t), frames[t]) for t in range(4))
    x = frames.astype(np.float32)[..., None] / 256 + np.float32(0.001)
    np.save(tmp_path / "b.npy", x)
    f = open_source(tmp_path / "b.npy", precision="float")
    assert np.array_equal(f.read(2), x[2, ..., 0])
    assert np.array_equal(open_source(tmp_path / "b.npy").read(2), quantise(x[2, ..., 0]))
    clone = pickle.loads(pickle.dumps(f))
    assert np.array_equal(clone.read(3), x[3, ..., 0])


def test_npz_picks_pha_and_refuses_ambiguity(tmp_path):
    frames = np.stack(gradient_frames(3))
    np.savez(tmp_path / "a.npz", pha=frames, other=frames[:1])
    assert np.array_equal(open_source(tmp_path / "a.npz").read(1), frames[1])
    np.savez(tmp_path / "b.npz", x=frames, y=frames)
    with pytest.raises(InputError, match=r"b\.npz: holds arrays \['x', 'y'\]; expected one array, or one named pha or alpha"):
        open_source(tmp_path / "b.npz")
    np.save(tmp_path / "c.npy", frames[0])
    with pytest.raises(InputError, match=r"c\.npy: array of shape \(24, 40\); expected \(T, H, W\)"):
        open_source(tmp_path / "c.npy")


# --- video ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, codec, pix_fmt", [
    ("a.mp4", "libx264rgb", "rgb24"),   # lossless RGB: every frame exactly as written
    ("a.mkv", "ffv1", "gray"),          # lossless gray
    ("a.avi", "ffv1", "bgr0"),       # lossless RGB in AVI
])
def test_lossless_video_round_trips_exactly(tmp_path, name, codec, pix_fmt):
    frames = gradient_frames(7)
    path = tmp_path / name
    write_video(path, frames, codec, pix_fmt, {"qp": "0"} if codec == "libx264rgb" else None)
    src = open_source(path)
    assert isinstance(src, VideoFile) and len(src) == 7 and src.positional
    if codec == "ffv1":
        assert src.lossy is None and src.notes == []
    assert [np.array_equal(a, b) for a, b in zip(src.frames(), frames)] == [True] * 7


@pytest.mark.parametrize("name, codec, pix_fmt", [
    ("a.mp4", "libx264", "yuv420p"),   # what imageio / MatAnyone write for pha.mp4
    ("a.mov", "libx264", "yuv420p"),
    ("a.webm", "libvpx-vp9", "yuv420p"),
    ("a.avi", "mpeg4", "yuv420p"),
])
def test_lossy_video_reads_as_opencv_capture_does(tmp_path, name, codec, pix_fmt):
    frames = gradient_frames(9)
    path = tmp_path / name
    write_video(path, frames, codec, pix_fmt)
    src = open_source(path)
    assert src.lossy == src.kind.split(":")[1] and "lossy video codec" in src.notes[0]
    independent = cv2_video_gray(path)
    assert len(src) == len(independent) == 9
    assert [np.array_equal(a, b) for a, b in zip(src.frames(), independent)] == [True] * 9
    # and random access (backwards, after a jump) gives the same frames as the sequential pass
    for i in (8, 0, 5, 4, 8, 1):
        assert np.array_equal(src.read(i), independent[i])


def test_yuv_video_is_not_read_from_the_raw_y_plane(tmp_path):
    frames = [np.full((16, 16), v, dtype=np.uint8) for v in (0, 128, 255)]
    path = tmp_path / "a.mp4"
    write_video(path, frames, "libx264", "yuv420p", {"qp": "0"})
    src = open_source(path)
    with av.open(str(path)) as c:
        y = [np.asarray(f.to_ndarray())[:16] for f in c.decode(video=0)]
    assert y[0][0, 0] == 16 and y[2][0, 0] == 235  # limited range in the Y plane
    assert [int(src.read(i)[0, 0]) for i in range(3)] == [0, 128, 255]


def test_video_threads_and_pickling(tmp_path):
    frames = gradient_frames(40)
    path = tmp_path / "a.mp4"
    write_video(path, frames, "libx264rgb", "rgb24", {"qp": "0", "g": "8"})
    src = open_source(path)
    got = {}

    def run(start):
        got[start] = [src.read(i) for i in range(start, start + 20)]

    threads = [threading.Thread(target=run, args=(s,)) for s in (0, 20)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert all(np.array_equal(got[s][k], frames[s + k]) for s in (0, 20) for k in range(20))
    clone = pickle.loads(pickle.dumps(src))
    assert np.array_equal(clone.read(33), frames[33])


def test_corrupt_and_truncated_videos_are_one_line(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(InputError, match=r"bad\.mp4: not a readable video file"):
        open_source(bad)
    frames = gradient_frames(30, 64, 64)
    good = tmp_path / "good.mp4"
    write_video(good, frames, "libx264", "yuv420p")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(InputError, match=r"cut\.mp4: "):
        src = open_source(cut)
        [src.read(i) for i in range(len(src))]
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.mp4: not a readable video file"):
        open_source(empty)


def test_unknown_file_kind_names_what_is_read(tmp_path):
    path = tmp_path / "clip.gif"
    path.write_bytes(b"GIF89a")
    with pytest.raises(InputError, match=r"clip\.gif: not a clip vmbench reads \(a folder of png/jpg"):
        open_source(path)
    with pytest.raises(InputError, match="precision must be one of u8, float"):
        open_source(tmp_path, precision="half")


def test_one_open_decoder_per_thread_whatever_the_number_of_videos(tmp_path):
    import os

    frames = gradient_frames(3, 8, 8)
    sources = []
    for k in range(40):
        write_video(tmp_path / f"{k}.mkv", frames, "ffv1", "gray")
        sources.append(open_source(tmp_path / f"{k}.mkv"))
    before = len(os.listdir("/proc/self/fd"))
    for src in sources:
        assert np.array_equal(src.read(1), frames[1])
    assert len(os.listdir("/proc/self/fd")) <= before + 2
    VideoFile.close_thread()


@pytest.mark.parametrize("colour, params", [(False, []), (True, []), (False, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1]),
                                            (True, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])])
def test_jpeg_decoded_once_as_cv2_imread(tmp_path, colour, params):
    """JPEGs are decoded once, straight to gray, as cv2.imread(IMREAD_GRAYSCALE) (its header tells colour)."""
    g = gradient_frames(1, 40, 56)[0]
    image = np.dstack([g, 255 - g, g // 2]) if colour else g
    path = tmp_path / "a.jpg"
    cv2.imwrite(str(path), image, params)
    notes = []
    assert np.array_equal(read_alpha_frame(path, notes), cv2.imread(str(path), cv2.IMREAD_GRAYSCALE))
    assert notes == ([f"{path}: RGB, read as luma 0.299R+0.587G+0.114B"] if colour else [])


@pytest.mark.parametrize("kind", ["rgb8", "rgb16", "gray16", "palette", "rgba8", "gray_alpha"])
def test_other_pngs_read_as_cv2_imread(tmp_path, kind):
    """Every PNG kind outside the fast path equals cv2.imread(IMREAD_GRAYSCALE), with its note."""
    from PIL import Image

    g = gradient_frames(1, 20, 30)[0]
    path = tmp_path / "a.png"
    if kind == "rgb8":
        cv2.imwrite(str(path), np.dstack([g, 255 - g, g // 2]))
    elif kind == "rgb16":
        cv2.imwrite(str(path), np.dstack([g, 255 - g, g // 2]).astype(np.uint16) * 257)
    elif kind == "gray16":
        cv2.imwrite(str(path), g.astype(np.uint16) * 250)
    elif kind == "palette":
        Image.fromarray(np.dstack([g, 255 - g, g // 2])).quantize(64).save(path)
    elif kind == "rgba8":
        cv2.imwrite(str(path), np.dstack([g, 255 - g, g // 2, g]))
    else:
        Image.fromarray(np.dstack([g, 255 - g]), mode="LA").save(path)
    notes = []
    assert np.array_equal(read_alpha_frame(path, notes), cv2.imread(str(path), cv2.IMREAD_GRAYSCALE))
    assert notes and all(n.startswith(f"{path}: ") for n in notes)

