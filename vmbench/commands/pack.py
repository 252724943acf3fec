"""`vmbench pack RESULT.json --out BUNDLE.zip`: a results bundle another machine can re-score."""

from __future__ import annotations

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "pack",
        help="write a results bundle (result, run record, predictions or their hashes, manifest)",
        description="Bundle RESULT.json, its RESULT.run.json, the predictions it scored (or only their SHA-256 "
                    "with --hashes-only) and a manifest (protocol, task, dataset hash, score options, "
                    "environment, every member's SHA-256) into one zip. `vmbench verify BUNDLE.zip --gt DIR` "
                    "re-scores it. Format: docs/formats.md.",
    )
    p.add_argument("result", metavar="RESULT.json", help="result written by `vmbench eval --json` or `vmbench suite`")
    p.add_argument("--out", required=True, metavar="BUNDLE.zip", help="bundle file to write (.zip)")
    p.add_argument("--pred", metavar="DIR", default=None,
                   help="predictions that were scored (default: the run record's pred folder)")
    p.add_argument("--gt", metavar="DIR", default=None,
                   help="ground truth, only to read its dataset hash when the run record has none")
    p.add_argument("--hashes-only", action="store_true",
                   help="store the predictions' SHA-256 instead of the files (verify then needs --pred)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing bundle file at --out")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from vmbench.bundle import pack_bundle

    m = pack_bundle(args.result, args.out, pred=args.pred, gt=args.gt, hashes_only=args.hashes_only,
                    overwrite=args.overwrite)
    if m.get("note"):
        print(f"vmbench: note: {m['note']}")
    kind = "files" if m["predictions"]["included"] else "hashes"
    print(f"wrote {args.out}: {m['method']} ({m['task']}, protocol {m['protocol']}, dataset "
          f"{m['dataset_hash'] or 'unknown'}), {m['predictions']['count']} prediction {kind}")
    return 0
