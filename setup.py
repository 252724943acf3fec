"""Compiles vmbench's scoring kernels ahead of time at install (vmbench/aot.py); metadata is in pyproject.toml.

Without a C compiler the build is skipped with a warning, and the same kernels compile with
Numba's JIT on first use instead: the same numbers, a slower start-up. An editable install also
writes the package's bytecode, as pip does for a regular one (PYTHONDONTWRITEBYTECODE otherwise
makes every process recompile the sources it imports, ~30 ms).
"""

import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildKernels(build_ext):
    """Build `vmbench._aot` with numba.pycc rather than from C sources."""

    def run(self):
        super().run()
        if self.inplace or getattr(self, "editable_mode", False):
            import compileall

            root = Path(__file__).resolve().parent
            for package in ("vmbench", "baselines"):
                compileall.compile_dir(str(root / package), quiet=1)

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


setup(ext_modules=[Extension("vmbench._aot", sources=[], optional=True)], cmdclass={"build_ext": BuildKernels})
