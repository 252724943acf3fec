"""A small OAVM-style network: object-aware video matting guided by a first-frame mask.

The structure follows the OAVM paper (object-aware video matting with cross-frame guidance) at a
size that trains on a laptop CPU; the paper's code and weights are not public, so nothing here is
copied from them. Per frame:

1. a light conv backbone gives features at 1/2, 1/4, 1/8 and 1/16;
2. pixel-level memory attention at 1/16: *global* attention to the first frame's keys/values
   (frame-0 features + an embedding of the given first-frame mask) and *local* 7x7 windowed
   attention to the previous frame's keys/values (frame t-1 features + its predicted mask);
3. a light pixel decoder (1/16 -> 1/8) and a tiny transformer decoder whose object queries
   attend to pixels with *masked* cross-attention, restricted to the dilated previous mask;
4. object-guided correction and refinement: pixels attend back to the object queries, the
   correction is added inside the dilated previous-mask region (plus a learned global gate);
5. a matting decoder (upsampling with skips to full resolution) giving alpha and
   foreground-segmentation logits.

Memory (first-frame keys/values, previous-frame keys/values/mask) is a plain dict carried from
one call of `OAVMNet.step` to the next.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["DEFAULT_CONFIG", "OAVMNet", "dilate", "erode"]

DEFAULT_CONFIG: dict = {
    "channels": [16, 24, 40, 64],  # backbone widths at 1/2, 1/4, 1/8, 1/16
    "key_dim": 32,  # memory key width
    "value_dim": 64,  # memory value width
    "pixel_dim": 32,  # pixel-decoder width at 1/8
    "query_dim": 48,  # object-query width
    "num_queries": 4,
    "num_decoder_layers": 2,
    "num_heads": 2,
    "local_window": 7,  # previous-frame attention window at 1/16
    "mask_dilation": 2,  # dilation (in 1/8 cells) of the previous mask for masked attention
    "decoder_dims": [32, 16, 16],  # matting decoder widths at 1/4, 1/2, 1/1
}

STRIDE = 16  # input height and width must be multiples of this


def dilate(mask: torch.Tensor, radius: int) -> torch.Tensor:
    """Binary/soft dilation of (B, 1, H, W) by a square of half-width `radius` (max-pool)."""
    if radius <= 0:
        return mask
    return F.max_pool2d(mask, 2 * radius + 1, stride=1, padding=radius)


def erode(mask: torch.Tensor, radius: int) -> torch.Tensor:
    """Erosion of (B, 1, H, W) by a square of half-width `radius` (min-pool)."""
    if radius <= 0:
        return mask
    return -F.max_pool2d(-mask, 2 * radius + 1, stride=1, padding=radius)


def _norm(c: int) -> nn.GroupNorm:
    return nn.GroupNorm(4 if c % 4 == 0 else 1, c)


class ConvBlock(nn.Sequential):
    """conv k x k -> GroupNorm -> GELU."""

    def __init__(self, cin: int, cout: int, *, k: int = 3, stride: int = 1):
        super().__init__(
            nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), _norm(cout), nn.GELU()
        )


class DWBlock(nn.Module):
    """Residual depthwise-separable block: dw 3x3 -> norm -> pw expand -> GELU -> pw project."""

    def __init__(self, c: int, *, expand: int = 2):
        super().__init__()
        self.dw = nn.Conv2d(c, c, 3, 1, 1, groups=c, bias=False)
        self.norm = _norm(c)
        self.pw1 = nn.Conv2d(c, c * expand, 1)
        self.pw2 = nn.Conv2d(c * expand, c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pw2(F.gelu(self.pw1(self.norm(self.dw(x)))))


class Backbone(nn.Module):
    """Strided conv + depthwise blocks; returns features at 1/2, 1/4, 1/8, 1/16."""

    def __init__(self, channels: list[int]):
        super().__init__()
        c1, c2, c3, c4 = channels
        self.s2 = ConvBlock(3, c1, stride=2)
        self.s4 = nn.Sequential(ConvBlock(c1, c2, stride=2), DWBlock(c2))
        self.s8 = nn.Sequential(ConvBlock(c2, c3, stride=2), DWBlock(c3), DWBlock(c3))
        self.s16 = nn.Sequential(ConvBlock(c3, c4, stride=2), DWBlock(c4), DWBlock(c4))

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        x = (image - 0.45) / 0.25
        f2 = self.s2(x)
        f4 = self.s4(f2)
        f8 = self.s8(f4)
        f16 = self.s16(f8)
        return [f2, f4, f8, f16]


class MaskValueEncoder(nn.Module):
    """Memory value from 1/16 features and a mask: features + foreground embedding of the mask."""

    def __init__(self, cin: int, value_dim: int):
        super().__init__()
        self.fuse = ConvBlock(cin + 2, value_dim)
        self.block = DWBlock(value_dim)
        self.fg = nn.Parameter(torch.zeros(1, value_dim, 1, 1))
        self.bg = nn.Parameter(torch.zeros(1, value_dim, 1, 1))
        nn.init.normal_(self.fg, std=0.5)
        nn.init.normal_(self.bg, std=0.5)

    def forward(self, f16: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h, w = f16.shape[-2:]
        m_avg = F.adaptive_avg_pool2d(mask, (h, w))
        m_max = F.adaptive_max_pool2d(mask, (h, w))
        v = self.fuse(torch.cat([f16, m_avg, m_max], 1))
        v = v + m_avg * self.fg + (1.0 - m_avg) * self.bg
        return self.block(v)


def global_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Every query pixel attends to every memory pixel. q (B,C,h,w), k (B,C,H,W), v (B,D,H,W)."""
    b, c, h, w = q.shape
    qf = q.flatten(2).transpose(1, 2)  # B, hw, C
    kf = k.flatten(2)  # B, C, N
    attn = torch.softmax(qf @ kf / math.sqrt(c), dim=-1)  # B, hw, N
    out = attn @ v.flatten(2).transpose(1, 2)  # B, hw, D
    return out.transpose(1, 2).reshape(b, -1, h, w)


