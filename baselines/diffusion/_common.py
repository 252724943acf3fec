"""What the three diffusion adapters share: weights folder checks, device/dtype, windowed predict.

Subclasses say which components their diffusers-format folder holds and implement
``_load_models`` and ``_run_window`` (frames of one window at model resolution -> alphas);
this module cuts the clip into windows, resizes, blends and streams the frames back, and turns
an out-of-memory error into a message that says what to change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from baselines.diffusion.windows import (
    blend_stream,
    crossfade_weights,
    padded_indices,
    plan_windows,
    resize_image,
)
from vmbench.adapters.base import ClipInput, Track, default_weights_dir
from vmbench.errors import InputError, VmbenchError

__all__ = [
    "DiffusionAdapterBase",
    "resolve_device",
    "resolve_dtype",
    "read_config",
    "load_scheduler",
    "set_timesteps",
]


def resolve_device(device: str) -> str:
    """``"auto"`` -> ``"cuda"`` when torch sees a GPU, else ``"cpu"``; ``cpu`` / ``cuda[:N]``
    are checked (CUDA must be available); anything else is an InputError."""
    import torch

    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    device = str(device)
    if device == "cpu":
        return device
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise InputError(f"device {device!r}: CUDA is not available on this machine; "
                             f"use --device cpu")
        return device
    raise InputError(f"device {device!r}: unknown device; use cpu, cuda, cuda:N or auto")


def resolve_dtype(device: str, dtype: str | None):
    """The compute dtype: `dtype` if given, else bf16 on a GPU that supports it, fp16 on other
    GPUs, fp32 on the CPU (half precision on CPU is slow and poorly supported)."""
    import torch

    names = {"float32": torch.float32, "fp32": torch.float32, "float16": torch.float16,
             "fp16": torch.float16, "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}
    if dtype is not None:
        if dtype not in names:
            raise InputError(f"dtype {dtype!r}: use one of {', '.join(sorted(names))}")
        return names[dtype]
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def read_config(path: Path) -> dict:
    """A component's JSON config, or InputError naming the file."""
    if not path.is_file():
        raise InputError(f"{path}: missing (expected a diffusers/transformers config file)")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable JSON config ({exc})") from exc


def load_scheduler(folder: Path):
    """The diffusers scheduler whose class ``scheduler_config.json`` names (``_class_name``)."""
    import diffusers

    cfg = read_config(folder / "scheduler_config.json")
    name = cfg.get("_class_name")
    cls = getattr(diffusers, str(name), None)
    if cls is None or not hasattr(cls, "set_timesteps"):
        raise InputError(f"{folder / 'scheduler_config.json'}: unknown scheduler class {name!r}")
    return cls.from_pretrained(folder)


def set_timesteps(scheduler, steps: int, device: str) -> None:
    """``scheduler.set_timesteps`` without the NumPy-2 ``__array__(copy=...)`` DeprecationWarning
    that diffusers' Euler scheduler raises on a torch tensor (nothing a user can act on)."""
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="__array__ implementation doesn't accept a copy",
                                category=DeprecationWarning)
        scheduler.set_timesteps(steps, device=device)


