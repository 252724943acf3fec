"""Time RVM inference (frames/s) on random weights: ``python -m benchmarks.rvm_speed`` (from the repo root).

Speed does not depend on the weight values, so random weights in the official layout give the
same timing as the released checkpoints. Frames are run one at a time with the recurrent state
carried, as the adapter does. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from baselines.rvm.model import MattingNetwork

__all__: list[str] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variant", default="mobilenetv3", choices=["mobilenetv3", "resnet50"])
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--height", type=int, default=288)
    parser.add_argument("--ratio", type=float, default=None, help="default: min(512/max(H,W), 1)")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--fp16", action="store_true")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    ratio = args.ratio or min(512 / max(args.height, args.width), 1.0)
    dtype = torch.float16 if args.fp16 else torch.float32
    net = MattingNetwork(args.variant).eval().to(args.device, dtype)
    src = torch.rand(1, 3, args.height, args.width, device=args.device, dtype=dtype)
    rec = [None] * 4
    with torch.inference_mode():
        for i in range(args.warmup + args.frames):
            if i == args.warmup:
                if args.device != "cpu":
                    torch.cuda.synchronize()
                start = time.perf_counter()
            _, pha, *rec = net(src, *rec, downsample_ratio=ratio)
        if args.device != "cpu":
            torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    print(
        f"{args.variant} {args.width}x{args.height} ratio={ratio:.4g} device={args.device} "
        f"dtype={dtype} threads={torch.get_num_threads()} loadavg={os.getloadavg()[0]:.1f}: "
        f"{args.frames / elapsed:.2f} frames/s ({1000 * elapsed / args.frames:.1f} ms/frame)"
    )


if __name__ == "__main__":
    main()
