"""caption-color-prior's per-clip sharing changes speed only, and the fast median equals NumPy's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from baselines.classical._median import nanmedian0
from baselines.classical.caption import CaptionColorPriorAdapter
from tests.baselines.helpers import build_tree
from vmbench.adapters.base import Track
from vmbench.adapters.runner import find_jobs


@pytest.mark.parametrize("samples", [15, 14, 2, 1])
def test_nanmedian0_equals_numpy_bit_for_bit(samples):
    rng = np.random.default_rng(samples)
    stack = (rng.standard_normal((samples, 20, 30, 3)) * 50).astype(np.float32)
    stack[rng.random(stack.shape) < 0.3] = np.nan  # some pixels with an even count, some odd
    stack[:, :2] = np.nan  # rows with no finite sample at all
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(stack, axis=0)
    assert np.array_equal(nanmedian0(stack), expected, equal_nan=True)


def test_hand_worked_medians():
    nan = np.nan
    stack = np.array([[1, 5, nan, nan], [3, 2, 7, nan], [2, nan, nan, nan]], np.float32)
    assert np.array_equal(nanmedian0(stack), np.array([2, 3.5, 7, nan], np.float32), equal_nan=True)


def test_shared_clip_work_gives_each_expression_what_a_fresh_adapter_gives(tmp_path):
    jobs = find_jobs(build_tree(tmp_path), Track.CAPTION)
    assert len({j.clip for j in jobs}) < len(jobs)  # some clip has several expressions
    shared = CaptionColorPriorAdapter()
    for job in jobs + jobs[:1]:  # back to the first clip after the others: the cache must follow
        fresh = list(CaptionColorPriorAdapter().predict(job.clip_input))
        again = list(shared.predict(job.clip_input))
        assert len(fresh) == len(again) == len(job.stems)
        assert all(np.array_equal(a, b) for a, b in zip(fresh, again)), job.key


@pytest.mark.parametrize("where", ["middle", "corner", "empty"])
def test_refine_near_equals_the_full_frame_filter(where):
    from baselines.classical._common import refine
    from baselines.classical.caption import _refine_near

    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (90, 140, 3), dtype=np.uint8)
    yy, xx = np.mgrid[0:90, 0:140]
    centre = {"middle": (45, 70), "corner": (3, 135), "empty": (-100, -100)}[where]
    mask = (((yy - centre[0]) ** 2 + (xx - centre[1]) ** 2) < 12 ** 2).astype(np.float64)
    full = refine(rgb, mask, eps=1e-4)
    near = _refine_near(rgb, mask, 1e-4)
    assert near.dtype == full.dtype == np.float32
    assert np.allclose(near, full, rtol=0, atol=1e-6)
    assert np.count_nonzero(full) > 0 or where == "empty"
