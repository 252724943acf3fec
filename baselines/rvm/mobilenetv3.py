"""MobileNetV3-Large encoder as RVM uses it: 4 feature maps at strides 2, 4, 8, 16.

Layout follows the MobileNetV3 paper (Howard et al., 2019, Table 1) with RVM's change: the
last stage (the 160-channel blocks) keeps stride 16 and uses dilation 2 instead of a stride-2
depthwise conv. Batch norms use eps=1e-3 (the value the ImageNet-pretrained backbone was trained
with). The classifier head is absent; the final 1x1 conv to 960 channels is kept.

Parameter names (``features.<i>.block.<j>...``) match the official RVM checkpoint.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from baselines.rvm.layers import ConvBNAct

__all__ = ["MobileNetV3LargeEncoder", "IMAGENET_MEAN", "IMAGENET_STD"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
_BN_EPS = 1e-3


class _BlockSpec(NamedTuple):
    in_ch: int
    kernel: int
    expanded: int
    out_ch: int
    squeeze_excite: bool
    hardswish: bool
    stride: int
    dilation: int


# (in, kernel, expanded, out, SE, hard-swish, stride, dilation); features 1..15.
_LARGE = (
    _BlockSpec(16, 3, 16, 16, False, False, 1, 1),
    _BlockSpec(16, 3, 64, 24, False, False, 2, 1),  # -> 1/4
    _BlockSpec(24, 3, 72, 24, False, False, 1, 1),
    _BlockSpec(24, 5, 72, 40, True, False, 2, 1),  # -> 1/8
    _BlockSpec(40, 5, 120, 40, True, False, 1, 1),
    _BlockSpec(40, 5, 120, 40, True, False, 1, 1),
    _BlockSpec(40, 3, 240, 80, False, True, 2, 1),  # -> 1/16
    _BlockSpec(80, 3, 200, 80, False, True, 1, 1),
    _BlockSpec(80, 3, 184, 80, False, True, 1, 1),
    _BlockSpec(80, 3, 184, 80, False, True, 1, 1),
    _BlockSpec(80, 3, 480, 112, True, True, 1, 1),
    _BlockSpec(112, 3, 672, 112, True, True, 1, 1),
    _BlockSpec(112, 5, 672, 160, True, True, 2, 2),  # stride replaced by dilation: stays 1/16
    _BlockSpec(160, 5, 960, 160, True, True, 1, 2),
    _BlockSpec(160, 5, 960, 160, True, True, 1, 2),
)


def _round_to_8(value: float) -> int:
    """Round to the nearest multiple of 8, never dropping more than 10 % (MobileNet rule)."""
    rounded = max(8, int(value + 4) // 8 * 8)
    if rounded < 0.9 * value:
        rounded += 8
    return rounded


class SqueezeExcite(nn.Module):
    """Channel attention: global average -> 1x1 conv -> ReLU -> 1x1 conv -> hard-sigmoid -> scale."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s


class InvertedResidual(nn.Module):
    """Expand (1x1, skipped when not widening) -> depthwise -> [SE] -> project (1x1, linear).

    A residual is added when the configured stride is 1 and the channel count is unchanged.
    When dilation > 1 the depthwise conv runs at stride 1 (the stride is traded for dilation).
    """

    def __init__(self, spec: _BlockSpec) -> None:
        super().__init__()
        act = nn.Hardswish if spec.hardswish else nn.ReLU
        self.use_residual = spec.stride == 1 and spec.in_ch == spec.out_ch
        layers: list[nn.Module] = []
        if spec.expanded != spec.in_ch:
            layers.append(ConvBNAct(spec.in_ch, spec.expanded, 1, activation=act, bn_eps=_BN_EPS))
        layers.append(
            ConvBNAct(
                spec.expanded,
                spec.expanded,
                spec.kernel,
                stride=1 if spec.dilation > 1 else spec.stride,
                dilation=spec.dilation,
                groups=spec.expanded,
                activation=act,
                bn_eps=_BN_EPS,
            )
        )
        if spec.squeeze_excite:
            layers.append(SqueezeExcite(spec.expanded, _round_to_8(spec.expanded // 4)))
        layers.append(ConvBNAct(spec.expanded, spec.out_ch, 1, activation=None, bn_eps=_BN_EPS))
        self.block = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        y = self.block(x)
        return x + y if self.use_residual else y


class MobileNetV3LargeEncoder(nn.Module):
    """(N, 3, H, W) RGB in [0, 1] -> features (16 @ 1/2, 24 @ 1/4, 40 @ 1/8, 960 @ 1/16).

    The input is normalised with the ImageNet mean/std inside the encoder, as in RVM.
    """

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = [ConvBNAct(3, 16, 3, stride=2, activation=nn.Hardswish, bn_eps=_BN_EPS)]
        layers += [InvertedResidual(spec) for spec in _LARGE]
        layers.append(ConvBNAct(160, 960, 1, activation=nn.Hardswish, bn_eps=_BN_EPS))
        self.features = nn.Sequential(*layers)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: Tensor) -> list[Tensor]:
        x = (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        out = []
        # Features are taken after blocks 1, 3, 6 and the final 1x1 conv (index 16).
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in (1, 3, 6, 16):
                out.append(x)
        return out
