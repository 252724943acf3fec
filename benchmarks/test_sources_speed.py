"""Speed of vmbench's frame sources against the way a reference-style script reads the same frames.

Run: python -m pytest benchmarks/test_sources_speed.py --benchmark-enable --benchmark-group-by=group -q
Each group holds vmbench's reader and the reference-style reader on the same files, measured in
the same run: the ratio of their means is the figure (no timed assertion anywhere).

* video: a 1920x1080 H.264 ``pha.mp4`` of 24 frames, read whole by `VideoFile.frames()` against
  ``cv2.VideoCapture`` + ``cvtColor(BGR2GRAY)`` (the same values; tests/sources checks that).
* float TIFF: 24 frames of 32-bit float 1920x1080 TIFFs through `ImageFolder.read` against
  ``cv2.imread(IMREAD_UNCHANGED)`` + the 8-bit quantisation written out in NumPy.
"""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest

from benchmarks import mattes
from vmbench.sources import open_source

T, H, W = 24, 1080, 1920


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("video") / "pha.mp4"
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        for t in range(T):
            g = (mattes.gt_frame(t, H, W) * 255).round().astype(np.uint8)
            for p in s.encode(av.VideoFrame.from_ndarray(np.dstack([g] * 3), format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return path


@pytest.fixture(scope="module")
def tiffs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiff")
    for t in range(T):
        cv2.imwrite(str(folder / f"{t:04d}.tif"), mattes.gt_frame(t, H, W).astype(np.float32))
    return folder


@pytest.mark.benchmark(group="video 1080p x24")
def test_video_vmbench(benchmark, video):
    benchmark(lambda: sum(int(f[0, 0]) for f in open_source(video).frames()))


@pytest.mark.benchmark(group="video 1080p x24")
def test_video_reference_style(benchmark, video):
    def read():
        cap = cv2.VideoCapture(str(video))
        total = 0
        while True:
            ok, image = cap.read()
            if not ok:
                break
            total += int(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)[0, 0])
        cap.release()
        return total

    benchmark(read)


@pytest.mark.benchmark(group="float tiff 1080p x24")
def test_tiff_vmbench(benchmark, tiffs):
    source = open_source(tiffs)
    benchmark(lambda: [source.read(i) for i in range(len(source))])


@pytest.mark.benchmark(group="float tiff 1080p x24")
def test_tiff_reference_style(benchmark, tiffs):
    files = sorted(tiffs.iterdir())

    def read():
        return [np.clip(np.rint(cv2.imread(str(f), cv2.IMREAD_UNCHANGED) * np.float32(255)), 0, 255).astype(np.uint8)
                for f in files]

    benchmark(read)
