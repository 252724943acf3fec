"""Hostile arguments: every numeric option is range-checked at parse time (one error line, exit 2,
nothing read or written), and no stray OSError or decode error reaches a traceback."""

from __future__ import annotations

import errno
import json

import pytest

from tests.hostile._corpus import plain_pair, run_cli, write_result


def _one_line_usage_error(answer, option: str) -> bool:
    lines = answer.err.strip().splitlines()
    return (answer.code == 2 and len(lines) == 1 and lines[0].startswith("vmbench: error: argument ")
            and option in lines[0] and "Traceback" not in answer.err)


@pytest.mark.parametrize("argv,option", [
    (["eval", "--pred", "p", "--gt", "g", "--workers", "0"], "--workers"),
    (["eval", "--pred", "p", "--gt", "g", "--workers", "-3"], "--workers"),
    (["eval", "--pred", "p", "--gt", "g", "--workers", "1e9"], "--workers"),
    (["eval", "--pred", "p", "--gt", "g", "--workers", "4.5"], "--workers"),
    (["eval", "--pred", "p", "--gt", "g", "--trimap-radius", "0"], "--trimap-radius"),
    (["eval", "--pred", "p", "--gt", "g", "--trimap-radius", "100000"], "--trimap-radius"),
    (["eval", "--pred", "p", "--gt", "g", "--vim-weight", "0"], "--vim-weight"),
    (["eval", "--pred", "p", "--gt", "g", "--vim-weight", "inf"], "--vim-weight"),
    (["eval", "--pred", "p", "--gt", "g", "--vim-iou", "nan"], "--vim-iou"),
    (["eval", "--pred", "p", "--gt", "g", "--vim-iou", "1.5"], "--vim-iou"),
    (["make-dataset", "--out", "x", "--seed", "-1"], "--seed"),
    (["make-dataset", "--out", "x", "--seed", str(2**32)], "--seed"),
    (["make-dataset", "--out", "x", "--workers", "0"], "--workers"),
    (["suite", "--out", "x", "--workers", "0"], "--workers"),
    (["suite", "--out", "x", "--seed", "abc"], "--seed"),
    (["leaderboard", "a.json", "--out", "x", "--strips", "-1"], "--strips"),
    (["leaderboard", "a.json", "--out", "x", "--strips", "101"], "--strips"),
    (["verify", "b.zip", "--rtol", "-1e-9"], "--rtol"),
    (["train", "oavm", "--out", "x.pt", "--steps", "0"], "--steps"),
    (["train", "oavm", "--out", "x.pt", "--lr", "0"], "--lr"),
    (["train", "oavm", "--out", "x.pt", "--batch", "0"], "--batch"),
    (["train", "oavm", "--out", "x.pt", "--minutes", "-5"], "--minutes"),
])
def test_numeric_option_out_of_range(capsys, tmp_path, monkeypatch, argv, option):
    monkeypatch.chdir(tmp_path)
    a = run_cli(capsys, argv)
    assert _one_line_usage_error(a, option) and a.out == ""
    assert list(tmp_path.iterdir()) == []  # nothing was written


@pytest.mark.parametrize("address", ["localhost", "tcp://host", "tcp://h:0", "tcp://h:99999", "http//x:1", "tcp://:8786"])
def test_malformed_scheduler_fails_fast(capsys, tmp_path, address):
    pred, gt = plain_pair(tmp_path)
    a = run_cli(capsys, ["eval", "--pred", pred, "--gt", gt, "--scheduler", address])
    assert a.refused("--scheduler", "not a Dask scheduler address") and a.out == ""


@pytest.mark.parametrize("spec,fragment", [
    ("MAD=inf", "finite"), ("MAD=nan%", "finite"), ("MAD=-1%", "finite number >= 0"), ("MAD=5000%", "1000"),
    ("=2%", "no metric name"), ("MAD=2%,MAD=3%", "given twice"), ("MAD", "METRIC=TOLERANCE"),
    ("MAD=two%", "expected a number"),
])
def test_bad_gate_tolerances(capsys, tmp_path, spec, fragment):
    b = write_result(tmp_path / "b.json", {"MAD": 1.0})
    assert run_cli(capsys, ["gate", b, "--baseline", b, "--max-regress", spec]).refused(fragment)


@pytest.mark.parametrize("value,fragment", [("2", "percentage"), ("0.5", "percentage"), ("inf%", "finite")])
def test_gate_all_must_be_a_finite_percentage(capsys, tmp_path, value, fragment):
    b = write_result(tmp_path / "b.json", {"MAD": 1.0})
    assert run_cli(capsys, ["gate", b, "--baseline", b, "--all", value]).refused("--all" if fragment == "percentage" else "", fragment)


# --- no traceback from the file system or from bytes -------------------------------------------------

def test_unexpected_oserror_is_one_line(capsys, tmp_path, monkeypatch):
    import vmbench.leaderboard.results as results

    r = write_result(tmp_path / "r.json", {"MAD": 1.0})

    def denied(path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(results, "read_run_record", denied)
    a = run_cli(capsys, ["gate", r, "--baseline", r, "--all", "1%"])
    assert a.refused("r.json", "Permission denied", "VMBENCH_DEBUG=1")


def test_vmbench_debug_reraises(capsys, tmp_path, monkeypatch):
    import vmbench.leaderboard.results as results

    r = write_result(tmp_path / "r.json", {"MAD": 1.0})

    def full(path):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(results, "read_run_record", full)
    monkeypatch.setenv("VMBENCH_DEBUG", "1")
    with pytest.raises(OSError):
        run_cli(capsys, ["gate", r, "--baseline", r, "--all", "1%"])


@pytest.mark.parametrize("payload,fragment", [
    (b"\xff\xfe\x00garbage", "not valid JSON"), (b"[1, 2]", "must be an object"), (b"{}", "exactly the keys"),
    (b'{"protocol": "rvm", "summary": {"MAD": "1"}, "clips": [], "frames": []}', "not a number"),
    (b"[" * 100000, "not valid JSON"),
])
def test_hostile_result_bytes(capsys, tmp_path, payload, fragment):
    bad = tmp_path / "bad.json"
    bad.write_bytes(payload)
    good = write_result(tmp_path / "good.json", {"MAD": 1.0})
    assert run_cli(capsys, ["gate", bad, "--baseline", good, "--all", "1%"]).refused("bad.json", fragment)


def test_hostile_sidecar_bytes(capsys, tmp_path):
    r = write_result(tmp_path / "r.json", {"MAD": 1.0})
    (tmp_path / "r.run.json").write_bytes(b"\x80\x81 not json")
    assert run_cli(capsys, ["gate", r, "--baseline", r, "--all", "1%"]).refused("r.run.json", "not valid JSON")


def test_sidecar_that_is_not_an_object(capsys, tmp_path):
    r = write_result(tmp_path / "r.json", {"MAD": 1.0})
    (tmp_path / "r.run.json").write_text(json.dumps(["x"]))
    assert run_cli(capsys, ["gate", r, "--baseline", r, "--all", "1%"]).refused("r.run.json", "JSON object")
