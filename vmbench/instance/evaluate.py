"""`evaluate_instance` and `evaluate_referring`: instance and referring matting evaluation.

Both return the pinned result JSON (docs/formats.md): ``{"protocol", "summary", "clips", "frames"}``.
``summary`` and every clip row hold RQ, TQ, MQ, VIMQ (SHI-Labs/VIM) beside the matting metrics of
the chosen protocol; ``frames`` has one row per (clip, ground-truth instance or expression, frame),
with an ``instance`` (or, for referring, ``exp_id``) key naming the sequence. See docs/instance.md.
"""

from __future__ import annotations

import math
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vmbench.errors import InputError
from vmbench.instance.davis import davis_frames, davis_jf, davis_summary
from vmbench.instance.layout import (
    find_gt_clips,
    find_pred_clip,
    load_expressions,
    read_gt_clip,
    read_pred_clip,
    _images,
)
from vmbench.instance.maggie import maggie_clip, maggie_pool, resolve_maggie_metrics
from vmbench.instance.vim import VimOptions, pair_stats, vim_clip, vim_dataset
from vmbench.io.frames import read_alpha, natural_key

__all__ = ["evaluate_instance", "evaluate_referring", "resolve_metrics", "score_sequences", "VIM_KEYS"]

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

        plain = get_protocol(protocol).resolve_metrics(rest or None)
    if requested and not rest:
        plain = ()
    return plain, davis


def score_sequences(preds, gts, *, protocol: str, metrics: tuple[str, ...],
                    trimap_radius: int = 10) -> list[dict[str, np.ndarray]]:
    """Per-frame matting metrics of each (pred[k], gt[k]) sequence: a list of {metric: (T,) float64}.

    `preds` and `gts` are sequences of float32 (T, H, W) arrays (stacks or lists of views).

    Plain protocols use `vmbench.protocols.score_clip` sequence by sequence; ``maggie`` scores all
    sequences of the clip together (its Grad normalises over the batch); its values are per-map
    contributions, NaN where a metric has no value (dtSSD outside a window's last frame).
    """
    if not metrics or len(gts) == 0:
        return [{} for _ in range(len(gts))]
    if protocol == "maggie":
        out = maggie_clip(np.stack(preds), np.stack(gts), metrics=metrics)
        return [{m: out[m][k] for m in metrics} for k in range(len(gts))]
    from vmbench.protocols import score_clip

    results = []
    for p, g in zip(preds, gts):
        trimaps = None
        if protocol == "dim":
            from vmbench.trimaps import trimap_from_alpha

            g_u8 = np.clip(np.rint(g.astype(np.float64) * 255), 0, 255).astype(np.uint8)
            trimaps = np.stack([trimap_from_alpha(f, radius=trimap_radius) for f in g_u8])
        results.append(score_clip(p, g, protocol=protocol, metrics=list(metrics), trimaps=trimaps))
    return results


