"""A clip saved as one NumPy array (T, H, W): ``.npy`` (memory-mapped, read frame by frame) or
``.npz`` (one array, or the one named ``pha``/``alpha``)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from vmbench.errors import InputError
from vmbench.sources.base import FrameSource
from vmbench.sources.decode import alpha_from_array

__all__ = ["STACK_EXTENSIONS", "ArrayStack"]

STACK_EXTENSIONS = (".npy", ".npz")


def _load(path: Path) -> np.ndarray:
    try:
        if path.suffix.lower() == ".npy":
            return np.load(path, mmap_mode="r", allow_pickle=False)
        with np.load(path, allow_pickle=False) as archive:
            keys = list(archive.keys())
            picked = next((k for k in ("pha", "alpha") if k in keys), keys[0] if len(keys) == 1 else None)
            if picked is None:
                raise InputError(f"{path}: holds arrays {keys}; expected one array, or one named pha or alpha")
            return archive[picked]
    except InputError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(f"{path}: not a readable NumPy file ({exc})") from exc


class ArrayStack(FrameSource):
    """Frames ``array[t]`` of a (T, H, W) or (T, H, W, 1) array; pairs with the ground truth by position."""

    positional = True

    def __init__(self, path: Path, *, precision: str = "u8"):
        path = Path(path)
        array = _load(path)
        if array.ndim == 4 and array.shape[-1] == 1:
            array = array[..., 0]
        if array.ndim != 3:
            raise InputError(f"{path}: array of shape {tuple(array.shape)}; expected (T, H, W) alpha frames")
        kind = path.suffix.lower().lstrip(".")
        super().__init__(path, [f"{t:05d}" for t in range(array.shape[0])], f"{kind}:{array.dtype}",
                         precision=precision)
        self._array = array

    def __getstate__(self):  # a Dask worker re-opens the file rather than receiving the array
        return {**self.__dict__, "_array": None}

    def read(self, i: int, notes: list[str] | None = None) -> np.ndarray:
        if self._array is None:
            array = _load(self.path)
            self._array = array[..., 0] if array.ndim == 4 else array
        return alpha_from_array(np.asarray(self._array[i]), self.name(i), notes, self.precision)

    def read_rgb(self, i: int) -> np.ndarray:
        raise InputError(f"{self.path}: a NumPy stack holds alpha only, not colour frames")

    def name(self, i: int) -> str:
        return f"{self.path}[{i}]"
