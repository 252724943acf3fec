"""Build `vmbench._aot`: the scoring kernels compiled ahead of time, so a process starts without Numba.

    python -m vmbench.aot build [--out FILE]   # what `pip install` runs (setup.py); needs a C compiler
    python -m vmbench.aot signatures           # re-record vmbench/aot_signatures.json (after a kernel change)
    python -m vmbench.aot status               # is the build in use here, and if not, why

The kernels of `vmbench.jit.AOT_MODULES` are compiled with `numba.pycc` for every argument-type
signature in the table, which `signatures` records by scoring small synthetic frames through every
plain protocol, 8-bit and float, from arrays and from files. Each kernel keeps its Numba options;
``nogil`` kernels release the GIL in the compiled module too, so threads score frames in parallel.
"""

from __future__ import annotations

import argparse
import os
import contextlib
import importlib
import json
import sys
import sysconfig
import tempfile
from pathlib import Path

import numpy as np

from vmbench import jit

__all__ = ["build", "record_signatures"]

_SUPPORTED_OPTIONS = {"cache", "nogil", "inline"}  # options the compiled module honours (the rest would be lost)


def _kernel_modules() -> list[str]:
    return ["vmbench." + rel[:-3].replace("/", ".") for rel in jit.AOT_MODULES]


def _numba_type(key):
    """The Numba type of one argument key (`vmbench.jit.arg_key`)."""
    from numba.core import types
    from numba.np.numpy_support import from_dtype

    if isinstance(key, tuple) and key[0] == "a":
        _, dtype, ndim, layout, writeable, aligned = key
        return types.Array(from_dtype(np.dtype(dtype)), ndim, layout, readonly=not writeable, aligned=aligned)
    if isinstance(key, tuple) and key[0] == "t":
        return types.Tuple([_numba_type(k) for k in key[1:]])
    if key == "bool":
        return types.boolean
    if key == "none":
        return types.none
    return getattr(types, key)


@contextlib.contextmanager
def _gil_released():
    """Compile pycc's Python wrappers so they release the GIL around the kernel, as ``nogil`` does."""
    import numba.pycc.compiler as pycc_compiler

    plain = pycc_compiler.Flags

    class NoGilFlags(plain):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.release_gil = True

    pycc_compiler.Flags = NoGilFlags
    try:
        yield
    finally:
        pycc_compiler.Flags = plain


def build(out: Path, verbose: bool = False) -> Path:
    """Compile every signature of the table into the extension module `out` (vmbench/_aot.<suffix>)."""
    from numba.core import types
    from numba.pycc import CC

    for name in _kernel_modules():
        importlib.import_module(name)
    kernels = {k.name: k for k in jit._KERNELS}
    out = Path(out).resolve()
    cc = CC("_aot")
    cc.output_dir = str(out.parent)
    cc.output_file = out.name
    cc.verbose = verbose
    cc.target_cpu = target_cpu()
    tuned = cc.target_cpu == "host"
    for i, (name, key) in enumerate(jit.signature_table()):
        kernel = kernels.get(name)
        if kernel is None:
            raise RuntimeError(f"aot_signatures.json names {name}, which no module in vmbench.jit.AOT_MODULES defines")
        unsupported = set(kernel.options) - _SUPPORTED_OPTIONS
        if unsupported or not kernel.options.get("nogil"):
            raise RuntimeError(f"{name}: only nogil kernels with options {sorted(_SUPPORTED_OPTIONS)} are built ahead of time")
        cc.export(f"k{i}", tuple(_numba_type(k) for k in key))(kernel.py_func)

    def marker():
        return 0

    cc.export(f"h_{jit.source_hash()}", types.int64())(marker)
    if tuned:  # vmbench.jit then uses the module only on this CPU (it compares this marker)
        cc.export(f"c_{jit.cpu_fingerprint()}", types.int64())(marker)
    out.parent.mkdir(parents=True, exist_ok=True)
    with _gil_released():
        cc.compile()
    return out


def target_cpu() -> str:
    """"host" (this CPU's vector units; the build then runs only here) where /proc/cpuinfo names the
    CPU, else LLVM's generic one; VMBENCH_AOT_CPU=generic makes a portable build (a wheel to copy)."""
    wanted = os.environ.get("VMBENCH_AOT_CPU", "")
    if wanted:
        return "" if wanted == "generic" else wanted
    return "host" if jit.cpu_fingerprint() else ""


def default_output() -> Path:
    """Where an in-place build goes: vmbench/_aot<extension suffix>, beside vmbench/jit.py."""
    return Path(jit.__file__).resolve().parent / ("_aot" + sysconfig.get_config_var("EXT_SUFFIX"))


# --- the signature table -------------------------------------------------------------------------

def _frames(rng: np.random.Generator, h: int = 48, w: int = 64) -> list[tuple[np.ndarray, np.ndarray]]:
    """Ground truth with flat 0/1 regions and a soft edge; predictions flat, noisy and uniform noise."""
    yy, xx = np.mgrid[0:h, 0:w]
    soft = np.clip((20.0 - np.hypot(yy - h / 2, xx - w / 2)) / 6.0, 0.0, 1.0)
    gt = np.round(soft * 255).astype(np.uint8)
    noisy = np.clip(soft + rng.normal(0, 0.02, soft.shape), 0, 1)
    return [(gt, gt.copy()),
            (np.round(noisy * 255).astype(np.uint8), gt),
            (rng.integers(0, 256, (h, w), dtype=np.uint8), gt)]


