"""Video Instance Matting quality: RQ, TQ, MQ and VIMQ, as SHI-Labs/VIM ``metrics_vim.py`` computes them.

Per clip (ground-truth instances G, predicted instances P, both (n, T, H, W) in [0, 1]):

* match: Hungarian assignment (scipy ``linear_sum_assignment``) on the whole-clip L1 cost
  ``sum_{t,px} |G_i - P_j|``; min(n, m) pairs.
* RQ: each pair's mean over frames of the mask IoU (masks = alpha > `binarize`; IoU 0 when the
  union is empty) makes it a true positive if strictly > `iou_threshold`; otherwise FP and FN both
  grow by one. Unmatched instances are FP / FN. ``RS = TP / (TP + FP/2 + FN/2) * mean(TP IoUs)``.
* TQ: for each frame, the Hungarian assignment on that frame's L1 cost; a TP pair scores 1 when the
  frame assigns its ground truth to the same prediction, else 0; mean over pairs, then frames.
* MQ: per TP pair and frame ``1 - min(1, err * weight)`` with err = MSE, MAD or dtSSD (RMS of the
  temporal-derivative error; frame 0 scores 1); mean over frames, then pairs.
* TQ and MQ are 0 when RS is 0. Dataset: RQ, TQ, MQ = means over clips; VIMQ = RQ * TQ * MQ
  (the product of the means, not the mean of per-clip products).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from vmbench.errors import InputError
from vmbench.instance._kernels import pair_frame_errors, pair_frame_stats

__all__ = ["VimOptions", "VimClip", "VimMatch", "PairStats", "pair_stats", "vim_clip", "vim_match", "vim_scores",
           "near_ties", "vim_dataset", "VIM_ERRORS"]

VIM_ERRORS = ("MSE", "MAD", "dtSSD")


@dataclass(frozen=True)
class VimOptions:
    """VIM settings. Defaults are ``metrics_vim.py``'s CLI defaults; `paper()` the WACV'24 paper's."""

    iou_threshold: float = 0.5  # --iou: a pair is a TP when its mean IoU is strictly greater
    binarize: float = 0.5       # masks are alpha > binarize (the script hard-codes 0.5)
    weight: float | None = None  # None: 50 (the script's --weight default; the paper uses 10 for dtSSD)
    error: str = "MSE"           # --error: MSE, MAD or dtSSD
    paper: bool = False          # the paper's settings: binarize at alpha > 0, weight 10 for dtSSD

    def __post_init__(self):
        if self.error not in VIM_ERRORS:
            raise InputError(f"VIM error {self.error!r} unknown; choose one of {', '.join(VIM_ERRORS)}")
        if self.weight is not None and not self.weight > 0:
            raise InputError(f"VIM weight must be positive, got {self.weight}")

    @property
    def effective_weight(self) -> float:
        if self.weight is not None:
            return float(self.weight)
        return 10.0 if (self.paper and self.error == "dtSSD") else 50.0

    @property
    def effective_binarize(self) -> float:
        return 0.0 if self.paper else float(self.binarize)


@dataclass
class PairStats:
    """Per-frame sums over pixels of every (gt i, pred j) pair, arrays (T, n, m): L1 |g - p|,
    squared (g - p)^2, and the intersection / union pixel counts of the binarised masks."""

    l1: np.ndarray
    sq: np.ndarray
    inter: np.ndarray
    union: np.ndarray
    pixels: int = 1

    @property
    def clip_cost(self) -> np.ndarray:
        return self.l1.sum(axis=0)

    def frame_iou(self, i: int, j: int) -> np.ndarray:
        """IoU per frame of pair (i, j); 0 where the union is empty (VIM's rule)."""
        u = self.union[:, i, j]
        out = np.zeros(u.shape, dtype=np.float64)
        np.divide(self.inter[:, i, j], u, out=out, where=u > 0)
        return out


def _as_stack(name: str, a) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype == np.uint8:
        a = a.astype(np.float32) / np.float32(255.0)
    a = np.ascontiguousarray(a, dtype=np.float32)
    if a.ndim != 4:
        raise InputError(f"{name}: expected an (instances, T, H, W) stack, got shape {a.shape}")
    return a


