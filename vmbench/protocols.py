"""Evaluation protocols: which metrics, over which region, in which units, pooled how.

Each protocol reproduces one public evaluation script exactly (see docs/metrics.md):

* ``rvm``    RobustVideoMatting ``evaluate_lr.py`` = MatAnyone LR. Whole frame; Grad after per-image
             min-max; Conn; dtSSD with frame 0 counted as 0; the dataset figure is the mean over
             frame indices (of the first clip: vmbench.engine.pooling) of the mean over clips at that
             index (RVM's Excel sheet).
* ``rvm-hr`` ``evaluate_hr.py`` = MatAnyone HR. As ``rvm`` but Grad without min-max, and no Conn
             unless asked for.
* ``dim``    The Deep Image Matting MATLAB code (IndexNet mirror). Only trimap==128 pixels; SAD/1000;
             MSE unscaled mean over the unknown region; mat2gray before Grad; Grad and Conn /1000;
             IndexNet's rule for an empty intersection; largest-component ties in column-major order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vmbench.errors import InputError
from vmbench.metrics import _conn, _grad, _kernels, _pixel
from vmbench.metrics.table import meanings as metric_meanings

__all__ = ["Protocol", "PROTOCOLS", "get_protocol", "score_clip", "ClipScorer", "METRIC_ORDER"]

METRIC_ORDER = ("MAD", "MSE", "SAD", "Grad", "Conn", "dtSSD", "fgr_MAD", "fgr_MSE")
_RVM_THRESHOLDS = np.arange(0, 1.1, 0.1)  # numpy's arange, as RVM: 0.30000000000000004 etc.
_MATLAB_THRESHOLDS = np.array([0.0, 0.1, 0.2, 0.3, 0.4, 1 - 5 * 0.1, 1 - 4 * 0.1, 1 - 3 * 0.1, 1 - 2 * 0.1, 1 - 0.1, 1.0])
_ROW_K, _COL_K = _kernels.gaussian_gradient_kernel(1.4)
_ALPHA_U8 = _grad.alpha_values_u8()
_NO_MASK = np.zeros((1, 1), dtype=np.uint8)


@dataclass(frozen=True)
class Protocol:
    """A named evaluation protocol; `units` (from vmbench.metrics.table) says what each number means."""

    name: str
    reference: str
    default_metrics: tuple[str, ...]
    available_metrics: tuple[str, ...]
    units: dict
    uses_trimap: bool
    grad_minmax: bool
    conn_indexnet_rule: bool
    conn_column_major: bool
    aggregation: str  # "per-index" (RVM Excel sheet) or "per-frame" (mean over images)

    def resolve_metrics(self, requested: list[str] | None) -> tuple[str, ...]:
        """The metrics to compute: `requested` (validated, case-insensitive) or the defaults."""
        if not requested:
            return self.default_metrics
        by_lower = {m.lower(): m for m in self.available_metrics}
        chosen = []
        for name in requested:
            key = name.strip().lower()
            if key not in by_lower:
                raise InputError(
                    f"metric {name.strip()!r} is not part of protocol {self.name!r}; "
                    f"available: {', '.join(self.available_metrics)}"
                )
            if by_lower[key] not in chosen:
                chosen.append(by_lower[key])
        return tuple(m for m in METRIC_ORDER if m in chosen)



PROTOCOLS: dict[str, Protocol] = {
    "rvm": Protocol(
        name="rvm",
        reference="RobustVideoMatting evaluation/evaluate_lr.py (= MatAnyone eval_yt_lr.py / eval_lr.py)",
        default_metrics=("MAD", "MSE", "Grad", "Conn", "dtSSD"),
        available_metrics=("MAD", "MSE", "SAD", "Grad", "Conn", "dtSSD", "fgr_MAD", "fgr_MSE"),
        units=metric_meanings("rvm"),
        uses_trimap=False,
        grad_minmax=True,
        conn_indexnet_rule=False,
        conn_column_major=False,
        aggregation="per-index",
    ),
    "rvm-hr": Protocol(
        name="rvm-hr",
        reference="RobustVideoMatting evaluation/evaluate_hr.py (= MatAnyone eval_yt_hr.py / eval_hr.py)",
        default_metrics=("MAD", "MSE", "Grad", "dtSSD"),
        available_metrics=("MAD", "MSE", "SAD", "Grad", "Conn", "dtSSD", "fgr_MAD", "fgr_MSE"),
        units=metric_meanings("rvm-hr"),
        uses_trimap=False,
        grad_minmax=False,
        conn_indexnet_rule=False,
        conn_column_major=False,
        aggregation="per-index",
    ),
    "dim": Protocol(
        name="dim",
        reference="Deep Image Matting MATLAB code (compute_*_loss.m, IndexNet mirror hleval.m)",
        default_metrics=("SAD", "MSE", "Grad", "Conn"),
        available_metrics=("SAD", "MSE", "Grad", "Conn"),
        units=metric_meanings("dim"),
        uses_trimap=True,
        grad_minmax=True,
        conn_indexnet_rule=True,
        conn_column_major=True,
        aggregation="per-frame",
    ),
}


def get_protocol(name: str) -> Protocol:
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise InputError(f"unknown protocol {name!r}; available: {', '.join(PROTOCOLS)}") from None


class ClipScorer:
    """Scores the frames of one clip in order, keeping only the previous frame (for dtSSD).

    ``add(pred, gt)`` takes (H, W) alphas, both uint8 (read as float32(v) / 255, the way the
    references read 8-bit files; the kernels then work on the bytes through lookup tables) or
    float32 in [0, 1]; for trimap protocols a uint8 trimap; for fgr metrics float32 (H, W, 3)
    foregrounds. It returns {metric: value} in the protocol's units.
    """

    def __init__(self, protocol: Protocol, metrics: tuple[str, ...]):
        self.protocol = protocol
        self.metrics = metrics
        self._prev: tuple[np.ndarray, np.ndarray] | None = None
        self._thresholds = _MATLAB_THRESHOLDS if protocol.conn_column_major else _RVM_THRESHOLDS
        self._conn_tables = _conn.conn_tables(self._thresholds)

    def seed(self, pred, gt) -> None:
        """Take (pred, gt) as the previous frame, without scoring it (a run that starts mid-clip)."""
        self._prev = _same_kind(pred, gt)

    def add(self, pred, gt, *, trimap=None, pred_fgr=None, gt_fgr=None) -> dict[str, float]:
        """Score one frame (see the class docstring)."""
        proto = self.protocol
        wanted = self.metrics
        pred, gt = _same_kind(pred, gt)
        eight_bit = pred.dtype == np.uint8
        out: dict[str, float] = {}
        if proto.uses_trimap:
            if trimap is None:
                raise InputError(f"protocol {proto.name!r} needs a trimap for every frame")
            mask = np.ascontiguousarray(trimap == 128, dtype=np.uint8)
            use_mask = True
        else:
            mask, use_mask = _NO_MASK, False
        if {"MAD", "MSE", "SAD", "dtSSD"} & set(wanted):
            prev = self._prev
            if prev is not None and prev[0].dtype != pred.dtype:  # a float frame after an 8-bit one
                prev = _same_kind(*prev, as_float=True)
                pred, gt = _same_kind(pred, gt, as_float=True)
                eight_bit = False
            has_prev = prev is not None and "dtSSD" in wanted
            pp, pg = prev if has_prev else (pred, gt)  # (unread when there is no previous frame)
            s_abs, s_sq, count, s_dt = _pixel.pixel_sums(pred, gt, pp, pg, has_prev, mask, use_mask, eight_bit)
            if "MAD" in wanted:
                out["MAD"] = s_abs / count * 1e3 if count else 0.0
            if "SAD" in wanted:
                out["SAD"] = s_abs / 1e3
            if "MSE" in wanted:
                if proto.uses_trimap:  # DIM: mean over the unknown region, unscaled; 0 when empty
                    out["MSE"] = s_sq / count if count else 0.0
                else:
                    out["MSE"] = s_sq / count * 1e3
            if "dtSSD" in wanted:
                out["dtSSD"] = float(np.sqrt(s_dt / pred.size)) * 1e2 if has_prev else 0.0
            self._prev = (pred, gt)
        if "Grad" in wanted:
            total = _grad.grad_error(pred, gt, mask, use_mask, _ALPHA_U8, eight_bit, _ROW_K, _COL_K, proto.grad_minmax, proto.uses_trimap)
            out["Grad"] = total / 1e3
        if "Conn" in wanted:
            p, g, m = pred, gt, mask
            if proto.conn_column_major:  # MATLAB's label order: the first component in column-major order
                p, g = np.ascontiguousarray(p.T), np.ascontiguousarray(g.T)
                m = np.ascontiguousarray(mask.T) if use_mask else mask
            tables = self._conn_tables if eight_bit else None
            out["Conn"] = _conn.conn_error(p, g, m, use_mask, self._thresholds, proto.conn_indexnet_rule, tables) / 1e3
        if "fgr_MAD" in wanted or "fgr_MSE" in wanted:
            if pred_fgr is None or gt_fgr is None:
                raise InputError("foreground metrics need fgr/ frames in both the prediction and the ground truth")
            sel = gt > 0
            diff = pred_fgr[sel].astype(np.float64) - gt_fgr[sel].astype(np.float64)
            n = diff.size
            if "fgr_MAD" in wanted:
                out["fgr_MAD"] = float(np.abs(diff).sum() / n * 1e3) if n else 0.0
            if "fgr_MSE" in wanted:
                out["fgr_MSE"] = float((diff * diff).sum() / n * 1e3) if n else 0.0
        return {m: float(out[m]) for m in wanted}


def _same_kind(pred, gt, as_float: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Both frames C-contiguous and of one kind: uint8 if both are, else float32 (uint8 -> v / 255)."""
    pred, gt = np.asarray(pred), np.asarray(gt)
    if pred.dtype == np.uint8 and gt.dtype == np.uint8 and not as_float:
        return np.ascontiguousarray(pred), np.ascontiguousarray(gt)
    return _as_float(pred), _as_float(gt)


