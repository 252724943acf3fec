"""Run a trained OAVM network over a stream of frames at a fixed internal resolution."""

from __future__ import annotations

from typing import Iterable, Iterator

import cv2
import numpy as np
import torch

__all__ = ["internal_size", "predict_frames"]


def internal_size(height: int, width: int, *, long_side: int) -> tuple[int, int]:
    """(h, w) with the longer side about `long_side`, aspect kept, both multiples of 16."""
    scale = long_side / max(height, width)
    h = max(16, int(round(height * scale / 16)) * 16)
    w = max(16, int(round(width * scale / 16)) * 16)
    return h, w


@torch.inference_mode()
def predict_frames(
    model,
    frames: Iterable[np.ndarray],
    first_mask: np.ndarray,
    *,
    long_side: int = 192,
    device: str | torch.device = "cpu",
) -> Iterator[np.ndarray]:
    """Yield float32 (H, W) alphas in [0, 1], one per uint8 (H, W, 3) RGB frame, at input size.

    `first_mask` is the boolean (H, W) target mask of frame 0. Frames are resized to
    `internal_size`, matted with the memory carried from frame to frame, and the alpha is resized
    back bilinearly.
    """
    model.eval()
    memory = None
    mask_t = None
    size = None
    for frame in frames:
        height, width = frame.shape[:2]
        if size is None:
            if first_mask.shape != (height, width):
                raise ValueError(f"first mask is {first_mask.shape}, frames are {(height, width)}")
            size = internal_size(height, width, long_side=long_side)
            small_mask = cv2.resize(first_mask.astype(np.float32), size[::-1], interpolation=cv2.INTER_AREA)
            mask_t = torch.from_numpy((small_mask >= 0.5).astype(np.float32))[None, None].to(device)
        interp = cv2.INTER_AREA if size[0] < height else cv2.INTER_LINEAR
        small = cv2.resize(frame, size[::-1], interpolation=interp)
        image = torch.from_numpy(small.astype(np.float32) / 255.0).permute(2, 0, 1)[None].to(device)
        out, memory = model.step(image, memory, first_mask=mask_t if memory is None else None)
        alpha = out["alpha"][0, 0].float().cpu().numpy()
        alpha = cv2.resize(alpha, (width, height), interpolation=cv2.INTER_LINEAR)
        yield np.clip(alpha, 0.0, 1.0).astype(np.float32)
