"""`vmbench demo`: the whole job in a minute on the embedded tiny benchmark."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help="make the tiny embedded benchmark, run the no-weights baselines, score, rank, plot",
        description="Makes (or reuses, cached) the tiny embedded benchmark, runs every baseline that "
                    "can run here, scores each with the rvm protocol (referring protocol for the "
                    "caption track), prints the leaderboard and writes tables and plots to --out.")
    p.add_argument("--out", type=Path, default=Path("vmbench-demo"), help="output folder (default ./vmbench-demo)")
    p.add_argument("--device", default="cpu", help="auto, cpu or cuda")
    p.add_argument("--overwrite", action="store_true", help="replace earlier demo outputs made with other settings")
    p.set_defaults(func=run)


def run(args) -> int:
    import time

    from vmbench.cli import main
    from vmbench.suite import run_suite
    from vmbench.synth import ensure_dataset

    start = time.perf_counter()
    data = ensure_dataset("tiny")
    print(f"embedded benchmark (tiny): {data}")
    results = run_suite(data, args.out, device=args.device, overwrite=args.overwrite)
    board = args.out / "leaderboard"
    code = main(["leaderboard", *map(str, results), "--out", str(board), "--force"])
    if code:
        return code
    readme = board / "README.md"
    print()
    text = [line for line in readme.read_text().splitlines() if not line.startswith(("![", "Plots:"))]
    print("\n".join(text))
    print(f"plots: {board}/plots/   tables: {board}/tables/")
    print(f"done in {time.perf_counter() - start:.0f} s: predictions, results and plots under {args.out}/")
    return 0
