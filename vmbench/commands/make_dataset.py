"""`vmbench make-dataset`: write the embedded synthetic benchmark (docs/dataset.md)."""

from __future__ import annotations

import argparse

from vmbench.commands._args import SEED, WORKERS

__all__ = ["register"]


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "make-dataset",
        help="generate the synthetic benchmark (exact ground truth)",
        description="Generate a deterministic synthetic video-matting dataset: same preset, seed "
                    "and version give byte-identical files. See docs/dataset.md.",
    )
    p.add_argument("--preset", default="tiny", help="tiny | standard | standard-hd (default: tiny)")
    p.add_argument("--out", required=True, help="output folder (must be empty unless --overwrite)")
    p.add_argument("--seed", type=SEED, default=0, help="random seed (default: 0)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace a dataset previously written to --out (and an existing --strip image)")
    p.add_argument("--workers", type=WORKERS, default=1, help="parallel processes (files are identical)")
    p.add_argument("--strip", metavar="FILE.png", default=None,
                   help="also render a frame strip (composite, instance alphas, guidance) of one clip")
    p.add_argument("--quiet", action="store_true", help="no per-clip progress lines")
    p.set_defaults(func=_run)


def _size(root) -> int:
    import os

    seen, total = set(), 0
    for dirpath, _d, files in os.walk(root):
        for f in files:
            st = os.stat(os.path.join(dirpath, f))
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


def _run(args: argparse.Namespace) -> int:
    import json
    import sys
    import time
    from pathlib import Path

    from vmbench.errors import InputError
    from vmbench.synth import make_dataset

    if args.workers < 1:
        raise InputError(f"--workers {args.workers}: must be at least 1")
    from vmbench.outputs import check_file_target, check_folder_target

    check_folder_target(Path(args.out), overwrite=True, option="--out")  # make_dataset keeps its own emptiness rule
    if args.strip:
        from vmbench.io.frames import WRITE_EXTENSIONS

        if Path(args.strip).suffix.lower() not in (*WRITE_EXTENSIONS, ".jpeg", ".tiff"):
            raise InputError(f"--strip {args.strip}: not an image name (extension {Path(args.strip).suffix or '(none)'!r}; "
                             f"use {', '.join(WRITE_EXTENSIONS)})")
        check_file_target(Path(args.strip), overwrite=args.overwrite, option="--strip")
    start = time.perf_counter()
    log = None if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    root = make_dataset(Path(args.out), preset=args.preset, seed=args.seed,
                        overwrite=args.overwrite, workers=args.workers, log=log)
    elapsed = time.perf_counter() - start
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    clips = manifest["clips"]
    frames = sum(c["frames"] for c in clips)
    size = _size(root)
    print(f"wrote {root}: preset {args.preset}, seed {args.seed}, {len(clips)} clips, {frames} frames, "
          f"{size / 1e6:.1f} MB on disk (hard links counted once), {elapsed:.1f} s; "
          f"content hash {manifest['content_hash'][:16]}")
    if args.strip:
        from vmbench.synth.strip import render_strip

        print(f"strip: {render_strip(root, Path(args.strip))}")
    return 0
