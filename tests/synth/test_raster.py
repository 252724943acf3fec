"""Fractional coverage of thin strands and edges, against hand-worked arithmetic."""

import numpy as np
import pytest

from vmbench.synth.raster import SHAPE_POLYGON, render_subframe


def _render(segs, widths, *, verts=None, opacity=0.0, size=24):
    acc_a = np.zeros((size, size), np.float32)
    acc_p = np.zeros((size, size, 3), np.float32)
    scratch = np.zeros((size, size), np.float32)
    if verts is None:  # a tiny square far outside the box with opacity 0: strands only
        verts = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], float)
    render_subframe(acc_a, acc_p, scratch, 0, 0, size, size, -100.0, -100.0, 1.0, 0.0, 1.0,
                    SHAPE_POLYGON, verts, opacity, np.array([1.0, 0.5, 0.25]), np.zeros((0, 4)),
                    np.asarray(segs, float), np.asarray(widths, float), np.array([0.2, 0.4, 0.6]), 1.0)
    assert np.all(scratch == 0)  # scratch handed back clean
    return acc_a, acc_p


@pytest.mark.parametrize("y, rows", [
    (10.5, {10: 0.3}),             # centred in row 10: covers 0.3 of each pixel
    (10.7, {10: 0.3}),             # still inside row 10's footprint
    (10.9, {10: 0.25, 11: 0.05}),  # straddles: [10.75, 11.05] splits 0.25 / 0.05
])
def test_subpixel_strand_coverage(y, rows):
    a, p = _render([[2.0, y, 22.0, y]], [0.3])
    for r in range(24):
        want = rows.get(r, 0.0)
        np.testing.assert_allclose(a[r, 5:19], want, atol=1e-6)
    assert 0 < a.max() < 1  # strictly fractional
    np.testing.assert_allclose(p[..., 1], 0.4 * a, atol=1e-6)  # premultiplied strand colour


def test_body_edge_coverage_is_box_filter():
    # axis-aligned square with edge x = 10.25 in pixel units (centre 0, half side 10.25 -> cx 0)
    half = 10.25
    verts = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
    acc_a = np.zeros((8, 16), np.float32)
    acc_p = np.zeros((8, 16, 3), np.float32)
    scratch = np.zeros((8, 16), np.float32)
    render_subframe(acc_a, acc_p, scratch, 0, 0, 16, 8, 0.0, 4.0, 1.0, 0.0, 1.0, SHAPE_POLYGON, verts,
                    1.0, np.array([1.0, 1.0, 1.0]), np.zeros((0, 4)), np.zeros((0, 4)), np.zeros(0),
                    np.zeros(3), 1.0)
    # pixel 9 spans [9, 10] fully inside; pixel 10 spans [10, 11]: inside part 0.25; pixel 11: 0
    np.testing.assert_allclose(acc_a[4, 9], 1.0)
    np.testing.assert_allclose(acc_a[4, 10], 0.25, atol=1e-6)
    np.testing.assert_allclose(acc_a[4, 11], 0.0)


def test_strands_add_fractional_alpha():
    """A still, opaque hairy instance: its faint pixels come from the strands."""
    import dataclasses

    from vmbench.synth.clip import clip_from_spec
    from vmbench.synth.spec import sample_clip_spec

    for seed in range(50):
        spec = sample_clip_spec(np.random.default_rng(seed), height=96, width=160, frames=1, style="single")
        if spec.instances[0].hairy:
            break
    inst = dataclasses.replace(spec.instances[0], p1=spec.instances[0].p0, wob_amp=0.0, omega=0.0,
                               pulse_amp=0.0, opacity=1.0)
    hairy = clip_from_spec(dataclasses.replace(spec, instances=[inst])).union
    bald_inst = dataclasses.replace(inst, s_base=inst.s_base[:0], s_dir=inst.s_dir[:0], s_len=inst.s_len[:0],
                                    s_bend=inst.s_bend[:0], s_width=inst.s_width[:0])
    bald = clip_from_spec(dataclasses.replace(spec, instances=[bald_inst])).union
    faint_hairy = np.count_nonzero((hairy > 0) & (hairy < 0.5))
    faint_bald = np.count_nonzero((bald > 0) & (bald < 0.5))
    assert faint_hairy > faint_bald + 3 * len(inst.s_len)  # several faint pixels per strand
    assert np.all(hairy >= bald - 1e-6)  # strands only add coverage
