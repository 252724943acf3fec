"""Running an adapter over an embedded-benchmark tree and writing its predictions.

Input (docs/formats.md): plain tracks read ``ROOT/plain/<dataset>/<clip>/com`` and the guidance
``.../guidance/<kind>`` their track needs; the caption track reads
``ROOT/instance/<dataset>/meta_expressions.json`` and ``ROOT/instance/<dataset>/<clip>/com``.

Output: plain tracks write ``OUT/<dataset>/<clip>/pha/<stem>.png`` (the RVM tree, evaluated with
``vmbench eval --pred OUT --gt ROOT/plain``); the caption track writes
``OUT/<dataset>/<clip>/<exp_id>/<stem>.png`` (MeViS style per dataset, evaluated with
``vmbench eval --task referring --pred OUT --gt ROOT/instance``). Frames stream to disk as the
adapter yields them. Each clip is written to a hidden temporary folder and renamed into place
when complete, and ``OUT/run.json`` records it, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from vmbench.adapters.base import ClipInput, Track
from vmbench.errors import InputError
from vmbench.io.frames import list_frames, read_rgb, write_alpha

__all__ = ["ClipJob", "find_jobs", "default_guidance", "resolve_device", "weights_sha256", "run_adapter",
           "RUN_RECORD"]

RUN_RECORD = "run.json"

_TRACK_GUIDANCE = {
    Track.TRIMAP: "trimap",
    Track.PER_FRAME_MASK: "mask_down8",
    Track.FIRST_FRAME_MASK: "first_mask",
}


@dataclass
class ClipJob:
    """One sequence to predict: its input and where its frames go (relative to OUT)."""

    dataset: str
    clip: str
    out_rel: str  # "<dataset>/<clip>" (plain) or "<dataset>/<clip>/<exp_id>" (caption)
    frames_rel: str  # folder under the clip output holding the frames: "pha" or "."
    stems: list[str]
    clip_input: ClipInput
    expression: str | None = None

    @property
    def key(self) -> str:
        return self.out_rel


def default_guidance(adapter) -> str | None:
    """Guidance kind an adapter reads: its ``default_guidance`` attribute or its track's default."""
    track = Track(adapter.track)
    return getattr(adapter, "default_guidance", None) or _TRACK_GUIDANCE.get(track)


def resolve_device(device: str) -> str:
    """``auto`` -> ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda`` without a GPU is an error."""
    if device not in ("auto", "cpu", "cuda") and not device.startswith("cuda:"):
        raise InputError(f"--device {device!r}: choose auto, cpu or cuda")
    if device == "cpu":
        return "cpu"
    try:
        import torch

        has_cuda = bool(torch.cuda.is_available())
    except ImportError:
        has_cuda = False
    if device == "auto":
        return "cuda" if has_cuda else "cpu"
    if not has_cuda:
        raise InputError(f"--device {device}: no CUDA device is available here (use --device cpu)")
    return device


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def weights_sha256(path: Path | None) -> str | None:
    """sha256 of a weights file; for a folder, sha256 over ``"<relative path>\\0<file sha256>\\n"`` lines
    of every file in sorted order (so renaming or changing any file changes it)."""
    if path is None:
        return None
    path = Path(path)
    if path.is_file():
        return _file_sha256(path)
    if path.is_dir():
        h = hashlib.sha256()
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            h.update(f"{f.relative_to(path).as_posix()}\0{_file_sha256(f)}\n".encode())
        return h.hexdigest()
    raise InputError(f"{path}: weights path does not exist")


def _subdirs(folder: Path) -> list[Path]:
    from vmbench.io.frames import natural_key

    return sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                  key=lambda p: natural_key(p.name))


