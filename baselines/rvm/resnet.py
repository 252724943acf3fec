"""ResNet-50 encoder as RVM uses it: 4 feature maps at strides 2, 4, 8, 16.

Standard ResNet-50 (He et al., 2016; bottleneck v1.5: the stride sits on the 3x3 conv) with the
last stage dilated (dilation 2, stride 1) so the deepest features stay at 1/16. The first block
of the dilated stage keeps dilation 1, the rest use 2. No pooling head.

Unlike the MobileNetV3 variant, the official RVM ResNet-50 encoder does *not* apply ImageNet
mean/std normalisation to its input; this re-implementation follows the official behaviour.
Parameter names (``conv1``, ``bn1``, ``layer<k>.<i>.conv1`` ...) match the official checkpoint.
"""

from __future__ import annotations

from torch import Tensor, nn

__all__ = ["ResNet50Encoder"]


class Bottleneck(nn.Module):
    """1x1 reduce -> 3x3 (stride, dilation) -> 1x1 expand (x4), plus identity / projected shortcut."""

    expansion = 4

    def __init__(self, in_ch: int, width: int, *, stride: int = 1, dilation: int = 1) -> None:
        super().__init__()
        out_ch = width * self.expansion
        self.conv1 = nn.Conv2d(in_ch, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(
            width, width, 3, stride=stride, padding=dilation, dilation=dilation, bias=False
        )
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, out_ch, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_ch)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if stride != 1 or in_ch != out_ch:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_ch, out_ch, 1, stride=stride, bias=False), nn.BatchNorm2d(out_ch)
            )

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.relu(y + identity)


def _stage(in_ch: int, width: int, blocks: int, *, stride: int, dilate: bool) -> nn.Sequential:
    """One ResNet stage; with `dilate` the stride becomes dilation (first block keeps dilation 1)."""
    if dilate:
        first = Bottleneck(in_ch, width, stride=1, dilation=1)
        rest_dilation = stride
    else:
        first = Bottleneck(in_ch, width, stride=stride, dilation=1)
        rest_dilation = 1
    out_ch = width * Bottleneck.expansion
    rest = [Bottleneck(out_ch, width, dilation=rest_dilation) for _ in range(blocks - 1)]
    return nn.Sequential(first, *rest)


class ResNet50Encoder(nn.Module):
    """(N, 3, H, W) RGB in [0, 1] -> features (64 @ 1/2, 256 @ 1/4, 512 @ 1/8, 2048 @ 1/16)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = _stage(64, 64, 3, stride=1, dilate=False)
        self.layer2 = _stage(256, 128, 4, stride=2, dilate=False)
        self.layer3 = _stage(512, 256, 6, stride=2, dilate=False)
        self.layer4 = _stage(1024, 512, 3, stride=2, dilate=True)

    def forward(self, x: Tensor) -> list[Tensor]:
        f1 = self.relu(self.bn1(self.conv1(x)))
        f2 = self.layer1(self.maxpool(f1))
        f3 = self.layer2(f2)
        f4 = self.layer4(self.layer3(f3))
        return [f1, f2, f3, f4]
