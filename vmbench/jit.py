"""Kernels that start without Numba: the ahead-of-time build when it is installed, else Numba's JIT.

`njit` marks a kernel exactly as `numba.njit` would. A call from Python looks its argument types
up in `vmbench._aot`, an extension module compiled at install time from this same source
(`vmbench.aot`, for the signatures in `vmbench/aot_signatures.json`). That module needs neither
Numba nor LLVM, so a process scores its first frame without Numba's start-up (about 0.5 s of
imports and cache loading). Argument types the build does not cover, a missing build, a build of
other sources (its hash is checked), or ``VMBENCH_JIT=1`` go to `numba.njit` as before; both
compile the same code with the same floating-point semantics (tests/test_aot.py checks the
numbers are identical).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np

__all__ = ["njit", "Kernel", "aot_status", "AOT_MODULES"]

_PACKAGE = Path(__file__).resolve().parent
SIGNATURES = _PACKAGE / "aot_signatures.json"
# The modules whose kernels the ahead-of-time build compiles (their callees must live here too):
# the build is used only while these files, the signature table and numpy's major version are
# the ones it was built from.
AOT_MODULES = ("metrics/_pixel.py", "metrics/_grad.py", "metrics/_conn.py", "metrics/_temporal.py",
               "metrics/_region.py", "metrics/_kernels.py", "io/png.py", "jit.py")

_KERNELS: list["Kernel"] = []
_LOCK = threading.RLock()
_entries: dict[str, dict] | None = None  # kernel name -> {argument key: compiled function}
_status = ""
_recorded: set | None = None  # (kernel name, argument key) calls, while `record` is on


def njit(*args, **options):
    """`numba.njit` without importing Numba: ``@njit(cache=True, nogil=True)`` or ``@njit``."""
    if args and callable(args[0]):
        return Kernel(args[0], {})
    return lambda func: Kernel(func, options)


class Kernel:
    """A Python-callable kernel: the ahead-of-time function for these argument types, else the JIT."""

    def __init__(self, func, options: dict):
        self.py_func = func
        self.options = options
        self.name = f"{func.__module__}.{func.__qualname__}"
        self.__doc__, self.__name__, self.__module__ = func.__doc__, func.__name__, func.__module__
        self._table = None
        self._jitted = None
        _KERNELS.append(self)

    def __call__(self, *args, **kwargs):
        if kwargs:
            return self.jitted(*args, **kwargs)
        table = self._table
        if table is None:
            table = self._table = _aot_entries().get(self.name, {})
        if _recorded is not None:
            _recorded.add((self.name, arg_key(args)))
        if table:
            key = arg_key(args)
            compiled = table.get(key)
            if compiled is None and key not in table:
                compiled = table[key] = _accepting(table, key)  # remembered, found or not
            if compiled is not None:
                return compiled(*args)
        return self.jitted(*args)

    @property
    def jitted(self):
        """The `numba.njit` dispatcher, made on first use."""
        if self._jitted is None:
            with _LOCK:
                if self._jitted is None:
                    import numba

                    self._jitted = numba.njit(**self.options)(self.py_func)
        return self._jitted

    @property
    def _numba_type_(self):
        """What Numba types this global as when another kernel calls it: its dispatcher."""
        return self.jitted._numba_type_

    def __repr__(self) -> str:
        return f"<vmbench kernel {self.name}>"

    def __reduce__(self):  # pickled by name (Dask, multiprocessing), as a module-level function is
        return _kernel_named, (self.__module__, self.__name__)


def _kernel_named(module: str, name: str) -> "Kernel":
    import importlib

    return getattr(importlib.import_module(module), name)


def arg_key(args) -> tuple | None:
    """The key of these arguments' Numba types (what `numba.typeof` would give), or None if unknown."""
    return tuple(_key(v) for v in args)


def _key(v):
    if isinstance(v, np.ndarray):
        if not v.dtype.isnative:
            return None
        f = v.flags
        layout = "C" if f.c_contiguous else "F" if f.f_contiguous else "A"
        return ("a", v.dtype.name, v.ndim, layout, bool(f.writeable), bool(f.aligned))
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, int):
        return "int64" if -(1 << 63) <= v < (1 << 63) else None
    if isinstance(v, float):
        return "float64"
    if isinstance(v, np.generic):
        return v.dtype.name
    if isinstance(v, tuple):
        return ("t",) + tuple(_key(x) for x in v)
    if v is None:
        return "none"
    return None


