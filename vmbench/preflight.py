"""`vmbench check`: everything `eval` would refuse or note about a submission, found in one pass.

Nothing is scored. The trees are paired by the same code as `eval` (`vmbench.io.layouts.pair_clips`
in its collect mode; the instance layout's readers clip by clip), so a clip that `eval` would refuse
is reported, with the same message, and the others are still checked. Every frame is then read
once, through the same reader as `eval` (in threads: the reader releases the GIL), and looked at:

* errors (exit code 1): whatever the pairing or the reader refuses, and frame-size mismatches;
* notes (exit code 0): the reader's conversions (16-bit, colour), lossy files (JPEG), a matte kept
  only in the A channel of an RGBA file with black RGB (the reference reads luma: zeros),
  predictions equal to the ground truth, constant or all-zero prediction clips, 0/1 masks, frame
  names whose plain ``sorted()`` order (the reference's) differs from their numeric order.

Per-file notes of one kind are grouped into one line (count, a few names, one full path).
"""

from __future__ import annotations

import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vmbench.errors import InputError

__all__ = ["Finding", "CheckReport", "check_plain", "check_instance", "check_referring"]

_LOSSY = {".jpg": "jpeg", ".jpeg": "jpeg"}


@dataclass(frozen=True)
class Finding:
    """One line of the report: ``level`` is "error" (eval refuses) or "note"; ``message`` names the file."""

    level: str
    message: str


@dataclass
class CheckReport:
    """What `check` found, and how much it looked at."""

    findings: list[Finding] = field(default_factory=list)
    clips: int = 0
    clips_paired: int = 0
    frames: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "note"]

    def error(self, message: str) -> None:
        self.findings.append(Finding("error", message))

    def note(self, message: str) -> None:
        self.findings.append(Finding("note", message))

    def summary_line(self) -> str:
        verdict = "eval would refuse this submission" if self.errors else (
            "eval would score it, with the notes above" if self.notes else "clean")
        return (f"check: {self.clips_paired} of {self.clips} clips paired, {self.frames} frames read; "
                f"{len(self.errors)} error(s), {len(self.notes)} note(s): {verdict}")


class _FileNotes:
    """Per-file notes grouped by kind: one line per kind, naming a few files."""

    def __init__(self) -> None:
        self.by_kind: dict[str, list[str]] = defaultdict(list)

    def add(self, path, what: str) -> None:
        self.by_kind[what].append(str(path))

    def add_reader_notes(self, lines: list[str]) -> None:
        for line in lines:
            path, _, what = line.rpartition(": ")
            self.add(path, what)

    def lines(self, keep: int = 3) -> list[str]:
        out = []
        for what, paths in self.by_kind.items():
            shown = ", ".join(os.path.basename(p) for p in paths[:keep])
            more = f" and {len(paths) - keep} more" if len(paths) > keep else ""
            out.append(f"{len(paths)} file(s) {what}: {shown}{more} (e.g. {paths[0]})")
        return out


def _order_note(where, stems: list[str]) -> str | None:
    """A note when plain sorted() (RVM, MatAnyone, CRGNN scripts) orders the names differently."""
    from vmbench.io.frames import natural_key

    numeric = sorted(stems, key=natural_key)
    plain = sorted(stems)
    if plain == numeric:
        return None
    first = next(i for i, (a, b) in enumerate(zip(plain, numeric)) if a != b)
    return (f"{where}: frame names are not zero-padded; the reference scripts' sorted() order puts "
            f"{plain[first]!r} at position {first} where vmbench's numeric order has {numeric[first]!r} "
            "(dtSSD and per-index pooling would differ)")


def _rgba_matte_in_alpha(path: Path) -> bool:
    """True when an RGBA file has black RGB and a non-zero A: the matte is only in A."""
    import cv2

    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    return raw is not None and raw.ndim == 3 and raw.shape[2] == 4 and not raw[..., :3].any() and raw[..., 3].any()


