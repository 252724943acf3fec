"""The ahead-of-time kernels (vmbench.jit, vmbench.aot): the same numbers as Numba's JIT, used only
when built from these sources on this CPU, and a `vmbench eval` that never imports Numba."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from vmbench import aot, jit
from vmbench.protocols import PROTOCOLS

IN_USE = jit.aot_status().startswith("in use")
needs_build = pytest.mark.skipif(not IN_USE,
                                 reason=f"ahead-of-time kernels {jit.aot_status()} (pip install -e . builds them)")


def test_ci_has_the_build():
    """Where CI has a C compiler the build must be in use: a broken build fails here, not skips."""
    if os.environ.get("CI") and (shutil.which("cc") or shutil.which("gcc")):
        assert IN_USE, jit.aot_status()


@pytest.fixture
def jit_only(monkeypatch):
    """Every kernel through Numba's JIT, as without a build (restored afterwards)."""
    monkeypatch.setattr(jit, "_entries", {})
    for kernel in jit._KERNELS:
        monkeypatch.setattr(kernel, "_table", None)
    yield
    for kernel in jit._KERNELS:
        kernel._table = None


def _score_everything() -> list[dict]:
    """Every plain protocol's every metric on flat, noisy and uniform-noise frames, 8-bit and float."""
    return aot._score_arrays(np.random.default_rng(7), h=72, w=96, read_only_too=False)


@needs_build
def test_compiled_kernels_give_the_jit_numbers(request):
    compiled = _score_everything()
    request.getfixturevalue("jit_only")
    assert jit._aot_entries() == {}
    jitted = _score_everything()
    assert len(compiled) == len(jitted) == 3 * 2 * len(PROTOCOLS)
    for a, b in zip(compiled, jitted):
        assert a.keys() == b.keys()
        for k in a:  # identical to the last bit (NaN where both are NaN)
            assert a[k] == b[k] or (a[k] != a[k] and b[k] != b[k]), (a["protocol"], a["float"], k, a[k], b[k])


def test_signature_table_covers_what_scoring_calls():
    """A kernel change that calls with new types must re-record the table (python -m vmbench.aot
    signatures). Checked on the frames vmbench makes itself; what OpenCV and PyAV decoders hand
    over can change with their versions, and a miss there only costs the JIT's start-up."""
    committed = {(name, key) for name, key in jit.signature_table()}
    recorded = {(name, jit._freeze(key)) for name, keys in aot.record_signatures(third_party=False).items() for key in keys}
    missing = recorded - committed
    assert not missing, f"re-run `python -m vmbench.aot signatures`: {sorted(missing, key=repr)[:3]}"
    assert {name for name, _ in recorded} == {name for name, _ in committed}


def test_every_kernel_module_is_hashed():
    """The build is trusted only while the files it was built from are unchanged: all of them are hashed."""
    names = {name.rsplit(".", 1)[0] for name, _ in jit.signature_table()}
    listed = {"vmbench." + rel[:-3].replace("/", ".") for rel in jit.AOT_MODULES}
    assert names <= listed
    root = Path(jit.__file__).parent
    users = {str(p.relative_to(root)) for p in root.rglob("*.py") if "from vmbench.jit import njit" in p.read_text()}
    assert users == set(jit.AOT_MODULES) - {"jit.py"}


@needs_build
def test_a_build_of_other_sources_or_for_another_cpu_is_not_used(monkeypatch):
    for attr, value in (("source_hash", lambda: "0" * 16), ("cpu_fingerprint", lambda: "f" * 16)):
        with monkeypatch.context() as m:
            m.setattr(jit, "_entries", None)
            m.setattr(jit, attr, value)
            assert jit._aot_entries() == {}
            assert ("stale" if attr == "source_hash" else "another CPU") in jit.aot_status()
    monkeypatch.setattr(jit, "_entries", None)
    monkeypatch.setenv("VMBENCH_JIT", "1")
    assert jit._aot_entries() == {} and "VMBENCH_JIT" in jit.aot_status()


def test_lookup_takes_only_what_a_signature_can_take():
    """Read-only, unaligned and "A" signatures take more arrays; nothing else is converted."""
    c_rw = ("a", "uint8", 2, "C", True, True)
    c_ro = ("a", "uint8", 2, "C", False, True)
    any_ro = ("a", "uint8", 2, "A", False, False)
    f32 = ("a", "float32", 2, "C", True, True)
    table = {(c_ro, "bool"): "read-only", (any_ro, "int64"): "any"}
    assert jit._accepting(table, (c_rw, "bool")) == "read-only"
    assert jit._accepting(table, (("a", "uint8", 2, "F", True, True), "int64")) == "any"
    assert jit._accepting({(c_rw, "bool"): "rw"}, (c_ro, "bool")) is None  # never write to a read-only array
    assert jit._accepting(table, (f32, "bool")) is None
    assert jit._accepting(table, (("a", "uint8", 3, "C", True, True), "bool")) is None
    assert jit._accepting(table, (c_rw, "float64")) is None
    assert jit._accepting(table, (c_rw, None)) is None


