"""`vmbench leaderboard`: rows match the result files, marks appear/disappear, units, published rows."""

import csv
import json
from pathlib import Path

import pytest
from helpers import write_result

from vmbench.cli import main

DATA_CSV = Path(__file__).resolve().parents[2] / "vmbench" / "data" / "published_numbers.csv"


def _rows(out: Path) -> list[dict]:
    with (out / "results.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def _run(tmp_path, files, *extra):
    out = tmp_path / "lb"
    rc = main(["leaderboard", *map(str, files), "--out", str(out), "--no-plots", *extra])
    return rc, out


def test_rows_match_inputs_and_tied_mark(tmp_path):
    a = [1.0, 2.0, 3.0, 4.0]
    tied = [1.1, 1.9, 3.1, 3.9]  # per-clip differences +-0.1 around A: mean diff 0 -> not significant
    worse = [2.0, 3.0, 4.0, 5.0]  # +1 on every clip: significant
    run = lambda m: {"method": m, "track": "none", "task": "plain", "protocol": "rvm", "date": "2026-01-02"}
    files = [write_result(tmp_path / f"{m}.json", {"MAD": v, "dtSSD": [x / 2 for x in v]}, run=run(m))
             for m, v in (("worse", worse), ("A", a), ("tied", tied))]
    rc, out = _run(tmp_path, files)
    assert rc == 0
    rows = _rows(out)
    by = {r["method"]: r for r in rows}
    assert [r["method"] for r in rows][0] == "A"  # sorted by MAD ascending
    assert by["worse"]["rank"] == "3"
    for m, v in (("A", a), ("tied", tied), ("worse", worse)):
        assert float(by[m]["MAD"]) == sum(v) / len(v)
        assert float(by[m]["dtSSD"]) == sum(x / 2 for x in v) / len(v)
        assert by[m]["track"] == "none" and by[m]["protocol"] == "rvm" and by[m]["kind"] == "measured"
        assert by[m]["n_clips"] == "4"
        assert min(v) <= float(by[m]["MAD_lo"]) <= sum(v) / 4 <= float(by[m]["MAD_hi"]) <= max(v)
    assert by["A"]["MAD_vs_leader"] == "leader"
    assert by["tied"]["MAD_vs_leader"] == "tied"
    assert by["worse"]["MAD_vs_leader"] == "worse"
    md = (out / "README.md").read_text()
    line = {m: next(ln for ln in md.splitlines() if f"| {m} |" in ln) for m in by}
    assert "≈" in line["tied"] and "≈" not in line["worse"] and "*" in line["A"]
    assert "MAD (x1e3)" in md and "dtSSD (x1e2)" in md
    for ext in ("md", "csv", "html"):
        assert (out / "tables" / f"none__rvm.{ext}").stat().st_size > 0
    assert "<table" in (out / "tables" / "none__rvm.html").read_text()


def test_mark_disappears_when_shift_is_consistent(tmp_path):
    a = [1.0, 2.0, 3.0, 4.0]
    files = [write_result(tmp_path / "A.json", {"MAD": a}),
             write_result(tmp_path / "B.json", {"MAD": [x + 0.1 for x in a]})]
    rc, out = _run(tmp_path, files)
    assert rc == 0
    by = {r["method"]: r for r in _rows(out)}
    assert by["B"]["MAD_vs_leader"] == "worse"
    # no sidecar: method is the file stem, track unknown
    assert by["A"]["track"] == "unknown" and by["A"]["MAD_vs_leader"] == "leader"


def test_two_clip_interval_in_csv_is_min_max(tmp_path):
    f = write_result(tmp_path / "two.json", {"MAD": [1.0, 3.0]})
    rc, out = _run(tmp_path, [f])
    (row,) = _rows(out)
    assert (float(row["MAD_lo"]), float(row["MAD"]), float(row["MAD_hi"])) == (1.0, 2.0, 3.0)


def test_summary_is_shown_not_recomputed(tmp_path):
    # unequal clip lengths: the file's summary (mean of per-index means) differs from the clip mean
    f = write_result(tmp_path / "s.json", {"MAD": [1.0, 3.0]}, summary={"MAD": 2.5})
    rc, out = _run(tmp_path, [f])
    (row,) = _rows(out)
    assert float(row["MAD"]) == 2.5 and (float(row["MAD_lo"]), float(row["MAD_hi"])) == (1.0, 3.0)


def test_instance_sorted_by_vimq_descending(tmp_path):
    run = lambda m: {"method": m, "track": "first-frame-mask", "protocol": "instance"}
    good = {"RQ": [1.0, 1.0], "TQ": [1.0, 0.5], "MQ": [0.8, 0.6]}
    bad = {"RQ": [0.5, 0.5], "TQ": [1.0, 0.5], "MQ": [0.8, 0.6]}
    files = []
    for m, parts in (("bad", bad), ("good", good)):
        mean = {k: sum(v) / 2 for k, v in parts.items()}
        vimq = mean["RQ"] * mean["TQ"] * mean["MQ"]
        files.append(write_result(tmp_path / f"{m}.json", {**parts, "VIMQ": [vimq, vimq]}, protocol="instance",
                                  run=run(m), summary={**mean, "VIMQ": vimq}))
    rc, out = _run(tmp_path, files)
    rows = _rows(out)
    assert [r["method"] for r in rows] == ["good", "bad"]
    assert float(rows[0]["VIMQ"]) == pytest.approx(1.0 * 0.75 * 0.7)
    md = (out / "README.md").read_text()
    assert "VIMQ (fraction) ↑" in md


def test_sort_option_and_bad_sort(tmp_path, capsys):
    files = [write_result(tmp_path / "A.json", {"MAD": [1.0, 2.0], "dtSSD": [9.0, 9.0]}),
             write_result(tmp_path / "B.json", {"MAD": [3.0, 4.0], "dtSSD": [1.0, 1.0]})]
    rc, out = _run(tmp_path, files, "--sort", "dtSSD")
    assert [r["method"] for r in _rows(out)] == ["B", "A"]
    rc, _ = _run(tmp_path, files, "--sort", "VIMQ")
    assert rc == 2 and "VIMQ" in capsys.readouterr().err


def test_published_only_when_named(tmp_path):
    f = write_result(tmp_path / "A.json", {"MAD": [5.0, 6.0]},
                     run={"method": "A", "track": "none", "protocol": "rvm"})
    rc, out = _run(tmp_path, [f])
    assert all(r["kind"] == "measured" for r in _rows(out))
    rc, out = _run(tmp_path, [f], "--published", "videomatte_512x288")
    assert rc == 0
    pub = [r for r in _rows(out) if r["kind"] == "published"]
    # independent read of the shipped CSV: RVM paper's own RVM (MobileNetV3) row
    with DATA_CSV.open(newline="") as fh:
        want = next(float(r["value"]) for r in csv.DictReader(fh)
                    if r["paper"].startswith("RVM") and r["method"] == "RVM (MobileNetV3)"
                    and r["resolution"] == "512x288" and r["metric"] == "pha_MAD")
    rvm = next(r for r in pub if r["method"] == "RVM (MobileNetV3)" and r["paper"].startswith("RVM"))
    assert float(rvm["MAD"]) == want == 6.08
    assert rvm["rank"] == "" and rvm["MAD_lo"] == "" and "protocol rvm" in rvm["source"]
    assert "published: RVM" in (out / "README.md").read_text()
    rc, _ = _run(tmp_path, [f], "--published", "no_such_benchmark")
    assert rc == 2


def test_bad_result_file_is_input_error(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"protocol": "rvm", "summary": {}, "clips": [], "frames": [], "extra": 1}))
    rc, _ = _run(tmp_path, [bad])
    err = capsys.readouterr().err
    assert rc == 2 and "bad.json" in err and "extra" in err


