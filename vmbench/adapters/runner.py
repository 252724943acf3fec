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
import re
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
           "RUN_RECORD", "adapter_settings", "parse_shard", "shard_of", "predict_clip_task"]

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


def _write_record(out_dir: Path, record: dict, name: str = RUN_RECORD) -> None:
    tmp = out_dir / f".{name}.tmp"
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, out_dir / name)


def _read_records(out_dir: Path) -> dict[str, dict]:
    """{file name: record} of the run records in `out_dir`: run.json and the shards' run.shard-I-of-N.json."""
    out = {}
    for path in sorted(out_dir.glob("run*.json")):
        if path.name != RUN_RECORD and not _SHARD_RECORD.fullmatch(path.name):
            continue
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise InputError(f"{path}: unreadable run record ({exc}); remove it or choose another --out") from None
        if isinstance(data, dict):
            out[path.name] = data
    return out


_SHARD_RECORD = re.compile(r"run\.shard-\d+-of-\d+\.json")

#: what must match the run record for a run to resume (docs/cluster.md)
_IDENTITY = ("dataset_hash", "adapter", "adapter_class", "settings", "track", "guidance", "weights_sha256")


def adapter_settings(adapter) -> dict:
    """An adapter's settings as the run record keeps them: ``adapter.settings()`` if it has one, else
    its public attributes of plain types (read before ``load``, so weights do not enter)."""
    custom = getattr(adapter, "settings", None)
    if callable(custom):
        return json.loads(json.dumps(custom(), default=str))
    plain = (str, int, float, bool, type(None))
    return {k: v for k, v in sorted(vars(adapter).items())
            if not k.startswith("_") and k != "name" and isinstance(v, plain)}


def _differs(previous: dict, identity: dict) -> str | None:
    """The first identity field in which `previous` differs, worded for the user; None if all match."""
    for k in _IDENTITY:
        if previous.get(k) != identity[k]:
            return f"{k}: the record has {previous.get(k)!r}, this run {identity[k]!r}"
    return None


def _frames_complete(folder: Path, stems: list[str]) -> bool:
    """A clip is done iff its final folder holds a PNG for every frame."""
    if not folder.is_dir():
        return False
    names = {p.name for p in folder.iterdir()}
    return all(f"{s}.png" in names for s in stems)


def _clear_own_clip(target: Path, frames_rel: str) -> None:
    """Remove a clip folder vmbench wrote: only its PNG frames and the folders holding them.

    Anything else found there is not ours: it is left in place and the run stops, naming it.
    """
    frames = target / frames_rel
    foreign = [p for p in target.rglob("*") if not (p.is_dir() or (p.parent == frames and p.suffix == ".png"))]
    if foreign:
        raise InputError(f"{foreign[0]}: not written by vmbench, inside an output clip folder; vmbench will not "
                         "delete it (move it, or choose another --out)")
    for p in frames.glob("*.png"):
        p.unlink()
    for d in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        d.rmdir()
    if target.exists():
        target.rmdir()


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
        if bar is not None:
            bar.update(1)
    if count != n:
        raise InputError(f"{who}: yielded {count} frames, the clip has {n}")
    return seconds


@dataclass
class _ClipTask:
    """One clip prediction as a work item: everything a worker (here or on Dask) needs."""

    adapter: object  # an unloaded adapter instance (pickled to Dask workers)
    weights: Path | None
    weights_sha256: str | None
    device: str
    job: ClipJob
    out_dir: Path


_LOADED: dict = {}  # per process: (adapter class, settings, weights hash, device) -> loaded adapter


def _loaded(task: _ClipTask):
    """The task's adapter, loaded once per process (a Dask worker predicts many clips)."""
    a = task.adapter
    key = (f"{type(a).__module__}.{type(a).__qualname__}", getattr(a, "name", ""),
           json.dumps(adapter_settings(a), sort_keys=True), task.weights_sha256, task.device)
    if key not in _LOADED:
        a.load(task.weights, resolve_device(task.device))
        _LOADED[key] = a
    return _LOADED[key]


