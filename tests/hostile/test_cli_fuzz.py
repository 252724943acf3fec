"""CLI fuzz: no argument combination or file content makes `vmbench` end in a traceback.

Hypothesis builds argument lists for the commands that score or compare (eval, gate, leaderboard,
history, pack, verify, datasets, check) from their real option names, hostile values (negative, huge,
NaN, empty, non-numeric) and paths into a temp folder filled with random files (valid and broken
PNGs, random bytes, JSON result files with hostile values). Each call runs in-process
(`vmbench.cli.main`); an exit code, or argparse's SystemExit, is an answer; any other exception
is a failure. Examples are bounded so the file stays well under 30 s on 2 cores.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmbench.cli import main

_NUMBERS = ["0", "-1", "1", "2", "3", "1e9", "nan", "inf", "-inf", "0.5", "abc", "", "2%", "-2%", "1000000%"]
_METRICS = ["MAD", "MSE", "Grad", "Conn", "dtSSD", "SAD", "VIMQ", "RefAcc", "Foo", "", "MAD,MAD", "mad"]
_PROTOCOLS = ["rvm", "rvm-hr", "dim", "maggie", "nonesuch", ""]
_SUMMARY_VALUES = [0.0, 1.5, -1.0, 1e308, None, "x", True, [], {}, math.nan, math.inf]

# per command: (flag, value kind) pairs the fuzzer may add; kinds: num, metric, protocol, path, flag
_OPTIONS = {
    "eval": [("--pred", "path"), ("--gt", "path"), ("--protocol", "protocol"), ("--metrics", "metric"),
             ("--trimap", "path"), ("--trimap-radius", "num"), ("--json", "path"), ("--csv", "path"),
             ("--overwrite", "flag"), ("--workers", "num"), ("--quiet", "flag"), ("--task", "task"),
             ("--vim-weight", "num"), ("--vim-iou", "num"), ("--vim-binarize", "num"), ("--no-progress", "flag"),
             ("--scheduler", "num")],
    "gate": [("", "path"), ("--baseline", "path"), ("--all", "num"), ("--max-regress", "spec")],
    "leaderboard": [("", "path"), ("", "path"), ("--out", "path"), ("--sort", "metric"), ("--no-plots", "flag"),
                    ("--strips", "num"), ("--latex", "path"), ("--force", "flag")],
    "history": [("", "path"), ("", "path"), ("--metric", "metric"), ("--out", "path")],
    "pack": [("", "path"), ("--out", "path"), ("--pred", "path"), ("--gt", "path"), ("--hashes-only", "flag")],
    "verify": [("", "path"), ("--gt", "path"), ("--pred", "path"), ("--rtol", "num")],
    "datasets": [("", "name")],
    "check": [("--pred", "path"), ("--gt", "path"), ("--workers", "num"), ("--task", "task"), ("--dataset", "name")],
}

# what a command needs to get past argparse (drawn first nine times in ten, so most calls reach the code)
_REQUIRED = {
    "eval": (("--pred", "pred"), ("--gt", "gt")),
    "gate": (("", "result"), ("--baseline", "result"), ("--all", "pct")),
    "leaderboard": (("", "result"), ("--out", "path"), ("--no-plots", "flag")),  # plots: seconds each
    "history": (("", "result"), ("--metric", "metric"), ("--out", "path")),
    "pack": (("", "result"), ("--out", "path")),
    "verify": (("", "path"),),
    "check": (("--pred", "pred"), ("--gt", "gt")),
}
# paths likely to be right for a role, drawn half the time (the rest: any path, right or wrong)
_LIKELY = {"pred": ["pred", "pred/clip"], "gt": ["gt", "gt/clip"], "result": ["a.json", "b.json"],
           "pct": ["2%", "0%", "1000%"]}


def _png(rng: np.random.Generator, h: int, w: int) -> bytes:
    ok, buf = cv2.imencode(".png", rng.integers(0, 256, (h, w), dtype=np.uint8))
    assert ok
    return buf.tobytes()


def _result_json(draw_values: list, clips: int) -> bytes:
    summary = {m: v for m, v in zip(("MAD", "VIMQ", "Foo", "RefAcc"), draw_values)}
    rows = [{"dataset": "d", "clip": f"c{i}", "frames": 1, **{k: v for k, v in summary.items() if isinstance(v, float)}}
            for i in range(clips)]
    return json.dumps({"protocol": "rvm", "summary": summary, "clips": rows, "frames": []}).encode()


@st.composite
def _world(draw):
    """A temp folder spec: a pred and a gt tree of PNG-ish frames, plus loose files of any kind."""
    seed = draw(st.integers(0, 2**16))
    shape_gt = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    same_shape = draw(st.integers(0, 3)) > 0
    frames = draw(st.integers(1, 3))
    broken = draw(st.sets(st.integers(0, 5), max_size=2)) if draw(st.booleans()) else set()
    values = st.sampled_from(_SUMMARY_VALUES) if draw(st.booleans()) else st.floats(0, 1)  # hostile or plausible
    results = [_result_json(draw(st.lists(values, min_size=0, max_size=4)), draw(st.integers(0, 2)))
               for _ in range(2)]
    junk = draw(st.binary(max_size=64))
    return seed, shape_gt, same_shape, frames, broken, results, junk


def _build(root: Path, world) -> list[str]:
    seed, shape_gt, same_shape, frames, broken, results, junk = world
    rng = np.random.default_rng(seed)
    shape_pred = shape_gt if same_shape else (shape_gt[0] + 1, shape_gt[1])
    k = 0
    for tree, shape in (("gt", shape_gt), ("pred", shape_pred)):
        for t in range(frames):
            p = root / tree / "clip" / f"{t:04d}.png"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(junk if k in broken else _png(rng, *shape))
            k += 1
    (root / "a.json").write_bytes(results[0])
    (root / "b.json").write_bytes(results[1])
    (root / "junk.bin").write_bytes(junk)
    (root / "emptydir").mkdir()
    return ["gt", "pred", "gt/clip", "pred/clip", "a.json", "b.json", "junk.bin", "emptydir", "gt/clip/0000.png",
            "out", "out/r.json", "missing/x", "a.run.json"]


@st.composite
def _argv(draw, cmd: str, paths: list[str]):
    required = _REQUIRED.get(cmd, ()) if draw(st.sampled_from([True] * 9 + [False])) else ()
    flags = [o for o in _OPTIONS[cmd] if o[0]] or _OPTIONS[cmd]
    extras = draw(st.lists(st.sampled_from(flags), max_size=3)) if draw(st.sampled_from([False, True])) else []
    chosen = list(required) + extras
    argv = [cmd]
    for flag, kind in chosen:
        if kind == "flag":
            argv.append(flag)
            continue
        value = {
            "num": lambda: draw(st.sampled_from(_NUMBERS)),
            "metric": lambda: draw(st.sampled_from(_METRICS)),
            "protocol": lambda: draw(st.sampled_from(_PROTOCOLS)),
            "path": lambda: draw(st.sampled_from(paths)),
            "pct": lambda: draw(st.sampled_from(_LIKELY["pct"] + _NUMBERS)),
            **{role: (lambda role=role: draw(st.sampled_from(_LIKELY[role] + paths))) for role in ("pred", "gt", "result")},
            "spec": lambda: draw(st.sampled_from(_METRICS)) + "=" + draw(st.sampled_from(_NUMBERS)),
            "task": lambda: draw(st.sampled_from(["auto", "plain", "instance", "referring", "x"])),
            "name": lambda: draw(st.sampled_from(["", "nonesuch", "videomatte-lr", "../etc"])),
        }[kind]()
        argv += [flag, value] if flag else [value]
    return argv


@pytest.mark.parametrize("cmd", sorted(_OPTIONS))
@settings(max_examples=30, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_no_traceback_from_any_arguments_or_files(cmd, data):
    world = data.draw(_world())
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = _build(root, world)
        argv = data.draw(_argv(cmd, paths))
        before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
        out, err = io.StringIO(), io.StringIO()
        os.chdir(root)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as exc:  # argparse's answer to a usage error, or --help
                    code = exc.code
        finally:
            os.chdir(cwd)
        assert code in (0, 1, 2, None), (argv, code)  # check/gate/verify: 1 = problems found
        if code == 2:
            assert "vmbench: error:" in err.getvalue(), (argv, err.getvalue())
        # nothing a user gave (the files made above) was changed or deleted
        assert all(p.is_file() and p.read_bytes() == b for p, b in before.items()), argv


_FRAME_KINDS = ("gray8", "gray16", "rgba", "rgb", "junk", "empty", "jpeg-named-png", "float-npy-named-png")


def _frame_bytes(kind: str, rng: np.random.Generator, h: int, w: int) -> bytes:
    if kind == "gray8":
        return _png(rng, h, w)
    if kind == "gray16":
        return cv2.imencode(".png", rng.integers(0, 65536, (h, w), dtype=np.uint16))[1].tobytes()
    if kind in ("rgba", "rgb"):
        c = 4 if kind == "rgba" else 3
        return cv2.imencode(".png", rng.integers(0, 256, (h, w, c), dtype=np.uint8))[1].tobytes()
    if kind == "jpeg-named-png":
        return cv2.imencode(".jpg", rng.integers(0, 256, (h, w), dtype=np.uint8))[1].tobytes()
    if kind == "float-npy-named-png":
        buf = io.BytesIO()
        np.save(buf, rng.random((h, w)))
        return buf.getvalue()
    return b"" if kind == "empty" else rng.bytes(int(rng.integers(1, 40)))


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(seed=st.integers(0, 2**16), h=st.integers(1, 6), w=st.integers(1, 6), frames=st.integers(1, 3),
       kinds=st.lists(st.sampled_from(_FRAME_KINDS[:1] * 6 + _FRAME_KINDS), min_size=6, max_size=6),
       options=st.lists(st.sampled_from([["--protocol", "rvm-hr"], ["--protocol", "dim"], ["--metrics", "MAD,dtSSD"],
                                          ["--metrics", "Conn,Grad"], ["--quiet"], ["--workers", "2"],
                                          ["--json", "out/r.json"], ["--csv", "out/csv"]]), max_size=2))
def test_eval_on_random_frame_contents_never_tracebacks(seed, h, w, frames, kinds, options):
    """Valid trees whose frames are any mix of 8/16-bit, colour, JPEG-in-PNG, NumPy-in-PNG and junk."""
    rng = np.random.default_rng(seed)
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        k = 0
        for tree in ("gt", "pred"):
            for t in range(frames):
                p = root / tree / "clip" / f"{t:04d}.png"
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(_frame_bytes(kinds[k % 6], rng, h, w))
                k += 1
        before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
        argv = ["eval", "--pred", "pred", "--gt", "gt", "--no-progress"] + [x for o in options for x in o]
        err = io.StringIO()
        os.chdir(root)
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as exc:
                    code = exc.code
        finally:
            os.chdir(cwd)
        assert code in (0, 2), (argv, kinds, code)
        if code == 2:
            assert err.getvalue().startswith("vmbench: error:"), (argv, kinds, err.getvalue())
        assert all(p.read_bytes() == b for p, b in before.items())