def local_attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, *, window: int
) -> torch.Tensor:
    """Each query pixel attends to a window x window neighbourhood of the memory (same size)."""
    b, c, h, w = q.shape
    d = v.shape[1]
    pad = window // 2
    n = window * window
    ku = F.unfold(k, window, padding=pad).view(b, c, n, h * w)
    vu = F.unfold(v, window, padding=pad).view(b, d, n, h * w)
    valid = F.unfold(torch.ones_like(k[:, :1]), window, padding=pad).view(b, 1, n, h * w)
    logits = (q.flatten(2).unsqueeze(2) * ku).sum(1, keepdim=True) / math.sqrt(c)  # B,1,n,hw
    logits = logits.masked_fill(valid < 0.5, float("-inf"))
    attn = torch.softmax(logits, dim=2)
    return (attn * vu).sum(2).view(b, d, h, w)


class Attention(nn.Module):
    """Multi-head attention with an optional additive mask (B, Lq, Lk), written out for clarity."""

    def __init__(self, dim: int, heads: int, *, kv_dim: int | None = None):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(kv_dim or dim, dim)
        self.v = nn.Linear(kv_dim or dim, dim)
        self.o = nn.Linear(dim, dim)

    def forward(self, x, mem, bias: torch.Tensor | None = None) -> torch.Tensor:
        b, lq, dim = x.shape
        hd = dim // self.heads

        def split(t):
            return t.view(b, -1, self.heads, hd).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(mem)), split(self.v(mem))
        logits = q @ k.transpose(-1, -2) / math.sqrt(hd)
        if bias is not None:
            logits = logits + bias.unsqueeze(1)
        out = torch.softmax(logits, dim=-1) @ v
        return self.o(out.transpose(1, 2).reshape(b, lq, dim))


class QueryDecoderLayer(nn.Module):
    """Object queries: masked cross-attention to pixels, self-attention, feed-forward."""

    def __init__(self, dim: int, pixel_dim: int, heads: int):
        super().__init__()
        self.cross = Attention(dim, heads, kv_dim=pixel_dim)
        self.self_attn = Attention(dim, heads)
        self.ffn = nn.Sequential(nn.Linear(dim, dim * 2), nn.GELU(), nn.Linear(dim * 2, dim))
        self.n1, self.n2, self.n3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)

    def forward(self, queries, pixels, bias):
        queries = queries + self.cross(self.n1(queries), pixels, bias)
        q = self.n2(queries)
        queries = queries + self.self_attn(q, q)
        return queries + self.ffn(self.n3(queries))


