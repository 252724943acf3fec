"""`vmbench run-baseline`: run a registered (or user) adapter over a benchmark tree."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = """Run a matting method over an embedded benchmark and write its predictions.

  vmbench run-baseline --list
  vmbench run-baseline mask-guided-filter --out preds/mgf            (tiny benchmark by default)
  vmbench run-baseline rvm --data ROOT --out preds/rvm             (weights: see docs/rvm.md)
  vmbench run-baseline --adapter my_pkg.my_model:MyAdapter --data ROOT --out preds/mine
  vmbench run-baseline --adapter path/to/my_model.py:MyAdapter --data ROOT --out preds/mine

Plain tracks write OUT/<dataset>/<clip>/pha/<frame>.png (score with
`vmbench eval --pred OUT --gt ROOT/plain`); the caption track writes
OUT/<dataset>/<clip>/<exp_id>/<frame>.png (score with
`vmbench eval --task referring --pred OUT --gt ROOT/instance`). OUT/run.json records the run; re-running the same
command resumes an interrupted run (only when data, adapter, its settings and weights match the
record; --overwrite starts over, removing only what vmbench wrote). On a Dask cluster:
--scheduler tcp://HOST:8786 --resources GPU=1; on a batch queue: --shard I/N per job, then one
plain run to finish. See docs/baselines.md and docs/cluster.md."""


def register(subparsers) -> None:
    p = subparsers.add_parser("run-baseline", help="run a baseline / adapter over a benchmark tree",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", nargs="?", default=None, help="registered adapter name (see --list)")
    p.add_argument("--list", action="store_true", help="list adapters, their tracks and whether usable")
    p.add_argument("--adapter", default=None, metavar="MODULE:CLASS",
                   help="load your own adapter class (module:Class or path/to/file.py:Class)")
    p.add_argument("--data", type=Path, default=None,
                   help="embedded-benchmark root (default: the tiny benchmark, generated if needed)")
    p.add_argument("--out", type=Path, default=None, help="prediction folder to write")
    p.add_argument("--weights", type=Path, default=None,
                   help="weights file or folder (default: $VMBENCH_WEIGHTS or ~/.cache/vmbench/weights)")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (default auto)")
    p.add_argument("--guidance", default=None,
                   help="guidance kind for trimap/mask tracks, e.g. mask_down32, mask_poly, trimap")
    p.add_argument("--overwrite", action="store_true",
                   help="start over when --out holds a different run: removes only the clips its run record "
                        "says vmbench wrote, never anything else")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address (tcp://host:port): one task per clip on its workers, which write "
                        "to --out on shared storage (docs/cluster.md)")
    p.add_argument("--resources", default=None, metavar="NAME=N",
                   help="Dask resources each clip task needs, e.g. GPU=1: tasks go only to workers started with "
                        "`dask worker --resources GPU=1`")
    p.add_argument("--shard", default=None, metavar="I/N",
                   help="predict only shard I of N (every N-th clip, deterministic) for batch queues; "
                        "a plain re-run afterwards finds every clip done and writes run.json")
    p.set_defaults(func=run)


def _weights_present(adapter_cls, weights: Path | None) -> str:
    from vmbench.adapters.base import default_weights_dir

    if not getattr(adapter_cls, "needs_weights", False):
        return "-"
    if weights is not None:
        return "yes" if Path(weights).exists() else "no"
    if callable(getattr(adapter_cls, "find_weights", None)):
        try:
            return "yes" if adapter_cls().find_weights() is not None else "no"
        except Exception:  # an adapter that cannot be built here cannot find weights either
            return "no"
    filename = getattr(adapter_cls, "weights_filename", None)
    if filename and (default_weights_dir() / filename).exists():
        return "yes"
    shipped = getattr(adapter_cls, "shipped_weights", None)
    return "shipped" if shipped is not None and Path(shipped).exists() else "no"


def list_table(weights: Path | None = None) -> str:
    """The `--list` table: name, track, needs weights, weights present, available."""
    from tabulate import tabulate

    from vmbench.adapters.registry import list_adapters

    rows = []
    for info in list_adapters():
        if info.available:
            cls = info.cls
            track = getattr(cls.track, "value", cls.track)
            needs = "yes" if cls.needs_weights else "no"
            present = _weights_present(cls, weights)
            status = "yes" if info.source == "built-in" else f"yes ({info.source})"
        else:
            track, needs, present = "?", "?", "?"
            status = f"unavailable: {info.error}"
        rows.append([info.name, track, needs, present, status])
    return tabulate(rows, headers=["name", "track", "needs weights", "weights present", "available"])


def _default_data() -> Path:
    try:
        from vmbench.synth import ensure_dataset
    except ImportError as exc:
        from vmbench.errors import InputError

        raise InputError(f"no --data given and the embedded benchmark generator (vmbench.synth) is not "
                         f"available ({exc}); pass --data ROOT") from None
    return Path(ensure_dataset("tiny"))


def run(args) -> int:
    from vmbench.adapters.registry import create_adapter, resolve_weights
    from vmbench.adapters.runner import run_adapter
    from vmbench.errors import InputError

    if args.list:
        print(list_table(args.weights))
        return 0
    if args.name is None and args.adapter is None:
        raise InputError("give an adapter name (see `vmbench run-baseline --list`) or --adapter MODULE:CLASS")
    if args.out is None:
        raise InputError("--out is required: the folder to write predictions to")
    from vmbench.adapters.runner import parse_shard
    from vmbench.engine.resources import parse_resources

    shard = parse_shard(args.shard)
    resources = parse_resources(args.resources)
    if resources and not args.scheduler:
        raise InputError("--resources are Dask task resources; they need --scheduler")
    if args.scheduler:
        from vmbench.engine.cluster import check_address

        check_address(args.scheduler)
    adapter = create_adapter(args.name if args.adapter is None else None, spec=args.adapter)
    if args.adapter is not None and args.name is not None:
        adapter.name = args.name
    weights = resolve_weights(adapter, args.weights)
    data = args.data if args.data is not None else _default_data()
    record = run_adapter(adapter, data, args.out, guidance=args.guidance, weights=weights,
                         device=args.device, overwrite=args.overwrite,
                         progress=not args.no_progress and sys.stderr.isatty(),
                         scheduler=args.scheduler, resources=resources, shard=shard)
    spf = record["seconds_per_frame"]
    speed = f", {spf * 1000:.1f} ms/frame" if spf is not None else ""
    print(f"{adapter.name}: {len(record['clips'])} sequences, {record['frames']} frames "
          f"({record['skipped']} already done){speed}")
    name = "run.json" if shard is None else f"run.shard-{shard[0]}-of-{shard[1]}.json"
    print(f"wrote {args.out} (run record {Path(args.out) / name})")
    return 0
