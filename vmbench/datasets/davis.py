"""Score a DAVIS 2017 tree (semi-supervised J&F) as davis2017-evaluation@ac7c43f does.

Ground truth: ``DAVIS/Annotations/480p/<sequence>/%05d.png``, palette PNGs whose index is the object
id (0 background, 255 void); sequences from ``DAVIS/ImageSets/2017/val.txt`` (every annotated
sequence, with a note, when that list is absent). Predictions: ``PRED/<sequence>/<stem>.png``,
palette (or 8-bit grey) PNGs of the same ids, read as indices, never as colours.

The reference's semi-supervised rules, reproduced here:

* objects are the ids 1..max of the ground truth's FIRST frame (void set to 0 first);
* the first and last frame are not scored (``[:, 1:-1]``); the prediction is read for the others;
* a prediction id above that count is refused (the reference exits); a missing id scores as an
  empty mask (its zero padding);
* void pixels become background and are NOT left out of J or F: ``_evaluate_semisupervised`` is
  called with ``None`` for the void masks (only the unsupervised task passes them, not built here);
* per object: mean, recall and decay of the per-frame J and F (``db_statistics``); the dataset row is
  the plain mean over all objects, J&F-Mean = (J-Mean + F-Mean) / 2; per-sequence rows are
  ``<sequence>_<id>`` with J-Mean and F-Mean, as ``per-sequence_results-val.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vmbench.errors import InputError
from vmbench.instance.davis import davis_f, davis_j, davis_statistics

__all__ = ["VOID", "read_index_png", "davis_sequences", "read_sequence", "score_davis", "check_davis",
           "format_davis"]

VOID = 255
ANNOTATIONS = Path("Annotations", "480p")
SEQUENCE_LIST = Path("ImageSets", "2017", "val.txt")
_INDEX_MODES = ("P", "L")  # np.array(Image.open(...)) gives the ids for both, as results.py reads them


def read_index_png(path: Path) -> np.ndarray:
    """uint8 (H, W) object-id map of a palette (or 8-bit grey) PNG; one-line refusal otherwise."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: missing (DAVIS scores every annotated frame but the first and last)")
    try:
        with Image.open(path) as im:
            mode = im.mode
            if im.format != "PNG":
                raise InputError(f"{path}: a {im.format} file, not a PNG; DAVIS masks are palette PNGs")
            if mode not in _INDEX_MODES:
                raise InputError(f"{path}: a {mode} PNG, not a palette (index) PNG: DAVIS masks hold object ids "
                                 "as palette indices; colours cannot be read as ids (save with mode 'P')")
            return np.array(im, dtype=np.uint8)
    except (UnidentifiedImageError, OSError, SyntaxError) as err:
        raise InputError(f"{path}: not a readable PNG ({err})") from None


def davis_sequences(gt_root: Path, notes: list[str]) -> list[str]:
    """Sequence names: ImageSets/2017/val.txt, else every folder of Annotations/480p (noted)."""
    gt_root = Path(gt_root)
    ann = gt_root / ANNOTATIONS
    if not ann.is_dir():
        raise InputError(f"{gt_root}: no {ANNOTATIONS}/ folder; --gt must be the DAVIS folder "
                         "(DAVIS/Annotations/480p/<sequence>/%05d.png)")
    listing = gt_root / SEQUENCE_LIST
    if listing.is_file():
        names = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
    else:
        names = sorted(p.name for p in ann.iterdir() if p.is_dir() and not p.name.startswith("."))
        notes.append(f"{listing}: not found; scoring every sequence of {ann} ({len(names)})")
    if not names:
        raise InputError(f"{ann}: no sequence to score")
    return names


def read_sequence(seq: str, gt_dir: Path, pred_dir: Path) -> tuple[list[str], np.ndarray, np.ndarray, int]:
    """(scored stems, gt ids (T-2, H, W) with void as 0, pred ids, object count) of one sequence;
    every refusal the reference's rules imply, as one InputError line naming the file."""
    files = sorted(gt_dir.glob("*.png"))
    if not files:
        raise InputError(f"{gt_dir}: no annotation PNG (sequence {seq} is listed)")
    gt = np.stack([read_index_png(f) for f in files])
    if gt.shape[0] < 3:
        raise InputError(f"{gt_dir}: {gt.shape[0]} frame(s); the semi-supervised rule drops the first and last, "
                         "which leaves none to score")
    gt[gt == VOID] = 0
    n_objects = int(gt[0].max())
    stems = [f.stem for f in files][1:-1]
    gt = gt[1:-1]
    if not pred_dir.is_dir():
        raise InputError(f"{pred_dir}: missing (sequence {seq} of the ground truth has no prediction folder)")
    pred = []
    for stem, g in zip(stems, gt):
        p = read_index_png(pred_dir / f"{stem}.png")
        if p.shape != g.shape:
            raise InputError(f"{pred_dir / f'{stem}.png'}: {p.shape[1]}x{p.shape[0]}, the ground truth is "
                             f"{g.shape[1]}x{g.shape[0]}")
        pred.append(p)
    pred = np.stack(pred)
    top = int(pred.max())
    if top > n_objects:
        t = int(np.argmax(pred.reshape(len(pred), -1).max(axis=1) == top))
        raise InputError(f"{pred_dir / f'{stems[t]}.png'}: object id {top}, but sequence {seq} has {n_objects} "
                         "object(s) in its first ground-truth frame (davis2017-evaluation refuses this too)")
    return stems, gt, pred, n_objects


