"""`vmbench verify BUNDLE.zip --gt DIR`: re-score a results bundle and say whether its numbers reproduce."""

from __future__ import annotations

from vmbench.commands._args import float_range

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "verify",
        help="re-score a results bundle against the ground truth; exit 0 if its numbers reproduce, 1 if not",
        description="Check every member of BUNDLE.zip against its manifest's SHA-256, then re-score its "
                    "predictions (or --pred, for a hashes-only bundle) against --gt with the bundle's protocol "
                    "and options, and compare every summary metric and per-clip value with the packed result. "
                    "Exit 0: reproduced; 1: a member was changed or a number differs (each listed); "
                    "2: cannot verify (another dataset hash, missing predictions, bad bundle). "
                    "Nothing is written.",
    )
    p.add_argument("bundle", metavar="BUNDLE.zip", help="bundle written by `vmbench pack`")
    p.add_argument("--gt", metavar="DIR", default=None,
                   help="ground truth to re-score against (default: the run record's gt folder, when present)")
    p.add_argument("--pred", metavar="DIR", default=None, help="predictions, for a bundle packed with --hashes-only")
    p.add_argument("--trimap", metavar="DIR", default=None, help="trimap tree, for a result scored with --trimap")
    p.add_argument("--rtol", type=float_range(0, 1), default=1e-9,
                   help="relative tolerance per number (default 1e-9: the same code gives the same bits)")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from vmbench.bundle import verify_bundle
    from vmbench.errors import InputError

    if not (args.rtol >= 0):
        raise InputError(f"--rtol {args.rtol}: must be 0 or more")
    v = verify_bundle(args.bundle, gt=args.gt, pred=args.pred, trimap=args.trimap, rtol=args.rtol)
    m = v.bundle.manifest
    print(f"bundle:   {args.bundle} ({m.get('method')}, {m.get('task')}, protocol {m.get('protocol')}, "
          f"dataset {m.get('dataset_hash') or 'unknown'})")
    for note in v.notes:
        print(f"note: {note}")
    for line in v.integrity:
        print(f"changed: {line}")
    for line in v.differences:
        print(f"differs: {line}")
    if v.reproduced:
        print(f"reproduced: all {len(v.bundle.result['summary'])} summary metrics and every per-clip value "
              f"(relative tolerance {args.rtol:g})")
        return 0
    print("NOT reproduced")
    return 1
