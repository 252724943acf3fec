"""Writing an evaluation: the terminal table, the result JSON and the CSV tables."""

from __future__ import annotations

import json
from pathlib import Path

from vmbench.text_table import simple_table

from vmbench.metrics.table import lookup
from vmbench.protocols import PROTOCOLS

__all__ = ["format_table", "write_json", "write_csv", "check_writable"]


def _fmt(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def format_table(result, *, max_clips: int = 200) -> str:
    """The notes (before any number: each says what was converted or differs from the reference),
    then per-clip rows, the dataset summary, the protocol and the units of each column."""
    proto = PROTOCOLS.get(result.protocol)
    metrics = list(result.metrics)
    clips = result.clip_rows
    headers = ["dataset", "clip", "frames", *metrics]
    rows = [[r["dataset"] or "-", r["clip"], r["frames"], *[_fmt(float(r[m])) for m in metrics]]
            for r in clips[:max_clips]]
    lines = [f"note: {note}" for note in result.notes]
    lines.append(simple_table(rows, headers))
    if len(clips) > max_clips:
        lines.append(f"... {len(clips) - max_clips} more clips (see --csv / --json)")
    total_frames = int(sum(r["frames"] for r in clips))
    summary = [["all", f"{len(clips)} clips", total_frames, *[_fmt(result.summary[m]) for m in metrics]]]
    lines.append("")
    lines.append(simple_table(summary, ["summary", "", "frames", *metrics]))
    lines.append("")
    if getattr(result, "layout", ""):
        lines.append(f"layout {result.layout}: {len(clips)} clips, {total_frames} frames")
    if proto is not None:
        lines.append(f"protocol {proto.name}: {proto.reference}")
        from vmbench.protocols import POOLING_TEXT

        lines.append(f"summary = {POOLING_TEXT[proto.aggregation]}")
        for m in metrics:
            row = lookup(proto.name, m)  # the one metrics table
            lines.append(f"  {m:8s} {row.meaning}" if row else f"  {m:8s} (not in vmbench's metrics table)")
    return "\n".join(lines)


CSV_NAMES = ("summary.csv", "clips.csv", "frames.csv")


def check_writable(path: Path, *, overwrite: bool, inputs=(), folder: bool = False, option: str = "output") -> None:
    """Refuse an output on or inside an input, of the wrong kind, existing (unless `overwrite`) or
    unwritable (vmbench.outputs); `folder` for the --csv folder, else a file and its .run.json."""
    from vmbench.outputs import check_file_target, check_folder_target
    from vmbench.provenance import run_record_path

    if folder:
        check_folder_target(path, inputs=inputs, overwrite=overwrite, option=option, writes=CSV_NAMES)
    else:
        check_file_target(path, inputs=inputs, overwrite=overwrite, option=option)
        check_file_target(run_record_path(path), inputs=inputs, overwrite=overwrite, option=f"{option} (run record)")


def write_json(result, path: Path, *, overwrite: bool = True) -> None:
    """The result JSON, written atomically (temp file renamed over `path`; `overwrite=False`
    refuses a file another run wrote there since the check)."""
    from vmbench.outputs import atomic_write_text

    data = result if isinstance(result, dict) else result.to_dict()
    atomic_write_text(path, json.dumps(data, indent=1) + "\n", overwrite=overwrite)


def write_csv(result, folder: Path, *, overwrite: bool = True) -> list[Path]:
    """summary.csv (metric,value), clips.csv and frames.csv in `folder`."""
    import pandas as pd

    from vmbench.outputs import atomic_path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = result if isinstance(result, dict) else result.to_dict()
    written = []
    summary = pd.DataFrame({"protocol": data["protocol"], "metric": list(data["summary"]), "value": list(data["summary"].values())})
    for name, frame in (("summary", summary), ("clips", pd.DataFrame(data["clips"])), ("frames", pd.DataFrame(data["frames"]))):
        out = folder / f"{name}.csv"
        with atomic_path(out, overwrite=overwrite) as tmp:
            frame.to_csv(tmp, index=False)
        written.append(out)
    return written
