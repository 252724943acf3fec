"""Results bundles: one zip that carries a result, how it was made, and its predictions (or their hashes),
so anyone holding the ground truth can re-score it (`vmbench pack`, `vmbench verify`; docs/formats.md).

Members: ``manifest.json`` (format, protocol, task, dataset hash, score options, environment, the
SHA-256 of every other member and of every prediction file), ``result.json`` (the four-key result),
``result.run.json`` (its run record, when there is one) and ``predictions/<path>`` (unless packed with
hashes only). Verification checks the hashes, then re-scores with `vmbench eval`'s own code.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from vmbench import __version__
from vmbench.errors import InputError, not_a_file

__all__ = ["FORMAT", "FORMAT_VERSION", "pack_bundle", "read_bundle", "verify_bundle", "Bundle", "Verdict",
           "compare_results"]

FORMAT = "vmbench-bundle"
FORMAT_VERSION = 1
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no wall-clock time: same inputs, same bytes


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _environment() -> dict:
    env = {"vmbench_version": __version__, "python": sys.version.split()[0], "platform": platform.platform()}
    for name in ("numpy", "scipy", "numba", "cv2"):
        mod = sys.modules.get(name)
        if mod is None:
            try:
                mod = __import__(name)
            except ImportError:
                continue
        env[name] = getattr(mod, "__version__", "?")
    return env


def _prediction_files(pred: Path) -> dict[str, Path]:
    """Every regular file below `pred`, keyed by its POSIX path relative to `pred` (sorted)."""
    files = {p.relative_to(pred).as_posix(): p for p in sorted(pred.rglob("*")) if p.is_file() and not p.is_symlink()}
    if not files:
        raise InputError(f"{pred}: no prediction files to pack")
    return files


def default_score_options(result: dict, run: dict) -> tuple[dict, str | None]:
    """Options to re-score with: the run record's `score_options`, else eval's defaults for its task and
    protocol (plain: the result's own metrics). The second value is a note when defaults were assumed."""
    if isinstance(run.get("score_options"), dict):
        return dict(run["score_options"]), None
    task = run.get("task") or "plain"
    opts = {"task": task, "protocol": result["protocol"]}
    if task == "plain":
        opts["metrics"] = ",".join(result["summary"])
    return opts, (f"the run record has no score_options; re-scoring uses eval's defaults for task {task}, "
                  f"protocol {result['protocol']}")


def _other_pred_note(given, recorded) -> str | None:
    """A note when --pred is not the folder the run record says was scored (QA F16)."""
    if given is None or not recorded:
        return None
    try:
        same = os.path.samefile(given, recorded)
    except OSError:
        same = Path(given).resolve() == Path(recorded).resolve()
    if same:
        return None
    return (f"--pred {given} is not the predictions folder the run record names ({recorded}); the bundle holds "
            f"the files of {given}, and `vmbench verify` re-scores those")


def pack_bundle(result_json: str | Path, out: str | Path, *, pred: str | Path | None = None,
                gt: str | Path | None = None, hashes_only: bool = False, overwrite: bool = False) -> dict:
    """Write the bundle of `result_json` to `out` (a .zip); returns its manifest.

    `pred` defaults to the run record's `pred`; the dataset hash comes from the run record or, when
    absent there, from the manifest.json above `gt`. `out` is never inside the predictions or the
    ground truth and never replaces the result; an existing `out` needs `overwrite`.
    """
    from vmbench.leaderboard.results import load_result
    from vmbench.provenance import dataset_hash, run_record_path

    res = load_result(result_json)
    result_json, out = Path(result_json), Path(out)
    run = dict(res.run)
    pred_note = _other_pred_note(pred, run.get("pred"))
    pred = Path(pred) if pred is not None else (Path(run["pred"]) if run.get("pred") else None)
    if pred is None:
        raise InputError(f"{result_json}: its run record names no predictions folder; give --pred DIR")
    if not pred.is_dir():
        raise InputError(f"{pred}: predictions folder not found")
    gt = Path(gt) if gt is not None else (Path(run["gt"]) if run.get("gt") else None)
    if out.suffix.lower() != ".zip":
        raise InputError(f"{out}: a bundle is a .zip file; name it BUNDLE.zip")
    from vmbench.outputs import atomic_path, benchmark_root, check_file_target

    inputs = [pred, gt, benchmark_root(gt) if gt is not None else None, result_json, run_record_path(result_json)]
    check_file_target(out, inputs=inputs, overwrite=overwrite, option="--out")
    ds_hash = run.get("dataset_hash") or (dataset_hash(gt) if gt is not None and gt.exists() else None)
    files = _prediction_files(pred)
    pred_hashes = {rel: _sha256_file(p) for rel, p in files.items()}
    raw = json.loads(result_json.read_text())
    opts, note = default_score_options(raw, run)
    members: dict[str, bytes] = {"result.json": result_json.read_bytes()}
    if run:
        members["result.run.json"] = run_record_path(result_json).read_bytes()
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "method": res.method, "track": res.track, "task": opts.get("task"), "protocol": res.protocol,
        "dataset_hash": ds_hash, "score_options": opts, "environment": _environment(),
        "predictions": {"included": not hashes_only, "count": len(files), "sha256": pred_hashes},
        "files": {name: _sha256_bytes(data) for name, data in members.items()},
    }
    note = "; ".join(n for n in (note, pred_note) if n)
    if note:
        manifest["note"] = note
    if not hashes_only:
        manifest["files"].update({f"predictions/{rel}": h for rel, h in pred_hashes.items()})
    with atomic_path(out, overwrite=overwrite) as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            def add(name: str, data: bytes) -> None:
                zf.writestr(zipfile.ZipInfo(name, _FIXED_TIME), data, compress_type=zipfile.ZIP_DEFLATED)

            add("manifest.json", (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())
            for name, data in members.items():
                add(name, data)
            if not hashes_only:
                for rel, p in files.items():
                    add(f"predictions/{rel}", p.read_bytes())
    return manifest


@dataclass
class Bundle:
    """A bundle read back: its manifest, result, run record and member names."""

    path: Path
    manifest: dict
    result: dict
    run: dict
    members: list[str]


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and "\\" not in name and ":" not in name


def read_bundle(path: str | Path) -> tuple[Bundle, list[str]]:
    """Open and check a bundle; returns it with the integrity problems found (empty: intact).

    A file that is not a bundle at all is an InputError; a bundle whose members do not match their
    manifest hashes is returned with one problem line per member.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(not_a_file(path, "bundle"))
    if not zipfile.is_zipfile(path):
        raise InputError(f"{path}: not a zip file (a bundle is written by `vmbench pack`)")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        bad = [n for n in names if not _safe_member(n)]
        if bad:
            raise InputError(f"{path}: unsafe member name {bad[0]!r} (absolute or with ..); refusing to read it")
        if "manifest.json" not in names or "result.json" not in names:
            raise InputError(f"{path}: no manifest.json / result.json inside; not a vmbench bundle")
        try:
            manifest = json.loads(zf.read("manifest.json"))
            result = json.loads(zf.read("result.json"))
            run = json.loads(zf.read("result.run.json")) if "result.run.json" in names else {}
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: a JSON member is not valid JSON ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise InputError(f"{path}: manifest.json is not a {FORMAT} manifest")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise InputError(f"{path}: bundle format version {manifest.get('format_version')!r}; this vmbench "
                             f"reads version {FORMAT_VERSION}")
        for key in ("files", "predictions", "protocol", "score_options"):
            if key not in manifest:
                raise InputError(f"{path}: manifest.json has no {key!r}")
        if not isinstance(result, dict) or not isinstance(result.get("summary"), dict):
            raise InputError(f"{path}: result.json is not a vmbench result")
        problems = []
        listed = manifest["files"]
        for name in names:
            if name == "manifest.json" or name.endswith("/"):
                continue
            if name not in listed:
                problems.append(f"{name}: in the bundle but not in its manifest (added after packing)")
            elif _sha256_bytes(zf.read(name)) != listed[name]:
                problems.append(f"{name}: SHA-256 differs from the manifest (changed after packing)")
        for name in listed:
            if name not in names:
                problems.append(f"{name}: listed in the manifest but missing from the bundle")
        if manifest["predictions"].get("included"):
            for rel, h in manifest["predictions"].get("sha256", {}).items():
                if listed.get(f"predictions/{rel}") != h:
                    problems.append(f"predictions/{rel}: manifest lists two different hashes for it")
    return Bundle(path, manifest, result, run, names), problems


def _close(a: float, b: float, rtol: float, atol: float) -> bool:
    if math.isnan(a) and math.isnan(b):
        return True
    if not (math.isfinite(a) and math.isfinite(b)):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def compare_results(packed: dict, rescored: dict, *, rtol: float = 1e-9, atol: float = 1e-12) -> list[str]:
    """One line per summary metric or per-clip value that does not reproduce (empty: all reproduce)."""
    lines = []
    ps, rs = packed.get("summary", {}), rescored.get("summary", {})
    for m in list(dict.fromkeys([*ps, *rs])):
        if m not in rs:
            lines.append(f"{m}: in the bundle ({ps[m]!r}) but not re-scored")
            continue
        if m not in ps:
            lines.append(f"{m}: re-scored ({rs[m]!r}) but not in the bundle")
            continue
        a, b = float(ps[m]), float(rs[m])
        if not _close(a, b, rtol, atol):
            rel = abs(a - b) / abs(b) if b else math.inf
            lines.append(f"{m}: bundle {a:.6g}, re-scored {b:.6g} (difference {a - b:+.3g}, {rel:.2%} relative)")

    def key(row):
        return tuple(str(row.get(k)) for k in ("dataset", "clip", "instance", "exp_id") if k in row)

    re_clips = {key(r): r for r in rescored.get("clips", [])}
    pk_clips = {key(r): r for r in packed.get("clips", [])}
    missing = [k for k in pk_clips if k not in re_clips]
    extra = [k for k in re_clips if k not in pk_clips]
    if missing:
        lines.append(f"clips: {len(missing)} in the bundle not re-scored, e.g. {'/'.join(missing[0])}")
    if extra:
        lines.append(f"clips: {len(extra)} re-scored not in the bundle, e.g. {'/'.join(extra[0])}")
    differing: dict[str, int] = {}
    for k, row in pk_clips.items():
        other = re_clips.get(k)
        if other is None:
            continue
        for m, v in row.items():
            if m in ps and isinstance(v, (int, float)) and isinstance(other.get(m), (int, float)):
                if not _close(float(v), float(other[m]), rtol, atol):
                    differing[m] = differing.get(m, 0) + 1
    for m, n in differing.items():
        lines.append(f"{m}: {n} of {len(pk_clips)} per-clip values differ")
    return lines


@dataclass
class Verdict:
    """What `verify_bundle` found: integrity problems, notes, and metric differences."""

    bundle: Bundle
    integrity: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)
    rescored: dict | None = None

    @property
    def reproduced(self) -> bool:
        return not self.integrity and not self.differences


def _eval_argv(opts: dict, pred: Path, gt: Path, trimap: Path | None) -> list[str]:
    argv = ["eval", "--pred", str(pred), "--gt", str(gt), "--no-progress"]
    flags = {"task": "--task", "protocol": "--protocol", "metrics": "--metrics", "trimap_radius": "--trimap-radius",
             "vim_error": "--vim-error", "vim_weight": "--vim-weight", "vim_binarize": "--vim-binarize",
             "vim_iou": "--vim-iou", "instance_match": "--instance-match", "precision": "--precision"}
    for k, flag in flags.items():
        v = opts.get(k)
        if v is not None:
            argv += [flag, str(v)]
    if opts.get("vim_paper"):
        argv.append("--vim-paper")
    if trimap is not None:
        argv += ["--trimap", str(trimap)]
    return argv


def verify_bundle(path: str | Path, *, gt: str | Path | None = None, pred: str | Path | None = None,
                  trimap: str | Path | None = None, rtol: float = 1e-9, atol: float = 1e-12) -> Verdict:
    """Check a bundle's hashes and re-score its predictions against `gt` with eval's code.

    Predictions come from the bundle (extracted to a temporary folder outside every input) or, for a
    hashes-only bundle, from `pred`, whose files must match the packed hashes. Different dataset
    hashes, missing predictions or a missing ground truth are InputErrors: nothing can be verified.
    """
    from vmbench.cli import build_parser
    from vmbench.commands.eval import score
    from vmbench.provenance import dataset_hash

    bundle, integrity = read_bundle(path)
    verdict = Verdict(bundle, integrity=integrity)
    m = bundle.manifest
    if gt is None:
        gt = bundle.run.get("gt")
        if not gt or not Path(gt).is_dir():
            raise InputError(f"{bundle.path}: give --gt DIR (the run record's ground truth {gt!r} is not here)")
        verdict.notes.append(f"ground truth from the run record: {gt}")
    gt = Path(gt)
    if not gt.is_dir():
        raise InputError(f"{gt}: ground-truth folder not found")
    here = dataset_hash(gt)
    if m.get("dataset_hash") and here and here != m["dataset_hash"]:
        raise InputError(f"{gt}: dataset hash {here} differs from the bundle's {m['dataset_hash']}; these "
                         "numbers were scored on another dataset")
    if m.get("dataset_hash") and not here:
        verdict.notes.append(f"{gt}: no manifest.json with a content hash; cannot confirm it is dataset "
                             f"{m['dataset_hash']}")
    if m.get("note"):
        verdict.notes.append(m["note"])
    hashes = m["predictions"].get("sha256", {})
    opts = dict(m["score_options"])
    if opts.get("trimap") and trimap is None:
        raise InputError(f"{bundle.path}: scored with --trimap {opts['trimap']}; give --trimap DIR")
    with tempfile.TemporaryDirectory(prefix="vmbench-verify-") as tmp:
        if m["predictions"].get("included"):
            pred_dir = Path(tmp) / "predictions"
            with zipfile.ZipFile(bundle.path) as zf:
                for rel in hashes:
                    target = pred_dir / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        target.write_bytes(zf.read(f"predictions/{rel}"))
                    except KeyError:
                        raise InputError(f"{bundle.path}: prediction {rel} listed but missing from the "
                                         "bundle") from None
            if pred is not None:
                verdict.notes.append("--pred ignored: the bundle carries its predictions")
        else:
            if pred is None:
                raise InputError(f"{bundle.path}: packed with hashes only; give --pred DIR with the predictions")
            pred_dir = Path(pred)
            if not pred_dir.is_dir():
                raise InputError(f"{pred_dir}: predictions folder not found")
            missing = [rel for rel in hashes if not (pred_dir / rel).is_file()]
            if missing:
                raise InputError(f"{pred_dir}: {len(missing)} of {len(hashes)} prediction files named in the "
                                 f"bundle are missing (e.g. {missing[0]})")
            changed = [rel for rel, h in hashes.items() if _sha256_file(pred_dir / rel) != h]
            if changed:
                verdict.integrity.append(f"{pred_dir}: {len(changed)} of {len(hashes)} prediction files differ "
                                         f"from the packed hashes (e.g. {changed[0]})")
        args = build_parser().parse_args(_eval_argv(opts, pred_dir, gt, Path(trimap) if trimap else None))
        _task, rescored, _table = score(args)
    verdict.rescored = rescored
    if rescored.get("protocol") != bundle.result.get("protocol"):
        verdict.differences.append(f"protocol: bundle {bundle.result.get('protocol')!r}, re-scored "
                                   f"{rescored.get('protocol')!r}")
    verdict.differences += compare_results(bundle.result, rescored, rtol=rtol, atol=atol)
    return verdict
