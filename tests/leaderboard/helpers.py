"""Hand-made result files in the pinned four-key format, for the leaderboard tests."""

from __future__ import annotations

import json
from pathlib import Path


def write_result(path: Path, clip_values: dict[str, list[float]], *, protocol: str = "rvm",
                 run: dict | None = None, frames_per_clip: int = 3, summary: dict | None = None) -> Path:
    """One result: clip i has value clip_values[m][i] for metric m; its frames all carry that value
    plus t (so the per-frame-index mean is mean(clip values) + t). Summary: plain mean of clip values."""
    n = len(next(iter(clip_values.values())))
    clips, frames = [], []
    for i in range(n):
        clips.append({"dataset": "d", "clip": f"c{i}", "frames": frames_per_clip,
                      **{m: v[i] for m, v in clip_values.items()}})
        for t in range(frames_per_clip):
            frames.append({"dataset": "d", "clip": f"c{i}", "frame": f"{t:04d}",
                           **{m: v[i] + t for m, v in clip_values.items()}})
    if summary is None:
        summary = {m: sum(v) / len(v) for m, v in clip_values.items()}
    path.write_text(json.dumps({"protocol": protocol, "summary": summary, "clips": clips, "frames": frames}))
    if run is not None:
        path.with_name(path.stem + ".run.json").write_text(json.dumps(run))
    return path