class _ClipStats:
    """Running facts about one clip's predictions, one frame at a time."""

    def __init__(self) -> None:
        self.lo, self.hi = 255, 0
        self.first_value = None
        self.constant = True
        self.equal_gt = True
        self.gt_hi = 0
        self.frames = 0

    def add(self, pred: np.ndarray, gt: np.ndarray | None) -> None:
        lo, hi = int(pred.min()), int(pred.max())
        self.lo, self.hi = min(self.lo, lo), max(self.hi, hi)
        if self.first_value is None:
            self.first_value = lo
        self.constant = self.constant and lo == hi == self.first_value
        if gt is None:
            self.equal_gt = False
        else:
            self.gt_hi = max(self.gt_hi, int(gt.max()))
            self.equal_gt = self.equal_gt and gt.shape == pred.shape and np.array_equal(pred, gt)
        self.frames += 1

    def report(self, where: str, report: CheckReport) -> None:
        if not self.frames:
            return
        if self.equal_gt:
            report.note(f"{where}: prediction is identical to the ground truth in every frame "
                        "(was --pred given the ground truth?); every error would be 0")
        elif self.hi == 0:
            report.note(f"{where}: prediction is empty (0 in every pixel of every frame)")
        elif self.constant:
            report.note(f"{where}: prediction is constant ({self.lo} in every pixel of every frame)")
        elif self.hi == 1:
            report.note(f"{where}: prediction values are only 0 and 1 (of 255): a 0/1 mask saved without x255? "
                        "it is scored as alphas of at most 1/255")
        if self.gt_hi == 1:
            report.note(f"{where}: ground-truth values are only 0 and 1 (of 255): a 0/1 mask?")


def _frames_of(side):
    """(count, read(i, notes), name(i), lossy codec of frame i or None) for one side of a ClipPair:
    a list of frame files (read with eval's reader) or a FrameSource (its own `read`)."""
    if hasattr(side, "read"):  # a FrameSource
        return len(side), side.read, side.name, (lambda i: side.lossy)
    from vmbench.io.frames import read_alpha_u8

    return (len(side), (lambda i, notes: read_alpha_u8(side[i], notes)), (lambda i: str(side[i])),
            (lambda i: _LOSSY.get(Path(side[i]).suffix.lower())))


def _read(read, i: int, notes: list[str], errors: list[str]) -> np.ndarray | None:
    try:
        return np.asarray(read(i, notes))
    except InputError as exc:
        errors.append(str(exc))
        return None


def _check_pair(pair) -> tuple[list[str], list[str], list[tuple[str, str]], _ClipStats]:
    """(errors, reader notes, (file, what) notes, stats) of one paired clip, each frame read once."""
    errors: list[str] = []
    notes: list[str] = list(getattr(pair, "notes", None) or [])
    per_file: list[tuple[str, str]] = []
    stats = _ClipStats()
    n, read_pred, pred_name, pred_lossy = _frames_of(pair.pred)
    _, read_gt, gt_name, gt_lossy = _frames_of(pair.gt)
    for i in range(n):
        frame_notes: list[str] = []
        pred = _read(read_pred, i, frame_notes, errors)
        gt = _read(read_gt, i, frame_notes, errors)
        for line in frame_notes:
            path = Path(line.rpartition(": ")[0])
            if "RGBA" in line and "read from the A channel" not in line and path.is_file() and _rgba_matte_in_alpha(path):
                per_file.append((str(path), "RGBA with black RGB and the matte in A: the reference reads the luma "
                                            "of RGB, all 0"))
        notes += frame_notes
        for side, lossy, name in (("prediction", pred_lossy, pred_name), ("ground-truth", gt_lossy, gt_name)):
            codec = lossy(i)
            if codec:
                per_file.append((name(i), f"{side} frames are {codec.upper()} (lossy)"))
        if pred is not None and gt is not None and pred.shape != gt.shape:
            errors.append(f"{pred_name(i)}: size {pred.shape[1]}x{pred.shape[0]} does not match the ground truth "
                          f"{gt_name(i)} ({gt.shape[1]}x{gt.shape[0]})")
            gt = None
        if pred is not None:
            if pred.dtype != np.uint8:  # float sources: the 8-bit facts below are about x255
                pred = np.clip(np.rint(pred.astype(np.float64) * 255), 0, 255).astype(np.uint8)
            if gt is not None and gt.dtype != np.uint8:
                gt = np.clip(np.rint(gt.astype(np.float64) * 255), 0, 255).astype(np.uint8)
            stats.add(pred, gt)
    return errors, notes, per_file, stats