def pair_stats(pred, gt, *, binarize: float = 0.5) -> PairStats:
    """L1 costs and overlap counts of all pairs (Numba, parallel over frames, float64 sums)."""
    pred = _as_stack("pred", pred)
    gt = _as_stack("gt", gt)
    n, T = gt.shape[:2]
    m = pred.shape[0]
    if m and pred.shape[1:] != gt.shape[1:]:
        raise InputError(f"prediction stack {pred.shape[1:]} and ground truth {gt.shape[1:]} differ in (T, H, W)")
    pixels = int(gt.shape[2] * gt.shape[3])
    if n == 0 or m == 0:
        z = np.zeros((T, n, m))
        return PairStats(z, z.copy(), z.astype(np.int64), z.astype(np.int64), pixels)
    l1, sq, inter, union = pair_frame_stats(gt, pred, float(binarize))
    return PairStats(l1, sq, inter, union, pixels)


@dataclass
class VimClip:
    """One clip's VIM scores and the matching behind them (indices into the gt / pred stacks)."""

    RQ: float
    TQ: float
    MQ: float
    pairs: list[tuple[int, int]]
    tp: list[tuple[int, int]]
    pair_iou: dict = field(default_factory=dict)  # (i, j) -> mean IoU over frames
    TP: int = 0
    FP: int = 0
    FN: int = 0
    near_ties: list = field(default_factory=list)  # whole-clip matching, see `near_ties`
    frame_ties: dict = field(default_factory=dict)  # TQ's per-frame matchings: {frame: near-ties}

    @property
    def VIMQ(self) -> float:
        return self.RQ * self.TQ * self.MQ


def vim_clip(pred, gt, *, options: VimOptions = VimOptions(), stats: PairStats | None = None) -> VimClip:
    """RQ / TQ / MQ of one clip held in memory. pred (m, T, H, W), gt (n, T, H, W) alphas in [0, 1]; m may be 0."""
    pred = _as_stack("pred", pred)
    gt = _as_stack("gt", gt)
    if stats is None:
        stats = pair_stats(pred, gt, binarize=options.effective_binarize)
    match = vim_match(stats, gt.shape[0], pred.shape[0], options)
    dt = {}
    if options.error == "dtSSD":
        dt = {(r, c): pair_frame_errors(gt[r], pred[c], 2) for r, c in match.tp}
    return vim_scores(match, stats, options, dt)


@dataclass
class VimMatch:
    """The whole-clip matching of one clip and its recognition part (RS), before TQ and MQ."""

    pairs: list[tuple[int, int]]
    tp: list[tuple[int, int]]
    pair_iou: dict
    fp: int
    fn: int
    rs: float
    near_ties: list[tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)


def vim_match(stats: PairStats, n: int, m: int, options: VimOptions = VimOptions()) -> VimMatch:
    """Hungarian matching on the whole-clip L1 costs, mean IoUs and RS, from accumulated `stats`."""
    if n == 0:
        raise InputError("ground truth clip has no instances")
    fp = max(m - n, 0)
    fn = max(n - m, 0)
    pairs: list[tuple[int, int]] = []
    ties = []
    if m:
        cost = stats.clip_cost
        rows, cols = linear_sum_assignment(cost)
        pairs = [(int(r), int(c)) for r, c in zip(rows, cols)]
        ties = near_ties(cost, pairs, stats.l1.shape[0] * stats.pixels)
    tp, ious, pair_iou = [], [], {}
    for r, c in pairs:
        miou = float(np.mean(stats.frame_iou(r, c)))
        pair_iou[(r, c)] = miou
        if miou > options.iou_threshold:
            tp.append((r, c))
            ious.append(miou)
        else:
            fp += 1
            fn += 1
    rs = len(tp) / (len(tp) + 0.5 * fp + 0.5 * fn)
    if ious:
        rs *= float(np.mean(ious))
    return VimMatch(pairs, tp, pair_iou, fp, fn, rs, ties)


