"""Conversion notes: grouping them for the terminal, and collecting those of callers that pass none.

Readers append ``"PATH: what"`` lines to the list they are given. Code that reads frames without
a list (the instance and referring readers today) can still be heard: inside `collect_notes()`,
every note a reader would have dropped goes to the collector instead (this process's threads
included; worker processes keep theirs).
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["collect_notes", "notes_or_collector", "summarise_notes"]

_LOCK = threading.Lock()
_SINKS: list[list[str]] = []


@contextmanager
def collect_notes() -> Iterator[list[str]]:
    """Collect, while the block runs, the notes readers are called without a list for."""
    sink: list[str] = []
    with _LOCK:
        _SINKS.append(sink)
    try:
        yield sink
    finally:
        with _LOCK:
            _SINKS.remove(sink)


class _Forward(list):
    """The list a reader writes to when its caller gave none: every line goes to the collectors."""

    def append(self, line: str) -> None:
        with _LOCK:
            for sink in _SINKS:
                sink.append(line)


def notes_or_collector(notes: list[str] | None) -> list[str] | None:
    """`notes`, or (when None and a collector is active) a list that forwards to the collectors."""
    if notes is not None or not _SINKS:
        return notes
    return _Forward()


def summarise_notes(notes: list[str], keep: int = 3) -> list[str]:
    """Group per-file conversion notes by kind, naming a few files, so the user reads one line each;
    a note that occurs once is kept as it is, repeats count once."""
    by_kind: dict[str, list[str]] = {}
    for note in dict.fromkeys(notes):
        path, _, what = note.rpartition(": ")
        by_kind.setdefault(what, []).append(path)
    out = []
    for what, paths in by_kind.items():
        if len(paths) == 1:
            out.append(f"{paths[0]}: {what}")
            continue
        shown = ", ".join(_short(p) for p in paths[:keep])
        more = f" and {len(paths) - keep} more" if len(paths) > keep else ""
        out.append(f"{len(paths)} file(s) {what}: {shown}{more} (e.g. {paths[0]})")
    return out


def _short(path: str) -> str:
    """A file's name, or clip/name for a clip's pha folder or pha.mp4 (their names say nothing)."""
    name = os.path.basename(path)
    if name.split(".")[0] in ("pha", "alpha"):
        return os.path.join(os.path.basename(os.path.dirname(path)), name)
    return name
