"""RVM's LR-ASPP head, recurrent decoder (ConvGRU) and 1x1 projection heads.

All modules work on frame batches (N, C, H, W); for clips the frames of B sequences of length T
are folded into N = B*T and only the ConvGRUs, which need time order, unfold them again
(argument ``batch`` = B; ``None`` means single frames, T = 1). Recurrent states are always
(B, C, H, W).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from baselines.rvm.layers import ConvBNAct, unfold_time

__all__ = ["LRASPP", "ConvGRU", "RecurrentDecoder", "Projection"]


class LRASPP(nn.Module):
    """Lite R-ASPP: relu(bn(conv1x1(x))) gated by sigmoid(conv1x1(global_avg(x)))."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.aspp1 = ConvBNAct(in_channels, out_channels, 1)
        self.aspp2 = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(in_channels, out_channels, 1, bias=False), nn.Sigmoid()
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.aspp1(x) * self.aspp2(x)


class ConvGRU(nn.Module):
    """Convolutional GRU (3x3 convs): gates [r, z] = sigmoid(conv([x, h])),
    candidate c = tanh(conv([x, r*h])), new state h' = (1 - z) * h + z * c.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.ih = nn.Sequential(nn.Conv2d(2 * channels, 2 * channels, 3, padding=1), nn.Sigmoid())
        self.hh = nn.Sequential(nn.Conv2d(2 * channels, channels, 3, padding=1), nn.Tanh())

    def step(self, x: Tensor, h: Tensor) -> Tensor:
        """One time step on (B, C, H, W) input and state."""
        r, z = self.ih(torch.cat([x, h], dim=1)).split(self.channels, dim=1)
        c = self.hh(torch.cat([x, r * h], dim=1))
        return (1 - z) * h + z * c

    def forward(self, x: Tensor, h: Tensor | None, *, batch: int | None) -> tuple[Tensor, Tensor]:
        """x: (B*T, C, H, W) -> (outputs (B*T, C, H, W), last state (B, C, H, W)); h=None is zeros."""
        seq = unfold_time(x, batch) if batch is not None else x.unsqueeze(1)
        if h is None:
            h = seq.new_zeros(seq.shape[0], *seq.shape[2:])
        outputs = []
        for t in range(seq.shape[1]):
            h = self.step(seq[:, t], h)
            outputs.append(h)
        return torch.stack(outputs, dim=1).flatten(0, 1), h


def _split_gru(gru: ConvGRU, x: Tensor, r: Tensor | None, batch: int | None) -> tuple[Tensor, Tensor]:
    """Pass the second half of the channels through `gru`, keep the first half as is."""
    a, b = x.split(gru.channels, dim=1)
    b, r = gru(b, r, batch=batch)
    return torch.cat([a, b], dim=1), r


def _upsample_to(x: Tensor, like: Tensor) -> Tensor:
    """Bilinear x2 (half-pixel centres), cropped to `like`'s height/width (handles odd sizes)."""
    x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
    return x[:, :, : like.shape[2], : like.shape[3]]


class BottleneckBlock(nn.Module):
    """Deepest decoder stage: ConvGRU on half of the LR-ASPP channels."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.gru = ConvGRU(channels // 2)

    def forward(self, x: Tensor, r: Tensor | None, *, batch: int | None) -> tuple[Tensor, Tensor]:
        return _split_gru(self.gru, x, r, batch)


class UpsamplingBlock(nn.Module):
    """Upsample x2, concat [x, skip feature, downsampled image], conv-BN-ReLU, ConvGRU on half."""

    def __init__(self, in_channels: int, skip_channels: int, src_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = ConvBNAct(in_channels + skip_channels + src_channels, out_channels, 3)
        self.gru = ConvGRU(out_channels // 2)

    def forward(
        self, x: Tensor, f: Tensor, s: Tensor, r: Tensor | None, *, batch: int | None
    ) -> tuple[Tensor, Tensor]:
        x = self.conv(torch.cat([_upsample_to(x, s), f, s], dim=1))
        return _split_gru(self.gru, x, r, batch)


class OutputBlock(nn.Module):
    """Upsample x2 to the (downsampled) input size, concat the image, two conv-BN-ReLU."""

    def __init__(self, in_channels: int, src_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(in_channels + src_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
            nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: Tensor, s: Tensor) -> Tensor:
        return self.conv(torch.cat([_upsample_to(x, s), s], dim=1))


class RecurrentDecoder(nn.Module):
    """Decoder from 1/16 to full (network-input) resolution with 4 recurrent states r1..r4.

    feature_channels: channels of f1..f4 (f4 after LR-ASPP); decoder_channels: outputs of the
    1/8, 1/4, 1/2 and full-resolution stages. The image, average-pooled to 1/2, 1/4, 1/8
    (2x2, ceil mode, padding excluded), is concatenated at every stage.
    """

    def __init__(self, feature_channels: list[int], decoder_channels: list[int]) -> None:
        super().__init__()
        f1, f2, f3, f4 = feature_channels
        d3, d2, d1, d0 = decoder_channels
        self.decode4 = BottleneckBlock(f4)
        self.decode3 = UpsamplingBlock(f4, f3, 3, d3)
        self.decode2 = UpsamplingBlock(d3, f2, 3, d2)
        self.decode1 = UpsamplingBlock(d2, f1, 3, d1)
        self.decode0 = OutputBlock(d1, 3, d0)

    @staticmethod
    def _pool(s: Tensor) -> Tensor:
        return F.avg_pool2d(s, 2, 2, ceil_mode=True, count_include_pad=False)

    def forward(
        self,
        s0: Tensor,
        f1: Tensor,
        f2: Tensor,
        f3: Tensor,
        f4: Tensor,
        r1: Tensor | None,
        r2: Tensor | None,
        r3: Tensor | None,
        r4: Tensor | None,
        *,
        batch: int | None,
    ) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
        s1 = self._pool(s0)
        s2 = self._pool(s1)
        s3 = self._pool(s2)
        x4, r4 = self.decode4(f4, r4, batch=batch)
        x3, r3 = self.decode3(x4, f3, s3, r3, batch=batch)
        x2, r2 = self.decode2(x3, f2, s2, r2, batch=batch)
        x1, r1 = self.decode1(x2, f1, s1, r1, batch=batch)
        x0 = self.decode0(x1, s0)
        return x0, r1, r2, r3, r4


class Projection(nn.Module):
    """1x1 conv (with bias) from the decoder's hidden features to output channels."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x)
