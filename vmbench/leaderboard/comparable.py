"""When two results may be compared, and which summary values may be compared at all.

Two results are comparable when they were scored under the same protocol and task, on the same
dataset (content hash, when both run records carry one) and on the same clips (same clip
identities, same frame counts). A summary value is comparable when it is finite, inside the valid
range the metrics table gives, and the table knows the metric (so its direction is known).
The gate refuses what is not comparable; the leaderboard marks it and leaves it unranked.
"""

from __future__ import annotations

from vmbench.leaderboard.results import RunResult
from vmbench.metrics.table import value_problem

__all__ = ["pair_problems", "value_problems", "clip_set"]


def clip_set(result: RunResult) -> dict[tuple, object]:
    """{clip identity: frame count} of a result's per-clip rows."""
    return {result.clip_key(row): row.get("frames") for row in result.clips}


def _examples(keys) -> str:
    shown = sorted("/".join(k) for k in keys)[:3]
    more = len(keys) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def pair_problems(a: RunResult, b: RunResult) -> list[str]:
    """Why `a` and `b` cannot be compared (empty when they can), each reason one phrase."""
    problems = []
    if a.protocol != b.protocol:
        problems.append(f"protocol {a.protocol!r} vs {b.protocol!r}")
    for key, what in (("task", "task"), ("dataset_hash", "dataset hash")):
        va, vb = a.run.get(key), b.run.get(key)
        if va is not None and vb is not None and va != vb:
            problems.append(f"{what} {va!r} vs {vb!r}")
    ca, cb = clip_set(a), clip_set(b)
    only_a, only_b = set(ca) - set(cb), set(cb) - set(ca)
    if only_a:
        problems.append(f"{len(only_a)} clip(s) only in {a.path}: {_examples(only_a)}")
    if only_b:
        problems.append(f"{len(only_b)} clip(s) only in {b.path}: {_examples(only_b)}")
    lengths = {k for k in set(ca) & set(cb) if ca[k] != cb[k]}
    if lengths:
        k = sorted(lengths)[0]
        problems.append(f"{len(lengths)} clip(s) with different frame counts, e.g. {'/'.join(k)}: "
                        f"{ca[k]} vs {cb[k]}")
    return problems


def value_problems(result: RunResult, metrics=None) -> dict[str, str]:
    """{metric: why its summary value is not comparable} for `metrics` (default: all of the summary)."""
    out = {}
    for m in (result.metrics if metrics is None else metrics):
        if m not in result.summary:
            continue
        problem = value_problem(result.protocol, m, result.summary[m])
        if problem is not None:
            out[m] = problem
    return out