def check_plain(pred: Path, gt: Path, *, sparse_gt: int = 0, workers: int | None = None) -> CheckReport:
    """Check a plain-matting submission (layouts of `vmbench.io.layouts`); never raises InputError."""
    from vmbench.io.layouts import detect_layout, pair_clips

    report = CheckReport()
    problems: list[str] = []
    try:
        _, gt_clips = detect_layout(gt)
        report.clips = len(gt_clips)
        _, pairs = pair_clips(pred, gt, sparse_gt=sparse_gt, problems=problems)
    except InputError as exc:
        report.error(str(exc))
        return report
    for message in problems:
        report.error(message)
    report.clips_paired = len(pairs)
    files = _FileNotes()
    workers = max(1, workers or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=min(workers, max(1, len(pairs)))) as pool:
        results = list(pool.map(_check_pair, pairs))
    for pair, (errors, notes, per_file, stats) in zip(pairs, results):
        where = Path(pred, pair.dataset, pair.clip) if pair.dataset else Path(pred, pair.clip)
        for message in errors:
            report.error(message)
        files.add_reader_notes(notes)
        for path, what in per_file:
            files.add(path, what)
        order = _order_note(where, pair.stems)
        if order:
            report.note(order)
        stats.report(str(where), report)
        report.frames += stats.frames
    for line in files.lines():
        report.note(line)
    return report


def check_instance(pred: Path, gt: Path) -> CheckReport:
    """Check an instance submission (VIM / V-HIM60 layouts), clip by clip with eval's readers."""
    from vmbench.instance.layout import find_gt_clips, find_pred_clip, read_gt_clip, read_pred_clip

    report = CheckReport()
    try:
        if Path(pred).resolve() == Path(gt).resolve():
            raise InputError(f"{pred}: the prediction and ground-truth paths are the same folder")
        clips = find_gt_clips(gt)
    except (InputError, OSError) as exc:
        report.error(str(exc))
        return report
    report.clips = len(clips)
    seen: set[Path] = set()
    for clip in clips:
        try:
            names, stems, gts = read_gt_clip(clip)
            folder = find_pred_clip(pred, clip.dataset, clip.clip)
            seen.add(folder.resolve())
            _, preds = read_pred_clip(folder, stems, gts.shape[2:])
        except InputError as exc:
            report.error(str(exc))
            continue
        report.clips_paired += 1
        report.frames += len(stems)
        order = _order_note(folder, stems)
        if order:
            report.note(order)
        if not len(preds):
            report.note(f"{folder}: no predicted instances (every ground-truth instance scores against 0)")
            continue
        p8 = np.rint(preds * 255).astype(np.uint8)
        g8 = np.rint(gts * 255).astype(np.uint8)
        stats = _ClipStats()
        for t in range(len(stems)):
            stats.add(p8[:, t], g8[:, t] if p8.shape == g8.shape else None)
        if p8.shape != g8.shape:
            stats.equal_gt = False
        stats.report(str(folder), report)
    return report


def check_referring(pred: Path, gt: Path, expressions: Path | None = None) -> CheckReport:
    """Check a referring submission: every expression of every clip has a complete prediction
    folder ``PRED/<clip>/<exp_id>/`` of the ground truth's size (eval's readers, clip by clip)."""
    from vmbench.instance.evaluate import _find_expressions_file, _read_sequence
    from vmbench.instance.layout import find_gt_clips, find_pred_clip, load_expressions, read_gt_clip

    report = CheckReport()
    try:
        clips = find_gt_clips(gt)
    except (InputError, OSError) as exc:
        report.error(str(exc))
        return report
    tables: dict[Path, dict] = {}
    for clip in clips:
        try:
            path = Path(expressions) if expressions else _find_expressions_file(Path(gt), clip.dataset)
            if path not in tables:
                tables[path] = load_expressions(path)
        except InputError as exc:
            report.error(str(exc))
            return report
        exps = tables[path].get(clip.clip)
        if not exps:
            continue
        report.clips += 1
        try:
            names, stems, gts = read_gt_clip(clip)
            folder = find_pred_clip(pred, clip.dataset, clip.clip)
        except InputError as exc:
            report.error(str(exc))
            continue
        ok = True
        for e in exps:
            missing = [o for o in e.instances if o not in names]
            if missing:
                report.error(f"{clip.path}: expression {e.exp_id!r} of clip {clip.clip!r} refers to instance "
                             f"{missing[0]!r}, which is not in the ground truth (instances: {', '.join(names)})")
                ok = False
                continue
            try:
                seq = _read_sequence(folder / e.exp_id, stems, gts.shape[2:])
            except InputError as exc:
                report.error(str(exc))
                ok = False
                continue
            report.frames += len(stems)
            stats = _ClipStats()
            for frame in np.rint(seq * 255).astype(np.uint8):
                stats.add(frame, None)
            stats.equal_gt = False
            stats.report(str(folder / e.exp_id), report)
        if ok:
            report.clips_paired += 1
    return report
