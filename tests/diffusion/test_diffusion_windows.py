"""Window planning, cross-fade blending and resizing (pure NumPy; no diffusers needed).

Expected values are worked by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

from baselines.diffusion.windows import (
    blend_stream,
    crossfade_weights,
    padded_indices,
    plan_windows,
    resize_image,
)


# ----------------------------------------------------------------------------- plan_windows
def test_plan_shorter_and_equal_to_window_is_one_span():
    assert plan_windows(3, window=6, overlap=2) == [(0, 3)]
    assert plan_windows(6, window=6, overlap=2) == [(0, 6)]
    assert plan_windows(1, window=49, overlap=8) == [(0, 1)]


def test_plan_hand_cases():
    # 10 frames, window 6, overlap 2: ceil((10-2)/4) = 2 windows, starts 0 and 10-6 = 4.
    assert plan_windows(10, window=6, overlap=2) == [(0, 6), (4, 10)]
    # 20 frames: ceil(18/4) = 5 windows, starts round(i*14/4) = 0, 3.5->4, 7, 10.5->11, 14.
    assert plan_windows(20, window=6, overlap=2) == [(0, 6), (4, 10), (7, 13), (11, 17), (14, 20)]
    # 50 frames with CogVideoX's 49: ceil(42/41) = 2 windows, starts 0 and 1.
    assert plan_windows(50, window=49, overlap=8) == [(0, 49), (1, 50)]
    # overlap 0 and an exact multiple: 12 frames, window 4 -> 3 disjoint windows.
    assert plan_windows(12, window=4, overlap=0) == [(0, 4), (4, 8), (8, 12)]


@pytest.mark.parametrize("window,overlap", [(4, 0), (5, 2), (6, 3), (12, 4), (49, 8), (7, 6)])
def test_plan_properties(window, overlap):
    for n in range(1, 3 * window + 5):
        spans = plan_windows(n, window=window, overlap=overlap)
        covered = np.zeros(n, bool)
        for s, e in spans:
            covered[s:e] = True
            assert e - s == min(window, n)
        assert covered.all(), (n, spans)
        assert spans[0][0] == 0 and spans[-1][1] == n
        for (s0, e0), (s1, e1) in zip(spans, spans[1:]):
            assert s0 < s1 and e0 - s1 >= overlap
        if n > window:  # fewest windows: one less could not keep the overlap
            k = len(spans)
            assert (k - 1) * (window - overlap) + overlap < n


def test_plan_rejects_bad_options():
    with pytest.raises(ValueError):
        plan_windows(10, window=4, overlap=4)
    with pytest.raises(ValueError):
        plan_windows(0, window=4, overlap=1)


# ----------------------------------------------------------------------------- weights
def test_crossfade_hand_case():
    w0, w1 = crossfade_weights([(0, 6), (4, 10)], 10)
    # overlap frames 4, 5 (m = 2): window 0 ramps 2/3, 1/3; window 1 ramps 1/3, 2/3.
    np.testing.assert_allclose(w0, [1, 1, 1, 1, 2 / 3, 1 / 3])
    np.testing.assert_allclose(w1, [1 / 3, 2 / 3, 1, 1, 1, 1])


def test_crossfade_three_windows_hand_case():
    # spans of 20 frames / window 6 / overlap 2 (see above): overlaps 4-5 (m=2), 7-9 (m=3), ...
    w = crossfade_weights(plan_windows(20, window=6, overlap=2), 20)
    np.testing.assert_allclose(w[1], [1 / 3, 2 / 3, 1, 3 / 4, 2 / 4, 1 / 4])
    np.testing.assert_allclose(w[2], [1 / 4, 2 / 4, 3 / 4, 1, 2 / 3, 1 / 3])


@pytest.mark.parametrize("window,overlap", [(4, 0), (5, 2), (6, 3), (12, 4), (49, 8), (7, 6)])
def test_weights_sum_to_one(window, overlap):
    for n in range(1, 3 * window + 5):
        spans = plan_windows(n, window=window, overlap=overlap)
        total = np.zeros(n)
        for (s, e), w in zip(spans, crossfade_weights(spans, n)):
            assert w.shape == (e - s,) and (w > 0).all()
            total[s:e] += w
        np.testing.assert_allclose(total, 1.0, atol=1e-12)


def test_padded_indices():
    assert padded_indices(0, 3, 6) == [0, 1, 2, 2, 2, 2]
    assert padded_indices(4, 10, 6) == [4, 5, 6, 7, 8, 9]
    with pytest.raises(ValueError):
        padded_indices(0, 7, 6)


# ----------------------------------------------------------------------------- blending
def _outputs(spans, value_of):
    """Window k's output for frame t is value_of(k, t) as a 2x3 image; padded with junk."""
    for k, (s, e) in enumerate(spans):
        frames = [np.full((2, 3), value_of(k, t), np.float32) for t in range(s, e)]
        yield np.stack(frames + [np.full((2, 3), 1e6, np.float32)] * 2)  # padding is ignored


