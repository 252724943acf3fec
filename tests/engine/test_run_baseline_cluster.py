"""run-baseline: resume only on a matching run record, --overwrite removes only vmbench's own
clips, --shard I/N then a plain run, and the docs/cluster.md recipe (a `dask scheduler` and a
`dask worker --resources GPU=1` started as subprocesses on 127.0.0.1) giving the same files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from vmbench.adapters.registry import create_adapter
from vmbench.adapters.runner import run_adapter
from vmbench.cli import main
from vmbench.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
CLIPS = [f"c{k}" for k in range(5)]


def _png(path, a):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), a)


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    rng = np.random.default_rng(1)
    for c in CLIPS:
        for t in range(2):
            _png(root / "plain" / "ds" / c / "com" / f"{t:04d}.png", rng.integers(0, 256, (8, 16, 3), dtype=np.uint8))
            _png(root / "plain" / "ds" / c / "guidance" / "mask_down8" / f"{t:04d}.png",
                 (rng.random((8, 16)) > 0.5).astype(np.uint8) * 255)
            _png(root / "plain" / "ds" / c / "pha" / f"{t:04d}.png", rng.integers(0, 256, (8, 16), dtype=np.uint8))
    return root


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.png"))}


@pytest.fixture(scope="module")
def local_run(bench, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "out"
    run_adapter(create_adapter("mask-as-matte"), bench, out, device="cpu")
    return _files(out)


def test_resume_refused_naming_the_field_then_overwrite_keeps_user_files(bench, tmp_path, local_run):
    out = tmp_path / "out"
    run_adapter(create_adapter("mask-as-matte"), bench, out, device="cpu")
    (out / "my-notes.txt").write_text("mine")
    changed = create_adapter("mask-as-matte")
    changed.threshold_setting = 0.7  # a different adapter setting
    with pytest.raises(InputError, match=r"cannot resume, it holds a different run \(run.json: settings: the record has"):
        run_adapter(changed, bench, out, device="cpu")
    with pytest.raises(InputError, match=r"run.json: adapter: the record has 'mask-as-matte', this run 'mask-guided-filter'"):
        run_adapter(create_adapter("mask-guided-filter"), bench, out, device="cpu")
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"abc")
    with pytest.raises(InputError, match=r"weights_sha256: the record has None"):
        run_adapter(create_adapter("mask-as-matte"), bench, out, device="cpu", weights=weights)
    record = run_adapter(changed, bench, out, device="cpu", overwrite=True)
    assert record["skipped"] == 0 and record["settings"]["threshold_setting"] == 0.7
    assert (out / "my-notes.txt").read_text() == "mine" and _files(out) == local_run


def test_overwrite_never_deletes_a_file_vmbench_did_not_write(bench, tmp_path):
    out = tmp_path / "out"
    run_adapter(create_adapter("mask-as-matte"), bench, out, device="cpu")
    (out / "ds" / "c1" / "pha" / "README.txt").write_text("mine")
    with pytest.raises(InputError, match=r"README.txt: not written by vmbench, inside an output clip folder"):
        run_adapter(create_adapter("mask-guided-filter"), bench, out, device="cpu", overwrite=True)
    assert (out / "ds" / "c1" / "pha" / "README.txt").read_text() == "mine"


def test_folder_without_record_is_never_replaced(bench, tmp_path):
    out = tmp_path / "out"
    _png(out / "ds" / "c0" / "pha" / "0000.png", np.zeros((8, 16), np.uint8))  # the user's own frames
    with pytest.raises(InputError, match="holds no vmbench run record; pass --overwrite"):
        run_adapter(create_adapter("mask-as-matte"), bench, out, device="cpu")
    with pytest.raises(InputError, match=r"ds/c0: exists and was not written by vmbench"):
        run_adapter(create_adapter("mask-as-matte"), bench, out, device="cpu", overwrite=True)
    assert not (out / "ds" / "c1").exists()


def test_output_inside_the_input_refused(bench):
    with pytest.raises(InputError, match="is inside the input .*vmbench never writes into"):
        run_adapter(create_adapter("mask-as-matte"), bench, bench / "plain" / "preds", device="cpu")


def test_shards_then_a_plain_run(bench, tmp_path, local_run):
    out = tmp_path / "out"
    first = run_adapter(create_adapter("mask-as-matte"), bench, out, device="cpu", shard=(1, 2))
    assert [c["clip"] for c in first["clips"]] == ["c0", "c2", "c4"]
    second = run_adapter(create_adapter("mask-as-matte"), bench, out, device="cpu", shard=(2, 2))
    assert [c["clip"] for c in second["clips"]] == ["c1", "c3"]
    assert (out / "run.shard-1-of-2.json").is_file() and not (out / "run.json").exists()
    final = run_adapter(create_adapter("mask-as-matte"), bench, out, device="cpu")
    assert final["skipped"] == 5 and final["complete"] and len(final["clips"]) == 5
    assert sorted(p.name for p in out.glob("run*.json")) == ["run.json"]
    assert _files(out) == local_run


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0"])
def test_bad_shard_is_one_line(bench, tmp_path, capsys, text):
    assert main(["run-baseline", "mask-as-matte", "--data", str(bench), "--out", str(tmp_path / "o"),
                 "--shard", text, "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"vmbench: error: --shard {text!r}: expected I/N")


def _start(args, log):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """`dask scheduler` on 127.0.0.1 with a random port, as a subprocess; always stopped."""
    pytest.importorskip("distributed")
    folder = tmp_path_factory.mktemp("scheduler")
    sched_file = folder / "scheduler.json"
    log = open(folder / "dask.log", "w")
    proc = _start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                   "--dashboard-address", ":0", "--scheduler-file", str(sched_file)], log)
    try:
        deadline = time.monotonic() + 60
        while not sched_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sched_file.is_file(), (folder / "dask.log").read_text()
        yield json.loads(sched_file.read_text())["address"], log
    finally:
        _stop([proc])
        log.close()


def _stop(procs):
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def test_cluster_recipe_on_one_machine(bench, tmp_path, local_run, scheduler):
    """docs/cluster.md, run on 127.0.0.1 with random ports: scheduler, one GPU-declaring worker."""
    address, log = scheduler
    procs = []
    try:
        procs.append(_start(["distributed.cli.dask_worker", address, "--nworkers", "1", "--nthreads", "1",
                             "--resources", "GPU=1", "--no-dashboard", "--local-directory", str(tmp_path / "w")], log))
        out = tmp_path / "out"
        rc = main(["run-baseline", "mask-as-matte", "--data", str(bench), "--out", str(out), "--device", "cpu",
                   "--scheduler", address, "--resources", "GPU=1", "--no-progress"])
        assert rc == 0
        assert _files(out) == local_run
        record = json.loads((out / "run.json").read_text())
        assert record["complete"] and [c["clip"] for c in record["clips"]] == CLIPS
        # a clip lost with its worker (final folder gone, a half-written temp left): a re-run redoes only it
        import shutil

        shutil.rmtree(out / "ds" / "c3")
        (out / "ds" / ".c3.partial" / "pha").mkdir(parents=True)
        again = run_adapter(create_adapter("mask-as-matte"), bench, out, device="cpu", scheduler=address,
                            resources={"GPU": 1})
        assert again["skipped"] == 4 and _files(out) == local_run and not (out / "ds" / ".c3.partial").exists()
    finally:
        _stop(procs)


def test_lost_worker_mid_clip(bench, tmp_path, scheduler):
    """The worker predicting a clip is killed mid-clip; another joins; the run finishes with the
    same files as a local run and the half-written temp folder gone."""
    import signal
    import threading

    from tests.engine.slow_adapter import SlowMean

    local = tmp_path / "local"
    run_adapter(SlowMean(delay=0), bench, local, device="cpu")
    address, log = scheduler
    worker = ["distributed.cli.dask_worker", address, "--nworkers", "1", "--nthreads", "1", "--no-nanny",
              "--no-dashboard", "--resources", "GPU=1"]
    procs = [_start(worker, log)]
    try:
        out = tmp_path / "out"
        result = {}
        thread = threading.Thread(target=lambda: result.update(record=run_adapter(
            SlowMean(), bench, out, device="cpu", scheduler=address, resources={"GPU": 1})), daemon=True)
        thread.start()
        partial = out / "ds" / ".c1.partial" / "pha" / "0000.png"
        deadline = time.monotonic() + 90
        while not partial.exists() and time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.05)
        assert partial.exists()
        procs[0].send_signal(signal.SIGKILL)  # lost mid-clip c1
        procs[0].wait(timeout=20)
        procs.append(_start(worker, log))
        thread.join(timeout=120)
        assert not thread.is_alive() and result["record"]["complete"]
        assert _files(out) == _files(local) and not (out / "ds" / ".c1.partial").exists()
    finally:
        _stop(procs)


def test_suite_shards_then_a_plain_suite_run_scores(bench, tmp_path, capsys):
    from vmbench.suite import run_suite

    out = tmp_path / "suite"
    assert run_suite(bench, out, methods=["mask-as-matte"], shard=(1, 2), log=lambda *_: None) == []
    assert run_suite(bench, out, methods=["mask-as-matte"], shard=(2, 2), log=lambda *_: None) == []
    assert not (out / "results").exists()
    results = run_suite(bench, out, methods=["mask-as-matte"], log=lambda *_: None)
    record = json.loads((out / "predictions" / "mask-as-matte" / "run.json").read_text())
    assert record["skipped"] == 5 and results == [out / "results" / "mask-as-matte.json"]
    one_go = run_suite(bench, tmp_path / "one", methods=["mask-as-matte"], log=lambda *_: None)
    assert json.loads(results[0].read_text()) == json.loads(one_go[0].read_text())
    assert main(["suite", "--data", str(bench), "--out", str(tmp_path / "x"), "--shard", "1/2",
                 "--leaderboard", str(tmp_path / "lb")]) == 2
    assert "--leaderboard needs every clip scored" in capsys.readouterr().err
