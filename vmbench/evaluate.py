"""`evaluate`: score a prediction tree against a ground-truth tree under one protocol.

Runs of frames are independent work items (the frame before a run is read again for dtSSD):
they run through `vmbench.engine.run_items` in this process, in ``workers`` threads, or as Dask
tasks on a cluster (``scheduler``), and the numbers are identical whichever runs them (the same deterministic code
scores each frame, and rows are put back in the ground truth's order). Frames are streamed: a
worker holds only its current and previous frame.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from vmbench.engine.cluster import check_address
from vmbench.engine.executor import run_items
from vmbench.engine.notes import summarise_notes as _summarise_notes
from vmbench.engine.pooling import every_index, rvm_sheet, rvm_sheet_notes
from vmbench.errors import InputError
from vmbench.io.layouts import ClipPair, pair_clips
from vmbench.metrics.flow import read_flow_png
from vmbench.protocols import NAN_NOTE, ClipScorer, Protocol, ftpvm_index_span, get_protocol, tcvom_dropped_clip
from vmbench.sources import normalise_trimap
from vmbench.trimaps import trimap_from_alpha

__all__ = ["EvalResult", "evaluate", "score_frames", "aggregate"]

@dataclass
class EvalResult:
    """Per-frame, per-clip and dataset values of one evaluation (metric values in protocol units).

    Rows are plain dicts (`frame_rows`, `clip_rows`); `frames` and `clips` build pandas DataFrames
    of them on first use, so scoring never imports pandas.
    """

    protocol: str
    metrics: tuple[str, ...]
    frame_rows: list[dict]
    clip_rows: list[dict]
    summary: dict[str, float]
    layout: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def frames(self):
        """One row per frame (dataset, clip, frame, metrics...) as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.frame_rows, columns=["dataset", "clip", "frame", *self.metrics])

    @property
    def clips(self):
        """One row per clip (dataset, clip, frames, metric means) as a pandas DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.clip_rows, columns=["dataset", "clip", "frames", *self.metrics])

    def to_dict(self) -> dict:
        """The result JSON: exactly the keys protocol, summary, clips, frames (docs/formats.md)."""
        def plain(rows: list[dict]) -> list[dict]:
            return [{k: (_json_number(v) if isinstance(v, (float, np.floating)) else v.item() if hasattr(v, "item") else v)
                     for k, v in row.items()} for row in rows]

        return {
            "protocol": self.protocol,
            "summary": {k: _json_number(v) for k, v in self.summary.items()},
            "clips": plain(self.clip_rows),
            "frames": plain(self.frame_rows),
        }


def _json_number(v):
    """A float, or None (JSON null) for NaN: the reference's 0/0 (docs/formats.md)."""
    v = float(v)
    return None if np.isnan(v) else v


