"""`vmbench check`: everything `eval` would refuse or note about a submission, found in one pass.

Nothing is scored. The trees are paired by the same code as `eval` (`vmbench.io.layouts.pair_clips`
in its collect mode; the instance layout's readers clip by clip), so a clip that `eval` would refuse
is reported, with the same message, and the others are still checked. Every frame is then read
once, through the same `FrameSource` reader as `eval` (in threads: the reader releases the GIL):

* errors (exit code 1): whatever the pairing or the reader refuses, and frame-size mismatches;
* notes (exit code 0): what the pairing and the reader note (16-bit, colour, lossy codecs, 0/1
  masks, a matte in the A channel, frame order ...), grouped as eval groups them, and what only a
  whole clip shows: predictions equal to the ground truth, constant or all-zero prediction clips.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vmbench.errors import InputError
from vmbench.evaluate import _summarise_notes  # eval's grouping of per-file notes, so both read alike

__all__ = ["Finding", "CheckReport", "check_plain", "check_instance", "check_referring", "header_size"]


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
    quick: bool = False  # sizes from file headers, values not read

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
        read = ("frames probed (sizes from file headers; values not read, run without --quick for them)"
                if self.quick else "frames read")
        return (f"check: {self.clips_paired} of {self.clips} clips paired, {self.frames} {read}; "
                f"{len(self.errors)} error(s), {len(self.notes)} note(s): {verdict}")


def _order_note(where, stems: list[str]) -> str | None:
    """A note when plain sorted() (RVM, MatAnyone, CRGNN scripts) orders the names differently
    (instance trees: their readers note nothing; for plain trees the FrameSource notes it)."""
    from vmbench.io.frames import natural_key

    numeric = sorted(stems, key=natural_key)
    plain = sorted(stems)
    if plain == numeric:
        return None
    first = next(i for i, (a, b) in enumerate(zip(plain, numeric)) if a != b)
    return (f"{where}: frame names are not zero-padded; the reference scripts' sorted() order puts "
            f"{plain[first]!r} at position {first} where vmbench's numeric order has {numeric[first]!r} "
            "(dtSSD and per-index pooling would differ)")


class _ClipStats:
    """Running facts about one clip's predictions, one frame at a time."""

    def __init__(self) -> None:
        self.lo, self.hi = 255, 0
        self.first_value = None
        self.constant = True
        self.equal_gt = True
        self.frames = 0
        self.values_read = True  # False under check --quick: no facts about values

    def add(self, pred: np.ndarray, gt: np.ndarray | None) -> None:
        lo, hi = int(pred.min()), int(pred.max())
        self.lo, self.hi = min(self.lo, lo), max(self.hi, hi)
        if self.first_value is None:
            self.first_value = lo
        self.constant = self.constant and lo == hi == self.first_value
        if gt is None:
            self.equal_gt = False
        else:
            self.equal_gt = self.equal_gt and gt.shape == pred.shape and np.array_equal(pred, gt)
        self.frames += 1

    def note(self, where: str) -> str | None:
        """The one "PATH: what" line a whole clip deserves, or None."""
        if not self.frames or not self.values_read:
            return None
        if self.equal_gt:
            return (f"{where}: prediction is identical to the ground truth in every frame "
                    "(was --pred given the ground truth?); every error would be 0")
        if self.hi == 0:
            return f"{where}: prediction is empty (0 in every pixel of every frame)"
        if self.constant:
            return f"{where}: prediction is constant ({self.lo} in every pixel of every frame)"
        return None


def _read(source, i: int, notes: list[str], errors: list[str]) -> np.ndarray | None:
    try:
        frame = np.asarray(source.read(i, notes))
    except InputError as exc:
        errors.append(str(exc))
        return None
    if frame.dtype != np.uint8:  # float sources: the facts below are about the 8-bit values
        frame = np.clip(np.rint(frame.astype(np.float64) * 255), 0, 255).astype(np.uint8)
    return frame


