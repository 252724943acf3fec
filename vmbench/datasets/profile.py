"""`Profile`: what vmbench knows about one public benchmark, as parameters for the pairing layer.

A profile never reads anything itself: `vmbench eval --dataset NAME` and `vmbench check --dataset NAME`
pass its fields to the same pairing and reading code a plain ``eval`` uses (extensions, the sparse
ground-truth rule, the split folders), take its default protocol, and check the tree against what the
published set ships (extensions, frame size, frames per clip, splits), saying so in one note each.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Profile"]


@dataclass(frozen=True)
class Profile:
    """One public dataset as the paper that reports numbers on it evaluates it.

    name : the ``--dataset`` name (lower case, ``-`` separated); ``aliases`` are also accepted.
    task : ``plain``, ``instance`` or ``referring`` (the `vmbench eval --task` it is scored under).
    protocol : default ``--protocol`` (a name in `vmbench.protocols.PROTOCOLS`, or the instance
        protocols); ``metrics`` the default ``--metrics`` when the protocol's defaults are not it.
    layout, pred_layout : the ground-truth and prediction trees, as text (docs and listings).
    gt_ext : extensions the published ground truth uses (``.jpg`` at 1920x1080 for VideoMatte HR).
    size : (width, height) of the published frames, or None when it varies.
    frames : frames per clip when every clip has the same number, else None.
    clips : clips in the published set (all splits), when known.
    splits : sub-folders of the ground-truth root, one per split (empty: none).
    per_split : the paper reports one figure per split (so does ``eval --dataset``), not one overall.
    sparse_gt : ground truth exists for every ``sparse_gt``-th prediction frame only (0: every frame);
        the frames without it are not scored.
    extras : (name, where) pairs: files the dataset ships that a protocol reads (trimaps, flow).
    download : where to get it (as far as public).
    sources : the repositories/papers the facts above were read from (repo, file, commit).
    pairing : ``""`` (the layouts of `vmbench.io.layouts`) or the name of the dataset's own pairing
        (``"vm108"``: `vmbench.datasets.vm108`), for a layout unlike the others.
    status : ``released`` or ``unreleased``.
    unsupported : why ``eval --dataset`` cannot score the set as shipped, and what to do instead.
    """

    name: str
    title: str
    task: str
    protocol: str
    layout: str
    pred_layout: str
    gt_ext: tuple[str, ...]
    download: str
    sources: tuple[str, ...]
    size: tuple[int, int] | None = None
    frames: int | None = None
    clips: int | None = None
    splits: tuple[str, ...] = ()
    per_split: bool = False
    sparse_gt: int = 0
    metrics: tuple[str, ...] = ()
    extras: tuple[tuple[str, str], ...] = ()
    aliases: tuple[str, ...] = ()
    pairing: str = ""
    status: str = "released"
    unsupported: str = ""
    remarks: str = ""

    @property
    def scorable(self) -> bool:
        """False where vmbench cannot score the set as shipped (`unsupported` says why and what to do)."""
        return not self.unsupported

    def describe(self) -> list[tuple[str, str]]:
        """(field, text) rows for ``vmbench datasets NAME``."""
        rows = [
            ("name", self.name + (f" (also: {', '.join(self.aliases)})" if self.aliases else "")),
            ("title", self.title),
            ("task", self.task),
            ("protocol", self.protocol + (f" (metrics {','.join(self.metrics)})" if self.metrics else "")),
            ("splits", ", ".join(self.splits) + (" (each reported, and the whole set)" if self.per_split else " (reported together)")
             if self.splits else "-"),
            ("layout", self.layout),
            ("predictions", self.pred_layout),
            ("gt files", ", ".join(self.gt_ext)),
            ("frame size", f"{self.size[0]}x{self.size[1]}" if self.size else "varies"),
            ("frames/clip", str(self.frames) if self.frames else "varies"),
            ("clips", str(self.clips) if self.clips else "not fixed"),
            ("sparse gt", f"every {self.sparse_gt}th frame annotated; the others are not scored"
             if self.sparse_gt else "every frame"),
        ]
        rows += [(f"extra: {k}", v) for k, v in self.extras]
        rows += [("download", self.download), ("status", self.status)]
        if self.unsupported:
            rows.append(("eval --dataset", "not available: " + self.unsupported))
        if self.remarks:
            rows.append(("remarks", self.remarks))
        rows += [("source", s) for s in self.sources]
        return rows
