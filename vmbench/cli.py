"""The `vmbench` command line: one sub-command per module in `vmbench.commands`.

Each module in `vmbench/commands/` defines ``register(subparsers)``, which adds its parser and
sets ``func`` (called with the parsed namespace, returning an exit code). Library code raises
`VmbenchError`; only this module turns it into a one-line message and exit code 2, and does
the same for an unexpected OSError (permission, disk full) or decode error; ``VMBENCH_DEBUG=1``
re-raises those with their traceback. A missing
optional dependency (torch, diffusers, ...) becomes one line naming the extra to install.

Start-up: only the chosen command's module is imported (``vmbench eval ...`` never imports the
leaderboard, plotting or model code); ``vmbench --help`` and unknown commands import them all.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import pkgutil
import sys

from vmbench import __version__
from vmbench.errors import VmbenchError

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one line, like every other vmbench error (exit 2)."""

    def error(self, message: str):
        self.exit(2, f"vmbench: error: {message} (see `{self.prog} --help`)\n")


def _command_modules() -> list[str]:
    """Module names in `vmbench.commands` (listed from the folder: nothing is imported)."""
    import vmbench.commands as commands

    return sorted(m.name for m in pkgutil.iter_modules(commands.__path__) if not m.name.startswith("_"))


def _chosen_module(argv: list[str], modules: list[str]) -> str | None:
    """The module of the command named in `argv` (its first positional word), if there is one."""
    word = next((a for a in argv if not a.startswith("-")), None)
    if word is None:
        return None
    name = word.replace("-", "_")
    return name if name in modules else None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with `argv`, only the command it names is registered (when it names one)."""
    parser = _Parser(
        prog="vmbench",
        description="Exact, fast evaluation and benchmarking for video matting.",
    )
    parser.add_argument("--version", action="version", version=f"vmbench {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = _command_modules()
    chosen = _chosen_module(argv, modules) if argv is not None else None
    for name in [chosen] if chosen else modules:
        importlib.import_module(f"vmbench.commands.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # OpenCV's WARN lines would precede our one-line error
    if argv[:1] in (["eval"], ["check"]):
        # Scoring never calls BLAS, but OpenBLAS's idle thread spins for a while after numpy's import
        # and takes CPU from the scoring threads (about 0.1 s of CPU per process); set before numpy loads.
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except VmbenchError as exc:  # one line even when a wrapped library message has several
        print("vmbench: error: " + " ".join(ln.strip() for ln in str(exc).splitlines() if ln.strip()), file=sys.stderr)
        return 2
    except ImportError as exc:
        from vmbench.extras import missing_extra_message

        message = missing_extra_message(exc)
        if message is None:
            raise
        print(f"vmbench: error: {args.command}: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("vmbench: interrupted", file=sys.stderr)
        return 130
    except (OSError, UnicodeError) as exc:  # permission, disk full, unreadable bytes: one line, not a traceback
        if os.environ.get("VMBENCH_DEBUG") == "1":
            raise
        print(f"vmbench: error: {_os_error_line(exc)} (VMBENCH_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 2


def _os_error_line(exc: BaseException) -> str:
    """`path: what went wrong` for an OSError or a decode error that reached the command line."""
    if isinstance(exc, OSError):
        where = exc.filename if exc.filename is not None else ""
        what = exc.strerror or exc.__class__.__name__
        if exc.errno == errno.ENOSPC:
            what = "no space left on the device (disk full)"
        return f"{where}: {what}" if where else what
    return f"cannot decode input ({exc})"


if __name__ == "__main__":
    raise SystemExit(main())
