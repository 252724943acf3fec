"""Compiles vmbench's scoring kernels ahead of time at install (vmbench/aot.py); metadata is in pyproject.toml.

Without a C compiler the build is skipped with a warning, and the same kernels compile with
Numba's JIT on first use instead: the same numbers, a slower start-up.
"""

import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildKernels(build_ext):
    """Build `vmbench._aot` with numba.pycc rather than from C sources."""

    def build_extension(self, ext):
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        try:
            from vmbench.aot import build

            build(Path(self.get_ext_fullpath(ext.name)))
        except Exception as exc:  # no compiler, no Numba: the JIT still works
            self.warn(f"vmbench: kernels not compiled ahead of time ({type(exc).__name__}: {exc}); "
                      "they compile with Numba's JIT on first use (same numbers, ~0.5 s slower start-up)")
        finally:
            sys.path.pop(0)


setup(ext_modules=[Extension("vmbench._aot", sources=[])], cmdclass={"build_ext": BuildKernels})
