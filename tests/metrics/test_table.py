"""The one metrics table: every metric vmbench can emit has a row; directions, units and ranges."""

import math

import pytest

from vmbench.instance.maggie import MAGGIE_METRICS
from vmbench.metrics.table import headline, higher_is_better, lookup, meanings, value_problem
from vmbench.protocols import PROTOCOLS

_TASK = ("RQ", "TQ", "MQ", "VIMQ", "MQ_MAD", "VIMQ_MAD", "MQ_dtSSD", "VIMQ_dtSSD", "J", "F", "J&F", "RefAcc")


@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_every_protocol_metric_has_a_row(protocol):
    for m in PROTOCOLS[protocol].available_metrics:
        row = lookup(protocol, m)
        assert row is not None and row.unit and row.meaning
        assert PROTOCOLS[protocol].units[m] == row.meaning  # eval's units block reads the table


@pytest.mark.parametrize("protocol", ["rvm", "rvm-hr", "dim", "maggie"])
def test_task_rows_under_every_matting_protocol(protocol):
    # an instance or referring result carries these whatever its matting protocol
    for m in _TASK:
        assert higher_is_better(m, protocol) is True
        assert lookup(protocol, m).high == 1.0


def test_maggie_metrics_have_rows():
    assert all(lookup("maggie", m) is not None for m in MAGGIE_METRICS)


def test_refacc_is_higher_is_better_under_the_protocol_referring_results_carry():
    # the bug: referring results say protocol "rvm"; RefAcc was looked up there and read as an error
    assert higher_is_better("RefAcc", "rvm") is True


@pytest.mark.parametrize("metric,protocol", [("MAD", "rvm"), ("dtSSD", "rvm-hr"), ("SAD", "dim"),
                                             ("Conn", "maggie"), ("fgr_MSE", "rvm")])
def test_error_metrics_lower_is_better(metric, protocol):
    assert higher_is_better(metric, protocol) is False


def test_unknown_is_none_not_a_guess():
    assert lookup("rvm", "Foo") is None and higher_is_better("Foo", "rvm") is None
    assert lookup("nonesuch", "MAD") is None and lookup("nonesuch", "VIMQ") is None


@pytest.mark.parametrize("protocol,metric,unit", [("rvm", "MAD", "x1e3"), ("rvm-hr", "dtSSD", "x1e2"),
                                                  ("rvm", "Grad", "x1e-3"), ("dim", "SAD", "x1e-3"),
                                                  ("dim", "MSE", "x1"), ("instance", "VIMQ", "fraction")])
def test_one_unit_notation(protocol, metric, unit):
    assert lookup(protocol, metric).unit == unit


def test_headline():
    assert headline("rvm", ["MSE", "MAD"]) == "MAD"
    assert headline("rvm", ["MAD", "RQ", "VIMQ", "RefAcc"]) == "VIMQ"  # instance/referring boards
    assert headline("dim", ["SAD", "MSE"]) == "SAD"
    assert headline("rvm", ["Foo", "dtSSD"]) == "dtSSD"
    assert headline("other", ["Foo"]) is None


@pytest.mark.parametrize("protocol,metric,value,expect", [
    ("rvm", "MAD", 3.2, None), ("rvm", "MAD", math.nan, "NaN"), ("rvm", "MAD", math.inf, "infinite"),
    ("rvm", "MAD", -0.1, "outside"), ("rvm", "MAD", 1000.5, "outside"), ("rvm", "VIMQ", 1.2, "outside"),
    ("dim", "MSE", 1.01, "outside"), ("rvm", "dtSSD", 200.0, None), ("rvm", "Foo", 1.0, "unknown metric"),
    ("rvm", "MAD", None, "null"), ("rvm", "MAD", True, "not a number"),
])
def test_value_problem(protocol, metric, value, expect):
    got = value_problem(protocol, metric, value)
    assert (got is None) if expect is None else (expect in got)


def test_meanings_only_own_rows():
    assert set(meanings("dim")) == {"SAD", "MSE", "Grad", "Conn"}


def test_docs_trust_lists_every_row_as_the_code_has_it():
    from pathlib import Path

    from vmbench.metrics.table import TABLE, TASK_METRICS

    doc = (Path(__file__).parents[2] / "docs" / "trust.md").read_text(encoding="utf-8")
    shown = [TABLE[p] for p in (*PROTOCOLS, "maggie") if TABLE.get(p)]
    for rows in (*shown, TASK_METRICS):
        for m in rows.values():
            better = "higher" if m.higher_is_better else "lower"
            assert f"| {m.name} | {m.unit} | {better} |" in doc, m.name
