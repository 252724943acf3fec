"""`vmbench train MODEL`: train a trainable baseline (today: oavm) and write its checkpoint."""

from __future__ import annotations

import argparse
from pathlib import Path

from vmbench.commands._args import MAX_WORKERS, SEED, WORKERS, float_range, int_range
from vmbench.errors import InputError

__all__ = ["register", "parse_size"]


def parse_size(text: str) -> tuple[int, int]:
    """'112x192' -> (112, 192) (height x width)."""
    try:
        h, w = (int(v) for v in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: expected HEIGHTxWIDTH, e.g. 112x192") from exc
    if h <= 0 or w <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: height and width must be positive")
    return h, w


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a trainable baseline (oavm) on the synthetic generator or a dataset",
        description="Train a baseline. The checkpoint is written every few minutes and at the end; "
        "a JSON-lines loss log goes next to it (<out>.log.jsonl).",
    )
    p.add_argument("model", choices=["oavm"], help="which model to train")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--data", type=Path, help="a `vmbench make-dataset` root to train on")
    src.add_argument("--synthetic", action="store_true", help="generate clips on the fly (vmbench.synth)")
    p.add_argument("--out", type=Path, required=True, help="checkpoint file to write (.pt)")
    p.add_argument("--steps", type=int_range(1, 10**9), default=20000, help="total optimizer steps (default 20000)")
    p.add_argument("--minutes", type=float_range(0, 1e6, low_open=True), default=None, help="stop after this many total minutes")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="where to train (default auto: cuda when available)")
    p.add_argument("--resume", action="store_true", help="continue the checkpoint at --out")
    p.add_argument("--seed", type=SEED, default=0, help="random seed of data and initialisation (default 0)")
    p.add_argument("--size", type=parse_size, default=(112, 192), help="HxW training size (multiples of 16)")
    p.add_argument("--clip-len", type=int_range(1, 10_000), default=4, help="frames per training clip")
    p.add_argument("--batch", type=int_range(1, 4096), default=4, help="clips per step")
    p.add_argument("--lr", type=float_range(0, 10, low_open=True), default=1e-3, help="learning rate (default 1e-3)")
    p.add_argument("--threads", type=WORKERS, default=1,
                   help="torch CPU threads (default 1: fastest on a shared CPU; 0 = torch default)")
    p.add_argument("--workers", type=int_range(0, MAX_WORKERS), default=0,
                   help="background processes generating batches (default 0: exactly resumable)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from baselines.oavm.train import train
    from vmbench.outputs import check_file_target

    # train's own rule for an existing --out is --resume; here only: never inside the training data
    check_file_target(args.out, inputs=[args.data], overwrite=True, option="--out")
    if args.synthetic:
        from baselines.oavm.data import synthetic_source
        from vmbench.synth import GENERATOR_VERSION

        source = synthetic_source()
        data_name = f"synthetic generator v{GENERATOR_VERSION} (vmbench.synth.generate_clip, style mixed)"
    else:
        from baselines.oavm.data import DirSource

        source = DirSource(args.data)
        data_name = f"dataset folder {args.data}"
    if args.steps <= 0:
        raise InputError("--steps must be positive")
    ckpt = train(
        out=args.out,
        source=source,
        data_name=data_name,
        steps=args.steps,
        minutes=args.minutes,
        device=args.device,
        resume=args.resume,
        seed=args.seed,
        size=args.size,
        clip_len=args.clip_len,
        batch=args.batch,
        lr=args.lr,
        threads=args.threads or None,
        workers=args.workers,
    )
    meta = ckpt["train"]
    print(f"wrote {args.out}: {meta['steps']} steps, {meta['minutes']:.1f} min on {meta['device']}")
    return 0
