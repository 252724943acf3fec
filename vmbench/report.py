"""Writing an evaluation: the terminal table, the result JSON and the CSV tables."""

from __future__ import annotations

import json
from pathlib import Path

from tabulate import tabulate

from vmbench.errors import InputError
from vmbench.protocols import PROTOCOLS

__all__ = ["format_table", "write_json", "write_csv", "check_writable"]


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def format_table(result, *, max_clips: int = 200) -> str:
    """Per-clip rows, then the dataset summary, then the protocol and the units of each column."""
    proto = PROTOCOLS.get(result.protocol)
    metrics = list(result.metrics)
    clips = result.clip_rows
    headers = ["dataset", "clip", "frames", *metrics]
    rows = [[r["dataset"] or "-", r["clip"], r["frames"], *[_fmt(float(r[m])) for m in metrics]]
            for r in clips[:max_clips]]
    lines = [tabulate(rows, headers=headers, tablefmt="simple")]
    if len(clips) > max_clips:
        lines.append(f"... {len(clips) - max_clips} more clips (see --csv / --json)")
    total_frames = int(sum(r["frames"] for r in clips))
    summary = [["all", f"{len(clips)} clips", total_frames, *[_fmt(result.summary[m]) for m in metrics]]]
    lines.append("")
    lines.append(tabulate(summary, headers=["summary", "", "frames", *metrics], tablefmt="simple"))
    lines.append("")
    if getattr(result, "layout", ""):
        lines.append(f"layout {result.layout}: {len(clips)} clips, {total_frames} frames")
    if proto is not None:
        lines.append(f"protocol {proto.name}: {proto.reference}")
        from vmbench.protocols import POOLING_TEXT

        lines.append(f"summary = {POOLING_TEXT[proto.aggregation]}")
        for m in metrics:
            lines.append(f"  {m:8s} {proto.units[m]}")
    for note in result.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def check_writable(path: Path, *, overwrite: bool) -> None:
    """Refuse to replace an existing file or non-empty folder unless `overwrite`."""
    path = Path(path)
    if path.exists() and not overwrite:
        if path.is_file() or (path.is_dir() and any(path.iterdir())):
            raise InputError(f"{path}: already exists; pass --overwrite to replace it")


def write_json(result, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = result if isinstance(result, dict) else result.to_dict()
    path.write_text(json.dumps(data, indent=1) + "\n")


def write_csv(result, folder: Path) -> list[Path]:
    """summary.csv (metric,value), clips.csv and frames.csv in `folder`."""
    import pandas as pd

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = result if isinstance(result, dict) else result.to_dict()
    written = []
    summary = pd.DataFrame({"protocol": data["protocol"], "metric": list(data["summary"]), "value": list(data["summary"].values())})
    for name, frame in (("summary", summary), ("clips", pd.DataFrame(data["clips"])), ("frames", pd.DataFrame(data["frames"]))):
        out = folder / f"{name}.csv"
        frame.to_csv(out, index=False)
        written.append(out)
    return written
