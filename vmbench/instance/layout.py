"""Reading instance ground truth and predictions (VIM and V-HIM60 layouts) and referring expressions.

Ground truth (one clip = a stack of instances, each a sequence of alpha frames):

* VIM (instance-major): ``GT/<clip>/pha/<instance>/<frame>.png``; also ``GT/<dataset>/<clip>/pha/...``.
* V-HIM60 (frame-major, MaGGIe): ``GT/pha/<video>/<frame>/<instance>.png`` (``GT`` = a split such as
  ``comp_hard``); also ``GT/<split>/pha/...`` for several splits.

Predictions, per clip, at ``PRED/<dataset>/<clip>`` or ``PRED/<clip>``:

* ``<instance>/<frame>.png`` (VIM; names free, matched by the metric), optionally under ``pha/``;
* ``<frame>/<instance>.png`` (MaGGIe's saved results, frame-major; recognised when every sub-folder
  is a ground-truth frame stem);
* ``<frame>.png`` directly (MaGGIe's single-instance output): one instance;
* an empty folder: no predicted instances.

Instances are ordered by plain ``sorted`` name (as VIM's script; the order only matters for exact
ties in the Hungarian step). Frames are paired by stem and must be identical across instances.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vmbench.errors import InputError
from vmbench.io.frames import IMAGE_EXTENSIONS, natural_key, read_alpha

__all__ = [
    "GtClip",
    "find_gt_clips",
    "is_instance_root",
    "read_gt_clip",
    "refuse_same_folder",
    "list_gt_clip",
    "list_pred_clip",
    "InstanceFrames",
    "read_pred_clip",
    "find_pred_clip",
    "load_expressions",
    "Expression",
]


@dataclass
class GtClip:
    """Where one ground-truth clip lives: `kind` is "vim" (pha/<inst>/<frame>) or "vhim" (<frame>/<inst>)."""

    dataset: str
    clip: str
    path: Path  # vim: the clip folder's pha/; vhim: pha/<video>
    kind: str


def _dirs(folder: Path) -> list[Path]:
    try:
        return sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    except OSError as exc:
        raise InputError(f"{folder}: cannot list folder ({exc.strerror or exc})") from exc


def _images(folder: Path) -> dict[str, Path]:
    """{stem: path} of the image files directly in `folder` (a stem twice is an error)."""
    out: dict[str, Path] = {}
    for p in folder.iterdir():
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTENSIONS:
            if p.stem in out:
                raise InputError(f"{folder}: two images with the stem {p.stem!r} ({out[p.stem].name}, {p.name})")
            out[p.stem] = p
    return out


def _is_vim_clip(clip_dir: Path) -> bool:
    pha = clip_dir / "pha"
    if not pha.is_dir():
        return False
    subs = _dirs(pha)
    return bool(subs) and not _dirs(subs[0]) and (bool(_images(subs[0])) or len(subs) > 1)


def _is_vhim_split(split_dir: Path) -> bool:
    pha = split_dir / "pha"
    if not pha.is_dir():
        return False
    for video in _dirs(pha):
        for frame in _dirs(video):
            return bool(_images(frame))
    return False


def refuse_same_folder(pred_root: Path, gt_root: Path) -> None:
    """InputError when --pred and --gt are one folder (also through a symlink): every error would
    be zero, and the layout rules would otherwise report a misleading frame problem first."""
    try:
        same = os.path.samefile(pred_root, gt_root)
    except OSError:  # one of them missing: the readers say which
        return
    if same:
        raise InputError(f"{pred_root}: the prediction and ground-truth paths are the same folder; "
                         "every error would be zero (pass your predictions to --pred)")


def find_gt_clips(gt_root: Path) -> list[GtClip]:
    """All ground-truth clips under `gt_root` (VIM or V-HIM60 layout), in sorted order."""
    gt_root = Path(gt_root)
    if not gt_root.is_dir():
        raise InputError(f"{gt_root}: ground-truth folder does not exist")
    if _is_vhim_split(gt_root):
        return [GtClip(gt_root.name, v.name, v, "vhim") for v in _dirs(gt_root / "pha")]
    clips = [GtClip(gt_root.name, c.name, c / "pha", "vim") for c in _dirs(gt_root) if _is_vim_clip(c)]
    if clips:
        return clips
    for d in _dirs(gt_root):
        if _is_vhim_split(d):
            clips += [GtClip(d.name, v.name, v, "vhim") for v in _dirs(d / "pha")]
        else:
            clips += [GtClip(d.name, c.name, c / "pha", "vim") for c in _dirs(d) if _is_vim_clip(c)]
    if not clips:
        raise InputError(
            f"{gt_root}: no instance ground truth found (expected <clip>/pha/<instance>/<frame>.png "
            "or pha/<video>/<frame>/<instance>.png)"
        )
    return clips


def is_instance_root(gt_root: Path) -> bool:
    """True when `gt_root` holds instance ground truth in either layout."""
    try:
        find_gt_clips(gt_root)
    except InputError:
        return False
    return True


class InstanceFrames:
    """The frame files of a clip's instances (``files[k][t]``: instance k, frame t), read one frame
    at a time so a clip pass holds a few frames per instance whatever the clip length."""

    def __init__(self, where: Path, files: list[list[Path]]):
        self.where = Path(where)
        self.files = files
        self.notes: list[str] = []  # conversions made while reading ("PATH: what"), as the plain task
        self.shape: tuple[int, int] | None = None  # (H, W), fixed by the first frame read or `expect`
        self._against_gt = False

    def expect(self, shape: tuple[int, int]) -> "InstanceFrames":
        """Require every frame to have the ground truth's size (H, W)."""
        self.shape = tuple(shape)
        self._against_gt = True
        return self

    def __len__(self) -> int:
        return len(self.files)

    def read(self, k: int, t: int) -> np.ndarray:
        """float32 (H, W) alpha of instance k at frame t; every frame must have the clip's size."""
        path = self.files[k][t]
        a = read_alpha(path, self.notes)
        if self.shape is None:
            self.shape = a.shape
        elif a.shape != self.shape:
            if self._against_gt:
                raise InputError(f"{self.where}: predicted frames are {a.shape[1]}x{a.shape[0]}, the ground truth is "
                                 f"{self.shape[1]}x{self.shape[0]} (e.g. {path.name})")
            raise InputError(f"{path}: size {a.shape[1]}x{a.shape[0]} differs from {self.shape[1]}x{self.shape[0]} "
                             "of the clip's first frame")
        return a

    def frame(self, t: int) -> np.ndarray:
        """float32 (instances, H, W): every instance at frame t."""
        if not self.files:
            raise InputError(f"{self.where}: no frames")
        return np.stack([self.read(k, t) for k in range(len(self.files))])

    def stack(self) -> np.ndarray:
        """float32 (instances, T, H, W): the whole clip in memory (tests and small clips)."""
        if not self.files or not self.files[0]:
            raise InputError(f"{self.where}: no frames")
        T = len(self.files[0])
        first = self.frame(0)
        out = np.empty((len(self.files), T, *first.shape[1:]), dtype=np.float32)
        out[:, 0] = first
        for t in range(1, T):
            out[:, t] = self.frame(t)
        return out


