"""`evaluate`: score a prediction tree against a ground-truth tree under one protocol.

Runs of frames are independent work items (the frame before a run is read again for dtSSD):
they run in this process, in ``workers`` threads, or, clip by clip, on a Dask cluster
(``scheduler``), and the numbers are identical whichever runs them (the same deterministic code
scores each frame, and rows are put back in the ground truth's order). Frames are streamed: a
worker holds only its current and previous frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vmbench.errors import InputError
from vmbench.io.layouts import ClipPair, pair_clips
from vmbench.protocols import ClipScorer, Protocol, get_protocol
from vmbench.sources import normalise_trimap
from vmbench.trimaps import trimap_from_alpha

__all__ = ["EvalResult", "evaluate", "score_pair", "score_frames", "aggregate"]

RVM_EXCEL_MAX_FRAMES = 700  # RVM's sheet averages columns C..ZZ only


@dataclass
class EvalResult:
    """Per-frame, per-clip and dataset values of one evaluation (metric values in protocol units)."""

    protocol: str
    metrics: tuple[str, ...]
    frames: pd.DataFrame
    clips: pd.DataFrame
    summary: dict[str, float]
    layout: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The result JSON: exactly the keys protocol, summary, clips, frames (docs/formats.md)."""
        def records(df: pd.DataFrame) -> list[dict]:
            return [
                {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                for row in df.to_dict(orient="records")
            ]

        return {
            "protocol": self.protocol,
            "summary": {k: float(v) for k, v in self.summary.items()},
            "clips": records(self.clips),
            "frames": records(self.frames),
        }


def _read_pair(pair: ClipPair, i: int, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    pred_u8 = pair.pred.read(i, notes)
    gt_u8 = pair.gt.read(i, notes)
    if pred_u8.shape != gt_u8.shape:
        raise InputError(
            f"{pair.pred.name(i)}: size {pred_u8.shape[1]}x{pred_u8.shape[0]} does not match the ground truth "
            f"{pair.gt.name(i)} ({gt_u8.shape[1]}x{gt_u8.shape[0]})"
        )
    return pred_u8, gt_u8


def score_frames(pair: ClipPair, protocol_name: str, metrics: tuple[str, ...], trimap_radius: int = 10,
                 start: int = 0, stop: int | None = None) -> tuple[list[dict], list[str]]:
    """Score frames start..stop-1 of one clip from its files; returns (one row per frame, notes).

    dtSSD needs the frame before `start`, which is read (not scored) first, so any range of a
    clip can be scored on its own and the rows are the same as from one pass over the clip.
    """
    protocol = get_protocol(protocol_name)
    stop = len(pair.stems) if stop is None else stop
    scorer = ClipScorer(protocol, metrics)
    wants_fgr = "fgr_MAD" in metrics or "fgr_MSE" in metrics
    if wants_fgr and not pair.pred_fgr:
        raise InputError(f"clip {pair.dataset}/{pair.clip}: foreground metrics need fgr/ frames in both trees")
    if start > 0 and "dtSSD" in metrics:
        scorer.seed(*_read_pair(pair, start - 1, []))
    scale = np.float32(255.0)
    rows: list[dict] = []
    notes: list[str] = []
    for i in range(start, stop):
        pred_u8, gt_u8 = _read_pair(pair, i, notes)
        trimap = None
        if protocol.uses_trimap:
            if pair.trimaps is not None:
                trimap = normalise_trimap(pair.trimaps.read(i, notes), pair.trimaps.name(i), notes)
                if trimap.shape != gt_u8.shape:
                    raise InputError(f"{pair.trimaps.name(i)}: trimap size does not match the ground truth {pair.gt.name(i)}")
            else:
                trimap = trimap_from_alpha(gt_u8, radius=trimap_radius)
        fgr = {}
        if wants_fgr:
            fgr["pred_fgr"] = pair.pred_fgr.read_rgb(i).astype(np.float32) / scale
            fgr["gt_fgr"] = pair.gt_fgr.read_rgb(i).astype(np.float32) / scale
        values = scorer.add(pred_u8, gt_u8, trimap=trimap, **fgr)
        rows.append({"dataset": pair.dataset, "clip": pair.clip, "frame": pair.stems[i], **values})
    return rows, notes


def score_pair(pair: ClipPair, protocol_name: str, metrics: tuple[str, ...], trimap_radius: int = 10) -> tuple[list[dict], list[str]]:
    """Score one whole clip from its files; returns (one row per frame, conversion notes)."""
    return score_frames(pair, protocol_name, metrics, trimap_radius)


def aggregate(frames: pd.DataFrame, protocol: Protocol, metrics: tuple[str, ...]) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per-clip means and the dataset figure, pooled as the protocol's reference pools them.

    ``per-index`` (RVM/MatAnyone Excel sheet): mean over frame indices of the mean over clips at
    that index; dtSSD's frame-0 zeros included. Equal to the mean over all frames when clips have
    equal lengths. ``per-frame`` (DIM): mean over all frames (images).
    """
    frames = frames.copy()
    frames["_index"] = frames.groupby(["dataset", "clip"], sort=False).cumcount()
    grouped = frames.groupby(["dataset", "clip"], sort=False)
    clips = grouped[list(metrics)].mean().reset_index()
    clips.insert(2, "frames", grouped.size().to_numpy())
    if protocol.aggregation == "per-index":
        per_index = frames.groupby("_index")[list(metrics)].mean()
        summary = {m: float(per_index[m].mean()) for m in metrics}
    else:
        summary = {m: float(frames[m].mean()) for m in metrics}
    return clips, summary


SEGMENT_FRAMES = 32  # frames per work item: long clips spread over the workers, short ones stay whole


def _run_local(pairs, protocol_name, metrics, trimap_radius, workers, progress):
    """Score every clip in this process: in `workers` threads, each scoring a run of frames.

    Threads, not processes: the PNG reader and every metric kernel release the GIL, so threads
    run in parallel without the start-up and copying costs of processes.
    """
    from concurrent.futures import ThreadPoolExecutor

    from tqdm import tqdm

    jobs = [(c, s, min(s + SEGMENT_FRAMES, len(p.stems))) for c, p in enumerate(pairs) for s in range(0, len(p.stems), SEGMENT_FRAMES)]
    per_clip: list[tuple[list[dict], list[str]]] = [([], []) for _ in pairs]
    bar = tqdm(total=sum(len(p.stems) for p in pairs), desc="frames", unit="frame", disable=not progress, leave=False)

    def run(job):
        c, start, stop = job
        return score_frames(pairs[c], protocol_name, metrics, trimap_radius, start, stop)

    pool = ThreadPoolExecutor(max_workers=min(workers, len(jobs))) if workers > 1 and len(jobs) > 1 else None
    try:
        outputs = pool.map(run, jobs) if pool else map(run, jobs)
        for (c, start, stop), (rows, notes) in zip(jobs, outputs):  # in order, as the clips list their frames
            per_clip[c][0].extend(rows)
            per_clip[c][1].extend(notes)
            bar.update(stop - start)
        return per_clip
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
        bar.close()


def _run_dask(pairs, protocol_name, metrics, trimap_radius, scheduler, progress):
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - dask is a declared dependency
        raise InputError("--scheduler needs dask[distributed] installed") from exc
    from tqdm import tqdm

    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
    try:
        futures = client.map(score_pair, pairs, protocol_name=protocol_name, metrics=metrics,
                             trimap_radius=trimap_radius, pure=False)
        results = []
        for fut in tqdm(futures, desc="clips", unit="clip", disable=not progress, leave=False):
            results.append(fut.result())
        return results
    finally:
        client.close()


def evaluate(
    pred: str | Path,
    gt: str | Path,
    *,
    protocol: str = "rvm",
    metrics: list[str] | None = None,
    trimap: str | Path | None = None,
    trimap_radius: int = 10,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    precision: str = "u8",
) -> EvalResult:
    """Score the prediction tree `pred` against the ground-truth tree `gt`.

    Parameters
    ----------
    pred, gt : folders in one of the layouts of `vmbench.io.layouts` (the prediction mirrors the
        ground truth; frames are paired by stem).
    protocol : ``"rvm"`` (default), ``"rvm-hr"`` or ``"dim"`` (see `vmbench.protocols`).
    metrics : subset of the protocol's metrics (default: its default set).
    trimap : folder mirroring `gt` with trimaps (``dim``); if omitted, made from the ground truth.
    workers : threads scoring frames in parallel (default: one per core); 1 scores in this thread.
    scheduler : a Dask scheduler address; clips are then scored on its workers.
    precision : ``"u8"`` (default): float frames (TIFF/EXR/.npy) quantised to 8 bits as an 8-bit PNG
        of them would hold them; ``"float"``: scored at full precision (`vmbench.sources`).
    """
    proto = get_protocol(protocol)
    chosen = proto.resolve_metrics(metrics)
    if trimap is not None and not proto.uses_trimap:
        raise InputError(f"--trimap is only used by the dim protocol, not {protocol!r}")
    wants_fgr = "fgr_MAD" in chosen or "fgr_MSE" in chosen
    layout, pairs = pair_clips(pred, gt, trimap_root=trimap, with_fgr=wants_fgr, precision=precision)
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise InputError("--workers must be at least 1")
    if scheduler:
        results = _run_dask(pairs, proto.name, chosen, trimap_radius, scheduler, progress)
    else:
        results = _run_local(pairs, proto.name, chosen, trimap_radius, workers, progress)
    rows = [row for clip_rows, _ in results for row in clip_rows]
    notes = _summarise_notes([n for p in pairs for n in p.notes] + [n for _, clip_notes in results for n in clip_notes])
    if precision == "float":
        notes.append("precision float: float frames scored at full precision, not quantised to 8 bits")
    frames = pd.DataFrame(rows, columns=["dataset", "clip", "frame", *chosen])
    clips, summary = aggregate(frames, proto, chosen)
    longest = int(clips["frames"].max())
    if proto.aggregation == "per-index" and longest > RVM_EXCEL_MAX_FRAMES:
        notes.append(
            f"clips have up to {longest} frames; RVM's Excel sheet would average only the first "
            f"{RVM_EXCEL_MAX_FRAMES} frame indices (columns C..ZZ); vmbench averages all of them"
        )
    return EvalResult(proto.name, chosen, frames, clips, summary, layout, notes)


def _summarise_notes(notes: list[str], keep: int = 3) -> list[str]:
    """Group per-file conversion notes by kind, naming a few files, so the user reads one line each."""
    by_kind: dict[str, list[str]] = {}
    for note in notes:
        path, _, what = note.rpartition(": ")
        by_kind.setdefault(what, []).append(path)
    out = []
    for what, paths in by_kind.items():
        shown = ", ".join(os.path.basename(p) for p in paths[:keep])
        more = f" and {len(paths) - keep} more" if len(paths) > keep else ""
        out.append(f"{len(paths)} file(s) {what}: {shown}{more} (e.g. {paths[0]})")
    return out
