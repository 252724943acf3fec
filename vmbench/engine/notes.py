"""Per-file conversion notes, grouped so the user reads one line per kind, whichever task read them."""

from __future__ import annotations

import os

__all__ = ["summarise_notes"]


def summarise_notes(notes: list[str], keep: int = 3) -> list[str]:
    """Group per-file conversion notes by kind, naming a few files, so the user reads one line each;
    a note that occurs once is kept as it is."""
    by_kind: dict[str, list[str]] = {}
    for note in dict.fromkeys(notes):  # the same note twice (a file read by two runs) counts once
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
