"""`leaderboard --site` and `--latex`: what the page and the tables say, re-derived from the inputs."""

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from vmbench.cli import main


def _result(path: Path, method: str, clips: list[tuple[str, float, float]], *, protocol="rvm", run=None):
    """clips: (split, MAD, dtSSD) per clip; summary = plain means."""
    rows = [{"dataset": s, "clip": f"c{i}", "frames": 2, "MAD": m, "dtSSD": d} for i, (s, m, d) in enumerate(clips)]
    frames = [{"dataset": r["dataset"], "clip": r["clip"], "frame": f"{t:04d}", "MAD": r["MAD"] + t,
               "dtSSD": r["dtSSD"]} for r in rows for t in range(2)]
    summary = {"MAD": sum(c[1] for c in clips) / len(clips), "dtSSD": sum(c[2] for c in clips) / len(clips)}
    path.write_text(json.dumps({"protocol": protocol, "summary": summary, "clips": rows, "frames": frames}))
    rec = {"method": method, "track": "none", "task": "plain", "protocol": protocol, "date": "2026-03-04T05:06:07+00:00",
           "adapter": method, "weights_sha256": f"sha-{method}", "device": "cpu", "git_commit": "deadbeef"}
    rec.update(run or {})
    path.with_name(path.stem + ".run.json").write_text(json.dumps(rec))
    return path


CLIPS = {
    "alpha": [("easy", 1.0, 5.0), ("easy", 2.0, 4.0), ("hard", 6.0, 1.0)],
    "beta": [("easy", 2.0, 2.0), ("easy", 3.0, 2.0), ("hard", 4.0, 2.0)],
    "gamma": [("easy", 0.5, 9.0), ("easy", 1.5, 9.0), ("hard", 9.0, 9.0)],
}


@pytest.fixture
def board(tmp_path):
    files = [_result(tmp_path / f"{m}.json", m, c) for m, c in CLIPS.items()]
    site, tex = tmp_path / "site", tmp_path / "tex"
    assert main(["leaderboard", *map(str, files), "--site", str(site), "--latex", str(tex), "--no-plots"]) == 0
    return site, tex


class Tables(HTMLParser):
    """Every <table id=...>: header texts and rows of (cell text, data-v)."""

    def __init__(self):
        super().__init__()
        self.tables, self._t, self._cell, self._row = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._t = self.tables.setdefault(a.get("id"), {"head": [], "rows": []})
        elif tag == "tr" and self._t is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [tag, "", a.get("data-v")]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row and self._row[0][0] == "th":
                self._t["head"] = [c[1] for c in self._row]
            else:
                self._t["rows"].append([(c[1], c[2]) for c in self._row])
            self._row = None
        elif tag == "table":
            self._t = None


def _tables(site: Path) -> dict:
    p = Tables()
    p.feed((site / "index.html").read_text())
    return p.tables


def test_board_rows_values_and_order(board):
    site, _ = board
    t = _tables(site)["board-none__rvm"]
    mad_col = next(i for i, h in enumerate(t["head"]) if h.startswith("MAD"))
    methods = [r[1][0] for r in t["rows"]]
    means = {m: sum(c[1] for c in v) / 3 for m, v in CLIPS.items()}
    assert methods == sorted(means, key=means.get)  # ascending MAD: lower is better
    for r in t["rows"]:
        assert float(r[mad_col][1]) == means[r[1][0]]
    assert t["head"][mad_col] == "MAD (x1e3) ↓"


def test_per_split_means_are_the_split_means_of_clips(board):
    site, _ = board
    t = _tables(site)["split-none__rvm-MAD"]
    methods = [h.split(":")[0] for h in t["head"][1:]]
    for row in t["rows"]:
        split = row[0][0]
        for meth, (_text, v) in zip(methods, row[1:]):
            vals = [c[1] for c in CLIPS[meth] if c[0] == split]
            assert float(v) == sum(vals) / len(vals)
    assert [r[0][0] for r in t["rows"]] == ["easy", "hard"]


def test_per_clip_values_and_cards(board):
    site, _ = board
    t = _tables(site)["clip-none__rvm-dtSSD"]
    methods = [h.split(":")[0] for h in t["head"][1:]]
    for i, row in enumerate(t["rows"]):
        assert row[0][0] == f"easy/c{i}" if i < 2 else row[0][0] == f"hard/c{i}"
        for meth, (_text, v) in zip(methods, row[1:]):
            assert float(v) == CLIPS[meth][i][2]
    page = (site / "index.html").read_text()
    for m in CLIPS:
        card = re.search(rf'<div class="card" id="card-none__rvm-{m}">(.*?)</div>', page).group(1)
        for text in (f"sha-{m}", "deadbeef", "2026-03-04T05:06:07+00:00", "cpu", f"<dd>{m}</dd>"):
            assert text in card


