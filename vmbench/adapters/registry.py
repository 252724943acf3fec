"""Finding adapters by name: built-ins, installed plug-ins, and a user's own ``module:Class``.

Built-ins are listed as lazy ``"module:Class"`` strings, so listing never imports a model (a
missing optional dependency only marks that adapter unavailable). Third-party packages add
adapters through the entry-point group ``vmbench.adapters`` (name = adapter name, value =
``module:Class``). ``--adapter module:Class`` or ``--adapter path/to/file.py:Class`` loads a
class without editing vmbench or installing anything.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from vmbench.adapters.base import Adapter, Track, default_weights_dir
from vmbench.errors import InputError

__all__ = [
    "BUILTIN_ADAPTERS",
    "ENTRY_POINT_GROUP",
    "AdapterInfo",
    "list_adapters",
    "load_adapter_class",
    "create_adapter",
    "resolve_weights",
    "BUILTIN_CAVEATS",
    "builtin_caveat",
]

ENTRY_POINT_GROUP = "vmbench.adapters"

BUILTIN_ADAPTERS: dict[str, str] = {
    "rvm": "baselines.rvm.adapter:RVMAdapter",
    "rvm-mobilenetv3": "baselines.rvm.adapter:RVMMobileNetV3Adapter",
    "rvm-resnet50": "baselines.rvm.adapter:RVMResNet50Adapter",
    "rvm-onnx": "baselines.rvm.onnx_adapter:RVMOnnxAdapter",
    "oavm": "baselines.oavm.adapter:OAVMAdapter",
    "vrmdiff": "baselines.diffusion.vrmdiff:VRMDiffAdapter",
    "gvm": "baselines.diffusion.gvm:GVMAdapter",
    "videomama": "baselines.diffusion.videomama:VideoMaMaAdapter",
    "trimap-cf": "baselines.classical.trimap:TrimapCFAdapter",
    "trimap-knn": "baselines.classical.trimap:TrimapKNNAdapter",
    "mask-guided-filter": "baselines.classical.mask_refine:MaskGuidedFilterAdapter",
    "mask-as-matte": "baselines.classical.lower_bounds:MaskAsMatteAdapter",
    "ffm-propagate": "baselines.classical.propagate:FFMPropagateAdapter",
    "ffm-static": "baselines.classical.lower_bounds:FFMStaticAdapter",
    "caption-color-prior": "baselines.classical.caption:CaptionColorPriorAdapter",
    "none-background-diff": "baselines.classical.background_diff:BackgroundDiffAdapter",
}


# Shown beside a built-in method's measured leaderboard rows: what a reader must know to read them.
_RVM_ON_SYNTHETIC = "a human-matting model on a synthetic, non-human set: a reference point, not RVM's quality"
BUILTIN_CAVEATS: dict[str, str] = {
    "rvm": _RVM_ON_SYNTHETIC,
    "rvm-mobilenetv3": _RVM_ON_SYNTHETIC,
    "rvm-resnet50": _RVM_ON_SYNTHETIC,
    "rvm-onnx": _RVM_ON_SYNTHETIC + "; the authors' ONNX graph, which refines at ratio 1 too",
    "caption-color-prior": "caption words to colour segments, no learned weights: a floor, not a method",
}


def builtin_caveat(method: str) -> str | None:
    """The note a leaderboard shows beside a built-in method's rows (None for other names)."""
    return BUILTIN_CAVEATS.get(method)


@dataclass
class AdapterInfo:
    """One listed adapter: where it comes from and whether it can be imported."""

    name: str
    target: str  # "module:Class" or "file.py:Class"
    source: str  # "built-in", "entry point" or "user"
    cls: type | None = None
    error: str | None = None

    @property
    def available(self) -> bool:
        return self.cls is not None


def _entry_points() -> dict[str, str]:
    from importlib.metadata import entry_points

    try:
        eps = entry_points(group=ENTRY_POINT_GROUP)
    except TypeError:  # pragma: no cover - Python < 3.10 API
        eps = entry_points().get(ENTRY_POINT_GROUP, [])
    return {ep.name: ep.value for ep in eps}


