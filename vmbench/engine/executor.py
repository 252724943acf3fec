"""`run_items`: execute independent work items and return their results in the items' order.

The same module-level function scores an item whichever runs it (this thread, a thread pool or a
Dask worker process) and results are put back in item order, so the numbers are identical to the
last bit: nothing depends on which worker ran what, or when.
"""

from __future__ import annotations

from typing import Callable, Sequence

__all__ = ["run_items"]


def run_items(fn: Callable, items: Sequence, *, workers: int = 1, scheduler: str | None = None,
              resources: dict | None = None, on_done: Callable | None = None, weight: Callable | None = None,
              progress: bool = False, unit: str = "item") -> list:
    """[fn(item) for item in items], run here (workers=1), in `workers` threads, or on Dask.

    Parameters
    ----------
    fn : a picklable (module-level) function of one item; it must release the GIL to gain from
        threads (vmbench's readers and kernels do).
    scheduler : a Dask scheduler address; each item is then one Dask task.
    resources : Dask task resources, e.g. ``{"GPU": 1}``: tasks run only on workers started with
        ``--resources GPU=1``, as many at once as the worker declares.
    on_done : called as ``on_done(index, result)`` in item order as results arrive (e.g. to record
        a finished clip); may raise to stop the run.
    weight : progress units of an item (default 1).
    """
    items = list(items)
    if progress:
        from tqdm import tqdm  # ~15 ms of imports, so only when a bar is shown
    else:
        tqdm = _NoBar
    bar = tqdm(total=sum(weight(i) for i in items) if weight else len(items), unit=unit,
               disable=not progress, leave=False)
    try:
        if scheduler:
            results = _on_dask(fn, items, scheduler, resources, on_done, bar, weight)
        else:
            results = _here(fn, items, workers, on_done, bar, weight)
    finally:
        bar.close()
    return results


def _collect(items, outputs, on_done, bar, weight) -> list:
    """The outputs in item order (both executors yield them so), each handed to `on_done` and
    counted on the progress bar as it arrives."""
    results = []
    for k, (item, out) in enumerate(zip(items, outputs)):
        results.append(out)
        if on_done:
            on_done(k, out)
        bar.update(weight(item) if weight else 1)
    return results


def _here(fn, items, workers, on_done, bar, weight) -> list:
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=min(workers, len(items))) if workers > 1 and len(items) > 1 else None
    try:
        return _collect(items, pool.map(fn, items) if pool else map(fn, items), on_done, bar, weight)
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)


def _on_dask(fn, items, scheduler, resources, on_done, bar, weight) -> list:
    from vmbench.engine.cluster import connect

    client = connect(scheduler)
    try:
        futures = client.map(fn, items, pure=False, resources=resources)
        return _collect(items, (fut.result() for fut in futures), on_done, bar, weight)
    finally:
        client.close()


class _NoBar:
    """What run_items uses of a tqdm bar, doing nothing (no progress shown)."""

    def __init__(self, **_):
        pass

    def update(self, n=1):
        pass

    def close(self):
        pass