def test_argument_keys_are_numba_types():
    """`arg_key` names what `numba.typeof` would give (checked against Numba itself)."""
    import numba
    from numba.core import types

    a = np.zeros((4, 6), np.uint8)
    ro = a.copy()
    ro.setflags(write=False)
    cases = [a, ro, a[:, ::2], np.asfortranarray(np.zeros((3, 5), np.float32)), np.zeros(5), True, np.bool_(False),
             3, 2.5, np.float32(1.0), np.uint8(3), (1, 2), None]
    for value in cases:
        key = jit._key(value)
        assert aot._numba_type(key) == (types.none if value is None else numba.typeof(value)), (value, key)


@needs_build
def test_eval_never_imports_numba(tmp_path):
    import cv2

    for side in ("pred", "gt"):
        clip = tmp_path / side / "clip"
        clip.mkdir(parents=True)
        for i, (pred, gt) in enumerate(aot._frames(np.random.default_rng(1))):
            cv2.imwrite(str(clip / f"{i:04d}.png"), pred if side == "pred" else gt)
    code = ("import sys; from vmbench.cli import main; rc = main(['eval', '--pred', sys.argv[1], '--gt', sys.argv[2], "
            "'--quiet', '--no-progress', '--json', sys.argv[3]]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numba', 'llvmlite', 'pandas', 'dask', 'torch', 'matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "pred"), str(tmp_path / "gt"), str(tmp_path / "r.json")],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["MAD"] > 0


def test_kernels_pickle_by_name():
    import pickle

    from vmbench.metrics import _pixel

    assert pickle.loads(pickle.dumps(_pixel.pixel_sums)) is _pixel.pixel_sums


def test_no_build_and_a_damaged_build_fall_back_to_the_jit(monkeypatch):
    import types

    import vmbench

    monkeypatch.delenv("VMBENCH_JIT", raising=False)
    monkeypatch.setattr(jit, "_entries", None)
    monkeypatch.delattr(vmbench, "_aot", raising=False)
    monkeypatch.setitem(sys.modules, "vmbench._aot", None)  # import fails: no build installed
    assert jit._aot_entries() == {}
    assert jit.aot_status() == ("not built: kernels compile with Numba's JIT "
                                "(reinstall with a C compiler for a faster start-up)")
    damaged = types.ModuleType("vmbench._aot")  # the right markers, no compiled functions
    setattr(damaged, f"h_{jit.source_hash()}", lambda: 0)
    damaged.__file__ = "_aot.so"
    monkeypatch.setitem(sys.modules, "vmbench._aot", damaged)
    monkeypatch.setattr(vmbench, "_aot", damaged, raising=False)
    monkeypatch.setattr(jit, "cpu_fingerprint", lambda: "")
    monkeypatch.setattr(jit, "_entries", None)
    assert jit._aot_entries() == {}
    assert jit.aot_status().startswith("unusable (") and jit.aot_status().endswith("kernels compile with Numba's JIT")


@pytest.mark.parametrize("kind", ["contiguous", "read-only", "strided", "unaligned"])
def test_any_array_a_caller_passes_gets_the_definition(kind):
    """Arrays the table has no signature for (strided, unaligned) go to the JIT, never to a compiled
    function that would misread them; every kind gives numpy's sums."""
    from vmbench.metrics import _pixel

    rng = np.random.default_rng(3)
    p0, g0 = rng.random((2, 20, 30), dtype=np.float32)
    if kind == "read-only":
        p0.setflags(write=False)
    elif kind == "strided":
        p0 = np.repeat(p0, 2, axis=1)[:, ::2]
    elif kind == "unaligned":
        buf = np.zeros(p0.nbytes + 1, np.uint8)
        q = np.frombuffer(buf.data, dtype=np.float32, count=p0.size, offset=1).reshape(p0.shape)
        q[...] = p0
        p0 = q
    s_abs, s_sq, count, _ = _pixel.pixel_sums(p0, g0, p0, g0, False, np.zeros((1, 1), np.uint8), False, False)
    d = p0.astype(np.float64) - g0
    assert (s_abs, s_sq, count) == (pytest.approx(np.abs(d).sum(), rel=1e-12), pytest.approx((d * d).sum(), rel=1e-12), 600)