class ObjectGuidedRefiner(nn.Module):
    """Object queries + object-guided correction of the 1/8 pixel features.

    Queries (learned + a pooled embedding of the target under the previous mask) attend to the
    pixels inside the dilated previous mask (masked cross-attention); the pixels then attend back
    to the refined queries and the correction is added where the dilated previous mask is on,
    plus a small learned share everywhere (so objects entering the frame can still be fixed).
    """

    def __init__(self, cfg: dict):
        super().__init__()
        pd, qd = cfg["pixel_dim"], cfg["query_dim"]
        self.dilation = cfg["mask_dilation"]
        self.query_embed = nn.Parameter(torch.randn(1, cfg["num_queries"], qd) * 0.2)
        self.target_proj = nn.Linear(pd, qd)
        self.layers = nn.ModuleList(
            QueryDecoderLayer(qd, pd, cfg["num_heads"]) for _ in range(cfg["num_decoder_layers"])
        )
        self.pixel_norm = nn.LayerNorm(pd)
        self.back = Attention(pd, cfg["num_heads"], kv_dim=qd)
        self.outside = nn.Parameter(torch.tensor(0.1))
        self.refine = nn.Sequential(ConvBlock(pd + 2, pd), DWBlock(pd))

    def forward(self, p8: torch.Tensor, prev_mask8: torch.Tensor) -> torch.Tensor:
        b, c, h, w = p8.shape
        region = dilate((prev_mask8 > 0.5).float(), self.dilation)  # B,1,h,w
        flat_region = region.flatten(1)  # B, N
        empty = flat_region.sum(1, keepdim=True) < 0.5  # nothing to restrict to: attend anywhere
        allowed = (flat_region > 0.5) | empty
        bias = torch.zeros_like(flat_region).masked_fill(~allowed, float("-inf"))
        pixels = self.pixel_norm(p8.flatten(2).transpose(1, 2))  # B, N, pd
        weight = prev_mask8.flatten(1).unsqueeze(-1)
        pooled = (pixels * weight).sum(1) / weight.sum(1).clamp_min(1e-3)  # B, pd
        queries = self.query_embed.expand(b, -1, -1) + self.target_proj(pooled).unsqueeze(1)
        q_bias = bias.unsqueeze(1).expand(-1, queries.shape[1], -1)
        for layer in self.layers:
            queries = layer(queries, pixels, q_bias)
        corr = self.back(pixels, queries).transpose(1, 2).reshape(b, c, h, w)
        gate = region + self.outside * (1.0 - region)
        p8 = p8 + corr * gate
        return self.refine(torch.cat([p8, prev_mask8, region], 1))


class MattingDecoder(nn.Module):
    """Upsampling decoder with skips: 1/8 -> 1/4 (segmentation logits) -> 1/2 -> 1/1 (alpha)."""

    def __init__(self, cfg: dict):
        super().__init__()
        c1, c2 = cfg["channels"][:2]
        pd = cfg["pixel_dim"]
        d4, d2, d1 = cfg["decoder_dims"]
        self.up4 = nn.Sequential(ConvBlock(pd + c2, d4), DWBlock(d4))
        self.seg = nn.Conv2d(d4, 1, 3, 1, 1)
        self.up2 = ConvBlock(d4 + c1 + 1, d2)
        self.up1 = nn.Sequential(ConvBlock(d2 + 3 + 1, d1), nn.Conv2d(d1, 1, 3, 1, 1))

    def forward(self, p8, f4, f2, image):
        x = F.interpolate(p8, size=f4.shape[-2:], mode="bilinear", align_corners=False)
        x = self.up4(torch.cat([x, f4], 1))
        seg4 = self.seg(x)
        x = F.interpolate(x, size=f2.shape[-2:], mode="bilinear", align_corners=False)
        s2 = F.interpolate(seg4, size=f2.shape[-2:], mode="bilinear", align_corners=False)
        x = self.up2(torch.cat([x, f2, torch.sigmoid(s2)], 1))
        x = F.interpolate(x, size=image.shape[-2:], mode="bilinear", align_corners=False)
        seg = F.interpolate(seg4, size=image.shape[-2:], mode="bilinear", align_corners=False)
        # alpha is a residual on the upsampled segmentation logit: coarse shape + fine edges
        alpha_logit = seg + self.up1(torch.cat([x, image, torch.sigmoid(seg)], 1))
        return torch.sigmoid(alpha_logit), seg


