"""Build leaderboard tables: one per (track, protocol), rows sorted by a headline metric.

Each measured value comes with a 95 % percentile-bootstrap interval over clips, and a mark when
its difference to the column's leader is not significant (paired bootstrap over shared clips).
"""

from __future__ import annotations

import csv
import html
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vmbench.adapters.registry import builtin_caveat
from vmbench.errors import InputError
from vmbench.leaderboard.published import PublishedRow
from vmbench.leaderboard.results import RunResult
from vmbench.leaderboard.stats import Interval, bootstrap_ci, paired_bootstrap_diff, product_of_means
from vmbench.leaderboard.comparable import clip_set, pair_problems
from vmbench.metrics.table import headline as headline_metric, higher_is_better, lookup, value_problem

__all__ = [
    "Cell",
    "Row",
    "Group",
    "TIED_MARK",
    "build_groups",
    "clip_matrix",
    "format_value",
    "group_markdown",
    "group_html",
    "write_group_csv",
    "CSV_FIXED",
]

TIED_MARK = "≈"  # not significantly different from the column's leader
LEADER_MARK = "*"  # best value of the column among measured rows
_VIMQ_PARTS = ("RQ", "TQ", "MQ")
CSV_FIXED = ["track", "protocol", "kind", "rank", "method", "paper", "n_clips", "date", "git_commit",
             "vmbench_version", "dataset_hash", "weights_sha256", "source"]


@dataclass
class Cell:
    """One table cell: value (the result file's summary), its interval, and how it ranks."""

    value: float
    ci: Interval | None = None
    leader: bool = False
    tied: bool | None = None  # None: not tested (leader itself, published row, no shared clips)
    diff: Interval | None = None
    problem: str | None = None  # why the value is not comparable (NaN, out of range, unknown metric)


@dataclass
class Row:
    method: str
    kind: str  # "measured" or "published"
    cells: dict[str, Cell]
    result: RunResult | None = None
    published: PublishedRow | None = None
    rank: int | None = None
    not_comparable: str | None = None  # why this row is not ranked with the others of its group

    def info(self, key: str) -> str:
        if self.result is not None:
            v = self.result.run.get(key)
            return "" if v is None else str(v)
        return ""


@dataclass
class Group:
    """All rows of one (track, protocol), sorted by `sort_metric`."""

    track: str
    protocol: str
    metrics: list[str]
    sort_metric: str | None
    rows: list[Row] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.track}__{self.protocol}"

    @property
    def measured(self) -> list[Row]:
        return [r for r in self.rows if r.kind == "measured"]


def clip_matrix(result: RunResult, metric: str, keys: list[tuple] | None = None
                ) -> tuple[list[tuple], np.ndarray, object]:
    """(clip keys, values (n, k), statistic) used to bootstrap `metric` of one result.

    VIMQ is the product of the dataset means of RQ, TQ and MQ (VIM's definition), so when every clip
    has those three its statistic is the product of resampled means; otherwise the mean of per-clip
    values of the metric itself.
    """
    parts = [result.clip_values(m) for m in _VIMQ_PARTS] if metric == "VIMQ" else []
    if parts and all(parts) and set(parts[0]) == set(parts[1]) == set(parts[2]):
        avail = [k for k in parts[0]]
        keys = avail if keys is None else [k for k in keys if k in parts[0]]
        mat = np.array([[p[k] for p in parts] for k in keys], dtype=np.float64).reshape(len(keys), 3)
        return keys, mat, product_of_means
    vals = result.clip_values(metric)
    keys = list(vals) if keys is None else [k for k in keys if k in vals]
    return keys, np.array([vals[k] for k in keys], dtype=np.float64).reshape(len(keys), 1), None


def _better(a: float, b: float, hib: bool) -> bool:
    return a > b if hib else a < b


def _sort_key(row: Row, metric: str | None, hib: bool | None) -> tuple:
    unranked = row.kind != "measured" or row.not_comparable is not None
    cell = row.cells.get(metric) if metric is not None else None
    if hib is None or cell is None or cell.problem is not None:
        return (unranked, 1, 0.0, row.method)
    v = cell.value
    return (unranked, 0, -v if hib else v, row.method)


def _mark_not_comparable(g: Group) -> None:
    """Rows whose dataset or clip set differs from the group's reference row are not ranked.

    The reference is the row sharing its dataset hash and clip set with the most others (ties: the
    first). Each other row is compared with it by `comparable.pair_problems`.
    """
    rows = g.measured
    if len(rows) < 2:
        return

    def signature(r: Row) -> tuple:
        return (r.result.run.get("dataset_hash"), r.result.run.get("task"), tuple(sorted(clip_set(r.result).items(), key=str)))

    counts: dict[tuple, int] = {}
    for r in rows:
        counts[signature(r)] = counts.get(signature(r), 0) + 1
    ref = max(rows, key=lambda r: counts[signature(r)])
    for r in rows:
        if r is not ref:
            problems = pair_problems(r.result, ref.result)
            if problems:
                r.not_comparable = f"not comparable with {ref.method}: " + "; ".join(problems)


