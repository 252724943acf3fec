"""The one evaluation engine: work items run here, in threads, or on a Dask cluster, rows in order.

* `vmbench.engine.executor`: `run_items` executes independent work items (a run of frames for the
  plain task, a clip pass for instance/referring, a clip prediction for run-baseline) and returns
  their results in the items' order, whichever executes them.
* `vmbench.engine.cluster`: Dask scheduler addresses checked before connecting, and the client.
* `vmbench.engine.pooling`: the dataset figure pooled as each reference pools it (RVM's sheet).
* `vmbench.engine.notes`: per-file conversion notes grouped into one line per kind.
* `vmbench.engine.resources`: ``--resources GPU=1`` as Dask task resources.

Predicting (`vmbench.adapters.runner`) uses the same executor: one task per clip, `--shard I/N`.

Nothing here imports pandas, dask or torch at import time (Dask only when a scheduler is given).
"""
