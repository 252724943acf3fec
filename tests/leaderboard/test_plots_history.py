"""Plots are written and readable; worst-clip strips pick the worst clips; history; run records."""

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
from helpers import write_result

from vmbench.cli import main
from vmbench.provenance import make_run_record, write_run_record
from vmbench.leaderboard.plots import frame_index_stats, plot_over_time, plot_per_clip, render_worst_strips
from vmbench.leaderboard.results import load_result


def _check_png_svg(paths):
    exts = sorted(p.suffix for p in paths)
    assert exts == [".png", ".svg"]
    for p in paths:
        assert p.stat().st_size > 0
        if p.suffix == ".png":
            img = mpimg.imread(p)
            assert img.ndim == 3 and img.shape[0] > 50 and img.shape[1] > 50
        else:
            assert "<svg" in p.read_text()


def test_frame_index_stats_hand_values(tmp_path):
    # clips 1, 2, 6 (frames carry clip value + t): at t the values are 1+t, 2+t, 6+t
    r = load_result(write_result(tmp_path / "r.json", {"MAD": [1.0, 2.0, 6.0]}))
    ts, mean, q25, q75 = frame_index_stats(r, "MAD")
    assert ts.tolist() == [0, 1, 2]
    assert np.allclose(mean, [3.0, 4.0, 5.0])
    assert np.allclose(q25, [1.5, 2.5, 3.5]) and np.allclose(q75, [4.0, 5.0, 6.0])


def test_over_time_and_per_clip_plots(tmp_path):
    rs = [load_result(write_result(tmp_path / f"{m}.json", {"MAD": v}))
          for m, v in (("a", [1.0, 2.0]), ("b", [2.0, 4.0]))]
    _check_png_svg(plot_over_time(rs, "MAD", tmp_path / "plots" / "mad_t"))
    _check_png_svg(plot_per_clip(rs, "MAD", tmp_path / "plots" / "mad_clip"))


def test_leaderboard_writes_plots_and_readme_links(tmp_path):
    files = [write_result(tmp_path / f"{m}.json", {"MAD": v}) for m, v in (("a", [1.0, 2.0]), ("b", [2.0, 4.0]))]
    out = tmp_path / "lb"
    assert main(["leaderboard", *map(str, files), "--out", str(out)]) == 0
    readme = (out / "README.md").read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert links and all((out / l).is_file() for l in links)
    _check_png_svg([out / "plots/unknown__rvm/MAD_over_time.png", out / "plots/unknown__rvm/MAD_over_time.svg"])


def _clip_tree(root: Path, clips: dict[str, np.ndarray], *, pha: bool):
    from vmbench.io.frames import write_alpha

    for clip, frames in clips.items():
        d = root / "d" / clip / "pha" if pha else root / clip
        d.mkdir(parents=True)
        for t, a in enumerate(frames):
            write_alpha(d / f"{t:04d}.png", a)


def test_render_worst_strips_picks_worst(tmp_path):
    rng = np.random.default_rng(0)
    gt = {c: rng.random((2, 12, 16)).astype(np.float32) for c in ("c0", "c1", "c2")}
    err = {"c0": 0.0, "c1": 0.3, "c2": 0.1}
    pred = {c: np.clip(g + err[c], 0, 1) for c, g in gt.items()}
    _clip_tree(tmp_path / "gt", gt, pha=True)
    _clip_tree(tmp_path / "pred", pred, pha=False)
    clips = [{"dataset": "d", "clip": c, "frames": 2, "MAD": err[c] * 1e3} for c in gt]
    frames = [{"dataset": "d", "clip": c, "frame": f"{t:04d}", "MAD": err[c] * 1e3 + t} for c in gt for t in range(2)]
    res = tmp_path / "r.json"
    res.write_text(json.dumps({"protocol": "rvm", "summary": {"MAD": 133.0}, "clips": clips, "frames": frames}))
    paths = render_worst_strips(res, tmp_path / "pred", tmp_path / "gt", tmp_path / "strips", n=2)
    names = sorted(p.name for p in paths)
    assert names == ["worst_1_d_c1.png", "worst_1_d_c1.svg", "worst_2_d_c2.png", "worst_2_d_c2.svg"]
    _check_png_svg([p for p in paths if "c1" in p.name])