class OAVMNet(nn.Module):
    """The whole network; `step` processes one frame and returns (outputs, memory).

    Images are float (B, 3, H, W) RGB in [0, 1], H and W multiples of 16; the first-frame mask
    is float (B, 1, H, W) in {0, 1}.
    """

    def __init__(self, config: dict | None = None):
        super().__init__()
        cfg = {**DEFAULT_CONFIG, **(config or {})}
        unknown = set(cfg) - set(DEFAULT_CONFIG)
        if unknown:
            raise ValueError(f"unknown OAVM config keys: {sorted(unknown)}")
        self.config = cfg
        c4 = cfg["channels"][3]
        c3 = cfg["channels"][2]
        kd, vd, pd = cfg["key_dim"], cfg["value_dim"], cfg["pixel_dim"]
        self.backbone = Backbone(cfg["channels"])
        self.key = nn.Conv2d(c4, kd, 1)
        self.value = MaskValueEncoder(c4, vd)
        self.fuse16 = nn.Sequential(ConvBlock(c4 + 2 * vd, c4), DWBlock(c4))
        self.lat16 = nn.Conv2d(c4, pd, 1)
        self.lat8 = nn.Conv2d(c3, pd, 1)
        self.pix8 = nn.Sequential(ConvBlock(pd, pd), DWBlock(pd))
        self.refiner = ObjectGuidedRefiner(cfg)
        self.decoder = MattingDecoder(cfg)

    def _memory_entry(self, f16: torch.Tensor, mask: torch.Tensor) -> tuple:
        return self.key(f16), self.value(f16, mask)

    def step(
        self,
        image: torch.Tensor,
        memory: dict | None,
        *,
        first_mask: torch.Tensor | None = None,
    ) -> tuple[dict, dict]:
        """Matte one frame. Pass `first_mask` (and memory None) on frame 0, then the returned memory.

        Returns ({"alpha": (B,1,H,W) in [0,1], "seg_logits": (B,1,H,W)}, memory).
        """
        h, w = image.shape[-2:]
        if h % STRIDE or w % STRIDE:
            raise ValueError(f"image size {h}x{w} is not a multiple of {STRIDE}")
        f2, f4, f8, f16 = self.backbone(image)
        if memory is None:
            if first_mask is None:
                raise ValueError("the first frame needs first_mask")
            k0, v0 = self._memory_entry(f16, first_mask)
            memory = {"k0": k0, "v0": v0, "k_prev": k0, "v_prev": v0, "mask_prev": first_mask}
        q = self.key(f16)
        read_g = global_attention(q, memory["k0"], memory["v0"])
        read_l = local_attention(
            q, memory["k_prev"], memory["v_prev"], window=self.config["local_window"]
        )
        m16 = self.fuse16(torch.cat([f16, read_g, read_l], 1))
        up = F.interpolate(self.lat16(m16), size=f8.shape[-2:], mode="bilinear", align_corners=False)
        p8 = self.pix8(self.lat8(f8) + up)
        prev8 = F.adaptive_avg_pool2d(memory["mask_prev"], p8.shape[-2:])
        p8 = self.refiner(p8, prev8)
        alpha, seg = self.decoder(p8, f4, f2, image)
        k_new, v_new = self._memory_entry(f16, alpha)
        memory = {
            "k0": memory["k0"],
            "v0": memory["v0"],
            "k_prev": k_new,
            "v_prev": v_new,
            "mask_prev": alpha.detach(),
        }
        return {"alpha": alpha, "seg_logits": seg}, memory

    def forward(self, images: torch.Tensor, first_mask: torch.Tensor) -> tuple:
        """Matte a clip (B, T, 3, H, W) from its first-frame mask; returns alphas, seg logits (B,T,1,H,W)."""
        memory = None
        alphas, segs = [], []
        for t in range(images.shape[1]):
            out, memory = self.step(
                images[:, t], memory, first_mask=first_mask if t == 0 else None
            )
            alphas.append(out["alpha"])
            segs.append(out["seg_logits"])
        return torch.stack(alphas, 1), torch.stack(segs, 1)
