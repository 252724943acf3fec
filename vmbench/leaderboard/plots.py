"""Figures for leaderboards: metric over time (frame index), per-clip comparison, worst-clip strips,
and a metric's history across runs. Matplotlib with the Agg backend; every figure as PNG and SVG.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from vmbench.errors import InputError
from vmbench.leaderboard.results import RunResult, load_result
from vmbench.outputs import atomic_path
from vmbench.metrics.table import headline as headline_metric, higher_is_better, lookup

__all__ = [
    "plot_over_time",
    "plot_per_clip",
    "render_worst_strips",
    "plot_history",
    "frame_index_stats",
    "parse_date",
]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


FORMATS = ("png", "svg")


def _save(fig, out_base: Path, formats: tuple[str, ...] = FORMATS, *, overwrite: bool = True) -> list[Path]:
    """PNG and SVG (or `formats`); the SVG keeps its text as text (searchable, readable by screen readers).
    `overwrite=False` refuses a file that appeared since the command checked its targets."""
    import matplotlib

    out_base.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in formats:
        p = out_base.with_name(out_base.name + f".{ext}")
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "vmbench"}), atomic_path(p, overwrite=overwrite) as tmp:
            fig.savefig(tmp, dpi=110, bbox_inches="tight", format=ext)  # renamed whole onto p
        paths.append(p)
    _plt().close(fig)
    return paths


def frame_index_stats(result: RunResult, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(frame indices, mean, 25th, 75th percentile) across clips at each frame index."""
    by_t: dict[int, list[float]] = {}
    for series in result.frame_series(metric).values():
        for t, v in series:
            by_t.setdefault(t, []).append(v)
    ts = np.array(sorted(by_t), dtype=int)
    mean = np.array([np.mean(by_t[t]) for t in ts])
    q25 = np.array([np.percentile(by_t[t], 25) for t in ts])
    q75 = np.array([np.percentile(by_t[t], 75) for t in ts])
    return ts, mean, q25, q75


def _label(protocol: str, metric: str) -> str:
    u = lookup(protocol, metric)
    if u is None:
        return f"{metric} (unknown metric: unit and direction not in vmbench's table)"
    return f"{metric} ({u.unit}, {'higher' if u.higher_is_better else 'lower'} is better)"