def test_history_plot_and_table(tmp_path, capsys):
    files = []
    for i, (method, v, date) in enumerate([("m", 5.0, "2026-01-01T00:00:00+00:00"),
                                           ("m", 4.0, "2026-02-01T00:00:00+00:00"),
                                           ("n", 6.0, "2026-02-01T00:00:00Z")]):
        files.append(str(write_result(tmp_path / f"r{i}.json", {"MAD": [v, v]},
                                      run={"method": method, "date": date, "git_commit": "abc"})))
    out = tmp_path / "hist.png"
    assert main(["history", *files, "--metric", "MAD", "--out", str(out)]) == 0
    _check_png_svg([out, out.with_suffix(".svg")])
    table = capsys.readouterr().out
    assert "2026-02-01" in table and "4" in table
    assert main(["history", *files, "--metric", "VIMQ", "--out", str(out)]) == 2


def test_make_and_write_run_record(tmp_path, monkeypatch):
    from vmbench import __version__
    from vmbench.adapters.base import Track

    monkeypatch.chdir(tmp_path)  # not a git repository
    rec = make_run_record(method="rvm", track=Track.NONE, task="plain", protocol="rvm", pred=tmp_path)
    assert rec["git_commit"] is None and rec["vmbench_version"] == __version__
    assert rec["track"] == "none" and rec["pred"] == str(tmp_path)
    when = datetime.fromisoformat(rec["date"])
    assert when.utcoffset().total_seconds() == 0
    assert abs((datetime.now(timezone.utc) - when).total_seconds()) < 60
    res = write_result(tmp_path / "x.json", {"MAD": [1.0]})
    side = write_run_record(res, rec)
    assert side == tmp_path / "x.run.json"
    loaded = load_result(res)
    assert loaded.method == "rvm" and loaded.track == "none"
    assert set(json.loads(res.read_text())) == {"protocol", "summary", "clips", "frames"}


def test_git_commit_in_repo():
    from vmbench.provenance import git_commit

    sha = git_commit(Path(__file__).parent)
    assert sha is None or re.fullmatch(r"[0-9a-f]{40}", sha)


def test_leaderboard_draws_strips_when_run_record_has_paths(tmp_path):
    gt = {"c0": np.zeros((1, 8, 8), np.float32), "c1": np.ones((1, 8, 8), np.float32)}
    pred = {"c0": np.zeros((1, 8, 8), np.float32), "c1": np.zeros((1, 8, 8), np.float32)}
    _clip_tree(tmp_path / "gt", gt, pha=True)
    _clip_tree(tmp_path / "pred", pred, pha=False)
    res = tmp_path / "r.json"
    clips = [{"dataset": "d", "clip": "c0", "frames": 1, "MAD": 0.0}, {"dataset": "d", "clip": "c1", "frames": 1, "MAD": 1000.0}]
    frames = [{"dataset": "d", "clip": c["clip"], "frame": "0000", "MAD": c["MAD"]} for c in clips]
    res.write_text(json.dumps({"protocol": "rvm", "summary": {"MAD": 500.0}, "clips": clips, "frames": frames}))
    write_run_record(res, {"method": "m", "track": "none", "pred": str(tmp_path / "pred"), "gt": str(tmp_path / "gt")})
    out = tmp_path / "lb"
    assert main(["leaderboard", str(res), "--out", str(out), "--strips", "1"]) == 0
    strips = sorted(p.name for p in (out / "plots" / "none__rvm" / "strips" / "m").iterdir())
    assert strips == ["worst_1_d_c1.png", "worst_1_d_c1.svg"]
    assert "strips/m/worst_1_d_c1.png" in (out / "README.md").read_text()
