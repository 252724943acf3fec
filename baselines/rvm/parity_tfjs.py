"""Cross-check `MattingNetwork` against the official RVM TensorFlow.js export (mobilenetv3).

The RVM authors publish a TF.js graph model (``model.json`` + ``group1-shard1of1.bin``, the
``tfjs`` branch of PeterL1n/RobustVideoMatting): their own TensorFlow port of the network with
the released MobileNetV3 weights (uint8-quantised, batch norms folded into the convs). This
tool executes that graph with a small NumPy/PyTorch interpreter written here (no TensorFlow
needed), copies the same dequantised weights into our `MattingNetwork` (batch norms set to
identity + offset), and compares fgr, pha and the four recurrent states over a few frames.

Only ``downsample_ratio=1`` is comparable: the TF.js export uses the Fast Guided Filter
refiner, the PyTorch checkpoints the Deep Guided Filter. Nothing is downloaded; pass the two
files (they are not part of vmbench)::

    python -m baselines.rvm.parity_tfjs --model-json model.json --weights-bin group1-shard1of1.bin
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from baselines.rvm.model import MattingNetwork

__all__ = ["load_tfjs_weights", "TfjsGraph", "state_dict_from_tfjs", "compare"]

_PREFIX = "StatefulPartitionedCall/matting_network_wrapper/StatefulPartitionedCall/"
_DEAD = object()  # value of an untaken tf.cond branch


def load_tfjs_weights(model: dict, bin_path: Path) -> dict[str, np.ndarray]:
    """Decode the weight shard: uint8-quantised floats (q * scale + min), int32 and bool."""
    data = Path(bin_path).read_bytes()
    out, offset = {}, 0
    for spec in model["weightsManifest"][0]["weights"]:
        shape = spec["shape"]
        count = int(np.prod(shape)) if shape else 1
        quant = spec.get("quantization")
        if quant:
            assert quant["dtype"] == "uint8", quant
            q = np.frombuffer(data, np.uint8, count, offset).astype(np.float64)
            value = (q * quant["scale"] + quant["min"]).astype(np.float32)
            offset += count
        elif spec["dtype"] == "int32":
            value = np.frombuffer(data, np.int32, count, offset).copy()
            offset += 4 * count
        elif spec["dtype"] == "bool":
            value = np.frombuffer(data, np.bool_, count, offset).copy()
            offset += count
        else:
            value = np.frombuffer(data, np.float32, count, offset).copy()
            offset += 4 * count
        out[spec["name"]] = value.reshape(shape)
    assert offset == len(data), (offset, len(data))
    return out


def _nchw(x):
    return torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2)


def _nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous().numpy()


def _resize_bilinear_half_pixel(x, size):
    return _nhwc(F.interpolate(_nchw(x), size=tuple(int(s) for s in size), mode="bilinear", align_corners=False))


class TfjsGraph:
    """Lazy evaluator for the handful of TF ops the RVM graph uses (NHWC, float32)."""

    def __init__(self, model: dict, weights: dict[str, np.ndarray]) -> None:
        self.nodes = {n["name"]: n for n in model["modelTopology"]["node"]}
        self.weights = weights
        self.signature = model["signature"]

    def run(self, feeds: dict[str, np.ndarray], outputs: list[str]) -> dict[str, np.ndarray]:
        self.cache: dict[str, object] = {}
        self.feeds = feeds
        sig = self.signature["outputs"]
        return {name: self._value(sig[name]["name"] if name in sig else _PREFIX + name) for name in outputs}

    def _value(self, ref: str):
        name, _, index = ref.partition(":")
        result = self._node(name)
        return result[int(index or 0)] if isinstance(result, list) else result

    def _node(self, name: str):
        if name in self.cache:
            return self.cache[name]
        node = self.nodes[name]
        op = node["op"]
        data_inputs = [i for i in node.get("input", []) if not i.startswith("^")]
        controls = [i[1:] for i in node.get("input", []) if i.startswith("^")]
        if op == "Const":
            result = self.weights[name]
        elif op == "Placeholder":
            result = self.feeds[name]
        else:
            args = [self._value(i) for i in data_inputs]
            dead_control = any(self._node_dead(c) for c in controls)
            if op == "Merge":
                live = [a for a in args if a is not _DEAD]
                result = [live[0] if live else _DEAD, 0]
            elif op == "Switch":
                data, pred = args
                if data is _DEAD or pred is _DEAD or dead_control:
                    result = [_DEAD, _DEAD]
                else:
                    result = [_DEAD, data] if bool(np.asarray(pred)) else [data, _DEAD]
            elif any(a is _DEAD for a in args) or dead_control:
                result = _DEAD
            else:
                result = self._compute(op, node.get("attr", {}), args)
        self.cache[name] = result
        return result

    def _node_dead(self, name: str) -> bool:
        result = self._node(name)
        if isinstance(result, list):
            return all(r is _DEAD for r in result)
        return result is _DEAD

    @staticmethod
    def _compute(op: str, attr: dict, a: list):
        if op in ("Identity", "NoOp"):
            return a[0] if a else None
        if op == "Squeeze":
            dims = attr.get("squeeze_dims", {}).get("list", {}).get("i")
            return np.squeeze(a[0], axis=tuple(int(d) for d in dims) if dims else None)
        if op == "Equal":
            return np.equal(a[0], a[1])
        if op == "Shape":
            return np.array(np.shape(a[0]), np.int32)
        if op == "Cast":
            dst = attr["DstT"]["type"]
            return np.asarray(a[0]).astype({"DT_FLOAT": np.float32, "DT_INT32": np.int32}[dst])
        if op in ("Mul", "AddV2", "Add", "Sub", "RealDiv", "Minimum", "Maximum", "FloorMod"):
            fn = {
                "Mul": np.multiply, "AddV2": np.add, "Add": np.add, "Sub": np.subtract,
                "RealDiv": np.divide, "Minimum": np.minimum, "Maximum": np.maximum, "FloorMod": np.mod,
            }[op]
            out = fn(a[0], a[1])
            return out.astype(np.result_type(a[0], a[1])) if op != "RealDiv" else out.astype(np.float32)
        if op == "Square":
            return np.square(a[0])
        if op == "Relu6":
            return np.clip(a[0], 0, 6)
        if op == "Sigmoid":
            return (1 / (1 + np.exp(-a[0].astype(np.float64)))).astype(np.float32)
        if op == "Tanh":
            return np.tanh(a[0])
        if op == "Pack":
            return np.stack([np.asarray(x) for x in a], axis=int(attr.get("axis", {}).get("i", 0)))
        if op == "StridedSlice":
            x, begin, end, strides = a
            shrink = int(attr["shrink_axis_mask"]["i"])
            assert all(int(attr[k]["i"]) == 0 for k in ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask"))
            index = []
            for d, (b, e, s) in enumerate(zip(begin, end, strides)):
                index.append(int(b) if shrink >> d & 1 else slice(int(b), int(e), int(s)))
            return np.asarray(x)[tuple(index)]
        if op == "Slice":
            x, begin, size = a
            index = tuple(slice(int(b), None if int(s) == -1 else int(b) + int(s)) for b, s in zip(begin, size))
            return x[index]
        if op == "Pad":
            return np.pad(a[0], [(int(p0), int(p1)) for p0, p1 in a[1]])
        if op == "Mean":
            axes = tuple(int(i) for i in np.atleast_1d(a[1]))
            return a[0].mean(axis=axes, keepdims=attr["keep_dims"]["b"]).astype(np.float32)
        if op == "ConcatV2":
            return np.concatenate(a[:-1], axis=int(a[-1]))
        if op == "Split":
            axis, x = int(a[0]), a[1]
            return np.split(x, int(attr["num_split"]["i"]), axis=axis)
        if op == "SplitV":
            x, sizes, axis = a
            return np.split(x, np.cumsum(sizes)[:-1], axis=int(axis))
        if op == "BroadcastTo":
            return np.broadcast_to(a[0], tuple(int(s) for s in a[1])).copy()
        if op == "ResizeBilinear":
            assert attr["half_pixel_centers"]["b"] and not attr["align_corners"]["b"]
            return _resize_bilinear_half_pixel(a[0], a[1])
        if op == "AvgPool":
            assert attr["padding"]["s"] == "U0FNRQ=="  # SAME: pad at the end, padding not counted
            k = [int(i) for i in attr["ksize"]["list"]["i"]][1]
            s = [int(i) for i in attr["strides"]["list"]["i"]][1]
            return _nhwc(F.avg_pool2d(_nchw(a[0]), k, s, ceil_mode=True, count_include_pad=False))
        if op == "SpaceToBatchND":
            x, block, pads = a
            bh, bw = (int(v) for v in block)
            x = np.pad(x, [(0, 0), *[(int(p0), int(p1)) for p0, p1 in pads], (0, 0)])
            b, h, w, c = x.shape
            x = x.reshape(b, h // bh, bh, w // bw, bw, c).transpose(2, 4, 0, 1, 3, 5)
            return x.reshape(bh * bw * b, h // bh, w // bw, c)
        if op == "BatchToSpaceND":
            x, block, crops = a
            bh, bw = (int(v) for v in block)
            n, h, w, c = x.shape
            b = n // (bh * bw)
            x = x.reshape(bh, bw, b, h, w, c).transpose(2, 3, 0, 4, 1, 5).reshape(b, h * bh, w * bw, c)
            (t, bo), (le, r) = ((int(p0), int(p1)) for p0, p1 in crops)
            return x[:, t : x.shape[1] - bo, le : x.shape[2] - r]
        if op in ("_FusedConv2D", "Conv2D", "FusedDepthwiseConv2dNative", "DepthwiseConv2dNative"):
            x, w = a[0], a[1]
            strides = [int(i) for i in attr["strides"]["list"]["i"]][1:3]
            dil = [int(i) for i in attr["dilations"]["list"]["i"]][1:3]
            padding = {"VkFMSUQ=": 0, "U0FNRQ==": "same"}[attr["padding"]["s"]]
            if padding == "same":
                assert strides == [1, 1] and w.shape[0] % 2 == 1
                padding = (w.shape[0] // 2 * dil[0], w.shape[1] // 2 * dil[1])
            depthwise = "Depthwise" in op
            if depthwise:
                weight = torch.from_numpy(np.ascontiguousarray(w.transpose(2, 3, 0, 1)))
                groups = w.shape[2]
            else:
                weight = torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1)))
                groups = 1
            y = F.conv2d(_nchw(x), weight, None, tuple(strides), padding, tuple(dil), groups)
            y = _nhwc(y)
            fused = [base64.b64decode(s).decode() for s in attr.get("fused_ops", {}).get("list", {}).get("s", [])]
            for f in fused:
                if f == "BiasAdd":
                    y = y + a[2]
                elif f == "Relu":
                    y = np.maximum(y, 0)
                else:
                    raise NotImplementedError(f)
            return y.astype(np.float32)
        raise NotImplementedError(op)


def _tf_conv(weights: dict, path: str) -> tuple[np.ndarray, np.ndarray | None, str]:
    """(kernel, bias-or-BN-offset, kind) of the conv at `path` (prefix-free TF layer path)."""
    full = _PREFIX + path
    for suffix, kind in (("/Conv2D_weights", "folded"), ("/depthwise_weights", "folded")):
        if full + suffix in weights:
            offset = full + suffix.replace("weights", "bn_offset")
            return weights[full + suffix], weights[offset], kind
    for suffix in ("/Conv2D/ReadVariableOp", "/depthwise/ReadVariableOp"):
        if full + suffix in weights:
            return weights[full + suffix], weights.get(full + "/BiasAdd/ReadVariableOp"), "plain"
    raise KeyError(path)


def _torch_kernel(kernel: np.ndarray, depthwise: bool) -> torch.Tensor:
    axes = (2, 3, 0, 1) if depthwise else (3, 2, 0, 1)  # HW C 1 -> C 1 HW ; HWIO -> OIHW
    return torch.from_numpy(np.ascontiguousarray(kernel.transpose(axes)))


def _set_bn(sd: dict, prefix: str, scale, offset, eps: float) -> None:
    n = len(offset)
    sd[prefix + ".weight"] = torch.as_tensor(np.asarray(scale, np.float32)) if scale is not None else torch.ones(n)
    sd[prefix + ".bias"] = torch.from_numpy(np.asarray(offset, np.float32))
    sd[prefix + ".running_mean"] = torch.zeros(n)
    sd[prefix + ".running_var"] = torch.full((n,), 1.0 - eps)  # so that sqrt(var + eps) == 1


def state_dict_from_tfjs(weights: dict[str, np.ndarray], net: MattingNetwork) -> dict[str, torch.Tensor]:
    """Map the TF.js weights onto `net` (mobilenetv3): folded BN -> identity BN + offset."""
    sd = {k: v.clone() for k, v in net.state_dict().items()}
    names = [n[len(_PREFIX):] for n in weights if n.startswith(_PREFIX)]

    def conv_bn(key: str, path: str, eps: float, depthwise: bool = False) -> None:
        kernel, offset, kind = _tf_conv(weights, path)
        assert kind == "folded", path
        sd[key + ".0.weight"] = _torch_kernel(kernel, depthwise)
        _set_bn(sd, key + ".1", None, offset, eps)

    def conv_plain(key: str, path: str, depthwise: bool = False) -> None:
        full = _PREFIX + path
        sd[key + ".weight"] = _torch_kernel(weights[full + "/Conv2D/ReadVariableOp"], depthwise)
        if key + ".bias" in sd:
            sd[key + ".bias"] = torch.from_numpy(weights[full + "/BiasAdd/ReadVariableOp"].copy())

    enc = "mobile_net_v3_encoder/"
    conv_bn("backbone.features.0", enc + "conv_bn_activation/conv2d", 1e-3)
    for k in range(15):
        ir = "inverted_residual" + (f"_{k}" if k else "")
        layers = {n.split("/")[3] for n in names if n.startswith(f"{enc}{ir}/")}
        inside = sorted(
            (layer for layer in layers if layer.startswith("conv_bn_activation")),
            key=lambda s: int(s.rsplit("_", 1)[1]),
        )
        children = list(net.backbone.features[k + 1].block)
        conv_idx = [i for i, c in enumerate(children) if type(c).__name__ != "SqueezeExcite"]
        assert len(inside) == len(conv_idx), (ir, inside)
        seq = next(n.split("/")[2] for n in names if n.startswith(f"{enc}{ir}/"))
        for layer, idx in zip(inside, conv_idx):
            base = f"{enc}{ir}/{seq}/{layer}/"
            inner = sorted({n[len(base):].split("/")[0] for n in names if n.startswith(base)})
            conv_name = next(i for i in inner if i.startswith(("conv2d", "depthwise_conv2d")))
            depthwise = conv_name.startswith("depthwise")
            key = f"backbone.features.{k + 1}.block.{idx}"
            bn = next((i for i in inner if i.startswith("batch_normalization")), None)
            if bn is None:
                conv_bn(key, base + conv_name, 1e-3, depthwise)
            else:  # dilated depthwise: conv and batch norm kept apart (SpaceToBatch in between)
                kernel = weights[_PREFIX + base + conv_name + "/depthwise/ReadVariableOp"]
                sd[key + ".0.weight"] = _torch_kernel(kernel, True)
                bn_path = _PREFIX + base + bn + "/FusedBatchNormV3/"
                _set_bn(sd, key + ".1", weights[bn_path + "Scaled"], weights[bn_path + "Offset"], 1e-3)
        se = [n for n in names if n.startswith(f"{enc}{ir}/") and "/squeeze_excitation" in n]
        if se:
            idx = next(i for i, c in enumerate(children) if type(c).__name__ == "SqueezeExcite")
            se_base = "/".join(se[0].split("/")[:4]) + "/"
            convs = sorted({n[len(se_base):].split("/")[0] for n in se if n[len(se_base):].startswith("conv2d")},
                           key=lambda s: int(s.rsplit("_", 1)[1]))
            for fc, conv in zip(("fc1", "fc2"), convs):
                conv_plain(f"backbone.features.{k + 1}.block.{idx}.{fc}", se_base + conv)
    conv_bn("backbone.features.16", enc + "conv_bn_activation_45/conv2d_46", 1e-3)
    conv_bn("aspp.aspp1", "lraspp/sequential_15/conv2d_47", 1e-5)
    conv_plain("aspp.aspp2.1", "lraspp/conv2d_48")
    dec = "recurrent_decoder/"
    conv_plain("decoder.decode4.gru.ih.0", dec + "bottleneck_block/conv_gru/conv2d_49")
    conv_plain("decoder.decode4.gru.hh.0", dec + "bottleneck_block/conv_gru/conv2d_50")
    for ours, block, seq, conv, gru, ih, hh in (
        ("decode3", "upsampling_block", "sequential_16", 51, "conv_gru_1", 52, 53),
        ("decode2", "upsampling_block_1", "sequential_17", 54, "conv_gru_2", 55, 56),
        ("decode1", "upsampling_block_2", "sequential_18", 57, "conv_gru_3", 58, 59),
    ):
        conv_bn(f"decoder.{ours}.conv", f"{dec}{block}/{seq}/conv2d_{conv}", 1e-5)
        conv_plain(f"decoder.{ours}.gru.ih.0", f"{dec}{block}/{gru}/conv2d_{ih}")
        conv_plain(f"decoder.{ours}.gru.hh.0", f"{dec}{block}/{gru}/conv2d_{hh}")
    kernel, offset, _ = _tf_conv(weights, dec + "output_block/sequential_19/conv2d_60")
    sd["decoder.decode0.conv.0.weight"] = _torch_kernel(kernel, False)
    _set_bn(sd, "decoder.decode0.conv.1", None, offset, 1e-5)
    kernel, offset, _ = _tf_conv(weights, dec + "output_block/sequential_19/conv2d_61")
    sd["decoder.decode0.conv.3.weight"] = _torch_kernel(kernel, False)
    _set_bn(sd, "decoder.decode0.conv.4", None, offset, 1e-5)
    sd["project_mat.conv.weight"] = _torch_kernel(weights[_PREFIX + "conv2d_62/Conv2D/ReadVariableOp"], False)
    sd["project_mat.conv.bias"] = torch.from_numpy(weights[_PREFIX + "conv2d_62/BiasAdd/ReadVariableOp"].copy())
    return sd


def compare(model_json: Path, weights_bin: Path, *, height: int = 144, width: int = 256, frames: int = 3,
            seed: int = 0) -> list[dict[str, float]]:
    """Max |difference| per output and frame between the TF.js graph and `MattingNetwork`."""
    model = json.loads(Path(model_json).read_text())
    weights = load_tfjs_weights(model, weights_bin)
    graph = TfjsGraph(model, weights)
    net = MattingNetwork("mobilenetv3").eval()
    net.load_state_dict(state_dict_from_tfjs(weights, net), strict=True)
    # The export quantised even the normalisation constants (mean[1] 0.456 -> 0.45588); use the
    # graph's values so that only the architectures are compared.
    mean = weights[_PREFIX + "mobile_net_v3_encoder/Const"]
    inv_std = weights["ConstantFolding/" + _PREFIX + "mobile_net_v3_encoder/truediv_recip"]
    net.backbone.mean.copy_(torch.from_numpy(mean).view(1, 3, 1, 1))
    net.backbone.std.copy_(torch.from_numpy(1 / inv_std).view(1, 3, 1, 1))
    rng = np.random.default_rng(seed)
    # A smooth synthetic frame sequence (random images at low resolution, upsampled).
    base = rng.random((frames, 1, 3, height // 8, width // 8)).astype(np.float32)
    rec_tf = [np.zeros((), np.float32)] * 4
    rec_pt = [None] * 4
    rows = []
    names = ["fgr", "pha", "r1o", "r2o", "r3o", "r4o"]
    with torch.inference_mode():
        for t in range(frames):
            src = F.interpolate(torch.from_numpy(base[t]), size=(height, width), mode="bilinear", align_corners=False)
            feeds = {"src": _nhwc(src), "downsample_ratio": np.array(1.0, np.float32)}
            feeds.update({f"r{i + 1}i": rec_tf[i] for i in range(4)})
            out_tf = graph.run(feeds, names + ["split:1"])  # split:1 = alpha before the clamp
            hooked: list[torch.Tensor] = []
            handle = net.project_mat.register_forward_hook(lambda m, i, o: hooked.append(o[:, 3:]))
            out_pt = net(src, *rec_pt, downsample_ratio=1)
            handle.remove()
            rec_tf = [out_tf[f"r{i + 1}o"] for i in range(4)]
            rec_pt = out_pt[2:]
            row = {n: float(np.abs(_nhwc(p) - out_tf[n]).max()) for n, p in zip(names, out_pt)}
            row["pha_raw"] = float(np.abs(_nhwc(hooked[0]) - out_tf["split:1"]).max())
            row["pha_raw_range"] = float(np.ptp(out_tf["split:1"]))
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-json", type=Path, required=True)
    parser.add_argument("--weights-bin", type=Path, required=True)
    parser.add_argument("--height", type=int, default=144)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--frames", type=int, default=3)
    args = parser.parse_args()
    for t, row in enumerate(compare(args.model_json, args.weights_bin, height=args.height, width=args.width,
                                    frames=args.frames)):
        print(f"frame {t}: " + "  ".join(f"{k}={v:.3g}" for k, v in row.items()))


if __name__ == "__main__":
    main()