def plot_over_time(results: list[RunResult], metric: str, out_base: str | Path, *, title: str = "",
                   formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Mean across clips at each frame index, per method, with an interquartile band (labelled)."""
    plt = _plt()
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(7, 3.6))
    drawn = 0
    for r in results:
        ts, mean, q25, q75 = frame_index_stats(r, metric)
        if len(ts) == 0:
            continue
        line, = ax.plot(ts, mean, label=f"{r.method}: mean across clips", lw=1.5)
        ax.fill_between(ts, q25, q75, color=line.get_color(), alpha=0.2, lw=0)
        drawn += 1
    if not drawn:
        plt.close(fig)
        return []
    ax.set_xlabel("frame index (frames)")
    ax.set_ylabel(_label(results[0].protocol, metric))
    ax.set_title(title or f"{metric} over time")
    ax.grid(alpha=0.3)
    handles, _labels = ax.get_legend_handles_labels()
    handles.append(Patch(color="0.5", alpha=0.35, lw=0,
                         label="shaded band: interquartile range\n(25th-75th percentile across clips)"))
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, Path(out_base), formats)


def plot_per_clip(results: list[RunResult], metric: str, out_base: str | Path, *, title: str = "",
                  formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """Dot plot: one row per clip, one marker per method, so per-clip wins are visible."""
    plt = _plt()
    keys: list[tuple] = []
    for r in results:
        keys += [k for k in r.clip_values(metric) if k not in keys]
    if not keys:
        return []
    fig, ax = plt.subplots(figsize=(7, 0.8 + 0.3 * len(keys)))
    y = np.arange(len(keys))
    markers = "os^Dv<>pP*X"
    for i, r in enumerate(results):
        vals = r.clip_values(metric)
        yy = [j for j, k in enumerate(keys) if k in vals]
        ax.scatter([vals[keys[j]] for j in yy], y[yy] + (i - (len(results) - 1) / 2) * 0.12,
                   marker=markers[i % len(markers)], label=r.method, s=22)
    ax.set_yticks(y, ["/".join(k) for k in keys], fontsize=7)
    ax.set_ylabel("clip (dataset/clip)")
    ax.invert_yaxis()
    ax.set_xlabel(_label(results[0].protocol, metric))
    ax.set_title(title or f"{metric} per clip")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, Path(out_base), formats)


def _find_clip_dir(root: Path, dataset: str, clip: str, *, gt: bool) -> Path:
    cands = [root / dataset / clip / "pha", root / clip / "pha", root / dataset / clip, root / clip]
    if not gt:
        cands += [root]
    for c in cands:
        if c.is_dir() and any(p.suffix.lower() in (".png", ".jpg", ".jpeg") for p in c.iterdir()):
            return c
    raise InputError(f"{root}: no frames for clip {dataset}/{clip} (looked in "
                     f"{', '.join(str(c) for c in cands[:4])})")


def render_worst_strips(result_json: str | Path, pred_root: str | Path, gt_root: str | Path,
                        out_dir: str | Path, *, n: int = 3, metric: str | None = None,
                        formats: tuple[str, ...] = FORMATS) -> list[Path]:
    """For the n worst clips of a result, a strip: composite frame, ground truth, prediction, |error|.

    The worst frame of each clip (by `metric`, default the headline metric) is shown. Frames are read
    with vmbench.io.frames; the composite comes from ``<gt>/<dataset>/<clip>/com`` when it exists.
    """
    from vmbench.io.frames import list_frames, read_alpha, read_rgb
    res = load_result(result_json)
    metric = metric or headline_metric(res.protocol, res.metrics)
    if metric is None:
        raise InputError(f"{result_json}: no metric to rank clips by")
    hib = higher_is_better(metric, res.protocol)
    if hib is None:
        raise InputError(f"{result_json}: metric {metric!r} is not in vmbench's metrics table; "
                         "its direction is unknown, so its worst clips cannot be chosen")
    rows = [c for c in res.clips if isinstance(c.get(metric), (int, float)) and math.isfinite(c[metric])]
    rows.sort(key=lambda c: c[metric], reverse=not hib)
    plt = _plt()
    written: list[Path] = []
    for row in rows[:n]:
        dataset, clip = str(row.get("dataset", "")), str(row["clip"])
        series = [(t, v) for (key, s) in res.frame_series(metric).items() if key[:2] == (dataset, clip) for t, v in s]
        gt_dir = _find_clip_dir(Path(gt_root), dataset, clip, gt=True)
        pred_dir = _find_clip_dir(Path(pred_root), dataset, clip, gt=False)
        gt_frames = list_frames(gt_dir)
        if series:
            t_worst = (min if hib else max)(series, key=lambda tv: tv[1])[0]
        else:
            t_worst = 0
        name = f"{t_worst:04d}"
        gt_path = next((p for p in gt_frames if p.stem == name), gt_frames[min(t_worst, len(gt_frames) - 1)])
        pred_path = next((p for p in list_frames(pred_dir) if p.stem == gt_path.stem), None)
        if pred_path is None:
            raise InputError(f"{pred_dir}: no prediction frame {gt_path.stem} for clip {dataset}/{clip}")
        g, p = read_alpha(gt_path), read_alpha(pred_path)
        if g.shape != p.shape:
            raise InputError(f"{pred_path}: size {p.shape} differs from ground truth {g.shape}")
        com_dir = gt_dir.parent / "com" if gt_dir.name == "pha" else None
        com_path = com_dir / gt_path.name if com_dir is not None else None
        panels = [("frame", read_rgb(com_path) if com_path is not None and com_path.is_file() else None),
                  ("ground truth", g), ("prediction", p), ("|error|", np.abs(p - g))]
        fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
        for ax, (label, img) in zip(axes, panels):
            if img is None:
                ax.text(0.5, 0.5, "no composite", ha="center", va="center")
            elif img.ndim == 3:
                ax.imshow(img)
            else:
                error = label == "|error|"
                shown = ax.imshow(img, cmap="magma" if error else "gray", vmin=0, vmax=1)
                bar = fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.02)
                bar.set_label("|pred - gt| (alpha, 0-1)" if error else "alpha (0-1)", fontsize=8)
                bar.ax.tick_params(labelsize=7)
            ax.set_title(label, fontsize=9)
            ax.axis("off")
        fig.suptitle(f"{res.method}: {dataset}/{clip} frame {gt_path.stem} "
                     f"(worst frame; clip {metric} {row[metric]:.4g})", fontsize=10)
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in f"{dataset}_{clip}")
        written += _save(fig, Path(out_dir) / f"worst_{len(written) // len(formats) + 1}_{safe}", formats)
    return written


def parse_date(text: str | None) -> datetime | None:
    """ISO date or datetime from a run record (``Z`` accepted) as naive UTC; None when absent or unreadable."""
    if not text:
        return None
    try:
        d = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return d.astimezone(timezone.utc).replace(tzinfo=None) if d.tzinfo is not None else d


def plot_history(results: list[RunResult], metric: str, out_path: str | Path, *, overwrite: bool = True) -> list[Path]:
    """Metric of each run against its date (from the sidecar), one line per method.

    `out_path` ending in .png or .svg writes that file; the other format is written beside it.
    """
    plt = _plt()
    lines: dict[str, list[tuple[datetime, float]]] = {}
    for r in results:
        d = parse_date(r.date)
        if d is None or metric not in r.summary:
            continue
        lines.setdefault(r.method, []).append((d, r.summary[metric]))
    if not lines:
        raise InputError(f"no run has both a date (in its .run.json) and metric {metric!r}")
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for method, pts in sorted(lines.items()):
        pts.sort()
        ax.plot([d for d, _ in pts], [v for _, v in pts], marker="o", label=method)
    ax.set_xlabel("run date (UTC)")
    ax.set_ylabel(_label(results[0].protocol, metric))
    ax.set_title(f"{metric} across runs")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.autofmt_xdate()
    out = Path(out_path)
    base = out.with_suffix("") if out.suffix.lower() in (".png", ".svg") else out
    return _save(fig, base, overwrite=overwrite)