def _accepting(table: dict, key: tuple):
    """A compiled function whose signature takes these arguments, or None.

    The compiled wrappers do not check types, so this is exact: the same scalar types, and per
    array the same dtype and rank, where a read-only, unaligned or any-layout ("A") signature also
    takes a writeable, aligned or contiguous array (Numba's own conversions), never the reverse.
    """
    def takes(entry, arg) -> bool:
        if isinstance(entry, tuple) and entry[:1] == ("a",) and isinstance(arg, tuple) and arg[:1] == ("a",):
            _, dtype, ndim, layout, writeable, aligned = entry
            return (dtype, ndim) == arg[1:3] and layout in ("A", arg[3]) and (arg[4] or not writeable) \
                and (arg[5] or not aligned)
        if isinstance(entry, tuple) and entry[:1] == ("t",) and isinstance(arg, tuple) and arg[:1] == ("t",):
            return len(entry) == len(arg) and all(takes(e, a) for e, a in zip(entry[1:], arg[1:]))
        return entry == arg and arg is not None

    if None in key:
        return None
    for entry, compiled in table.items():
        if compiled is not None and len(entry) == len(key) and all(map(takes, entry, key)):
            return compiled
    return None


def _freeze(key):
    """A JSON-loaded key (lists) as the tuple `arg_key` makes."""
    return tuple(_freeze(k) for k in key) if isinstance(key, (list, tuple)) else key


def source_hash() -> str:
    """What an ahead-of-time build must have been built from: kernel sources, signatures, numpy major."""
    digest = hashlib.sha256(np.__version__.split(".")[0].encode())
    for rel in AOT_MODULES + ("aot_signatures.json",):
        digest.update(rel.encode() + b"\0" + (_PACKAGE / rel).read_bytes())
    return digest.hexdigest()[:16]


def cpu_fingerprint() -> str:
    """This machine's CPU (architecture, model and feature flags), for a build tuned to the CPU it was built on."""
    import platform

    parts = [platform.machine()]
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                field = line.split(":", 1)[0].strip()
                if field in ("model name", "flags", "Features", "CPU part") and field not in parts:
                    parts += [field, line.split(":", 1)[1].strip()]
                if line.strip() == "":
                    break  # the first processor's block is enough
    except OSError:
        return ""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def signature_table() -> list[tuple[str, tuple]]:
    """The (kernel name, argument key) pairs the build compiles, in export order (symbols k0, k1, ...)."""
    table = json.loads(SIGNATURES.read_text())
    return [(name, _freeze(key)) for name in sorted(table) for key in table[name]]


def _load_build() -> tuple[dict[str, dict], str]:
    """(kernel name -> {argument key: compiled function}, status line) of the installed build."""
    jit_only = "kernels compile with Numba's JIT"
    if os.environ.get("VMBENCH_JIT", "") not in ("", "0"):
        return {}, f"off (VMBENCH_JIT is set): {jit_only}"
    try:
        from vmbench import _aot  # built at install time; absent in a plain source checkout
    except (ImportError, OSError):
        return {}, f"not built: {jit_only} (reinstall with a C compiler for a faster start-up)"
    try:
        expected = source_hash()
    except OSError as exc:
        expected = f"unreadable: {exc}"
    if not hasattr(_aot, f"h_{expected}"):
        return {}, f"stale (built from other sources): {jit_only}; reinstall to rebuild"
    tuned = [n[2:] for n in dir(_aot) if n.startswith("c_")]  # built for this CPU only
    if tuned and tuned[0] != cpu_fingerprint():
        return {}, f"built for another CPU: {jit_only}; reinstall here to rebuild"
    try:
        table = signature_table()
        entries: dict[str, dict] = {}
        for i, (name, key) in enumerate(table):
            entries.setdefault(name, {})[key] = getattr(_aot, f"k{i}")
    except (OSError, ValueError, AttributeError) as exc:  # a damaged install: the JIT is right
        return {}, f"unusable ({exc}): {jit_only}"
    return entries, f"in use: {len(table)} compiled signatures ({Path(_aot.__file__).name})"


def _aot_entries() -> dict[str, dict]:
    global _entries, _status
    if _entries is None:
        with _LOCK:
            if _entries is None:
                entries, _status = _load_build()
                _entries = entries  # set last: other threads read _entries without the lock
    return _entries


def aot_status() -> str:
    """One line: whether the ahead-of-time kernels are in use, and why not."""
    _aot_entries()
    return _status


def record(on: bool = True) -> set:
    """Start (or stop) recording the (kernel name, argument key) of every call from Python; returns those so far."""
    global _recorded
    so_far = set() if _recorded is None else set(_recorded)
    _recorded = set(so_far) if on else None
    return so_far
