"""GPU figures for docs/rvm.md and docs/diffusion.md (issue 15 part 6): run on a CUDA machine, a few minutes.

    python -m benchmarks.gpu_speed                 # everything, one line per figure
    python -m benchmarks.gpu_speed --only rvm      # RVM only (seconds)

RVM: frames/s of vmbench's PyTorch RVM (MobileNetV3, random weights in the official layout: speed
does not depend on the values) at 1920x1080 and 3840x2160 (downsample ratio 0.25 and 0.125, the
authors' settings for their speed table), fp32 and fp16, one frame at a time with the state
carried; plus the authors' ONNX export on onnxruntime's CUDA provider when onnxruntime-gpu and the
export are present. The RVM paper reports 104 frames/s (HD) and 76 frames/s (4K) on a GTX 1080 Ti.

Diffusion adapters: seconds per output frame and peak GPU memory of the denoiser at the documented
resolution and window, random weights at full architecture size, fp16: VRMDiff's CogVideoX-5B
transformer (in_channels 32) at 480x720 x 49 frames, GVM's / VideoMaMa's SVD UNet (in_channels 8 /
12) at 576x1024 x 14 / 12 frames. One denoiser step and one VAE decode per window are timed;
s/frame = (steps x step + decode) / window. The text encoder and image encoder are not timed.

Not collected by pytest; needs torch with CUDA (and diffusers for the diffusion part). No GPU was
lent to the session that wrote this script; its figures are to be recorded when one is.
"""

from __future__ import annotations

import argparse
import time

__all__: list[str] = []


def _timed(fn, repeat: int) -> float:
    import torch

    fn()
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeat


def rvm(frames: int) -> None:
    import torch

    from baselines.rvm.model import MattingNetwork

    for (w, h), ratio in (((1920, 1080), 0.25), ((3840, 2160), 0.125)):
        for dtype in (torch.float32, torch.float16):
            net = MattingNetwork("mobilenetv3").eval().to("cuda", dtype)
            src = torch.rand(1, 3, h, w, device="cuda", dtype=dtype)
            rec = [None] * 4

            def step():
                nonlocal rec
                with torch.inference_mode():
                    _, _, *rec = net(src, *rec, downsample_ratio=ratio)

            torch.cuda.reset_peak_memory_stats()
            seconds = _timed(step, frames)
            print(f"rvm pytorch {w}x{h} ratio {ratio} {str(dtype)[6:]}: {1 / seconds:.1f} frames/s, "
                  f"peak {torch.cuda.max_memory_allocated() / 2**20:.0f} MiB", flush=True)
    _rvm_onnx(frames)


def _rvm_onnx(frames: int) -> None:
    import numpy as np

    try:
        import onnxruntime as ort

        from baselines.rvm.onnx_import import read_onnx_bytes
        from baselines.rvm.weights import find_onnx_export
    except ImportError:
        print("rvm onnx: onnxruntime missing, skipped")
        return
    path = find_onnx_export()
    if path is None or "CUDAExecutionProvider" not in ort.get_available_providers():
        print("rvm onnx: needs the export ($VMBENCH_RVM_ONNX) and onnxruntime-gpu, skipped")
        return
    session = ort.InferenceSession(read_onnx_bytes(path)[0], providers=["CUDAExecutionProvider"])
    for (w, h), ratio in (((1920, 1080), 0.25), ((3840, 2160), 0.125)):
        src = np.random.default_rng(0).random((1, 3, h, w), dtype=np.float32)
        rec = [np.zeros((1, 1, 1, 1), np.float32)] * 4
        feed = {"downsample_ratio": np.array([ratio], np.float32)}
        for _ in range(3):
            _, _, *rec = session.run(None, {"src": src, "r1i": rec[0], "r2i": rec[1], "r3i": rec[2], "r4i": rec[3], **feed})
        start = time.perf_counter()
        for _ in range(frames):
            _, _, *rec = session.run(None, {"src": src, "r1i": rec[0], "r2i": rec[1], "r3i": rec[2], "r4i": rec[3], **feed})
        seconds = (time.perf_counter() - start) / frames
        print(f"rvm onnx (CUDA provider, fp32, host copies included) {w}x{h} ratio {ratio}: {1 / seconds:.1f} frames/s",
              flush=True)


