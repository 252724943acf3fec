"""A README frame strip: composite, each instance's alpha and guidance, a few frames per row."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from vmbench.errors import InputError
from vmbench.io.frames import list_frames, read_alpha_u8, read_rgb, write_rgb

__all__ = ["render_strip"]


def _tile(image: np.ndarray, width: int) -> np.ndarray:
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    h, w = image.shape[:2]
    return cv2.resize(image, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def _label(text: str, width: int) -> np.ndarray:
    bar = np.full((18, width, 3), 255, dtype=np.uint8)
    cv2.putText(bar, text, (3, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return bar


def render_strip(root: Path, out_png: Path, *, clip: str | None = None, frames: int = 4,
                 tile_width: int = 160, max_instances: int = 3) -> Path:
    """Write a PNG grid: one row per frame; columns composite, instance alphas, guidance.

    root : a make-dataset folder; clip : its name (default: the clip with most instances).
    Columns: composite, up to `max_instances` instance visible alphas, the union trimap and the
    first instance's polygonised mask.
    """
    root = Path(root)
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{root / 'manifest.json'}: cannot read dataset manifest ({exc})") from exc
    clips = manifest["clips"]
    if clip is None:
        entry = max(clips, key=lambda e: len(e["instances"]))
    else:
        found = [e for e in clips if e["clip"] == clip]
        if not found:
            raise InputError(f"{root}: no clip named {clip!r}")
        entry = found[0]
    plain = root / "plain" / entry["dataset"] / entry["clip"]
    inst = root / "instance" / entry["dataset"] / entry["clip"]
    names = [p.name for p in list_frames(plain / "com")]
    picks = np.linspace(0, len(names) - 1, min(frames, len(names))).round().astype(int)
    ids = [r["id"] for r in entry["instances"]][:max_instances]
    heads = ["composite"] + [f"alpha {i}" for i in ids] + ["trimap (union)", f"mask_poly {ids[0]}"]
    rows = []
    for k in picks:
        n = names[k]
        tiles = [read_rgb(plain / "com" / n)]
        tiles += [read_alpha_u8(inst / "pha" / i / n) for i in ids]
        tiles += [read_alpha_u8(plain / "guidance" / "trimap" / n),
                  read_alpha_u8(inst / "guidance" / ids[0] / "mask_poly" / n)]
        rows.append(np.concatenate([np.pad(_tile(t, tile_width), ((2, 2), (2, 2), (0, 0)), constant_values=255)
                                    for t in tiles], axis=1))
    header = np.concatenate([_label(h, tile_width + 4) for h in heads], axis=1)
    grid = np.concatenate([header] + rows, axis=0)
    write_rgb(Path(out_png), grid)
    return Path(out_png)
