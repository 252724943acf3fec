"""MAD and CPU time per frame of the no-weights baselines on an embedded benchmark (not a test).

    python benchmarks/baselines_speed.py ROOT [--out DIR] [--names a,b,...]

MAD x1e3 = mean |pred - gt| over all frames (plain tracks against ROOT/plain/<ds>/<clip>/pha;
the caption track against the clipped sum of each expression's instance alphas), with each
baseline's lower bound computed the same way; ms/frame = the run record's seconds_per_frame.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vmbench.adapters.registry import create_adapter  # noqa: E402
from vmbench.adapters.runner import run_adapter  # noqa: E402
from vmbench.io.frames import list_frames, read_alpha  # noqa: E402

PLAIN = ["mask-as-matte", "mask-guided-filter", "ffm-static", "ffm-propagate", "trimap-cf", "trimap-knn",
         "none-background-diff"]


def plain_mad(root: Path, out: Path, rec: dict) -> float:
    errs = [np.abs(read_alpha(out / c["dataset"] / c["clip"] / "pha" / f.name) - read_alpha(f)).mean()
            for c in rec["clips"] for f in list_frames(root / "plain" / c["dataset"] / c["clip"] / "pha")]
    return 1e3 * float(np.mean(errs))


def bounds(root: Path) -> dict[str, float]:
    gts = list(root.glob("plain/*/*/pha/*.png"))
    def mad(fn):
        return 1e3 * float(np.mean([np.abs(fn(p) - read_alpha(p)).mean() for p in gts]))
    return {"trimap/255": mad(lambda p: read_alpha(p.parents[1] / "guidance/trimap" / p.name)),
            "empty": mad(lambda p: np.zeros_like(read_alpha(p)))}


def caption_mad(root: Path, out: Path, rec: dict) -> tuple[float, float]:
    errs, zero = [], []
    for c in rec["clips"]:
        inst = root / "instance" / c["dataset"]
        video = json.loads((inst / "meta_expressions.json").read_text())["videos"][c["clip"]]
        objs = video["expressions"][c["expression"]]["obj_id"]
        for s in video["frames"]:
            gt = np.clip(sum(read_alpha(inst / c["clip"] / "pha" / o / f"{s}.png") for o in objs), 0, 1)
            errs.append(np.abs(read_alpha(out / c["dataset"] / c["clip"] / c["expression"] / f"{s}.png") - gt).mean())
            zero.append(gt.mean())
    return 1e3 * float(np.mean(errs)), 1e3 * float(np.mean(zero))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", type=Path)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--names", default=",".join(PLAIN + ["caption-color-prior"]))
    args = ap.parse_args()
    out_root = args.out or Path(tempfile.mkdtemp(prefix="vmbench-speed-"))
    print(f"lower bounds: {bounds(args.root)}")
    for name in args.names.split(","):
        out = out_root / name
        rec = run_adapter(create_adapter(name), args.root, out, device="cpu", overwrite=True)
        if name == "caption-color-prior":
            got, zero = caption_mad(args.root, out, rec)
            extra = f"(empty matte {zero:.2f})"
        else:
            got, extra = plain_mad(args.root, out, rec), ""
        print(f"{name:22s} MAD x1e3 {got:8.2f} {extra:22s} ms/frame {1e3 * rec['seconds_per_frame']:8.1f}")


if __name__ == "__main__":
    main()
