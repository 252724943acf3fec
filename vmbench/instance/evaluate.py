"""`evaluate_instance` and `evaluate_referring`: instance and referring matting evaluation.

Both return the pinned result JSON (docs/formats.md): ``{"protocol", "summary", "clips", "frames"}``.
``summary`` and every clip row hold RQ, TQ, MQ, VIMQ (SHI-Labs/VIM) beside the matting metrics of
the chosen protocol; ``frames`` has one row per (clip, ground-truth instance or expression, frame),
with an ``instance`` (or, for referring, ``exp_id``) key naming the sequence. See docs/instance.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from vmbench.errors import InputError
from vmbench.instance.davis import davis_frames, davis_summary
from vmbench.engine.executor import run_items
from vmbench.engine.notes import summarise_notes
from vmbench.engine.pooling import every_index, rvm_sheet, rvm_sheet_notes
from vmbench.instance.clip_pass import maggie_sequences, match_stats, score_pairs
from vmbench.instance.layout import (
    InstanceFrames,
    find_gt_clips,
    find_pred_clip,
    list_gt_clip,
    list_pred_clip,
    load_expressions,
    refuse_same_folder,
    _images,
)
from vmbench.instance.maggie import maggie_pool, resolve_maggie_metrics
from vmbench.instance.vim import PairStats, VimOptions, pair_stats, vim_dataset, vim_match, vim_scores
from vmbench.io.frames import natural_key

__all__ = ["evaluate_instance", "evaluate_referring", "resolve_metrics", "referring_accuracy", "VIM_KEYS"]

VIM_KEYS = ("RQ", "TQ", "MQ", "VIMQ")
_DAVIS = ("J", "F")


def resolve_metrics(protocol: str, metrics) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(matting metrics of the protocol, DAVIS metrics J/F) from a requested list (None = defaults)."""
    requested = [m.strip() for m in metrics] if metrics else []
    davis = tuple(d for d in _DAVIS if any(r.lower() in (d.lower(), "j&f") for r in requested))
    rest = [r for r in requested if r.lower() not in ("j", "f", "j&f")]
    if protocol == "davis":  # davis2017-evaluation: J and F only (summaries in vmbench.instance.davis)
        if rest:
            raise InputError(f"metric {rest[0]!r} is not part of protocol 'davis'; available: J, F")
        return (), davis or _DAVIS
    if protocol == "maggie":
        plain = resolve_maggie_metrics(rest or None)
    else:
        from vmbench.protocols import get_protocol

        proto = get_protocol(protocol)
        if proto.gt_stride > 1 or proto.region in ("tcvom", "ftpvm"):
            raise InputError(f"protocol {protocol!r} is for the plain task (its reference scores one matte per clip"
                             f"{' on sparse ground truth' if proto.gt_stride > 1 else ' with the dataset trimaps'}); "
                             "instance and referring tasks take rvm, rvm-hr, dim, maggie, davis or videomama")
        plain = proto.resolve_metrics(rest or None)
    if requested and not rest:
        plain = ()
    return plain, davis


def _summarise(protocol: str, seqs: list[dict[str, np.ndarray]], keys: list[tuple], names: tuple[str, ...],
               jf_rule: str = "davis") -> dict[str, float]:
    """Dataset figure of each metric over all sequences, pooled as the protocol's reference pools."""
    out = {}
    for m in names:
        arrays = [np.asarray(s[m], dtype=np.float64) for s in seqs if m in s]
        if not arrays:
            continue
        if m in _DAVIS:  # davis2017-evaluation: mean, recall, decay per sequence, then mean over sequences
            stats = davis_summary(arrays if m == "J" else [], arrays if m == "F" else [], jf_rule)
            out.update({k: v for k, v in stats.items() if k != "J&F"})
        elif protocol == "maggie":
            out[m] = maggie_pool(arrays)
        elif protocol in ("rvm", "rvm-hr"):  # RVM's sheet, instance sequences in place of clips
            out[m] = rvm_sheet(arrays, keys)
        else:
            out[m] = float(np.mean(np.concatenate(arrays)))
    return out


def _pooling_notes(protocol: str, seqs, keys, names) -> list[str]:
    plain = [m for m in names if m not in _DAVIS]
    if protocol not in ("rvm", "rvm-hr") or not plain or not seqs:
        return []
    every = {m: every_index([s[m] for s in seqs]) for m in plain}
    return rvm_sheet_notes([len(s[plain[0]]) for s in seqs], keys, every, what="sequences")


