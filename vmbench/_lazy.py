"""Modules imported on first use: OpenCV costs ~20 ms of start-up and most `vmbench eval` runs
(8-bit PNG frames, vmbench's own decoder) never call it."""

from __future__ import annotations

import importlib

__all__ = ["cv2"]


class LazyModule:
    """Stands for a module; the first attribute read imports it."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str):
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name}>"


cv2 = LazyModule("cv2")
