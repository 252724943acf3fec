"""Deep Guided Filter refiner (Wu et al., CVPR 2018) that lifts RVM's low-resolution output
to full resolution when the network ran on a downsampled image.

The guide is the image plus its channel mean (4 channels); the target is [fgr residual, alpha].
Local statistics use a learnable depthwise 3x3 "box" filter (initialised to 1/9). The per-pixel
linear coefficients A come from a small 1x1 conv net over (cov_xy, var_x, decoder hidden
features); b = mean_y - A * mean_x. A and b are resized bilinearly to full resolution and
applied to the full-resolution guide: out = A * fine_x + b.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

__all__ = ["DeepGuidedFilterRefiner"]


class DeepGuidedFilterRefiner(nn.Module):
    """refine(fine_src, base_src, base_fgr, base_pha, base_hid) -> (fgr, pha) at fine size."""

    def __init__(self, hid_channels: int = 16) -> None:
        super().__init__()
        self.box_filter = nn.Conv2d(4, 4, 3, padding=1, bias=False, groups=4)
        with torch.no_grad():
            self.box_filter.weight.fill_(1 / 9)
        self.conv = nn.Sequential(
            nn.Conv2d(4 * 2 + hid_channels, hid_channels, 1, bias=False),
            nn.BatchNorm2d(hid_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(hid_channels, hid_channels, 1, bias=False),
            nn.BatchNorm2d(hid_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(hid_channels, 4, 1, bias=True),
        )

    def forward(
        self, fine_src: Tensor, base_src: Tensor, base_fgr: Tensor, base_pha: Tensor, base_hid: Tensor
    ) -> tuple[Tensor, Tensor]:
        fine_x = torch.cat([fine_src, fine_src.mean(1, keepdim=True)], dim=1)
        base_x = torch.cat([base_src, base_src.mean(1, keepdim=True)], dim=1)
        base_y = torch.cat([base_fgr, base_pha], dim=1)

        mean_x = self.box_filter(base_x)
        mean_y = self.box_filter(base_y)
        cov_xy = self.box_filter(base_x * base_y) - mean_x * mean_y
        var_x = self.box_filter(base_x * base_x) - mean_x * mean_x

        a = self.conv(torch.cat([cov_xy, var_x, base_hid], dim=1))
        b = mean_y - a * mean_x
        size = fine_src.shape[2:]
        a = F.interpolate(a, size, mode="bilinear", align_corners=False)
        b = F.interpolate(b, size, mode="bilinear", align_corners=False)
        fgr, pha = (a * fine_x + b).split([3, 1], dim=1)
        return fgr, pha