def _clip_means(seqs: list[dict[str, np.ndarray]], names: tuple[str, ...], jf_rule: str = "davis") -> dict[str, float]:
    out = {}
    for m in names:
        pick = (lambda a: davis_frames(a, jf_rule)) if m in _DAVIS else (lambda a: a)
        v = np.concatenate([pick(np.asarray(s[m], dtype=np.float64)) for s in seqs]) if seqs else np.zeros(0)
        v = v[~np.isnan(v)]
        out[m] = float(v.mean()) if v.size else None
    return out


def _json_value(v):
    if v is None:
        return None
    v = float(v)
    return None if math.isnan(v) else v


@dataclass(frozen=True)
class _Job:
    dataset: str
    clip: str
    gt_clip: object
    pred_root: Path
    protocol: str
    metrics: tuple
    davis: tuple
    options: VimOptions
    match: str
    trimap_radius: int
    expressions: tuple = ()  # referring: Expression objects of this clip
    jf_rule: str = "davis"  # DAVIS frame rule for J/F summaries (vmbench.instance.davis.JF_RULES)


class _Side:
    """One side of a clip (ground truth or prediction) read a frame at a time, with a frame cache
    of one so the two passes and the per-frame callers never read a frame twice in a row."""

    def __init__(self, read: Callable[[int], np.ndarray], count: int, T: int, shape: tuple[int, int] | None = None):
        self.read = read  # t -> float32 (count, H, W)
        self.count = count
        self.T = T
        self.shape = shape
        self._t, self._frame = -1, None

    @classmethod
    def of(cls, files: InstanceFrames, T: int, shape=None) -> "_Side":
        return cls(files.frame, len(files), T, shape)

    def __call__(self, t: int) -> np.ndarray:
        if t != self._t:
            self._frame = self.read(t) if self.count else np.zeros((0, *self.shape), dtype=np.float32)
            self._t = t
        return self._frame


def _pass_clip(job: _Job, gt: _Side, pred: _Side, T: int, n: int, m: int, match_rule: str, pred_names, names):
    """Both passes over one clip: matching statistics, VIM, the partner of each GT sequence, its values."""
    H, W = gt.shape
    stats = match_stats(gt, pred, T, n, m, job.options.effective_binarize, H * W)
    match = vim_match(stats, n, m, job.options)
    if match_rule == "name":
        by_name = {nm: k for k, nm in enumerate(pred_names)}
        partner = [by_name.get(nm) for nm in names]
    else:
        partner = [None] * n
        for r, c in match.pairs:
            partner[r] = c
    dt_pairs = list(match.tp) if job.options.error == "dtSSD" and match.rs else []
    if job.protocol == "maggie":
        seqs, dt = score_pairs(gt, pred, partner, T, protocol="rvm", metrics=(), davis=job.davis,
                               davis_threshold=job.options.binarize, trimap_radius=job.trimap_radius,
                               dtssd_pairs=dt_pairs)
        for s, w in zip(seqs, maggie_sequences(gt, pred, partner, T, job.metrics)):
            s.update(w)
    else:
        seqs, dt = score_pairs(gt, pred, partner, T, protocol=job.protocol, metrics=job.metrics, davis=job.davis,
                               davis_threshold=job.options.binarize, trimap_radius=job.trimap_radius,
                               dtssd_pairs=dt_pairs)
    vim = vim_scores(match, stats, job.options, dt)
    return vim, partner, seqs, stats


def _instance_job(job: _Job) -> dict:
    names, stems, gt_files = list_gt_clip(job.gt_clip)
    folder = find_pred_clip(job.pred_root, job.dataset, job.clip)
    pred_names, pred_files = list_pred_clip(folder, stems)
    gt = _Side.of(gt_files, len(stems))
    shape = gt(0).shape[1:]
    gt.shape = shape
    pred = _Side.of(pred_files.expect(shape), len(stems), shape)
    match = job.match
    if match == "auto":  # MaGGIe pairs by instance name/order; VIM ignores names
        match = "name" if job.protocol == "maggie" and pred_names == names else "hungarian"
    vim, partner, seqs, _ = _pass_clip(job, gt, pred, len(stems), len(names), len(pred_names), match,
                                       pred_names, names)
    labels = [(names[i], pred_names[partner[i]] if partner[i] is not None else None) for i in range(len(names))]
    res = _clip_result(job, stems, labels, seqs, vim, extra={"instances": len(names), "predictions": len(pred_names)},
                       key="instance")
    res["near_ties"] = _tie_names(vim, names, pred_names, stems)
    res["read_notes"] = gt_files.notes + pred_files.notes + _unnamed_notes(folder, match, names, pred_names)
    return res


