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
             MSE is 0/0 = NaN on a frame with no unknown pixel (MATLAB's answer); see `NAN_NOTE`.
* ``crgnn``  MatAnyone2 ``evaluation/eval_crgnn.py``: rvm-hr metrics (MAD, MSE, Grad, dtSSD) on sparse
             ground truth (GT frame k is prediction frame 10k); dtSSD between consecutive annotated frames.
* ``tcvom``  TCVOM ``calc_metric.py`` (VM108): only 0 < trimap < 255; mSAD (a mean), MSE, SSDA, dtSSD,
             MESSDdt and MESSDdt_fix with the dataset's flow PNGs; per-video means, then the mean over
             videos, the last video (sorted order) left out as the script leaves it out.
* ``ftpvm``  FTP-VM ``evalutation/evaluate_lr.py`` (trimap-wise): rvm metrics over the whole frame and
             per trimap region fg (>= 254), tran, bg (<= 1), plus the raw SAD; Conn whole-frame only.
* ``videomama`` VideoMaMa (paper only, no released code): MAD-T on the eroded-fg/bg transition region,
             beside whole-frame MAD, MSE and Grad.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vmbench.errors import InputError
from vmbench.metrics import _conn, _grad, _kernels, _pixel, _region, _temporal
from vmbench.metrics.table import meanings as metric_meanings

__all__ = ["Protocol", "PROTOCOLS", "get_protocol", "score_clip", "ClipScorer", "METRIC_ORDER"]

_BASE_ORDER = ("MAD", "MAD-T", "mSAD", "MSE", "SAD", "SSDA", "Grad", "Conn", "dtSSD", "MESSDdt", "MESSDdt_fix")
_FTPVM_REGIONS = ("fg", "tran", "bg")  # label 0, 1, 2 of an FTP-VM trimap
_FTPVM_SPLIT = ("MAD", "SAD", "MSE", "Grad", "dtSSD")
METRIC_ORDER = (_BASE_ORDER + ("fgr_MAD", "fgr_MSE")
                + tuple(f"{r}_{m}" for r in _FTPVM_REGIONS for m in _FTPVM_SPLIT))
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
    aggregation: str  # "per-index" (RVM Excel sheet), "per-frame" (mean over images), "per-clip"
    #                   (mean of clip means), "tcvom" (per-clip, last clip left out), "ftpvm" (Excel B2)
    region: str = ""  # "" whole frame; "dim" trimap == 128; "tcvom" 0 < trimap < 255; "ftpvm" fg/tran/bg
    gt_stride: int = 1  # ground-truth frame k is prediction frame k * gt_stride (crgnn: 10)
    needs_flow: tuple[str, ...] = ()  # metrics that read the dataset's optical flow (tcvom)

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
        region="dim",
    ),
}


