"""Bootstrap intervals against hand-worked cases."""

import numpy as np
import pytest

from vmbench.leaderboard.stats import (
    bootstrap_ci, paired_bootstrap_diff, product_of_means, resample_indices,
)


def test_all_clips_equal_gives_zero_width_interval():
    ci = bootstrap_ci([2.5] * 7)
    assert ci.lo == ci.hi == pytest.approx(2.5)
    assert ci.n == 7


def test_single_clip_zero_width():
    ci = bootstrap_ci([4.0])
    assert (ci.estimate, ci.lo, ci.hi) == (4.0, 4.0, 4.0)


def test_two_clips_enumerable():
    # Resampling 2 clips with replacement: mean is 1 (p=1/4), 2 (p=1/2) or 3 (p=1/4).
    # The 2.5 % and 97.5 % quantiles therefore fall on the extremes: the interval is [1, 3].
    ci = bootstrap_ci([1.0, 3.0])
    assert ci.estimate == 2.0
    assert (ci.lo, ci.hi) == (1.0, 3.0)
    idx = resample_indices(2)
    means = np.array([1.0, 3.0])[idx].mean(axis=1)
    freq = {v: np.mean(means == v) for v in (1.0, 2.0, 3.0)}
    # binomial sd of a frequency with 2000 draws is <= 0.011; 4 sd of slack
    assert freq[1.0] == pytest.approx(0.25, abs=0.045)
    assert freq[2.0] == pytest.approx(0.50, abs=0.045)
    assert freq[3.0] == pytest.approx(0.25, abs=0.045)


def test_interval_is_seeded_and_covers_mean():
    vals = [0.3, 1.7, 2.2, 5.0, 3.1, 0.9]
    a, b = bootstrap_ci(vals), bootstrap_ci(vals)
    assert (a.lo, a.hi) == (b.lo, b.hi)
    assert min(vals) <= a.lo < np.mean(vals) < a.hi <= max(vals)
    # with a different seed the interval moves a little but stays close
    c = bootstrap_ci(vals, seed=1)
    assert c.lo == pytest.approx(a.lo, abs=0.4)


def test_paired_constant_shift_is_significant():
    b = [1.0, 5.0, 2.0, 8.0]
    a = [x + 0.5 for x in b]  # every clip worse by exactly 0.5: all resamples give 0.5
    d = paired_bootstrap_diff(a, b)
    assert d.lo == pytest.approx(0.5) and d.hi == pytest.approx(0.5)
    assert not d.contains(0.0)


def test_paired_symmetric_noise_is_not_significant():
    b = [1.0, 5.0, 2.0, 8.0]
    a = [1.2, 4.8, 2.2, 7.8]  # differences +-0.2, mean 0
    d = paired_bootstrap_diff(a, b)
    assert d.estimate == pytest.approx(0.0, abs=1e-12)
    assert d.lo < 0 < d.hi
    assert d.lo >= -0.2 - 1e-12 and d.hi <= 0.2 + 1e-12


def test_product_of_means_matches_hand_arithmetic():
    cols = np.array([[1.0, 0.5, 0.2], [0.0, 1.0, 0.6]])  # RQ, TQ, MQ for 2 clips
    # means: RQ 0.5, TQ 0.75, MQ 0.4 -> VIMQ = 0.15 (not the mean of per-clip products, 0.05)
    assert product_of_means(cols[None])[0] == pytest.approx(0.5 * 0.75 * 0.4)
    ci = bootstrap_ci(cols, statistic=product_of_means)
    assert ci.estimate == pytest.approx(0.15)
    # resamples: both clip 0 -> 1*.5*.2=0.1, both clip 1 -> 0, mixed -> 0.15; interval [0, 0.1.. 0.15]
    assert ci.lo == pytest.approx(0.0) and ci.hi == pytest.approx(0.15)


@pytest.mark.parametrize("kwargs", [{"n_resamples": 0}, {"n_resamples": 2.5}, {"seed": -1}, {"level": 1.0},
                                    {"level": 0.0}, {"level": float("nan")}])
def test_bootstrap_arguments_are_range_checked(kwargs):
    with pytest.raises(ValueError):
        bootstrap_ci([1.0, 2.0, 3.0], **kwargs)
