"""Every band and line of the plots is named, error maps carry a colour scale, every axis a unit.

The SVGs keep their text as <text>, so the labels are read back from the files themselves."""

import json
import re
from pathlib import Path

import numpy as np
from helpers import write_result

from vmbench.leaderboard.plots import plot_history, plot_over_time, plot_per_clip, render_worst_strips
from vmbench.leaderboard.results import load_result


def _texts(svg: Path) -> list[str]:
    return [re.sub(r"\s+", " ", t).strip() for t in re.findall(r"<text[^>]*>(.*?)</text>", svg.read_text(), re.S)]


def _svg(paths):
    return next(p for p in paths if p.suffix == ".svg")


def test_over_time_names_each_line_and_the_interquartile_band(tmp_path):
    rs = [load_result(write_result(tmp_path / f"{m}.json", {"MAD": v}, run={"method": m}))
          for m, v in (("a", [1.0, 2.0]), ("b", [3.0, 5.0]))]
    texts = " | ".join(_texts(_svg(plot_over_time(rs, "MAD", tmp_path / "t"))))
    assert "a: mean across clips" in texts and "b: mean across clips" in texts
    assert "shaded band: interquartile range" in texts and "(25th-75th percentile across clips)" in texts
    assert "frame index (frames)" in texts and "MAD (x1e3, lower is better)" in texts


def test_per_clip_and_history_axes_have_units(tmp_path):
    r = load_result(write_result(tmp_path / "a.json", {"VIMQ": [0.5, 0.7]}, protocol="instance",
                                 run={"method": "a", "date": "2026-01-01"}))
    texts = _texts(_svg(plot_per_clip([r], "VIMQ", tmp_path / "p")))
    assert "VIMQ (fraction, higher is better)" in texts and "clip (dataset/clip)" in texts
    texts = _texts(_svg(plot_history([r], "VIMQ", tmp_path / "h.png")))
    assert "run date (UTC)" in texts and "VIMQ (fraction, higher is better)" in texts


def test_worst_frame_strip_has_colour_bars(tmp_path):
    from vmbench.io.frames import write_alpha

    g = np.linspace(0, 1, 12 * 16, dtype=np.float32).reshape(12, 16)
    for root, a in ((tmp_path / "gt" / "d" / "c0" / "pha", g), (tmp_path / "pred" / "c0", 1 - g)):
        root.mkdir(parents=True)
        write_alpha(root / "0000.png", a)
    res = tmp_path / "r.json"
    res.write_text(json.dumps({"protocol": "rvm", "summary": {"MAD": 5.0},
                               "clips": [{"dataset": "d", "clip": "c0", "frames": 1, "MAD": 5.0}],
                               "frames": [{"dataset": "d", "clip": "c0", "frame": "0000", "MAD": 5.0}]}))
    texts = _texts(_svg(render_worst_strips(res, tmp_path / "pred", tmp_path / "gt", tmp_path / "s", n=1)))
    assert "|pred - gt| (alpha, 0-1)" in texts
    assert texts.count("alpha (0-1)") == 2  # ground truth and prediction panels