def predict_clip_task(task: _ClipTask, bar=None) -> dict:
    """Predict one clip into a hidden temporary folder and rename it into place when complete;
    returns its run-record entry. Safe to re-run after a lost worker: the temporary folder is
    discarded and redone; a clip whose final folder holds all frames is never touched."""
    job = task.job
    target = task.out_dir / job.out_rel
    tmp = target.with_name(f".{target.name}.partial")
    if tmp.exists():
        shutil.rmtree(tmp)  # our own half-written temporary folder (hidden name, made by us)
    seconds = _predict_clip(_loaded(task), job, tmp, bar)
    if target.exists():
        _clear_own_clip(target, job.frames_rel)
    os.replace(tmp, target)
    entry = {"key": job.key, "dataset": job.dataset, "clip": job.clip, "frames": len(job.stems),
             "seconds": round(seconds, 6), "seconds_per_frame": round(seconds / len(job.stems), 6)}
    if task.device == "auto":
        entry["device"] = resolve_device("auto")  # what the worker that ran it chose
    if job.expression is not None:
        entry["expression"] = job.expression
        entry["caption"] = job.clip_input.caption
    return entry


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """``"I/N"`` -> (I, N) with 1 <= I <= N; None for None."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(text))
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise InputError(f"--shard {text!r}: expected I/N with 1 <= I <= N (e.g. 2/8: the second of 8 shards)")
    return int(m.group(1)), int(m.group(2))


def shard_of(jobs: list[ClipJob], shard: tuple[int, int] | None) -> list[ClipJob]:
    """The jobs of shard I of N: every N-th job of the sorted job list, starting at the I-th
    (deterministic: the same data gives every shard the same clips on any machine)."""
    if shard is None:
        return jobs
    i, n = shard
    return [j for k, j in enumerate(jobs) if k % n == i - 1]


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
    scheduler: str | None = None,
    resources: dict | None = None,
    shard: tuple[int, int] | None = None,
) -> dict:
    """Run `adapter` on every sequence of `data_root` and write predictions under `out_dir`.

    Parameters
    ----------
    adapter : an `Adapter` instance (not yet loaded; ``load(weights, device)`` is called once per
        process that predicts).
    data_root : embedded-benchmark root (holds ``plain/`` and, for captions, ``instance/``).
    out_dir : prediction root. A clip is done iff its final folder holds all its frames. An earlier
        run's folder is resumed only when its run record matches this run's dataset hash, adapter,
        adapter settings, track, guidance and weights hash; otherwise the first differing field is
        named and nothing happens unless `overwrite`, which removes only what vmbench wrote there
        (the clips its record lists, as PNG frames) and never anything else.
    guidance : guidance kind for trimap / mask tracks (default: the adapter's or the track's).
    weights : weights path already resolved (`vmbench.adapters.registry.resolve_weights`).
    resume : skip clips that are done.
    scheduler : a Dask scheduler address: one task per clip on its workers, which write to
        `out_dir` (shared storage); `resources` (e.g. {"GPU": 1}) are the tasks' Dask resources.
    shard : (I, N): predict only shard I of N (`shard_of`); its record is ``run.shard-I-of-N.json``
        and a later plain run (no shard) finds every clip done and writes the complete run.json.

    Returns the run record (also written to ``OUT/run.json`` or the shard's record).
    """
    from vmbench import __version__
    from vmbench.provenance import dataset_hash, git_commit

    if scheduler:
        from vmbench.engine.cluster import check_address

        check_address(scheduler)
    data_root = Path(data_root).resolve()
    out_dir = Path(out_dir)
    from vmbench.outputs import benchmark_root, check_folder_target

    check_folder_target(out_dir, inputs=[data_root, benchmark_root(data_root), weights], overwrite=True,
                        replaces=True, option="--out")  # never in or around an input; foreign results: below
    track = Track(adapter.track)
    kind = guidance or default_guidance(adapter)
    if track in (Track.NONE, Track.CAPTION):
        if guidance is not None:
            raise InputError(f"--guidance {guidance}: adapter {adapter.name} is on the {track.value} track, "
                             "which takes no guidance")
        kind = None
    jobs = find_jobs(data_root, track, guidance=kind)
    if scheduler:  # the workers have the GPUs: each resolves `device` itself (this machine may have none)
        if device not in ("auto", "cpu", "cuda") and not device.startswith("cuda:"):
            raise InputError(f"--device {device!r}: choose auto, cpu or cuda")
    else:
        device = resolve_device(device)
    wpath = Path(weights).resolve() if weights is not None else None
    cls = type(adapter)
    identity = {
        "dataset_hash": dataset_hash(data_root) or f"path:{data_root}",
        "adapter": adapter.name,
        "adapter_class": f"{cls.__module__}.{cls.__qualname__}",
        "settings": adapter_settings(adapter),
        "track": track.value,
        "guidance": kind,
        "weights_sha256": weights_sha256(wpath),
    }
    source = getattr(adapter, "weights_source", None)  # optional: where the weights came from
    source = source(wpath) if callable(source) else None

    previous = _read_records(out_dir) if out_dir.is_dir() else {}
    occupied = out_dir.is_dir() and any(not p.name.startswith(".") for p in out_dir.iterdir())
    done: dict[str, dict] = {}
    if occupied:
        if not previous:
            if not overwrite:
                raise InputError(f"{out_dir}: output folder is not empty and holds no vmbench run record; pass "
                                 "--overwrite to write beside what is there (vmbench deletes none of it) or choose another --out")
            theirs = next((out_dir / j.out_rel for j in jobs if (out_dir / j.out_rel).exists()), None)
            if theirs is not None:
                raise InputError(f"{theirs}: exists and was not written by vmbench (no run record); vmbench will not "
                                 "replace it, --overwrite included (move it, or choose another --out)")
        why = next((f"{name}: {d}" for name, rec in previous.items() if (d := _differs(rec, identity))), None)
        if previous and (why is not None or not resume):
            if not overwrite:
                reason = f"it holds a different run ({why})" if why else "resuming is off"
                raise InputError(f"{out_dir}: cannot resume, {reason}; pass --overwrite to start over "
                                 "(removes only the clips vmbench wrote there) or choose another --out")
            _start_over(out_dir, previous, jobs)
            previous = {}
        for rec in previous.values():
            done.update({c["key"]: c for c in rec.get("clips", []) if isinstance(c, dict) and "key" in c})

    record_name = RUN_RECORD if shard is None else f"run.shard-{shard[0]}-of-{shard[1]}.json"
    mine = shard_of(jobs, shard)
    record = {
        **identity,
        "weights": str(wpath) if wpath else None,
        "data_root": str(data_root),
        **({"weights_source": source} if source else {}),
        "device": device,
        "vmbench_version": __version__,
        "git_commit": git_commit(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "shard": f"{shard[0]}/{shard[1]}" if shard else None,
        "complete": False,
        "clips": [],
    }
    out_dir.mkdir(parents=True, exist_ok=True)

    todo = []
    for job in mine:
        if resume and _frames_complete(out_dir / job.out_rel / job.frames_rel, job.stems):
            record["clips"].append(done.get(job.key) or {"key": job.key, "dataset": job.dataset, "clip": job.clip,
                                                         "frames": len(job.stems), "seconds": None,
                                                         "seconds_per_frame": None})
        else:
            todo.append(job)
    _finish(record)
    _write_record(out_dir, record, record_name)
    tasks = [_ClipTask(adapter, wpath, identity["weights_sha256"], device, j, out_dir) for j in todo]

    def finished(_, entry):
        record["clips"].append(entry)
        _finish(record)
        _write_record(out_dir, record, record_name)

    if scheduler:
        from vmbench.engine.executor import run_items

        run_items(predict_clip_task, tasks, scheduler=scheduler, resources=resources, on_done=finished,
                  progress=progress, unit="clip")
    else:
        from tqdm import tqdm

        with tqdm(total=sum(len(j.stems) for j in todo), disable=not progress, unit="frame",
                  desc=adapter.name) as bar:
            for task in tasks:
                finished(None, predict_clip_task(task, bar))
    order = {j.key: i for i, j in enumerate(jobs)}
    record["clips"].sort(key=lambda c: order.get(c["key"], len(order)))
    record["skipped"] = len(mine) - len(todo)
    record["complete"] = True
    _finish(record)
    _write_record(out_dir, record, record_name)
    if shard is None:
        for name in previous:
            if name != RUN_RECORD:
                (out_dir / name).unlink()  # the shards' records are folded into run.json
    return record


def _start_over(out_dir: Path, records: dict[str, dict], jobs: list[ClipJob]) -> None:
    """--overwrite: remove what the earlier run records say vmbench wrote, nothing else."""
    rel = {j.key: j.frames_rel for j in jobs}
    for name, rec in records.items():
        for c in rec.get("clips", []):
            key = c.get("key") if isinstance(c, dict) else None
            if not isinstance(key, str) or ".." in Path(key).parts or Path(key).is_absolute():
                continue
            target = out_dir / key
            if target.is_dir():
                _clear_own_clip(target, rel.get(key, "pha" if c.get("expression") is None else "."))
            for parent in list(target.parents)[:-1]:
                if parent == out_dir or not parent.is_relative_to(out_dir):
                    break
                if parent.is_dir() and not any(parent.iterdir()):
                    parent.rmdir()
        (out_dir / name).unlink()


def _finish(record: dict) -> None:
    frames = sum(c["frames"] for c in record["clips"])
    timed = [c for c in record["clips"] if c.get("seconds") is not None]
    seconds = sum(c["seconds"] for c in timed)
    timed_frames = sum(c["frames"] for c in timed)
    record["frames"] = frames
    record["seconds"] = round(seconds, 6)
    record["seconds_per_frame"] = round(seconds / timed_frames, 6) if timed_frames else None