def _plain_root(data_root: Path) -> Path:
    """ROOT/plain, or ROOT itself when it already is a plain tree (<dataset>/<clip>/com)."""
    if (data_root / "plain").is_dir():
        return data_root / "plain"
    if any((clip / "com").is_dir() for ds in _subdirs(data_root) for clip in _subdirs(ds)):
        return data_root
    raise InputError(f"{data_root}: no plain/ folder; expected an embedded benchmark "
                     "(ROOT/plain/<dataset>/<clip>/com, see docs/formats.md)")


def _guided_files(clip_dir: Path, kind: str, stems: list[str], clip_name: str, track: Track) -> list[Path]:
    folder = clip_dir / "guidance" / kind
    if not folder.is_dir():
        raise InputError(f"{folder}: guidance folder missing for clip {clip_name} "
                         f"(the {track.value} track needs guidance/{kind})")
    by_stem = {p.stem: p for p in list_frames(folder)}
    if track == Track.FIRST_FRAME_MASK:
        if not by_stem:
            raise InputError(f"{folder}: no first-frame mask for clip {clip_name}")
        return [by_stem.get(stems[0]) or next(iter(by_stem.values()))]
    missing = [s for s in stems if s not in by_stem]
    if missing:
        raise InputError(f"{folder / (missing[0] + '.png')}: guidance frame missing for clip {clip_name} "
                         f"({len(missing)} of {len(stems)} frames have none)")
    return [by_stem[s] for s in stems]


def find_jobs(data_root: Path, track: Track, *, guidance: str | None = None) -> list[ClipJob]:
    """Every sequence of the tree at `data_root` that an adapter of `track` predicts, with inputs.

    Raises InputError naming the clip and folder when frames or the needed guidance are missing.
    """
    data_root = Path(data_root)
    if not data_root.is_dir():
        raise InputError(f"{data_root}: data folder does not exist")
    track = Track(track)
    if track == Track.CAPTION:
        return _caption_jobs(data_root)
    jobs = []
    for ds in _subdirs(_plain_root(data_root)):
        for clip_dir in _subdirs(ds):
            com = clip_dir / "com"
            frames = list_frames(com)
            if not frames:
                raise InputError(f"{com}: clip {ds.name}/{clip_dir.name} has no frames")
            stems = [p.stem for p in frames]
            name = f"{ds.name}/{clip_dir.name}"
            ci = ClipInput(name=name, frames=frames, extra={"dataset": ds.name, "clip": clip_dir.name})
            if track == Track.TRIMAP:
                ci.trimaps = _guided_files(clip_dir, guidance or "trimap", stems, name, track)
            elif track == Track.PER_FRAME_MASK:
                ci.masks = _guided_files(clip_dir, guidance or "mask_down8", stems, name, track)
            elif track == Track.FIRST_FRAME_MASK:
                ci.first_mask = _guided_files(clip_dir, guidance or "first_mask", stems, name, track)[0]
            if guidance is not None:
                ci.extra["guidance"] = guidance
            jobs.append(ClipJob(ds.name, clip_dir.name, name, "pha", stems, ci))
    if not jobs:
        raise InputError(f"{data_root / 'plain'}: no clips found (expected plain/<dataset>/<clip>/com)")
    return jobs