def vim_scores(match: VimMatch, stats: PairStats, options: VimOptions, dtssd: dict) -> VimClip:
    """The clip's VimClip: TQ from the per-frame costs, MQ from the TP pairs' errors (`dtssd`:
    (r, c) -> per-frame dtSSD, needed only when options.error is dtSSD)."""
    m = match
    if m.rs == 0.0:
        return VimClip(0.0, 0.0, 0.0, m.pairs, m.tp, m.pair_iou, len(m.tp), m.fp, m.fn, m.near_ties)
    tq, frame_ties = _tracking(stats, m.tp)
    return VimClip(m.rs, tq, _similarity(m.tp, options, stats, dtssd), m.pairs, m.tp,
                   m.pair_iou, len(m.tp), m.fp, m.fn, m.near_ties, frame_ties)


FLOAT32_EPS = float(np.finfo(np.float32).eps)


def near_ties(cost: np.ndarray, pairs: list[tuple[int, int]], terms: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Alternatives to the chosen assignment whose total cost is within float32 error of it.

    VIM computes each cost as one float32 sum of `terms` values (``torch.cdist``); its relative
    error is taken as eps32 * ceil(log2(terms)) (blocked summation). For every two matched pairs
    (swapping their predictions) and every matched pair against an unmatched prediction or ground
    truth, a gap within that error is a near-tie: float32 rounding in the reference may pick the
    other assignment. Returns (ground-truth indices, prediction indices) of each near-tie.
    """
    rel = FLOAT32_EPS * max(1, int(np.ceil(np.log2(max(terms, 2)))))
    n, m = cost.shape
    out = []

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= rel * max(abs(a), abs(b))

    matched_rows = {r for r, _ in pairs}
    matched_cols = {c for _, c in pairs}
    for k, (r1, c1) in enumerate(pairs):
        for r2, c2 in pairs[k + 1:]:
            if close(cost[r1, c1] + cost[r2, c2], cost[r1, c2] + cost[r2, c1]):
                out.append(((r1, r2), (c1, c2)))
        for c in range(m):
            if c not in matched_cols and close(cost[r1, c1], cost[r1, c]):
                out.append(((r1,), (c1, c)))
        for r in range(n):
            if r not in matched_rows and close(cost[r1, c1], cost[r, c1]):
                out.append(((r1, r), (c1,)))
    return out


def _tracking(stats: PairStats, tp: list[tuple[int, int]]) -> tuple[float, dict]:
    """TQ, and {frame: near-ties} of the per-frame matchings that involve a TP ground truth."""
    per_frame = []
    tied = {}
    tp_rows = {r for r, _ in tp}
    for t in range(stats.l1.shape[0]):
        rows, cols = linear_sum_assignment(stats.l1[t])
        assigned = dict(zip(rows.tolist(), cols.tolist()))
        per_frame.append(float(np.mean([1.0 if assigned.get(r) == c else 0.0 for r, c in tp])))
        ties = [tie for tie in near_ties(stats.l1[t], list(assigned.items()), stats.pixels) if tp_rows & set(tie[0])]
        if ties:
            tied[t] = ties
    return float(np.mean(per_frame)), tied


def _similarity(tp, options: VimOptions, stats: PairStats, dtssd: dict) -> float:
    w = options.effective_weight
    scores = []
    for r, c in tp:
        if options.error == "MSE":  # per-frame means from the sums of the matching pass
            err = stats.sq[:, r, c] / stats.pixels
        elif options.error == "MAD":
            err = stats.l1[:, r, c] / stats.pixels
        else:
            err = np.asarray(dtssd[(r, c)], dtype=np.float64)
        s = 1.0 - np.minimum(1.0, err * w)
        if options.error == "dtSSD":
            s[0] = 1.0
        scores.append(float(np.mean(s)))
    return float(np.mean(scores))


def vim_dataset(clips: list[VimClip]) -> dict[str, float]:
    """Dataset RQ, TQ, MQ (means over clips) and VIMQ = RQ * TQ * MQ."""
    if not clips:
        return {"RQ": 0.0, "TQ": 0.0, "MQ": 0.0, "VIMQ": 0.0}
    rq = float(np.mean([c.RQ for c in clips]))
    tq = float(np.mean([c.TQ for c in clips]))
    mq = float(np.mean([c.MQ for c in clips]))
    return {"RQ": rq, "TQ": tq, "MQ": mq, "VIMQ": rq * tq * mq}
