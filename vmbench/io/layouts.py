"""Finding clips in a prediction tree and a ground-truth tree, and pairing their frames.

Three layouts are recognised (the ground truth decides; the prediction must mirror it):

* ``rvm-tree``     ``ROOT/<dataset>/<clip>/pha/<frame>`` (optional ``fgr/``): RVM, MatAnyone.
* ``clip-folders`` ``ROOT/<clip>/<frame>`` (or ``ROOT/<clip>/pha/<frame>``).
* ``single-clip``  ``ROOT/<frame>`` (or ``ROOT/pha/<frame>``): one clip.

Wherever a clip is expected, its frames may be (`clip_frames`): a ``pha/`` folder, a
``pha.<ext>`` video or NumPy stack (``pha.mp4``, ``pha.npy``..), the clip folder's own image files,
or a ``<clip>.<ext>`` or ``<clip>_pha.<ext>`` file (MatAnyone's naming) in place of the folder. An ``alpha/`` folder is read as ``pha/`` with a
note. Two of these at once is refused (vmbench does not guess which is the matte).

Image frames pair by file stem (so PNG predictions pair with JPEG ground truth); a video or a
stack pairs by position, its frame count checked against the ground truth. Anything that does not
pair exactly is an error that shows names from both sides. Layout rules (docs/formats.md):

* a stray image beside clip folders at a ground-truth root is refused; at a prediction root it is
  ignored with a note;
* a clip in one tree but not the other is refused, naming examples;
* a root written by ``vmbench make-dataset`` (``manifest.json`` with ``plain/`` and ``instance/``)
  is read through its ``plain/`` subtree, with a note (`resolve_dataset_root`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from vmbench.errors import InputError
from vmbench.sources import (
    CLIP_FILE_EXTENSIONS,
    IMAGE_EXTENSIONS,
    FrameSource,
    ImageFolder,
    Subset,
    natural_key,
    open_source,
    not_a_file_kind,
)

__all__ = ["ClipPair", "clip_frames", "detect_layout", "pair_clips", "pair_sources", "pair_sparse", "resolve_dataset_root"]

_CLIP_PARTS = {"pha", "alpha", "fgr", "com"}  # sub-folders of one clip, never clips themselves


@dataclass
class ClipPair:
    """One clip, paired: prediction and ground-truth frame sources (index i is the same frame in
    both), optional foregrounds and trimaps, and the layout's notes about it (`notes`: an alpha/
    folder read as pha/; on the first pair, those about the whole tree). `all_notes` adds the
    sources' own (lossy codec, frame order)."""

    dataset: str
    clip: str
    stems: list[str]
    pred: FrameSource
    gt: FrameSource
    pred_fgr: FrameSource | None = None
    gt_fgr: FrameSource | None = None
    trimaps: FrameSource | None = None
    notes: list[str] = field(default_factory=list)
    flows: list[Path | None] | None = None  # flows[i]: optical flow from frame i-1 to frame i (tcvom)

    def all_notes(self) -> list[str]:
        """The layout's notes on this clip, then those of its sources (lossy codec, frame order)."""
        sources = [self.pred, self.gt] + ([self.trimaps] if self.trimaps is not None else [])
        return self.notes + [n for s in sources for n in s.notes]


def _entries(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if not p.name.startswith(".")]
    except OSError:
        return []


def _images(folder: Path) -> list[Path]:
    return sorted((p for p in _entries(folder) if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()),
                  key=lambda p: natural_key(p.name))


def _subdirs(folder: Path) -> list[Path]:
    return sorted((p for p in _entries(folder) if p.is_dir()), key=lambda p: natural_key(p.name))


