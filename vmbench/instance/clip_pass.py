"""Streaming passes over one instance/referring clip: memory is a few frames per instance.

Pass 1 (`match_stats`) reads the clip frame by frame and accumulates, for every (ground truth i,
prediction j) pair, the per-frame L1 and squared sums and the mask overlap counts (the same Numba
kernel the whole-clip path runs, one frame at a time, so the sums are the same bits). Those small
(T, n, m) arrays decide VIM's Hungarian matching and TQ. Pass 2 (`score_pairs`) reads the clip
again and scores each ground-truth sequence against its matched prediction with a `ClipScorer`
(the previous frame is all it keeps, for dtSSD), DAVIS J/F per frame and VIM's dtSSD error per
frame for the true-positive pairs.

MaGGIe's protocol scores calls of one or three frames (Grad normalised over each call's batch of
instances and frames); `maggie_sequences` streams it call by call.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from vmbench.instance._kernels import pair_frame_errors, pair_frame_stats
from vmbench.instance.vim import PairStats

__all__ = ["match_stats", "score_pairs", "maggie_sequences"]

Frames = Callable[[int], np.ndarray]  # t -> float32 (k, H, W): every sequence of one side at frame t


def match_stats(gt_frame: Frames, pred_frame: Frames, T: int, n: int, m: int, binarize: float,
                pixels: int) -> PairStats:
    """Per-frame pair sums of a clip, accumulated frame by frame (see `vmbench.instance.vim.PairStats`)."""
    l1 = np.zeros((T, n, m))
    sq = np.zeros((T, n, m))
    inter = np.zeros((T, n, m), dtype=np.int64)
    union = np.zeros((T, n, m), dtype=np.int64)
    if n and m:
        for t in range(T):
            g = np.ascontiguousarray(gt_frame(t)[:, None])
            p = np.ascontiguousarray(pred_frame(t)[:, None])
            a, b, c, d = pair_frame_stats(g, p, float(binarize))
            l1[t], sq[t], inter[t], union[t] = a[0], b[0], c[0], d[0]
    return PairStats(l1, sq, inter, union, pixels)


def score_pairs(gt_frame: Frames, pred_frame: Frames, partner: list[int | None], T: int, *,
                protocol: str, metrics: tuple[str, ...], davis: tuple[str, ...], davis_threshold: float,
                trimap_radius: int, dtssd_pairs: list[tuple[int, int]] = ()) -> tuple[list[dict], dict]:
    """Per-frame values of each ground-truth sequence i against prediction `partner[i]` (None: an
    all-zero matte), streamed; plus VIM's per-frame dtSSD error of each (i, j) in `dtssd_pairs`.

    Returns ([{metric: float64 (T,)} per sequence], {(i, j): float64 (T,)}).
    """
    from vmbench.protocols import ClipScorer, get_protocol

    proto = get_protocol(protocol) if metrics else None
    n = len(partner)
    scorers = [ClipScorer(proto, metrics) for _ in range(n)] if metrics else []
    values = [{k: np.zeros(T) for k in (*metrics, *davis)} for _ in range(n)]
    errors = {pair: np.zeros(T) for pair in dtssd_pairs}
    previous = None
    for t in range(T):
        g = gt_frame(t)
        p = pred_frame(t)
        zeros = np.zeros(g.shape[1:], dtype=np.float32)
        for i in range(n):
            pi = p[partner[i]] if partner[i] is not None else zeros
            if metrics:
                trimap = None
                if proto.uses_trimap:
                    from vmbench.trimaps import trimap_from_alpha

                    g_u8 = np.clip(np.rint(g[i].astype(np.float64) * 255), 0, 255).astype(np.uint8)
                    trimap = trimap_from_alpha(g_u8, radius=trimap_radius)
                for k, v in scorers[i].add(pi, g[i], trimap=trimap).items():
                    values[i][k][t] = v
            if davis:
                from vmbench.instance.davis import davis_jf

                j, f = davis_jf(pi[None], g[i][None], threshold=davis_threshold)
                if "J" in davis:
                    values[i]["J"][t] = j[0]
                if "F" in davis:
                    values[i]["F"][t] = f[0]
        if previous is not None:
            for (i, j) in dtssd_pairs:
                gs = np.ascontiguousarray(np.stack([previous[0][i], g[i]]))
                ps = np.ascontiguousarray(np.stack([previous[1][j], p[j]]))
                errors[(i, j)][t] = pair_frame_errors(gs, ps, 2)[1]
        previous = (g, p) if dtssd_pairs else None
    return values, errors


def maggie_sequences(gt_frame: Frames, pred_frame: Frames, partner: list[int | None], T: int,
                     metrics: tuple[str, ...]) -> list[dict]:
    """MaGGIe's per-map values of each sequence, streamed call by call (a window of at most five
    frames per instance), by running `maggie_clip` itself on sub-clips whose own calls are the
    clip's calls, so every value is the one `maggie_clip` gives on the clip held whole:

    * per-map metrics and Grad (normalised over its call's batch): each call's frames, alone (a clip
      of <= 3 frames is one call);
    * temporal metrics of the last call (pairs from frame T-4): the sub-clip T-4..T-1 (its last call);
    * dtSSD of a middle call k (pair k-1, k): the sub-clip k-1..k+3, whose call 1 is (k, [(k-1, k)]);
      MESSDdt of that call: `messddt_call` on frames k-1, k.
    """
    from vmbench.instance.maggie import clamp_prediction, maggie_clip, maggie_windows, messddt_call

    n = len(partner)
    if not metrics:
        return [{} for _ in partner]
    out = {m: np.full((n, T), np.nan) for m in metrics}
    temporal = tuple(m for m in metrics if m in ("dtSSD", "MESSDdt"))
    per_map = tuple(m for m in metrics if m not in temporal)
    cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def frames(ts) -> tuple[np.ndarray, np.ndarray]:
        """(pred, gt) float32 (n, len(ts), H, W) of the GT sequences and their partners."""
        for t in ts:
            if t not in cache:
                g = gt_frame(t)
                p = pred_frame(t)
                zeros = np.zeros(g.shape[1:], dtype=np.float32)
                cache[t] = (np.stack([p[j] if j is not None else zeros for j in partner]), g)
        for t in [t for t in cache if t < min(ts) - 1]:  # keep a window of a few frames
            del cache[t]
        return (np.stack([cache[t][0] for t in ts], axis=1), np.stack([cache[t][1] for t in ts], axis=1))

    for call, pairs in maggie_windows(T):
        if per_map:
            p, g = frames(call)
            sub = maggie_clip(p, g, metrics=per_map)
            for m in per_map:
                out[m][:, call] = sub[m]
        if not (temporal and pairs):
            continue
        last = call[-1]
        if len(call) > 1:  # the last call: frames T-3..T-1, pairs from T-4
            p, g = frames(range(T - 4, T))
            sub = maggie_clip(p, g, metrics=temporal)
            for m in temporal:
                out[m][:, last] = sub[m][:, 3]
            continue
        if "dtSSD" in temporal:
            p, g = frames(range(last - 1, last + 4))
            out["dtSSD"][:, last] = maggie_clip(p, g, metrics=("dtSSD",))["dtSSD"][:, 1]
        if "MESSDdt" in temporal:
            p, g = frames([last - 1, last])
            p = clamp_prediction(p)
            for i in range(n):
                out["MESSDdt"][i, last] = messddt_call(p[i], np.ascontiguousarray(g[i]), [(0, 1)])
    return [{m: out[m][k] for m in metrics} for k in range(n)]
