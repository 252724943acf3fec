"""Numbers printed in the field's papers (vmbench/data/published_numbers.csv), normalised.

Each CSV row is one value from one paper table. Rows are grouped into named benchmarks (dataset +
resolution, e.g. ``videomatte_512x288``) and given the protocol whose units they are printed in.
Metric names are normalised (``pha_MAD`` -> ``MAD``, VIM's ``VIMQ_mse`` -> ``VIMQ``) and VIM-style
percentages become fractions in [0, 1] like vmbench's own instance metrics.

Published rows are never matched to a result automatically: our embedded synthetic benchmark is no
paper's benchmark. They appear only when the user names a benchmark (``--published NAME``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from vmbench.errors import InputError

__all__ = [
    "PublishedRow",
    "normalise_metric",
    "load_published",
    "benchmarks",
    "published_rows",
]

_PERCENT_METRICS = {"RQ", "TQ", "MQ", "VIMQ", "MQ_MAD", "VIMQ_MAD", "MQ_dtSSD", "VIMQ_dtSSD"}
_DROP = re.compile(r"^FPS", re.I)  # speed, not quality: not a leaderboard column


@dataclass
class PublishedRow:
    """One method's printed numbers on one benchmark, from one paper table."""

    benchmark: str
    paper: str
    dataset: str
    resolution: str
    method: str
    protocol: str
    source: str
    values: dict[str, float] = field(default_factory=dict)
    note: str = ""


def normalise_metric(name: str) -> str:
    """Map the CSV's metric names to vmbench's: pha_MAD -> MAD, MQ_mse -> MQ, "MAD (unscaled)" -> MAD."""
    name = re.sub(r"\s*\(.*\)$", "", name.strip())
    name = name.removeprefix("pha_")
    m = re.fullmatch(r"(MQ|VIMQ)_(mse|mad|dtssd)", name, flags=re.I)
    if m:
        base, err = m.group(1).upper(), m.group(2).lower()
        return base if err == "mse" else f"{base}_{'MAD' if err == 'mad' else 'dtSSD'}"
    return name


_DATASET_SLUG = [
    (r"VideoMatte240K-test \(VM\) static", "videomatte_static"),
    (r"VideoMatte240K-test \(VM\) dynamic", "videomatte_dynamic"),
    (r"VideoMatte240K-test", "videomatte"),
    (r"Distinctions-646", "d646"),
    (r"Adobe Image Matting", "aim"),
    (r"YouTubeMatte", "youtubematte"),
    (r"Real-world 25 videos", "realworld25_core"),
    (r"VIM50 \(instances merged", "vim50_merged"),
    (r"VIM50", "vim50"),
    (r"V-HIM60 comp_(\w+)", r"vhim60_comp_\1"),
    (r"V-HIM60 (\w+)", r"vhim60_\1"),
    (r"VMFormer benchmark", "vmformer"),
    (r"CRGNN", "crgnn_realworld"),
    (r"VRM-10K", "vrm10k_val"),
]


def _benchmark(dataset: str, resolution: str) -> str:
    for pattern, slug in _DATASET_SLUG:
        m = re.match(pattern, dataset)
        if m:
            base = m.expand(slug)
            break
    else:
        base = re.sub(r"[^a-z0-9]+", "_", dataset.lower()).strip("_")
    res = re.match(r"(\d+x\d+)", resolution or "")
    return f"{base}_{res.group(1)}" if res else base


def _protocol(paper: str, dataset: str, resolution: str) -> tuple[str, str]:
    """(protocol, note) for one paper table, from the paper's evaluation code where there is one."""
    hr = bool(re.match(r"(1920x1080|2048x2048)", resolution or ""))
    if paper.startswith(("RVM", "MatAnyone")):
        if dataset.startswith("Real-world"):
            return "matanyone-core", "core-region metrics on real videos; not a vmbench protocol"
        return ("rvm-hr" if hr else "rvm"), ""
    if paper.startswith("VIM"):
        if dataset == "VIM50":
            return "instance", "VIM's metrics_vim.py; printed in %, shown as fractions"
        return "rvm-hr", ""
    if paper.startswith("MaGGIe"):
        return "maggie", "MaGGIe scaling (mean/mask area x1e10); not comparable with RVM units"
    if paper.startswith("VideoMaMa"):
        return "videomama", "no public evaluation code; numbers as printed"
    if paper.startswith("OAVM"):
        if dataset.startswith("CRGNN"):
            return "crgnn", "no public evaluation code; numbers as printed"
        return ("rvm-hr" if hr else "rvm"), "no public evaluation code; RVM benchmark units assumed"
    if paper.startswith("VRMDiff"):
        return "vrmdiff", "VIM-style RQ/TQ/MQ/VIMQ printed in %, shown as fractions; MAD/MSE unscaled"
    return "unknown", "protocol not identified"


def _default_csv() -> Path:
    return Path(str(resources.files("vmbench") / "data" / "published_numbers.csv"))


def load_published(path: str | Path | None = None) -> list[PublishedRow]:
    """All published rows, one per (benchmark, paper, method), with normalised metric names.

    Exact duplicate lines of the CSV (the same value quoted twice) are kept once.
    """
    path = Path(path) if path is not None else _default_csv()
    if not path.is_file():
        raise InputError(f"{path}: published numbers file not found")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        need = {"paper", "dataset", "resolution", "method", "metric", "value", "source"}
        if not need <= set(reader.fieldnames or ()):
            raise InputError(f"{path}: needs columns {sorted(need)}, has {reader.fieldnames}")
        rows: dict[tuple, PublishedRow] = {}
        for line in reader:
            metric = normalise_metric(line["metric"])
            if _DROP.match(metric):
                continue
            try:
                value = float(line["value"])
            except ValueError:
                raise InputError(f"{path}: value {line['value']!r} of {line['method']} is not a number") from None
            protocol, note = _protocol(line["paper"], line["dataset"], line["resolution"])
            if metric in _PERCENT_METRICS and protocol in ("instance", "vrmdiff"):
                value /= 100.0
            bench = _benchmark(line["dataset"], line["resolution"])
            key = (bench, line["paper"], line["method"], line["source"].split(";")[0])
            row = rows.get(key)
            if row is None:
                row = rows[key] = PublishedRow(bench, line["paper"], line["dataset"], line["resolution"],
                                               line["method"], protocol, line["source"], note=note)
            row.values[metric] = value
    return list(rows.values())


def benchmarks(rows: list[PublishedRow] | None = None) -> dict[str, list[str]]:
    """Benchmark name -> the papers that print numbers on it."""
    out: dict[str, list[str]] = {}
    for r in rows if rows is not None else load_published():
        papers = out.setdefault(r.benchmark, [])
        if r.paper not in papers:
            papers.append(r.paper)
    return dict(sorted(out.items()))


def published_rows(benchmark: str, *, path: str | Path | None = None) -> list[PublishedRow]:
    """The published rows of one named benchmark; an unknown name lists the known ones."""
    rows = load_published(path)
    chosen = [r for r in rows if r.benchmark == benchmark]
    if not chosen:
        names = ", ".join(benchmarks(rows))
        raise InputError(f"--published {benchmark}: unknown benchmark; available: {names}")
    return chosen
