"""Run baselines over an embedded benchmark, score each, and write results ready for a leaderboard.

This is the pipeline behind ``vmbench demo`` (tiny set) and ``vmbench suite`` (the committed
``leaderboards/``): for every method, predictions go to ``OUT/predictions/<method>``, scores to
``OUT/results/<method>.json`` with its run record beside it. Plain-track methods are scored with
the ``rvm`` protocol against ``ROOT/plain``; caption-track methods with the referring protocol
against ``ROOT/instance``.
"""

from __future__ import annotations

import time
from pathlib import Path

from vmbench.adapters.base import Track
from vmbench.errors import InputError

__all__ = ["runnable_methods", "run_method", "run_suite"]


def runnable_methods() -> list[str]:
    """Built-in and installed adapters that can run here: no weights needed, or weights present."""
    from vmbench.adapters.registry import list_adapters, resolve_weights
    from vmbench.extras import has_module

    names = []
    for info in list_adapters():
        if not info.available or not all(has_module(m) for m in getattr(info.cls, "requires", ())):
            continue  # not importable, or an optional dependency (torch, ...) is not installed
        try:
            adapter = info.cls()
            resolve_weights(adapter, None)
        except Exception:  # weights absent or the adapter cannot be built here: not runnable
            continue
        names.append(info.name)
    return names


def run_method(name: str, data_root: Path, out_root: Path, *, device: str = "cpu", workers: int = 1,
               overwrite: bool = False, progress: bool = False, log=print, scheduler: str | None = None,
               resources: dict | None = None, shard: tuple[int, int] | None = None) -> Path | None:
    """Predict with adapter `name` on `data_root`, score, and return the result JSON path.

    With `shard` (I, N) only shard I of the clips is predicted and nothing is scored (None is
    returned): a later run without a shard finds those clips done, predicts any left, and scores.
    """
    from vmbench.adapters.registry import create_adapter, resolve_weights
    from vmbench.adapters.runner import run_adapter
    from vmbench.evaluate import evaluate
    from vmbench.provenance import make_run_record, write_run_record
    from vmbench.report import write_json

    data_root, out_root = Path(data_root), Path(out_root)
    adapter = create_adapter(name)
    weights = resolve_weights(adapter, None)
    pred = out_root / "predictions" / name
    start = time.perf_counter()
    run_adapter(adapter, data_root, pred, weights=weights, device=device, overwrite=overwrite, progress=progress,
                scheduler=scheduler, resources=resources, shard=shard)
    seconds = time.perf_counter() - start
    if shard is not None:
        log(f"{name:22s} {adapter.track.value:17s} {seconds:7.1f} s   shard {shard[0]}/{shard[1]} predicted, not scored")
        return None
    if adapter.track == Track.CAPTION:
        from vmbench.instance import evaluate_referring

        gt = data_root / "instance"
        data = evaluate_referring(pred, gt, protocol="rvm", workers=workers, scheduler=scheduler)
        task = "referring"
    else:
        gt = data_root / "plain"
        data = evaluate(pred, gt, protocol="rvm", workers=workers, scheduler=scheduler).to_dict()
        task = "plain"
    result = out_root / "results" / f"{name}.json"
    write_json(data, result)
    write_run_record(result, make_run_record(task=task, protocol=data["protocol"], pred=pred, gt=gt,
                                             method=name, track=adapter.track))
    log(f"{name:22s} {adapter.track.value:17s} {seconds:7.1f} s   " +
        "  ".join(f"{k} {v:.4g}" for k, v in list(data["summary"].items())[:5]))
    return result


def run_suite(data_root: Path, out_root: Path, *, methods: list[str] | None = None, device: str = "cpu",
              workers: int = 1, overwrite: bool = False, progress: bool = False, log=print,
              scheduler: str | None = None, resources: dict | None = None,
              shard: tuple[int, int] | None = None) -> list[Path]:
    """Run every method (default: all runnable here) and return the result JSON paths (none for a
    shard: see `run_method`)."""
    methods = methods or runnable_methods()
    if not methods:
        raise InputError("no adapter can run here (see `vmbench run-baseline --list`)")
    results = [run_method(m, data_root, out_root, device=device, workers=workers, overwrite=overwrite,
                          progress=progress, log=log, scheduler=scheduler, resources=resources, shard=shard)
               for m in methods]
    return [r for r in results if r is not None]
