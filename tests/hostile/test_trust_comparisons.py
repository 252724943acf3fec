"""Hostile comparisons: gate, leaderboard and history never rank what is not comparable.

Each case asserts the class of answer: exit 2 with one error line naming the file and the problem,
a note, or PASS/FAIL with numbers worked out here from the inputs.
"""

from __future__ import annotations

import csv
import math

import pytest

from tests.hostile._corpus import run_cli, write_result

RUN = {"method": "m", "track": "t", "date": "2026-01-01T00:00:00+00:00", "task": "plain", "dataset_hash": "h1"}


def _gate(capsys, tmp_path, base: dict, cur: dict, *opts, protocol="rvm", base_kw=None, cur_kw=None):
    b = write_result(tmp_path / "base.json", base, protocol=protocol, **(base_kw or {}))
    c = write_result(tmp_path / "cur.json", cur, protocol=protocol, **(cur_kw or {}))
    return run_cli(capsys, ["gate", c, "--baseline", b, *opts])


# --- direction, from the one table -----------------------------------------------------------------

def test_refacc_drop_fails_the_gate(capsys, tmp_path):
    # referring results carry protocol "rvm"; 0.67 -> 0.30 is a 55 % drop of a higher-is-better score
    a = _gate(capsys, tmp_path, {"RefAcc": 0.67}, {"RefAcc": 0.30}, "--max-regress", "RefAcc=2%")
    assert a.code == 1
    line = next(ln for ln in a.out.splitlines() if ln.startswith("RefAcc"))
    assert "higher" in line and "FAIL" in line and f"{(0.30 - 0.67) / 0.67 * 100:+.2f}" in line


def test_refacc_improvement_passes_the_gate(capsys, tmp_path):
    a = _gate(capsys, tmp_path, {"RefAcc": 0.30}, {"RefAcc": 0.67}, "--all", "1%")
    assert a.code == 0 and "gate: PASS" in a.out


@pytest.mark.parametrize("metric,base,cur,code", [
    ("VIMQ", 0.5, 0.45, 1), ("J&F", 0.8, 0.9, 0), ("J", 0.8, 0.7, 1), ("MAD", 10.0, 9.0, 0), ("dtSSD", 2.0, 2.5, 1),
])
def test_direction_of_each_kind(capsys, tmp_path, metric, base, cur, code):
    assert _gate(capsys, tmp_path, {metric: base}, {metric: cur}, "--max-regress", f"{metric}=5%").code == code


def test_absolute_tolerance_boundary_worked_by_hand(capsys, tmp_path):
    # MAD 10 -> 10.5 is worse by exactly 0.5: allowed at 0.5, not at 0.49
    assert _gate(capsys, tmp_path, {"MAD": 10.0}, {"MAD": 10.5}, "--max-regress", "MAD=0.5").code == 0
    assert _gate(capsys, tmp_path, {"MAD": 10.0}, {"MAD": 10.5}, "--max-regress", "MAD=0.49").code == 1


# --- unknown metrics are never guessed -------------------------------------------------------------

def test_unknown_metric_named_is_refused(capsys, tmp_path):
    a = _gate(capsys, tmp_path, {"Foo": 1.0}, {"Foo": 2.0}, "--max-regress", "Foo=1%")
    assert a.refused("'Foo'", "direction is unknown")


def test_unknown_metric_under_all_is_a_note_not_a_check(capsys, tmp_path):
    a = _gate(capsys, tmp_path, {"MAD": 1.0, "Foo": 1.0}, {"MAD": 1.0, "Foo": 9.0}, "--all", "1%")
    assert a.code == 0 and any("'Foo'" in n and "not checked" in n for n in a.notes)
    assert "1 metrics" in a.out.splitlines()[-1] or "(0 of 1" in a.out


@pytest.mark.parametrize("where", ["baseline", "current"])
def test_metric_in_one_file_only_is_said(capsys, tmp_path, where):
    base, cur = ({"MAD": 1.0, "MSE": 1.0}, {"MAD": 1.0}) if where == "baseline" else ({"MAD": 1.0}, {"MAD": 1.0, "MSE": 1.0})
    a = _gate(capsys, tmp_path, base, cur, "--all", "1%")
    assert a.code == 0 and any("'MSE'" in n and "not checked" in n for n in a.notes)


# --- results that are not comparable ---------------------------------------------------------------