def _score_arrays(rng: np.random.Generator, h: int = 48, w: int = 64, read_only_too: bool = True) -> list[dict]:
    """Every plain protocol, every metric, on 8-bit and float frames (writeable, and read-only too),
    with trimaps and flow; returns the rows ({protocol, float, read_only, metric: value})."""
    from vmbench.protocols import PROTOCOLS, ClipScorer
    from vmbench.trimaps import trimap_from_alpha

    frames = _frames(rng, h, w)
    rows = []
    for proto in PROTOCOLS.values():
        for read_only in (False, True) if read_only_too else (False,):
            for as_float in (False, True):
                scorer = ClipScorer(proto, proto.available_metrics)
                for pred, gt in frames:
                    p, g = (pred.astype(np.float32) / 255, gt.astype(np.float32) / 255) if as_float else (pred.copy(), gt.copy())
                    for a in (p, g):
                        a.setflags(write=not read_only)  # frames straight from np.load(mmap_mode="r"), frombuffer
                    extra = {}
                    if proto.uses_trimap:
                        extra["trimap"] = trimap_from_alpha(gt, radius=3)
                    if proto.needs_flow:
                        extra["flow"] = (rng.normal(0, 2, (*gt.shape, 2)).astype(np.float32),
                                         (rng.random(gt.shape) > 0.1).astype(np.uint8))
                    if "fgr_MAD" in proto.available_metrics:
                        extra["pred_fgr"] = rng.random((*gt.shape, 3), dtype=np.float32)
                        extra["gt_fgr"] = rng.random((*gt.shape, 3), dtype=np.float32)
                    rows.append({"protocol": proto.name, "float": as_float, "read_only": read_only,
                                 **scorer.add(p, g, **extra)})
    return rows


def _score_files(rng: np.random.Generator, root: Path, third_party: bool = True) -> None:
    """`evaluate` from files: 8-bit and 16-bit PNG, JPEG, float TIFF and .npy, and a lossless video."""
    import cv2

    from vmbench.evaluate import evaluate

    frames = _frames(rng)
    trees = {"png8": ".png", "png16": ".png", "jpg": ".jpg", "tiff": ".tiff"} if third_party else {"png8": ".png"}
    for kind, ext in trees.items():
        for side in ("pred", "gt"):
            clip = root / kind / side / "clip"
            clip.mkdir(parents=True)
            for i, pair in enumerate(frames):
                img = pair[0 if side == "pred" else 1]
                img = (img.astype(np.uint16) * 257 if kind == "png16" else
                       img.astype(np.float32) / 255 if kind == "tiff" else img)
                cv2.imwrite(str(clip / f"{i:04d}{ext}"), img)
        for precision in ("u8", "float"):
            evaluate(root / kind / "pred", root / kind / "gt", protocol="rvm", workers=1, precision=precision)
    for side in ("pred", "gt"):
        (root / "npy" / side).mkdir(parents=True)
        np.save(root / "npy" / side / "clip.npy", np.stack([p[0 if side == "pred" else 1] for p in frames]).astype(np.float32) / 255)
    evaluate(root / "npy" / "pred", root / "npy" / "gt", protocol="rvm", workers=1, precision="float")
    if third_party:
        _score_video(root, frames)


def _score_video(root: Path, frames) -> None:
    import av

    from vmbench.evaluate import evaluate

    for side in ("pred", "gt"):
        folder = root / "video" / side
        folder.mkdir(parents=True)
        with av.open(str(folder / "clip.mkv"), "w") as container:
            stream = container.add_stream("ffv1", rate=25)
            stream.width, stream.height, stream.pix_fmt = frames[0][0].shape[1], frames[0][0].shape[0], "gray"
            for pair in frames:
                img = pair[0 if side == "pred" else 1]
                container.mux(stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="gray")))
            container.mux(stream.encode())
    evaluate(root / "video" / "pred", root / "video" / "gt", protocol="rvm", workers=1)


def record_signatures(third_party: bool = True) -> dict[str, list]:
    """{kernel name: [argument keys]} of the calls the workloads make into `vmbench.jit.AOT_MODULES`.

    Without `third_party`, only the frames whose arrays vmbench makes itself (arrays, its PNG
    decoder, .npy): OpenCV's and PyAV's decoders may hand over other layouts in other versions."""
    rng = np.random.default_rng(0)
    jit.record(True)
    try:
        _score_arrays(rng)
        with tempfile.TemporaryDirectory() as tmp:
            _score_files(rng, Path(tmp), third_party)
    finally:
        calls = jit.record(False)
    modules = tuple(_kernel_modules())
    table: dict[str, list] = {}
    for name, key in sorted(calls, key=repr):
        if name.rsplit(".", 1)[0] in modules and None not in key:
            table.setdefault(name, []).append(key)
    return table


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vmbench.aot", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="compile vmbench/_aot (needs Numba and a C compiler)")
    b.add_argument("--out", type=Path, default=None, help="the extension file (default: beside vmbench/jit.py)")
    b.add_argument("--verbose", action="store_true")
    sub.add_parser("signatures", help="re-record vmbench/aot_signatures.json")
    sub.add_parser("status", help="one line: is the ahead-of-time build in use here")
    args = ap.parse_args(argv)
    if args.command == "build":
        print(build(args.out or default_output(), verbose=args.verbose))
    elif args.command == "signatures":
        table = record_signatures()
        jit.SIGNATURES.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
        print(f"{jit.SIGNATURES}: {sum(map(len, table.values()))} signatures of {len(table)} kernels")
    else:
        print(f"ahead-of-time kernels: {jit.aot_status()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