def _caption_jobs(data_root: Path) -> list[ClipJob]:
    inst = data_root / "instance"
    if not inst.is_dir():
        raise InputError(f"{data_root}: no instance/ folder; the caption track reads "
                         "ROOT/instance/<dataset>/meta_expressions.json (see docs/formats.md)")
    jobs = []
    for ds in _subdirs(inst):
        meta_path = ds / "meta_expressions.json"
        if not meta_path.is_file():
            raise InputError(f"{meta_path}: missing (the caption track needs the referring expressions)")
        try:
            videos = json.loads(meta_path.read_text())["videos"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{meta_path}: not a MeViS-schema expressions file ({exc})") from None
        for clip, entry in sorted(videos.items()):
            com = ds / clip / "com"
            frames = list_frames(com)
            if not frames:
                raise InputError(f"{com}: clip {ds.name}/{clip} has no frames")
            stems = [p.stem for p in frames]
            exps = entry.get("expressions") if isinstance(entry, dict) else None
            if not isinstance(exps, dict):
                raise InputError(f"{meta_path}: clip {clip} has no 'expressions' object")
            for exp_id, exp in exps.items():
                text = exp.get("exp") if isinstance(exp, dict) else None
                if not isinstance(text, str):
                    raise InputError(f"{meta_path}: expression {clip}/{exp_id} has no 'exp' text")
                name = f"{ds.name}/{clip}/{exp_id}"
                ci = ClipInput(name=name, frames=frames, caption=text,
                               extra={"dataset": ds.name, "clip": clip, "exp_id": exp_id})
                jobs.append(ClipJob(ds.name, clip, name, ".", stems, ci, expression=str(exp_id)))
    if not jobs:
        raise InputError(f"{inst}: no expressions found")
    return jobs


def _write_record(out_dir: Path, record: dict) -> None:
    tmp = out_dir / f".{RUN_RECORD}.tmp"
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, out_dir / RUN_RECORD)


def _read_record(out_dir: Path) -> dict | None:
    path = out_dir / RUN_RECORD
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable run record ({exc}); pass --overwrite to start afresh") from None
    return data if isinstance(data, dict) else None


_IDENTITY = ("adapter", "adapter_class", "track", "guidance", "weights_sha256", "data_root")


def _predict_clip(adapter, job: ClipJob, dest: Path, bar) -> float:
    """Stream the adapter's frames for `job` into `dest`; returns seconds spent inside predict()."""
    first = read_rgb(job.clip_input.frames[0])
    h, w = first.shape[:2]
    n = len(job.stems)
    frames_dir = dest / job.frames_rel
    frames_dir.mkdir(parents=True, exist_ok=True)
    who = f"adapter {adapter.name} on clip {job.clip_input.name}"
    seconds = 0.0
    count = 0
    stream = iter(adapter.predict(job.clip_input))
    while True:
        t0 = time.perf_counter()
        try:
            alpha = next(stream)
        except StopIteration:
            seconds += time.perf_counter() - t0
            break
        seconds += time.perf_counter() - t0
        if count >= n:
            raise InputError(f"{who}: yielded more than the clip's {n} frames")
        alpha = np.asarray(alpha)
        if alpha.ndim == 3 and alpha.shape[-1] == 1:
            alpha = alpha[..., 0]
        if alpha.shape != (h, w):
            raise InputError(f"{who}: frame {job.stems[count]} has shape {alpha.shape}, expected ({h}, {w})")
        if alpha.dtype != np.uint8:
            alpha = np.clip(alpha.astype(np.float32), 0.0, 1.0)
        write_alpha(frames_dir / f"{job.stems[count]}.png", alpha)
        count += 1
        bar.update(1)
    if count != n:
        raise InputError(f"{who}: yielded {count} frames, the clip has {n}")
    return seconds


