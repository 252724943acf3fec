"""The ``maggie`` protocol: the metrics of MaGGIe (hmchuong/MaGGIe, CVPR'24) on V-HIM60, reproduced.

What MaGGIe's ``engine/test.py`` + ``utils/metric.py`` do, and so what this module does:

* Prediction clamp: alpha <= 1/255 -> 0, alpha >= 254/255 -> 1 (in float32), before every metric.
* Transition region (trimap == 1, "unk"): pixels whose 25x25-ellipse neighbourhood in the ground
  truth is not constant (``dilate(a) - erode(a) > 0``, out-of-image pixels ignored); FG (2) = a > 0.5
  outside it; BG (0) the rest.
* Per map (one instance in one frame), masked by m (all ones, or trimap == 2 / 0 / 1 for _fg/_bg/_unk):
  MAD = mean_px(|p-g| m) / (sum m + 1e-6) * 1e10; MSE the same with (p-g)^2; SAD = sum |p-g| * 1e-3;
  Conn = RVM's connectivity error * 1e-3; Grad = sum (|grad g| - |grad p|)^2 * 1e-3 with the 9x9
  sigma-1.4 kernel, zero padding, and min-max normalisation over the whole call batch (all instances
  of the frames scored together, +1e-6 in the denominator).
* Sliding window (clip length 3, overlap 2): call 0 scores frame 0; call k (1 <= k <= T-4) scores frame
  k and its dtSSD uses the pair (k-1, k); the last call scores frames T-3..T-1 together and its dtSSD
  puts the pairs (T-4, T-3), (T-3, T-2), (T-2, T-1) under one square root. dtSSD per instance and call
  = 0.1 * sqrt(sum over pairs and pixels of ((p_t - p_t-1) - (g_t - g_t-1))^2) (no division by the
  pixel count). Clips of 3 frames or fewer: one call, no dtSSD (the reference has no previous frame).
* Pooling: every metric keeps score and count over all calls of all videos; the reported number is
  score / (count + 1e-6) (count: one per map; for dtSSD one per instance per call).

* MESSDdt (``MESSDdt.compute_single_video``), over the same windows as dtSSD, per instance: Farneback
  flow on the ground truth (`vmbench.metrics.flow.maggie_flow`) from each frame to the next, rounded;
  the next frame's error "warped" with MaGGIe's two bugs reproduced (`vmbench.metrics._temporal`):
  the coordinates swapped (row from x + dx, column from y + dy, each clamped) and, in the last window,
  every pair sampled from the window's first next frame. Value per instance and call:
  sum |(p_t - g_t)^2 - (p_t+1 - g_t+1)^2 warped| / sum over pairs of (H*W + 1), times 1e4; pooled
  like dtSSD (one count per instance per call).
"""

from __future__ import annotations

import cv2
import numpy as np

from vmbench.errors import InputError
from vmbench.metrics import _kernels as K
from vmbench.metrics._conn import conn_error
from vmbench.metrics._temporal import maggie_messddt_sum
from vmbench.metrics.flow import maggie_flow
from vmbench.metrics.table import meanings as metric_meanings

__all__ = [
    "MAGGIE_METRICS",
    "MAGGIE_DEFAULT_METRICS",
    "MAGGIE_UNITS",
    "transition_region",
    "maggie_trimap",
    "clamp_prediction",
    "maggie_windows",
    "maggie_clip",
    "maggie_pool",
    "resolve_maggie_metrics",
]

MAGGIE_METRICS = ("MAD", "MAD_fg", "MAD_bg", "MAD_unk", "MSE", "SAD", "Grad", "Conn", "dtSSD", "MESSDdt")
MAGGIE_DEFAULT_METRICS = ("MAD", "MAD_unk", "MSE", "Grad", "Conn", "dtSSD", "MESSDdt")
MAGGIE_UNITS = metric_meanings("maggie")  # one-line meanings, from the one metrics table
_ELLIPSE = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (25, 25))
_ROW_K, _COL_K = K.gaussian_gradient_kernel(1.4)
_THRESHOLDS = np.arange(0, 1.1, 0.1)
_NO_MASK = np.zeros((1, 1), dtype=np.uint8)
_LOW = np.float32(1.0 / 255.0)
_HIGH = np.float32(254.0 / 255.0)


def resolve_maggie_metrics(requested) -> tuple[str, ...]:
    """Validated metric names (case-insensitive) in MAGGIE_METRICS order; defaults when None."""
    if not requested:
        return MAGGIE_DEFAULT_METRICS
    by_lower = {m.lower(): m for m in MAGGIE_METRICS}
    chosen = set()
    for name in requested:
        key = name.strip().lower()
        if key not in by_lower:
            raise InputError(f"metric {name.strip()!r} is not part of protocol 'maggie'; available: {', '.join(MAGGIE_METRICS)}")
        chosen.add(by_lower[key])
    return tuple(m for m in MAGGIE_METRICS if m in chosen)


def transition_region(gt: np.ndarray) -> np.ndarray:
    """bool (H, W): GT pixels whose 25x25-ellipse neighbourhood is not constant (MaGGIe's "unk")."""
    a = np.ascontiguousarray(gt, dtype=np.float32)
    return (cv2.dilate(a, _ELLIPSE) - cv2.erode(a, _ELLIPSE)) > 0


def maggie_trimap(gt: np.ndarray) -> np.ndarray:
    """uint8 (H, W) trimap: 0 background, 2 foreground (alpha > 0.5), 1 transition (overrides FG)."""
    gt = np.asarray(gt, dtype=np.float32)
    trimap = np.where(gt > 0.5, 2, 0).astype(np.uint8)
    trimap[transition_region(gt)] = 1
    return trimap