def _clip_files(folder: Path, stem: str) -> list[Path]:
    """The clip files `stem.<ext>` in `folder`; one that is there but not a regular file (a broken
    link, a FIFO that would block the decoder, a device) is refused by name, never opened."""
    found = []
    for ext in CLIP_FILE_EXTENSIONS:
        f = folder / f"{stem}{ext}"
        if f.is_file():
            found.append(f)
        elif f.is_symlink() or (f.exists() and not f.is_dir()):
            raise InputError(f"{f}: {not_a_file_kind(f)}; a video or stack must be a regular file")
    return found


def clip_frames(clip: Path, notes: list[str] | None = None) -> Path | None:
    """Where the alpha frames of the clip at `clip` are (a folder or a file), None if nowhere.

    Looks for ``clip/pha/``, ``clip/pha.<ext>``, ``clip/alpha/`` (noted), image files in ``clip``
    itself, and ``clip.<ext>`` or ``clip_pha.<ext>`` beside it; refuses when it finds more than one.
    """
    clip = Path(clip)
    if clip.is_file():
        return clip if clip.suffix.lower() in CLIP_FILE_EXTENSIONS else None
    found: list[tuple[Path, str]] = []
    if clip.is_dir():
        for name in ("pha", "alpha"):
            if (clip / name).is_dir() and (_images(clip / name) or not _subdirs(clip / name)):  # not an instance pha/
                found.append((clip / name, f"{name}/ ({len(_images(clip / name))} frames)"))
        found += [(f, f.name) for f in _clip_files(clip, "pha")]
        loose = _images(clip)
        if loose:
            found.append((clip, f"{len(loose)} loose frames ({loose[0].name}, ...)"))
    elif clip.parent.is_dir():  # <clip>.mp4, or MatAnyone's <clip>_pha.mp4
        found += [(f, f.name) for f in _clip_files(clip.parent, clip.name) + _clip_files(clip.parent, f"{clip.name}_pha")]
    if len(found) > 1:
        raise InputError(f"{clip}: holds {' and '.join(w for _, w in found)}; keep one "
                         "(vmbench will not guess which is the matte)")
    if not found:
        return None
    where = found[0][0]
    if where.name == "alpha" and where.is_dir() and notes is not None:
        notes.append(f"{where}: read as the clip's alpha folder (the layouts name it pha/)")
    return where


def resolve_dataset_root(root: Path, notes: list[str] | None = None, *, task: str = "plain") -> Path:
    """`root`, or its ``plain/`` (task plain) or ``instance/`` subtree when it is a root written by
    ``vmbench make-dataset`` (``manifest.json`` beside those subtrees); the choice is noted."""
    root = Path(root)
    sub = "plain" if task == "plain" else "instance"
    if (root / "manifest.json").is_file() and (root / sub).is_dir() and clip_frames(root) is None:
        if notes is not None:
            notes.append(f"{root}: a vmbench dataset root (manifest.json); read its {sub}/ subtree "
                         f"({root / sub})")
        return root / sub
    return root


def _clip_dir_of(folder: Path) -> bool:
    """True when `folder` looks like one clip (its frames are somewhere `clip_frames` looks)."""
    try:
        return clip_frames(folder) is not None
    except InputError:
        return True  # an ambiguous clip is still a clip: pairing reports it


