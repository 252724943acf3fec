"""Units and direction of every reported metric, keyed by protocol.

A leaderboard column is only readable with its unit: RVM's MAD is a mean x1e3, DIM's SAD a sum /1e3,
VIM's VIMQ a fraction. This table is the one place that says so; tables, plots and the gate read it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "MetricUnit",
    "UNITS",
    "HEADLINE",
    "HIGHER_IS_BETTER",
    "metric_unit",
    "higher_is_better",
    "headline_metric",
]


@dataclass(frozen=True)
class MetricUnit:
    """How one metric of one protocol is scaled, in words, and which direction is better."""

    metric: str
    unit: str  # short, for column headers, e.g. "x1e-3"
    meaning: str  # plain language
    higher_is_better: bool = False


def _u(metric: str, unit: str, meaning: str, hib: bool = False) -> MetricUnit:
    return MetricUnit(metric, unit, meaning, hib)


_RVM = {
    "MAD": _u("MAD", "x1e-3", "mean abs(pred - gt) over all pixels, times 1e3"),
    "MSE": _u("MSE", "x1e-3", "mean (pred - gt)^2 over all pixels, times 1e3"),
    "Grad": _u("Grad", "/1e3", "sum over pixels of squared gradient-magnitude difference (sigma 1.4), divided by 1e3"),
    "Conn": _u("Conn", "/1e3", "connectivity error summed over pixels, divided by 1e3"),
    "dtSSD": _u("dtSSD", "x1e-2", "RMS of the temporal-derivative error, times 1e2 (frame 0 counted as 0)"),
    "fgr_MAD": _u("fgr_MAD", "x1e-3", "foreground colour MAD where gt alpha > 0, times 1e3"),
    "fgr_MSE": _u("fgr_MSE", "x1e-3", "foreground colour MSE where gt alpha > 0, times 1e3"),
}
_DIM = {
    "SAD": _u("SAD", "/1e3", "sum abs(pred - gt) over the unknown (trimap 128) region, divided by 1e3"),
    "MSE": _u("MSE", "unscaled", "mean (pred - gt)^2 over the unknown region, not scaled"),
    "Grad": _u("Grad", "/1e3", "gradient error summed over the unknown region, divided by 1e3"),
    "Conn": _u("Conn", "/1e3", "connectivity error summed over the unknown region, divided by 1e3"),
}
_INSTANCE = {
    "RQ": _u("RQ", "fraction [0,1]", "recognition quality (matched instances, IoU > 0.5)", True),
    "TQ": _u("TQ", "fraction [0,1]", "tracking quality (identity kept across frames)", True),
    "MQ": _u("MQ", "fraction [0,1]", "matting quality of matched instances (MSE error, weight 50)", True),
    "VIMQ": _u("VIMQ", "fraction [0,1]", "RQ x TQ x MQ of the dataset means", True),
    "MQ_MAD": _u("MQ_MAD", "fraction [0,1]", "matting quality with the MAD error", True),
    "VIMQ_MAD": _u("VIMQ_MAD", "fraction [0,1]", "VIMQ with the MAD error", True),
    "MQ_dtSSD": _u("MQ_dtSSD", "fraction [0,1]", "matting quality with the dtSSD error", True),
    "VIMQ_dtSSD": _u("VIMQ_dtSSD", "fraction [0,1]", "VIMQ with the dtSSD error", True),
}
_MAGGIE = {
    "MAD": _u("MAD", "MaGGIe x1e10/mask", "mean abs(pred - gt) / mask area / (H*W) x1e10 (resolution dependent)"),
    "MSE": _u("MSE", "MaGGIe x1e10/mask", "mean (pred - gt)^2 / mask area / (H*W) x1e10"),
    "Grad": _u("Grad", "x1e-3", "gradient error summed, times 1e-3"),
    "Conn": _u("Conn", "x1e-3", "connectivity error summed, times 1e-3"),
    "dtSSD": _u("dtSSD", "MaGGIe", "0.1 * sqrt(sum), not normalised by pixel count"),
    "MESSDdt": _u("MESSDdt", "MaGGIe", "flow-warped temporal error, as printed"),
}
_AS_PRINTED = {
    m: _u(m, "as printed", "no public evaluation code; the paper's own scale")
    for m in ("MAD", "MSE", "Grad", "Conn", "dtSSD", "MAD-T", "core_MAD", "core_MSE", "core_dtSSD")
}
_VRMDIFF = {
    "MAD": _u("MAD", "unscaled", "mean abs(pred - gt), not scaled (as printed)"),
    "MSE": _u("MSE", "unscaled", "mean (pred - gt)^2, not scaled (as printed)"),
    "Grad": _u("Grad", "as printed", "as printed in the paper"),
    "Conn": _u("Conn", "as printed", "as printed; the paper marks it higher-is-better", True),
    **{k: v for k, v in _INSTANCE.items() if k in ("RQ", "TQ", "MQ", "VIMQ")},
}

UNITS: dict[str, dict[str, MetricUnit]] = {
    "rvm": _RVM,
    "rvm-hr": _RVM,
    "dim": _DIM,
    "instance": _INSTANCE,
    "vim": _INSTANCE,
    "referring": _RVM,
    "maggie": _MAGGIE,
    "videomama": _AS_PRINTED,
    "matanyone-core": _AS_PRINTED,
    "crgnn": _AS_PRINTED,
    "vrmdiff": _VRMDIFF,
}

HEADLINE: dict[str, str] = {
    "rvm": "MAD", "rvm-hr": "MAD", "referring": "MAD", "dim": "SAD",
    "instance": "VIMQ", "vim": "VIMQ", "maggie": "MAD", "videomama": "MAD",
    "matanyone-core": "core_MAD", "crgnn": "MAD", "vrmdiff": "MAD",
}

#: direction of metrics by name alone, for protocols not in UNITS
HIGHER_IS_BETTER = frozenset({"RQ", "TQ", "MQ", "VIMQ", "MQ_MAD", "VIMQ_MAD", "MQ_dtSSD", "VIMQ_dtSSD",
                              "IoU", "J", "F", "J&F", "PSNR", "SSIM", "FPS"})


def metric_unit(protocol: str, metric: str) -> MetricUnit:
    """Unit of `metric` under `protocol`; an unknown pair gets unit "as in the result file"."""
    found = UNITS.get(protocol, {}).get(metric)
    if found is not None:
        return found
    return MetricUnit(metric, "as in file", "unit not registered for this protocol",
                      metric in HIGHER_IS_BETTER)


def higher_is_better(metric: str, protocol: str | None = None) -> bool:
    """True for quality scores (VIMQ, RQ, ...), False for error metrics (MAD, dtSSD, ...)."""
    if protocol is not None and metric in UNITS.get(protocol, {}):
        return UNITS[protocol][metric].higher_is_better
    return metric in HIGHER_IS_BETTER


def headline_metric(protocol: str, available: list[str] | tuple[str, ...] = ()) -> str | None:
    """The default sort metric: MAD for plain protocols, VIMQ for instance, else the first available."""
    head = HEADLINE.get(protocol)
    if head is not None and (not available or head in available):
        return head
    for m in ("MAD", "VIMQ", "SAD"):
        if m in available:
            return m
    return available[0] if available else head
