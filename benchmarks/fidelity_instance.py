"""Compare vmbench.instance with the reference code itself, on synthetic clips.

    python benchmarks/fidelity_instance.py --vim PATH/TO/SHI-Labs/VIM --maggie PATH/TO/hmchuong/MaGGIe

Loads ``metrics_vim.py`` and ``maggie/utils/metric.py`` from your checkouts (nothing of them is in
vmbench), with tiny stand-ins for their unused imports (torchvision transforms, joblib, the
distributed helpers), runs them on CPU tensors and prints the worst relative difference. Not a test:
it needs the two checkouts. Last run (VIM 6c9d0ce, MaGGIe 62344dd, seed 0): VIM 9.7e-8, MaGGIe <= 1.5e-7.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STUBS = {
    "torchvision/__init__.py": "from . import transforms\n",
    "torchvision/transforms.py": "class Compose:\n    def __init__(self, t): pass\nclass ToTensor:\n    pass\n",
    "joblib/__init__.py": (
        "def delayed(f):\n    return lambda *a, **k: (f, a, k)\n"
        "class Parallel:\n    def __init__(self, n_jobs=1): pass\n"
        "    def __call__(self, jobs): return [f(*a, **k) for f, a, k in jobs]\n"
    ),
    "refmaggie/__init__.py": "",
    "refmaggie/utils/__init__.py": "",
    "refmaggie/utils/dist.py": "def synchronize(): pass\ndef gather(x, dst=0): return [x]\n",
}


def install_stubs(folder: str) -> None:
    """Write STUBS under `folder` and put it first on sys.path (what the reference modules import)."""
    for rel, text in STUBS.items():
        f = Path(folder) / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
    sys.path.insert(0, folder)


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _rel(a, b):
    if a == 0 and b == 0:
        return 0.0
    return abs(float(a) - float(b)) / max(abs(float(b)), 1e-30)


def check_vim(mv, rng, cases=12) -> float:
    import torch

    from vmbench.instance.vim import VimOptions, vim_clip

    worst = 0.0
    for _ in range(cases):
        n, m, T, H, W = rng.integers(1, 4), rng.integers(1, 5), rng.integers(3, 9), 36, 48
        G = np.zeros((n, T, H, W), np.float32)
        for i in range(n):
            for t in range(T):
                y, x = rng.integers(0, H - 12), rng.integers(0, W - 16)
                G[i, t, y:y + 12, x:x + 16] = rng.integers(150, 256) / np.float32(255)
        P = np.clip(G[rng.integers(0, n, m)] + rng.integers(-30, 31, (m, T, H, W)) / np.float32(255), 0, 1)
        P = (np.rint(P * 255) / np.float32(255)).astype(np.float32)
        g, p = torch.from_numpy(G)[:, :, None], torch.from_numpy(P)[:, :, None]
        for err, w in (("MSE", 50.0), ("MAD", 50.0), ("dtSSD", 10.0), ("MSE", 5.0), ("MAD", 2.0)):
            ours = vim_clip(P, G, options=VimOptions(error=err, weight=w))
            rs, tp = mv.recognition(g, p, mv.matching(g, p), 0.5)
            ts = 0.0 if rs == 0 else mv.TP_tracking(g, p, tp)
            ms = 0.0 if rs == 0 else mv.similarity(g, p, tp, w, err)
            worst = max(worst, _rel(ours.RQ, rs), _rel(ours.TQ, ts), _rel(ours.MQ, ms))
    return worst


def check_maggie(mm, rng, cases=3) -> dict:
    from vmbench.instance.maggie import maggie_clip, maggie_pool, maggie_trimap, maggie_windows

    worst: dict[str, float] = {}
    for _ in range(cases):
        N, T, H, W = 2, 7, 48, 64
        G = np.zeros((N, T, H, W), np.float32)
        for i in range(N):
            for t in range(T):
                G[i, t, 8 + 14 * i: 22 + 14 * i, 3 + 2 * t: 40 + 2 * t] = 1
                G[i, t, 7 + 14 * i, 3 + 2 * t: 40 + 2 * t] = 0.5
        G[0, :, :, :3] = 0.7
        P = np.clip(G + rng.integers(-25, 26, G.shape) / np.float32(255), 0, 1)
        P = (np.rint(P * 255) / np.float32(255)).astype(np.float32)
        names = ["MAD", "MAD_unk", "MSE", "SAD", "Grad", "Conn", "dtSSD"]
        ours = maggie_clip(P, G, metrics=names)
        Pc = P.copy()
        Pc[Pc <= 1.0 / 255.0] = 0
        Pc[Pc >= 254.0 / 255.0] = 1
        tri = np.stack([[maggie_trimap(G[i, t]) for i in range(N)] for t in range(T)])
        pt, gtt = Pc.transpose(1, 0, 2, 3), G.transpose(1, 0, 2, 3)
        refs = {k: getattr(mm, k)() for k in ("MAD", "MSE", "SAD", "Grad", "Conn", "dtSSD")}
        refs["MAD_unk"] = mm.MAD()
        for frames, pairs in maggie_windows(T):
            for k, v in refs.items():
                if k == "dtSSD":
                    if pairs:
                        fr = [pairs[0][0], *frames]
                        v.update(pt[fr], gtt[fr])
                    continue
                trimap = (tri[frames] == 1).astype("float32") if k == "MAD_unk" else None
                kwargs = {"device": "cpu"} if k == "Grad" else {}
                v.update(pt[frames], gtt[frames], trimap=trimap, **kwargs)
        for k, v in refs.items():
            worst[k] = max(worst.get(k, 0.0), _rel(maggie_pool([ours[k]]), v.average()))
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vim", type=Path, required=True, help="checkout of SHI-Labs/VIM")
    ap.add_argument("--maggie", type=Path, required=True, help="checkout of hmchuong/MaGGIe")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        install_stubs(tmp)
        mv = _load("ref_metrics_vim", args.vim / "metrics_vim.py")
        mm = _load("refmaggie.utils.metric", args.maggie / "maggie" / "utils" / "metric.py")
        rng = np.random.default_rng(args.seed)
        print(f"VIM RQ/TQ/MQ worst relative difference: {check_vim(mv, rng):.3g}")
        for k, v in check_maggie(mm, rng).items():
            print(f"MaGGIe {k:8s} worst relative difference: {v:.3g}")


if __name__ == "__main__":
    main()