def test_constant_stays_constant():
    for n, window, overlap in [(3, 6, 2), (6, 6, 2), (20, 6, 2), (31, 12, 4), (17, 7, 6)]:
        spans = plan_windows(n, window=window, overlap=overlap)
        outputs = _outputs(spans, lambda k, t: 0.37)
        out = list(blend_stream(spans, crossfade_weights(spans, n), outputs))
        assert len(out) == n
        for a in out:
            assert a.dtype == np.float32 and a.shape == (2, 3)
            np.testing.assert_allclose(a, 0.37, atol=1e-6)


def test_crossfade_between_disagreeing_windows_is_linear():
    # window 0 says 0 everywhere, window 1 says 1: frames 4, 5 get 1/3 and 2/3, no jump.
    spans = [(0, 6), (4, 10)]
    out = list(blend_stream(spans, crossfade_weights(spans, 10), _outputs(spans, lambda k, t: k)))
    got = [float(a[0, 0]) for a in out]
    np.testing.assert_allclose(got, [0, 0, 0, 0, 1 / 3, 2 / 3, 1, 1, 1, 1], atol=1e-6)


def test_frame_dependent_values_keep_their_frame():
    # every window agrees that frame t is worth t -> output t (order and indexing are right).
    spans = plan_windows(23, window=5, overlap=2)
    out = list(blend_stream(spans, crossfade_weights(spans, 23), _outputs(spans, lambda k, t: t)))
    np.testing.assert_allclose([a[1, 2] for a in out], np.arange(23), atol=1e-5)


def test_blend_streams_before_all_windows_are_in():
    spans = [(0, 6), (4, 10)]
    consumed = []

    def outs():
        for k, o in enumerate(_outputs(spans, lambda k, t: 1.0)):
            consumed.append(k)
            yield o

    stream = blend_stream(spans, crossfade_weights(spans, 10), outs())
    first_four = [next(stream) for _ in range(4)]  # frames 0-3 only depend on window 0
    assert consumed == [0] and len(first_four) == 4
    rest = list(stream)
    assert consumed == [0, 1] and len(rest) == 6


def test_blend_rejects_short_window_output():
    spans = [(0, 6), (4, 10)]

    def outs():
        yield np.zeros((3, 2, 2))

    with pytest.raises(ValueError, match="gave 3 frames"):
        list(blend_stream(spans, crossfade_weights(spans, 10), outs()))


# ----------------------------------------------------------------------------- resizing
def test_resize_area_down_is_block_mean():
    img = np.arange(16, dtype=np.float32).reshape(4, 4)
    # 2x2 block means of [[0,1,2,3],[4,5,6,7],...]: (0+1+4+5)/4 = 2.5, (2+3+6+7)/4 = 4.5, ...
    np.testing.assert_allclose(resize_image(img, size=(2, 2)), [[2.5, 4.5], [10.5, 12.5]])


def test_resize_up_keeps_constant_and_channels():
    img = np.full((3, 5, 3), 0.25, np.float32)
    out = resize_image(img, size=(7, 9))
    assert out.shape == (7, 9, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out, 0.25)
    one = resize_image(np.zeros((4, 4, 1), np.float32), size=(8, 8))
    assert one.shape == (8, 8, 1)


def test_resize_same_size_is_a_copy():
    img = np.ones((4, 6), np.float32)
    out = resize_image(img, size=(4, 6))
    out[0, 0] = 5
    assert img[0, 0] == 1
