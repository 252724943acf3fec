"""Streamed instance/referring clip passes against whole-clip oracles; memory bounded; near-ties named."""

from __future__ import annotations

import tracemalloc

import cv2
import numpy as np
import pytest

from instref import ref_vim
from vmbench.instance import evaluate_instance
from vmbench.instance.vim import VimOptions, near_ties


def _write(path, a):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), a)


def _f(a):
    return a.astype(np.float32) / np.float32(255)


def _clip(rng, n, T, H=14, W=18):
    gt = np.zeros((n, T, H, W), np.uint8)
    for i in range(n):
        for t in range(T):
            y, x = 1 + 4 * i, 1 + t
            gt[i, t, y:y + 4, x:x + 9] = 255
            gt[i, t, y + 4, x:x + 9] = rng.integers(40, 200)
    pred = np.clip(gt.astype(int) + rng.integers(-9, 10, gt.shape), 0, 255).astype(np.uint8)
    return gt, pred


def sheet_b2(sequences: dict[tuple, np.ndarray]) -> float:
    """RVM's write_excel / B2 with instance sequences as the rows, in sorted() key order."""
    rows = [sequences[k] for k in sorted(sequences)]
    cols = range(min(len(rows[0]), 700))
    return float(np.mean([np.mean([r[c] for r in rows if len(r) > c]) for c in cols]))


@pytest.mark.parametrize("error", ["MSE", "dtSSD"])
def test_streamed_clips_match_whole_clip_oracle(tmp_path, error):
    rng = np.random.default_rng(11)
    clips = {"a": _clip(rng, 3, 3), "b": _clip(rng, 2, 6)}  # clip a (first) is shorter
    order = {"a": [2, 0, 1], "b": [1, 0]}                    # predictions listed in another order
    for c, (gt, pred) in clips.items():
        for i in range(gt.shape[0]):
            for t in range(gt.shape[1]):
                _write(tmp_path / "gt" / c / "pha" / f"i{i}" / f"{t:04d}.png", gt[i, t])
        for k, i in enumerate(order[c]):
            for t in range(gt.shape[1]):
                _write(tmp_path / "pred" / c / f"p{k}" / f"{t:04d}.png", pred[i, t])
    notes = []
    res = evaluate_instance(tmp_path / "pred", tmp_path / "gt", metrics=["MAD", "MSE", "dtSSD"],
                            vim_options=VimOptions(error=error), notes=notes)
    rows = {(r["clip"], r["instance"], r["frame"]): r for r in res["frames"]}
    sequences = {}
    for row, (c, (gt, pred)) in zip(res["clips"], clips.items()):
        P = np.stack([_f(pred[i]) for i in order[c]])
        G = _f(gt)
        rs, ts, ms, pairs, _ = ref_vim(P, G, error=error)
        assert (row["RQ"], row["TQ"], row["MQ"]) == pytest.approx((rs, ts, ms), rel=1e-9)
        partner = dict(pairs)
        for i in range(G.shape[0]):
            p = P[partner[i]].astype(np.float64)
            g = G[i].astype(np.float64)
            mad = np.abs(p - g).mean(axis=(1, 2)) * 1e3
            mse = ((p - g) ** 2).mean(axis=(1, 2)) * 1e3
            dt = np.r_[0.0, np.sqrt((((p[1:] - p[:-1]) - (g[1:] - g[:-1])) ** 2).mean(axis=(1, 2))) * 1e2]
            for t in range(G.shape[1]):
                got = rows[(c, f"i{i}", f"{t:04d}")]
                assert got["pred_instance"] == f"p{partner[i]}"
                assert (got["MAD"], got["MSE"], got["dtSSD"]) == pytest.approx((mad[t], mse[t], dt[t]), rel=1e-6, abs=1e-9)
            sequences[("", c, f"i{i}")] = mad
    assert res["summary"]["MAD"] == pytest.approx(sheet_b2(sequences), rel=1e-9)
    every = np.mean([np.mean([s[k] for s in sequences.values() if len(s) > k]) for k in range(6)])
    assert len(notes) == 1 and "first sequence gt/a/i0" in notes[0] and f"MAD {every:.4f}" in notes[0]


def _memory_tree(root, T, H=192, W=256, n=3):
    rng = np.random.default_rng(0)
    for i in range(n):
        for t in range(T):
            g = np.zeros((H, W), np.uint8)
            g[20 + 50 * i: 60 + 50 * i, 10 + t: 120 + t] = 255
            _write(root / "gt" / "c" / "pha" / f"i{i}" / f"{t:04d}.png", g)
            p = np.clip(g.astype(int) + rng.integers(-3, 4, g.shape), 0, 255).astype(np.uint8)
            _write(root / "pred" / "c" / f"p{i}" / f"{t:04d}.png", p)


