"""Quality gate: compare a result with a baseline and fail when a metric regressed past tolerance.

Direction-aware: an error metric (MAD) regresses when it rises, a quality score (VIMQ) when it falls.
Tolerances are relative (``MAD=2%``: worse by more than 2 % of the baseline fails) or absolute
(``MAD=0.5``: worse by more than 0.5 in the metric's own units fails).
"""

from __future__ import annotations

from dataclasses import dataclass

from vmbench.errors import InputError
from vmbench.leaderboard.results import RunResult
from vmbench.leaderboard.units import higher_is_better, metric_unit

__all__ = ["Tolerance", "GateLine", "parse_tolerance", "parse_tolerances", "run_gate", "format_gate"]


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
    if not v >= 0:
        raise InputError(f"tolerance {text!r}: must be >= 0")
    return Tolerance(v, rel)


def parse_tolerances(spec: str | None) -> dict[str, Tolerance]:
    """"MAD=2%,dtSSD=5%,Grad=0.5" -> {metric: Tolerance}."""
    out: dict[str, Tolerance] = {}
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise InputError(f"--max-regress {part!r}: expected METRIC=TOLERANCE, e.g. MAD=2%")
        name, tol = part.split("=", 1)
        out[name.strip()] = parse_tolerance(tol)
    return out


def run_gate(current: RunResult, baseline: RunResult, tolerances: dict[str, Tolerance],
             *, default: Tolerance | None = None) -> list[GateLine]:
    """Compare metrics: the named ones with their tolerance, and with `default` every metric both share.

    A named metric missing from either file, or protocols that differ, is an InputError.
    """
    if current.protocol != baseline.protocol:
        raise InputError(f"{current.path}: protocol {current.protocol!r} differs from baseline "
                         f"{baseline.path} ({baseline.protocol!r}); the numbers are not comparable")
    for m in tolerances:
        missing = [str(r.path) for r in (baseline, current) if m not in r.summary]
        if missing:
            raise InputError(f"metric {m!r} is missing from {', '.join(missing)} "
                             f"(baseline has {baseline.metrics}, current has {current.metrics})")
    checks = dict(tolerances)
    if default is not None:
        for m in baseline.metrics:
            if m in current.summary and m not in checks:
                checks[m] = default
    if not checks:
        raise InputError("nothing to check: give --max-regress METRIC=TOL or --all PCT")
    lines = []
    for m, tol in checks.items():
        b, c = baseline.summary[m], current.summary[m]
        hib = higher_is_better(m, current.protocol)
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
        unit = metric_unit(protocol, ln.metric).unit if protocol else ""
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
