"""DAVIS region (J) and boundary (F) measures on binarised mattes, as davis2017-evaluation defines them.

* J: IoU of the masks (alpha > threshold); 1 when both masks are empty (``db_eval_iou``).
* F: boundary F-measure (``f_measure``). Boundaries by the seg2bmap rule (a pixel is a boundary pixel
  when it differs from its east, south or south-east neighbour; last row compares east only, last
  column south only, the bottom-right pixel is never a boundary). Tolerance: bound_th = 0.008 ->
  bound_pix = ceil(0.008 * sqrt(H^2 + W^2)); each boundary is dilated with a disk of that radius
  (skimage ``disk``); precision = matched predicted boundary / predicted boundary, recall likewise;
  empty-boundary rules: both empty -> P = R = 1; only prediction empty -> P = 1, R = 0; only GT
  empty -> P = 0, R = 1; F = 2PR / (P + R), 0 when P + R = 0.
VideoMaMa reports J&F = (mean J + mean F) / 2 on binarised mattes.

Summaries (`davis_statistics`, `davis_summary`) follow davis2017-evaluation's ``db_statistics`` and
``evaluation_method.py``: per sequence (one object), mean M = nanmean, recall R = nanmean(v > 0.5),
decay D = nanmean of the first of 4 bins minus nanmean of the last (bin edges
round(linspace(1, n, 5) + 1e-10) - 1 stored as uint8, so sequences past 256 frames wrap as there,
and the bin end ``edge + 1`` wraps at 255 as NumPy 2 computes it);
the dataset figure is the mean over sequences, J&F = (J-Mean + F-Mean) / 2. Frame rule ``davis``
(default): each sequence's first and last frame are dropped first (the semi-supervised task's
``[:, 1:-1]``: the first frame is the given mask); rule ``all`` keeps every frame.
"""

from __future__ import annotations

import math
import warnings

import cv2
import numpy as np

from vmbench.errors import InputError

__all__ = ["seg2bmap", "davis_j", "davis_f", "davis_jf", "JF_RULES", "davis_frames", "davis_statistics", "davis_summary"]

JF_RULES = ("davis", "all")


def seg2bmap(seg: np.ndarray) -> np.ndarray:
    """bool (H, W) one-pixel boundary map of a binary mask (davis2017's seg2bmap at full size)."""
    seg = np.asarray(seg, dtype=bool)
    e = np.zeros_like(seg)
    s = np.zeros_like(seg)
    se = np.zeros_like(seg)
    e[:, :-1] = seg[:, 1:]
    s[:-1, :] = seg[1:, :]
    se[:-1, :-1] = seg[1:, 1:]
    b = (seg ^ e) | (seg ^ s) | (seg ^ se)
    b[-1, :] = seg[-1, :] ^ e[-1, :]
    b[:, -1] = seg[:, -1] ^ s[:, -1]
    b[-1, -1] = False
    return b


def davis_j(pred_mask: np.ndarray, gt_mask: np.ndarray, void: np.ndarray | None = None) -> float:
    """Region similarity of two bool (H, W) masks; 1.0 when the union is empty.

    `void` (bool (H, W), optional): pixels left out of intersection and union (``db_eval_iou``).
    """
    keep = True if void is None else ~np.asarray(void, dtype=bool)
    union = np.count_nonzero((pred_mask | gt_mask) & keep)
    if union == 0:
        return 1.0
    return np.count_nonzero((pred_mask & gt_mask) & keep) / union