def _report(name: str, step_s: float, decode_s: float, steps: int, window: int) -> None:
    import torch

    per_frame = (steps * step_s + decode_s) / window
    print(f"{name}: {per_frame:.2f} s/frame ({steps} step(s) x {step_s:.2f} s + decode {decode_s:.2f} s, "
          f"window {window}), peak {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB", flush=True)


def vrmdiff() -> None:
    """CogVideoX-5B-sized transformer with 32 input channels, 480x720 x 49 frames (13 latent frames)."""
    import torch
    from diffusers import AutoencoderKLCogVideoX, CogVideoXTransformer3DModel

    torch.cuda.reset_peak_memory_stats()
    dt = torch.float16
    net = CogVideoXTransformer3DModel(num_attention_heads=48, attention_head_dim=64, in_channels=32,
                                      out_channels=16, num_layers=42, text_embed_dim=4096, time_embed_dim=512,
                                      sample_height=60, sample_width=90, sample_frames=49,
                                      use_rotary_positional_embeddings=True).to("cuda", dt).eval()
    latents = torch.randn(1, 13, 32, 60, 90, device="cuda", dtype=dt)
    text = torch.randn(1, 226, 4096, device="cuda", dtype=dt)
    t = torch.tensor([500], device="cuda")
    with torch.inference_mode():
        step_s = _timed(lambda: net(hidden_states=latents, encoder_hidden_states=text, timestep=t,
                                    image_rotary_emb=None, return_dict=False), 1)
    del net
    vae = AutoencoderKLCogVideoX().to("cuda", dt).eval()
    vae.enable_tiling()
    z = torch.randn(1, 16, 13, 60, 90, device="cuda", dtype=dt)
    with torch.inference_mode():
        decode_s = _timed(lambda: vae.decode(z), 1)
    _report("vrmdiff (CogVideoX-5B transformer, 480x720, rotary embedding not fed)", step_s, decode_s, 50, 49)


def svd(name: str, in_channels: int, window: int) -> None:
    """SVD-sized spatio-temporal UNet (diffusers' defaults are SVD's) at 576x1024, one step."""
    import torch
    from diffusers import AutoencoderKLTemporalDecoder, UNetSpatioTemporalConditionModel

    torch.cuda.reset_peak_memory_stats()
    dt = torch.float16
    unet = UNetSpatioTemporalConditionModel(in_channels=in_channels, num_frames=window).to("cuda", dt).eval()
    x = torch.randn(1, window, in_channels, 72, 128, device="cuda", dtype=dt)
    cond = torch.randn(1, 1, 1024, device="cuda", dtype=dt)
    ids = torch.randn(1, 3, device="cuda", dtype=dt)
    with torch.inference_mode():
        step_s = _timed(lambda: unet(x, torch.tensor([1.0], device="cuda"), cond, ids, return_dict=False), 2)
    del unet
    vae = AutoencoderKLTemporalDecoder().to("cuda", torch.float32).eval()  # SVD's VAE stays fp32
    z = torch.randn(window, 4, 72, 128, device="cuda")
    with torch.inference_mode():
        decode_s = _timed(lambda: vae.decode(z, num_frames=window), 1)
    _report(f"{name} (SVD UNet, 576x1024)", step_s, decode_s, 1, window)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["rvm", "diffusion"], default=None)
    parser.add_argument("--frames", type=int, default=50, help="timed RVM frames per setting")
    args = parser.parse_args()
    import torch

    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device: this script measures GPU figures only")
    print(f"device: {torch.cuda.get_device_name()} torch {torch.__version__}", flush=True)
    if args.only in (None, "rvm"):
        rvm(args.frames)
    if args.only in (None, "diffusion"):
        for run in (vrmdiff, lambda: svd("gvm", 8, 14), lambda: svd("videomama", 12, 12)):
            try:
                run()
            except Exception as exc:  # report and go on: one failing model should not hide the others
                print(f"failed: {type(exc).__name__}: {exc}", flush=True)
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