@pytest.mark.parametrize("change,fragment", [
    ({"dataset_hash": "h2"}, "dataset hash 'h1' vs 'h2'"),
    ({"task": "instance"}, "task 'plain' vs 'instance'"),
])
def test_run_records_that_differ_are_refused(capsys, tmp_path, change, fragment):
    a = _gate(capsys, tmp_path, {"MAD": 1.0}, {"MAD": 1.0}, "--all", "1%",
              base_kw={"run": {**RUN, **change}}, cur_kw={"run": RUN})
    assert a.refused("not comparable", fragment.replace("'h1' vs 'h2'", "'h1' vs 'h2'")) or a.refused(
        "not comparable", fragment.split(" ")[0])


def test_clip_sets_that_differ_are_refused(capsys, tmp_path):
    a = _gate(capsys, tmp_path, {"MAD": 1.0}, {"MAD": 1.0}, "--all", "1%",
              base_kw={"clips": ["c0", "c1", "c2"]}, cur_kw={"clips": ["c0", "c1"]})
    assert a.refused("not comparable", "1 clip(s) only in", "d/c2")


def test_frame_counts_that_differ_are_refused(capsys, tmp_path):
    a = _gate(capsys, tmp_path, {"MAD": 1.0}, {"MAD": 1.0}, "--all", "1%",
              base_kw={"frames": 3}, cur_kw={"frames": 2})
    assert a.refused("not comparable", "different frame counts", "2 vs 3")


def test_protocols_that_differ_are_refused(capsys, tmp_path):
    b = write_result(tmp_path / "base.json", {"MSE": 1.0}, protocol="dim")
    c = write_result(tmp_path / "cur.json", {"MSE": 1.0}, protocol="rvm")
    assert run_cli(capsys, ["gate", c, "--baseline", b, "--all", "1%"]).refused("protocol 'rvm' vs 'dim'")


@pytest.mark.parametrize("value,fragment", [
    (math.nan, "NaN"), (math.inf, "infinite"), (None, "NaN"), (-1.0, "outside its valid range [0, 1000]"),
    (1500.0, "outside its valid range"),
])
def test_bad_summary_values_are_refused(capsys, tmp_path, value, fragment):
    a = _gate(capsys, tmp_path, {"MAD": 1.0}, {"MAD": value}, "--max-regress", "MAD=1%")
    assert a.refused("cur.json", "MAD", fragment)


def test_fraction_above_one_is_refused(capsys, tmp_path):
    a = _gate(capsys, tmp_path, {"VIMQ": 0.5}, {"VIMQ": 1.5}, "--all", "1%")
    assert a.refused("cur.json", "VIMQ", "[0, 1]")


# --- leaderboard ------------------------------------------------------------------------------------

def _board(capsys, tmp_path, results: dict[str, dict], *opts, protocol="rvm", runs=None, clips=None):
    files = []
    for name, summary in results.items():
        run = {**RUN, "method": name, **((runs or {}).get(name, {}))}
        files.append(write_result(tmp_path / f"{name}.json", summary, protocol=protocol, run=run,
                                  clips=(clips or {}).get(name)))
    out = tmp_path / "lb"
    a = run_cli(capsys, ["leaderboard", *files, "--out", out, "--no-plots", "--strips", "0", *opts])
    rows = list(csv.DictReader((out / "results.csv").open())) if a.code == 0 else []
    return a, rows


def test_board_ranks_refacc_higher_first(capsys, tmp_path):
    a, rows = _board(capsys, tmp_path, {"low": {"RefAcc": 0.30}, "high": {"RefAcc": 0.67}}, "--sort", "RefAcc")
    assert a.code == 0
    assert [(r["method"], r["rank"]) for r in rows] == [("high", "1"), ("low", "2")]
    assert rows[0]["RefAcc_vs_leader"] == "leader"


def test_instance_board_sorts_by_vimq_by_default(capsys, tmp_path):
    # an instance result scored under the rvm matting protocol: MAD would rank "a" first, VIMQ ranks "b"
    a, rows = _board(capsys, tmp_path, {"a": {"MAD": 1.0, "VIMQ": 0.2}, "b": {"MAD": 5.0, "VIMQ": 0.9}})
    assert a.code == 0 and [r["method"] for r in rows] == ["b", "a"] and "Sorted by VIMQ" in a.out


def test_board_marks_other_dataset_not_comparable(capsys, tmp_path):
    a, rows = _board(capsys, tmp_path, {"x": {"MAD": 3.0}, "y": {"MAD": 2.0}, "z": {"MAD": 1.0}},
                     runs={"z": {"dataset_hash": "other"}})
    by = {r["method"]: r for r in rows}
    assert by["y"]["rank"] == "1" and by["x"]["rank"] == "2" and by["z"]["rank"] == ""
    assert by["z"]["MAD_vs_leader"] == "not comparable" and "not comparable with" in a.out


