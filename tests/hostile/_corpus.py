"""Shared helpers of the hostile corpus: run the CLI in-process, read its answer, make inputs.

Each hostile case asserts the *class* of answer: an error line (``vmbench: error: ...``, exit 2),
a note (``vmbench: note: ...``), or a number worked out independently in the test. `Answer`
holds what one in-process ``vmbench.cli.main`` call printed, so tests check all three the same way.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Answer", "run_cli", "write_result", "tree_digest", "write_frames", "plain_pair"]


@dataclass
class Answer:
    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return [ln for ln in self.err.splitlines() if ln.startswith("vmbench: error:")]

    @property
    def notes(self) -> list[str]:
        return [ln for ln in (self.err + "\n" + self.out).splitlines() if ln.startswith("vmbench: note:")]

    def refused(self, *fragments: str) -> bool:
        """Exit 2 with exactly one error line that holds every fragment, and no traceback."""
        lines = self.error_lines
        return (self.code == 2 and len(lines) == 1 and "Traceback" not in self.err
                and all(f in lines[0] for f in fragments))


def run_cli(capsys, argv: list[str]) -> Answer:
    """One in-process ``vmbench`` call; argparse's SystemExit becomes its exit code."""
    from vmbench.cli import main

    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse: usage errors exit 2, --help exits 0
        code = exc.code if isinstance(exc.code, int) else 2
    cap = capsys.readouterr()
    return Answer(int(code), cap.out, cap.err)


def write_result(path: Path, summary: dict, *, protocol: str = "rvm", clips: list[str] | None = None,
                 frames: int = 2, run: dict | None = None, clip_values: dict | None = None) -> Path:
    """A result JSON in the pinned four-key format; per-clip rows carry `clip_values` or the summary."""
    clips = ["c0", "c1"] if clips is None else clips
    rows, frame_rows = [], []
    for i, c in enumerate(clips):
        vals = {m: (clip_values[m][i] if clip_values and m in clip_values else v) for m, v in summary.items()}
        rows.append({"dataset": "d", "clip": c, "frames": frames, **vals})
        frame_rows += [{"dataset": "d", "clip": c, "frame": f"{t:04d}", **vals} for t in range(frames)]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps({"protocol": protocol, "summary": summary, "clips": rows, "frames": frame_rows}))
    if run is not None:
        p = Path(path)  # the sidecar rule of docs/formats.md: x.json -> x.run.json, x.other -> x.other.run.json
        p.with_name((p.stem if p.suffix == ".json" else p.name) + ".run.json").write_text(json.dumps(run))
    return Path(path)


def tree_digest(root: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under `root` (to prove nothing a user gave was changed)."""
    root = Path(root)
    if root.is_file():
        return {root.name: hashlib.sha256(root.read_bytes()).hexdigest()}
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def write_frames(folder: Path, frames: list, *, ext: str = ".png") -> Path:
    """Write (H, W) uint8 arrays as 0000.png, 0001.png, ... in `folder`."""
    import cv2

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for t, a in enumerate(frames):
        assert cv2.imwrite(str(folder / f"{t:04d}{ext}"), a)
    return folder


def plain_pair(root: Path, *, clips: int = 1, frames: int = 2, size: tuple[int, int] = (8, 8), seed: int = 0):
    """pred/ and gt/ trees in the ROOT/<clip>/<frame> layout with random 8-bit mattes; returns both."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pred, gt = Path(root) / "pred", Path(root) / "gt"
    for c in range(clips):
        write_frames(gt / f"clip{c}", [rng.integers(0, 256, size, dtype=np.uint8) for _ in range(frames)])
        write_frames(pred / f"clip{c}", [rng.integers(0, 256, size, dtype=np.uint8) for _ in range(frames)])
    return pred, gt
