"""Side-by-side fidelity check: FTP-VM's own ``evalutation/evaluate_lr.py`` (trimap-wise) against
``vmbench eval --protocol ftpvm``, every per-frame value and the dataset figure.

The reference is loaded from YOUR checkout (nothing of it is copied here):

    git clone https://github.com/csvt32745/FTP-VM     # commit 9fa2c7b was used
    python -m benchmarks.fidelity_ftpvm --ftpvm FTP-VM --work /tmp/fid-ftpvm

Its Evaluator writes an xlsx of formulas; this script reads the formulas back (openpyxl) and
evaluates the AVERAGE cells itself, so the "Frame-wise avg." (B2) is the sheet's own, lagging
column rule included. Data: the embedded benchmark (make-dataset --preset tiny; its own
guidance/trimap files, written as FTP-VM's GT ``trimap/`` folders) with clip lengths 11, 5, 8, 12 and a
hard clip first in sorted order (an all-foreground frame: empty transition and background regions,
a constant prediction, trimap values 1 and 254 at the region edges).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
from pathlib import Path

import numpy as np

from benchmarks.fidelity_common import Worst, embedded_set, embedded_trimap, load_module, plain_clips, prediction, read_u8, write_u8
from vmbench.evaluate import evaluate
from vmbench.trimaps import trimap_from_alpha

LENGTHS = {"multi000": 11, "multi001": 5, "single000": 8, "single001": 12}


def vm_name(ref_name: str) -> str:
    """FTP-VM's sheet name (pha_mad, fg_pha_sad, ...) as vmbench's metric name (MAD, fg_SAD, ...)."""
    base = {"mad": "MAD", "sad": "SAD", "mse": "MSE", "grad": "Grad", "conn": "Conn", "dtssd": "dtSSD"}
    prefix, _, metric = ref_name.rpartition("pha_")
    return f"{prefix}{base[metric]}"


def write_tree(work: Path) -> None:
    for sub in ("true", "pred", "tri"):
        shutil.rmtree(work / sub, ignore_errors=True)
    clips = []
    for d, c, files in plain_clips(embedded_set(work)):
        frames = [read_u8(f) for f in files]
        tris = [embedded_trimap(f) for f in files]
        frames = (frames + frames[::-1])[: LENGTHS[c]]
        tris = (tris + tris[::-1])[: LENGTHS[c]]
        clips.append((d, c, frames, tris))
    base = clips[0][2]
    hard = [np.full_like(base[0], 255)] + base[1:7]
    clips.insert(0, ("hard", "h0", hard, [trimap_from_alpha(g, radius=4) for g in hard]))
    for k, (d, c, frames, tris) in enumerate(clips):
        for t, g in enumerate(frames):
            p = prediction(g, t, seed=k + 1)
            if c == "h0" and t == 2:
                p = np.full_like(p, 77)
            tri = tris[t]
            if c == "h0" and t == 3:
                tri = np.where(tri == 0, 1, np.where(tri == 255, 254, tri)).astype(np.uint8)
            name = f"{t:04d}.png"
            write_u8(work / "true" / d / c / "pha" / name, g)
            write_u8(work / "true" / d / c / "trimap" / name, tri)
            write_u8(work / "tri" / d / c / name, tri)
            write_u8(work / "pred" / d / c / "pha" / name, p)


def sheet_value(ws, cell: str):
    """Evaluate one cell of the reference's sheet: a number, or =AVERAGE(range) of numbers/AVERAGE cells."""
    from openpyxl.utils import range_boundaries

    v = ws[cell].value
    if not isinstance(v, str) or not v.startswith("="):
        return v
    m = re.fullmatch(r"=AVERAGE\((\w+):(\w+)\)", v)
    min_col, min_row, max_col, max_row = range_boundaries(f"{m.group(1)}:{m.group(2)}")
    values = []
    for row in ws.iter_rows(min_row=min_row, max_row=min(max_row, ws.max_row), min_col=min_col,
                            max_col=min(max_col, ws.max_column)):
        for c in row:
            if c.value is None:
                continue
            x = sheet_value(ws, c.coordinate)
            if isinstance(x, (int, float)):
                values.append(float(x))
    return float(np.mean(values))


def grad_in_float64(ref, work: Path, got) -> bool:
    """The Grad family against the reference's own MetricGRAD fed float64 frames: its float32 region
    sums of tiny, cancelling gradient differences are noisier than 1e-6 (4.5e-5 seen on a 3e-7 value)."""
    grad = ref.MetricGRAD()
    worst = Worst()
    for row in got.frames.to_dict(orient="records"):
        rel = Path(row["dataset"], row["clip"])
        name = f"{row['frame']}.png"
        g = read_u8(work / "true" / rel / "pha" / name).astype(np.float32).astype(np.float64) / 255
        p = read_u8(work / "pred" / rel / "pha" / name).astype(np.float32).astype(np.float64) / 255
        tri = read_u8(work / "true" / rel / "trimap" / name)
        fg, bg = tri >= 254, tri <= 1
        values = grad(p, g, [fg, ~(fg | bg), bg])
        for m, v in zip(("Grad", "fg_Grad", "tran_Grad", "bg_Grad"), values):
            worst.add(m, row[m], float(v), f"{rel}/{name}")
    return worst.report("Grad family against the reference's own MetricGRAD run on float64 frames")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ftpvm", type=Path, required=True, help="a csvt32745/FTP-VM checkout")
    parser.add_argument("--work", type=Path, default=Path("/tmp/vmbench-fidelity-ftpvm"))
    args = parser.parse_args()
    import openpyxl

    ref = load_module(args.ftpvm / "evalutation" / "evaluate_lr.py", "ftpvm_evaluate_lr")
    write_tree(args.work)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        ev = ref.Evaluator(str(args.work / "pred"), str(args.work / "true"), num_workers=1, is_trimap_wise=True)
    got = evaluate(args.work / "pred", args.work / "true", protocol="ftpvm", trimap=args.work / "tri", workers=1)
    worst = Worst()
    for dataset, clip, res in ev.results:
        ours = got.frames[(got.frames["dataset"] == dataset) & (got.frames["clip"] == clip)]
        for name, values in res.items():
            m = vm_name(name)
            for t, v in enumerate(values):
                worst.add(m, ours[m].iloc[t], v, f"{dataset}/{clip}[{t}]")
    ok = worst.report(f"per-frame values ({len(got.frames)} frames, {len(ev.results)} clips, {len(res)} metrics)")
    if not ok and all(worst.rel[m] <= 1e-6 or worst.abs[m] <= 1e-9 for m in worst.count if not m.endswith("Grad")):
        ok = grad_in_float64(ref, args.work, got)
    book = openpyxl.load_workbook(args.work / "pred" / "pred.xlsx")
    summary = Worst()
    for name in res:
        summary.add(vm_name(name), got.summary[vm_name(name)], sheet_value(book[name], "B2"))
    ok &= summary.report("dataset figure (the sheet's 'Frame-wise avg.' B2, evaluated from its formulas)")
    print("PASS" if ok else "FAIL")


if __name__ == "__main__":
    main()