def _score_sequence(seq: str, gt_dir: Path, pred_dir: Path) -> tuple[list[dict], list[dict]]:
    """(object rows, frame rows) of one sequence."""
    stems, gt, pred, n_objects = read_sequence(seq, gt_dir, pred_dir)
    objects, frames = [], []
    for k in range(1, n_objects + 1):
        j = np.array([davis_j(p == k, g == k) for p, g in zip(pred, gt)], dtype=np.float64)
        f = np.array([davis_f(p == k, g == k) for p, g in zip(pred, gt)], dtype=np.float64)
        jm, jr, jd = davis_statistics(j)
        fm, fr, fd = davis_statistics(f)
        name = f"{seq}_{k}"
        objects.append({"Sequence": name, "J-Mean": jm, "J-Recall": jr, "J-Decay": jd,
                        "F-Mean": fm, "F-Recall": fr, "F-Decay": fd})
        frames += [{"Sequence": name, "frame": s, "J": float(a), "F": float(b)} for s, a, b in zip(stems, j, f)]
    return objects, frames


def score_davis(pred_root: Path, gt_root: Path) -> dict:
    """The result dict of ``vmbench eval --dataset davis`` (summary, one row per object, per frame)."""
    pred_root, gt_root = Path(pred_root), Path(gt_root)
    if not pred_root.is_dir():
        raise InputError(f"{pred_root}: not a folder (--pred must hold <sequence>/<frame>.png)")
    notes: list[str] = []
    objects, frames = [], []
    for seq in davis_sequences(gt_root, notes):
        o, fr = _score_sequence(seq, gt_root / ANNOTATIONS / seq, pred_root / seq)
        if not o:
            notes.append(f"{gt_root / ANNOTATIONS / seq}: no object in the first frame; the sequence adds no row")
        objects += o
        frames += fr
    if not objects:
        raise InputError(f"{gt_root / ANNOTATIONS}: no sequence has an object in its first frame; nothing to score")
    col = {k: float(np.mean([o[k] for o in objects])) for k in objects[0] if k != "Sequence"}
    summary = {"J&F": (col["J-Mean"] + col["F-Mean"]) / 2, "J": col["J-Mean"], "J-Recall": col["J-Recall"],
               "J-Decay": col["J-Decay"], "F": col["F-Mean"], "F-Recall": col["F-Recall"], "F-Decay": col["F-Decay"]}
    return {"task": "davis", "protocol": "davis", "summary": summary, "clips": objects, "frames": frames,
            "notes": notes}


def check_davis(pred_root: Path, gt_root: Path):
    """`vmbench check --dataset davis`: every sequence read as eval reads it, nothing scored; a
    CheckReport with one error per sequence eval would refuse (eval stops at the first)."""
    from vmbench.preflight import CheckReport

    pred_root, gt_root = Path(pred_root), Path(gt_root)
    report = CheckReport()
    notes: list[str] = []
    try:
        names = davis_sequences(gt_root, notes)
    except InputError as err:
        report.error(str(err))
        return report
    report.clips = len(names)
    empty = 0
    for seq in names:
        try:
            stems, _, _, n_objects = read_sequence(seq, gt_root / ANNOTATIONS / seq, pred_root / seq)
        except InputError as err:
            report.error(str(err))
            continue
        report.clips_paired += 1
        report.frames += 2 * len(stems) + 2  # ground truth (every frame) and predictions (scored ones)
        if not n_objects:
            empty += 1
            notes.append(f"{gt_root / ANNOTATIONS / seq}: no object in the first frame; the sequence adds no row")
    if empty == len(names) and not report.errors:
        report.error(f"{gt_root / ANNOTATIONS}: no sequence has an object in its first frame; nothing to score")
    for n in notes:
        report.note(n)
    return report


def format_davis(data: dict) -> str:
    """The reference's two tables: global (J&F-Mean, J-*, F-*) and per sequence (J-Mean, F-Mean)."""
    from tabulate import tabulate

    s = data["summary"]
    head = ["J&F-Mean", "J-Mean", "J-Recall", "J-Decay", "F-Mean", "F-Recall", "F-Decay"]
    keys = ["J&F", "J", "J-Recall", "J-Decay", "F", "F-Recall", "F-Decay"]
    lines = [f"note: {n}" for n in data.get("notes", [])]
    lines += ["protocol davis (davis2017-evaluation, semi-supervised)",
              tabulate([[s[k] for k in keys]], headers=head, floatfmt=".3f"), "",
              tabulate([[o["Sequence"], o["J-Mean"], o["F-Mean"]] for o in data["clips"]],
                       headers=["Sequence", "J-Mean", "F-Mean"], floatfmt=".3f")]
    return "\n".join(lines)