class DiffusionAdapterBase:
    """Windowed, resized, streamed prediction around a per-window diffusion model.

    Subclasses set ``name``, ``track``, ``weights_filename``, ``components`` (subfolder ->
    the file that must be in it), ``DEFAULTS`` (inference options) and implement
    `_check_configs`, `_load_models` and `_run_window`. An option is, in order of precedence:
    the constructor's keyword, the weights folder's optional ``inference.json``, ``DEFAULTS``.
    """

    name: str = ""
    track: Track = Track.NONE
    needs_weights: bool = True
    weights_filename: str | None = None
    components: dict[str, str] = {}
    #: Inference options and their built-in defaults (subclasses extend this).
    DEFAULTS: dict[str, Any] = {"window": 1, "overlap": 0, "num_inference_steps": 1,
                                "resolution": None, "seed": 0}

    def __init__(self, *, dtype: str | None = None, vae_tiling: bool | None = None,
                 **options: Any) -> None:
        unknown = sorted(set(options) - set(self.DEFAULTS))
        if unknown:
            raise InputError(f"{self.name}: unknown option(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(self.DEFAULTS))}")
        self._given = {k: v for k, v in options.items() if v is not None}
        self.dtype_name = dtype
        self.vae_tiling = vae_tiling
        self.device: str | None = None
        self.weights_dir: Path | None = None
        self._configure(self._given, where=self.name)

    def _configure(self, overrides: dict[str, Any], *, where: str) -> None:
        """Set the options from the defaults updated by `overrides`, checking each."""
        opts = {**self.DEFAULTS, **overrides}
        window, overlap, steps = opts["window"], opts["overlap"], opts["num_inference_steps"]
        ints = (window, overlap, steps)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in ints):
            raise InputError(f"{where}: window, overlap and num_inference_steps must be integers")
        if window < 1 or not 0 <= overlap < window:
            raise InputError(f"{where}: need window >= 1 and 0 <= overlap < window, "
                             f"got window={window}, overlap={overlap}")
        if steps < 1:
            raise InputError(f"{where}: num_inference_steps must be >= 1, got {steps}")
        res = opts["resolution"]
        if res is not None and (len(res) != 2 or not all(isinstance(v, int) for v in res)):
            raise InputError(f"{where}: resolution must be [height, width], got {res!r}")
        self.window, self.overlap, self.num_inference_steps = window, overlap, steps
        self.resolution = None if res is None else (int(res[0]), int(res[1]))
        self.seed = int(opts["seed"])
        self._configure_extra(opts, where=where)

    def _configure_extra(self, opts: dict[str, Any], *, where: str) -> None:
        """Subclass hook for options beyond the shared ones."""

    def _folder_options(self, folder: Path) -> dict[str, Any]:
        """Options from ``inference.json`` in the weights folder (optional); {} if absent."""
        path = folder / "inference.json"
        if not path.is_file():
            return {}
        opts = read_config(path)
        if not isinstance(opts, dict):
            raise InputError(f"{path}: must be a JSON object of options")
        unknown = sorted(set(opts) - set(self.DEFAULTS))
        if unknown:
            raise InputError(f"{path}: unknown option(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(self.DEFAULTS))}")
        return opts

    # ---------------------------------------------------------------- loading
    def _weights_folder(self, weights: Path | None) -> Path:
        folder = Path(weights) if weights is not None else default_weights_dir() / str(
            self.weights_filename)
        layout = ", ".join(f"{k}/" for k in self.components)
        if not folder.is_dir():
            raise InputError(
                f"{folder}: {self.name} weights folder not found. Put a diffusers-format folder "
                f"with subfolders {layout} there, or pass --weights DIR (see docs/diffusion.md)")
        for sub, needed in self.components.items():
            if not (folder / sub).is_dir():
                raise InputError(f"{folder}: missing component '{sub}/' "
                                 f"({self.name} needs {layout})")
            if needed and not (folder / sub / needed).is_file():
                raise InputError(f"{folder / sub}: missing {needed}")
        return folder

    def load(self, weights: Path | None, device: str) -> None:
        """Check the folder's configs, then load every component onto `device`."""
        _require_extra(self.name)
        folder = self._weights_folder(weights)
        # Options given to the constructor win over the folder's inference.json.
        self._configure({**self._folder_options(folder), **self._given},
                        where=str(folder / "inference.json"))
        self._check_configs(folder)
        self.device = resolve_device(device)
        self.torch_dtype = resolve_dtype(self.device, self.dtype_name)
        self.weights_dir = folder
        try:
            self._load_models(folder)
        except InputError:
            raise
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            if _is_oom(exc):
                raise self._oom_error(exc, "loading") from exc
            raise InputError(f"{folder}: could not load {self.name} weights ({exc})") from exc
        tiling = self.vae_tiling if self.vae_tiling is not None else self.device.startswith("cuda")
        if tiling:
            for method in ("enable_tiling", "enable_slicing"):
                try:
                    getattr(self.vae, method)()
                except (AttributeError, NotImplementedError):
                    pass

    def _check_configs(self, folder: Path) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _load_models(self, folder: Path) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _model_resolution(self) -> tuple[int, int]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _run_window(self, frames: np.ndarray, guidance: dict[str, Any], generator) -> np.ndarray:
        """float32 (L, h, w, 3) RGB in [0, 1] at model resolution -> float32 (L, h, w) alphas."""
        raise NotImplementedError  # pragma: no cover - abstract

    # ---------------------------------------------------------------- predicting
    def _guidance(self, clip: ClipInput) -> dict[str, Any]:
        """Check the clip carries what the track needs; returns per-clip guidance."""
        return {}

    def _read_guidance(
        self, clip: ClipInput, index: int, size: tuple[int, int], frame_size: tuple[int, int]
    ) -> dict:
        """Per-frame guidance at model resolution (e.g. the coarse mask); none by default."""
        return {}

    def predict(self, clip: ClipInput) -> Iterator[np.ndarray]:
        """Yield float32 (H, W) alphas in [0, 1], one per frame, in order.

        The clip's guidance is checked here, before the first frame is asked for.
        """
        if self.device is None:
            raise VmbenchError(f"{self.name}: call load() before predict()")
        if len(clip) == 0:
            raise InputError(f"{clip.name}: clip has no frames")
        guidance = self._guidance(clip)
        return self._stream(clip, guidance)

    def _stream(self, clip: ClipInput, guidance: dict[str, Any]) -> Iterator[np.ndarray]:
        import torch

        n = len(clip)
        first = clip.read_frame(0)
        out_size = first.shape[:2]
        size = self._model_resolution()
        spans = plan_windows(n, window=self.window, overlap=self.overlap)
        weights = crossfade_weights(spans, n)
        generator = torch.Generator(device="cpu").manual_seed(self.seed)

        def window_outputs():
            for s, e in spans:
                idx = padded_indices(s, e, self.window)
                frames, per_frame, seen = [], [], {}
                for i in idx:
                    if i not in seen:  # padding repeats the last frame: read it once
                        rgb = first if i == 0 else clip.read_frame(i)
                        if rgb.shape[:2] != out_size:
                            raise InputError(f"{clip.frames[i]}: frame size {rgb.shape[:2]} "
                                             f"differs from the first frame's {out_size}")
                        seen[i] = (resize_image(rgb.astype(np.float32) / 255.0, size=size),
                                   self._read_guidance(clip, i, size, out_size))
                    frames.append(seen[i][0])
                    per_frame.append(seen[i][1])
                g = dict(guidance)
                for key in per_frame[0]:
                    g[key] = np.stack([p[key] for p in per_frame])
                try:
                    alphas = self._run_window(np.stack(frames), g, generator)
                except Exception as exc:
                    if _is_oom(exc):
                        raise self._oom_error(exc, f"window {s}..{e - 1} of {clip.name}") from exc
                    raise
                yield [resize_image(a, size=out_size) for a in alphas[: e - s]]

        for alpha in blend_stream(spans, weights, window_outputs()):
            yield np.clip(alpha, 0.0, 1.0).astype(np.float32)

    def _oom_error(self, exc: BaseException, where: str) -> VmbenchError:
        import torch

        if str(self.device).startswith("cuda"):
            torch.cuda.empty_cache()
        h, w = self._model_resolution()
        kind = "GPU memory" if str(self.device).startswith("cuda") else "memory"
        return VmbenchError(
            f"{self.name}: out of {kind} while {where} at model resolution {h}x{w}, "
            f"window {self.window} frames, dtype {self.torch_dtype}, device {self.device}. "
            f"Try a smaller window/resolution option, enable VAE tiling (vae_tiling=True), "
            f"or a GPU with more memory ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})")


def _require_extra(name: str) -> None:
    """VmbenchError saying how to install the `diffusion` extra when a part of it is missing."""
    import importlib.util

    missing = [m for m in ("torch", "diffusers", "transformers", "sentencepiece", "safetensors")
               if importlib.util.find_spec(m) is None]
    if missing:
        raise VmbenchError(f"{name}: needs {', '.join(missing)}; install the diffusion extra: "
                           f"pip install 'vmbench[diffusion]'")


def _is_oom(exc: BaseException) -> bool:
    import torch

    oom = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom is not None and isinstance(exc, oom):
        return True
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()
