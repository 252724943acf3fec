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
from pathlib import Path

from vmbench import __version__

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


def make_run_record(*, task: str, protocol: str, pred: Path | None = None, gt: Path | None = None,
                    method: str | None = None, track: str | None = None, **extra) -> dict:
    """Build the provenance record of one evaluation."""
    from_baseline = _baseline_record(pred) if pred is not None else {}
    record = {
        "vmbench_version": __version__,
        "git_commit": git_commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "task": task,
        "protocol": protocol,
        "method": method or from_baseline.get("adapter") or (Path(pred).name if pred is not None else None),
        "track": track or from_baseline.get("track") or "unknown",
        "dataset_hash": dataset_hash(gt) if gt is not None else None,
        "weights_sha256": from_baseline.get("weights_sha256"),
        "pred": str(Path(pred).resolve()) if pred is not None else None,
        "gt": str(Path(gt).resolve()) if gt is not None else None,
    }
    record.update({k: v for k, v in from_baseline.items() if k not in record})
    record.update(extra)
    return record


def run_record_path(result_json: Path) -> Path:
    result_json = Path(result_json)
    return result_json.with_name(result_json.stem + ".run.json")


def write_run_record(result_json: Path, record: dict) -> Path:
    path = run_record_path(result_json)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def read_run_record(result_json: Path) -> dict:
    path = run_record_path(result_json)
    return json.loads(path.read_text()) if path.is_file() else {}
