"""VideoMatting108 (TCVOM) as shipped: its own pairing, because its layout is unlike the others.

What TCVOM's ``calc_metric.py`` reads (yunkezhang/TCVOM@f5fa07a):

* ground truth: ``DATA/FG_done/<video>/<frame>.png``, RGBA, the alpha is the **A channel**
  (``cv.imread(gp, cv.IMREAD_UNCHANGED)[..., -1]``); the frames of a video are the keys
  ``"<video>/<frame>.png"`` of ``DATA/frame_corr.json``, in sorted order;
* predictions: ``PRED/<video>/<frame>_pred.png`` (read as gray), with the trimap the method used
  beside it as ``PRED/<video>/<frame>_tri.png``.

The validation videos are the lines of ``DATA/val_videos.txt``. calc_metric.py scores every video
of frame_corr.json whose frames are all predicted and silently skips the others; vmbench scores
the validation videos and refuses a missing or incomplete one, and a predicted video that is not a
validation video (calc_metric.py would average it in), each in one line naming it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from vmbench.errors import InputError
from vmbench.io.layouts import ClipPair
from vmbench.sources import FrameSource, read_alpha_frame

__all__ = ["is_vm108_root", "vm108_videos", "pair_vm108", "PAIRING", "RgbaAlphaFrames", "FrameFiles"]

GT_FOLDER = "FG_done"
VAL_LIST = "val_videos.txt"
FRAME_LIST = "frame_corr.json"
FLOW_FOLDERS = ("flow_png", "flow_png_val")  # shipped as flow_png_val; TCVOM's README says to rename it


class FrameFiles(FrameSource):
    """Explicit frame files with explicit stems (``0000`` for ``0000_pred.png``), read as alphas."""

    def __init__(self, folder: Path, files: list[Path], stems: list[str], kind: str = "png"):
        super().__init__(folder, stems, kind)
        self.files = files

    def name(self, i: int) -> str:
        return str(self.files[i])

    def read(self, i: int, notes: list[str] | None = None) -> np.ndarray:
        return read_alpha_frame(self.files[i], notes)


class RgbaAlphaFrames(FrameFiles):
    """VM108's ground truth: the A channel of 8-bit RGBA PNGs, exactly as calc_metric.py reads it."""

    def read(self, i: int, notes: list[str] | None = None) -> np.ndarray:
        import cv2

        path = self.files[i]
        try:
            data = np.fromfile(path, dtype=np.uint8)
        except OSError as exc:
            raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
        image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
        if image is None:
            raise InputError(f"{path}: not a readable PNG image (corrupt or wrong format)")
        if image.ndim != 3 or image.shape[2] != 4 or image.dtype != np.uint8:
            shape = "gray" if image.ndim == 2 else f"{image.shape[2]} channels"
            raise InputError(f"{path}: {shape}, {image.dtype}; VM108's ground truth is the A channel of an 8-bit "
                             "RGBA frame (FG_done)")
        return np.ascontiguousarray(image[..., 3])


def is_vm108_root(root: Path) -> bool:
    """True for a VideoMatting108 dataset root (FG_done/ beside frame_corr.json)."""
    root = Path(root)
    return (root / GT_FOLDER).is_dir() and (root / FRAME_LIST).is_file()


def vm108_videos(root: Path) -> list[tuple[str, list[str]]]:
    """(video, frame stems in sorted order) of each validation video of the dataset at `root`."""
    root = Path(root)
    if not is_vm108_root(root):
        raise InputError(f"{root}: not a VideoMatting108 root (expected {GT_FOLDER}/ and {FRAME_LIST} in it)")
    try:
        frames = json.loads((root / FRAME_LIST).read_text())
        videos = [v.strip() for v in (root / VAL_LIST).read_text().splitlines() if v.strip()]
    except FileNotFoundError:
        raise InputError(f"{root / VAL_LIST}: missing; it lists VM108's validation videos") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{root / FRAME_LIST}: cannot read it ({exc})") from None
    if not isinstance(frames, dict):
        raise InputError(f"{root / FRAME_LIST}: not an object of \"<video>/<frame>.png\" keys")
    by_video: dict[str, list[str]] = {}
    for key in sorted(frames):  # calc_metric.py: sorted(fdict.keys())
        video, _, name = key.rpartition("/")
        by_video.setdefault(video, []).append(Path(name).stem)
    out = []
    for video in videos:
        if video not in by_video:
            raise InputError(f"{root / VAL_LIST}: video {video!r} has no frames in {FRAME_LIST}")
        out.append((video, by_video[video]))
    if not out:
        raise InputError(f"{root / VAL_LIST}: lists no videos")
    return out


