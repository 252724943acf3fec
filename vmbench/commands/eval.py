"""`vmbench eval`: score prediction folders against ground truth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = """Score predicted alpha mattes against ground truth.

Layouts (detected from --gt; --pred mirrors it; frames paired by file stem):
  ROOT/<dataset>/<clip>/pha/<frame>   RVM / MatAnyone tree (fgr/ optional)
  ROOT/<clip>/<frame>                  one folder per clip
  ROOT/<frame>                         one clip
Protocols: rvm (evaluate_lr.py, default), rvm-hr (evaluate_hr.py), dim (DIM MATLAB, trimap region),
  crgnn (MatAnyone2 eval_crgnn.py, GT every 10th frame), tcvom (VM108 calc_metric.py, --trimap, --flow),
  ftpvm (FTP-VM trimap-wise, --trimap), videomama (MAD-T, paper only).
Units: rvm MAD/MSE x1e3, Grad/Conn /1e3 (sums), dtSSD x1e2; see docs/metrics.md."""


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="score predictions against ground truth", description=HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pred", required=True, type=Path, help="prediction folder")
    p.add_argument("--gt", required=True, type=Path, help="ground-truth folder")
    p.add_argument("--task", choices=["auto", "plain", "instance", "referring"], default="auto",
                   help="plain, instance (VIM / V-HIM60 layouts) or referring; auto detects from --gt")
    p.add_argument("--protocol", default=None,
                   help="rvm (default), rvm-hr, dim, crgnn, tcvom, ftpvm, videomama; instance/referring tasks "
                        "also take maggie")
    p.add_argument("--metrics", default=None, help="comma-separated subset, e.g. MAD,MSE,dtSSD")
    p.add_argument("--trimap", type=Path, default=None, help="dim, tcvom, ftpvm protocols: trimap tree mirroring --gt")
    p.add_argument("--flow", type=Path, default=None,
                   help="tcvom protocol: VM108's flow_png tree mirroring --gt (flow_<a>_<b>.png per frame pair)")
    p.add_argument("--trimap-radius", type=int, default=10,
                   help="dim protocol without --trimap: unknown band radius in pixels (default 10)")
    p.add_argument("--json", type=Path, default=None, help="write the result JSON here")
    p.add_argument("--csv", type=Path, default=None, help="write summary.csv, clips.csv, frames.csv here")
    p.add_argument("--overwrite", action="store_true", help="replace existing --json / --csv outputs")
    p.add_argument("--workers", type=int, default=None,
                   help="plain: N threads scoring frames (default: one per core); instance/referring: "
                        "N processes scoring clips (default 1)")
    p.add_argument("--scheduler", default=None, help="Dask scheduler address (tcp://host:port)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--quiet", action="store_true", help="print only the summary table")
    p.add_argument("--method", default=None, help="method name recorded beside the result (run record)")
    p.add_argument("--track", default=None, help="track recorded beside the result (run record)")
    try:
        from vmbench.instance.cli import add_arguments
    except ImportError:
        pass
    else:
        add_arguments(p)
    p.set_defaults(func=run)


def _detect_task(args) -> str:
    if args.task != "auto":
        return args.task
    try:
        from vmbench.instance.cli import detect_task
    except ImportError:
        return "plain"
    return detect_task(args.gt, args.pred)


def run(args) -> int:
    from vmbench.report import check_writable, format_table, write_csv, write_json

    for target in (args.json, args.csv):
        if target is not None:
            check_writable(target, overwrite=args.overwrite)
    task = _detect_task(args)
    metrics = [m for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    progress = not args.no_progress and sys.stderr.isatty()
    if task == "plain":
        from vmbench.evaluate import evaluate

        result = evaluate(args.pred, args.gt, protocol=args.protocol or "rvm", metrics=metrics,
                          trimap=args.trimap, trimap_radius=args.trimap_radius, flow=args.flow, workers=args.workers,
                          scheduler=args.scheduler, progress=progress)
        table = format_table(result)
        data = result.to_dict()
    else:
        from vmbench.instance.cli import format_result, run as run_instance

        args.task = task
        args.metrics_list = metrics
        data = run_instance(args)
        table = format_result(data, jf_rule=getattr(args, "jf_frames", "davis"))
    if args.quiet:
        from tabulate import tabulate

        summary = {k: f"{v:.4f}" for k, v in data["summary"].items()}
        table = f"protocol {data['protocol']}\n" + tabulate([summary], headers="keys", tablefmt="simple")
    print(table)
    if args.json is not None:
        write_json(data, args.json)
        _write_run_record(args, task, data)
        print(f"wrote {args.json}")
    if args.csv is not None:
        write_csv(data, args.csv)
        print(f"wrote {args.csv}/summary.csv, clips.csv, frames.csv")
    return 0


def _write_run_record(args, task: str, data: dict) -> None:
    """Provenance beside the result (FILE.run.json): version, commit, date, dataset hash, method."""
    from vmbench.provenance import make_run_record, write_run_record

    record = make_run_record(task=task, protocol=data["protocol"], pred=args.pred, gt=args.gt,
                             method=args.method, track=args.track)
    write_run_record(args.json, record)
