"""The dataset figure, pooled as each reference pools it.

RVM (`evaluation/evaluate_lr.py` and `evaluate_hr.py`, commit 53d74c6, `write_excel`) writes one
sheet per metric: row 1 holds frame-index headers and row 2 the per-index averages
``=AVERAGE(<col>3:<col>9999)``, both written **only while writing the first clip** (``row == 0``,
clips in ``sorted(os.listdir)`` order of dataset, then clip), for that clip's frame indices; the
dataset figure is ``B2 = AVERAGE(C2:ZZ2)``. So, exactly:

* only the frame indices of the first clip count (longer clips' later frames are left out, shorter
  clips are simply absent from the indices they lack: AVERAGE skips empty cells);
* at most 700 indices (columns C..ZZ) and 9,997 clips (rows 3..9999).

`rvm_sheet` reproduces that; `rvm_sheet_notes` says when the rule changes the figure.
"""

from __future__ import annotations

import numpy as np

__all__ = ["reference_order", "rvm_sheet", "every_index", "rvm_sheet_notes", "SHEET_INDICES", "SHEET_CLIPS"]

SHEET_INDICES = 700  # columns C..ZZ
SHEET_CLIPS = 9997   # rows 3..9999


def reference_order(keys: list[tuple[str, str]]) -> list[int]:
    """Positions of `keys` ((dataset, clip, ...) tuples) in the order RVM visits them: Python's sorted()."""
    return sorted(range(len(keys)), key=lambda k: tuple(keys[k]))


def _per_index_means(arrays: list[np.ndarray], indices: int) -> np.ndarray:
    return np.array([np.mean([a[k] for a in arrays if a.size > k]) for k in range(indices)], dtype=np.float64)


def rvm_sheet(arrays: list[np.ndarray], keys: list[tuple[str, str]]) -> float:
    """RVM's ``B2`` for one metric: `arrays` are the clips' per-frame values, `keys` their (dataset, clip)."""
    order = reference_order(keys)
    visited = [np.asarray(arrays[k], dtype=np.float64) for k in order[:SHEET_CLIPS]]
    indices = min(visited[0].size, SHEET_INDICES)
    return float(np.mean(_per_index_means(visited, indices)))


def every_index(arrays: list[np.ndarray]) -> float:
    """Mean over every frame index of any clip of the mean over the clips having it (no sheet limits)."""
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    return float(np.mean(_per_index_means(arrays, max(a.size for a in arrays))))


def rvm_sheet_notes(lengths: list[int], keys: list[tuple[str, str]], alternative: dict[str, float],
                    what: str = "clips") -> list[str]:
    """One note when RVM's sheet rule leaves frames out of the figure, naming the first clip and the
    figure pooled over every index instead (`alternative`: metric -> that figure)."""
    order = reference_order(keys)
    first = order[0]
    n_first = min(lengths[first], SHEET_INDICES)
    left_out = sum(max(0, n - n_first) for n in (lengths[k] for k in order[:SHEET_CLIPS]))
    dropped = len(order) - SHEET_CLIPS
    if not left_out and dropped <= 0:
        return []
    name = "/".join(p for p in keys[first] if p)
    parts = []
    if left_out:
        parts.append(f"{what} differ in length ({min(lengths)} to {max(lengths)} frames); RVM's sheet pools "
                     f"only the frame indices 0..{n_first - 1} of its first {what[:-1]} {name}"
                     + (" (and at most 700, columns C..ZZ)" if lengths[first] > SHEET_INDICES else "")
                     + f", leaving {left_out} frame(s) out of the dataset figure, and so does vmbench")
    if dropped > 0:
        parts.append(f"RVM's sheet averages only its first {SHEET_CLIPS} {what} (rows 3..9999), "
                     f"{dropped} are left out, and so does vmbench")
    shown = ", ".join(f"{m} {v:.4f}" for m, v in alternative.items())
    return ["; ".join(parts) + f"; pooled over every frame index of every {what[:-1]} instead: {shown}"]
