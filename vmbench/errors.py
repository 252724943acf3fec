"""The one exception type the CLI turns into a clear one-line message and a non-zero exit."""

__all__ = ["VmbenchError", "InputError"]


class VmbenchError(Exception):
    """Base class for errors that are the user's to fix (the message says what and where)."""


class InputError(VmbenchError):
    """Malformed or mismatched input: a file, folder or value the user gave us."""
