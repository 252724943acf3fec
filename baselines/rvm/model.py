"""RVM's MattingNetwork: encoder -> LR-ASPP -> recurrent decoder -> fgr/alpha heads (+ refiner).

Forward contract (same as the official model):
``fgr, pha, r1, r2, r3, r4 = net(src, r1, r2, r3, r4, downsample_ratio=...)`` with ``src``
RGB in [0, 1], (B, 3, H, W) for single frames or (B, T, 3, H, W) for clips. States start as
None (zeros) and are fed back frame after frame. With ``downsample_ratio < 1`` the network runs
on a bilinearly downsampled copy and the Deep Guided Filter brings fgr/alpha back to (H, W);
with 1 there is no refinement, unless ``refine_full_size`` is set: the authors' ONNX export runs
the refiner at every ratio, 1 included, and the `rvm-onnx` parity sets it to compare. ``fgr`` = clamp(src + predicted residual, 0, 1), ``pha`` =
clamp(alpha, 0, 1). ``segmentation_pass=True`` returns ``seg, r1..r4`` (logits, 1 channel).
"""

from __future__ import annotations

from torch import Tensor, nn
from torch.nn import functional as F

from baselines.rvm.decoder import LRASPP, Projection, RecurrentDecoder
from baselines.rvm.layers import fold_time, unfold_time
from baselines.rvm.mobilenetv3 import MobileNetV3LargeEncoder
from baselines.rvm.refiner import DeepGuidedFilterRefiner
from baselines.rvm.resnet import ResNet50Encoder

__all__ = ["MattingNetwork", "VARIANTS"]

VARIANTS = ("mobilenetv3", "resnet50")


class MattingNetwork(nn.Module):
    """Robust Video Matting network; `variant` is "mobilenetv3" or "resnet50"."""

    def __init__(self, variant: str = "mobilenetv3") -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown RVM variant {variant!r}; choose one of {VARIANTS}")
        self.variant = variant
        if variant == "mobilenetv3":
            self.backbone: nn.Module = MobileNetV3LargeEncoder()
            self.aspp = LRASPP(960, 128)
            self.decoder = RecurrentDecoder([16, 24, 40, 128], [80, 40, 32, 16])
        else:
            self.backbone = ResNet50Encoder()
            self.aspp = LRASPP(2048, 256)
            self.decoder = RecurrentDecoder([64, 256, 512, 256], [128, 64, 32, 16])
        self.project_mat = Projection(16, 4)
        self.project_seg = Projection(16, 1)
        self.refiner = DeepGuidedFilterRefiner()
        self.refine_full_size = False  # True: refine at downsample_ratio 1 too, as the ONNX export does

    def forward(
        self,
        src: Tensor,
        r1: Tensor | None = None,
        r2: Tensor | None = None,
        r3: Tensor | None = None,
        r4: Tensor | None = None,
        downsample_ratio: float = 1.0,
        segmentation_pass: bool = False,
    ) -> list[Tensor]:
        if src.ndim not in (4, 5):
            raise ValueError(f"src must be (B, 3, H, W) or (B, T, 3, H, W), got {tuple(src.shape)}")
        batch = src.shape[0] if src.ndim == 5 else None
        src = fold_time(src)
        if downsample_ratio != 1:
            src_sm = F.interpolate(
                src,
                scale_factor=downsample_ratio,
                mode="bilinear",
                align_corners=False,
                recompute_scale_factor=False,
            )
        else:
            src_sm = src

        f1, f2, f3, f4 = self.backbone(src_sm)
        f4 = self.aspp(f4)
        hid, *rec = self.decoder(src_sm, f1, f2, f3, f4, r1, r2, r3, r4, batch=batch)

        if segmentation_pass:
            return [unfold_time(self.project_seg(hid), batch), *rec]
        fgr_residual, pha = self.project_mat(hid).split([3, 1], dim=1)
        if downsample_ratio != 1 or self.refine_full_size:
            fgr_residual, pha = self.refiner(src, src_sm, fgr_residual, pha, hid)
        fgr = (fgr_residual + src).clamp(0.0, 1.0)
        pha = pha.clamp(0.0, 1.0)
        return [unfold_time(fgr, batch), unfold_time(pha, batch), *rec]