def _check_frames(per_inst: dict[str, dict[str, Path]], folder_of, what: str) -> list[str]:
    """The common frame stems; an error names the instance folder that lacks or adds frames."""
    ref_name = None
    ref: set[str] | None = None
    for name, frames in per_inst.items():
        if not frames:
            raise InputError(f"{folder_of(name)}: {what} instance folder has no frames")
        if ref is None:
            ref_name, ref = name, set(frames)
            continue
        if set(frames) != ref:
            missing = sorted(ref - set(frames), key=natural_key)
            if missing:  # this folder lacks a frame the first instance has
                lacking, other, n_lacking, n_other = name, ref_name, len(frames), len(ref)
            else:  # the first instance lacks a frame this folder has
                missing = sorted(set(frames) - ref, key=natural_key)
                lacking, other, n_lacking, n_other = ref_name, name, len(ref), len(frames)
            raise InputError(f"{folder_of(lacking)}: {n_lacking} frames but instance {other!r} has {n_other} "
                             f"(missing frame {missing[0]!r})")
    return sorted(ref or (), key=natural_key)


def list_gt_clip(clip: GtClip) -> tuple[list[str], list[str], "InstanceFrames"]:
    """(instance names, frame stems, its frame files) of a ground-truth clip; nothing is read."""
    if clip.kind == "vim":
        inst_dirs = _dirs(clip.path)
        per_inst = {d.name: _images(d) for d in inst_dirs}
        stems = _check_frames(per_inst, lambda n: clip.path / n, "ground-truth")
    else:
        frame_dirs = sorted(_dirs(clip.path), key=lambda p: natural_key(p.name))
        if not frame_dirs:
            raise InputError(f"{clip.path}: no frame folders")
        per_frame = {f.name: _images(f) for f in frame_dirs}
        first = frame_dirs[0].name
        names = sorted(per_frame[first])
        if not names:
            raise InputError(f"{clip.path / first}: frame folder has no instance images")
        for f, imgs in per_frame.items():
            if sorted(imgs) != names:
                raise InputError(f"{clip.path / f}: instances {sorted(imgs)} differ from {names} in frame {first!r}")
        stems = [f.name for f in frame_dirs]
        per_inst = {n: {f: per_frame[f][n] for f in stems} for n in names}
    names = sorted(per_inst)
    return names, stems, InstanceFrames(clip.path, [[per_inst[n][s] for s in stems] for n in names])


def read_gt_clip(clip: GtClip) -> tuple[list[str], list[str], np.ndarray]:
    """(instance names, frame stems, float32 (n, T, H, W)) of a ground-truth clip (held whole)."""
    names, stems, files = list_gt_clip(clip)
    return names, stems, files.stack()