def pair_vm108(pred_root: Path, data_root: Path, *, problems: list[str] | None = None,
               flow_root: Path | None = None) -> tuple[str, list[ClipPair]]:
    """Pair each validation video's ground truth with ``PRED/<video>/<frame>_pred.png`` and its
    ``_tri.png`` trimap, and its optical flow where there is one (`flow_root`, else
    ``DATA/flow_png`` or, not renamed, ``DATA/flow_png_val``); `problems` collects instead of
    raising (``vmbench check``)."""
    pred_root, data_root = Path(pred_root), Path(data_root)
    if not pred_root.is_dir():
        raise InputError(f"{pred_root}: prediction folder does not exist")
    if flow_root is not None and not Path(flow_root).is_dir():
        raise InputError(f"{flow_root}: flow folder does not exist")
    videos = vm108_videos(data_root)
    flows = Path(flow_root) if flow_root is not None else next(
        (data_root / f for f in FLOW_FOLDERS if (data_root / f).is_dir()), None)
    pairs = []
    for video, stems in videos:
        try:
            pairs.append(_pair_video(pred_root, data_root, video, stems, flows))
        except InputError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
    known = {v for v, _ in videos}
    for extra in sorted(p.name for p in pred_root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if extra not in known and any(f.name.endswith("_pred.png") for f in (pred_root / extra).iterdir()):
            message = (f"{pred_root / extra}: not a validation video of VM108 ({VAL_LIST}); "
                       "calc_metric.py would average it in, vmbench refuses it")
            if problems is None:
                raise InputError(message)
            problems.append(message)
    return "vm108", pairs


def _pair_video(pred_root: Path, data_root: Path, video: str, stems: list[str], flows: Path | None) -> ClipPair:
    folder = pred_root / video
    if not folder.is_dir():
        raise InputError(f"{folder}: missing prediction video (VM108 validation video {video!r})")
    preds = [folder / f"{s}_pred.png" for s in stems]
    tris = [folder / f"{s}_tri.png" for s in stems]
    gts = [data_root / GT_FOLDER / video / f"{s}.png" for s in stems]
    for files, what in ((gts, "ground-truth frame"), (preds, "prediction"), (tris, "trimap")):
        missing = [f for f in files if not f.is_file()]
        if missing:
            raise InputError(f"{missing[0]}: {what} missing ({len(missing)} of {len(files)} in {video}); "
                             "calc_metric.py would skip the whole video without a word")
    extra = sorted(set(f.name for f in folder.glob("*_pred.png")) - {p.name for p in preds})
    if extra:
        raise InputError(f"{folder / extra[0]}: prediction frame not in {FRAME_LIST} ({len(extra)} extra)")
    pair = ClipPair("", video, list(stems), FrameFiles(folder, preds, stems),
                    RgbaAlphaFrames(data_root / GT_FOLDER / video, gts, stems), trimaps=FrameFiles(folder, tris, stems))
    if flows is not None and (flows / video).is_dir():
        # flows[i]: frame i-1 to frame i, named as calc_metric.py's _flow_read(previous, current)
        pair.flows = [None] + [flows / video / f"flow_{a}_{b}.png" for a, b in zip(stems[:-1], stems[1:])]
    return pair


class _Pairing:
    """``--dataset vm108``'s pairing as `eval` and `check` call it: ``(pred, gt, problems=None)``,
    and how many clips the ground truth holds (for check's summary line)."""

    def __call__(self, pred: Path, gt: Path, problems: list[str] | None = None,
                 flow_root: Path | None = None) -> tuple[str, list[ClipPair]]:
        return pair_vm108(pred, gt, problems=problems, flow_root=flow_root)

    @staticmethod
    def clips(gt: Path) -> int:
        return len(vm108_videos(gt))


PAIRING = _Pairing()