def _summarise(protocol: str, seqs: list[dict[str, np.ndarray]], names: tuple[str, ...],
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
        elif protocol in ("rvm", "rvm-hr"):
            longest = max(a.size for a in arrays)
            per_index = [np.mean([a[k] for a in arrays if a.size > k]) for k in range(min(longest, 700))]
            out[m] = float(np.mean(per_index))
        else:
            out[m] = float(np.mean(np.concatenate(arrays)))
    return out


def _clip_means(seqs: list[dict[str, np.ndarray]], names: tuple[str, ...], jf_rule: str = "davis") -> dict[str, float]:
    out = {}
    for m in names:
        pick = (lambda a: davis_frames(a, jf_rule)) if m in _DAVIS else (lambda a: a)
        v = np.concatenate([pick(np.asarray(s[m], dtype=np.float64)) for s in seqs]) if seqs else np.zeros(0)
        v = v[~np.isnan(v)]
        out[m] = float(v.mean()) if v.size else None
    return out


def _davis_rows(preds, gts, davis, threshold) -> list[dict[str, np.ndarray]]:
    rows = []
    for p, g in zip(preds, gts):
        j, f = davis_jf(p, g, threshold=threshold)
        rows.append({k: v for k, v in (("J", j), ("F", f)) if k in davis})
    return rows


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


def _instance_job(job: _Job) -> dict:
    names, stems, gt = read_gt_clip(job.gt_clip)
    folder = find_pred_clip(job.pred_root, job.dataset, job.clip)
    pred_names, pred = read_pred_clip(folder, stems, gt.shape[2:])
    stats = pair_stats(pred, gt, binarize=job.options.effective_binarize)
    vim = vim_clip(pred, gt, options=job.options, stats=stats)
    match = job.match
    if match == "auto":  # MaGGIe pairs by instance name/order; VIM ignores names
        match = "name" if job.protocol == "maggie" and pred_names == names else "hungarian"
    if match == "name":
        by_name = {n: k for k, n in enumerate(pred_names)}
        partner = {i: by_name.get(n) for i, n in enumerate(names)}
    else:
        partner = {i: None for i in range(len(names))}
        partner.update({r: c for r, c in vim.pairs})
    zeros = np.zeros(gt.shape[1:], dtype=np.float32)
    seq_pred = [pred[partner[i]] if partner[i] is not None else zeros for i in range(len(names))]  # views
    seqs = score_sequences(seq_pred, gt, protocol=job.protocol, metrics=job.metrics, trimap_radius=job.trimap_radius)
    if job.davis:
        for s, d in zip(seqs, _davis_rows(seq_pred, gt, job.davis, job.options.binarize)):
            s.update(d)
    labels = [(names[i], pred_names[partner[i]] if partner[i] is not None else None) for i in range(len(names))]
    return _clip_result(job, stems, labels, seqs, vim, extra={"instances": len(names), "predictions": len(pred_names)},
                        key="instance")


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
    return {"clip": clip_row, "frames": frames, "seqs": seqs, "vim": vim}


def _single_thread() -> None:
    """Worker processes run one Numba thread each, so N workers use N cores."""
    import numba

    numba.set_num_threads(1)


def _run(jobs, fn, workers: int) -> list[dict]:
    """Clips in this process, or in `workers` spawned processes (fork is unsafe once Numba's
    OpenMP threads exist); results keep the ground truth's clip order."""
    if workers and workers > 1 and len(jobs) > 1:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx, initializer=_single_thread) as pool:
            return list(pool.map(fn, jobs))
    return [fn(j) for j in jobs]


