"""`vmbench gate RESULT.json --baseline BASE.json --max-regress MAD=2%,dtSSD=5%`: CI quality gate."""

from __future__ import annotations

import sys

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "gate",
        help="fail (exit 1) when a metric regressed past its tolerance against a baseline",
        description="Compare RESULT.json with --baseline. Tolerances are relative (MAD=2%) or absolute "
                    "(MAD=0.5, metric units); direction-aware (VIMQ regresses when it drops). "
                    "Exit 0: all pass; 1: a regression; 2: bad input. See docs/gate.md.",
    )
    p.add_argument("result", metavar="RESULT.json", help="the result to check (vmbench eval --json)")
    p.add_argument("--baseline", required=True, metavar="BASE.json",
                   help="the result it must not be worse than, e.g. leaderboards/ci/METHOD.json")
    p.add_argument("--max-regress", default="", metavar="SPEC", help="METRIC=TOL,... e.g. MAD=2%%,dtSSD=5%%,Grad=0.5")
    p.add_argument("--all", default=None, metavar="PCT",
                   help="tolerance for every metric both files share and --max-regress does not name (e.g. 1%%)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from vmbench.leaderboard.gate import format_gate, parse_percent, parse_tolerances, run_gate
    from vmbench.leaderboard.results import load_result

    # parsed here, not by type=, so a bad tolerance is vmbench's one error line (exit 2) like a bad file
    tolerances = parse_tolerances(args.max_regress)
    default = parse_percent(args.all, "--all") if args.all is not None else None
    current, baseline = load_result(args.result), load_result(args.baseline)
    notes: list[str] = []
    lines = run_gate(current, baseline, tolerances, default=default, notes=notes)
    for note in notes:
        print(f"vmbench: note: {note}", file=sys.stderr)
    print(f"current:  {current.path} ({current.method}, protocol {current.protocol})")
    print(f"baseline: {baseline.path} ({baseline.method})\n")
    print(format_gate(lines, current.protocol))
    return 0 if all(ln.passed for ln in lines) else 1