PROTOCOLS["crgnn"] = Protocol(
    name="crgnn",
    reference="MatAnyone2 evaluation/eval_crgnn.py (rvm-hr metrics on CRGNN's every-10th-frame ground truth)",
    default_metrics=("MAD", "MSE", "Grad", "dtSSD"),
    available_metrics=("MAD", "MSE", "Grad", "dtSSD"),
    units=metric_meanings("crgnn"),
    uses_trimap=False, grad_minmax=False, conn_indexnet_rule=False, conn_column_major=False,
    aggregation="per-index", gt_stride=10,
)
PROTOCOLS["tcvom"] = Protocol(
    name="tcvom",
    reference="TCVOM calc_metric.py + utils/utils.py flow_dt (VM108)",
    default_metrics=("mSAD", "MSE", "SSDA", "dtSSD", "MESSDdt", "MESSDdt_fix"),
    available_metrics=("mSAD", "MSE", "SSDA", "dtSSD", "MESSDdt", "MESSDdt_fix"),
    units=metric_meanings("tcvom"),
    uses_trimap=True, grad_minmax=False, conn_indexnet_rule=False, conn_column_major=False,
    aggregation="tcvom", region="tcvom", needs_flow=("MESSDdt", "MESSDdt_fix"),
)
PROTOCOLS["ftpvm"] = Protocol(
    name="ftpvm",
    reference="FTP-VM evalutation/evaluate_lr.py (is_trimap_wise=True)",
    default_metrics=("MAD", "SAD", "MSE", "Grad", "Conn", "dtSSD")
    + tuple(f"{r}_{m}" for r in _FTPVM_REGIONS for m in _FTPVM_SPLIT),
    available_metrics=("MAD", "SAD", "MSE", "Grad", "Conn", "dtSSD")
    + tuple(f"{r}_{m}" for r in _FTPVM_REGIONS for m in _FTPVM_SPLIT),
    units=metric_meanings("ftpvm"),
    uses_trimap=True, grad_minmax=True, conn_indexnet_rule=False, conn_column_major=False,
    aggregation="ftpvm", region="ftpvm",
)
PROTOCOLS["videomama"] = Protocol(
    name="videomama",
    reference="VideoMaMa paper (arXiv 2601.14255) section 5.2 and appendix B; no evaluation code released",
    default_metrics=("MAD", "MAD-T", "MSE", "Grad"),
    available_metrics=("MAD", "MAD-T", "MSE", "Grad"),
    units=metric_meanings("videomama"),
    uses_trimap=False, grad_minmax=False, conn_indexnet_rule=False, conn_column_major=False,
    aggregation="per-clip",
)

#: how each aggregation rule pools frames into the dataset figure, in words (printed under the table)
POOLING_TEXT = {
    "per-index": "mean over the first clip's frame indices of the per-index mean over clips (RVM's sheet)",
    "per-frame": "mean over all frames",
    "per-clip": "mean over clips of each clip's mean over frames",
    "tcvom": "mean over clips of each clip's mean over frames, the last clip (sorted order) left out (TCVOM)",
    "ftpvm": "mean over frame indices of the per-index mean over clips (FTP-VM's 'Frame-wise avg.' cell B2)",
}

#: the note eval prints when a metric has frames where the reference's value is NaN (0/0)
NAN_NOTE = ("{metric}: {count} frame(s) have an empty region, where {reference} computes 0/0 = NaN "
            "(its mean would print NaN); they are null in the frame rows and left out of the means")


def tcvom_dropped_clip(datasets: list[str], clips: list[str]) -> int | None:
    """Index of the clip TCVOM's ``calc_metric.py`` leaves out of its average: the last video in
    sorted path order (its loop appends a video only when the next one starts). None for a one-clip
    set: the script would then average no video and divide by zero; vmbench keeps that clip."""
    keys = [f"{d}/{c}" if d else c for d, c in zip(datasets, clips)]
    if len(keys) < 2:
        return None
    return max(range(len(keys)), key=lambda k: keys[k])


