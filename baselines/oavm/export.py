"""Turn a training checkpoint into the shipped one and record its held-out scores.

``python -m baselines.oavm.export --ckpt TRAIN.pt --out baselines/oavm/weights/oavm_small.pt``
drops the optimizer and RNG states (inference only: 4x smaller; it can still seed a new run with
``--resume``), then evaluates it with `baselines.oavm.heldout` on two fixed sets and writes
``<out>.json``: the small ``test_set`` that tests/oavm re-scores, and the larger ``heldout`` set.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

__all__ = ["export"]

TEST_SET = {"preset": "tiny", "seed": 7}
HELDOUT = {"preset": "standard", "seed": 1}


def export(ckpt_path: Path, out: Path, *, heldout: dict | None = HELDOUT, note: str = "") -> dict:
    """Write the slim checkpoint to `out` and its record to ``out.with_suffix('.json')``."""
    from baselines.oavm.checkpoint import load_checkpoint, save_checkpoint
    from baselines.oavm.heldout import evaluate_checkpoint

    ckpt = load_checkpoint(ckpt_path)
    slim = {k: ckpt[k] for k in ("format", "config", "state_dict", "train")}
    save_checkpoint(out, slim)
    record = {
        "file": out.name,
        "sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
        "format": slim["format"],
        "model": {
            "parameters": int(sum(v.numel() for v in slim["state_dict"].values())),
            "config": slim["config"],
        },
        "train": slim["train"],
        "note": note,
    }
    sets = {"test_set": TEST_SET}
    if heldout:
        sets["heldout"] = heldout
    for key, spec in sets.items():
        res = evaluate_checkpoint(out, preset=spec["preset"], seed=spec["seed"])
        record[key] = {
            "preset": spec["preset"], "seed": spec["seed"], "clips": res["clips"],
            "long_side": res["long_side"], "target": "union alpha (plain track)",
            "model": res["summary"]["model"], "static": res["summary"]["static"],
            "by_dataset": res["by_dataset"], "seconds": res["seconds"],
            "command": f"python -m baselines.oavm.heldout --preset {spec['preset']} --seed {spec['seed']}",
        }
        print(key, json.dumps(record[key]["model"]), "static", json.dumps(record[key]["static"]), flush=True)
    out.with_suffix(".json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--ckpt", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--no-heldout", action="store_true", help="only the small test set")
    p.add_argument("--note", default="")
    args = p.parse_args(argv)
    export(args.ckpt, args.out, heldout=None if args.no_heldout else HELDOUT, note=args.note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
