"""Where vmbench's outputs may go, checked before any work, and written so no reader sees half a file.

Rules, the same for every command that writes (eval --json/--csv, leaderboard --out, history --out,
suite, make-dataset, run-baseline):

* nothing is written on or inside an input (predictions, ground truth, trimaps, result files, a
  benchmark root), ``--overwrite`` included; a folder that a command empties or replaces may not
  hold an input either;
* a file target that is a folder, a folder target that is a file, a parent that is a file, an
  unwritable folder or a full disk is one clear line, found by a probe (create, write and remove a
  small temp file in the target folder) before scoring starts;
* results are written to a temp file in the same folder and renamed over the target, so two runs
  at once leave one whole file or the other, never a mix, and a failed write leaves the old file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

from vmbench.errors import InputError

__all__ = ["check_file_target", "check_folder_target", "probe_folder", "atomic_write_text", "atomic_path",
           "benchmark_root", "refuse_foreign_entries"]

_PROBE_BYTES = b"\0" * 4096  # enough to meet a full disk, small enough to cost nothing


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def benchmark_root(gt) -> Path | None:
    """The benchmark root a ground-truth folder belongs to (the folder holding manifest.json at or
    up to three levels above it), so outputs stay out of the whole benchmark, not only `gt`."""
    if gt is None:
        return None
    gt = Path(gt).resolve()
    for folder in (gt, *gt.parents[:3]):
        if (folder / "manifest.json").is_file():
            return folder
    return None


def _resolved(paths: Iterable) -> list[Path]:
    return [Path(p).resolve() for p in paths if p is not None]


def _within(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _input_hit(target: Path, inputs: list[Path]) -> Path | None:
    """The input that `target` is, or lies inside, if any."""
    for inp in inputs:
        if _within(target, inp):
            return inp
    return None


def _os_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "it is not writable"
    return exc.strerror or str(exc)


def probe_folder(folder: Path, *, option: str) -> None:
    """Check that files can be created in `folder` (or, when it does not exist yet, in its nearest
    existing ancestor, which must be a folder) by writing and removing a small temp file."""
    folder = Path(folder)
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{option} {folder}: {existing} is a file, not a folder; cannot write there")
    try:
        fd, name = tempfile.mkstemp(prefix=".vmbench-probe-", dir=existing)
        try:
            os.write(fd, _PROBE_BYTES)
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(name)
    except OSError as exc:
        raise InputError(f"{option} {folder}: cannot write in {existing}: {_os_reason(exc)}") from None


def check_file_target(path, *, inputs: Iterable = (), overwrite: bool = False, option: str = "output") -> Path:
    """Refuse a file target that is a folder, is or lies inside an input, or exists (unless
    `overwrite`); then probe its folder. Returns the path unchanged."""
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder; give a file name")
    hit = _input_hit(path.resolve(), _resolved(inputs))
    if hit is not None:
        raise InputError(f"{option} {path}: is inside the input {hit}; vmbench never writes into its inputs "
                         "(even with --overwrite), choose a path outside it")
    if path.exists() and not overwrite:
        raise InputError(f"{path}: already exists; pass --overwrite to replace it")
    probe_folder(path.parent, option=option)
    return path


def check_folder_target(path, *, inputs: Iterable = (), overwrite: bool = False, option: str = "output",
                        writes: Iterable[str] | None = None, replaces: bool = False) -> Path:
    """Refuse a folder target that is a file or lies inside an input; then probe it.

    writes : names written directly in the folder; any that exists is refused unless `overwrite`
        (None: the folder must be empty unless `overwrite`). An input at one of these names, or
        inside one, is always refused.
    replaces : the command empties or replaces folders under the target, so an input anywhere
        inside it is refused too.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InputError(f"{option} {path}: is a file; give a folder")
    target = path.resolve()
    inputs = _resolved(inputs)
    hit = _input_hit(target, inputs)
    if hit is not None:
        raise InputError(f"{option} {path}: is inside the input {hit}; vmbench never writes into its inputs "
                         "(even with --overwrite), choose a folder outside it")
    names = list(writes) if writes is not None else None
    for inp in inputs:
        inside = _within(inp, target) and (replaces or names is None or
                                           any(_within(inp, target / n) for n in names))
        if inside:
            raise InputError(f"{option} {path}: holds the input {inp}, which writing there could replace; "
                             "choose a folder that does not contain the inputs")
    if path.is_dir() and not overwrite:
        if names is None:
            if any(path.iterdir()):
                raise InputError(f"{path}: already exists and is not empty; pass --overwrite to replace it")
        else:
            present = [n for n in names if (path / n).exists()]
            if present:
                raise InputError(f"{path / present[0]}: already exists; pass --overwrite to replace it")
    probe_folder(path, option=option)
    return path


def refuse_unmarked(path, marker: str, *, force: bool, writer: str, choose: str) -> None:
    """A generated file (board README, site index, LaTeX table) starts with `marker`; one that exists
    without it is the user's and is never replaced unless `force`. `writer` names the command that
    writes such files, `choose` what to pick instead (``another --out``)."""
    path = Path(path)
    if path.is_file() and not force and marker not in path.read_text(encoding="utf-8", errors="replace"):
        raise InputError(f"{path}: exists and was not written by `{writer}`; choose {choose} (or --force to overwrite)")


def refuse_foreign_entries(path, own: Iterable[str], *, overwrite: bool, option: str = "--out") -> None:
    """A folder that a command fills with its own named entries (suite, demo: predictions/, results/,
    ...): unless `overwrite`, refuse one that already holds anything else, as run-baseline refuses
    a non-empty folder without its run record; vmbench writes beside a user's files only when told."""
    path = Path(path)
    if overwrite or not path.is_dir():
        return
    own = set(own)
    foreign = sorted(p.name for p in path.iterdir() if not p.name.startswith(".") and p.name not in own)
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise InputError(f"{option} {path}: folder is not empty and holds entries vmbench did not write ({shown}); "
                         "pass --overwrite to write beside them (vmbench deletes none of them) or choose another folder")


def _place(tmp: Path, path: Path, overwrite: bool) -> None:
    """Move the finished `tmp` onto `path`. Without `overwrite` this is a hard link, which fails
    when `path` exists, so a file another run wrote after our check is never replaced (the
    check and the final step are one operation); where links are not supported, check then rename."""
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise InputError(f"{path}: already exists (written meanwhile by another run); "
                         "pass --overwrite to replace it") from None
    except OSError:  # no hard links on this file system
        if path.exists():
            raise InputError(f"{path}: already exists (written meanwhile by another run); "
                             "pass --overwrite to replace it") from None
        os.replace(tmp, path)
        return
    tmp.unlink()


@contextlib.contextmanager
def atomic_path(path, *, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temp path beside `path` (same folder, same suffix); on success it is renamed onto
    `path`, on failure removed, leaving any old `path` untouched. `overwrite=False`: refuse
    (InputError) when `path` appeared since the command's own check, instead of replacing it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the result gets the usual mode
    try:
        yield tmp
        _place(tmp, path, overwrite)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def atomic_write_text(path, text: str, *, overwrite: bool = True) -> Path:
    """Write `text` (UTF-8) to `path` through a temp file renamed over it (see `atomic_path`)."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)