def _as_float(a: np.ndarray) -> np.ndarray:
    if a.dtype == np.uint8:
        return a.astype(np.float32) / np.float32(255.0)
    return np.ascontiguousarray(a, dtype=np.float32)


def _check_alpha(name: str, a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype == np.uint8:
        return _as_float(a)
    a = np.ascontiguousarray(a, dtype=np.float32)
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name}: contains NaN or infinite values")
    if a.size and (a.min() < 0 or a.max() > 1):
        raise InputError(f"{name}: values outside [0, 1] (min {a.min():g}, max {a.max():g})")
    return a


def score_clip(pred, gt, *, protocol: str = "rvm", metrics=None, trimaps=None) -> dict[str, np.ndarray]:
    """Per-frame metric values for one clip held in memory.

    Parameters
    ----------
    pred, gt : (T, H, W) alphas, float in [0, 1] or uint8 (divided by 255 in float32).
    protocol : ``"rvm"``, ``"rvm-hr"`` or ``"dim"``.
    metrics : names to compute (default: the protocol's defaults).
    trimaps : uint8 (T, H, W) trimaps (0/128/255) for the ``dim`` protocol.

    Returns {metric: float64 (T,) array} in the protocol's units.
    """
    proto = get_protocol(protocol)
    chosen = proto.resolve_metrics(list(metrics) if metrics else None)
    pred, gt = np.asarray(pred), np.asarray(gt)
    if not (pred.dtype == np.uint8 and gt.dtype == np.uint8):  # 8-bit frames go to the kernels as they are
        pred = _check_alpha("pred", pred)
        gt = _check_alpha("gt", gt)
    if pred.ndim != 3 or pred.shape != gt.shape:
        raise InputError(f"pred {pred.shape} and gt {gt.shape} must be (T, H, W) arrays of the same shape")
    scorer = ClipScorer(proto, chosen)
    rows = []
    for t in range(pred.shape[0]):
        trimap = None if trimaps is None else np.asarray(trimaps[t])
        rows.append(scorer.add(pred[t], gt[t], trimap=trimap))
    return {m: np.array([r[m] for r in rows], dtype=np.float64) for m in chosen}
