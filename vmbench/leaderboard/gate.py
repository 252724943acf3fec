"""Quality gate: compare a result with a baseline and fail when a metric regressed past tolerance.

Direction-aware, from the one metrics table (vmbench.metrics.table): an error metric (MAD) regresses
when it rises, a quality score (VIMQ, RefAcc) when it falls; a metric the table does not know is never
guessed. Results that are not comparable (vmbench.leaderboard.comparable) are refused.
Tolerances are relative (``MAD=2%``: worse by more than 2 % of the baseline fails) or absolute
(``MAD=0.5``: worse by more than 0.5 in the metric's own units fails).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from vmbench.errors import InputError
from vmbench.leaderboard.results import RunResult
from vmbench.leaderboard.comparable import pair_problems, value_problems
from vmbench.metrics.table import higher_is_better, lookup

__all__ = ["Tolerance", "GateLine", "parse_tolerance", "parse_percent", "parse_tolerances", "run_gate", "format_gate"]


@dataclass(frozen=True)
class Tolerance:
    value: float
    relative: bool

    def __str__(self) -> str:
        return f"{self.value:g}%" if self.relative else f"±{self.value:g} (abs)"


@dataclass(frozen=True)
class GateLine:
    metric: str
    baseline: float
    current: float
    change_pct: float | None
    tolerance: Tolerance
    higher_is_better: bool
    passed: bool


def parse_tolerance(text: str) -> Tolerance:
    """"2%" -> relative 2 %, "0.5" -> absolute 0.5 (negative or unparsable values are an error)."""
    t = text.strip()
    rel = t.endswith("%")
    try:
        v = float(t[:-1] if rel else t)
    except ValueError:
        raise InputError(f"tolerance {text!r}: expected a number like 2% or 0.5") from None
    if not (math.isfinite(v) and v >= 0):
        raise InputError(f"tolerance {text!r}: must be a finite number >= 0")
    if rel and v > 1000:
        raise InputError(f"tolerance {text!r}: more than 1000 % checks nothing; give at most 1000%")
    return Tolerance(v, rel)


def parse_percent(text: str, option: str = "--all") -> Tolerance:
    """A relative tolerance ("2%"); an absolute number would mix the units of every metric."""
    if not str(text).strip().endswith("%"):
        raise InputError(f"{option} {text!r}: expected a percentage like 2% (an absolute tolerance applies to "
                         "one metric: --max-regress MAD=0.5)")
    return parse_tolerance(text)


def parse_tolerances(spec: str | None) -> dict[str, Tolerance]:
    """"MAD=2%,dtSSD=5%,Grad=0.5" -> {metric: Tolerance}."""
    out: dict[str, Tolerance] = {}
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise InputError(f"--max-regress {part!r}: expected METRIC=TOLERANCE, e.g. MAD=2%")
        name, tol = (x.strip() for x in part.split("=", 1))
        if not name:
            raise InputError(f"--max-regress {part!r}: no metric name before '='")
        if name in out:
            raise InputError(f"--max-regress: metric {name!r} is given twice")
        out[name] = parse_tolerance(tol)
    return out


def run_gate(current: RunResult, baseline: RunResult, tolerances: dict[str, Tolerance],
             *, default: Tolerance | None = None, notes: list[str] | None = None) -> list[GateLine]:
    """Compare metrics: the named ones with their tolerance, and with `default` every metric both share.

    Refused (InputError): results that are not comparable (protocol, task, dataset hash, clip set),
    a named metric missing from either file or unknown to the metrics table (no direction), and a
    NaN, infinite or out-of-range value in any metric to be checked. Metrics that `default` would
    cover but cannot (in one file only, unknown to the table) are listed in `notes`.
    """
    problems = pair_problems(current, baseline)
    if problems:
        raise InputError(f"{current.path} and baseline {baseline.path} are not comparable: "
                         + "; ".join(problems))
    for m in tolerances:
        missing = [str(r.path) for r in (baseline, current) if m not in r.summary]
        if missing:
            raise InputError(f"metric {m!r} is missing from {', '.join(missing)} "
                             f"(baseline has {baseline.metrics}, current has {current.metrics})")
        if higher_is_better(m, current.protocol) is None:
            raise InputError(f"metric {m!r} is not in vmbench's metrics table for protocol {current.protocol!r}: "
                             "its direction is unknown, so the gate cannot tell a regression from an improvement")
    checks = dict(tolerances)
    notes = notes if notes is not None else []
    hashes = [r.run.get("dataset_hash") for r in (current, baseline)]
    if (hashes[0] is None) != (hashes[1] is None):
        unknown = current if hashes[0] is None else baseline
        notes.append(f"{unknown.path} records no dataset hash, so the two results cannot be confirmed to "
                     "share a dataset (clip sets and frame counts were compared)")
    if default is not None:
        for m in baseline.metrics:
            if m in checks:
                continue
            if m not in current.summary:
                notes.append(f"metric {m!r} is in the baseline {baseline.path} but not in {current.path}; not checked")
            elif higher_is_better(m, current.protocol) is None:
                notes.append(f"metric {m!r} is not in vmbench's metrics table (direction unknown); not checked")
            else:
                checks[m] = default
        for m in current.metrics:
            if m not in baseline.summary and m not in checks:
                notes.append(f"metric {m!r} is in {current.path} but not in the baseline {baseline.path}; not checked")
    if not checks:
        raise InputError("nothing to check: give --max-regress METRIC=TOL or --all PCT")
    for r in (baseline, current):
        bad = value_problems(r, list(checks))
        if bad:
            m = next(iter(bad))
            hint = "" if m in tolerances else " (gate the other metrics by name with --max-regress)"
            raise InputError(f"{r.path}: summary {m} {bad[m]}; not comparable, the gate refuses it{hint}")
    lines = []
    for m, tol in checks.items():
        b, c = baseline.summary[m], current.summary[m]
        hib = bool(higher_is_better(m, current.protocol))
        worse_by = (b - c) if hib else (c - b)  # > 0 means a regression
        change = (c - b) / abs(b) * 100.0 if b != 0 else None
        if tol.relative:
            allowed = abs(b) * tol.value / 100.0
        else:
            allowed = tol.value
        passed = worse_by <= allowed + 1e-12 * max(1.0, abs(b))
        lines.append(GateLine(m, b, c, change, tol, hib, passed))
    return lines


def format_gate(lines: list[GateLine], protocol: str = "") -> str:
    """Plain-text table: metric, baseline, current, change %, tolerance, PASS/FAIL."""
    head = ["metric", "better", "baseline", "current", "change %", "tolerance", "status"]
    rows = []
    for ln in lines:
        row = lookup(protocol, ln.metric) if protocol else None
        unit = row.unit if row else ""
        rows.append([f"{ln.metric} ({unit})" if unit else ln.metric,
                     "higher" if ln.higher_is_better else "lower",
                     f"{ln.baseline:.6g}", f"{ln.current:.6g}",
                     "n/a" if ln.change_pct is None else f"{ln.change_pct:+.2f}",
                     str(ln.tolerance), "PASS" if ln.passed else "FAIL"])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = lambda r: "  ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()  # noqa: E731
    out = [fmt(head), fmt(["-" * w for w in widths])] + [fmt(r) for r in rows]
    n_fail = sum(not ln.passed for ln in lines)
    out.append("")
    out.append(f"gate: {'FAIL' if n_fail else 'PASS'} ({n_fail} of {len(lines)} metrics regressed past tolerance)")
    return "\n".join(out)