def detect_layout(root: Path, notes: list[str] | None = None) -> tuple[str, list[tuple[str, str, Path]]]:
    """Return (layout name, [(dataset, clip, clip path)]) for a ground-truth root."""
    root = Path(root)
    if not root.exists():
        raise InputError(f"{root}: folder does not exist")
    if root.is_file():
        if root.suffix.lower() in CLIP_FILE_EXTENSIONS:
            return "single-clip", [("", root.stem, root)]
        raise InputError(f"{root}: not a folder")
    subdirs = [d for d in _subdirs(root) if d.name not in _CLIP_PARTS]
    clip_dirs = [d for d in subdirs if _clip_dir_of(d)]
    tree = [d for d in subdirs if any(_has_pha(c) for c in _subdirs(d))]
    here = clip_frames(root, notes)
    if here is not None:
        if clip_dirs or tree:
            loose = _images(root)
            shown = ", ".join(p.name for p in loose[:3]) or here.name
            dirs = ", ".join(d.name for d in (tree or clip_dirs)[:3])
            raise InputError(
                f"{root}: holds frames of its own ({shown}) and clip folders ({dirs}); is it one clip or a "
                "tree of clips? move the stray images out (or point at one clip)"
            )
        return "single-clip", [("", root.name, root)]
    if tree:
        clips = [(d.name, c.name, c) for d in tree for c in _subdirs(d) if _has_pha(c)]
        return "rvm-tree", clips
    clips = [("", d.name, d) for d in clip_dirs]
    clips += [("", c.name, c) for c in _file_clips(root)]
    if not clips:
        others = sorted({p.suffix.lower() or p.name for p in _entries(root) if p.is_file()})
        found = f"; found only {', '.join(others[:6])} files, which vmbench does not read as frames" if others else ""
        raise InputError(
            f"{root}: no frames found; expected <dataset>/<clip>/pha/<frame>, <clip>/<frame> or <frame> image "
            f"files (png, jpg, tif, exr, webp), or <clip>/pha.mp4 videos{found}"
        )
    return "clip-folders", sorted(clips, key=lambda c: natural_key(c[1]))


def _file_clips(folder: Path) -> list[Path]:
    """Clips stored as files in `folder`, as the clip paths they stand for: ``x.mp4`` and
    ``x_pha.mp4`` are clip ``x``; MatAnyone's ``x_fgr.mp4`` / ``x_com.mp4`` beside them are not alphas."""
    out = []
    for f in _entries(folder):
        if f.is_file() and f.suffix.lower() in CLIP_FILE_EXTENSIONS:
            stem = f.stem
            if stem.endswith(("_fgr", "_com")):
                continue
            out.append(folder / (stem[: -len("_pha")] if stem.endswith("_pha") else stem))
    return out


def _has_pha(clip: Path) -> bool:
    return (clip / "pha").is_dir() or (clip / "alpha").is_dir() or bool(_clip_files(clip, "pha"))


def _examples(names: list[str], k: int = 3) -> str:
    shown = ", ".join(names[:k])
    return shown + (f" ... ({len(names)} in all)" if len(names) > k else "")


def _unicode_hint(wanted, found) -> str:
    """A hint when names that were not found differ from names that were only by Unicode
    normalisation (macOS writes NFD, most tools NFC): they print the same but do not pair."""
    import unicodedata

    nfc = {unicodedata.normalize("NFC", str(n)): str(n) for n in found}
    for name in wanted:
        other = nfc.get(unicodedata.normalize("NFC", str(name)))
        if other is not None and other != str(name):
            return (f" ({ascii(str(name))} and {ascii(other)} look alike but differ in Unicode normalisation, "
                    "NFC vs NFD; rename one so the bytes match)")
    return ""


def pair_sources(pred: FrameSource, gt: FrameSource, *, what: str = "prediction") -> list[str]:
    """Check that `pred` has exactly the frames of `gt` (by stem; by position for a video or a
    stack) and return the frame ids in order; index i is then the same frame in both."""
    _check_nonempty(pred, gt, what)
    if pred.positional or gt.positional:
        if len(pred) != len(gt):
            raise InputError(
                f"{pred.path}: {len(pred)} {what} frames, the ground truth {gt.path} has {len(gt)} "
                "(a video or a NumPy stack pairs with the ground truth frame by frame, in order)"
            )
        return list(gt.stems)
    pred_stems = set(pred.stems)
    gt_stems = set(gt.stems)
    missing = [s for s in gt.stems if s not in pred_stems]
    extra = [s for s in pred.stems if s not in gt_stems]
    rule = "frames pair by equal file stem (the name without its extension)"
    if missing:
        theirs = [Path(pred.name(pred.stems.index(s))).name for s in (extra or pred.stems)]
        raise InputError(
            f"{pred.path}: {len(missing)} of {len(gt)} {what} frames missing; the ground truth has "
            f"{_examples([Path(gt.name(gt.stems.index(s))).name for s in missing])}, the {what} has "
            f"{_examples(theirs)}; {rule}{_unicode_hint(missing, extra)}"
        )
    if extra:
        raise InputError(
            f"{pred.name(pred.stems.index(extra[0]))}: {what} frame has no ground truth ({len(extra)} extra frames: "
            f"{_examples(extra)}); {rule}"
        )
    return list(gt.stems)


