"""The one metrics table: unit, direction, valid range and meaning of every metric vmbench emits.

Every consumer reads it: eval's units block, the gate, leaderboards, plots and history. A metric
is looked up under a protocol (``rvm``, ``dim``, ``maggie``...): the protocol's own rows first,
then the task rows every instance or referring result carries whatever its matting protocol
(RQ/TQ/MQ/VIMQ, J/F/J&F, RefAcc). A name found in neither is *unknown*: consumers refuse it or
mark it "not comparable"; nothing guesses its direction.

Units use one notation: ``x<factor>`` is the factor the raw value was multiplied by before it was
printed (``MAD x1e3``: mean |p-g| times 1000; ``SAD x1e-3``: a sum divided by 1000); ``fraction``
is a share in [0, 1]; ``as printed`` is a paper's own scale (no public code to say more).

Adding a metric is one line: ``_m(name, unit, meaning, higher_is_better, low, high)`` in the
protocol's block below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = [
    "Metric",
    "TABLE",
    "TASK_METRICS",
    "HEADLINE",
    "lookup",
    "higher_is_better",
    "headline",
    "meanings",
    "value_problem",
    "known_protocols",
]

INF = math.inf


@dataclass(frozen=True)
class Metric:
    """One metric under one protocol: how it is scaled, which way is better, what values are valid."""

    name: str
    unit: str  # e.g. "x1e3": see the module docstring
    meaning: str  # plain language, one line
    higher_is_better: bool
    low: float = 0.0  # valid range of a per-frame value and of any mean of them, inclusive
    high: float = INF

    def in_range(self, value: float) -> bool:
        return self.low <= value <= self.high


def _m(name: str, unit: str, meaning: str, hib: bool = False, low: float = 0.0, high: float = INF) -> Metric:
    return Metric(name, unit, meaning, hib, low, high)


def _rows(*metrics: Metric) -> dict[str, Metric]:
    return {m.name: m for m in metrics}


# Whole-frame pixel metrics shared by rvm and rvm-hr (RVM evaluate_lr.py / evaluate_hr.py).
_RVM_COMMON = (
    _m("MAD", "x1e3", "mean |p-g| over the frame, x1e3", high=1e3),
    _m("MSE", "x1e3", "mean (p-g)^2 over the frame, x1e3", high=1e3),
    _m("SAD", "x1e-3", "sum |p-g| over the frame, x1e-3 (a sum: grows with resolution)"),
    _m("Conn", "x1e-3", "sum |phi_g-phi_p| over the frame, x1e-3 (theta 0.15, step 0.1)"),
    _m("dtSSD", "x1e2", "sqrt(mean ((p_t-p_t-1)-(g_t-g_t-1))^2) x1e2; 0 at frame 0", high=200.0),
    _m("fgr_MAD", "x1e3", "mean |F_p-F_g| over pixels with g>0, 3 channels, x1e3", high=1e3),
    _m("fgr_MSE", "x1e3", "mean (F_p-F_g)^2 over pixels with g>0, 3 channels, x1e3", high=1e3),
)
_GRAD = "sum (|grad g|-|grad p|)^2 over the frame, x1e-3 (sigma 1.4)"

_RVM = _rows(*_RVM_COMMON[:3], _m("Grad", "x1e-3", _GRAD + ", per-image min-max first"), *_RVM_COMMON[3:])
_RVM_HR = _rows(*_RVM_COMMON[:3], _m("Grad", "x1e-3", _GRAD + ", no normalisation"), *_RVM_COMMON[3:])

# Deep Image Matting MATLAB code: only trimap==128 pixels.
_DIM = _rows(
    _m("SAD", "x1e-3", "sum |p-g| over trimap==128, x1e-3"),
    _m("MSE", "x1", "mean (p-g)^2 over trimap==128, unscaled", high=1.0),
    _m("Grad", "x1e-3", "sum (|grad p|-|grad g|)^2 over trimap==128 after mat2gray, x1e-3"),
    _m("Conn", "x1e-3", "sum |phi_g-phi_p| over trimap==128, x1e-3 (IndexNet empty-intersection rule)"),
)

# MaGGIe's evaluation (instance protocol "maggie"): resolution-dependent scales, as printed.
_MAGGIE = _rows(
    _m("MAD", "x1e10/(H*W)", "mean |p-g| / (H*W) x1e10 per instance-frame (MaGGIe units)"),
    _m("MAD_fg", "x1e10/mask", "mean(|p-g| m) / (sum m) x1e10, m = GT alpha > 0.5 outside the transition region"),
    _m("MAD_bg", "x1e10/mask", "mean(|p-g| m) / (sum m) x1e10, m = background (not FG, not transition)"),
    _m("MAD_unk", "x1e10/mask", "mean(|p-g| m) / (sum m) x1e10, m = 25x25-ellipse transition region"),
    _m("MSE", "x1e10/(H*W)", "mean (p-g)^2 / (H*W) x1e10 per instance-frame"),
    _m("SAD", "x1e-3", "sum |p-g| x1e-3 per instance-frame"),
    _m("Grad", "x1e-3", "sum (|grad g|-|grad p|)^2 x1e-3, zero padding, batch min-max"),
    _m("Conn", "x1e-3", "sum |phi_g-phi_p| x1e-3 (RVM rule, 4-connectivity)"),
    _m("dtSSD", "MaGGIe", "0.1 * sqrt(sum of squared derivative errors) per instance per window"),
    _m("MESSDdt", "x1e4", "sum |e_t^2 - e_t+1^2 warped| / sum (H*W + 1) x1e4 per instance per window (Farneback "
                          "flow on the GT, MaGGIe's warp bugs kept)"),
)

# CRGNN as MatAnyone2's eval_crgnn.py scores it: rvm-hr metrics on the annotated frames only.
_CRGNN = _rows(
    *(r for r in _RVM_HR.values() if r.name in ("MAD", "MSE", "Grad")),
    _m("dtSSD", "x1e2", "sqrt(mean ((p_k-p_k-1)-(g_k-g_k-1))^2) x1e2 between consecutive annotated frames "
                        "(10 video frames apart); 0 at the first", high=200.0),
)

# TCVOM calc_metric.py (VM108): only 0 < trimap < 255, unscaled; temporal values of the pair (t-1, t).
_TCVOM = _rows(
    _m("mSAD", "x1", "mean |p-g| over 0 < trimap < 255, unscaled (null where the region is empty)", high=1.0),
    _m("MSE", "x1", "mean (p-g)^2 over 0 < trimap < 255, unscaled (null where the region is empty)", high=1.0),
    _m("SSDA", "x1", "sqrt(sum (p-g)^2) over 0 < trimap < 255, unscaled (grows with resolution)"),
    _m("dtSSD", "x1", "sqrt(sum ((p_t-1 - p_t) - (g_t-1 - g_t))^2) over frame t-1's region, unscaled; 0 on frame 0"),
    _m("MESSDdt", "x1", "sum |e_t-1^2 - e_t^2 warped by the dataset's flow| over frame t-1's region with valid flow, "
                        "unscaled; 0 on frame 0"),
    _m("MESSDdt_fix", "x1", "sum |e_t-1 - e_t warped| over frame t-1's region with valid flow, unscaled; 0 on frame 0"),
)

# FTP-VM evalutation/evaluate_lr.py, trimap-wise: rvm metrics over the frame and per trimap region.
_FTPVM_REGIONS = (("fg", "trimap >= 254"), ("tran", "1 < trimap < 254"), ("bg", "trimap <= 1"))
_FTPVM = _rows(
    *(r for r in _RVM.values() if r.name in ("MAD", "MSE", "Grad", "Conn", "dtSSD")),
    _m("SAD", "x1", "sum |p-g| over the frame, unscaled (FTP-VM's pha_sad; grows with resolution)"),
    *(_m(f"{r}_{name}", unit, f"{name} over {where}{extra}", high=high)
      for r, where in _FTPVM_REGIONS
      for name, unit, extra, high in (
          ("MAD", "x1e3", ", x1e3; 0 when the region is empty", 1e3),
          ("SAD", "x1", ", unscaled", INF),
          ("MSE", "x1e3", ", x1e3; 0 when the region is empty", 1e3),
          ("Grad", "x1e-3", " (whole-frame gradients, per-image min-max), x1e-3", INF),
          ("dtSSD", "x1e2", " of this or the previous frame, x1e2; 0 when empty and on frame 0", 200.0))),
)

# VideoMaMa (paper only): MAD-T as its section 5.2 and appendix B define it; the other columns
# whole-frame as rvm-hr (the paper's code is not released; see docs/metrics.md).
_VIDEOMAMA = _rows(
    *(r for r in _RVM_HR.values() if r.name in ("MAD", "MSE", "Grad")),
    _m("MAD-T", "x1e3", "mean |p-g| x1e3 over the transition region: fg (alpha 255) and bg (alpha 0) each eroded "
                        "with a 10x10 ellipse, the rest; 0 when the region is empty", high=1e3),
)

# Rows every instance or referring result carries, whatever its matting protocol.
TASK_METRICS = _rows(
    _m("RQ", "fraction", "recognition quality: matched instances with mean IoU > 0.5 (VIM)", True, high=1.0),
    _m("TQ", "fraction", "tracking quality: identity kept across frames (VIM)", True, high=1.0),
    _m("MQ", "fraction", "matting quality of matched instances, 1-min(1, w*MSE) (VIM)", True, high=1.0),
    _m("VIMQ", "fraction", "RQ x TQ x MQ of the dataset means (VIM)", True, high=1.0),
    _m("MQ_MAD", "fraction", "matting quality with the MAD error (VIM)", True, high=1.0),
    _m("VIMQ_MAD", "fraction", "VIMQ with the MAD error (VIM)", True, high=1.0),
    _m("MQ_dtSSD", "fraction", "matting quality with the dtSSD error (VIM)", True, high=1.0),
    _m("VIMQ_dtSSD", "fraction", "VIMQ with the dtSSD error (VIM)", True, high=1.0),
    _m("J", "fraction", "DAVIS region similarity: mean IoU of the binarised masks", True, high=1.0),
    _m("F", "fraction", "DAVIS boundary F-measure (bound_th 0.008)", True, high=1.0),
    _m("J&F", "fraction", "mean of J and F (DAVIS)", True, high=1.0),
    _m("J-Recall", "fraction", "DAVIS J recall: share of frames with J > 0.5, mean over sequences", True, high=1.0),
    _m("F-Recall", "fraction", "DAVIS F recall: share of frames with F > 0.5, mean over sequences", True, high=1.0),
    _m("J-Decay", "fraction", "DAVIS J decay: mean J of the first quarter minus the last, mean over sequences",
       low=-1.0, high=1.0),
    _m("F-Decay", "fraction", "DAVIS F decay: mean F of the first quarter minus the last, mean over sequences",
       low=-1.0, high=1.0),
    _m("RefAcc", "fraction", "referring accuracy: expressions whose prediction overlaps the referred "
                             "instance more than any other", True, high=1.0),
)

# Protocols that exist only as published numbers (papers without public evaluation code).
_AS_PRINTED = _rows(*(_m(n, "as printed", "no public evaluation code; the paper's own scale")
                      for n in ("MAD", "MSE", "Grad", "Conn", "dtSSD", "MAD-T", "core_MAD", "core_MSE", "core_dtSSD")))
_VRMDIFF = _rows(
    _m("MAD", "x1", "mean |p-g|, not scaled (as printed)", high=1.0),
    _m("MSE", "x1", "mean (p-g)^2, not scaled (as printed)", high=1.0),
    _m("Grad", "as printed", "as printed in the paper"),
    _m("Conn", "as printed", "as printed; the paper marks it higher-is-better", True),
)

TABLE: dict[str, dict[str, Metric]] = {
    "rvm": _RVM,
    "rvm-hr": _RVM_HR,
    "referring": _RVM,
    "dim": _DIM,
    "maggie": _MAGGIE,
    "instance": {},
    "vim": {},
    "davis": {},  # instance task, J and F only: the task rows
    "videomama": _VIDEOMAMA,
    "matanyone-core": _AS_PRINTED,
    "crgnn": _CRGNN,
    "tcvom": _TCVOM,
    "ftpvm": _FTPVM,
    "vrmdiff": _VRMDIFF,
}

#: the metric a board of each protocol sorts by (results that carry VIMQ sort by VIMQ: see `headline`)
HEADLINE: dict[str, str] = {
    "rvm": "MAD", "rvm-hr": "MAD", "referring": "MAD", "dim": "SAD", "maggie": "MAD",
    "instance": "VIMQ", "vim": "VIMQ", "davis": "J&F", "videomama": "MAD", "matanyone-core": "core_MAD",
    "crgnn": "MAD", "vrmdiff": "MAD", "tcvom": "mSAD", "ftpvm": "MAD",
}


def known_protocols() -> tuple[str, ...]:
    return tuple(TABLE)


def lookup(protocol: str | None, metric: str) -> Metric | None:
    """The table's row for `metric` under `protocol`, or None when the pair is unknown."""
    found = TABLE.get(protocol or "", {}).get(metric)
    if found is None and (protocol in TABLE):
        found = TASK_METRICS.get(metric)
    return found


