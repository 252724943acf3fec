"""Applying a dataset profile to `vmbench eval` / `vmbench check`: options, conformance notes, splits.

The profile only chooses parameters (task, protocol, metrics, the sparse ground-truth rule) for the
same pairing and scoring code a plain ``eval`` runs, and compares the ground-truth tree with what
the published set ships, one note per difference (named split missing, other extension, other
frame size, other frame count), so a number printed under a dataset's name says how far it is
that dataset's number.
"""

from __future__ import annotations

from pathlib import Path

from vmbench.datasets.profile import Profile
from vmbench.datasets.registry import get_profile
from vmbench.errors import InputError
from vmbench.io.frames import list_frames
from vmbench.preflight import header_size

__all__ = ["resolve_options", "apply_to_args", "conformance_notes", "custom_pairing", "per_split", "format_splits"]

_INSTANCE_PROTOCOLS = ("rvm", "rvm-hr", "dim", "maggie", "davis")


def _known_protocols(task: str) -> tuple[str, ...]:
    from vmbench.protocols import PROTOCOLS

    return tuple(dict.fromkeys([*PROTOCOLS, *(_INSTANCE_PROTOCOLS if task != "plain" else ())]))


def resolve_options(name: str, task: str, protocol: str | None, metrics: list[str] | None, *,
                    scoring: bool = True) -> tuple[Profile, str, str, list[str] | None]:
    """(profile, task, protocol, metrics) for ``--dataset name``; the user's --protocol/--metrics win.

    Refuses (one line) a set vmbench cannot score as shipped, a --task that contradicts the
    profile, and (when `scoring`; ``check`` scores nothing) a default protocol this vmbench lacks.
    """
    profile = get_profile(name)
    if not profile.scorable:
        raise InputError(f"dataset {profile.name}: {profile.unsupported}")
    if task not in ("auto", profile.task):
        raise InputError(f"dataset {profile.name} is scored as the {profile.task} task, not --task {task}")
    chosen = protocol or profile.protocol
    known = _known_protocols(profile.task)
    if scoring and chosen not in known:
        if protocol:
            raise InputError(f"unknown protocol {chosen!r}; available: {', '.join(known)}")
        raise InputError(
            f"dataset {profile.name}: its protocol {chosen!r} is not in this vmbench yet "
            f"(available: {', '.join(known)}); pass --protocol to score it under another"
        )
    if metrics is None and profile.metrics and not protocol:
        metrics = list(profile.metrics)
    return profile, profile.task, chosen, metrics


def custom_pairing(profile: Profile | None):
    """The dataset's own pairing, called ``(pred, gt, problems=None) -> (layout, pairs)`` with a
    ``clips(gt)`` count, or None when its trees are in one of the common layouts."""
    if profile is None or not profile.pairing:
        return None
    if profile.pairing == "vm108":
        from vmbench.datasets.vm108 import PAIRING

        return PAIRING
    raise InputError(f"dataset {profile.name}: unknown pairing {profile.pairing!r}")  # pragma: no cover


def _gt_clip_frames(profile: Profile, gt_root: Path) -> list[tuple[str, str, list[Path]]]:
    """(dataset, clip, ground-truth frame files) for every clip; for instance sets, one instance's."""
    if profile.pairing == "vm108":
        from vmbench.datasets.vm108 import GT_FOLDER, vm108_videos

        return [("", v, [Path(gt_root, GT_FOLDER, v, f"{s}.png") for s in stems]) for v, stems in vm108_videos(gt_root)]
    if profile.pairing == "davis":
        from vmbench.datasets.davis import ANNOTATIONS

        ann = Path(gt_root, ANNOTATIONS)
        seqs = sorted(p for p in ann.iterdir() if p.is_dir()) if ann.is_dir() else []
        return [("", s.name, sorted(s.glob("*.png"))) for s in seqs]
    if profile.task == "plain":
        from vmbench.io.layouts import detect_layout

        _, clips = detect_layout(gt_root)
        return [(dataset, clip, _image_files(clip_dir)) for dataset, clip, clip_dir in clips]
    from vmbench.instance.layout import find_gt_clips

    out = []
    for c in find_gt_clips(gt_root):
        subs = sorted(p for p in c.path.iterdir() if p.is_dir() and not p.name.startswith("."))
        if c.kind == "vhim":  # pha/<video>/<frame>/<instance>.png: frames are the sub-folders
            frames = [next(iter(list_frames(s)), s) for s in subs]
        else:
            frames = list_frames(subs[0]) if subs else []
        out.append((c.dataset, c.clip, frames))
    return out


def _image_files(clip: Path) -> list[Path]:
    """The image frames of a clip folder (its pha/ or itself); [] for a clip that is a video or stack."""
    folder = clip / "pha" if (clip / "pha").is_dir() else clip
    return list_frames(folder) if folder.is_dir() else []


