"""`vmbench leaderboard RESULT.json... --out DIR`: tables (md/csv/html) and plots per track and protocol."""

from __future__ import annotations

import shlex

from vmbench.commands._args import int_range

__all__ = ["register"]


USAGE = ("vmbench leaderboard RESULT.json... (--out DIR | --site DIR | --latex FILE|DIR) [options]\n"
         "       vmbench leaderboard --published list")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "leaderboard",
        help="tables, plots, a static site and LaTeX tables from result files, per track and protocol",
        usage=USAGE,
        description="Rank result JSONs (docs/formats.md) per track and protocol with 95% bootstrap "
                    "intervals over clips and significance marks. At least one output is required: "
                    "--out (README.md, results.csv, tables/, plots/), --site (static HTML site) or "
                    "--latex (booktabs tables); any combination works. See docs/leaderboard.md.",
    )
    p.add_argument("results", nargs="*", metavar="RESULT.json", help="result files (sidecars RESULT.run.json read when present)")
    p.add_argument("--out", metavar="DIR", help="write README.md, results.csv, tables/ and plots/ here, "
                                                 "e.g. leaderboards/standard")
    p.add_argument("--site", metavar="DIR", help="write a static site here (index.html, site.js, plots/; "
                                                  "open index.html in a browser, no server needed)")
    p.add_argument("--latex", metavar="FILE|DIR",
                   help="booktabs tables: FILE.tex holds every table; a DIR gets one <track>__<protocol>.tex each")
    p.add_argument("--sort", metavar="METRIC", help="sort metric (default: MAD for plain protocols, VIMQ for instance)")
    p.add_argument("--published", metavar="BENCHMARK",
                   help="show a paper benchmark's published numbers beside measured rows "
                        "(never automatic; `--published list` prints the names)")
    p.add_argument("--title", default="vmbench leaderboard", help="heading of README.md and the site")
    p.add_argument("--no-plots", action="store_true", help="tables only (in --out and --site)")
    p.add_argument("--force", action="store_true",
                   help="overwrite a README.md (--out), index.html (--site) or .tex file not written by vmbench")
    p.add_argument("--strips", type=int_range(0, 100), default=3, metavar="N",
                   help="worst clips per method drawn as image strips when the run record has pred/gt (0: none)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from vmbench.errors import InputError
    from vmbench.leaderboard.published import benchmarks, published_rows
    from vmbench.leaderboard.report import write_leaderboard
    from vmbench.leaderboard.results import load_results
    from vmbench.leaderboard.table import build_groups, group_markdown

    if args.published == "list":
        for name, papers in benchmarks().items():
            print(f"{name}: {'; '.join(papers)}")
        return 0
    if not (args.out or args.site or args.latex):
        raise InputError("give an output: --out DIR, --site DIR or --latex FILE|DIR")
    if not args.results and not args.published:
        raise InputError("give at least one RESULT.json (or --published BENCHMARK)")
    if args.strips < 0:
        raise InputError(f"--strips {args.strips}: must be 0 or more")
    results = load_results(args.results)
    _check_targets(args, results)
    pub = published_rows(args.published) if args.published else None
    groups = build_groups(results, sort=args.sort, published=pub)
    if not groups:
        raise InputError("nothing to tabulate: give result files or --published BENCHMARK")
    written = []
    if args.out:
        write_leaderboard(results, args.out, groups=groups, published_name=args.published,
                          title=args.title, command=_command(args), plots=not args.no_plots,
                          strips=args.strips, force=args.force)
        written.append(f"{args.out}/README.md, results.csv, tables/, plots/")
    if args.site:
        from vmbench.leaderboard.site import write_site

        index = write_site(groups, args.site, title=args.title, command=_command(args),
                           plots=not args.no_plots, strips=args.strips, force=args.force)
        written.append(str(index))
    if args.latex:
        from vmbench.leaderboard.latex import write_latex

        written += [str(p) for p in write_latex(groups, args.latex, force=args.force)]
    for g in groups:
        print(f"## track {g.track}, protocol {g.protocol}\n")
        print(group_markdown(g))
    print("wrote " + "; ".join(written))
    return 0


def _check_targets(args, results) -> None:
    """--out outside the inputs (result files, their run records, the pred/gt they name), of the
    right kind and writable, before any table is computed (vmbench.outputs)."""
    from pathlib import Path

    from vmbench.outputs import check_file_target, check_folder_target
    from vmbench.provenance import run_record_path

    inputs = [p for r in results for p in (r.path, run_record_path(r.path), r.run.get("pred"), r.run.get("gt"))]
    if args.out:
        check_folder_target(args.out, inputs=inputs, overwrite=True, option="--out",
                            writes=("README.md", "results.csv", "tables", "plots"))
    if args.site:  # a foreign index.html is refused by write_site (it knows its own marker)
        check_folder_target(args.site, inputs=inputs, overwrite=True, option="--site",
                            writes=("index.html", "site.js", "plots"))
    if args.latex:  # a foreign .tex is refused by write_latex
        if Path(args.latex).suffix == ".tex":
            check_file_target(args.latex, inputs=inputs, overwrite=True, option="--latex")
        else:
            check_folder_target(args.latex, inputs=inputs, overwrite=True, option="--latex")


def _command(args) -> str:
    """The command line that reproduces this leaderboard (recorded in its README)."""
    parts = ["vmbench", "leaderboard", *(r for r in args.results if not str(r).endswith(".run.json"))]
    for flag, value in (("--out", args.out), ("--site", args.site), ("--latex", args.latex)):
        if value:
            parts += [flag, value]
    for flag, value in (("--sort", args.sort), ("--published", args.published), ("--strips", args.strips)):
        if value is not None and not (flag == "--strips" and value == 3):
            parts += [flag, str(value)]
    if args.title != "vmbench leaderboard":
        parts += ["--title", args.title]
    if args.no_plots:
        parts.append("--no-plots")
    return " ".join(shlex.quote(str(p)) for p in parts)