def _unnamed_notes(folder: Path, match: str, names: list[str], pred_names: list[str]) -> list[str]:
    """With matching by name, one note per clip whose GT instances lack a same-named prediction
    (each is scored against an all-zero matte, as MaGGIe does), naming the predictions left over."""
    if match != "name":
        return []
    lacking = [n for n in names if n not in set(pred_names)]
    if not lacking:
        return []
    spare = [n for n in pred_names if n not in set(names)]
    return [f"{folder}: GT instance(s) {', '.join(map(repr, lacking))} have no prediction of the same name and are "
            f"scored against an all-zero matte (predictions left unmatched {', '.join(map(repr, spare)) or 'none'})"]


def _tie_names(vim, gt_names, pred_names, stems) -> list[str]:
    """`VimClip.near_ties` and `.frame_ties` in words: which instances could trade places, where."""
    def named(ties):
        return [f"GT {' and '.join(repr(gt_names[i]) for i in gts)} with prediction(s) "
                f"{' and '.join(repr(pred_names[j]) for j in preds)}" for gts, preds in ties]

    out = [f"whole-clip matching: {w}" for w in named(vim.near_ties)]
    if vim.frame_ties:
        frames = sorted(vim.frame_ties)
        shown = ", ".join(stems[t] for t in frames[:3]) + (f" and {len(frames) - 3} more" if len(frames) > 3 else "")
        who = sorted({w for t in frames for w in named(vim.frame_ties[t])})
        out.append(f"TQ's per-frame matching in {len(frames)} of {len(stems)} frames ({shown}): {'; '.join(who[:3])}")
    return out


def _clip_result(job: _Job, stems, labels, seqs, vim, *, extra: dict, key: str) -> dict:
    names = job.metrics + job.davis
    clip_row = {"dataset": job.dataset, "clip": job.clip, "frames": len(stems), **extra,
                "RQ": vim.RQ, "TQ": vim.TQ, "MQ": vim.MQ, "VIMQ": vim.VIMQ,
                **_clip_means(seqs, names, job.jf_rule)}
    frames = []
    for (label, pred_label), s in zip(labels, seqs):
        for t, stem in enumerate(stems):
            row = {"dataset": job.dataset, "clip": job.clip, "frame": stem, key: label}
            if key == "instance":
                row["pred_instance"] = pred_label
            row.update({m: _json_value(s[m][t]) for m in names})
            frames.append(row)
    return {"clip": clip_row, "frames": frames, "seqs": seqs, "vim": vim,
            "keys": [(job.dataset, job.clip, label) for label, _ in labels]}


def _run(jobs, fn, workers: int, scheduler: str | None = None) -> list[dict]:
    """One clip pass per work item through the engine (here, threads or Dask), in GT clip order."""
    return run_items(fn, jobs, workers=workers or 1, scheduler=scheduler, unit="clip")


def _assemble(protocol: str, results: list[dict], names: tuple[str, ...], extra_summary: dict | None = None,
              notes: list | None = None, jf_rule: str = "davis") -> dict:
    seqs = [s for r in results for s in r["seqs"]]
    keys = [k for r in results for k in r["keys"]]
    summary = {**_summarise(protocol, seqs, keys, names, jf_rule)}
    if "J" in names and "F" in names:
        summary["J&F"] = (summary["J"] + summary["F"]) / 2
    summary.update(vim_dataset([r["vim"] for r in results]))
    if extra_summary:
        summary.update(extra_summary)
    if notes is not None:
        notes.extend(summarise_notes([n for r in results for n in r["read_notes"]]))
        notes.extend(_pooling_notes(protocol, seqs, keys, names))
        for r in results:
            if r["near_ties"]:
                c = r["clip"]
                notes.append(f"clip {'/'.join(p for p in (c['dataset'], c['clip']) if p)}: near-tie in VIM's "
                             f"Hungarian matching ({'; '.join(r['near_ties'])}): the costs differ by less than "
                             "float32 rounding, so metrics_vim.py may match the other way and print other RQ/TQ/MQ")
    clips = []
    for r in results:
        row = {k: (_json_value(v) if isinstance(v, float) else v) for k, v in r["clip"].items()}
        clips.append(row)
    return {"protocol": protocol, "summary": {k: _json_value(v) for k, v in summary.items()},
            "clips": clips, "frames": [f for r in results for f in r["frames"]]}


def _options(vim_options) -> VimOptions:
    if vim_options is None:
        return VimOptions()
    if isinstance(vim_options, VimOptions):
        return vim_options
    return VimOptions(**vim_options)


