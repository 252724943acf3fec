"""`evaluate`: score a prediction tree against a ground-truth tree under one protocol.

Clips are independent work items: they run in this process, in ``workers`` processes, or on a
Dask cluster (``scheduler``), and the numbers are identical whichever runs them (each clip is
scored by the same deterministic code, and results are put back in the ground truth's order).
Frames are streamed: only the current and previous frame of a clip are held in memory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vmbench.errors import InputError
from vmbench.io.frames import read_alpha_u8, read_rgb
from vmbench.io.layouts import ClipPair, pair_clips
from vmbench.protocols import ClipScorer, Protocol, get_protocol
from vmbench.trimaps import trimap_from_alpha

__all__ = ["EvalResult", "evaluate", "score_pair", "aggregate"]

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
    pred_u8 = read_alpha_u8(pair.pred[i], notes)
    gt_u8 = read_alpha_u8(pair.gt[i], notes)
    if pred_u8.shape != gt_u8.shape:
        raise InputError(
            f"{pair.pred[i]}: size {pred_u8.shape[1]}x{pred_u8.shape[0]} does not match the ground truth "
            f"{pair.gt[i]} ({gt_u8.shape[1]}x{gt_u8.shape[0]})"
        )
    return pred_u8, gt_u8


def score_pair(pair: ClipPair, protocol_name: str, metrics: tuple[str, ...], trimap_radius: int = 10) -> tuple[list[dict], list[str]]:
    """Score one clip from its files; returns (one row per frame, conversion notes)."""
    protocol = get_protocol(protocol_name)
    scorer = ClipScorer(protocol, metrics)
    wants_fgr = "fgr_MAD" in metrics or "fgr_MSE" in metrics
    if wants_fgr and not pair.pred_fgr:
        raise InputError(f"clip {pair.dataset}/{pair.clip}: foreground metrics need fgr/ frames in both trees")
    scale = np.float32(255.0)
    rows: list[dict] = []
    notes: list[str] = []
    for i, stem in enumerate(pair.stems):
        pred_u8, gt_u8 = _read_pair(pair, i, notes)
        trimap = None
        if protocol.uses_trimap:
            if pair.trimaps is not None:
                trimap = read_alpha_u8(pair.trimaps[i], notes)
                if trimap.shape != gt_u8.shape:
                    raise InputError(f"{pair.trimaps[i]}: trimap size does not match the ground truth {pair.gt[i]}")
            else:
                trimap = trimap_from_alpha(gt_u8, radius=trimap_radius)
        fgr = {}
        if wants_fgr:
            fgr["pred_fgr"] = read_rgb(pair.pred_fgr[i]).astype(np.float32) / scale
            fgr["gt_fgr"] = read_rgb(pair.gt_fgr[i]).astype(np.float32) / scale
        values = scorer.add(pred_u8, gt_u8, trimap=trimap, **fgr)
        rows.append({"dataset": pair.dataset, "clip": pair.clip, "frame": stem, **values})
    return rows, notes


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


def _run_local(pairs, protocol_name, metrics, trimap_radius, workers, progress):
    from tqdm import tqdm

    bar = tqdm(total=len(pairs), desc="clips", unit="clip", disable=not progress, leave=False)
    try:
        if workers <= 1:
            results = []
            for pair in pairs:
                results.append(score_pair(pair, protocol_name, metrics, trimap_radius))
                bar.update()
            return results
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: Numba's OpenMP threads make fork() unsafe
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_single_thread) as pool:
            futures = [pool.submit(score_pair, p, protocol_name, metrics, trimap_radius) for p in pairs]
            results = []
            for fut in futures:
                results.append(fut.result())
                bar.update()
            return results
    finally:
        bar.close()


def _single_thread() -> None:
    """Worker processes run one Numba thread each, so N workers use N cores, not N x cores."""
    import numba

    numba.set_num_threads(1)


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
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = False,
) -> EvalResult:
    """Score the prediction tree `pred` against the ground-truth tree `gt`.

    Parameters
    ----------
    pred, gt : folders in one of the layouts of `vmbench.io.layouts` (the prediction mirrors the
        ground truth; frames are paired by stem).
    protocol : ``"rvm"`` (default), ``"rvm-hr"`` or ``"dim"`` (see `vmbench.protocols`).
    metrics : subset of the protocol's metrics (default: its default set).
    trimap : folder mirroring `gt` with trimaps (``dim``); if omitted, made from the ground truth.
    workers : processes to score clips in parallel; scheduler : a Dask scheduler address.
    """
    proto = get_protocol(protocol)
    chosen = proto.resolve_metrics(metrics)
    if trimap is not None and not proto.uses_trimap:
        raise InputError(f"--trimap is only used by the dim protocol, not {protocol!r}")
    wants_fgr = "fgr_MAD" in chosen or "fgr_MSE" in chosen
    layout, pairs = pair_clips(pred, gt, trimap_root=trimap, with_fgr=wants_fgr)
    if workers < 1:
        raise InputError("--workers must be at least 1")
    if scheduler:
        results = _run_dask(pairs, proto.name, chosen, trimap_radius, scheduler, progress)
    else:
        results = _run_local(pairs, proto.name, chosen, trimap_radius, min(workers, len(pairs)), progress)
    rows = [row for clip_rows, _ in results for row in clip_rows]
    notes = _summarise_notes([n for _, clip_notes in results for n in clip_notes])
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