def test_never_overwrites_foreign_readme(tmp_path, capsys):
    f = write_result(tmp_path / "A.json", {"MAD": [5.0, 6.0]})
    out = tmp_path / "lb"
    out.mkdir()
    (out / "README.md").write_text("my notes")
    assert main(["leaderboard", str(f), "--out", str(out), "--no-plots"]) == 2
    assert (out / "README.md").read_text() == "my notes"
    assert "README.md" in capsys.readouterr().err
    # a leaderboard folder written by vmbench is regenerated in place
    out2 = tmp_path / "lb2"
    assert main(["leaderboard", str(f), "--out", str(out2), "--no-plots"]) == 0
    assert main(["leaderboard", str(f), "--out", str(out2), "--no-plots", "--sort", "MAD"]) == 0
    assert "--sort MAD" in (out2 / "README.md").read_text()


def test_vimq_interval_is_product_of_resampled_means(tmp_path):
    # clip 0: RQ 1, TQ .5, MQ .2 (VIMQ .1); clip 1: RQ 0, TQ 1, MQ .6 (VIMQ 0).
    # Dataset VIMQ = .5 * .75 * .4 = .15. Resamples: {0,0} -> .1, {1,1} -> 0, mixed (p=1/2) -> .15,
    # so the interval is [0, .15]; a plain mean of per-clip VIMQ would give [0, .1].
    parts = {"RQ": [1.0, 0.0], "TQ": [0.5, 1.0], "MQ": [0.2, 0.6], "VIMQ": [0.1, 0.0]}
    f = write_result(tmp_path / "i.json", parts, protocol="instance",
                     summary={"RQ": 0.5, "TQ": 0.75, "MQ": 0.4, "VIMQ": 0.15})
    rc, out = _run(tmp_path, [f])
    (row,) = _rows(out)
    assert float(row["VIMQ"]) == 0.15
    assert float(row["VIMQ_lo"]) == pytest.approx(0.0)
    assert float(row["VIMQ_hi"]) == pytest.approx(0.15)
    assert (float(row["RQ_lo"]), float(row["RQ_hi"])) == (0.0, 1.0)