def test_card_shows_the_baseline_settings_from_the_predictions_run_json(tmp_path):
    pred = tmp_path / "pred"
    pred.mkdir()
    (pred / "run.json").write_text(json.dumps({"adapter_class": "pkg.mod:Cls", "guidance": "mask_down32"}))
    f = _result(tmp_path / "a.json", "a", [("s", 1.0, 1.0)], run={"pred": str(pred)})
    site = tmp_path / "site"
    assert main(["leaderboard", str(f), "--site", str(site), "--no-plots"]) == 0
    card = re.search(r'<div class="card" id="card-none__rvm-a">(.*?)</div>', (site / "index.html").read_text()).group(1)
    assert "<dt>adapter class</dt><dd>pkg.mod:Cls</dd>" in card and "<dt>guidance</dt><dd>mask_down32</dd>" in card


def test_page_needs_no_network(board):
    site, _ = board
    page = (site / "index.html").read_text()
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert '<script src="site.js"></script>' in page
    assert "http" not in (site / "site.js").read_text()


def test_site_embeds_the_plots(tmp_path):
    files = [_result(tmp_path / f"{m}.json", m, c) for m, c in CLIPS.items()]
    site = tmp_path / "site"
    assert main(["leaderboard", *map(str, files), "--site", str(site), "--strips", "0"]) == 0
    srcs = re.findall(r'<img src="([^"]+)"', (site / "index.html").read_text())
    assert {f"plots/none__rvm/{m}_{k}.png" for m in ("MAD", "dtSSD") for k in ("over_time", "per_clip")} <= set(srcs)
    assert all((site / s).is_file() for s in srcs)


def _podium(values, hib):
    """Competition ranking of finite values: 1 + how many are strictly better."""
    place = {}
    for v in values:
        place[v] = 1 + sum(1 for w in values if (w > v if hib else w < v))
    return place


def test_latex_structure_units_and_best_three(board):
    _, tex = board
    text = (tex / "none__rvm.tex").read_text()
    assert text.count(r"\begin{table}") == text.count(r"\end{table}") == 1
    depth = 0
    for ch in text.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    assert text.index(r"\toprule") < text.index(r"\midrule") < text.index(r"\bottomrule")
    ncols = len(re.search(r"\\begin\{tabular\}\{([lr]+)\}", text).group(1))
    lines = text[text.index(r"\toprule"):text.index(r"\bottomrule")].splitlines()[1:]
    rows = [ln for ln in lines if ln.endswith(r"\\")]
    assert all(ln.count(" & ") == ncols - 1 for ln in rows)
    head = [c.strip() for c in rows[0].rstrip(" \\").split(" & ")]
    assert head == ["Method", r"MAD (x1e3) $\downarrow$", r"dtSSD (x1e2) $\downarrow$"]
    cells = {r.split(" & ")[0]: [c.strip() for c in r.rstrip(" \\").split(" & ")[1:]] for r in rows[1:]}
    styles = {1: r"\textbf{", 2: r"\underline{", 3: r"\textit{"}
    for col, metric in enumerate(("MAD", "dtSSD")):
        means = {m: sum(c[1 + col] for c in v) / 3 for m, v in CLIPS.items()}
        place = _podium(list(means.values()), hib=False)
        for m, v in means.items():
            assert cells[m][col].startswith(styles[place[v]]), (metric, m, cells[m][col])


def test_latex_single_file_holds_every_group(tmp_path):
    a = _result(tmp_path / "a.json", "a", [("s", 1.0, 1.0)])
    b = _result(tmp_path / "b.json", "b", [("s", 1.0, 1.0)], run={"track": "trimap"})
    out = tmp_path / "all.tex"
    assert main(["leaderboard", str(a), str(b), "--latex", str(out)]) == 0
    text = out.read_text()
    assert text.count(r"\begin{tabular}") == 2 and "Track none" in text and "Track trimap" in text
    assert text.startswith("% generated by vmbench leaderboard --latex")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed (texlive-latex-base)")
def test_latex_compiles(board, tmp_path):
    _, tex = board
    doc = tmp_path / "doc.tex"
    doc.write_text("\\documentclass{article}\\usepackage{booktabs}\\begin{document}\\input{"
                   + (tex / "none__rvm.tex").as_posix() + "}\\end{document}\n")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", doc.name], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]


def test_recorded_command_leaves_out_sidecars_a_glob_matched(tmp_path):
    f = _result(tmp_path / "a.json", "a", [("s", 1.0, 1.0)])
    site = tmp_path / "site"
    assert main(["leaderboard", str(f), str(f.with_name("a.run.json")), "--site", str(site), "--no-plots"]) == 0
    cmd = re.search(r"<p>Generated by <code>(.*?)</code></p>", (site / "index.html").read_text()).group(1)
    assert cmd == f"vmbench leaderboard {f} --site {site} --no-plots"