def build_groups(results: list[RunResult], *, sort: str | None = None,
                 published: list[PublishedRow] | None = None, seed: int = 0,
                 n_resamples: int = 2000) -> list[Group]:
    """Group results by (track, protocol); compute intervals, leaders and significance marks.

    Published rows join the measured groups of their protocol (marked kind="published", no interval);
    those whose protocol no measured group has form their own group with track "published".
    """
    groups: dict[tuple[str, str], Group] = {}
    for r in results:
        g = groups.get((r.track, r.protocol))
        if g is None:
            g = groups[(r.track, r.protocol)] = Group(r.track, r.protocol, [], None)
        for m in r.metrics:
            if m not in g.metrics:
                g.metrics.append(m)
        g.rows.append(Row(r.method, "measured", {}, result=r))
    for g in groups.values():
        for row in g.rows:
            res = row.result
            for m in g.metrics:
                if m not in res.summary:
                    continue
                keys, mat, stat = clip_matrix(res, m)
                ci = bootstrap_ci(mat, statistic=stat, seed=seed, n_resamples=n_resamples) if len(keys) else None
                row.cells[m] = Cell(res.summary[m], ci, problem=value_problem(g.protocol, m, res.summary[m]))
        _mark_not_comparable(g)
        for m in g.metrics:
            hib = higher_is_better(m, g.protocol)
            having = [r for r in g.rows if m in r.cells and r.cells[m].problem is None and r.not_comparable is None]
            if not having or hib is None:  # a metric the table does not know is never ranked
                continue
            leader = having[0]
            for r in having[1:]:
                if _better(r.cells[m].value, leader.cells[m].value, hib):
                    leader = r
            leader.cells[m].leader = True
            lkeys, _, _ = clip_matrix(leader.result, m)
            for r in having:
                if r is leader:
                    continue
                keys, _, _ = clip_matrix(r.result, m)
                shared = [k for k in lkeys if k in set(keys)]
                if not shared:
                    continue
                _, a, stat = clip_matrix(r.result, m, shared)
                _, b, stat_b = clip_matrix(leader.result, m, shared)
                if a.shape != b.shape or (stat is None) != (stat_b is None):
                    continue
                d = paired_bootstrap_diff(a, b, statistic=stat, seed=seed, n_resamples=n_resamples)
                r.cells[m].diff = d
                r.cells[m].tied = bool(d.lo <= 0.0 <= d.hi)
    for p in published or []:
        matches = [g for g in groups.values() if g.protocol == p.protocol]
        if not matches:
            key = ("published", p.protocol)
            g = groups.get(key) or groups.setdefault(key, Group("published", p.protocol, [], None))
            matches = [g]
        for g in matches:
            for m in p.values:
                if m not in g.metrics and not any(r.kind == "measured" for r in g.rows):
                    g.metrics.append(m)
            g.rows.append(Row(p.method, "published", {m: Cell(v) for m, v in p.values.items()}, published=p))
    out = []
    for g in groups.values():
        if sort is not None and sort not in g.metrics:
            raise InputError(f"--sort {sort}: no such metric in track {g.track!r}, protocol {g.protocol!r}"
                             f" (has {g.metrics})")
        if sort is not None and higher_is_better(sort, g.protocol) is None:
            raise InputError(f"--sort {sort}: not in vmbench's metrics table for protocol {g.protocol!r}, "
                             "so its direction is unknown; sort by a known metric")
        g.sort_metric = sort or headline_metric(g.protocol, g.metrics)
        hib = higher_is_better(g.sort_metric, g.protocol) if g.sort_metric else None
        g.rows.sort(key=lambda r: _sort_key(r, g.sort_metric, hib))
        rank = 0
        for r in g.rows:
            if r.kind == "measured" and r.not_comparable is None:
                rank += 1
                r.rank = rank
        out.append(g)
    out.sort(key=lambda g: (g.track == "published", g.track, g.protocol))
    return out


def format_value(v: float | None) -> str:
    """4 significant digits, no exponent for the usual ranges."""
    if v is None or not math.isfinite(v):
        return "–"
    a = abs(v)
    if a >= 1000:
        return f"{v:.0f}"
    if a >= 100:
        return f"{v:.1f}"
    if a >= 10:
        return f"{v:.2f}"
    if a >= 1 or a == 0:
        return f"{v:.3f}"
    return f"{v:.4g}" if a < 1e-3 else f"{v:.4f}"


def _cell_text(cell: Cell | None) -> str:
    if cell is None:
        return "–"
    if cell.problem is not None:
        return f"{format_value(cell.value)} (not comparable)"
    text = format_value(cell.value)
    if cell.ci is not None and cell.ci.n > 1:
        text += f" [{format_value(cell.ci.lo)}, {format_value(cell.ci.hi)}]"
    if cell.leader:
        text += f" {LEADER_MARK}"
    elif cell.tied:
        text += f" {TIED_MARK}"
    return text


def _header(g: Group, m: str) -> str:
    u = lookup(g.protocol, m)
    if u is None:
        return f"{m} (unknown metric, not ranked)"
    arrow = "↑" if u.higher_is_better else "↓"
    return f"{m} ({u.unit}) {arrow}"


