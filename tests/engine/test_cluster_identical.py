"""Every task gives the same numbers, to the last bit, in this process, in threads and on a
multi-process Dask cluster (LocalCluster, processes=True, 2 workers x 1 thread)."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

distributed = pytest.importorskip("distributed")


def _write(path, a):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), a)


def _mattes(rng, n, T, H=12, W=16):
    gt = np.zeros((n, T, H, W), np.uint8)
    for i in range(n):
        for t in range(T):
            gt[i, t, 1 + 3 * i: 4 + 3 * i, 1 + t: 9 + t] = 255
            gt[i, t, 4 + 3 * i, 1 + t: 9 + t] = rng.integers(30, 220)
    pred = np.clip(gt.astype(int) + rng.integers(-12, 13, gt.shape), 0, 255).astype(np.uint8)
    return gt, pred


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    root = tmp_path_factory.mktemp("trees")
    rng = np.random.default_rng(7)
    for ds in ("d1", "d2"):  # plain: RVM tree, clips of different lengths
        for c, T in (("0000", 3), ("0001", 5)):
            gt, pred = _mattes(rng, 1, T)
            for t in range(T):
                _write(root / "plain_gt" / ds / c / "pha" / f"{t:04d}.png", gt[0, t])
                _write(root / "plain_pred" / ds / c / "pha" / f"{t:04d}.png", pred[0, t])
    for c, n, T in (("a", 3, 4), ("b", 2, 3)):  # instance (VIM layout)
        gt, pred = _mattes(rng, n, T)
        for i in range(n):
            for t in range(T):
                _write(root / "inst_gt" / c / "pha" / f"i{i}" / f"{t:04d}.png", gt[i, t])
                _write(root / "inst_pred" / c / f"p{n - 1 - i}" / f"{t:04d}.png", pred[i, t])
    meta = {"videos": {}}
    for c in ("a", "b"):  # referring on the same ground truth
        gt_dirs = sorted((root / "inst_gt" / c / "pha").iterdir())
        T = len(list(gt_dirs[0].iterdir()))
        meta["videos"][c] = {"expressions": {"0": {"exp": "first", "obj_id": ["i0"]},
                                             "1": {"exp": "both", "obj_id": ["i0", "i1"]}}}
        for e in ("0", "1"):
            for t in range(T):
                _write(root / "ref_pred" / c / e / f"{t:04d}.png", rng.integers(0, 256, (12, 16), dtype=np.uint8))
    (root / "inst_gt" / "meta_expressions.json").write_text(json.dumps(meta))
    return root


def _all_tasks(root, **how):
    from vmbench.evaluate import evaluate
    from vmbench.instance import evaluate_instance, evaluate_referring

    return {
        "plain": evaluate(root / "plain_pred", root / "plain_gt", workers=how.get("workers", 1),
                          scheduler=how.get("scheduler")).to_dict(),
        "instance": evaluate_instance(root / "inst_pred", root / "inst_gt", metrics=["MAD", "MSE", "Grad", "dtSSD"],
                                      vim_options={"error": "dtSSD"}, **how),
        "instance-dim": evaluate_instance(root / "inst_pred", root / "inst_gt", protocol="dim", **how),
        "referring": evaluate_referring(root / "ref_pred", root / "inst_gt", metrics=["MAD", "Conn", "J", "F"], **how),
    }


def test_identical_here_in_threads_and_on_a_process_cluster(trees):
    here = _all_tasks(trees)
    assert _all_tasks(trees, workers=3) == here
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        on_dask = _all_tasks(trees, scheduler=cluster.scheduler_address)
    for task in here:
        assert on_dask[task] == here[task], task
    assert here["referring"]["summary"]["RefAcc"] is not None and len(here["instance"]["clips"]) == 2