def _read_pair(pair: ClipPair, i: int, notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    pred_u8 = pair.pred.read(i, notes)
    gt_u8 = pair.gt.read(i, notes)
    if pred_u8.shape != gt_u8.shape:
        padded = pair.pred.kind.startswith("video:") and all(
            p == -(-g // 16) * 16 for p, g in zip(pred_u8.shape, gt_u8.shape))
        raise InputError(
            f"{pair.pred.name(i)}: size {pred_u8.shape[1]}x{pred_u8.shape[0]} does not match the ground truth "
            f"{pair.gt.name(i)} ({gt_u8.shape[1]}x{gt_u8.shape[0]})"
            + ("; the video was resized to a multiple of 16 (imageio's default macro_block_size)" if padded else "")
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
        if i > 0 and set(protocol.needs_flow) & set(metrics) and pair.flows:
            flow = read_flow_png(pair.flows[i], gt_u8.shape)
        fgr = {}
        if wants_fgr:
            fgr["pred_fgr"] = pair.pred_fgr.read_rgb(i).astype(np.float32) / scale
            fgr["gt_fgr"] = pair.gt_fgr.read_rgb(i).astype(np.float32) / scale
        values = scorer.add(pred_u8, gt_u8, trimap=trimap, flow=flow, **fgr)
        rows.append({"dataset": pair.dataset, "clip": pair.clip, "frame": pair.stems[i], **values})
    return rows, notes


def _read_trimap(pair: ClipPair, i: int, gt_u8: np.ndarray, protocol: Protocol, radius: int,
                 notes: list[str]) -> np.ndarray:
    """Frame i's trimap: the given file, or one made from the ground truth (vmbench.trimaps). DIM's
    trimaps are normalised to 0/128/255 (vmbench.sources); tcvom and ftpvm read theirs as they are,
    since their references count ranges (0 < t < 255; >= 254, <= 1), not the value 128."""
    if pair.trimaps is None:
        return trimap_from_alpha(gt_u8, radius=radius)
    trimap = pair.trimaps.read(i, notes)
    if protocol.region == "dim":
        trimap = normalise_trimap(trimap, pair.trimaps.name(i), notes)
    if trimap.shape != gt_u8.shape:
        raise InputError(f"{pair.trimaps.name(i)}: trimap size does not match the ground truth {pair.gt.name(i)}")
    return trimap


def aggregate(frames, protocol: Protocol, metrics: tuple[str, ...]):
    """Per-clip means and the dataset figure, pooled as the protocol's reference pools them.

    `frames`: per-frame rows (dicts with dataset, clip and the metrics, clips contiguous, frames in
    order; a DataFrame is accepted and then clips come back as one). Returns (clip rows, summary).
    ``per-index`` (RVM/MatAnyone Excel sheet, `vmbench.engine.pooling.rvm_sheet`): mean over the
    first clip's frame indices of the mean over clips at that index; dtSSD's frame-0 zeros
    included. ``per-frame`` (DIM): mean over all frames (images). ``per-clip``: mean of the clip
    means; ``tcvom``: the same without the last clip in sorted order (`tcvom_dropped_clip`);
    ``ftpvm``: FTP-VM's sheet B2 (`ftpvm_index_span`). NaN values (a reference's 0/0) are left out
    of every mean; `protocol_notes` says so.
    """
    as_frame = hasattr(frames, "to_dict")
    rows = frames.to_dict(orient="records") if as_frame else frames
    clip_rows, per_clip = _clip_rows(rows, metrics)
    keys = [(c["dataset"], c["clip"]) for c in clip_rows]
    summary = {}
    kept = list(range(len(clip_rows)))
    if protocol.aggregation == "tcvom":
        dropped = tcvom_dropped_clip([k[0] for k in keys], [k[1] for k in keys])
        kept = [k for k in kept if k != dropped]
    for m in metrics:
        arrays = [v[m] for v in per_clip]
        if protocol.aggregation == "per-index":
            summary[m] = rvm_sheet(arrays, keys)
        elif protocol.aggregation in ("per-clip", "tcvom"):
            summary[m] = _nanmean([clip_rows[k][m] for k in kept])
        elif protocol.aggregation == "ftpvm":
            span = ftpvm_index_span([k[0] for k in keys], [k[1] for k in keys], [a.size for a in arrays])
            summary[m] = _nanmean([_nanmean([a[i] for a in arrays if a.size > i]) for i in range(span)])
        else:
            summary[m] = _nanmean(np.concatenate(arrays))
    if as_frame:
        import pandas as pd

        return pd.DataFrame(clip_rows, columns=["dataset", "clip", "frames", *metrics]), summary
    return clip_rows, summary


def _clip_rows(rows: list[dict], metrics) -> tuple[list[dict], list[dict[str, np.ndarray]]]:
    """(one row per clip with its frame count and metric means, each clip's per-frame arrays)."""
    spans: list[tuple[str, str, int, int]] = []
    for k, r in enumerate(rows):
        key = (r["dataset"], r["clip"])
        if spans and spans[-1][:2] == key:
            spans[-1] = (*key, spans[-1][2], k + 1)
        else:
            spans.append((*key, k, k + 1))
    clip_rows, per_clip = [], []
    for dataset, clip, a, b in spans:
        values = {m: np.array([rows[k][m] for k in range(a, b)], dtype=np.float64) for m in metrics}
        per_clip.append(values)
        clip_rows.append({"dataset": dataset, "clip": clip, "frames": b - a,
                          **{m: _nanmean(values[m]) for m in metrics}})
    return clip_rows, per_clip


def _nanmean(values) -> float:
    """Mean of the values that are not NaN; NaN when none is."""
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    return float(v.mean()) if v.size else float("nan")


SEGMENT_FRAMES = 32  # frames per work item at most: long clips spread over the workers


@dataclass(frozen=True)
class _Run:
    """A work item: frames start..stop-1 of one clip."""

    pair: ClipPair
    protocol: str
    metrics: tuple[str, ...]
    trimap_radius: int
    start: int
    stop: int


def _score_run(run: _Run) -> tuple[list[dict], list[str]]:
    return score_frames(run.pair, run.protocol, run.metrics, run.trimap_radius, run.start, run.stop)


def _runs(pairs, protocol_name, metrics, trimap_radius, workers: int = 1) -> list[_Run]:
    """Runs of at most SEGMENT_FRAMES frames; fewer frames than that per worker are split evenly
    over the workers, so one short clip is not scored by one thread alone."""
    total = sum(len(p.stems) for p in pairs)
    size = max(1, min(SEGMENT_FRAMES, -(-total // max(workers, 1))))
    return [_Run(p, protocol_name, metrics, trimap_radius, s, min(s + size, len(p.stems)))
            for p in pairs for s in range(0, len(p.stems), size)]


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
    precision: str = "u8",
    sparse_gt: int = 0,
    pairing=None,
) -> EvalResult:
    """Score the prediction tree `pred` against the ground-truth tree `gt`.

    Parameters
    ----------
    pred, gt : folders in one of the layouts of `vmbench.io.layouts` (the prediction mirrors the
        ground truth; frames are paired by stem).
    protocol : a name in `vmbench.protocols.PROTOCOLS` (default ``"rvm"``).
    metrics : subset of the protocol's metrics (default: its default set).
    trimap : folder mirroring `gt` with trimaps (``dim``, ``tcvom``, ``ftpvm``); if omitted, made
        from the ground truth (with a note).
    flow : folder mirroring `gt` with VM108's ``flow_<a>_<b>.png`` files (``tcvom``'s MESSDdt).
    workers : threads scoring frames in parallel (default: one per core); 1 scores in this thread.
    scheduler : a Dask scheduler address; runs of frames are then scored on its workers.
    precision : ``"u8"`` (default): float frames (TIFF/EXR/.npy) quantised to 8 bits as an 8-bit PNG
        of them would hold them; ``"float"``: scored at full precision (`vmbench.sources`).
    sparse_gt : ground truth on every N-th prediction frame only (CRGNN; `vmbench.io.layouts`);
        the ``crgnn`` protocol sets 10 itself.
    pairing : a dataset's own pairing ``(pred, gt, flow_root=None) -> (layout, pairs)`` in place of
        `pair_clips`; it finds its trimaps and flow itself (VM108: `vmbench.datasets.vm108`).
    """
    if scheduler:
        check_address(scheduler)  # a typo fails before anything is read
    proto = get_protocol(protocol)
    chosen = proto.resolve_metrics(metrics)
    if trimap is not None and not proto.uses_trimap:
        raise InputError(f"--trimap is only used by the trimap protocols (dim, tcvom, ftpvm), not {protocol!r}")
    flow_metrics = [m for m in chosen if m in proto.needs_flow]
    if flow is not None and not flow_metrics:
        raise InputError(f"--flow is only used by tcvom's MESSDdt and MESSDdt_fix, not by {protocol!r} with {', '.join(chosen)}")
    if flow is None and flow_metrics and pairing is None:  # a dataset's own pairing finds its flow itself
        raise InputError(f"protocol {protocol!r}: {', '.join(flow_metrics)} need the dataset's optical flow: "
                         f"give --flow DIR (VM108's flow_png), or leave them out with --metrics "
                         f"{','.join(m for m in chosen if m not in flow_metrics)}")
    if proto.gt_stride > 1:
        if sparse_gt not in (0, proto.gt_stride):
            raise InputError(f"protocol {protocol!r} scores ground truth on every {proto.gt_stride}th frame, "
                             f"not every {sparse_gt}th")
        sparse_gt = proto.gt_stride
    wants_fgr = "fgr_MAD" in chosen or "fgr_MSE" in chosen
    if pairing is not None:
        if trimap is not None:
            raise InputError("--trimap: this dataset's pairing finds its trimaps itself (VM108: the _tri.png "
                             "files beside the predictions)")
        layout, pairs = pairing(pred, gt, flow_root=flow)
        lacking = [p for p in pairs if flow_metrics and not p.flows]
        if lacking:
            raise InputError(f"{gt}: no optical flow for video {lacking[0].clip!r} ({len(lacking)} of {len(pairs)}), which "
                             f"{', '.join(flow_metrics)} need: give --flow DIR (VM108's flow_png), or leave them out "
                             f"with --metrics {','.join(m for m in chosen if m not in flow_metrics)}")
    else:
        layout, pairs = pair_clips(pred, gt, trimap_root=trimap, with_fgr=wants_fgr, sparse_gt=sparse_gt,
                                   precision=precision, flow_root=flow)
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise InputError("--workers must be at least 1")
    runs = _runs(pairs, proto.name, chosen, trimap_radius, 1 if scheduler else workers)
    results = run_items(_score_run, runs, workers=workers, scheduler=scheduler, progress=progress,
                        weight=lambda r: r.stop - r.start, unit="frame")
    rows = [row for run_rows, _ in results for row in run_rows]  # runs are in clip, then frame order
    notes = _summarise_notes([n for p in pairs for n in p.all_notes()] + [n for _, run_notes in results for n in run_notes])
    if proto.uses_trimap and trimap is None and pairing is None:
        notes.append(f"no --trimap: trimaps made from the ground truth (unknown band radius {trimap_radius}, "
                     f"docs/metrics.md); published {proto.name} numbers use the dataset's own trimaps")
    if precision == "float":
        notes.append("precision float: float frames scored at full precision, not quantised to 8 bits")
    clip_rows, summary = aggregate(rows, proto, chosen)
    notes += protocol_notes(proto, rows, clip_rows, chosen)
    if proto.aggregation == "per-index":
        _, per_clip = _clip_rows(rows, chosen)
        keys = [(c["dataset"], c["clip"]) for c in clip_rows]
        every = {m: every_index([v[m] for v in per_clip]) for m in chosen}
        notes += rvm_sheet_notes([c["frames"] for c in clip_rows], keys, every)
    return EvalResult(proto.name, chosen, rows, clip_rows, summary, layout, notes)


def protocol_notes(proto: Protocol, rows: list[dict], clip_rows: list[dict], metrics) -> list[str]:
    """Notes on what the protocol's reference does to these numbers: NaN frames, a clip left out."""
    notes = []
    reference = proto.reference.split(" (")[0].split(" + ")[0]
    for m in metrics:
        count = sum(1 for r in rows if r[m] != r[m])  # NaN
        if count:
            notes.append(NAN_NOTE.format(metric=m, count=count, reference=reference))
    if proto.aggregation == "tcvom" and clip_rows:
        k = tcvom_dropped_clip([c["dataset"] for c in clip_rows], [c["clip"] for c in clip_rows])
        if k is None:
            notes.append("one clip: TCVOM's calc_metric.py leaves the last video out of its average, so on one "
                         "video it divides by zero and prints no figure; vmbench's summary is that clip's mean")
        else:
            name = "/".join(x for x in (clip_rows[k]["dataset"], clip_rows[k]["clip"]) if x)
            notes.append(f"clip {name} is scored but left out of the summary, as TCVOM's calc_metric.py leaves "
                         f"the last video (sorted order) out of its average")
    return notes