def find_pred_clip(pred_root: Path, dataset: str, clip: str) -> Path:
    """PRED/<dataset>/<clip> if present, else PRED/<clip>; an error if neither exists."""
    pred_root = Path(pred_root)
    for cand in (pred_root / dataset / clip, pred_root / clip):
        if cand.is_dir():
            return cand
    raise InputError(f"{pred_root / clip}: prediction folder for clip {clip!r} (dataset {dataset!r}) does not exist")


def list_pred_clip(folder: Path, stems: list[str]) -> tuple[list[str], "InstanceFrames"]:
    """(instance names, frame files) of a prediction clip folder (any accepted layout); nothing is read."""
    folder = Path(folder)
    subdirs = _dirs(folder)
    if [d.name for d in subdirs] == ["pha"] and not _images(folder):
        folder, subdirs = folder / "pha", _dirs(folder / "pha")
    direct = _images(folder)
    sub_names = {d.name for d in subdirs}
    frame_major = bool(subdirs) and sub_names <= set(stems) and not any(set(_images(d)) & set(stems) for d in subdirs)
    if frame_major:
        if sub_names != set(stems):
            missing = sorted(set(stems) - sub_names, key=natural_key)
            raise InputError(f"{folder}: frame folder {missing[0]!r} missing ({len(sub_names)} of {len(stems)} frames)")
        # frame-major (MaGGIe's saved results): <frame>/<instance>.png
        per_frame = {d.name: _images(d) for d in subdirs}
        names = sorted(set().union(*[set(v) for v in per_frame.values()]))
        for f, imgs in per_frame.items():
            if sorted(imgs) != names:
                lacking = sorted(set(names) - set(imgs))
                raise InputError(f"{folder / f}: lacks instance image(s) {lacking} present in other frames")
        per_inst = {n: {f: per_frame[f][n] for f in stems} for n in names}
    elif subdirs:
        per_inst = {d.name: _images(d) for d in subdirs}
        for name, frames in per_inst.items():  # each instance folder against the ground truth's frames
            if not frames:
                raise InputError(f"{folder / name}: predicted instance folder has no frames")
            if set(frames) != set(stems):
                missing = sorted(set(stems) - set(frames), key=natural_key)
                extra = sorted(set(frames) - set(stems), key=natural_key)
                detail = f"missing frame {missing[0]!r}" if missing else f"extra frame {extra[0]!r}"
                raise InputError(f"{folder / name}: {len(frames)} frames, the ground truth has {len(stems)} ({detail})")
    elif direct:
        got = set(direct)
        if got != set(stems):
            missing = sorted(set(stems) - got, key=natural_key)
            detail = f"missing frame {missing[0]!r}" if missing else f"extra frame {sorted(got - set(stems), key=natural_key)[0]!r}"
            raise InputError(f"{folder}: {len(got)} frames, the ground truth has {len(stems)} ({detail})")
        per_inst = {folder.name: direct}
    else:
        return [], InstanceFrames(folder, [])
    names = sorted(per_inst)
    return names, InstanceFrames(folder, [[per_inst[n][s] for s in stems] for n in names])


def read_pred_clip(folder: Path, stems: list[str], shape: tuple[int, int]) -> tuple[list[str], np.ndarray]:
    """(instance names, float32 (m, T, H, W)) of a prediction clip folder (held whole)."""
    names, files = list_pred_clip(folder, stems)
    if not names:
        return [], np.zeros((0, len(stems), *shape), dtype=np.float32)
    return names, files.expect(shape).stack()


@dataclass
class Expression:
    """One referring expression: its id, text and the instance names it refers to."""

    exp_id: str
    text: str
    instances: list[str]


def load_expressions(path: Path) -> dict[str, list[Expression]]:
    """{clip: [Expression]} from a MeViS-schema meta_expressions.json (obj_id a list or one value)."""
    path = Path(path)
    if path.exists() and not path.is_file():  # never opened: a FIFO would block forever
        kind = "a folder" if path.is_dir() else "a FIFO, socket or device"
        raise InputError(f"{path}: {kind}; the expressions file must be a regular JSON file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: expressions file does not exist") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable JSON file ({exc})") from None
    videos = data.get("videos") if isinstance(data, dict) else None
    if not isinstance(videos, dict):
        raise InputError(f"{path}: expected {{\"videos\": {{clip: {{\"expressions\": ...}}}}}} (MeViS schema)")
    out: dict[str, list[Expression]] = {}
    for clip, entry in videos.items():
        exps = entry.get("expressions") if isinstance(entry, dict) else None
        if not isinstance(exps, dict):
            raise InputError(f"{path}: video {clip!r} has no \"expressions\" object")
        items = []
        for exp_id, e in sorted(exps.items(), key=lambda kv: natural_key(str(kv[0]))):
            if not isinstance(e, dict) or "obj_id" not in e:
                raise InputError(f"{path}: expression {clip}/{exp_id} has no obj_id")
            obj = e["obj_id"]
            objs = [str(o) for o in (obj if isinstance(obj, list) else [obj])]
            if not objs:
                raise InputError(f"{path}: expression {clip}/{exp_id} has an empty obj_id list")
            items.append(Expression(str(exp_id), str(e.get("exp", "")), objs))
        out[str(clip)] = items
    return out