def _check_pair(pair) -> tuple[list[str], list[str], _ClipStats]:
    """(errors, notes, stats) of one paired clip, each frame of both sides read once."""
    errors: list[str] = []
    notes: list[str] = pair.all_notes()  # the layout's notes and the sources' (lossy codec, frame order)
    stats = _ClipStats()
    for i in range(len(pair.stems)):
        pred = _read(pair.pred, i, notes, errors)
        gt = _read(pair.gt, i, notes, errors)
        if pred is not None and gt is not None and pred.shape != gt.shape:
            errors.append(f"{pair.pred.name(i)}: size {pred.shape[1]}x{pred.shape[0]} does not match the ground "
                          f"truth {pair.gt.name(i)} ({gt.shape[1]}x{gt.shape[0]})")
            gt = None
        if pred is not None:
            stats.add(pred, gt)
    return errors, notes, stats


def header_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from a PNG or JPEG header, without decoding; None if it cannot tell."""
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError:
        return None
    if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 24 and head[12:16] == b"IHDR":
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if head[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(head):
            if head[i] != 0xFF:
                return None
            marker, length = head[i + 1], int.from_bytes(head[i + 2:i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
                return int.from_bytes(head[i + 7:i + 9], "big"), int.from_bytes(head[i + 5:i + 7], "big")
            i += 2 + length
    return None


def _frame_file(source, i: int) -> Path | None:
    """The file frame `i` of `source` lives in, when one file holds one frame (else None)."""
    while hasattr(source, "indices") and hasattr(source, "source"):  # a Subset (sparse ground truth)
        i, source = source.indices[i], source.source
    files = getattr(source, "files", None)
    return Path(files[i]) if files is not None else None


def _probe_pair(pair) -> tuple[list[str], list[str], _ClipStats]:
    """check --quick: frame sizes from PNG/JPEG headers (decoding only what has no such header)."""
    errors: list[str] = []
    notes: list[str] = pair.all_notes()
    stats = _ClipStats()
    for i in range(len(pair.stems)):
        sizes = []
        for source in (pair.pred, pair.gt):
            path = _frame_file(source, i)
            size = header_size(path) if path is not None else None
            if size is None:
                frame = _read(source, i, notes, errors)
                size = None if frame is None else (frame.shape[1], frame.shape[0])
            sizes.append(size)
        if None not in sizes and sizes[0] != sizes[1]:
            errors.append(f"{pair.pred.name(i)}: size {sizes[0][0]}x{sizes[0][1]} does not match the ground truth "
                          f"{pair.gt.name(i)} ({sizes[1][0]}x{sizes[1][1]})")
        stats.frames += 1
    stats.values_read = False
    return errors, notes, stats


def check_plain(pred: Path, gt: Path, *, sparse_gt: int = 0, workers: int | None = None, pairing=None,
                quick: bool = False) -> CheckReport:
    """Check a plain-matting submission (layouts of `vmbench.io.layouts`, or a dataset's own
    `pairing` with a ``problems`` list); never raises InputError. `quick`: pairing and frame sizes
    from file headers only, no frame decoded where a header says its size."""
    from vmbench.io.layouts import detect_layout, pair_clips

    report = CheckReport(quick=quick)
    problems: list[str] = []
    try:
        if pairing is not None:
            report.clips = pairing.clips(gt)
            _, pairs = pairing(pred, gt, problems=problems)
        else:
            _, gt_clips = detect_layout(gt)
            report.clips = len(gt_clips)
            _, pairs = pair_clips(pred, gt, sparse_gt=sparse_gt, problems=problems)
    except InputError as exc:
        report.error(str(exc))
        return report
    for message in problems:
        report.error(message)
    report.clips_paired = len(pairs)
    workers = max(1, workers or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=min(workers, max(1, len(pairs)))) as pool:
        results = list(pool.map(_probe_pair if quick else _check_pair, pairs))
    notes: list[str] = []
    for pair, (errors, clip_notes, stats) in zip(pairs, results):
        for message in errors:
            report.error(message)
        notes += clip_notes
        clip_note = stats.note(str(Path(pred, pair.dataset, pair.clip) if pair.dataset else Path(pred, pair.clip)))
        notes += [clip_note] if clip_note else []
        report.frames += stats.frames
    for line in _summarise_notes(notes):
        report.note(line)
    return report


def check_instance(pred: Path, gt: Path, *, workers: int | None = None) -> CheckReport:
    """Check an instance submission (VIM / V-HIM60 layouts), clip by clip (in `workers` threads)
    with eval's streaming readers: every frame of every instance read once, a few held at a time."""
    from vmbench.instance.layout import find_gt_clips

    report = CheckReport()
    try:
        if Path(pred).resolve() == Path(gt).resolve():
            raise InputError(f"{pred}: the prediction and ground-truth paths are the same folder")
        clips = find_gt_clips(gt)
    except (InputError, OSError) as exc:
        report.error(str(exc))
        return report
    report.clips = len(clips)
    workers = max(1, workers or os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=min(workers, max(1, len(clips)))) as pool:
        results = list(pool.map(lambda clip: _check_instance_clip(pred, clip), clips))
    for error, notes, frames in results:
        if error:
            report.error(error)
            continue
        report.clips_paired += 1
        report.frames += frames
        for line in notes:
            report.note(line)
    return report