def clamp_prediction(pred: np.ndarray) -> np.ndarray:
    """A float32 copy with alpha <= 1/255 set to 0 and alpha >= 254/255 set to 1."""
    p = np.array(pred, dtype=np.float32, copy=True)
    p[p <= _LOW] = 0.0
    p[p >= _HIGH] = 1.0
    return p


def maggie_windows(T: int) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """The evaluation calls of a T-frame clip: (frames scored together, dtSSD frame pairs)."""
    if T <= 3:
        return [(list(range(T)), [])]
    calls = [([0], [])]
    calls += [([k], [(k - 1, k)]) for k in range(1, T - 3)]
    calls.append(([T - 3, T - 2, T - 1], [(T - 4, T - 3), (T - 3, T - 2), (T - 2, T - 1)]))
    return calls


def _grad_batch(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Grad contribution of each map of a call batch (B, H, W): batch min-max, zero-padded gradient."""
    def norm(x):
        x = x.astype(np.float64)
        lo, hi = x.min(), x.max()
        return (x - lo) / (hi - lo + 1e-6)

    pn, gn = norm(pred), norm(gt)
    out = np.empty(pred.shape[0])
    for b in range(pred.shape[0]):
        gp = K.gradient_magnitude(np.ascontiguousarray(pn[b]), _ROW_K, _COL_K, True)
        gg = K.gradient_magnitude(np.ascontiguousarray(gn[b]), _ROW_K, _COL_K, True)
        out[b] = float(((gg - gp) ** 2).sum()) * 1e-3
    return out


def maggie_clip(pred, gt, *, metrics=None) -> dict[str, np.ndarray]:
    """Per-(instance, frame) metric contributions of one clip under MaGGIe's rules.

    pred, gt : (N, T, H, W) alphas in [0, 1] (pred[i] is the prediction for gt[i]).
    Returns {metric: float64 (N, T)}. Non-temporal metrics have one value per map; dtSSD has the
    value of each (instance, call) at the call's last frame and NaN elsewhere. Pool them with
    `maggie_pool`.
    """
    chosen = resolve_maggie_metrics(metrics)
    gt = np.ascontiguousarray(gt, dtype=np.float32)
    pred = clamp_prediction(pred)
    if pred.shape != gt.shape or gt.ndim != 4:
        raise InputError(f"pred {pred.shape} and gt {gt.shape} must be (N, T, H, W) stacks of one shape")
    N, T, H, W = gt.shape
    out = {m: np.full((N, T), np.nan) for m in chosen}
    need_trimap = {"MAD_fg", "MAD_bg", "MAD_unk"} & set(chosen)
    for i in range(N):
        for t in range(T):
            p = pred[i, t].astype(np.float64)
            g = gt[i, t].astype(np.float64)
            ad = np.abs(p - g)
            if "MAD" in chosen:
                out["MAD"][i, t] = ad.mean() / (H * W + 1e-6) * 1e10
            if "MSE" in chosen:
                out["MSE"][i, t] = (ad * ad).mean() / (H * W + 1e-6) * 1e10
            if "SAD" in chosen:
                out["SAD"][i, t] = ad.sum() * 1e-3
            if need_trimap:
                tri = maggie_trimap(gt[i, t])
                for name, value in (("MAD_fg", 2), ("MAD_bg", 0), ("MAD_unk", 1)):
                    if name in chosen:
                        m = tri == value
                        out[name][i, t] = (ad * m).mean() / (m.sum() + 1e-6) * 1e10
            if "Conn" in chosen:
                out["Conn"][i, t] = conn_error(
                    np.ascontiguousarray(pred[i, t]), np.ascontiguousarray(gt[i, t]), _NO_MASK, False, _THRESHOLDS, False
                ) * 1e-3
    calls = maggie_windows(T)
    if "Grad" in chosen:
        for frames, _ in calls:
            batch_p = pred[:, frames].reshape(-1, H, W)
            batch_g = gt[:, frames].reshape(-1, H, W)
            out["Grad"][:, frames] = _grad_batch(batch_p, batch_g).reshape(N, len(frames))
    if "dtSSD" in chosen:
        for frames, pairs in calls:
            if not pairs:
                continue
            for i in range(N):
                total = 0.0
                for a, b in pairs:
                    d = (pred[i, b].astype(np.float64) - pred[i, a]) - (gt[i, b].astype(np.float64) - gt[i, a])
                    total += float((d * d).sum())
                out["dtSSD"][i, frames[-1]] = np.sqrt(total) * 0.1
    if "MESSDdt" in chosen:
        for frames, pairs in calls:
            if pairs:
                for i in range(N):
                    out["MESSDdt"][i, frames[-1]] = messddt_call(pred[i], gt[i], pairs)
    return out


def messddt_call(pred: np.ndarray, gt: np.ndarray, pairs: list[tuple[int, int]]) -> float:
    """MaGGIe's MESSDdt of one instance over one call's frame pairs (pred, gt: float32 (T, H, W))."""
    H, W = gt.shape[1:]
    first_next = pairs[0][1]  # torch.take on the flattened stack reads the first next frame only
    total = 0.0
    for a, b in pairs:
        flow = maggie_flow(gt[a], gt[b])
        total += maggie_messddt_sum(pred[a], gt[a], pred[first_next], gt[first_next], flow)
    return total / (len(pairs) * (H * W + 1.0)) * 1e4


def maggie_pool(values: list[np.ndarray]) -> float:
    """MaGGIe's reported number: sum of all contributions / (their count + 1e-6), NaNs skipped."""
    flat = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in values]) if values else np.zeros(0)
    flat = flat[~np.isnan(flat)]
    return float(flat.sum() / (flat.size + 1e-6))