def test_board_marks_other_clip_set_not_comparable(capsys, tmp_path):
    a, rows = _board(capsys, tmp_path, {"x": {"MAD": 3.0}, "y": {"MAD": 2.0}, "z": {"MAD": 1.0}},
                     clips={"z": ["c0"]})
    by = {r["method"]: r for r in rows}
    assert by["z"]["rank"] == "" and by["y"]["rank"] == "1" and "clip(s) only in" in a.out


def test_board_nan_cell_is_never_leader(capsys, tmp_path):
    a, rows = _board(capsys, tmp_path, {"x": {"MAD": 3.0, "MSE": math.nan}, "y": {"MAD": 2.0, "MSE": 5.0}})
    by = {r["method"]: r for r in rows}
    assert by["x"]["MSE_vs_leader"] == "not comparable" and by["y"]["MSE_vs_leader"] == "leader"
    assert "(not comparable)" in a.out


def test_board_sort_by_unknown_metric_is_refused(capsys, tmp_path):
    a, _ = _board(capsys, tmp_path, {"x": {"MAD": 3.0, "Foo": 1.0}}, "--sort", "Foo")
    assert a.refused("--sort Foo", "direction is unknown")


def test_board_unknown_metric_column_is_not_ranked(capsys, tmp_path):
    a, rows = _board(capsys, tmp_path, {"x": {"MAD": 3.0, "Foo": 1.0}, "y": {"MAD": 2.0, "Foo": 0.0}})
    assert a.code == 0 and "Foo (unknown metric, not ranked)" in a.out
    assert {r["Foo_vs_leader"] for r in rows} == {"not comparable"} and {r["rank"] for r in rows} == {"1", "2"}


# --- history ----------------------------------------------------------------------------------------

def _history(capsys, tmp_path, summaries, runs, metric="MAD"):
    files = [write_result(tmp_path / f"r{i}.json", s, run={**RUN, "date": f"2026-01-0{i + 1}", **r})
             for i, (s, r) in enumerate(zip(summaries, runs))]
    return run_cli(capsys, ["history", *files, "--metric", metric, "--out", tmp_path / "h.png"])


def test_history_refuses_nan(capsys, tmp_path):
    a = _history(capsys, tmp_path, [{"MAD": 1.0}, {"MAD": math.nan}], [{}, {}])
    assert a.refused("r1.json", "NaN")


def test_history_refuses_other_dataset(capsys, tmp_path):
    a = _history(capsys, tmp_path, [{"MAD": 1.0}, {"MAD": 2.0}], [{}, {"dataset_hash": "h9"}])
    assert a.refused("not comparable", "dataset hash")


def test_history_refuses_unknown_metric(capsys, tmp_path):
    a = _history(capsys, tmp_path, [{"Foo": 1.0}, {"Foo": 2.0}], [{}, {}], metric="Foo")
    assert a.refused("Foo", "unknown metric")


def test_one_missing_dataset_hash_is_noted(capsys, tmp_path):
    a = _gate(capsys, tmp_path, {"MAD": 1.0}, {"MAD": 1.0}, "--all", "1%",
              base_kw={"run": RUN}, cur_kw={"run": {k: v for k, v in RUN.items() if k != "dataset_hash"}})
    assert a.code == 0 and any("cur.json records no dataset hash" in n for n in a.notes)


def test_a_clip_listed_twice_is_refused(capsys, tmp_path):
    b = write_result(tmp_path / "b.json", {"MAD": 1.0})
    c = write_result(tmp_path / "c.json", {"MAD": 1.0}, clips=["c0", "c0"])
    assert run_cli(capsys, ["gate", c, "--baseline", b, "--all", "1%"]).refused("c.json", "d/c0", "two 'clips' rows")


@pytest.mark.parametrize("protocol", [["rvm"], "", 3])
def test_a_protocol_that_is_not_a_name_is_refused(capsys, tmp_path, protocol):
    b = write_result(tmp_path / "b.json", {"MAD": 1.0})
    c = write_result(tmp_path / "c.json", {"MAD": 1.0}, protocol=protocol)
    assert run_cli(capsys, ["gate", c, "--baseline", b, "--all", "1%"]).refused("c.json", "'protocol' must be")