def _table_rows(g: Group) -> tuple[list[str], list[list[str]]]:
    headers = ["#", "method", "source"] + [_header(g, m) for m in g.metrics] + ["clips", "date"]
    body = []
    for r in g.rows:
        if r.kind == "published":
            p = r.published
            src = f"published: {p.paper.split(' (')[0]}, {p.dataset} {p.resolution or ''}".rstrip()
            if p.note:
                src += f" ({p.note})"
            rank, clips, date = "", "", ""
        else:
            src = "measured" if r.not_comparable is None else r.not_comparable
            caveat = builtin_caveat(r.method)  # e.g. a human-matting model on a non-human set
            if caveat:
                src += f" ({caveat})"
            rank = "" if r.rank is None else str(r.rank)
            n = max((c.ci.n for c in r.cells.values() if c.ci is not None), default=0)
            clips, date = str(n), (r.info("date")[:10])
        body.append([rank, r.method, src] + [_cell_text(r.cells.get(m)) for m in g.metrics] + [clips, date])
    return headers, body


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|")


def group_markdown(g: Group) -> str:
    """GitHub Markdown table of one group, with a legend line."""
    headers, body = _table_rows(g)
    lines = ["| " + " | ".join(_md_escape(h) for h in headers) + " |",
             "|" + "|".join("---" if i < 3 else "---:" for i in range(len(headers))) + "|"]
    for row in body:
        lines.append("| " + " | ".join(_md_escape(c) for c in row) + " |")
    sort = g.sort_metric or "-"
    lines.append("")
    lines.append(f"Sorted by {sort}. Values: the result file's summary [95 % bootstrap interval of the "
                 f"per-clip mean, 2000 resamples of clips]. {LEADER_MARK} best in column; {TIED_MARK} not "
                 "significantly different from the best (paired bootstrap over shared clips, 95 %). "
                 "↓ lower is better, ↑ higher is better.")
    if any(r.kind == "published" for r in g.rows):
        lines.append("")
        lines.append("Published rows are copied from papers, measured on a different benchmark; they are "
                     "not ranked and carry no interval.")
    return "\n".join(lines) + "\n"


def group_html(g: Group) -> str:
    """A standalone HTML table of one group."""
    headers, body = _table_rows(g)
    out = [f"<table class=\"vmbench-leaderboard\" data-track=\"{html.escape(g.track)}\" "
           f"data-protocol=\"{html.escape(g.protocol)}\">", "<thead><tr>"]
    out += [f"<th>{html.escape(h)}</th>" for h in headers]
    out.append("</tr></thead><tbody>")
    for row, r in zip(body, g.rows):
        out.append(f"<tr class=\"{r.kind}\">" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out) + "\n"


def csv_header(metrics: list[str]) -> list[str]:
    cols = list(CSV_FIXED)
    for m in metrics:
        cols += [m, f"{m}_lo", f"{m}_hi", f"{m}_vs_leader"]
    return cols


def _display_path(path: Path) -> str:
    """Path relative to the working directory when below it (committed leaderboards stay portable)."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def csv_records(g: Group) -> list[dict]:
    """One dict per row with full-precision numbers (for results.csv and the per-track CSV)."""
    recs = []
    for r in g.rows:
        rec = {k: "" for k in CSV_FIXED}
        rec.update(track=g.track, protocol=g.protocol, kind=r.kind, method=r.method,
                   rank="" if r.rank is None else r.rank)
        if r.result is not None:
            for k in ("date", "git_commit", "vmbench_version", "dataset_hash", "weights_sha256"):
                rec[k] = r.info(k)
            rec["source"] = _display_path(r.result.path)
            rec["n_clips"] = max((c.ci.n for c in r.cells.values() if c.ci is not None), default=0)
        else:
            p = r.published
            rec["paper"] = p.paper
            rec["source"] = f"{p.source} [{p.dataset}, {p.resolution}; protocol {p.protocol}; {p.note}]"
        for m in g.metrics:
            c = r.cells.get(m)
            if c is None:
                rec.update({m: "", f"{m}_lo": "", f"{m}_hi": "", f"{m}_vs_leader": ""})
                continue
            rec[m] = repr(c.value)
            rec[f"{m}_lo"] = repr(c.ci.lo) if c.ci is not None else ""
            rec[f"{m}_hi"] = repr(c.ci.hi) if c.ci is not None else ""
            rec[f"{m}_vs_leader"] = ("not comparable" if c.problem or r.not_comparable else
                                     "leader" if c.leader else "tied" if c.tied else
                                     "worse" if c.tied is False else "")
        recs.append(rec)
    return recs


def write_group_csv(path: Path, groups: list[Group]) -> None:
    """CSV of the given groups; columns are the union of their metrics."""
    metrics: list[str] = []
    for g in groups:
        metrics += [m for m in g.metrics if m not in metrics]
    from vmbench.outputs import atomic_path

    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=csv_header(metrics), restval="")
        w.writeheader()
        for g in groups:
            w.writerows(csv_records(g))