def ftpvm_index_span(datasets: list[str], clips: list[str], lengths: list[int]) -> int:
    """How many frame indices FTP-VM's sheet averages in its "Frame-wise avg." (cell B2).

    Its writer adds per-index AVERAGE cells while writing a clip's row only when the row before it
    (sorted path order) was longer than the cells so far (a lagging length test), so B2 averages
    indices 0..span-1: the first clip's length, extended by the rows that pass that test.
    """
    order = sorted(range(len(lengths)), key=lambda k: (datasets[k], clips[k]))
    ls = [lengths[k] for k in order]
    span = written = ls[0]
    for r in range(1, len(ls)):
        if ls[r - 1] > written:
            span = max(span, ls[r])
            written = ls[r]
    return span


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
    foregrounds; for ``tcvom``'s MESSDdt the flow from the previous frame to this one as
    (flow float32 (H, W, 2), valid uint8 (H, W)) (`vmbench.metrics.flow.read_flow_png`).
    It returns {metric: value} in the protocol's units (NaN where the reference divides 0 by 0).

    Temporal metrics of the pair (t-1, t) are reported on frame t, 0 on the clip's first frame.
    (TCVOM's script stores them on frame t-1 and 0 on the last frame: the clip mean is the same.)
    """

    def __init__(self, protocol: Protocol, metrics: tuple[str, ...]):
        self.protocol = protocol
        self.metrics = metrics
        self._prev: tuple[np.ndarray, np.ndarray] | None = None
        self._prev_trimap: np.ndarray | None = None
        self._thresholds = _MATLAB_THRESHOLDS if protocol.conn_column_major else _RVM_THRESHOLDS
        self._conn_tables = _conn.conn_tables(self._thresholds)

    def seed(self, pred, gt, trimap=None) -> None:
        """Take (pred, gt[, trimap]) as the previous frame, without scoring it (a run that starts mid-clip)."""
        self._prev = _same_kind(pred, gt)
        self._prev_trimap = None if trimap is None else self._regions(np.asarray(trimap))

    def _regions(self, trimap: np.ndarray) -> np.ndarray:
        """The protocol's region map of a trimap: uint8 mask (dim, tcvom) or labels 0/1/2 (ftpvm)."""
        region = self.protocol.region
        if region == "dim":
            return np.ascontiguousarray(trimap == 128, dtype=np.uint8)
        if region == "tcvom":
            return np.ascontiguousarray((trimap > 0) & (trimap < 255), dtype=np.uint8)
        labels = np.ones(trimap.shape, dtype=np.uint8)  # ftpvm: 0 fg, 1 transition, 2 bg
        labels[trimap >= 254] = 0
        labels[trimap <= 1] = 2
        return labels

    def add(self, pred, gt, *, trimap=None, pred_fgr=None, gt_fgr=None, flow=None) -> dict[str, float]:
        """Score one frame (see the class docstring)."""
        proto = self.protocol
        wanted = self.metrics
        pred, gt = _same_kind(pred, gt)
        prev = self._prev
        if prev is not None and prev[0].dtype != pred.dtype:  # a float frame after an 8-bit one
            prev = _same_kind(*prev, as_float=True)
            pred, gt = _same_kind(pred, gt, as_float=True)
        eight_bit = pred.dtype == np.uint8
        out: dict[str, float] = {}
        regions = None
        if proto.uses_trimap:
            if trimap is None:
                raise InputError(f"protocol {proto.name!r} needs a trimap for every frame")
            regions = self._regions(np.asarray(trimap))
        if proto.region == "tcvom":
            out.update(self._tcvom(pred, gt, prev, regions, flow, eight_bit))
        elif proto.region == "ftpvm":
            out.update(self._ftpvm(pred, gt, prev, regions, eight_bit))
        else:
            out.update(self._frame_metrics(pred, gt, prev, regions, eight_bit))
        if "Conn" in wanted:
            out["Conn"] = self._conn(pred, gt, regions if proto.region == "dim" else None, eight_bit)
        if "MAD-T" in wanted:
            s_abs, count = _region.madt_sums(pred, gt, eight_bit)
            out["MAD-T"] = float(s_abs / count * 1e3) if count else 0.0
        if "fgr_MAD" in wanted or "fgr_MSE" in wanted:
            out.update(self._fgr(pred, gt, pred_fgr, gt_fgr))
        self._prev = (pred, gt)
        self._prev_trimap = regions
        return {m: float(out[m]) for m in wanted}

    def _frame_metrics(self, pred, gt, prev, mask_or_none, eight_bit) -> dict[str, float]:
        """MAD, MSE, SAD, dtSSD and Grad over the whole frame or DIM's unknown region."""
        proto, wanted = self.protocol, self.metrics
        mask, use_mask = (mask_or_none, True) if mask_or_none is not None else (_NO_MASK, False)
        out: dict[str, float] = {}
        if {"MAD", "MSE", "SAD", "dtSSD"} & set(wanted):
            has_prev = prev is not None and "dtSSD" in wanted
            pp, pg = prev if has_prev else (pred, gt)  # (unread when there is no previous frame)
            s_abs, s_sq, count, s_dt = _pixel.pixel_sums(pred, gt, pp, pg, has_prev, mask, use_mask, eight_bit)
            if "MAD" in wanted:
                out["MAD"] = s_abs / count * 1e3 if count else 0.0
            if "SAD" in wanted:
                out["SAD"] = s_abs / 1e3
            if "MSE" in wanted:
                if proto.region == "dim":  # DIM: mean over the unknown region, unscaled; 0/0 = NaN in MATLAB
                    out["MSE"] = s_sq / count if count else float("nan")
                else:
                    out["MSE"] = s_sq / count * 1e3
            if "dtSSD" in wanted:
                out["dtSSD"] = float(np.sqrt(s_dt / pred.size)) * 1e2 if has_prev else 0.0
        if "Grad" in wanted:
            out["Grad"] = self._grad(pred, gt, mask, use_mask, eight_bit)
        return out

    def _grad(self, pred, gt, mask, use_mask, eight_bit) -> float:
        proto = self.protocol
        total = _grad.grad_error(pred, gt, mask, use_mask, _ALPHA_U8, eight_bit, _ROW_K, _COL_K,
                                 proto.grad_minmax, proto.region == "dim")
        return total / 1e3

    def _conn(self, pred, gt, mask, eight_bit) -> float:
        proto = self.protocol
        use_mask = mask is not None
        p, g, m = pred, gt, (mask if use_mask else _NO_MASK)
        if proto.conn_column_major:  # MATLAB's label order: the first component in column-major order
            p, g = np.ascontiguousarray(p.T), np.ascontiguousarray(g.T)
            m = np.ascontiguousarray(m.T) if use_mask else m
        tables = self._conn_tables if eight_bit else None
        return _conn.conn_error(p, g, m, use_mask, self._thresholds, proto.conn_indexnet_rule, tables) / 1e3

    def _tcvom(self, pred, gt, prev, mask, flow, eight_bit) -> dict[str, float]:
        """TCVOM's per-frame values; the temporal ones of the pair (t-1, t) over frame t-1's region."""
        wanted = self.metrics
        s_abs, s_sq, count = _region.label_sums(pred, gt, np.uint8(1) - mask, 1, eight_bit)  # label 0 = region
        n = count[0]
        out = {"mSAD": s_abs[0] / n if n else float("nan"),
               "MSE": s_sq[0] / n if n else float("nan"),
               "SSDA": float(np.sqrt(s_sq[0]))}
        temporal = {"dtSSD", "MESSDdt", "MESSDdt_fix"} & set(wanted)
        if prev is None or not temporal:
            out.update({m: 0.0 for m in temporal})
            return out
        prev_mask = self._prev_trimap
        if "dtSSD" in wanted:
            out["dtSSD"] = float(np.sqrt(_region.masked_dt_sum(pred, gt, prev[0], prev[1], prev_mask, eight_bit)))
        if {"MESSDdt", "MESSDdt_fix"} & set(wanted):
            if flow is None:
                raise InputError("tcvom's MESSDdt needs the flow between consecutive frames (--flow DIR, or "
                                 "VM108's DATA/flow_png/<video>/ with --dataset vm108); leave MESSDdt out with --metrics")
            flow_xy, valid = flow
            fix, org, _ = _temporal.tcvom_messddt(prev[0], prev[1], pred, gt, flow_xy, valid, prev_mask, eight_bit)
            out["MESSDdt"], out["MESSDdt_fix"] = org, fix
        return out

    def _ftpvm(self, pred, gt, prev, labels, eight_bit) -> dict[str, float]:
        """FTP-VM's trimap-wise values: each metric over the frame and over its fg/tran/bg regions."""
        wanted = set(self.metrics)
        out: dict[str, float] = {}
        whole = np.zeros(labels.shape, dtype=np.uint8)
        s_abs, s_sq, count = _region.label_sums(pred, gt, labels, 3, eight_bit)
        sums = [(prefix, s_abs[k], s_sq[k], count[k]) for k, prefix in enumerate(("fg_", "tran_", "bg_"))]
        sums.insert(0, ("", s_abs.sum(), s_sq.sum(), count.sum()))  # the three regions cover the frame
        for prefix, sa, sq, n in sums:
            out[prefix + "SAD"] = sa
            out[prefix + "MAD"] = sa / n * 1e3 if n else 0.0
            out[prefix + "MSE"] = sq / n * 1e3 if n else 0.0
        if "Grad" in wanted or any(f"{r}_Grad" in wanted for r in _FTPVM_REGIONS):
            out["Grad"] = self._grad(pred, gt, _NO_MASK, False, eight_bit)
            for k, r in enumerate(_FTPVM_REGIONS):
                if f"{r}_Grad" in wanted:
                    out[f"{r}_Grad"] = self._grad(pred, gt, np.ascontiguousarray(labels == k, dtype=np.uint8), True, eight_bit)
        dt_names = ["dtSSD"] + [f"{r}_dtSSD" for r in _FTPVM_REGIONS]
        if prev is None:
            out.update({m: 0.0 for m in dt_names})
        elif wanted & set(dt_names):
            s_dt, n_dt = _region.label_dt_sums(pred, gt, prev[0], prev[1], labels, self._prev_trimap, 3, eight_bit)
            w_dt, w_n = _region.label_dt_sums(pred, gt, prev[0], prev[1], whole, whole, 1, eight_bit)
            for name, sq, n in zip(dt_names, [w_dt[0], *s_dt], [w_n[0], *n_dt]):
                out[name] = float(np.sqrt(sq / n)) * 1e2 if n else 0.0
        return {m: v for m, v in out.items() if m in wanted}

    def _fgr(self, pred, gt, pred_fgr, gt_fgr) -> dict[str, float]:
        if pred_fgr is None or gt_fgr is None:
            raise InputError("foreground metrics need fgr/ frames in both the prediction and the ground truth")
        sel = gt > 0
        diff = pred_fgr[sel].astype(np.float64) - gt_fgr[sel].astype(np.float64)
        n = diff.size
        out = {}
        if "fgr_MAD" in self.metrics:
            out["fgr_MAD"] = float(np.abs(diff).sum() / n * 1e3) if n else 0.0
        if "fgr_MSE" in self.metrics:
            out["fgr_MSE"] = float((diff * diff).sum() / n * 1e3) if n else 0.0
        return out


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


def score_clip(pred, gt, *, protocol: str = "rvm", metrics=None, trimaps=None, flows=None) -> dict[str, np.ndarray]:
    """Per-frame metric values for one clip held in memory.

    Parameters
    ----------
    pred, gt : (T, H, W) alphas, float in [0, 1] or uint8 (divided by 255 in float32). For
        ``crgnn`` these are the annotated frames only (pred[k] = prediction frame 10k).
    protocol : a name in `PROTOCOLS`.
    metrics : names to compute (default: the protocol's defaults).
    trimaps : uint8 (T, H, W) trimaps for the trimap protocols (``dim``, ``tcvom``, ``ftpvm``).
    flows : for ``tcvom``'s MESSDdt, flows[t] = (flow (H, W, 2), valid (H, W)) from frame t-1 to t
        (flows[0] is unused).

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
        flow = None if flows is None or t == 0 else flows[t]
        rows.append(scorer.add(pred[t], gt[t], trimap=trimap, flow=flow))
    return {m: np.array([r[m] for r in rows], dtype=np.float64) for m in chosen}