def evaluate_instance(pred_root, gt_root, *, protocol: str = "rvm", metrics=None, vim_options=None,
                      match: str = "auto", trimap_radius: int = 10, workers: int = 1, scheduler: str | None = None,
                      notes: list | None = None, jf_rule: str = "davis") -> dict:
    """Score instance predictions against instance ground truth (VIM or V-HIM60 layout).

    Parameters
    ----------
    pred_root, gt_root : folders (see docs/instance.md for the layouts).
    protocol : matting protocol per matched instance: ``rvm``, ``rvm-hr``, ``dim`` or ``maggie``.
    metrics : matting metric names (default: the protocol's); ``J``/``F`` add DAVIS J&F.
    vim_options : `VimOptions` or a dict of its fields (iou_threshold, binarize, weight, error, paper).
    match : which prediction each GT instance is scored against for the matting metrics:
        ``hungarian`` (VIM's whole-clip L1 matching), ``name`` (same instance name) or ``auto``
        (default: ``name`` for the maggie protocol when the predicted names equal the GT's, as
        MaGGIe pairs them; ``hungarian`` otherwise). A GT instance without a partner is scored
        against an all-zero matte.
    workers : clips scored in this many threads (each clip is one work item of `vmbench.engine`).
    scheduler : a Dask scheduler address: clips are then scored on its workers (same numbers).
    notes : a list that receives one line per thing the user should know (pooling, near-ties).
    jf_rule : ``davis`` (default: each sequence's first and last frame dropped, as davis2017-evaluation)
        or ``all``, for the J/F summaries (J, J-Recall, J-Decay, F, F-Recall, F-Decay, J&F).

    Each clip is streamed (`vmbench.instance.clip_pass`): a few frames per instance in memory.
    """
    if match not in ("auto", "hungarian", "name"):
        raise InputError(f"instance matching {match!r} unknown; choose auto, hungarian or name")
    plain, davis = resolve_metrics(protocol, metrics)
    davis_frames(np.zeros(0), jf_rule)  # validates the rule
    options = _options(vim_options)
    refuse_same_folder(Path(pred_root), Path(gt_root))
    jobs = [_Job(c.dataset, c.clip, c, Path(pred_root), protocol, plain, davis, options, match, trimap_radius,
                 jf_rule=jf_rule) for c in find_gt_clips(gt_root)]
    results = _run(jobs, _instance_job, workers, scheduler)
    return _assemble(protocol, results, plain + davis, notes=notes, jf_rule=jf_rule)


# ----------------------------------------------------------------------------------------------
# referring


def _find_expressions_file(gt_root: Path, dataset: str) -> Path:
    for cand in (gt_root / "meta_expressions.json", gt_root / dataset / "meta_expressions.json",
                 gt_root.parent / "meta_expressions.json"):
        if cand.is_file():
            return cand
    raise InputError(f"{gt_root / 'meta_expressions.json'}: no expressions file found (pass --expressions)")


def _expression_files(folder: Path, stems: list[str]) -> list[Path]:
    """The frame files of one expression's prediction folder, in ground-truth stem order."""
    if not folder.is_dir():
        raise InputError(f"{folder}: prediction folder for this expression does not exist")
    imgs = _images(folder)
    if not imgs:
        raise InputError(f"{folder}: expression folder has no frames")
    if set(imgs) != set(stems):
        missing = sorted(set(stems) - set(imgs), key=natural_key)
        detail = f"missing frame {missing[0]!r}" if missing else f"extra frame {sorted(set(imgs) - set(stems), key=natural_key)[0]!r}"
        raise InputError(f"{folder}: {len(imgs)} frames, the ground truth has {len(stems)} ({detail})")
    return [imgs[s] for s in stems]


def referring_accuracy(pred, gt_instances, referred: list[list[int]], exp_gts, *, binarize: float = 0.5) -> list[dict]:
    """Per expression: IoU with its referred GT and with every other instance (whole clip, masks >
    `binarize`), and whether the referred IoU is strictly greater than every other one."""
    inst = pair_stats(pred, gt_instances, binarize=binarize)
    own = pair_stats(pred, exp_gts, binarize=binarize)
    return _accuracy(inst, own, referred, np.asarray(gt_instances).shape[0])


def _accuracy(inst: PairStats, own: PairStats, referred: list[list[int]], n_instances: int) -> list[dict]:
    """`referring_accuracy` from accumulated overlap counts (inst: GT instance x expression
    prediction; own: expression GT x expression prediction)."""
    out = []
    for e, refs in enumerate(referred):
        u = own.union[:, e, e].sum()
        iou_ref = float(own.inter[:, e, e].sum() / u) if u else 0.0
        others = []
        for i in range(n_instances):
            if i in refs:
                continue
            ui = inst.union[:, i, e].sum()
            others.append(float(inst.inter[:, i, e].sum() / ui) if ui else 0.0)
        best_other = max(others) if others else 0.0
        out.append({"iou": iou_ref, "best_other_iou": best_other, "correct": iou_ref > best_other})
    return out