def higher_is_better(metric: str, protocol: str | None) -> bool | None:
    """True for quality scores, False for errors, None when the table does not know the metric."""
    row = lookup(protocol, metric)
    return None if row is None else row.higher_is_better


def headline(protocol: str, available: list[str] | tuple[str, ...] = ()) -> str | None:
    """The metric a board sorts by: VIMQ for instance and referring results (they carry it),
    else the protocol's headline; None when neither is available and no known metric is."""
    if "VIMQ" in available and lookup(protocol, "VIMQ") is not None:
        return "VIMQ"
    head = HEADLINE.get(protocol)
    if head is not None and (not available or head in available):
        return head
    known = [m for m in available if lookup(protocol, m) is not None]
    return known[0] if known else None


def meanings(protocol: str) -> dict[str, str]:
    """{metric: one-line meaning} of a protocol's own rows (eval's units block)."""
    return {name: row.meaning for name, row in TABLE.get(protocol, {}).items()}


def value_problem(protocol: str | None, metric: str, value) -> str | None:
    """Why `value` cannot be compared, as a phrase after the metric's name ("is NaN",
    "is 1.5, outside its valid range [0, 1]", "is not in vmbench's metrics table ..."), or None."""
    if value is None:
        return "is missing (null)"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"is not a number ({value!r})"
    if math.isnan(value):
        return "is NaN"
    if math.isinf(value):
        return "is infinite"
    row = lookup(protocol, metric)
    if row is None:
        return (f"is an unknown metric under protocol {protocol!r} (its direction and range are not in "
                "vmbench's metrics table)")
    if not row.in_range(value):
        return f"is {value:g}, outside its valid range [{row.low:g}, {row.high:g}]"
    return None
