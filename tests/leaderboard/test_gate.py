"""`vmbench gate`: exit 1 on a planted regression, 0 without, direction-aware, clear errors."""

import pytest
from helpers import write_result

from vmbench.cli import main


def _pair(tmp_path, base: dict, cur: dict, protocol="rvm"):
    b = write_result(tmp_path / "base.json", {m: [v, v] for m, v in base.items()}, protocol=protocol)
    c = write_result(tmp_path / "cur.json", {m: [v, v] for m, v in cur.items()}, protocol=protocol)
    return str(c), str(b)


def test_planted_regression_fails(tmp_path, capsys):
    cur, base = _pair(tmp_path, {"MAD": 10.0, "dtSSD": 2.0}, {"MAD": 10.3, "dtSSD": 2.0})  # MAD +3 %
    assert main(["gate", cur, "--baseline", base, "--max-regress", "MAD=2%,dtSSD=5%"]) == 1
    out = capsys.readouterr().out
    mad = next(ln for ln in out.splitlines() if ln.startswith("MAD"))
    assert "FAIL" in mad and "+3.00" in mad and "10.3" in mad
    assert "PASS" in next(ln for ln in out.splitlines() if ln.startswith("dtSSD"))


def test_within_tolerance_passes(tmp_path, capsys):
    cur, base = _pair(tmp_path, {"MAD": 10.0, "dtSSD": 2.0}, {"MAD": 10.15, "dtSSD": 1.0})  # +1.5 %, better
    assert main(["gate", cur, "--baseline", base, "--max-regress", "MAD=2%,dtSSD=5%"]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and out.count("PASS") >= 2
    assert "-50.00" in out  # dtSSD change


def test_absolute_tolerance(tmp_path):
    cur, base = _pair(tmp_path, {"MAD": 10.0}, {"MAD": 10.4})
    assert main(["gate", cur, "--baseline", base, "--max-regress", "MAD=0.5"]) == 0
    assert main(["gate", cur, "--baseline", base, "--max-regress", "MAD=0.3"]) == 1


@pytest.mark.parametrize("current,code", [(0.45, 1), (0.55, 0), (0.495, 0)])
def test_higher_is_better_direction(tmp_path, current, code):
    # VIMQ 0.50 -> 0.45 is a 10 % drop (fail at 2 %); a rise never fails; -1 % is within 2 %
    cur, base = _pair(tmp_path, {"VIMQ": 0.5}, {"VIMQ": current}, protocol="instance")
    assert main(["gate", cur, "--baseline", base, "--max-regress", "VIMQ=2%"]) == code


def test_all_default_covers_shared_metrics(tmp_path, capsys):
    cur, base = _pair(tmp_path, {"MAD": 10.0, "MSE": 1.0}, {"MAD": 10.0, "MSE": 1.2})
    assert main(["gate", cur, "--baseline", base, "--all", "5%"]) == 1
    assert "MSE" in capsys.readouterr().out
    assert main(["gate", cur, "--baseline", base, "--all", "25%"]) == 0


def test_missing_metric_is_clear_error(tmp_path, capsys):
    cur, base = _pair(tmp_path, {"MAD": 10.0}, {"MAD": 10.0})
    assert main(["gate", cur, "--baseline", base, "--max-regress", "dtSSD=5%"]) == 2
    err = capsys.readouterr().err
    assert "dtSSD" in err and "base.json" in err and "cur.json" in err


def test_bad_tolerance_and_protocol_mismatch(tmp_path, capsys):
    cur, base = _pair(tmp_path, {"MAD": 10.0}, {"MAD": 10.0})
    assert main(["gate", cur, "--baseline", base, "--max-regress", "MAD=two%"]) == 2
    other = write_result(tmp_path / "hr.json", {"MAD": [1.0]}, protocol="rvm-hr")
    assert main(["gate", str(other), "--baseline", base, "--max-regress", "MAD=2%"]) == 2
    assert "not comparable" in capsys.readouterr().err
