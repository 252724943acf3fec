"""Percentile bootstrap over clips: confidence intervals and paired significance against a leader.

Clips, not frames, are the resampling unit: frames of one clip are strongly correlated, so
resampling frames would give intervals that are far too narrow. The statistic is the mean of the
per-clip values (for VIMQ: the product of the resampled means of RQ, TQ and MQ, as VIM defines it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = [
    "N_RESAMPLES",
    "SEED",
    "Interval",
    "bootstrap_ci",
    "paired_bootstrap_diff",
    "resample_indices",
    "product_of_means",
]

N_RESAMPLES = 2000
SEED = 0


@dataclass(frozen=True)
class Interval:
    """A point estimate with its 95 % percentile-bootstrap interval (lo, hi) and the clip count."""

    estimate: float
    lo: float
    hi: float
    n: int

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi


def resample_indices(n: int, *, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> np.ndarray:
    """(n_resamples, n) int array: each row draws n clip indices with replacement (seeded)."""
    if not (isinstance(n_resamples, (int, np.integer)) and n_resamples >= 1):
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    if not (isinstance(seed, (int, np.integer)) and seed >= 0):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, size=(n_resamples, n))


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")


def _mean_stat(cols: np.ndarray) -> np.ndarray:
    return cols[..., 0].mean(axis=-1)


def bootstrap_ci(
    values: np.ndarray | list[float],
    *,
    statistic: Callable[[np.ndarray], np.ndarray] | None = None,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    level: float = 0.95,
) -> Interval:
    """Percentile-bootstrap interval of a statistic of per-clip values.

    Parameters
    ----------
    values : float array (n,) or (n, k)
        One row per clip; k columns when the statistic combines several metrics.
    statistic : callable, optional
        Maps an array (..., n, k) to (...,): the statistic of each resample. Default: mean of column 0.
    n_resamples, seed, level
        Resamples drawn (seeded, so tables are reproducible) and the two-sided coverage.

    Notes
    -----
    lo and hi are the (1-level)/2 and (1+level)/2 quantiles (numpy linear interpolation) of the
    statistic over resamples. With n = 1 or all values equal the interval has zero width.
    """
    _check_level(level)
    cols = np.asarray(values, dtype=np.float64)
    if cols.ndim == 1:
        cols = cols[:, None]
    n = cols.shape[0]
    stat = statistic or _mean_stat
    if n == 0:
        nan = float("nan")
        return Interval(nan, nan, nan, 0)
    estimate = float(stat(cols[None])[0])
    idx = resample_indices(n, n_resamples=n_resamples, seed=seed)
    dist = stat(cols[idx])
    q = (1 - level) / 2
    lo, hi = np.quantile(dist, [q, 1 - q])
    return Interval(estimate, float(lo), float(hi), n)


def paired_bootstrap_diff(
    a: np.ndarray | list[float],
    b: np.ndarray | list[float],
    *,
    statistic: Callable[[np.ndarray], np.ndarray] | None = None,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    level: float = 0.95,
) -> Interval:
    """Interval of statistic(a) - statistic(b), resampling the same clips for both (paired).

    `a` and `b` hold the same clips in the same order. The difference is not significant at the
    given level when the interval contains 0.
    """
    _check_level(level)
    ca = np.asarray(a, dtype=np.float64)
    cb = np.asarray(b, dtype=np.float64)
    if ca.ndim == 1:
        ca, cb = ca[:, None], cb[:, None]
    if ca.shape != cb.shape:
        raise ValueError(f"paired values differ in shape: {ca.shape} vs {cb.shape}")
    n = ca.shape[0]
    stat = statistic or _mean_stat
    if n == 0:
        nan = float("nan")
        return Interval(nan, nan, nan, 0)
    estimate = float(stat(ca[None])[0] - stat(cb[None])[0])
    idx = resample_indices(n, n_resamples=n_resamples, seed=seed)
    dist = stat(ca[idx]) - stat(cb[idx])
    q = (1 - level) / 2
    lo, hi = np.quantile(dist, [q, 1 - q])
    return Interval(estimate, float(lo), float(hi), n)


def product_of_means(cols: np.ndarray) -> np.ndarray:
    """VIMQ statistic: product over columns of the column means (RQ x TQ x MQ)."""
    return cols.mean(axis=-2).prod(axis=-1)
