"""A clip saved as a video file (mp4, mov, mkv, webm, avi), decoded frame-accurately with PyAV.

Frames are counted and ordered from the container's packets (presentation timestamps), not from
the header's frame count, so a count is exact and frame ``i`` is the ``i``-th frame shown. Each
frame is converted to RGB by FFmpeg (swscale, the conversion ``cv2.VideoCapture`` and imageio
hand you) and read as luma with OpenCV's ``RGB2GRAY``: exactly ``cv2.imread(IMREAD_GRAYSCALE)`` of
the frame written out as a PNG. (The raw Y plane would be wrong by the limited-range offset:
16..235 for 0..255.)

Reading is sequential per thread; a jump backwards or far ahead seeks to the keyframe before the
frame and decodes forward to it. Each thread keeps one decoder open, for the video it read last,
so a tree of 10,000 videos never holds more open files than there are threads.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from vmbench._lazy import cv2
from vmbench.errors import InputError
from vmbench.sources.base import FrameSource
from vmbench.sources.decode import alpha_from_array

__all__ = ["VIDEO_EXTENSIONS", "LOSSLESS_CODECS", "VideoFile"]

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")
LOSSLESS_CODECS = {"ffv1", "png", "rawvideo", "huffyuv", "ffvhuff", "utvideo", "qtrle", "apng", "zlib"}
_SKIP_AHEAD = 64  # frames decoded forward rather than seeking
_THREAD = threading.local()  # .owner: the VideoFile whose decoder .state this thread holds


def _open(path: Path):
    import av

    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable video file ({_reason(exc)})") from exc
    if not container.streams.video:
        container.close()
        raise InputError(f"{path}: holds no video stream")
    return container


def _reason(exc: Exception) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(": '")[0].strip() or type(exc).__name__


class VideoFile(FrameSource):
    """Frames of the first video stream of a container; pairs with the ground truth by position."""

    positional = True

    def __init__(self, path: Path, *, precision: str = "u8"):
        import av

        path = Path(path)
        container = _open(path)
        try:
            stream = container.streams.video[0]
            codec = stream.codec_context.name
            fmt = stream.codec_context.format
            has_alpha = fmt is not None and any(c.is_alpha for c in fmt.components)
            pts = []
            missing_pts = False
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                if packet.pts is None:
                    missing_pts = True
                pts.append(packet.pts)
        except av.FFmpegError as exc:
            raise InputError(f"{path}: corrupt video container ({_reason(exc)})") from exc
        finally:
            container.close()
        if not pts:
            raise InputError(f"{path}: video stream has no frames")
        self.pts = None if missing_pts else sorted(pts)
        lossy = None if codec in LOSSLESS_CODECS else codec
        notes = [f"{path}: lossy video codec {codec}; compression noise is scored as error"] if lossy else []
        if precision == "float":
            notes.append(f"{path}: video frames are read at 8 bits whatever --precision says")
        super().__init__(path, [f"{t:05d}" for t in range(len(pts))], f"video:{codec}", lossy=lossy,
                         precision=precision, notes=notes)
        self.has_alpha = has_alpha

    def _state(self) -> dict | None:
        return _THREAD.state if getattr(_THREAD, "owner", None) is self else None

    def _index_of(self, frame, counter: int) -> int:
        if self.pts is None:
            return counter
        return self._pts_index.get(frame.pts, -1)

    @property
    def _pts_index(self) -> dict:
        index = self.__dict__.get("_pts_map")
        if index is None:
            index = self.__dict__["_pts_map"] = {p: k for k, p in enumerate(self.pts)}
        return index

    def _restart(self, i: int, *, from_start: bool = False) -> dict:
        """A fresh decoder for this thread, positioned at the keyframe at or before frame `i`."""
        self.close_thread()
        container = _open(self.path)
        stream = container.streams.video[0]
        seek = self.pts is not None and i > 0 and not from_start
        if seek:
            container.seek(self.pts[i], stream=stream, backward=True, any_frame=False)
        state = {"container": container, "frames": container.decode(stream), "counter": None if seek else 0, "next": -1}
        _THREAD.owner, _THREAD.state = self, state
        return state

    def _decode_to(self, i: int):
        import av

        state = self._state()
        if state is None or not (0 <= state["next"] <= i < state["next"] + _SKIP_AHEAD):
            state = self._restart(i)
        for attempt in range(2):
            try:
                for frame in state["frames"]:
                    counter = state["counter"]
                    if counter is not None:
                        state["counter"] = counter + 1
                    k = self._index_of(frame, -1 if counter is None else counter)
                    if k == i:
                        state["next"] = i + 1
                        return frame
                    if k > i:
                        break  # a seek landed past the frame: decode from the start instead
            except av.FFmpegError as exc:
                raise InputError(f"{self.path}: corrupt video, cannot decode frame {i} ({_reason(exc)})") from exc
            if attempt == 0:
                state = self._restart(i, from_start=True)
        raise InputError(f"{self.path}: video ended before frame {i} (its packets list {len(self)} frames)")

    @staticmethod
    def close_thread() -> None:
        """Close the decoder this thread holds, whichever video it reads (the next read opens one)."""
        state = getattr(_THREAD, "state", None)
        if state is not None:
            state["container"].close()
        _THREAD.owner = _THREAD.state = None

    def read(self, i: int, notes: list[str] | None = None) -> np.ndarray:
        if not self.has_alpha:
            return alpha_from_array(cv2.cvtColor(self.read_rgb(i), cv2.COLOR_RGB2GRAY), str(self.path), notes)
        rgba = self._frame(i).to_ndarray(format="rgba")
        if not rgba[..., :3].any() and rgba[..., 3].any():  # the same rule as an RGBA image file
            if notes is not None:
                notes.append(f"{self.path}: RGBA with black RGB, read from the A channel "
                             "(the reference reads the luma of RGB and would score an all-zero matte)")
            return alpha_from_array(np.ascontiguousarray(rgba[..., 3]), str(self.path), notes)
        if notes is not None:
            notes.append(f"{self.path}: RGBA, read as the luma of RGB (the A channel is ignored, as the reference does)")
        return alpha_from_array(cv2.cvtColor(np.ascontiguousarray(rgba[..., :3]), cv2.COLOR_RGB2GRAY), str(self.path), notes)

    def read_rgb(self, i: int) -> np.ndarray:
        return self._frame(i).to_ndarray(format="rgb24")

    def _frame(self, i: int):
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._decode_to(i)
