"""Read a result JSON (the pinned four-key format) and its `.run.json` provenance sidecar.

The result file says what was measured; the sidecar says who, when and how. A missing sidecar is
allowed: the method is then the file stem and the track "unknown".
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from vmbench.errors import InputError, not_a_file
from vmbench.provenance import read_run_record, run_record_path

__all__ = ["RESULT_KEYS", "RunResult", "sidecar_path", "load_result", "load_results", "drop_sidecars"]

RESULT_KEYS = ("protocol", "summary", "clips", "frames")
OPTIONAL_KEYS = ("splits",)  # per-split summaries of `eval --dataset` (docs/formats.md)
_ID_KEYS = ("dataset", "clip", "frame", "frames", "instance", "inst", "exp_id", "expression")


sidecar_path = run_record_path  # one definition, in vmbench.provenance


@dataclass
class RunResult:
    """One evaluated run: metrics from the result JSON plus provenance from its sidecar."""

    path: Path
    protocol: str
    summary: dict[str, float]
    clips: list[dict]
    frames: list[dict]
    run: dict = field(default_factory=dict)

    @property
    def method(self) -> str:
        return str(self.run.get("method") or self.path.name.removesuffix(".json"))

    @property
    def track(self) -> str:
        return str(self.run.get("track") or "unknown")

    @property
    def date(self) -> str | None:
        return self.run.get("date")

    @property
    def metrics(self) -> list[str]:
        """Metric names of the summary, in file order."""
        return list(self.summary)

    def clip_key(self, row: dict) -> tuple:
        """Identity of one per-clip row: (dataset, clip[, instance/expression])."""
        return tuple(str(row[k]) for k in ("dataset", "clip", "instance", "exp_id") if k in row)

    def clip_values(self, metric: str) -> dict[tuple, float]:
        """Per-clip values of `metric` (finite values only), keyed by clip identity."""
        out: dict[tuple, float] = {}
        for row in self.clips:
            v = row.get(metric)
            if isinstance(v, (int, float)) and math.isfinite(v):
                out[self.clip_key(row)] = float(v)
        return out

    def frame_series(self, metric: str) -> dict[tuple, list[tuple[int, float]]]:
        """Per-clip list of (frame index, value) for `metric`, frames in file order."""
        series: dict[tuple, list[tuple[int, float]]] = {}
        for row in self.frames:
            v = row.get(metric)
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                continue
            key = self.clip_key(row)
            idx = row.get("frame")
            try:
                t = int(idx)
            except (TypeError, ValueError):
                t = len(series.get(key, []))
            series.setdefault(key, []).append((t, float(v)))
        return series


def _check(path: Path, data: object) -> None:
    if not isinstance(data, dict):
        raise InputError(f"{path}: a result JSON must be an object with keys {list(RESULT_KEYS)}")
    keys = set(data)
    if set(RESULT_KEYS) - keys or keys - set(RESULT_KEYS) - set(OPTIONAL_KEYS):
        missing = sorted(set(RESULT_KEYS) - keys)
        extra = sorted(keys - set(RESULT_KEYS) - set(OPTIONAL_KEYS))
        raise InputError(f"{path}: result JSON must have exactly the keys {list(RESULT_KEYS)}"
                         f" (missing {missing}, unexpected {extra}); see docs/formats.md")
    if not isinstance(data["summary"], dict):
        raise InputError(f"{path}: 'summary' must be an object of metric -> number")
    for name, v in data["summary"].items():
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool)):
            raise InputError(f"{path}: summary metric {name!r} is {v!r}, not a number")
    for key in ("clips", "frames"):
        if not isinstance(data[key], list) or not all(isinstance(r, dict) for r in data[key]):
            raise InputError(f"{path}: {key!r} must be a list of objects")
    if not isinstance(data["protocol"], str) or not data["protocol"]:
        raise InputError(f"{path}: 'protocol' must be a protocol name, not {data['protocol']!r}")
    seen = set()
    for row in data["clips"]:
        if "clip" not in row:
            raise InputError(f"{path}: a 'clips' row has no 'clip' key: {row}")
        key = tuple(str(row[k]) for k in ("dataset", "clip", "instance", "exp_id") if k in row)
        if key in seen:  # a clip counted twice would weigh twice in every interval and comparison
            raise InputError(f"{path}: clip {'/'.join(key)} has two 'clips' rows; each clip must appear once")
        seen.add(key)


def load_result(path: str | Path) -> RunResult:
    """Read RESULT.json and, when present, RESULT.run.json beside it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(not_a_file(path, "result file"))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    _check(path, data)
    run = read_run_record(path) or {}
    if run.get("protocol") not in (None, data["protocol"]):
        raise InputError(f"{sidecar_path(path)}: protocol {run['protocol']!r} differs from the result's "
                         f"{data['protocol']!r} in {path}")
    summary = {k: math.nan if v is None else float(v) for k, v in data["summary"].items()}  # null = NaN
    return RunResult(path=path, protocol=str(data["protocol"]), summary=summary,
                     clips=data["clips"], frames=data["frames"], run=run)


def drop_sidecars(paths: list[str | Path]) -> list[Path]:
    """Drop `*.run.json` from a file list (a shell glob `runs/*.json` matches the sidecars too)."""
    kept = [Path(p) for p in paths if not str(p).endswith(".run.json")]
    if len(kept) != len(paths):
        import sys

        print(f"vmbench: note: skipped {len(paths) - len(kept)} .run.json sidecar(s) given as results "
              "(they are read beside their result)", file=sys.stderr)
    return kept


def load_results(paths: list[str | Path]) -> list[RunResult]:
    """Load several results; two files claiming the same method, track and protocol is an error."""
    results = [load_result(p) for p in drop_sidecars(list(paths))]
    seen: dict[tuple, Path] = {}
    for r in results:
        key = (r.track, r.protocol, r.method, r.date)
        if key in seen:
            raise InputError(f"{r.path}: same method {r.method!r}, track, protocol and date as {seen[key]}"
                             " (give each run a distinct method name in its .run.json)")
        seen[key] = r.path
    return results
