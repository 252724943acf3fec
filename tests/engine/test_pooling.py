"""RVM's sheet pooling (evaluate_lr.py write_excel), checked against a literal model of the sheet."""

from __future__ import annotations

import numpy as np
import pytest

from vmbench.evaluate import evaluate
from vmbench.io.frames import write_alpha


def sheet_b2(clips: dict[tuple[str, str], list[float]]) -> float:
    """The workbook as write_excel fills it: rows in sorted() order, index cells (row 2) written only
    for the first clip's columns, each =AVERAGE(col3:col9999) skipping blanks, B2 = AVERAGE(C2:ZZ2)."""
    rows = [clips[k] for k in sorted(clips)]
    columns = range(min(len(rows[0]), 700))
    row2 = []
    for col in columns:
        cells = [r[col] for r in rows[:9997] if col < len(r)]
        row2.append(sum(cells) / len(cells))
    return sum(row2) / len(row2)


def mad_by_definition(p: np.ndarray, g: np.ndarray) -> float:
    """MetricMAD on cv2-read 8-bit frames: float32(v)/255, mean |p - g| * 1e3."""
    pf, gf = p.astype(np.float32) / 255, g.astype(np.float32) / 255
    return float(np.abs(pf - gf).mean()) * 1e3


def write_tree(root, lengths: dict[tuple[str, str], int], seed=0):
    rng = np.random.default_rng(seed)
    values = {}
    for (ds, clip), n in lengths.items():
        values[(ds, clip)] = []
        for t in range(n):
            g = rng.integers(0, 256, (6, 7), dtype=np.uint8)
            p = rng.integers(0, 256, (6, 7), dtype=np.uint8)
            write_alpha(root / "gt" / ds / clip / "pha" / f"{t:04d}.png", g)
            write_alpha(root / "pred" / ds / clip / "pha" / f"{t:04d}.png", p)
            values[(ds, clip)].append(mad_by_definition(p, g))
    return values


@pytest.mark.parametrize("lengths", [
    {("a", "0000"): 2, ("a", "0001"): 5, ("b", "0000"): 4},   # first clip shortest: later indices dropped
    {("a", "0000"): 5, ("a", "0001"): 2, ("b", "0000"): 3},   # first clip longest: every index counts
    {("a", "0000"): 3, ("a", "0001"): 3},                     # equal lengths: the plain mean
])
def test_dataset_figure_is_rvm_sheet_b2(tmp_path, lengths):
    values = write_tree(tmp_path, lengths)
    res = evaluate(tmp_path / "pred", tmp_path / "gt", metrics=["MAD"], workers=1)
    assert res.summary["MAD"] == pytest.approx(sheet_b2(values), rel=1e-6)
    first = sorted(lengths)[0]
    shorter_first = any(n > lengths[first] for n in lengths.values())
    notes = [n for n in res.notes if "RVM's sheet pools only" in n]
    assert len(notes) == (1 if shorter_first else 0)
    if shorter_first:
        every = np.mean([np.mean([v[k] for v in values.values() if len(v) > k])
                         for k in range(max(lengths.values()))])
        assert f"{first[0]}/{first[1]}" in notes[0] and f"MAD {every:.4f}" in notes[0]


def test_first_clip_is_sorted_order_not_natural_order(tmp_path):
    # natural order would put clip "9" first; Python's sorted() (RVM's order) puts "10" first
    values = write_tree(tmp_path, {("d", "9"): 4, ("d", "10"): 2}, seed=3)
    res = evaluate(tmp_path / "pred", tmp_path / "gt", metrics=["MAD"], workers=1)
    assert res.summary["MAD"] == pytest.approx(sheet_b2(values), rel=1e-6)
    assert any("first clip d/10" in n for n in res.notes)


def test_sheet_limits_700_indices_and_9997_clips():
    from vmbench.engine.pooling import rvm_sheet, rvm_sheet_notes

    rng = np.random.default_rng(0)
    long = {("d", "a"): list(rng.random(705)), ("d", "b"): list(rng.random(703))}
    keys = list(long)
    assert rvm_sheet([np.array(v) for v in long.values()], keys) == pytest.approx(sheet_b2(long), rel=1e-12)
    assert rvm_sheet([np.array(v) for v in long.values()], keys) != pytest.approx(
        np.mean([(a + b) / 2 for a, b in zip(long[keys[0]][:703], long[keys[1]])]), rel=1e-9)
    many = {("d", f"{k:05d}"): [float(k % 7), float(k % 5)] for k in range(10_003)}
    keys = list(many)
    got = rvm_sheet([np.array(v) for v in many.values()], keys)
    assert got == pytest.approx(sheet_b2(many), rel=1e-12)
    notes = rvm_sheet_notes([2] * len(keys), keys, {"MAD": 0.0})
    assert len(notes) == 1 and "first 9997 clips (rows 3..9999), 6 are left out" in notes[0]