def _assemble(protocol: str, results: list[dict], names: tuple[str, ...], extra_summary: dict | None = None,
              jf_rule: str = "davis") -> dict:
    seqs = [s for r in results for s in r["seqs"]]
    summary = {**_summarise(protocol, seqs, names, jf_rule)}
    if "J" in names and "F" in names:
        summary["J&F"] = (summary["J"] + summary["F"]) / 2
    summary.update(vim_dataset([r["vim"] for r in results]))
    if extra_summary:
        summary.update(extra_summary)
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
                      match: str = "auto", trimap_radius: int = 10, workers: int = 1, jf_rule: str = "davis") -> dict:
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
    workers : clips scored in this many processes.
    jf_rule : ``davis`` (default: each sequence's first and last frame dropped, as davis2017-evaluation)
        or ``all`` for the J/F summaries (J, J-Recall, J-Decay, F, ..., J&F).
    """
    davis_frames(np.zeros(0), jf_rule)  # validates the rule
    if match not in ("auto", "hungarian", "name"):
        raise InputError(f"instance matching {match!r} unknown; choose auto, hungarian or name")
    plain, davis = resolve_metrics(protocol, metrics)
    options = _options(vim_options)
    jobs = [_Job(c.dataset, c.clip, c, Path(pred_root), protocol, plain, davis, options, match, trimap_radius,
                 jf_rule=jf_rule) for c in find_gt_clips(gt_root)]
    results = _run(jobs, _instance_job, workers)
    return _assemble(protocol, results, plain + davis, jf_rule=jf_rule)


# ----------------------------------------------------------------------------------------------
# referring


def _find_expressions_file(gt_root: Path, dataset: str) -> Path:
    for cand in (gt_root / "meta_expressions.json", gt_root / dataset / "meta_expressions.json",
                 gt_root.parent / "meta_expressions.json"):
        if cand.is_file():
            return cand
    raise InputError(f"{gt_root / 'meta_expressions.json'}: no expressions file found (pass --expressions)")


def _read_sequence(folder: Path, stems: list[str], shape) -> np.ndarray:
    if not folder.is_dir():
        raise InputError(f"{folder}: prediction folder for this expression does not exist")
    imgs = _images(folder)
    if not imgs:
        raise InputError(f"{folder}: expression folder has no frames")
    if set(imgs) != set(stems):
        missing = sorted(set(stems) - set(imgs), key=natural_key)
        detail = f"missing frame {missing[0]!r}" if missing else f"extra frame {sorted(set(imgs) - set(stems), key=natural_key)[0]!r}"
        raise InputError(f"{folder}: {len(imgs)} frames, the ground truth has {len(stems)} ({detail})")
    out = np.empty((len(stems), *shape), dtype=np.float32)
    for t, s in enumerate(stems):
        a = read_alpha(imgs[s])
        if a.shape != tuple(shape):
            raise InputError(f"{imgs[s]}: size {a.shape[1]}x{a.shape[0]} differs from the ground truth's {shape[1]}x{shape[0]}")
        out[t] = a
    return out


def referring_accuracy(pred, gt_instances, referred: list[list[int]], exp_gts, *, binarize: float = 0.5) -> list[dict]:
    """Per expression: IoU with its referred GT and with every other instance (whole clip, masks >
    `binarize`), and whether the referred IoU is strictly greater than every other one."""
    inst = pair_stats(pred, gt_instances, binarize=binarize)
    own = pair_stats(pred, exp_gts, binarize=binarize)
    out = []
    for e, refs in enumerate(referred):
        u = own.union[:, e, e].sum()
        iou_ref = float(own.inter[:, e, e].sum() / u) if u else 0.0
        others = []
        for i in range(gt_instances.shape[0]):
            if i in refs:
                continue
            ui = inst.union[:, i, e].sum()
            others.append(float(inst.inter[:, i, e].sum() / ui) if ui else 0.0)
        best_other = max(others) if others else 0.0
        out.append({"iou": iou_ref, "best_other_iou": best_other, "correct": iou_ref > best_other})
    return out


def _referring_job(job: _Job) -> dict:
    names, stems, gt = read_gt_clip(job.gt_clip)
    folder = find_pred_clip(job.pred_root, job.dataset, job.clip)
    index = {n: i for i, n in enumerate(names)}
    referred, exp_gts, preds = [], [], []
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
        exp_gts.append(np.minimum(gt[idx].sum(axis=0, dtype=np.float32), np.float32(1.0)))
        preds.append(_read_sequence(folder / e.exp_id, stems, gt.shape[2:]))
    exp_gts = np.stack(exp_gts)
    preds = np.stack(preds)
    acc = referring_accuracy(preds, gt, referred, exp_gts, binarize=job.options.effective_binarize)
    vim = vim_clip(preds, exp_gts, options=job.options)
    seqs = score_sequences(preds, exp_gts, protocol=job.protocol, metrics=job.metrics, trimap_radius=job.trimap_radius)
    if job.davis:
        for s, d in zip(seqs, _davis_rows(preds, exp_gts, job.davis, job.options.binarize)):
            s.update(d)
    labels = [(e.exp_id, None) for e in job.expressions]
    res = _clip_result(job, stems, labels, seqs, vim,
                       extra={"expressions": len(job.expressions),
                              "RefAcc": float(np.mean([a["correct"] for a in acc]))}, key="exp_id")
    res["accuracy"] = acc
    return res


def evaluate_referring(pred_root, gt_root, *, expressions=None, protocol: str = "rvm", metrics=None,
                       vim_options=None, trimap_radius: int = 10, workers: int = 1, jf_rule: str = "davis") -> dict:
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
    results = _run(jobs, _referring_job, workers)
    total = sum(len(r["accuracy"]) for r in results)
    correct = sum(a["correct"] for r in results for a in r["accuracy"])
    return _assemble(protocol, results, plain + davis, extra_summary={"RefAcc": correct / total}, jf_rule=jf_rule)
