"""The background model's fast NaN-median is np.nanmedian(axis=0), bit for bit."""

import warnings

import numpy as np
import pytest

from baselines.classical.background_diff import _nanmedian0


@pytest.mark.parametrize("depth", [1, 2, 5, 15])
def test_matches_numpy_nanmedian(depth):
    rng = np.random.default_rng(depth)
    stack = rng.normal(50, 20, (depth, 23, 31, 3)).astype(np.float32)
    stack[rng.random(stack.shape[:3]) < 0.4] = np.nan  # a warped sample: all channels missing
    stack[:, :3] = np.nan  # pixels no sample covers
    stack[:, 5, 5] = 7.25  # ties
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(stack, axis=0)
    got = _nanmedian0(stack)
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.isnan(got[:3]).all()