def _check_instance_clip(pred: Path, clip) -> tuple[str | None, list[str], int]:
    """(eval's refusal or None, notes, frames read) of one instance clip."""
    from vmbench.instance.layout import find_pred_clip, list_gt_clip, list_pred_clip

    try:
        _, stems, gt_frames = list_gt_clip(clip)
        folder = find_pred_clip(pred, clip.dataset, clip.clip)
        pred_names, pred_frames = list_pred_clip(folder, stems)
        if not pred_names:
            return None, [f"{folder}: no predicted instances (every ground-truth instance scores against 0)"], 0
        stats = _ClipStats()
        for t in range(len(stems)):
            g = gt_frames.frame(t)
            p = pred_frames.expect(g.shape[1:]).frame(t)
            stats.add(_to_u8(p), _to_u8(g) if p.shape == g.shape else None)
    except InputError as exc:
        return str(exc), [], 0
    notes = [n for n in (_order_note(folder, stems), stats.note(str(folder))) if n]
    return None, notes, len(stems)


def _to_u8(alpha: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(alpha.astype(np.float64) * 255), 0, 255).astype(np.uint8)


def check_referring(pred: Path, gt: Path, expressions: Path | None = None) -> CheckReport:
    """Check a referring submission: every expression of every clip has a complete prediction
    folder ``PRED/<clip>/<exp_id>/`` of the ground truth's size (eval's readers, clip by clip)."""
    from vmbench.instance.evaluate import _expression_files, _find_expressions_file
    from vmbench.io.frames import read_alpha_u8
    from vmbench.instance.layout import find_gt_clips, find_pred_clip, list_gt_clip, load_expressions

    report = CheckReport()
    try:
        clips = find_gt_clips(gt)
    except (InputError, OSError) as exc:
        report.error(str(exc))
        return report
    tables: dict[Path, dict] = {}
    notes: list[str] = []
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
            names, stems, gt_frames = list_gt_clip(clip)
            shape = gt_frames.read(0, 0).shape
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
                files = _expression_files(folder / e.exp_id, stems)
            except InputError as exc:
                report.error(str(exc))
                ok = False
                continue
            stats = _ClipStats()
            for path in files:
                frame = _read_file(read_alpha_u8, path, notes, report)
                if frame is None:
                    ok = False
                elif frame.shape != shape:
                    report.error(f"{path}: size {frame.shape[1]}x{frame.shape[0]} differs from the ground truth's "
                                 f"{shape[1]}x{shape[0]}")
                    ok = False
                else:
                    stats.add(frame, None)
            report.frames += stats.frames
            clip_note = stats.note(str(folder / e.exp_id))
            notes += [clip_note] if clip_note else []
        if ok:
            report.clips_paired += 1
    for line in _summarise_notes(notes):
        report.note(line)
    return report


def _read_file(read, path: Path, notes: list[str], report: CheckReport) -> np.ndarray | None:
    try:
        return read(path, notes)
    except InputError as exc:
        report.error(str(exc))
        return None
