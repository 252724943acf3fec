"""Finding clips in a prediction tree and a ground-truth tree, and pairing their frames by stem.

Three layouts are recognised (the ground truth decides; the prediction must mirror it):

* ``rvm-tree``    ``ROOT/<dataset>/<clip>/pha/<frame>`` (optional ``fgr/``): RVM, MatAnyone.
* ``clip-folders`` ``ROOT/<clip>/<frame>`` (or ``ROOT/<clip>/pha/<frame>``).
* ``single-clip`` ``ROOT/<frame>`` (or ``ROOT/pha/<frame>``): one clip.

In every layout a clip's frames may sit directly in the clip folder or in its ``pha/`` folder, so
RVM-style and flat predictions both work. Frames are paired by file stem, so PNG predictions pair
with JPEG ground truth (the 1920x1080 sets). Anything that does not pair exactly is an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from vmbench.errors import InputError
from vmbench.io.frames import IMAGE_EXTENSIONS, list_frames, natural_key

__all__ = ["ClipPair", "detect_layout", "pair_clips"]


@dataclass
class ClipPair:
    """One clip's frames, paired by stem: prediction, ground truth and optional extras."""

    dataset: str
    clip: str
    stems: list[str]
    pred: list[Path]
    gt: list[Path]
    pred_fgr: list[Path] | None = None
    gt_fgr: list[Path] | None = None
    trimaps: list[Path] | None = None
    flows: list[Path | None] | None = None  # flows[i]: optical flow from frame i-1 to frame i (tcvom)
    notes: list[str] = field(default_factory=list)  # what pairing did that the user should know


def _has_images(folder: Path) -> bool:
    try:
        return any(
            p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".") and p.is_file()
            for p in folder.iterdir()
        )
    except OSError:
        return False


def _subdirs(folder: Path) -> list[Path]:
    return sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: natural_key(p.name),
    )


def _frames_dir(clip_dir: Path) -> Path:
    pha = clip_dir / "pha"
    return pha if pha.is_dir() else clip_dir


def detect_layout(root: Path) -> tuple[str, list[tuple[str, str, Path]]]:
    """Return (layout name, [(dataset, clip, clip_dir)]) for a ground-truth root."""
    root = Path(root)
    if not root.exists():
        raise InputError(f"{root}: folder does not exist")
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    if _has_images(root) or (root / "pha").is_dir() and _has_images(root / "pha"):
        return "single-clip", [("", root.name, root)]
    clips: list[tuple[str, str, Path]] = []
    subdirs = _subdirs(root)
    tree = [d for d in subdirs if any((c / "pha").is_dir() for c in _subdirs(d))]
    if tree:
        for dataset_dir in tree:
            for clip_dir in _subdirs(dataset_dir):
                if (clip_dir / "pha").is_dir():
                    clips.append((dataset_dir.name, clip_dir.name, clip_dir))
        return "rvm-tree", clips
    for clip_dir in subdirs:
        if _has_images(_frames_dir(clip_dir)):
            clips.append(("", clip_dir.name, clip_dir))
    if not clips:
        raise InputError(
            f"{root}: no frames found; expected <dataset>/<clip>/pha/<frame>, <clip>/<frame> or <frame> image files"
        )
    return "clip-folders", clips


def _by_stem(folder: Path) -> dict[str, Path]:
    files = list_frames(folder)
    out: dict[str, Path] = {}
    for f in files:
        if f.stem in out:
            raise InputError(f"{folder}: two frames share the stem {f.stem!r} ({out[f.stem].name}, {f.name})")
        out[f.stem] = f
    return out


