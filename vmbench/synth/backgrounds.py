"""Real photographs for backgrounds (the images that ship with scikit-image) and camera motion.

Only images that `skimage.data` has offline are used. A clip's background is a pan/zoom crop of
one photograph: frame t shows the window centred at c(t) with zoom z(t), resampled with
``cv2.warpAffine`` (bilinear, reflected border), so the background moves like a camera would.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

__all__ = ["BACKGROUNDS", "GRAY_BACKGROUNDS", "load_background", "Camera", "render_background"]

# name -> (skimage.data function, index into a returned tuple or None)
BACKGROUNDS: dict[str, tuple[str, int | None]] = {
    "astronaut": ("astronaut", None),
    "coffee": ("coffee", None),
    "chelsea": ("chelsea", None),
    "rocket": ("rocket", None),
    "hubble": ("hubble_deep_field", None),
    "ihc": ("immunohistochemistry", None),
    "motorcycle": ("stereo_motorcycle", 0),
    "retina": ("retina", None),
    "camera": ("camera", None),
    "brick": ("brick", None),
    "grass": ("grass", None),
    "gravel": ("gravel", None),
    "coins": ("coins", None),
    "clock": ("clock", None),
    "moon": ("moon", None),
}

GRAY_BACKGROUNDS = frozenset({"camera", "brick", "grass", "gravel", "coins", "clock", "moon"})


@lru_cache(maxsize=None)
def _load_u8(name: str) -> np.ndarray:
    import skimage.data

    func, index = BACKGROUNDS[name]
    image = getattr(skimage.data, func)()
    if index is not None:
        image = image[index]
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    image = np.ascontiguousarray(image[:, :, :3], dtype=np.uint8)
    image.setflags(write=False)
    return image


def load_background(name: str) -> np.ndarray:
    """The photograph `name` as read-only uint8 (h, w, 3) RGB."""
    return _load_u8(name)


class Camera:
    """Pan/zoom path over a photograph, fitted to an output of (height, width).

    At zoom 1 the window is the largest crop of the output's aspect ratio; zoom z shows 1/z of it.
    Centre and zoom move linearly from (c0, z0) to (c1, z1) over the clip.
    """

    def __init__(self, *, src_hw: tuple[int, int], out_hw: tuple[int, int], c0, c1, z0: float, z1: float):
        self.src_hw = src_hw
        self.out_hw = out_hw
        self.c0 = np.asarray(c0, dtype=np.float64)
        self.c1 = np.asarray(c1, dtype=np.float64)
        self.z0 = float(z0)
        self.z1 = float(z1)

    @staticmethod
    def crop_width(src_hw, out_hw) -> float:
        sh, sw = src_hw
        h, w = out_hw
        return float(min(sw, sh * w / h))

    def matrix(self, s: float) -> np.ndarray:
        """2x3 affine matrix mapping output pixel centres to source pixels at clip fraction s."""
        h, w = self.out_hw
        z = self.z0 + (self.z1 - self.z0) * s
        c = self.c0 + (self.c1 - self.c0) * s
        k = self.crop_width(self.src_hw, self.out_hw) / z / w
        return np.array(
            [[k, 0.0, c[0] - 0.5 - k * (w / 2 - 0.5)], [0.0, k, c[1] - 0.5 - k * (h / 2 - 0.5)]],
            dtype=np.float64,
        )


def render_background(image_u8: np.ndarray, camera: Camera, s: float) -> np.ndarray:
    """The background frame at clip fraction s in [0, 1], float32 (H, W, 3) in [0, 1]."""
    h, w = camera.out_hw
    src = _prescaled(image_u8, camera)
    m = camera.matrix(s).copy()
    f = src.shape[1] / image_u8.shape[1]
    m *= f  # source coordinates of the prescaled image
    m[:, 2] += 0.5 * f - 0.5
    out = cv2.warpAffine(src, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_REFLECT_101)
    return np.clip(out, 0.0, 1.0)


_PRESCALE_CACHE: dict = {}


def _prescaled(image_u8: np.ndarray, camera: Camera) -> np.ndarray:
    """The photograph resized once so that zoom 1 is about one source pixel per output pixel.

    Downscaling with area averaging avoids aliasing; warping then only magnifies.
    """
    cw = Camera.crop_width(camera.src_hw, camera.out_hw)
    f = camera.out_hw[1] / cw
    key = (id(image_u8), round(f, 9))
    hit = _PRESCALE_CACHE.get(key)
    if hit is not None:
        return hit
    sh, sw = image_u8.shape[:2]
    size = (max(1, int(round(sw * f))), max(1, int(round(sh * f))))
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    out = cv2.resize(image_u8, size, interpolation=interp).astype(np.float32) / np.float32(255.0)
    if len(_PRESCALE_CACHE) > 8:
        _PRESCALE_CACHE.clear()
    _PRESCALE_CACHE[key] = out
    return out
