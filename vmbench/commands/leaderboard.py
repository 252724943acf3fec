"""`vmbench leaderboard RESULT.json... --out DIR`: tables (md/csv/html) and plots per track and protocol."""

from __future__ import annotations

import shlex
import sys

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "leaderboard",
        help="tables and plots from result files, grouped by track and protocol",
        description="Rank result JSONs (docs/formats.md) per track and protocol with 95%% bootstrap "
                    "intervals over clips and significance marks; write README.md, results.csv, "
                    "tables/ and plots/ into --out. See docs/leaderboard.md.",
    )
    p.add_argument("results", nargs="*", metavar="RESULT.json", help="result files (sidecars RESULT.run.json read when present)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder, e.g. leaderboards/standard")
    p.add_argument("--sort", metavar="METRIC", help="sort metric (default: MAD for plain protocols, VIMQ for instance)")
    p.add_argument("--published", metavar="BENCHMARK",
                   help="show a paper benchmark's published numbers beside measured rows "
                        "(never automatic; `--published list` prints the names)")
    p.add_argument("--title", default="vmbench leaderboard")
    p.add_argument("--no-plots", action="store_true", help="tables only")
    p.add_argument("--strips", type=int, default=3, metavar="N",
                   help="worst clips per method drawn as image strips when the run record has pred/gt (0: none)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from vmbench.errors import InputError
    from vmbench.leaderboard.published import benchmarks, published_rows
    from vmbench.leaderboard.report import write_leaderboard
    from vmbench.leaderboard.results import load_results
    from vmbench.leaderboard.table import group_markdown

    if args.published == "list":
        for name, papers in benchmarks().items():
            print(f"{name}: {'; '.join(papers)}")
        return 0
    if not args.results and not args.published:
        raise InputError("give at least one RESULT.json (or --published BENCHMARK)")
    results = load_results(args.results)
    pub = published_rows(args.published) if args.published else None
    command = "vmbench leaderboard " + " ".join(shlex.quote(a) for a in sys.argv[2:]) if len(sys.argv) > 2 else ""
    groups = write_leaderboard(results, args.out, sort=args.sort, published=pub, published_name=args.published,
                               title=args.title, command=command, plots=not args.no_plots, strips=args.strips)
    for g in groups:
        print(f"## track {g.track}, protocol {g.protocol}\n")
        print(group_markdown(g))
    print(f"wrote {args.out}/README.md, results.csv, tables/, plots/")
    return 0
