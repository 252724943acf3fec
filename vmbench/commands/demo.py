"""`vmbench demo`: the whole job in under a minute on the embedded tiny benchmark.

It makes (or reuses) the tiny benchmark, runs the quick baselines for real, scores each with the
rvm protocol (the referring protocol for the caption track), writes the leaderboard's tables and
plots, and prints one short board per track, the units once, and where the files went. One line
per stage and per baseline shows progress. Slow or model baselines are left to `vmbench suite`.
"""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path

# Left out of the demo, with the reason printed (`vmbench suite` runs every baseline).
# pymatting compiles about 30 Numba kernels when first imported: about a minute on a fresh install.
SLOW = {"trimap-cf": "pymatting: ~30 kernels to compile at first import, then a slow solve",
        "trimap-knn": "pymatting: ~30 kernels to compile at first import, minutes on a fresh install"}
BOARD_METRICS = ("MAD", "MSE", "Grad", "Conn", "dtSSD", "RefAcc")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "demo", help="make the tiny embedded benchmark, run the quick baselines, score, rank, plot",
        description="Makes (or reuses, cached) the tiny embedded benchmark, runs the quick baselines "
                    "that can run here (all but the pymatting ones, trimap-cf and trimap-knn; oavm when torch is installed), scores each "
                    "with the rvm protocol (referring protocol for the caption track), prints one "
                    "board per track and writes tables and plots to --out. `vmbench suite` runs every "
                    "baseline.")
    p.add_argument("--out", type=Path, default=Path("vmbench-demo"), help="output folder (default ./vmbench-demo)")
    p.add_argument("--device", default="cpu", help="auto, cpu or cuda")
    p.add_argument("--overwrite", action="store_true", help="replace earlier demo outputs made with other settings; also write into an --out "
                   "that holds files vmbench did not write (deleting none)")
    p.set_defaults(func=run)


def _cpu() -> float:
    """CPU seconds of this process and its finished children (a busy machine inflates wall time)."""
    import os

    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _say(text: str) -> None:
    print(text, flush=True)


def demo_methods() -> tuple[list[str], list[str]]:
    """(methods the demo runs, one line per method it leaves out and why)."""
    from vmbench.adapters.registry import list_adapters
    from vmbench.extras import EXTRA_OF, has_module
    from vmbench.suite import runnable_methods

    runnable = runnable_methods()
    chosen = [m for m in runnable if m not in SLOW]
    skipped = [f"{m} ({SLOW[m]})" for m in runnable if m in SLOW]
    for info in list_adapters():
        missing = [mod for mod in getattr(info.cls, "requires", ()) if not has_module(mod)]
        if info.available and missing and info.name not in runnable:
            skipped.append(f"{info.name} (needs {missing[0]}: pip install 'vmbench[{EXTRA_OF.get(missing[0], 'models')}]')")
    return chosen, skipped


def run(args) -> int:
    import json

    from vmbench.provenance import run_record_path
    from vmbench.suite import run_method
    from vmbench.synth import ensure_dataset

    from vmbench.outputs import check_folder_target, refuse_foreign_entries

    check_folder_target(args.out, overwrite=True, option="--out")  # a file, or unwritable: before any work
    refuse_foreign_entries(args.out, ("predictions", "results", "leaderboard"), overwrite=args.overwrite)
    start = time.perf_counter()
    _say("[1/4] embedded benchmark (tiny) ...")
    data = ensure_dataset("tiny")
    _say(f"      {data}  ({time.perf_counter() - start:.1f} s)")
    methods, skipped = demo_methods()
    _say(f"[2/4] {len(methods)} baselines: predict, then score (the first run compiles the kernels)")
    for line in skipped:
        _say(f"      left out: {line}")
    results = []
    for i, name in enumerate(methods, 1):
        _say(f"      ({i}/{len(methods)}) {name} ...")
        t0 = time.perf_counter()
        results.append(run_method(name, data, args.out, device=args.device, overwrite=args.overwrite, log=lambda _: None))
        _say(f"            {time.perf_counter() - t0:.1f} s")
    _say("[3/4] leaderboard tables and plots ...")
    board = args.out / "leaderboard"
    code, printed = _leaderboard(results, board)
    if code:
        print(printed, end="")
        return code
    _say("[4/4] results")
    boards = {}
    for path in results:
        scores = json.loads(path.read_text())
        track = json.loads(run_record_path(path).read_text()).get("track", "?")
        boards.setdefault(track, []).append((path.stem, scores["protocol"], scores["summary"]))
    protocols = set()
    for track in sorted(boards):
        rows = boards[track]
        protocols.update(p for _, p, _ in rows)
        print()
        print(_board(track, rows))
    print()
    print(_units(sorted(protocols)))
    print()
    print(f"predictions {args.out}/predictions/   results {args.out}/results/ (JSON + run records)")
    print(f"leaderboard {board}/README.md (tables/, plots/; with bootstrap intervals)")
    print(f"done in {time.perf_counter() - start:.0f} s ({_cpu():.0f} s of CPU)")
    return 0


def _leaderboard(results: list[Path], board: Path) -> tuple[int, str]:
    """Write the leaderboard files quietly (its own printout is the long version); returns (code, output)."""
    from vmbench.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["leaderboard", *map(str, results), "--out", str(board), "--force"])
    return code, out.getvalue()


def _board(track: str, rows: list[tuple[str, str, dict]]) -> str:
    """One track's methods ranked by MAD: a plain text table, summary values only."""
    metrics = [m for m in BOARD_METRICS if any(m in s for _, _, s in rows)]
    rows = sorted(rows, key=lambda r: r[2].get("MAD", float("inf")))
    width = max(len("method"), *(len(n) for n, _, _ in rows))
    lines = [f"track {track} (protocol {rows[0][1]}), best MAD first",
             f"  {'method':{width}s} " + " ".join(f"{m:>8s}" for m in metrics)]
    for name, _, summary in rows:
        lines.append(f"  {name:{width}s} " + " ".join(f"{summary[m]:8.4g}" if m in summary else f"{'':8s}" for m in metrics))
    return "\n".join(lines)


def _units(protocols: list[str]) -> str:
    """The units block, once, from the metrics table."""
    from vmbench.metrics.table import lookup

    protocol = protocols[0] if protocols else "rvm"
    lines = ["units:"]
    for m in BOARD_METRICS:
        row = lookup(protocol, m)
        if row is not None:
            better = "higher" if row.higher_is_better else "lower"
            lines.append(f"  {m:6s} {row.unit:8s} {better} is better; {row.meaning}")
    return "\n".join(lines)