def _import_target(target: str) -> type:
    """Import ``module:Class`` or ``path/to/file.py:Class``; raises InputError with the reason."""
    module_part, sep, attr = target.rpartition(":")
    if not sep or not module_part or not attr:
        raise InputError(f"{target}: adapter must be given as module:Class or path/to/file.py:Class")
    if module_part.endswith(".py") or "/" in module_part or "\\" in module_part:
        path = Path(module_part).expanduser().resolve()
        if not path.is_file():
            raise InputError(f"{path}: adapter file does not exist")
        mod_name = "vmbench_user_adapter_" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
        spec = importlib.util.spec_from_file_location(mod_name, path)
        if spec is None or spec.loader is None:
            raise InputError(f"{path}: cannot load as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(mod_name, None)
            raise InputError(f"{path}: importing the adapter file failed ({type(exc).__name__}: {exc})") from exc
    else:
        try:
            module = importlib.import_module(module_part)
        except Exception as exc:
            raise InputError(f"{target}: cannot import {module_part} ({type(exc).__name__}: {exc})") from exc
    cls = getattr(module, attr, None)
    if cls is None:
        raise InputError(f"{target}: {module_part} has no attribute {attr!r}")
    return cls


def _check_class(cls, target: str) -> None:
    missing = [a for a in ("name", "track", "needs_weights", "load", "predict") if not hasattr(cls, a)]
    if missing:
        raise InputError(f"{target}: not a vmbench adapter (missing {', '.join(missing)}; "
                         "see vmbench.adapters.base.Adapter)")
    try:
        Track(getattr(cls, "track"))
    except ValueError:
        raise InputError(f"{target}: track {getattr(cls, 'track')!r} is not one of "
                         f"{', '.join(t.value for t in Track)}") from None


def _targets() -> list[tuple[str, str, str]]:
    rows = [(n, t, "built-in") for n, t in BUILTIN_ADAPTERS.items()]
    rows += [(n, t, "entry point") for n, t in sorted(_entry_points().items()) if n not in BUILTIN_ADAPTERS]
    return rows


def list_adapters() -> list[AdapterInfo]:
    """Every known adapter, importing each to see whether it is usable (errors are recorded)."""
    out = []
    for name, target, source in _targets():
        try:
            cls = _import_target(target)
            _check_class(cls, target)
        except InputError as exc:
            cause = exc.__cause__
            reason = f"{type(cause).__name__}: {cause}" if cause is not None else str(exc)
            out.append(AdapterInfo(name, target, source, None, reason))
        else:
            out.append(AdapterInfo(name, target, source, cls))
    return out


def load_adapter_class(name: str | None = None, *, spec: str | None = None) -> type:
    """The adapter class for a registered `name`, or for `spec` (``module:Class`` / ``file.py:Class``)."""
    if spec is not None:
        cls = _import_target(spec)
        _check_class(cls, spec)
        return cls
    if name is None:
        raise InputError("give an adapter name (see `vmbench run-baseline --list`) or --adapter module:Class")
    targets = {n: t for n, t, _ in _targets()}
    if name not in targets:
        raise InputError(f"unknown adapter {name!r}; available: {', '.join(sorted(targets))}")
    cls = _import_target(targets[name])
    _check_class(cls, targets[name])
    return cls


def create_adapter(name: str | None = None, *, spec: str | None = None) -> Adapter:
    """An instance of the adapter (classes are constructed without arguments)."""
    cls = load_adapter_class(name, spec=spec)
    try:
        return cls()
    except Exception as exc:
        raise InputError(f"{spec or name}: constructing {cls.__name__}() failed ({type(exc).__name__}: {exc})") from exc


def resolve_weights(adapter, weights: Path | None) -> Path | None:
    """The weights path to use: `weights`, else the adapter's own ``find_weights()`` when it has one,
    else ``default_weights_dir()/weights_filename``, else the adapter's ``shipped_weights`` (weights
    inside the package); None if the adapter needs none.

    Raises InputError naming where the file belongs when the adapter needs weights that are absent
    (the adapter's ``missing_weights_message(path)`` when it has one).
    """
    if not getattr(adapter, "needs_weights", False):
        return Path(weights) if weights is not None else None
    explain = getattr(adapter, "missing_weights_message", None)
    finder = getattr(adapter, "find_weights", None)
    if weights is None and callable(finder):
        found = finder()
        if found is None:
            raise InputError(explain(None) if callable(explain) else f"{adapter.name}: weights not found")
        return Path(found)
    if weights is None:
        filename = getattr(adapter, "weights_filename", None)
        if not filename:
            raise InputError(f"{adapter.name}: needs weights; pass --weights PATH")
        weights = default_weights_dir() / filename
        shipped = getattr(adapter, "shipped_weights", None)  # weights that ship with the package
        if not weights.exists() and shipped is not None and Path(shipped).exists():
            return Path(shipped)
    weights = Path(weights).expanduser()
    if not weights.exists() and callable(explain):
        raise InputError(explain(weights))
    if not weights.exists():
        raise InputError(f"{weights}: weights for {adapter.name} not found (nothing is downloaded; put the "
                         f"file there, set $VMBENCH_WEIGHTS to its folder, or pass --weights PATH)")
    return weights
