"""`vmbench eval`: score prediction folders against ground truth."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vmbench.commands._args import WORKERS, int_range

HELP = """Score predicted alpha mattes against ground truth.

Layouts (detected from --gt; --pred mirrors it; frames paired by file stem):
  ROOT/<dataset>/<clip>/pha/<frame>   RVM / MatAnyone tree (fgr/ optional)
  ROOT/<clip>/<frame>                  one folder per clip
  ROOT/<frame>                         one clip
A clip's frames may also be a video or a NumPy stack (<clip>/pha.mp4, <clip>.npy ...), paired by
position; frames: png (8/16-bit), jpg, tif (incl. float), exr, webp; see docs/formats.md.
Protocols: rvm (evaluate_lr.py, default), rvm-hr (evaluate_hr.py), dim (DIM MATLAB, trimap region),
  crgnn (MatAnyone2 eval_crgnn.py, GT every 10th frame), tcvom (VM108 calc_metric.py, --trimap, --flow),
  ftpvm (FTP-VM trimap-wise, --trimap), videomama (MAD-T, paper only); instance tasks: maggie, davis.
--dataset NAME applies a public benchmark's profile (vmbench datasets lists them): its task,
default protocol, sparse ground-truth rule, and per-split summaries where its paper reports them.
Units: {units}; every run prints its units block; see docs/metrics.md."""


def _help() -> str:
    """HELP with the rvm units read from the metrics table (one notation, the table's)."""
    from vmbench.metrics.table import lookup as metric_unit

    units = ", ".join(f"{m} {metric_unit('rvm', m).unit}" for m in ("MAD", "MSE", "Grad", "Conn", "dtSSD"))
    return HELP.format(units=f"rvm {units}")


def register(subparsers) -> None:
    p = subparsers.add_parser("eval", help="score predictions against ground truth", description=HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    plain_format_help = p.format_help

    def format_help() -> str:  # the units line reads the metrics table only when help is shown
        p.description = _help()
        return plain_format_help()

    p.format_help = format_help
    p.add_argument("--pred", required=True, type=Path, help="prediction folder")
    p.add_argument("--gt", required=True, type=Path, help="ground-truth folder")
    p.add_argument("--task", choices=["auto", "plain", "instance", "referring"], default="auto",
                   help="plain, instance (VIM / V-HIM60 layouts) or referring; auto detects from --gt")
    p.add_argument("--protocol", default=None,
                   help="rvm (default), rvm-hr, dim, crgnn, tcvom, ftpvm, videomama; instance/referring tasks "
                        "also take maggie and davis")
    p.add_argument("--metrics", default=None, help="comma-separated subset, e.g. MAD,MSE,dtSSD")
    p.add_argument("--dataset", default=None, metavar="NAME",
                   help="score as this public benchmark (vmbench datasets): its protocol unless --protocol, "
                        "its sparse-frame rule, per-split summaries where the paper reports them")
    p.add_argument("--trimap", type=Path, default=None, help="dim, tcvom, ftpvm protocols: trimap tree mirroring --gt")
    p.add_argument("--flow", type=Path, default=None,
                   help="tcvom protocol: VM108's flow_png tree mirroring --gt (flow_<a>_<b>.png per frame pair)")
    p.add_argument("--trimap-radius", type=int_range(1, 1000), default=10,
                   help="dim protocol without --trimap: unknown band radius in pixels (default 10)")
    p.add_argument("--precision", choices=["u8", "float"], default="u8",
                   help="plain: float frames (TIFF/EXR/.npy) quantised to 8 bits as an 8-bit PNG of them "
                        "(u8, default) or scored at full precision (float); the summary says which")
    p.add_argument("--json", type=Path, default=None, help="write the result JSON here")
    p.add_argument("--csv", type=Path, default=None, help="write summary.csv, clips.csv, frames.csv here")
    p.add_argument("--overwrite", action="store_true", help="replace existing --json / --csv outputs")
    p.add_argument("--workers", type=WORKERS, default=None,
                   help="N threads scoring (plain: runs of frames, default one per core; instance/referring: "
                        "clips, default 1)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address (tcp://host:port): every task is scored on its workers (docs/cluster.md)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument("--quiet", action="store_true", help="print only the summary table and the notes that changed a number")
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


#: options only one task reads, with their defaults: given on another task they would change nothing
_INSTANCE_ONLY = {"vim_error": "MSE", "vim_weight": None, "vim_binarize": None, "vim_iou": 0.5, "vim_paper": False,
                  "instance_match": "auto", "jf_frames": "davis"}


def _refuse_other_task_options(args, task: str) -> None:
    """One line, before any work, for an option the detected task ignores (a user who set it would
    believe it changed the number)."""
    from vmbench.errors import InputError

    def given(name, default):
        return getattr(args, name, default) != default

    unused = []
    if task == "plain":
        unused = [n for n, d in _INSTANCE_ONLY.items() if given(n, d)] + (["expressions"] if given("expressions", None) else [])
    else:
        unused = ["flow"] if given("flow", None) else []
        if task == "instance" and given("expressions", None):
            unused.append("expressions")
        if task == "referring" and given("instance_match", "auto"):  # expressions pair with their own ids
            unused.append("instance_match")
    if unused:
        flag = "--" + unused[0].replace("_", "-")
        users = {"flow": "the plain task's tcvom protocol", "expressions": "the referring task",
                 "instance_match": "the instance task"}.get(unused[0], "the instance and referring tasks")
        raise InputError(f"{flag} is only used by {users}; this is {'an' if task[0] in 'aeiou' else 'a'} {task} "
                         f"evaluation (--gt {args.gt}), where it would change nothing: drop it "
                         "(or give --task if the task was detected wrongly)")


def score(args) -> tuple[str, dict, str]:
    """(task, result dict, terminal table) for parsed eval arguments; `vmbench verify` re-scores with it."""
    from vmbench.report import format_table

    profile = None
    if getattr(args, "dataset", None) is not None:
        from vmbench.datasets.apply import apply_to_args

        profile, profile_notes = apply_to_args(args)
        for note in profile_notes:
            print(f"note: {note}")
    task = _detect_task(args)
    _refuse_other_task_options(args, task)
    metrics = [m for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    progress = not args.no_progress and sys.stderr.isatty()
    if task == "plain":
        from vmbench.datasets.apply import custom_pairing
        from vmbench.evaluate import evaluate

        result = evaluate(args.pred, args.gt, protocol=args.protocol or "rvm", metrics=metrics,
                          trimap=args.trimap, trimap_radius=args.trimap_radius, flow=args.flow, workers=args.workers,
                          scheduler=args.scheduler, progress=progress, precision=args.precision,
                          sparse_gt=profile.sparse_gt if profile else 0, pairing=custom_pairing(profile))
        data, table = result.to_dict(), format_table(result)
    else:
        from vmbench.instance.cli import format_result, run as run_instance
        from vmbench.io.layouts import resolve_dataset_root

        root_notes: list[str] = []
        args.gt = resolve_dataset_root(args.gt, root_notes, task=task)  # a make-dataset root: its instance/
        for note in root_notes:
            print(f"note: {note}")
        args.task = task
        args.metrics_list = metrics
        args.notes = []
        result = data = run_instance(args)
        table = format_result(data, notes=args.notes, jf_rule=getattr(args, "jf_frames", "davis"))
    if profile is not None and profile.per_split:
        from vmbench.datasets.apply import format_splits, per_split

        splits = per_split(profile, args, result)
        if splits:  # none when --gt is one split: the summary is that split's figure (noted)
            data["splits"] = splits
            table += f"\n\n{profile.name}: per split, as its paper reports it\n" + format_splits(splits)
    return task, data, table


#: eval options that change the numbers; recorded in the run record so `vmbench verify` can re-score
SCORE_OPTIONS = ("protocol", "metrics", "trimap_radius", "vim_error", "vim_weight", "vim_binarize", "vim_iou",
                 "vim_paper", "instance_match", "dataset", "precision")


def run(args) -> int:
    from vmbench.report import check_writable, write_csv, write_json

    from vmbench.errors import InputError
    from vmbench.outputs import benchmark_root

    inputs = [args.pred, args.gt, args.trimap, getattr(args, "expressions", None), benchmark_root(args.gt)]
    if args.json is not None:
        check_writable(args.json, overwrite=args.overwrite, inputs=inputs, option="--json")
    if args.csv is not None:
        if args.json is not None and Path(args.json).resolve() == Path(args.csv).resolve():
            raise InputError(f"--csv {args.csv}: is also the --json file; give the CSV folder another path")
        check_writable(args.csv, overwrite=args.overwrite, inputs=inputs, folder=True, option="--csv")
    task, data, table = score(args)
    if args.quiet:
        from tabulate import tabulate

        summary = {k: f"{v:.4f}" for k, v in data["summary"].items()}
        notes = [line for line in table.splitlines() if line.startswith("note: ")]  # --quiet never hides them
        table = "\n".join([*notes, f"protocol {data['protocol']}", tabulate([summary], headers="keys", tablefmt="simple")])
        if "splits" in data:
            from vmbench.datasets.apply import format_splits

            table += "\n" + format_splits(data["splits"])
    print(table)
    if args.json is not None:
        write_json(data, args.json, overwrite=args.overwrite)  # never replaces a file another run wrote meanwhile
        _write_run_record(args, task, data)
        print(f"wrote {args.json}")
    if args.csv is not None:
        write_csv(data, args.csv, overwrite=args.overwrite)
        print(f"wrote {args.csv}/summary.csv, clips.csv, frames.csv")
    return 0


def _write_run_record(args, task: str, data: dict) -> None:
    """Provenance beside the result (FILE.run.json): version, commit, date, dataset hash, method."""
    from vmbench.provenance import make_run_record, write_run_record

    options = {k: getattr(args, k) for k in SCORE_OPTIONS if hasattr(args, k)}
    options["task"] = task
    if args.trimap is not None:
        options["trimap"] = str(args.trimap)
    record = make_run_record(task=task, protocol=data["protocol"], pred=args.pred, gt=args.gt,
                             method=args.method, track=args.track, score_options=options)
    write_run_record(args.json, record, overwrite=args.overwrite)
