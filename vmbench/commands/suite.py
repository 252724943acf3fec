"""`vmbench suite`: every runnable baseline on an embedded benchmark, scored, then the leaderboard."""

from __future__ import annotations

from pathlib import Path

from vmbench.commands._args import SEED, WORKERS


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "suite", help="run every runnable baseline on an embedded benchmark and build the leaderboard",
        description="Make (or reuse) the embedded benchmark, run every baseline that can run here "
                    "(no weights needed, or weights present), score each and write the leaderboard. "
                    "`vmbench suite --preset standard --out runs/standard --leaderboard leaderboards/standard` "
                    "regenerates the committed leaderboards/.")
    p.add_argument("--preset", default="tiny", help="embedded benchmark preset (tiny, standard, standard-hd)")
    p.add_argument("--data", type=Path, default=None, help="an existing benchmark root instead of --preset")
    p.add_argument("--seed", type=SEED, default=0, help="benchmark seed (default 0)")
    p.add_argument("--out", type=Path, required=True, help="folder for predictions/ and results/")
    p.add_argument("--methods", default=None, help="comma-separated adapter names (default: all runnable)")
    p.add_argument("--leaderboard", type=Path, default=None, help="write the leaderboard here")
    p.add_argument("--device", default="cpu", help="auto, cpu or cuda")
    p.add_argument("--workers", type=WORKERS, default=1,
                   help="parallel workers: processes making the dataset, threads scoring")
    p.add_argument("--overwrite", action="store_true",
                   help="start over where predictions were made by other settings (removes only vmbench's own clips); "
                        "also write into an --out that holds files vmbench did not write (deleting none)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address: predictions (one task per clip) and scoring run on its workers")
    p.add_argument("--resources", default=None, metavar="NAME=N",
                   help="Dask resources each prediction task needs, e.g. GPU=1 (workers: dask worker --resources GPU=1)")
    p.add_argument("--shard", default=None, metavar="I/N",
                   help="predict only shard I of N of every method's clips, score nothing (batch queues); "
                        "a later run without --shard scores and writes the leaderboard")
    p.set_defaults(func=run)


def run(args) -> int:
    from vmbench.engine.resources import parse_resources
    from vmbench.suite import run_suite
    from vmbench.synth import ensure_dataset

    from vmbench.adapters.runner import parse_shard

    resources = parse_resources(args.resources)  # a typo in any of these fails before any work
    shard = parse_shard(args.shard)
    if shard is not None and args.leaderboard is not None:
        from vmbench.errors import InputError

        raise InputError("--leaderboard needs every clip scored; give it to the run without --shard")
    if args.scheduler:
        from vmbench.engine.cluster import check_address

        check_address(args.scheduler)
    from vmbench.outputs import check_folder_target, refuse_foreign_entries

    if args.data is not None:
        check_folder_target(args.out, inputs=[args.data], overwrite=True, replaces=True, option="--out")
    data = args.data or ensure_dataset(args.preset, seed=args.seed, workers=args.workers)
    check_folder_target(args.out, inputs=[data], overwrite=True, replaces=True, option="--out")
    refuse_foreign_entries(args.out, _own_entries(args), overwrite=args.overwrite)
    if args.leaderboard is not None:
        check_folder_target(args.leaderboard, inputs=[data, Path(args.out) / "results", Path(args.out) / "predictions"],
                            overwrite=True, option="--leaderboard", writes=("README.md", "results.csv", "tables", "plots"))
    print(f"benchmark: {data}")
    methods = [m.strip() for m in args.methods.split(",")] if args.methods else None
    results = run_suite(data, args.out, methods=methods, device=args.device, workers=args.workers,
                        scheduler=args.scheduler, resources=resources, shard=shard,
                        overwrite=args.overwrite)
    if args.leaderboard is not None:
        from vmbench.cli import main

        return main(["leaderboard", *map(str, results), "--out", str(args.leaderboard),
                     "--title", leaderboard_title(args.preset if args.data is None else str(args.data), args.seed)])
    return 0


def _own_entries(args) -> list[str]:
    """What suite writes directly in --out: predictions/, results/ and a --leaderboard placed inside it."""
    own = ["predictions", "results"]
    if args.leaderboard is not None:
        board, out = Path(args.leaderboard).resolve(), Path(args.out).resolve()
        if out in board.parents:
            own.append(board.relative_to(out).parts[0])
    return own


def leaderboard_title(benchmark: str, seed: int) -> str:
    """The heading of a suite leaderboard: which benchmark, and the command that remakes it."""
    return (f"vmbench leaderboard: embedded benchmark `{benchmark}` (seed {seed}), rvm protocol "
            f"(referring protocol for the caption track). Regenerate with `vmbench suite --preset "
            f"{benchmark} --seed {seed} --out runs/{benchmark} --leaderboard leaderboards`")
