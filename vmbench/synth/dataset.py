"""Writing the embedded benchmark to disk (layout of docs/formats.md) and caching it.

`make_dataset` renders every clip of a preset frame by frame and writes the plain (RVM) tree,
the instance (VIM) tree, MeViS-style expressions and ``manifest.json``. Same preset, seed and
generator version give byte-identical files (same content hash).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from vmbench import __version__
from vmbench.errors import InputError

__all__ = [
    "GENERATOR_VERSION",
    "PRESETS",
    "Preset",
    "clip_rng",
    "preset_clips",
    "content_hash",
    "make_dataset",
    "ensure_dataset",
    "default_cache_dir",
]

GENERATOR_VERSION = "1"


@dataclass(frozen=True)
class Preset:
    """A named dataset recipe: (dataset name, style, clip count) groups at one size."""

    name: str
    groups: tuple[tuple[str, str, int], ...]
    frames: int
    height: int
    width: int
    description: str


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset("tiny", (("single", "single", 2), ("multi", "multi", 2)), 8, 72, 128,
               "4 clips x 8 frames at 128x72, for tests and CI"),
        Preset("standard", (("single", "single", 10), ("multi", "multi", 10), ("camo", "camo", 10),
                            ("fast", "fast", 10)), 60, 288, 512,
               "the leaderboard set: 40 clips x 60 frames at 512x288"),
        Preset("standard-hd", (("single", "single", 2), ("multi", "multi", 2), ("camo", "camo", 2),
                               ("fast", "fast", 2)), 60, 1080, 1920,
               "8 clips x 60 frames at 1920x1080 (same recipes as standard, fewer clips)"),
    )
}


def clip_rng(seed: int, dataset_index: int, clip_index: int) -> np.random.Generator:
    """The generator of one clip: ``default_rng([seed, dataset_index, clip_index])``."""
    return np.random.default_rng([int(seed), int(dataset_index), int(clip_index)])


def preset_clips(preset: str, seed: int) -> list[dict]:
    """Every clip of a preset: dataset, clip name, style and its rng (in writing order)."""
    p = _get_preset(preset)
    out = []
    for d, (dataset, style, count) in enumerate(p.groups):
        for c in range(count):
            out.append({"dataset": dataset, "clip": f"{dataset}{c:03d}", "style": style,
                        "rng": clip_rng(seed, d, c), "frames": p.frames, "height": p.height,
                        "width": p.width})
    return out


def _get_preset(preset: str) -> Preset:
    if preset not in PRESETS:
        raise InputError(f"--preset {preset}: unknown preset; available: {', '.join(PRESETS)}")
    return PRESETS[preset]


def _files(root: Path) -> list[tuple[str, Path]]:
    items = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if rel != "manifest.json":
                items.append((rel, path))
    items.sort(key=lambda x: x[0].encode("utf-8"))
    return items


def content_hash(root: Path) -> str:
    """sha256 over every file but manifest.json, sorted by relative path (UTF-8 bytes).

    For each file: ``path + "\\n" + str(size) + "\\n"`` then the file's bytes.
    """
    h = hashlib.sha256()
    for rel, path in _files(Path(root)):
        data = path.read_bytes()
        h.update(f"{rel}\n{len(data)}\n".encode("utf-8"))
        h.update(data)
    return h.hexdigest()


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _write_clip(root: Path, item: dict) -> dict:
    """Render one clip and write its files; returns its manifest entry."""
    from vmbench.io.frames import write_alpha, write_rgb
    from vmbench.synth.clip import instance_records
    from vmbench.synth.guidance import all_guidance, guidance_radius
    from vmbench.synth.render import render_frames, to_u8
    from vmbench.synth.spec import sample_clip_spec

    spec = sample_clip_spec(item["rng"], height=item["height"], width=item["width"],
                            frames=item["frames"], style=item["style"])
    plain = root / "plain" / item["dataset"] / item["clip"]
    inst = root / "instance" / item["dataset"] / item["clip"]
    r = guidance_radius(spec.height, spec.width)
    ids = [i.id for i in spec.instances]
    for t, f in enumerate(render_frames(spec)):
        name = f"{t:04d}.png"
        write_rgb(plain / "com" / name, f.image)
        _link_or_copy(plain / "com" / name, inst / "com" / name)
        union = to_u8(f.union)
        write_alpha(plain / "pha" / name, union)
        write_rgb(plain / "fgr" / name, f.fgr)
        for kind, image in all_guidance(union, first=t == 0, r=r).items():
            write_alpha(plain / "guidance" / kind / name, image)
        for i, iid in enumerate(ids):
            vis = to_u8(f.visible[i])
            write_alpha(inst / "pha" / iid / name, vis)
            for kind, image in all_guidance(vis, first=t == 0, r=r).items():
                write_alpha(inst / "guidance" / iid / kind / name, image)
    return {
        "dataset": item["dataset"],
        "clip": item["clip"],
        "frames": spec.frames,
        "height": spec.height,
        "width": spec.width,
        "style": spec.style,
        "background": spec.background,
        "shutter": round(spec.shutter, 4),
        "subframes": spec.subframes,
        "instances": instance_records(spec),
    }


def _write_clip_job(args) -> dict:
    root, item = args
    return _write_clip(Path(root), item)


def _prepare_out(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    if out.is_dir():
        entries = sorted(p.name for p in out.iterdir())
        if entries and not overwrite:
            raise InputError(f"{out}: folder is not empty; pass --overwrite to replace a dataset there")
        ours = {"manifest.json", "plain", "instance"}
        foreign = [e for e in entries if e not in ours]
        if foreign:
            raise InputError(f"{out}: holds files that make-dataset did not write ({', '.join(foreign[:5])}); "
                             "refusing to delete them, choose an empty folder")
        for e in entries:
            p = out / e
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    out.mkdir(parents=True, exist_ok=True)


def make_dataset(
    out: Path,
    *,
    preset: str,
    seed: int = 0,
    overwrite: bool = False,
    workers: int = 1,
    log: Callable[[str], None] | None = None,
) -> Path:
    """Generate preset `preset` with `seed` into folder `out` and return it.

    Refuses a non-empty `out` unless `overwrite` (and even then only deletes what a previous
    make-dataset wrote). `workers` > 1 renders clips in parallel processes; files are identical.
    """
    out = Path(out)
    p = _get_preset(preset)
    _prepare_out(out, overwrite)
    items = preset_clips(preset, seed)
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            entries = []
            for entry in pool.map(_write_clip_job, [(str(out), it) for it in items]):
                entries.append(entry)
                if log:
                    log(f"{entry['dataset']}/{entry['clip']}: {len(entry['instances'])} instance(s)")
    else:
        entries = []
        for it in items:
            entries.append(_write_clip(out, it))
            if log:
                log(f"{it['dataset']}/{it['clip']}: {len(entries[-1]['instances'])} instance(s)")
    for dataset, _style, _count in p.groups:
        videos = {}
        for e in entries:
            if e["dataset"] != dataset:
                continue
            exps, k = {}, 0
            for rec in e["instances"]:
                for text in rec["captions"]:
                    exps[str(k)] = {"exp": text, "obj_id": [rec["id"]], "anno_id": [rec["id"]]}
                    k += 1
            videos[e["clip"]] = {"frames": [f"{t:04d}" for t in range(e["frames"])], "expressions": exps}
        path = out / "instance" / dataset / "meta_expressions.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"videos": videos}, indent=1) + "\n", encoding="utf-8")
    manifest = {
        "generator": "vmbench.synth",
        "generator_version": GENERATOR_VERSION,
        "vmbench_version": __version__,
        "preset": preset,
        "seed": int(seed),
        "content_hash": content_hash(out),
        "clips": entries,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return out


def default_cache_dir() -> Path:
    """``$VMBENCH_CACHE/datasets`` if set, else ``~/.cache/vmbench/datasets``."""
    env = os.environ.get("VMBENCH_CACHE")
    return (Path(env) if env else Path.home() / ".cache" / "vmbench") / "datasets"


def _manifest_matches(root: Path, preset: str, seed: int) -> bool:
    try:
        m = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (m.get("preset") == preset and m.get("seed") == int(seed)
            and m.get("generator_version") == GENERATOR_VERSION and bool(m.get("content_hash")))


def ensure_dataset(preset: str = "tiny", *, seed: int = 0, cache_dir: Path | None = None,
                   workers: int = 1) -> Path:
    """Return the cached dataset ``<cache>/<preset>-s<seed>-v<version>``, generating it if needed.

    Reused when its manifest names the same preset, seed and generator version; otherwise
    regenerated into a temporary sibling folder and renamed into place (atomic: readers never
    see a half-written dataset).
    """
    _get_preset(preset)
    base = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = base / f"{preset}-s{int(seed)}-v{GENERATOR_VERSION}"
    if _manifest_matches(target, preset, seed):
        return target
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=base))
    try:
        make_dataset(tmp, preset=preset, seed=seed, workers=workers)
        if target.exists():
            if _manifest_matches(target, preset, seed):  # another process finished first
                shutil.rmtree(tmp)
                return target
            stale = Path(tempfile.mkdtemp(prefix=f".{target.name}.stale-", dir=base))
            os.rename(target, stale / "old")
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.rename(tmp, target)
        except OSError:
            if _manifest_matches(target, preset, seed):
                shutil.rmtree(tmp, ignore_errors=True)
                return target
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