def _check_nonempty(pred: FrameSource, gt: FrameSource, what: str) -> None:
    if len(gt) == 0:
        raise InputError(f"{gt.path}: ground truth has no frames")
    if len(pred) == 0:
        raise InputError(f"{pred.path}: {what} has no frames (expected {len(gt)}){_unread(pred.path)}")


def pair_sparse(pred: FrameSource, gt: FrameSource, step: int,
                notes: list[str] | None = None) -> tuple[list[str], FrameSource]:
    """Ground truth on every `step`-th prediction frame only (CRGNN), paired as MatAnyone2's
    eval_crgnn.py pairs it: the k-th ground-truth frame (in order) is the (k*step)-th prediction
    frame; the frames between are not scored. A prediction too short for its ground truth is
    refused (the script would silently stop early). A prediction holding exactly the ground
    truth's stems (only the annotated frames) is paired by stem instead, with a note: the position
    rule would read frames that are not there. Returns the frame ids and the annotated prediction
    frames as a source."""
    _check_nonempty(pred, gt, "prediction")
    if not (pred.positional or gt.positional) and list(pred.stems) == list(gt.stems) and len(gt) > 1:
        if notes is not None:
            notes.append(f"{pred.path}: the prediction holds only the {len(gt)} annotated frames; paired by file "
                         f"name (eval_crgnn.py would read prediction frame {step}k for ground-truth frame k)")
        return list(gt.stems), pred
    need = (len(gt) - 1) * step + 1
    if len(pred) < need:
        raise InputError(
            f"{pred.path}: {len(pred)} prediction frames; the ground truth has {len(gt)} frames, one every "
            f"{step} prediction frames, so at least {need} are needed (the last, {gt.stems[-1]!r}, is prediction frame {need - 1})"
        )
    return list(gt.stems), Subset(pred, [k * step for k in range(len(gt))])


def _flow_files(flow_dir: Path, stems: list[str]) -> list[Path | None]:
    """VM108's flow_png naming: flow_<previous stem>_<stem>.png for every frame after the first."""
    return [None] + [flow_dir / f"flow_{a}_{b}.png" for a, b in zip(stems[:-1], stems[1:])]


def _unread(folder: Path) -> str:
    if not Path(folder).is_dir():
        return ""
    others = sorted({p.suffix.lower() for p in _entries(Path(folder)) if p.is_file() and p.suffix})
    return f"; found only {', '.join(others[:6])} files, which vmbench does not read as frames" if others else ""