def _referring_job(job: _Job) -> dict:
    names, stems, gt_files = list_gt_clip(job.gt_clip)
    folder = find_pred_clip(job.pred_root, job.dataset, job.clip)
    index = {n: i for i, n in enumerate(names)}
    referred = []
    for e in job.expressions:
        idx = []
        for obj in e.instances:
            if obj not in index:
                raise InputError(
                    f"{job.gt_clip.path}: expression {e.exp_id!r} of clip {job.clip!r} refers to instance {obj!r}, "
                    f"which is not in the ground truth (instances: {', '.join(names)})"
                )
            idx.append(index[obj])
        referred.append(idx)
    T = len(stems)
    gt = _Side.of(gt_files, T)
    shape = gt(0).shape[1:]
    gt.shape = shape
    pred_files = InstanceFrames(folder, [_expression_files(folder / e.exp_id, stems) for e in job.expressions])
    pred = _Side.of(pred_files.expect(shape), T, shape)

    def expression_gt(t: int) -> np.ndarray:  # the clipped sum of the referred instances' alphas
        g = gt(t)
        return np.stack([np.minimum(g[idx].sum(axis=0, dtype=np.float32), np.float32(1.0)) for idx in referred])

    exp_gt = _Side(expression_gt, len(referred), T, shape)
    E = len(referred)
    binarize = job.options.effective_binarize
    inst = match_stats(gt, pred, T, len(names), E, binarize, shape[0] * shape[1])
    exp_ids = [e.exp_id for e in job.expressions]
    vim, _, seqs, own = _pass_clip(job, exp_gt, pred, T, E, E, "name", exp_ids, exp_ids)
    acc = _accuracy(inst, own, referred, len(names))
    labels = [(e, None) for e in exp_ids]
    res = _clip_result(job, stems, labels, seqs, vim,
                       extra={"expressions": E, "RefAcc": float(np.mean([a["correct"] for a in acc]))}, key="exp_id")
    res["accuracy"] = acc
    res["near_ties"] = _tie_names(vim, exp_ids, exp_ids, stems)
    res["read_notes"] = gt_files.notes + pred_files.notes
    return res


def evaluate_referring(pred_root, gt_root, *, expressions=None, protocol: str = "rvm", metrics=None,
                       vim_options=None, trimap_radius: int = 10, workers: int = 1, scheduler: str | None = None,
                       notes: list | None = None, jf_rule: str = "davis") -> dict:
    """Score referring predictions ``PRED/<clip>/<exp_id>/<frame>`` against the referred instances.

    The ground truth of an expression is the clipped sum of its obj_id instances' alphas (instance
    tree in the VIM or V-HIM60 layout). Reports the protocol's matting metrics per expression,
    ``RefAcc`` (share of expressions whose binarised prediction has a strictly larger whole-clip
    IoU with the referred ground truth than with any other instance of the clip) and RQ/TQ/MQ/VIMQ
    with the clip's expression predictions and expression ground truths as the instance sets.
    """
    gt_root = Path(gt_root)
    plain, davis = resolve_metrics(protocol, metrics)
    options = _options(vim_options)
    refuse_same_folder(Path(pred_root), gt_root)
    clips = find_gt_clips(gt_root)
    loaded: dict[Path, dict] = {}
    jobs = []
    seen = set()
    for c in clips:
        path = Path(expressions) if expressions else _find_expressions_file(gt_root, c.dataset)
        if path not in loaded:
            loaded[path] = load_expressions(path)
        exps = loaded[path].get(c.clip)
        if not exps:
            continue
        seen.add((path, c.clip))
        jobs.append(_Job(c.dataset, c.clip, c, Path(pred_root), protocol, plain, davis, options, "name",
                         trimap_radius, tuple(exps), jf_rule))
    for path, table in loaded.items():
        for clip in table:
            if (path, clip) not in seen:
                raise InputError(f"{path}: video {clip!r} has expressions but no ground-truth clip under {gt_root}")
    if not jobs:
        raise InputError(f"{gt_root}: no clip has referring expressions")
    results = _run(jobs, _referring_job, workers, scheduler)
    total = sum(len(r["accuracy"]) for r in results)
    correct = sum(a["correct"] for r in results for a in r["accuracy"])
    return _assemble(protocol, results, plain + davis, extra_summary={"RefAcc": correct / total}, notes=notes,
                     jf_rule=jf_rule)