def _peak(root) -> int:
    evaluate_instance(root / "pred", root / "gt", metrics=["MAD"])  # compile / warm caches first
    tracemalloc.start()
    evaluate_instance(root / "pred", root / "gt", metrics=["MAD"])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_does_not_grow_with_clip_length(tmp_path):
    """A whole-clip path would hold 2 x 3 x T float32 frames of 192x256 (T=48: 56 MB)."""
    _memory_tree(tmp_path / "short", 6)
    _memory_tree(tmp_path / "long", 48)
    short, long = _peak(tmp_path / "short"), _peak(tmp_path / "long")
    frame = 192 * 256 * 4
    assert long < 40 * frame  # a few frames per instance (the whole clip would be 288 frames)
    assert long < short + 6 * frame


def test_near_tie_costs_named():
    cost = np.array([[10.0, 10.0], [3.0, 7.0]])  # swapping the predictions costs 4 more: no tie
    assert near_ties(cost, [(0, 1), (1, 0)], 100) == []
    tied = np.array([[5.0, 5.0], [5.0, 5.0]])
    assert near_ties(tied, [(0, 0), (1, 1)], 100) == [((0, 1), (0, 1))]
    assert near_ties(np.array([[5.0, 2.0, 2.0]]), [(0, 1)], 100) == [((0,), (1, 2))]  # an unmatched prediction
    assert near_ties(np.array([[2.0], [2.0]]), [(1, 0)], 100) == [((1, 0), (0,))]       # an unmatched GT
    # within float32 rounding of a sum of 1e6 terms, and just outside it
    eps = float(np.finfo(np.float32).eps)
    base = 1000.0
    assert near_ties(np.array([[base, base * (1 + 5 * eps)]]), [(0, 0)], 10**6) == [((0,), (0, 1))]
    assert near_ties(np.array([[base, base * (1 + 40 * eps)]]), [(0, 0)], 10**6) == []


def test_identical_predictions_give_a_near_tie_note(tmp_path):
    rng = np.random.default_rng(3)
    gt, pred = _clip(rng, 2, 3)
    both = np.maximum(gt[0], gt[1])  # one prediction covering both instances, given twice
    for i in range(2):
        for t in range(3):
            _write(tmp_path / "gt" / "v" / "pha" / f"i{i}" / f"{t:04d}.png", gt[i, t])
            _write(tmp_path / "pred" / "v" / f"p{i}" / f"{t:04d}.png", both[t])
    notes = []
    evaluate_instance(tmp_path / "pred", tmp_path / "gt", metrics=["MAD"], notes=notes)
    ties = [n for n in notes if "near-tie" in n]
    assert len(ties) == 1 and ties[0].startswith(
        "clip gt/v: near-tie in VIM's Hungarian matching (whole-clip matching: GT 'i0' and 'i1' with prediction(s) "
        "'p0' and 'p1'; TQ's per-frame matching in 3 of 3 frames (0000, 0001, 0002): GT 'i0' and 'i1' with "
        "prediction(s) 'p0' and 'p1')")


def test_a_tie_in_one_frame_only_is_named_with_its_frame(tmp_path):
    gt = np.zeros((2, 3, 6, 8), np.uint8)
    gt[0, :, :3] = 255
    gt[1, :, 3:] = 255
    pred = gt.copy()
    pred[:, 1] = 255  # frame 0001: both predictions cover the whole frame, a per-frame tie
    for i in range(2):
        for t in range(3):
            _write(tmp_path / "gt" / "v" / "pha" / f"i{i}" / f"{t:04d}.png", gt[i, t])
            _write(tmp_path / "pred" / "v" / f"p{i}" / f"{t:04d}.png", pred[i, t])
    notes = []
    res = evaluate_instance(tmp_path / "pred", tmp_path / "gt", metrics=["MAD"], notes=notes,
                            vim_options=VimOptions(iou_threshold=0.3))
    ties = [n for n in notes if "near-tie" in n]
    assert len(ties) == 1 and "(TQ's per-frame matching in 1 of 3 frames (0001): GT 'i0' and 'i1'" in ties[0]
    assert "whole-clip" not in ties[0] and res["clips"][0]["TQ"] == 1.0


@pytest.mark.parametrize("T", [1, 2, 3, 4, 5, 8])
def test_maggie_streamed_call_by_call_equals_the_whole_clip(T):
    """Every MaGGIe value (Grad's batch normalisation, dtSSD and MESSDdt per call included) is the
    one maggie_clip gives on the clip held whole, to the bit."""
    from vmbench.instance.clip_pass import maggie_sequences
    from vmbench.instance.maggie import MAGGIE_METRICS, maggie_clip

    rng = np.random.default_rng(T)
    gt, pred = _clip(rng, 2, T, H=20, W=24)
    G, P = _f(gt), _f(pred)
    partner = [1, None]  # GT 0 <- prediction 1, GT 1 unmatched (an all-zero matte)
    whole = maggie_clip(np.stack([P[1], np.zeros_like(P[0])]), G, metrics=MAGGIE_METRICS)
    reads = []

    def gt_frame(t):
        reads.append(t)
        return G[:, t]

    streamed = maggie_sequences(gt_frame, lambda t: P[:, t], partner, T, MAGGIE_METRICS)
    for k in range(2):
        for m in MAGGIE_METRICS:
            np.testing.assert_array_equal(streamed[k][m], whole[m][k], err_msg=f"{m} sequence {k} T={T}")
    assert len(reads) <= 2 * T  # each frame read about once: a sliding window, not the clip