def run_adapter(
    adapter,
    data_root: str | Path,
    out_dir: str | Path,
    *,
    guidance: str | None = None,
    weights: str | Path | None = None,
    device: str = "auto",
    overwrite: bool = False,
    resume: bool = True,
    progress: bool = False,
) -> dict:
    """Run `adapter` on every sequence of `data_root` and write predictions under `out_dir`.

    Parameters
    ----------
    adapter : an `Adapter` instance (not yet loaded; ``load(weights, device)`` is called here).
    data_root : embedded-benchmark root (holds ``plain/`` and, for captions, ``instance/``).
    out_dir : prediction root. If it already holds other results (no ``run.json`` of the same
        adapter, track, guidance, weights and data), it is refused unless `overwrite`.
    guidance : guidance kind for trimap / mask tracks (default: the adapter's or the track's).
    weights : weights path already resolved (`vmbench.adapters.registry.resolve_weights`).
    resume : skip clips that ``run.json`` records as complete and whose folders exist.

    Returns the run record (also written to ``OUT/run.json``).
    """
    from tqdm import tqdm

    from vmbench import __version__
    from vmbench.provenance import dataset_hash, git_commit

    data_root = Path(data_root).resolve()
    out_dir = Path(out_dir)
    track = Track(adapter.track)
    kind = guidance or default_guidance(adapter)
    if track in (Track.NONE, Track.CAPTION):
        if guidance is not None:
            raise InputError(f"--guidance {guidance}: adapter {adapter.name} is on the {track.value} track, "
                             "which takes no guidance")
        kind = None
    jobs = find_jobs(data_root, track, guidance=kind)
    device = resolve_device(device)
    wpath = Path(weights).resolve() if weights is not None else None
    cls = type(adapter)
    identity = {
        "adapter": adapter.name,
        "adapter_class": f"{cls.__module__}.{cls.__qualname__}",
        "track": track.value,
        "guidance": kind,
        "weights": str(wpath) if wpath else None,
        "weights_sha256": weights_sha256(wpath),
        "data_root": str(data_root),
    }
    source = getattr(adapter, "weights_source", None)  # optional: where the weights came from
    source = source(wpath) if callable(source) else None

    previous = _read_record(out_dir) if out_dir.is_dir() else None
    occupied = out_dir.is_dir() and any(not p.name.startswith(".") for p in out_dir.iterdir())
    done: dict[str, dict] = {}
    if occupied and not overwrite:
        same = previous is not None and all(previous.get(k) == identity[k] for k in _IDENTITY)
        if not (same and resume):
            why = ("holds results of a different run" if previous is not None else "is not empty")
            raise InputError(f"{out_dir}: output folder {why}; pass --overwrite to replace them "
                             "or choose another --out")
        done = {c["key"]: c for c in previous.get("clips", []) if isinstance(c, dict) and "key" in c}

    record = {
        **identity,
        **({"weights_source": source} if source else {}),
        "device": device,
        "vmbench_version": __version__,
        "git_commit": git_commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset_hash": dataset_hash(data_root),
        "complete": False,
        "clips": [],
    }
    out_dir.mkdir(parents=True, exist_ok=True)

    todo = []
    for job in jobs:
        prev = done.get(job.key)
        target = out_dir / job.out_rel
        if prev is not None and prev.get("frames") == len(job.stems) and target.is_dir():
            record["clips"].append(prev)
        else:
            todo.append(job)
    _finish(record)
    _write_record(out_dir, record)
    if todo:
        adapter.load(wpath, device)
    with tqdm(total=sum(len(j.stems) for j in todo), disable=not progress, unit="frame",
              desc=adapter.name) as bar:
        for job in todo:
            target = out_dir / job.out_rel
            tmp = target.with_name(f".{target.name}.partial")
            if tmp.exists():
                shutil.rmtree(tmp)
            seconds = _predict_clip(adapter, job, tmp, bar)
            if target.exists():
                shutil.rmtree(target)
            os.replace(tmp, target)
            entry = {"key": job.key, "dataset": job.dataset, "clip": job.clip, "frames": len(job.stems),
                     "seconds": round(seconds, 6), "seconds_per_frame": round(seconds / len(job.stems), 6)}
            if job.expression is not None:
                entry["expression"] = job.expression
                entry["caption"] = job.clip_input.caption
            record["clips"].append(entry)
            _finish(record)
            _write_record(out_dir, record)
    order = {j.key: i for i, j in enumerate(jobs)}
    record["clips"].sort(key=lambda c: order.get(c["key"], len(order)))
    record["skipped"] = len(jobs) - len(todo)
    record["complete"] = True
    _finish(record)
    _write_record(out_dir, record)
    return record


def _finish(record: dict) -> None:
    frames = sum(c["frames"] for c in record["clips"])
    seconds = sum(c["seconds"] for c in record["clips"])
    record["frames"] = frames
    record["seconds"] = round(seconds, 6)
    record["seconds_per_frame"] = round(seconds / frames, 6) if frames else None