def _same_path(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def pair_clips(pred_root: Path, gt_root: Path, *, trimap_root: Path | None = None, with_fgr: bool = False,
               precision: str = "u8", sparse_gt: int = 0, problems: list[str] | None = None,
               flow_root: Path | None = None) -> tuple[str, list[ClipPair]]:
    """Pair every ground-truth clip with its prediction; raise `InputError` on any mismatch.

    precision : how float frames are read (`vmbench.sources`).
    sparse_gt : ground truth on every `sparse_gt`-th prediction frame only (see `pair_sparse`).
    flow_root : a tree mirroring the ground truth's clips with VM108's flow PNGs (`_flow_files`).
    problems : collect instead of raising (``vmbench check``): each clip's problem and every
        missing or extra clip is appended as one line and that clip left out; problems with the
        roots themselves still raise.
    """
    pred_root, gt_root = Path(pred_root), Path(gt_root)
    if not pred_root.exists():
        raise InputError(f"{pred_root}: prediction folder does not exist")
    if _same_path(pred_root, gt_root):
        raise InputError(
            f"{pred_root}: the prediction and ground-truth paths are the same folder; "
            "every error would be zero (pass your predictions to --pred)"
        )
    tree_notes: list[str] = []
    resolved = resolve_dataset_root(gt_root, tree_notes)
    try:
        return _pair_tree(pred_root, resolved, trimap_root, with_fgr, precision, sparse_gt, problems, tree_notes,
                          flow_root)
    except InputError as exc:
        if resolved == gt_root:
            raise
        raise InputError(f"{exc} (read {gt_root} as a vmbench dataset root, through its plain/ subtree; "
                         f"instance or referring predictions: pass --task instance or --gt {gt_root / 'instance'})") from exc


def _pair_tree(pred_root: Path, gt_root: Path, trimap_root, with_fgr: bool, precision: str, sparse_gt: int,
               problems: list[str] | None, tree_notes: list[str], flow_root=None) -> tuple[str, list[ClipPair]]:
    layout, gt_clips = detect_layout(gt_root, tree_notes)
    if layout != "single-clip" and not pred_root.is_dir():
        raise InputError(f"{pred_root}: prediction path is not a folder (the ground truth is a {layout} tree)")
    located = []
    for dataset, clip, gt_clip in gt_clips:
        rel = Path(dataset, clip) if dataset else Path(clip)
        pred_clip = pred_root if layout == "single-clip" else pred_root / rel
        try:
            pred_at = clip_frames(pred_clip, tree_notes)
        except InputError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
            continue
        located.append((dataset, clip, rel, gt_clip, pred_clip, pred_at))
    _check_clip_sets(pred_root, gt_root, layout, located, tree_notes, problems)
    pairs: list[ClipPair] = []
    for dataset, clip, rel, gt_clip, pred_clip, pred_at in located:
        if pred_at is None:
            continue  # reported as a problem by _check_clip_sets
        try:
            pairs.append(_pair_clip(dataset, clip, rel, gt_clip, pred_clip, pred_at, layout, trimap_root,
                                    with_fgr, precision, sparse_gt, flow_root))
        except InputError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
    if pairs:
        pairs[0].notes[:0] = tree_notes
    elif problems is not None:
        problems[:0] = tree_notes
    return layout, pairs


def _pair_clip(dataset: str, clip: str, rel: Path, gt_clip: Path, pred_clip: Path, pred_at: Path, layout: str,
               trimap_root, with_fgr: bool, precision: str, sparse_gt: int, flow_root=None) -> ClipPair:
    """Pair one ground-truth clip's frames (and fgr/, trimaps) with its prediction."""
    notes: list[str] = []
    gt_at = gt_clip if gt_clip.is_file() else clip_frames(gt_clip, notes)
    if gt_at is None:
        raise InputError(f"{gt_clip}: ground-truth clip has no frames")
    if _same_path(pred_at, gt_at):
        raise InputError(f"{pred_at}: prediction and ground truth are the same folder")
    pred = open_source(pred_at, precision=precision)
    gt = open_source(gt_at, precision=precision)
    if sparse_gt:
        stems, pred = pair_sparse(pred, gt, sparse_gt, notes)
    else:
        stems = pair_sources(pred, gt)
    pair = ClipPair(dataset, clip, stems, pred, gt, notes=notes)
    if flow_root is not None:
        flow_dir = Path(flow_root) / rel if layout != "single-clip" else Path(flow_root)
        if not flow_dir.is_dir():
            raise InputError(f"{flow_dir}: flow folder missing for clip {rel}")
        pair.flows = _flow_files(flow_dir, stems)
    if with_fgr and pred_clip.is_dir() and (gt_clip / "fgr").is_dir() and (pred_clip / "fgr").is_dir():
        pair.pred_fgr, pair.gt_fgr = ImageFolder(pred_clip / "fgr"), ImageFolder(gt_clip / "fgr")
        if sparse_gt:
            _, pair.pred_fgr = pair_sparse(pair.pred_fgr, pair.gt_fgr, sparse_gt)
        else:
            pair_sources(pair.pred_fgr, pair.gt_fgr, what="foreground")
    if trimap_root is not None:
        tri_clip = Path(trimap_root) / rel if layout != "single-clip" else Path(trimap_root)
        tri_at = clip_frames(tri_clip, pair.notes)
        if tri_at is None:
            raise InputError(f"{tri_clip}: trimap folder missing for clip {rel}")
        pair.trimaps = open_source(tri_at)
        pair_sources(pair.trimaps, gt, what="trimap")
    return pair


def _check_clip_sets(pred_root: Path, gt_root: Path, layout: str, located: list, notes: list[str],
                     problems: list[str] | None = None) -> None:
    """Every ground-truth clip has a prediction and every predicted clip a ground truth."""
    def fail(message: str) -> None:
        if problems is None:
            raise InputError(message)
        problems.append(message)

    missing = [(rel, gt_clip, pred_clip) for _, _, rel, gt_clip, pred_clip, at in located if at is None]
    if layout == "single-clip":
        if missing:
            raise InputError(f"{pred_root}: no prediction frames found (the ground truth {gt_root} is one clip; "
                             f"expected {pred_root}/<frame> image files, {pred_root}/pha/ or a video){_unread(pred_root)}")
        return
    if located and len(missing) == len(located):
        found = [p.name for p in _subdirs(pred_root)] + [p.name for p in _entries(pred_root) if p.is_file()]
        rel, _, pred_clip = missing[0]
        raise InputError(
            f"{pred_root}: matches no ground-truth clip of {gt_root} (layout {layout}; expected e.g. "
            f"{pred_clip}{'/pha' if layout == 'rvm-tree' else ''}/<frame>; found {_examples(sorted(found)) or 'nothing'})"
            f"{_unicode_hint([Path(m[2]).relative_to(pred_root).parts[0] for m in missing], found)}"
        )
    if len(missing) > 1 and problems is None:
        rel, gt_clip, pred_clip = missing[0]
        raise InputError(
            f"{pred_clip}: missing prediction clip (ground truth {gt_clip}); {len(missing)} of {len(located)} "
            f"ground-truth clips have no prediction: {_examples([str(m[0]) for m in missing])}"
            f"{_unicode_hint([Path(m[2]).name for m in missing], [p.name for d in {Path(m[2]).parent for m in missing} for p in _entries(d)])}"
        )
    for rel, gt_clip, pred_clip in missing:
        fail(f"{pred_clip}: missing prediction clip (ground truth {gt_clip})")
    expected = {Path(pred_clip) for *_, pred_clip, _ in located}
    expected |= {Path(at) for *_, at in located if at is not None}
    if layout == "rvm-tree":
        candidates = [c for d in _subdirs(pred_root) for c in _subdirs(d)]
        candidates += [c for d in _subdirs(pred_root) for c in _file_clips(d)]
    else:
        candidates = [d for d in _subdirs(pred_root) if d.name not in _CLIP_PARTS]
        candidates += _file_clips(pred_root)
    extra = [c for c in candidates if c not in expected and _clip_dir_of(c)]
    if extra and problems is None:
        raise InputError(
            f"{extra[0]}: prediction clip has no ground truth ({len(extra)} such clip(s): "
            f"{_examples([str(c.relative_to(pred_root)) for c in extra])}); it would silently drop out of the mean"
        )
    for c in extra:
        fail(f"{c}: prediction clip has no ground truth")
    stray = _images(pred_root)
    if stray:
        notes.append(f"{pred_root}: {len(stray)} stray image(s) at the prediction root ignored "
                     f"({_examples([p.name for p in stray])}); clips are read from its sub-folders")
