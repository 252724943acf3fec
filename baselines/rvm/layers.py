"""Small building blocks shared by the RVM backbones and decoder.

`ConvBNAct` is a ``Sequential`` (conv, batch norm, optional activation) so that its parameters
are named ``<i>.0.weight`` / ``<i>.1.running_mean`` exactly as in the official checkpoints.
`fold_time` / `unfold_time` let per-frame modules run on (B, T, C, H, W) clips.
"""

from __future__ import annotations

from typing import Callable

from torch import Tensor, nn

__all__ = ["ConvBNAct", "fold_time", "unfold_time"]


class ConvBNAct(nn.Sequential):
    """Bias-free k x k conv ("same" padding, optional dilation/groups), batch norm, activation.

    Children are ``0`` conv, ``1`` BatchNorm2d(eps=`bn_eps`), ``2`` activation (omitted when
    `activation` is None), matching the indices the checkpoints use.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        *,
        stride: int = 1,
        dilation: int = 1,
        groups: int = 1,
        activation: Callable[[], nn.Module] | None = nn.ReLU,
        bn_eps: float = 1e-5,
    ) -> None:
        padding = (kernel_size - 1) // 2 * dilation
        layers: list[nn.Module] = [
            nn.Conv2d(
                in_channels,
                out_channels,
                kernel_size,
                stride=stride,
                padding=padding,
                dilation=dilation,
                groups=groups,
                bias=False,
            ),
            nn.BatchNorm2d(out_channels, eps=bn_eps),
        ]
        if activation is not None:
            layers.append(activation())
        super().__init__(*layers)


def fold_time(x: Tensor) -> Tensor:
    """(B, T, C, H, W) -> (B*T, C, H, W); 4-D tensors pass through unchanged."""
    return x.flatten(0, 1) if x.ndim == 5 else x


def unfold_time(x: Tensor, batch: int | None) -> Tensor:
    """Inverse of `fold_time`: (B*T, ...) -> (B, T, ...) when `batch` is given, else unchanged."""
    if batch is None:
        return x
    return x.reshape(batch, x.shape[0] // batch, *x.shape[1:])

