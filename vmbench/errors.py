"""The one exception type the CLI turns into a clear one-line message and a non-zero exit."""

__all__ = ["VmbenchError", "InputError", "not_a_file"]


class VmbenchError(Exception):
    """Base class for errors that are the user's to fix (the message says what and where)."""


class InputError(VmbenchError):
    """Malformed or mismatched input: a file, folder or value the user gave us."""


def not_a_file(path, what: str) -> str:
    """The one error line for a `what` (e.g. "result file") at `path` that is not a regular file:
    absent, or something else that is never opened (a FIFO would block, a device never end)."""
    from pathlib import Path

    path = Path(path)
    if not path.exists():
        return f"{path}: {what} not found" + (" (a broken symbolic link)" if path.is_symlink() else "")
    kind = "a folder" if path.is_dir() else "a FIFO, socket or device"
    return f"{path}: is {kind}, not a {what}"
