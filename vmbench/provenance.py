"""Run records: what produced a result, written beside it as ``RESULT.run.json``.

A record holds the vmbench version, the git commit of the code in the working directory (when it
is a git checkout), the UTC date, the dataset content hash (from a ``manifest.json`` at or above
the ground-truth root), and, when the predictions came from ``vmbench run-baseline``, the adapter,
track, device and weights hash from its ``run.json``. History plots and leaderboards read these.
"""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from vmbench import __version__
from vmbench.errors import InputError

__all__ = ["make_run_record", "write_run_record", "read_run_record", "run_record_path", "git_commit", "dataset_hash"]


def git_commit(cwd: Path | None = None) -> str | None:
    """HEAD of the git checkout at `cwd` (default: the working directory), or None."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def dataset_hash(gt_root: Path) -> str | None:
    """The content hash of the embedded benchmark that `gt_root` belongs to, if any."""
    gt_root = Path(gt_root).resolve()
    for folder in (gt_root, *gt_root.parents[:3]):
        manifest = folder / "manifest.json"
        if manifest.is_file():
            try:
                return json.loads(manifest.read_text()).get("content_hash")
            except (OSError, ValueError):
                return None
    return None


def _baseline_record(pred_root: Path) -> dict:
    path = Path(pred_root) / "run.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    keys = ("adapter", "track", "device", "weights", "weights_sha256", "seconds_per_frame")
    return {k: data[k] for k in keys if k in data}


def _plain(value):
    """JSON-friendly: enums by value, paths as strings."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def make_run_record(*, task: str | None = None, protocol: str | None = None, pred: Path | None = None,
                    gt: Path | None = None, method: str | None = None, track=None, **extra) -> dict:
    """Build a run record: version, git commit, UTC date, then what produced the result.

    When `pred` holds a ``run.json`` written by ``vmbench run-baseline``, the adapter, track,
    device and weights hash are taken from it; when `gt` belongs to an embedded benchmark, its
    content hash is recorded. Explicit arguments and `extra` fields win.
    """
    from_baseline = _baseline_record(pred) if pred is not None else {}
    record = {
        "vmbench_version": __version__,
        "git_commit": git_commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "task": task,
        "protocol": protocol,
        "method": method or from_baseline.get("adapter") or (Path(pred).name if pred is not None else None),
        "track": _plain(track) or from_baseline.get("track") or "unknown",
        "dataset_hash": dataset_hash(gt) if gt is not None else None,
        "weights_sha256": from_baseline.get("weights_sha256"),
        "pred": str(pred) if pred is not None else None,
        "gt": str(gt) if gt is not None else None,
    }
    record.update({k: v for k, v in from_baseline.items() if k not in record})
    record.update({k: _plain(v) for k, v in extra.items()})
    return record


def run_record_path(result_json: Path) -> Path:
    """``runs/x.json`` -> ``runs/x.run.json`` (same folder, same stem)."""
    p = Path(result_json)
    return p.with_name(p.stem + ".run.json") if p.suffix == ".json" else p.with_name(p.name + ".run.json")


def write_run_record(result_json: Path, record: dict, *, overwrite: bool = True) -> Path:
    """Write `record` as RESULT.run.json beside RESULT.json; returns the path written."""
    path = run_record_path(result_json)
    try:
        text = json.dumps(record, indent=1, default=str)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{path}: run record is not JSON-serialisable ({exc})") from None
    from vmbench.outputs import atomic_write_text

    atomic_write_text(path, text + "\n", overwrite=overwrite)
    return path


def read_run_record(result_json: Path) -> dict | None:
    """The run record beside a result, or None when there is none."""
    path = run_record_path(result_json)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a run record must be a JSON object")
    return data