def _pair_frames(pred_dir: Path, gt_dir: Path, sparse_gt: int = 0,
                 notes: list[str] | None = None) -> tuple[list[str], list[Path], list[Path]]:
    gt = _by_stem(gt_dir)
    if not gt:
        raise InputError(f"{gt_dir}: ground-truth folder has no frames")
    pred = _by_stem(pred_dir)
    if not pred:
        raise InputError(f"{pred_dir}: prediction folder has no frames (expected {len(gt)})")
    if sparse_gt:
        return _pair_sparse(pred_dir, pred, gt, sparse_gt, notes if notes is not None else [])
    missing = [s for s in gt if s not in pred]
    if missing:
        raise InputError(
            f"{pred_dir}: {len(missing)} of {len(gt)} prediction frames missing, first {missing[0]!r} "
            f"(ground truth {gt[missing[0]]})"
        )
    extra = [s for s in pred if s not in gt]
    if extra:
        raise InputError(f"{pred[extra[0]]}: prediction frame has no ground truth ({len(extra)} extra frames)")
    stems = sorted(gt, key=natural_key)
    return stems, [pred[s] for s in stems], [gt[s] for s in stems]


def _pair_sparse(pred_dir: Path, pred: dict[str, Path], gt: dict[str, Path], step: int,
                 notes: list[str]) -> tuple[list[str], list[Path], list[Path]]:
    """Ground truth on every `step`-th prediction frame only (CRGNN), paired as MatAnyone2's
    eval_crgnn.py pairs them: the k-th ground-truth frame in sorted file-name order is the
    (k*step)-th prediction frame in sorted order; the frames between are not scored. Where the
    prediction runs out the reference stops, and so does this (a note says how many were scored).
    A prediction holding exactly the ground truth's stems (only the annotated frames) is paired by
    stem instead, with a note: the reference's position rule would read frames that are not there."""
    stems = sorted(gt)
    order = sorted(pred)
    if order == stems:
        notes.append(f"{pred_dir}: the prediction holds only the {len(stems)} annotated frames; paired by file name "
                     f"(eval_crgnn.py would read prediction frame {step}k for ground-truth frame k)")
        return stems, [pred[s] for s in stems], [gt[s] for s in stems]
    usable = min(len(stems), (len(order) - 1) // step + 1)
    if usable < len(stems):
        notes.append(f"{pred_dir}: {len(order)} prediction frames reach only {usable} of the {len(stems)} ground-truth "
                     f"frames (ground-truth frame k is prediction frame {step}k); the rest are not scored, as "
                     f"eval_crgnn.py stops there")
    return stems[:usable], [pred[order[k * step]] for k in range(usable)], [gt[s] for s in stems[:usable]]


def _flow_files(flow_dir: Path, stems: list[str]) -> list[Path | None]:
    """VM108's flow_png naming: flow_<previous stem>_<stem>.png for every frame after the first."""
    return [None] + [flow_dir / f"flow_{a}_{b}.png" for a, b in zip(stems[:-1], stems[1:])]


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def pair_clips(pred_root: Path, gt_root: Path, *, trimap_root: Path | None = None, with_fgr: bool = False,
               sparse_gt: int = 0, problems: list[str] | None = None,
               flow_root: Path | None = None) -> tuple[str, list[ClipPair]]:
    """Pair every ground-truth clip with its prediction; raise `InputError` on any mismatch.

    sparse_gt : ground truth on every `sparse_gt`-th prediction frame only (see `_pair_sparse`).
    flow_root : a tree mirroring the ground truth's clips with VM108's flow PNGs (`_flow_files`).
    problems : collect instead of raising (``vmbench check``): each clip's problem and every extra
        prediction clip is appended as one line and that clip left out; problems with the roots
        themselves still raise.
    """
    pred_root, gt_root = Path(pred_root), Path(gt_root)
    if not pred_root.exists():
        raise InputError(f"{pred_root}: prediction folder does not exist")
    if not pred_root.is_dir():
        raise InputError(f"{pred_root}: prediction path is not a folder")
    if _same_folder(pred_root, gt_root):
        raise InputError(
            f"{pred_root}: the prediction and ground-truth paths are the same folder; "
            "every error would be zero (pass your predictions to --pred)"
        )
    layout, gt_clips = detect_layout(gt_root)
    pred_dirs = [pred_root if layout == "single-clip" else pred_root / _rel(d, c) for d, c, _ in gt_clips]
    if not any(p.is_dir() for p in pred_dirs):
        raise InputError(
            f"{pred_root}: matches no ground-truth clip of {gt_root} (layout {layout}; "
            f"expected e.g. {pred_dirs[0]}{'/pha' if layout == 'rvm-tree' else ''}/<frame>)"
        )
    pairs: list[ClipPair] = []
    for (dataset, clip, gt_clip_dir), pred_clip_dir in zip(gt_clips, pred_dirs):
        try:
            pairs.append(_pair_clip(pred_clip_dir, gt_clip_dir, dataset, clip, layout, trimap_root, with_fgr, sparse_gt,
                                    flow_root))
        except InputError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
    if layout != "single-clip":
        _check_extra_clips(pred_root, layout, set(pred_dirs), problems)
    return layout, pairs


def _rel(dataset: str, clip: str) -> Path:
    return Path(dataset, clip) if dataset else Path(clip)


def _pair_clip(pred_clip_dir: Path, gt_clip_dir: Path, dataset: str, clip: str, layout: str,
               trimap_root: Path | None, with_fgr: bool, sparse_gt: int, flow_root: Path | None = None) -> ClipPair:
    """Pair one ground-truth clip's frames (and fgr/, trimaps) with its prediction clip."""
    if not pred_clip_dir.is_dir():
        raise InputError(f"{pred_clip_dir}: missing prediction clip (ground truth {gt_clip_dir})")
    if _same_folder(_frames_dir(pred_clip_dir), _frames_dir(gt_clip_dir)):
        raise InputError(f"{pred_clip_dir}: prediction and ground truth are the same folder")
    notes: list[str] = []
    stems, pred_files, gt_files = _pair_frames(_frames_dir(pred_clip_dir), _frames_dir(gt_clip_dir), sparse_gt, notes)
    pair = ClipPair(dataset, clip, stems, pred_files, gt_files, notes=notes)
    if flow_root is not None:
        flow_dir = Path(flow_root) / _rel(dataset, clip) if layout != "single-clip" else Path(flow_root)
        if not flow_dir.is_dir():
            raise InputError(f"{flow_dir}: flow folder missing for clip {_rel(dataset, clip)}")
        pair.flows = _flow_files(flow_dir, stems)
    if with_fgr and (gt_clip_dir / "fgr").is_dir() and (pred_clip_dir / "fgr").is_dir():
        _, pair.pred_fgr, pair.gt_fgr = _pair_frames(pred_clip_dir / "fgr", gt_clip_dir / "fgr", sparse_gt)
    if trimap_root is not None:
        rel = _rel(dataset, clip)
        tri_dir = Path(trimap_root) / rel if layout != "single-clip" else Path(trimap_root)
        tri_dir = _frames_dir(tri_dir) if tri_dir.is_dir() else tri_dir
        if not tri_dir.is_dir():
            raise InputError(f"{tri_dir}: trimap folder missing for clip {rel}")
        _, trimaps, _ = _pair_frames(tri_dir, _frames_dir(gt_clip_dir))
        pair.trimaps = trimaps
    return pair


def _check_extra_clips(pred_root: Path, layout: str, expected: set[Path], problems: list[str] | None = None) -> None:
    """A predicted clip with no ground truth is an error: it would silently drop out of the mean."""
    if layout == "rvm-tree":
        candidates = [c for d in _subdirs(pred_root) for c in _subdirs(d)]
    else:
        candidates = _subdirs(pred_root)
    for cand in candidates:
        if cand not in expected and _has_images(_frames_dir(cand)):
            message = f"{cand}: prediction clip has no ground truth"
            if problems is None:
                raise InputError(message)
            problems.append(message)