def conformance_notes(profile: Profile, gt_root: Path, pred_root: Path | None = None) -> list[str]:
    """One line for each way the ground-truth tree differs from the published set (empty: none)."""
    gt_root = Path(gt_root)
    notes: list[str] = []
    partial = False  # the tree holds only some splits: its clip count is not the published one
    if profile.splits:
        present = [s for s in profile.splits if (gt_root / s).is_dir()]
        if gt_root.name in profile.splits:
            partial = True
            notes.append(f"{gt_root}: one split of {profile.name} ({gt_root.name}); the summary covers "
                         f"that split only (all: {', '.join(profile.splits)})")
        elif len(present) < len(profile.splits):
            missing = [s for s in profile.splits if s not in present]
            partial = True
            notes.append(f"{gt_root}: split(s) {', '.join(missing)} of {profile.name} not found; "
                         "the summary covers " + (", ".join(present) if present else "what the tree holds")
                         + ", not the published set")
    clips = _gt_clip_frames(profile, gt_root)
    files = [f for _, _, fs in clips for f in fs if f.is_file()]
    exts = sorted({f.suffix.lower() for f in files})
    other = [e for e in exts if e not in profile.gt_ext]
    if other:
        example = next(f for f in files if f.suffix.lower() in other)
        notes.append(f"{example}: ground truth is {'/'.join(other)}; the published {profile.name} ships "
                     f"{'/'.join(profile.gt_ext)} (numbers may differ from the paper's)")
    if profile.size and files:
        size = header_size(files[0])
        if size is not None and size != profile.size:
            notes.append(f"{files[0]}: frames are {size[0]}x{size[1]}; the published {profile.name} is "
                         f"{profile.size[0]}x{profile.size[1]}")
    if profile.frames:
        odd = [(d, c, len(fs)) for d, c, fs in clips if len(fs) != profile.frames]
        if odd:
            d, c, n = odd[0]
            notes.append(f"{len(odd)} of {len(clips)} clips do not have the published {profile.frames} frames "
                         f"(e.g. {d + '/' if d else ''}{c}: {n})")
    if profile.clips and len(clips) != profile.clips and not partial:
        notes.append(f"{gt_root}: {len(clips)} clips; the published {profile.name} has {profile.clips}")
    if profile.sparse_gt and pred_root is not None:
        notes.append(_sparse_note(profile, pred_root, clips))
    return notes


def _sparse_note(profile: Profile, pred_root: Path, clips) -> str:
    scored = sum(len(fs) for _, _, fs in clips)
    total = 0
    for dataset, clip, _ in clips:
        total += len(_image_files(Path(pred_root, dataset, clip) if dataset else Path(pred_root, clip)))
    return (f"{profile.name}: ground truth on every {profile.sparse_gt}th frame only; {scored} of {total} "
            "prediction frames are scored, the others have no ground truth (dtSSD between annotated frames)")


def apply_to_args(args) -> tuple[Profile, list[str]]:
    """Set ``args.task``, ``args.protocol`` and ``args.metrics`` of `vmbench eval`/`check` from
    ``args.dataset``; returns (profile, conformance notes) to print before any number."""
    metrics = [m for m in args.metrics.split(",") if m.strip()] if getattr(args, "metrics", None) else None
    profile, task, protocol, metrics = resolve_options(args.dataset, getattr(args, "task", "auto"),
                                                      getattr(args, "protocol", None), metrics)
    args.task, args.protocol = task, protocol
    args.metrics = ",".join(metrics) if metrics else None
    return profile, conformance_notes(profile, args.gt, args.pred)


def per_split(profile: Profile, args, result) -> dict[str, dict]:
    """{split: {"clips", "frames", "summary"}} for each split of `profile` under ``args.gt`` ({} when
    ``args.gt`` holds none, e.g. is one split itself).

    Plain: the frames of the whole run, pooled per split as the protocol pools the whole set.
    Instance/referring: one run per split folder (``GT/<split>`` against ``PRED/<split>``), as the
    papers run their scripts (MaGGIe's scripts/eval_video.sh: one run per comp_<level>).
    """
    out: dict[str, dict] = {}
    if profile.task == "plain":
        from vmbench.evaluate import aggregate
        from vmbench.protocols import get_protocol

        proto = get_protocol(result.protocol)
        for split in profile.splits:
            rows = [r for r in result.frame_rows if r["dataset"] == split]
            if rows:
                clips, summary = aggregate(rows, proto, result.metrics)
                out[split] = {"clips": len(clips), "frames": len(rows), "summary": summary}
        return out
    import copy

    from vmbench.instance.cli import run as run_instance

    for split in profile.splits:
        gt = Path(args.gt) / split
        if not gt.is_dir():
            continue
        sub = copy.copy(args)
        sub.gt = gt
        sub.pred = Path(args.pred) / split if (Path(args.pred) / split).is_dir() else Path(args.pred)
        data = run_instance(sub)
        out[split] = {"clips": len(data["clips"]), "frames": int(sum(c["frames"] for c in data["clips"])),
                      "summary": data["summary"]}
    return out


def format_splits(splits: dict[str, dict]) -> str:
    """The per-split summary table printed after the overall one."""
    from vmbench.text_table import simple_table

    metrics = list(dict.fromkeys(k for s in splits.values() for k in s["summary"]))
    rows = [[name, s["clips"], s["frames"], *[_fmt(s["summary"].get(m)) for m in metrics]] for name, s in splits.items()]
    return simple_table(rows, ["split", "clips", "frames", *metrics])


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.4f}" if isinstance(v, float) else str(v)
