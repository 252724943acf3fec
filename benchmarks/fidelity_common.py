"""Shared pieces of the protocol fidelity scripts (benchmarks/fidelity_*.py): the embedded benchmark
with deterministic predictions, reading frames as the references read them, and the worst-difference
bookkeeping each script prints. No reference code lives here: each script loads it from the
user's own checkout."""

from __future__ import annotations

import importlib.util
import math
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from benchmarks import mattes


def load_module(path: Path, name: str):
    """Import one file of a reference checkout as a module (its folder first on sys.path)."""
    path = Path(path)
    if not path.is_file():
        raise SystemExit(f"{path}: not found; pass the checkout that holds it")
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def embedded_set(work: Path) -> Path:
    """The embedded benchmark (``vmbench make-dataset --preset tiny``) under work/tiny; its plain tree."""
    root = Path(work) / "tiny"
    if not (root / "manifest.json").is_file():
        subprocess.run([sys.executable, "-m", "vmbench", "make-dataset", "--preset", "tiny", "--out", str(root)],
                       check=True, stdout=subprocess.DEVNULL)
    return root / "plain"


def plain_clips(plain: Path) -> list[tuple[str, str, list[Path]]]:
    """(dataset, clip, sorted frame files) of an RVM-layout tree."""
    out = []
    for d in sorted(p for p in plain.iterdir() if p.is_dir()):
        for c in sorted(p for p in d.iterdir() if p.is_dir()):
            out.append((d.name, c.name, sorted((c / "pha").glob("*.png"))))
    return out


def embedded_trimap(frame: Path) -> np.ndarray | None:
    """The embedded benchmark's own trimap of a ground-truth frame (<clip>/guidance/trimap/<frame>), if any."""
    path = frame.parent.parent / "guidance" / "trimap" / frame.name
    return read_u8(path) if path.is_file() else None


def read_u8(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise SystemExit(f"{path}: unreadable")
    return img


def prediction(gt_u8: np.ndarray, t: int, seed: int) -> np.ndarray:
    """A deterministic, realistic 8-bit prediction for a ground-truth frame (benchmarks.mattes)."""
    return np.rint(mattes.pred_frame(gt_u8.astype(np.float32) / 255, t, seed=seed) * 255).astype(np.uint8)


def write_u8(path: Path, img: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not cv2.imwrite(str(path), img):
        raise SystemExit(f"{path}: cannot write")


class Worst:
    """Worst relative difference per metric (absolute where the reference value is 0), NaN agreement."""

    def __init__(self):
        self.rel: dict[str, float] = {}
        self.abs: dict[str, float] = {}
        self.count: dict[str, int] = {}
        self.nan_mismatch: list[str] = []

    def add(self, metric: str, ours, ref, where: str = "") -> None:
        ours, ref = float(ours), float(ref)
        self.count[metric] = self.count.get(metric, 0) + 1
        if math.isnan(ref) or math.isnan(ours):
            if not (math.isnan(ref) and math.isnan(ours)):
                self.nan_mismatch.append(f"{metric} {where}: vmbench {ours} reference {ref}")
            return
        d = abs(ours - ref)
        self.abs[metric] = max(self.abs.get(metric, 0.0), d)
        self.rel[metric] = max(self.rel.get(metric, 0.0), d / abs(ref) if ref else d)

    def report(self, title: str) -> bool:
        """Print one line per metric; True when every value is within 1e-6 relative or 1e-9 absolute."""
        ok = not self.nan_mismatch
        print(title)
        for m in self.count:
            rel, ab = self.rel.get(m, 0.0), self.abs.get(m, 0.0)
            good = rel <= 1e-6 or ab <= 1e-9
            ok &= good
            print(f"  {m:12s} {self.count[m]:5d} values  worst relative {rel:.2e}  worst absolute {ab:.2e}  {'ok' if good else 'FAIL'}")
        for line in self.nan_mismatch:
            print(f"  NaN mismatch: {line}")
        return ok
