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
from vmbench.io.frames import read_alpha_u8, read_rgb
from vmbench.io.layouts import ClipPair, pair_clips
from vmbench.metrics.flow import read_flow_png
from vmbench.protocols import NAN_NOTE, ClipScorer, Protocol, ftpvm_index_span, get_protocol, tcvom_dropped_clip
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
                {k: (_json_number(v) if isinstance(v, (float, np.floating)) else v.item() if hasattr(v, "item") else v)
                 for k, v in row.items()}
                for row in df.to_dict(orient="records")
            ]

        return {
            "protocol": self.protocol,
            "summary": {k: _json_number(v) for k, v in self.summary.items()},
            "clips": records(self.clips),
            "frames": records(self.frames),
        }


def _json_number(v):
    """A float, or None (JSON null) for NaN: the reference's 0/0 (docs/formats.md)."""
    v = float(v)
    return None if np.isnan(v) else v


def _read_pair(pair: ClipPair, i: int, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    pred_u8 = read_alpha_u8(pair.pred[i], notes)
    gt_u8 = read_alpha_u8(pair.gt[i], notes)
    if pred_u8.shape != gt_u8.shape:
        raise InputError(
            f"{pair.pred[i]}: size {pred_u8.shape[1]}x{pred_u8.shape[0]} does not match the ground truth "
            f"{pair.gt[i]} ({gt_u8.shape[1]}x{gt_u8.shape[0]})"
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
    if start > 0 and any(m.endswith("dtSSD") or m.startswith("MESSDdt") for m in metrics):
        seed_pred, seed_gt = _read_pair(pair, start - 1, [])
        seed_trimap = _read_trimap(pair, start - 1, seed_gt, protocol, trimap_radius, []) if protocol.uses_trimap else None
        scorer.seed(seed_pred, seed_gt, trimap=seed_trimap)
    scale = np.float32(255.0)
    rows: list[dict] = []
    notes: list[str] = []
    for i in range(start, stop):
        pred_u8, gt_u8 = _read_pair(pair, i, notes)
        trimap = _read_trimap(pair, i, gt_u8, protocol, trimap_radius, notes) if protocol.uses_trimap else None
        flow = None
        if i > 0 and set(protocol.needs_flow) & set(metrics):
            flow = read_flow_png(pair.flows[i], gt_u8.shape) if pair.flows else None
        fgr = {}
        if wants_fgr:
            fgr["pred_fgr"] = read_rgb(pair.pred_fgr[i]).astype(np.float32) / scale
            fgr["gt_fgr"] = read_rgb(pair.gt_fgr[i]).astype(np.float32) / scale
        values = scorer.add(pred_u8, gt_u8, trimap=trimap, flow=flow, **fgr)
        rows.append({"dataset": pair.dataset, "clip": pair.clip, "frame": pair.stems[i], **values})
    return rows, notes


def _read_trimap(pair: ClipPair, i: int, gt_u8: np.ndarray, protocol: Protocol, radius: int, notes: list[str]) -> np.ndarray:
    """Frame i's trimap: the given file, or one made from the ground truth (trimaps.py)."""
    if pair.trimaps is None:
        return trimap_from_alpha(gt_u8, radius=radius)
    trimap = read_alpha_u8(pair.trimaps[i], notes)
    if trimap.shape != gt_u8.shape:
        raise InputError(f"{pair.trimaps[i]}: trimap size does not match the ground truth {pair.gt[i]}")
    return trimap


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
    elif protocol.aggregation in ("per-clip", "tcvom"):
        kept = clips
        if protocol.aggregation == "tcvom":
            kept = clips.drop(index=tcvom_dropped_clip(clips["dataset"].tolist(), clips["clip"].tolist()))
        summary = {m: float(kept[m].mean()) for m in metrics}
    elif protocol.aggregation == "ftpvm":
        span = ftpvm_index_span(clips["dataset"].tolist(), clips["clip"].tolist(), clips["frames"].tolist())
        per_index = frames[frames["_index"] < span].groupby("_index")[list(metrics)].mean()
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
    flow: str | Path | None = None,
    workers: int | None = None,
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
    trimap : folder mirroring `gt` with trimaps (``dim``, ``tcvom``, ``ftpvm``); if omitted, made
        from the ground truth (with a note).
    flow : folder mirroring `gt` with VM108's ``flow_<a>_<b>.png`` files (``tcvom``'s MESSDdt).
    workers : threads scoring frames in parallel (default: one per core); 1 scores in this thread.
    scheduler : a Dask scheduler address; clips are then scored on its workers.
    """
    proto = get_protocol(protocol)
    chosen = proto.resolve_metrics(metrics)
    if trimap is not None and not proto.uses_trimap:
        raise InputError(f"--trimap is only used by the trimap protocols (dim, tcvom, ftpvm), not {protocol!r}")
    flow_metrics = [m for m in chosen if m in proto.needs_flow]
    if flow is not None and not flow_metrics:
        raise InputError(f"--flow is only used by tcvom's MESSDdt and MESSDdt_fix, not by {protocol!r} with {', '.join(chosen)}")
    if flow is None and flow_metrics:
        raise InputError(f"protocol {protocol!r}: {', '.join(flow_metrics)} need the dataset's optical flow: "
                         f"give --flow DIR (VM108's flow_png), or leave them out with --metrics "
                         f"{','.join(m for m in chosen if m not in flow_metrics)}")
    wants_fgr = "fgr_MAD" in chosen or "fgr_MSE" in chosen
    layout, pairs = pair_clips(pred, gt, trimap_root=trimap, with_fgr=wants_fgr, flow_root=flow, gt_stride=proto.gt_stride)
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise InputError("--workers must be at least 1")
    if scheduler:
        results = _run_dask(pairs, proto.name, chosen, trimap_radius, scheduler, progress)
    else:
        results = _run_local(pairs, proto.name, chosen, trimap_radius, workers, progress)
    rows = [row for clip_rows, _ in results for row in clip_rows]
    notes = [n for p in pairs for n in p.notes]
    if proto.uses_trimap and trimap is None:
        notes.append(f"no --trimap: trimaps made from the ground truth (unknown band radius {trimap_radius}, "
                     f"docs/metrics.md); published {proto.name} numbers use the dataset's own trimaps")
    notes += _summarise_notes([n for _, clip_notes in results for n in clip_notes])
    frames = pd.DataFrame(rows, columns=["dataset", "clip", "frame", *chosen])
    clips, summary = aggregate(frames, proto, chosen)
    notes += protocol_notes(proto, frames, clips)
    longest = int(clips["frames"].max())
    if proto.aggregation == "per-index" and longest > RVM_EXCEL_MAX_FRAMES:
        notes.append(
            f"clips have up to {longest} frames; RVM's Excel sheet would average only the first "
            f"{RVM_EXCEL_MAX_FRAMES} frame indices (columns C..ZZ); vmbench averages all of them"
        )
    return EvalResult(proto.name, chosen, frames, clips, summary, layout, notes)


def protocol_notes(proto: Protocol, frames: pd.DataFrame, clips: pd.DataFrame) -> list[str]:
    """Notes on what the protocol's reference does to these numbers: NaN frames, a clip left out."""
    notes = []
    for m in frames.columns[3:]:
        count = int(frames[m].isna().sum())
        if count:
            notes.append(NAN_NOTE.format(metric=m, count=count, reference=proto.reference.split(" (")[0].split(" + ")[0]))
    if proto.aggregation == "tcvom":
        k = tcvom_dropped_clip(clips["dataset"].tolist(), clips["clip"].tolist())
        name = "/".join(x for x in (clips["dataset"].iloc[k], clips["clip"].iloc[k]) if x)
        notes.append(f"clip {name} is scored but left out of the summary, as TCVOM's calc_metric.py leaves "
                     f"the last video (sorted order) out of its average")
    return notes


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
