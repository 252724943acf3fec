"""The README's speed table in one command: pytest-benchmark per content class, then whole processes.

    python -m benchmarks.speed_table            # everything (a few minutes on 2 cores)
    python -m benchmarks.speed_table --no-e2e   # per-frame rows and start-up only
    python -m benchmarks.speed_table --cpu      # per-frame rows in CPU time (steadier on a busy machine)

Runs `benchmarks/test_speed.py` (the rvm metric set and Grad, vmbench against the reference style,
on the four content classes at 512x288 and 1920x1080, in one pytest-benchmark run), then
`benchmarks/startup.py` and `benchmarks/e2e_cli.py` on a 24-frame 1080p clip of each class, and
prints the markdown tables. Ratios are of means measured in the same run; the machine's load moves
them, so run it twice and report both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = {"uniform": 4.0}  # the whole-set target per class; 10x elsewhere


def per_frame(json_path: Path) -> dict[tuple[str, str, str], dict[str, float]]:
    """{(what, class, size): {"vmbench": mean s, "reference": mean s}} from a pytest-benchmark JSON."""
    out: dict = {}
    for bench in json.loads(json_path.read_text())["benchmarks"]:
        what, kind, size = (part.strip() for part in bench["group"].split(","))
        side = "reference" if "reference" in bench["name"] else "vmbench"
        out.setdefault((what, kind, size), {})[side] = bench["stats"]["mean"]
    return out


def frame_table(rows: dict) -> str:
    lines = ["| content | size | rvm set: vmbench ms | reference style ms | ratio | target | Grad: vmbench ms | reference ms | ratio |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    from benchmarks.mattes import CLASSES

    for size in ("512x288", "1920x1080"):
        for kind in CLASSES:
            s, g = rows.get(("rvm set", kind, size)), rows.get(("Grad", kind, size))
            if not s or not g:
                continue
            ratio, target = s["reference"] / s["vmbench"], TARGET.get(kind, 10.0)
            lines.append(f"| {kind} | {size} | {s['vmbench'] * 1e3:.2f} | {s['reference'] * 1e3:.1f} | {ratio:.1f}x "
                         f"{'(met)' if ratio >= target else '(missed)'} | {target:.0f}x | {g['vmbench'] * 1e3:.2f} | "
                         f"{g['reference'] * 1e3:.1f} | {g['reference'] / g['vmbench']:.1f}x |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-e2e", action="store_true", help="skip the whole-process rows")
    ap.add_argument("--cpu", action="store_true",
                    help="per-frame rows in CPU time (time.process_time: every thread's CPU) instead of wall time; "
                         "steadier on a busy machine")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench_json = Path(tmp) / "speed.json"
        timer = ["--benchmark-timer=time.process_time"] if args.cpu else []
        subprocess.run([sys.executable, "-m", "pytest", "benchmarks/test_speed.py", "-q", "-k", "rvm_set or grad",
                        "--benchmark-enable", f"--benchmark-json={bench_json}", "-p", "no:cacheprovider", *timer],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})  # neither side calls BLAS; its idle thread spins (CPU timer)
        print(f"per frame, means of {'CPU' if args.cpu else 'wall'} time:")
        print(frame_table(per_frame(bench_json)))
    from benchmarks import startup

    print()
    print("| start-up, warm | best | median |")
    print("|---|---:|---:|")
    for name, (best, median) in startup.measure().items():
        print(f"| {name} | {best:.3f} s | {median:.3f} s |")
    if args.no_e2e:
        return
    from benchmarks import e2e_cli
    from benchmarks.mattes import CLASSES

    print()
    print("| whole process, 24 frames 1920x1080, best of 3 | vmbench eval wall (CPU) | reference-style script wall (CPU) | ratio wall (CPU) | target |")
    print("|---|---:|---:|---:|---:|")
    for kind in CLASSES:
        with tempfile.TemporaryDirectory() as tmp:
            pred, gt = e2e_cli.class_clip(Path(tmp), kind)
            (ours, ours_cpu), (ref, ref_cpu) = e2e_cli.compare(pred, gt, repeats=3, cpu=True)  # best of 3, each side
        target = "-" if kind == "uniform" else "10x"
        print(f"| {kind} | {ours:.2f} s ({ours_cpu:.2f} s) | {ref:.2f} s ({ref_cpu:.2f} s) | "
              f"{ref / ours:.1f}x ({ref_cpu / ours_cpu:.1f}x) | {target} |", flush=True)


if __name__ == "__main__":
    main()
