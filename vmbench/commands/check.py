"""`vmbench check`: a preflight that scores nothing and reports every problem in one pass."""

from __future__ import annotations

import argparse
from pathlib import Path

from vmbench.commands._args import WORKERS

HELP = """Report everything `vmbench eval` would refuse or note about a submission, without scoring.

Pairs --pred with --gt by the same rules as eval, but does not stop at the first problem: every
missing or extra clip and frame, unreadable file and size mismatch is listed (errors), then what eval
would convert or accept silently (notes): 16-bit and colour files, lossy JPEG, a matte only in the A
channel of an RGBA file, predictions identical to the ground truth, constant or empty prediction
clips, 0/1 masks, frame names whose reference (sorted()) order differs from the numeric order.
With --dataset, the dataset's profile applies (sparse ground truth, published layout notes).

Exit code: 0 clean or notes only, 1 when eval would refuse the submission, 2 bad arguments."""


def register(subparsers) -> None:
    p = subparsers.add_parser("check", help="preflight: report every problem eval would refuse or note",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pred", required=True, type=Path, help="prediction folder")
    p.add_argument("--gt", required=True, type=Path, help="ground-truth folder")
    p.add_argument("--dataset", default=None, metavar="NAME", help="apply this dataset profile (vmbench datasets)")
    p.add_argument("--task", choices=["auto", "plain", "instance", "referring"], default="auto",
                   help="plain, instance or referring; auto detects from --gt as eval does")
    p.add_argument("--expressions", type=Path, default=None,
                   help="referring: meta_expressions.json (default: GT/meta_expressions.json)")
    p.add_argument("--workers", type=WORKERS, default=None, help="threads reading frames (default: one per core)")
    p.add_argument("--quick", action="store_true",
                   help="plain task: pair the trees and compare frame sizes from PNG/JPEG headers without decoding "
                        "(no value notes); for a first pass over a big submission")
    p.set_defaults(func=run, protocol=None, metrics=None)


def run(args) -> int:
    from vmbench.errors import InputError
    from vmbench.preflight import check_instance, check_plain, check_referring

    profile, profile_notes = None, []
    if args.dataset is not None:
        from vmbench.datasets.apply import resolve_options, conformance_notes

        profile, args.task, _, _ = resolve_options(args.dataset, args.task, None, None, scoring=False)
        try:
            profile_notes = conformance_notes(profile, args.gt, args.pred)
        except InputError:
            profile_notes = []  # the same problem is reported below, as an error
    task = args.task
    if task == "auto":
        from vmbench.commands.eval import _detect_task

        task = _detect_task(args)
    if task == "plain":
        from vmbench.datasets.apply import custom_pairing

        report = check_plain(args.pred, args.gt, sparse_gt=profile.sparse_gt if profile else 0, workers=args.workers,
                             pairing=custom_pairing(profile), quick=args.quick)
    elif task == "referring":
        report = check_referring(args.pred, args.gt, args.expressions)
    else:
        report = check_instance(args.pred, args.gt, workers=args.workers)
    if args.quick and task != "plain":
        report.note(f"--quick is for the plain task; the {task} tree was read in full")
    for note in profile_notes:
        report.note(note)
    _print(report)
    return 1 if report.errors else 0


def _print(report) -> None:
    for f in report.errors:
        print(f"error: {f.message}")
    for f in report.notes:
        print(f"note: {f.message}")
    print(report.summary_line())