def davis_f(pred_mask: np.ndarray, gt_mask: np.ndarray, void: np.ndarray | None = None, *,
            bound_th: float = 0.008) -> float:
    """Boundary F-measure of two bool (H, W) masks with DAVIS's tolerance.

    `void` (bool (H, W), optional): both masks are cleared there before their boundaries are taken
    (``f_measure``), so a void region's edge can add boundary pixels, as in the reference.
    """
    bound_pix = bound_th if bound_th >= 1 else math.ceil(bound_th * math.hypot(*pred_mask.shape))
    if void is not None:
        keep = ~np.asarray(void, dtype=bool)
        pred_mask, gt_mask = np.asarray(pred_mask, dtype=bool) & keep, np.asarray(gt_mask, dtype=bool) & keep
    fg_b = seg2bmap(pred_mask)
    gt_b = seg2bmap(gt_mask)
    from skimage.morphology import disk  # here: scikit-image costs ~60 ms of an instance eval's start-up

    se = disk(int(bound_pix)).astype(np.uint8)
    fg_dil = cv2.dilate(fg_b.astype(np.uint8), se) > 0
    gt_dil = cv2.dilate(gt_b.astype(np.uint8), se) > 0
    n_fg = int(fg_b.sum())
    n_gt = int(gt_b.sum())
    if n_fg == 0 and n_gt > 0:
        precision, recall = 1.0, 0.0
    elif n_fg > 0 and n_gt == 0:
        precision, recall = 0.0, 1.0
    elif n_fg == 0 and n_gt == 0:
        precision, recall = 1.0, 1.0
    else:
        precision = np.count_nonzero(fg_b & gt_dil) / n_fg
        recall = np.count_nonzero(gt_b & fg_dil) / n_gt
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def davis_jf(pred, gt, *, threshold: float = 0.5, bound_th: float = 0.008) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame J and F of mattes (T, H, W) binarised at alpha > `threshold` (float64 arrays (T,))."""
    pred = np.asarray(pred)
    gt = np.asarray(gt)
    if pred.dtype == np.uint8:
        pred = pred.astype(np.float32) / np.float32(255.0)
    if gt.dtype == np.uint8:
        gt = gt.astype(np.float32) / np.float32(255.0)
    if pred.ndim == 2:
        pred, gt = pred[None], gt[None]
    if pred.shape != gt.shape or pred.ndim != 3:
        raise InputError(f"pred {pred.shape} and gt {gt.shape} must be (T, H, W) arrays of the same shape")
    thr = np.float32(threshold)
    pm = pred > thr
    gm = gt > thr
    j = np.array([davis_j(pm[t], gm[t]) for t in range(pred.shape[0])], dtype=np.float64)
    f = np.array([davis_f(pm[t], gm[t], bound_th=bound_th) for t in range(pred.shape[0])], dtype=np.float64)
    return j, f


def davis_frames(values: np.ndarray, rule: str = "davis") -> np.ndarray:
    """The per-frame values a rule scores: without the first and last frame (``davis``) or all."""
    if rule not in JF_RULES:
        raise InputError(f"J&F frame rule {rule!r} unknown; choose {' or '.join(JF_RULES)}")
    values = np.asarray(values, dtype=np.float64)
    return values[1:-1] if rule == "davis" else values


def davis_statistics(values: np.ndarray) -> tuple[float, float, float]:
    """(mean, recall, decay) of one sequence's per-frame J or F, as ``db_statistics`` computes them.

    NaN (with no warning) where a sequence has no frame left; decay of fewer than 4 frames uses the
    same (possibly empty) bins as the reference.
    """
    v = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=RuntimeWarning)
        mean = float(np.nanmean(v)) if v.size else float("nan")
        recall = float(np.nanmean(v > 0.5)) if v.size else float("nan")
        edges = (np.round(np.linspace(1, len(v), 5) + 1e-10) - 1).astype(np.uint8)
        first = v[edges[0]:edges[1] + 1]
        last = v[edges[3]:edges[4] + 1]
        m_first = float(np.nanmean(first)) if first.size else float("nan")
        m_last = float(np.nanmean(last)) if last.size else float("nan")
    return mean, recall, m_first - m_last


def davis_summary(j_seqs, f_seqs, rule: str = "davis") -> dict[str, float]:
    """Dataset J/F mean, recall, decay and J&F from per-sequence per-frame values (lists of arrays).

    Keys: J, J-Recall, J-Decay, F, F-Recall, F-Decay, J&F (a key is left out when its list is
    empty). Sequences whose statistic is NaN (no frame under the rule) are left out of the mean.
    """
    out: dict[str, float] = {}
    for name, seqs in (("J", j_seqs), ("F", f_seqs)):
        if not seqs:
            continue
        stats = np.array([davis_statistics(davis_frames(v, rule)) for v in seqs], dtype=np.float64)
        for k, key in enumerate((name, f"{name}-Recall", f"{name}-Decay")):
            col = stats[:, k]
            col = col[~np.isnan(col)]
            out[key] = float(col.mean()) if col.size else float("nan")
    if "J" in out and "F" in out:
        out["J&F"] = (out["J"] + out["F"]) / 2
    return out
