"""A hand-built embedded-benchmark tree for the baseline tests (docs/formats.md layout).

Two clips of 5 frames at 96x64: a red disc (clip "a": moving right; clip "b": moving down)
plus, in clip "a", a blue square, over a deterministic textured background. Alphas are exact
area coverage from 8x8 supersampling. Guidance: trimap (band of 3 px around 0 < alpha < 1 and
the edge), first_mask, mask_down8 (8x8 block means thresholded at 0.5, upsampled by repeat).
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

H, W, T = 64, 96, 5
RED = np.array([220, 30, 30], dtype=np.float64)
BLUE = np.array([35, 65, 225], dtype=np.float64)


def background(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:H, 0:W]
    base = np.stack([110 + 40 * np.sin(x / 5.0), 140 + 30 * np.cos(y / 4.0), 120 + 25 * np.sin((x + y) / 7.0)], -1)
    return np.clip(base + rng.normal(0, 8, (H, W, 3)), 0, 255)


def disc_alpha(cx: float, cy: float, r: float, ss: int = 8) -> np.ndarray:
    off = (np.arange(ss) + 0.5) / ss
    y = (np.arange(H)[:, None] + off[None, :]).reshape(-1)
    x = (np.arange(W)[:, None] + off[None, :]).reshape(-1)
    inside = (x[None, :] - cx) ** 2 + (y[:, None] - cy) ** 2 <= r * r
    return inside.reshape(H, ss, W, ss).mean(axis=(1, 3))


def square_alpha(x0: float, y0: float, side: float) -> np.ndarray:
    cover_x = np.clip(np.minimum(np.arange(W) + 1, x0 + side) - np.maximum(np.arange(W), x0), 0, 1)
    cover_y = np.clip(np.minimum(np.arange(H) + 1, y0 + side) - np.maximum(np.arange(H), y0), 0, 1)
    return np.outer(cover_y, cover_x)


def trimap(alpha: np.ndarray) -> np.ndarray:
    fg = (alpha >= 1.0).astype(np.uint8)
    bg = (alpha <= 0.0).astype(np.uint8)
    k = np.ones((7, 7), np.uint8)
    tri = np.full(alpha.shape, 128, np.uint8)
    tri[cv2.erode(fg, k).astype(bool)] = 255
    tri[cv2.erode(bg, k).astype(bool)] = 0
    return tri


def down8(alpha: np.ndarray) -> np.ndarray:
    blocks = alpha.reshape(H // 8, 8, W // 8, 8).mean(axis=(1, 3)) >= 0.5
    return np.repeat(np.repeat(blocks, 8, 0), 8, 1).astype(np.uint8) * 255


def _png(path: Path, image: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = np.asarray(image)
    if img.ndim == 3:
        img = cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_RGB2BGR)
    assert cv2.imwrite(str(path), img)


def clip_layers(name: str):
    """[(alpha (T,H,W) float in [0,1], colour)] front-to-back for clip `name`."""
    if name == "a":
        red = np.stack([disc_alpha(22 + 9 * t, 30, 11) for t in range(T)])
        blue = np.stack([square_alpha(68 - 2 * t, 8 + t, 14) for t in range(T)])
        return [(red, RED), (blue, BLUE)]
    red = np.stack([disc_alpha(48, 18 + 6 * t, 12) for t in range(T)])
    return [(red, RED)]


def build_tree(root: Path) -> Path:
    """Write ROOT/plain/ds/{a,b} and ROOT/instance/ds (with meta_expressions.json); returns ROOT."""
    root = Path(root)
    videos = {}
    for seed, name in enumerate(("a", "b")):
        layers = clip_layers(name)
        bg = background(seed)
        union = np.zeros((T, H, W))
        com = np.repeat(bg[None], T, 0)
        for alpha, colour in reversed(layers):  # back to front
            com = alpha[..., None] * colour + (1 - alpha[..., None]) * com
            union = alpha + (1 - alpha) * union
        com = np.rint(com).astype(np.uint8)
        union_u8 = np.rint(union * 255).astype(np.uint8)
        clip = root / "plain" / "ds" / name
        inst = root / "instance" / "ds" / name
        for t in range(T):
            f = f"{t:04d}.png"
            _png(clip / "com" / f, com[t])
            _png(inst / "com" / f, com[t])
            _png(clip / "pha" / f, union_u8[t])
            _png(clip / "guidance" / "trimap" / f, trimap(union[t]))
            _png(clip / "guidance" / "mask_down8" / f, down8(union[t]))
            # visible alpha of each instance: front layer covers the back one
            cover = np.zeros((H, W))
            for i, (alpha, _) in enumerate(layers):
                _png(inst / "pha" / f"inst{i}" / f, np.rint(alpha[t] * (1 - cover) * 255).astype(np.uint8))
                cover = cover + alpha[t] * (1 - cover)
        _png(clip / "guidance" / "first_mask" / "0000.png", (union[0] >= 0.5).astype(np.uint8) * 255)
        exps = {"0": {"exp": "the red circle moving right" if name == "a" else "the red circle moving down",
                      "obj_id": ["inst0"], "anno_id": ["inst0"]}}
        if name == "a":
            exps["1"] = {"exp": "the blue square", "obj_id": ["inst1"], "anno_id": ["inst1"]}
        videos[name] = {"frames": [f"{t:04d}" for t in range(T)], "expressions": exps}
    (root / "instance" / "ds" / "meta_expressions.json").write_text(json.dumps({"videos": videos}))
    (root / "manifest.json").write_text(json.dumps({"content_hash": "testhash123"}))
    return root


def read_u8(path: Path) -> np.ndarray:
    return cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)


def mad(pred_u8: np.ndarray, gt_u8: np.ndarray) -> float:
    """mean |p - g| on [0, 1] alphas."""
    return float(np.mean(np.abs(pred_u8.astype(np.float64) / 255 - gt_u8.astype(np.float64) / 255)))
