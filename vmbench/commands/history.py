"""`vmbench history RESULT.json... --metric MAD --out plot.png`: a metric across runs over time."""

from __future__ import annotations

from pathlib import Path

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "history",
        help="plot and tabulate a metric across runs by run date (quality drift across releases)",
        description="x = run date from each RESULT.run.json, one line per method. Prints the table too.",
    )
    p.add_argument("results", nargs="+", metavar="RESULT.json",
                   help="result files of one protocol, each with a dated RESULT.run.json beside it")
    p.add_argument("--metric", required=True, metavar="METRIC", help="summary metric to follow, e.g. MAD")
    p.add_argument("--out", required=True, metavar="PLOT.png",
                   help="PNG (an SVG is written beside it); the name must end in .png or .svg")
    p.add_argument("--overwrite", action="store_true", help="replace an existing PLOT.png / PLOT.svg")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from vmbench.errors import InputError
    from vmbench.leaderboard.plots import parse_date, plot_history
    from vmbench.leaderboard.comparable import pair_problems, value_problems
    from vmbench.leaderboard.results import drop_sidecars, load_result
    from vmbench.metrics.table import lookup
    from vmbench.outputs import check_file_target
    from vmbench.provenance import run_record_path

    results = [load_result(p) for p in drop_sidecars(args.results)]
    if not results:
        raise InputError("no result files left once the .run.json sidecars are dropped; give RESULT.json files")
    protocols = sorted({r.protocol for r in results})
    if len(protocols) > 1:
        raise InputError(f"runs mix protocols {protocols}; their {args.metric} values are not comparable")
    missing = [str(r.path) for r in results if args.metric not in r.summary]
    if missing:
        raise InputError(f"metric {args.metric!r} missing from {', '.join(missing)}")
    for r in results:
        bad = value_problems(r, [args.metric])
        if bad:
            raise InputError(f"{r.path}: summary {args.metric} {bad[args.metric]}; not comparable across runs")
        problems = [p for p in pair_problems(r, results[0]) if not p.startswith("protocol")]
        if problems:
            raise InputError(f"{r.path} and {results[0].path} are not comparable: {'; '.join(problems)}")
    undated = [str(r.path) for r in results if parse_date(r.date) is None]
    if undated:
        raise InputError(f"no readable 'date' in the .run.json of {', '.join(undated)}")
    base = Path(args.out)
    if base.suffix.lower() not in (".png", ".svg"):
        raise InputError(f"--out {args.out}: the plot is written as PNG and SVG; give a name ending in .png or .svg")
    base = base.with_suffix("")
    inputs = [p for r in results for p in (r.path, run_record_path(r.path), r.run.get("pred"), r.run.get("gt"))]
    for target in (base.with_name(base.name + ".png"), base.with_name(base.name + ".svg")):
        check_file_target(target, inputs=inputs, overwrite=args.overwrite, option="--out")
    rows = sorted(results, key=lambda r: (r.method, parse_date(r.date)))
    row = lookup(protocols[0], args.metric)
    if row is None:
        raise InputError(f"metric {args.metric!r} is not in vmbench's metrics table for protocol {protocols[0]!r}; "
                         "its unit and direction are unknown")
    unit = row.unit
    head = ["method", "date", "git_commit", "vmbench_version", f"{args.metric} ({unit})"]
    body = [[r.method, str(r.date), str(r.run.get("git_commit") or "")[:10], str(r.run.get("vmbench_version") or ""),
             f"{r.summary[args.metric]:.6g}"] for r in rows]
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    for line in [head, ["-" * w for w in widths], *body]:
        print("  ".join(x.ljust(w) for x, w in zip(line, widths)).rstrip())
    written = plot_history(results, args.metric, args.out, overwrite=args.overwrite)
    print("\nwrote " + ", ".join(str(p) for p in written))
    return 0
