"""The run record (RESULT.run.json): who produced a result, when, from what code and data.

Kept beside the result so that the result JSON keeps exactly its four pinned keys. `vmbench eval`
writes its records with `vmbench.provenance` (which also fills the dataset hash and the baseline's
weights hash); this module is the generic builder (any fields) that the leaderboard tools and scripts use.
Both write the same keys and the same ``RESULT.run.json`` path.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from vmbench import __version__
from vmbench.errors import InputError
from vmbench.leaderboard.results import sidecar_path
from vmbench.provenance import git_commit  # one implementation, shared with `vmbench eval`

__all__ = ["RUN_KEYS", "git_commit", "make_run_record", "write_run_record", "read_run_record"]

#: keys the leaderboard reads; others (pred, gt, ...) are kept as given
RUN_KEYS = ("method", "track", "task", "protocol", "vmbench_version", "git_commit", "date",
            "dataset_hash", "weights_sha256")


def make_run_record(**fields) -> dict:
    """A run record: vmbench version, git commit of the CWD repo (None if not a repo), UTC ISO date,
    then the given fields (method, track, task, protocol, dataset_hash, weights_sha256, pred, gt ...),
    which override the defaults. Enum values (e.g. Track) are stored by value; paths as strings.
    """
    record: dict = {
        "vmbench_version": __version__,
        "git_commit": git_commit(),
        "date": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
    }
    for k, v in fields.items():
        if isinstance(v, Enum):
            v = v.value
        elif isinstance(v, Path):
            v = str(v)
        record[k] = v
    return record


def write_run_record(result_json_path: str | Path, record: dict) -> Path:
    """Write `record` as RESULT.run.json beside RESULT.json; returns the path written."""
    path = sidecar_path(result_json_path)
    try:
        text = json.dumps(record, indent=2, sort_keys=False, default=str)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{path}: run record is not JSON-serialisable ({exc})") from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def read_run_record(result_json_path: str | Path) -> dict | None:
    """The run record beside a result, or None when there is none."""
    path = sidecar_path(result_json_path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a run record must be a JSON object")
    return data
