"""The instance / referring hook of `vmbench eval`: extra options, task detection, run, table.

`vmbench/commands/eval.py` adds these options to its parser, calls `detect_task` when
``--task auto``, and for the instance and referring tasks calls `run(args)` and prints
`format_result(result)`. The options shared with plain evaluation (--pred, --gt, --protocol,
--metrics, --workers, --json, --csv, --task) belong to that command.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vmbench.text_table import simple_table

from vmbench.commands._args import float_range
from vmbench.errors import InputError

__all__ = ["add_arguments", "detect_task", "run", "format_result", "vim_options_from_args"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the instance / referring options to the `vmbench eval` parser."""
    g = parser.add_argument_group("instance and referring tasks (docs/instance.md)")
    g.add_argument("--vim-error", choices=["MSE", "MAD", "dtSSD"], default="MSE",
                   help="per-frame error inside MQ (default MSE, as metrics_vim.py)")
    g.add_argument("--vim-weight", type=float_range(0, 1e6, low_open=True), default=None,
                   help="MQ weight w in 1-min(1, err*w) (default 50; with --vim-paper 10 for dtSSD)")
    g.add_argument("--vim-binarize", type=float, choices=[0.5, 0.0], default=None,
                   help="masks for IoU are alpha > this (default 0.5 as the script; 0 as the paper)")
    g.add_argument("--vim-iou", type=float_range(0, 1), default=0.5,
                   help="a matched pair is a true positive when its mean IoU is > this (default 0.5)")
    g.add_argument("--vim-paper", action="store_true",
                   help="the VIM paper's settings: binarise at alpha > 0, weight 10 for dtSSD (50 otherwise)")
    g.add_argument("--instance-match", choices=["auto", "hungarian", "name"], default="auto",
                   help="pairing for the per-instance matting metrics: hungarian (VIM), name, or auto "
                        "(default: name for --protocol maggie when the names equal the GT's, else hungarian)")
    g.add_argument("--jf-frames", choices=["davis", "all"], default="davis",
                   help="J/F summaries: davis (default: each sequence's first and last frame dropped, as "
                        "davis2017-evaluation) or all frames")
    g.add_argument("--expressions", type=Path, default=None,
                   help="referring: meta_expressions.json (default: GT/meta_expressions.json)")


def vim_options_from_args(args):
    """A VimOptions from parsed arguments (explicit --vim-binarize wins over --vim-paper)."""
    from vmbench.instance.vim import VimOptions

    paper = bool(getattr(args, "vim_paper", False))
    binarize = getattr(args, "vim_binarize", None)
    if paper and binarize is not None and binarize != 0.0:
        raise InputError("--vim-paper binarises at alpha > 0; drop --vim-binarize or --vim-paper")
    return VimOptions(
        iou_threshold=float(getattr(args, "vim_iou", 0.5)),
        binarize=0.5 if binarize is None else float(binarize),
        weight=getattr(args, "vim_weight", None),
        error=getattr(args, "vim_error", "MSE"),
        paper=paper,
    )


def _pred_matches_expressions(gt_root: Path, pred_root: Path) -> bool:
    from vmbench.instance.layout import find_gt_clips, load_expressions

    files = [gt_root / "meta_expressions.json", *gt_root.glob("*/meta_expressions.json")]
    files = [f for f in files if f.is_file()]
    if not files or pred_root is None or not Path(pred_root).is_dir():
        return False
    exp_ids = {}
    for f in files:
        try:
            for clip, exps in load_expressions(f).items():
                exp_ids.setdefault(clip, set()).update(e.exp_id for e in exps)
        except InputError:
            return False
    gt_names = {}
    for c in find_gt_clips(gt_root):
        if c.kind == "vim":
            gt_names[c.clip] = {d.name for d in c.path.iterdir() if d.is_dir()}
    checked = 0
    for clip, ids in exp_ids.items():
        for cand in [Path(pred_root) / clip, *Path(pred_root).glob(f"*/{clip}")]:
            if cand.is_dir():
                subs = {d.name for d in cand.iterdir() if d.is_dir()}
                if not subs or not subs <= ids or subs <= gt_names.get(clip, set()):
                    return False
                checked += 1
                break
    return checked > 0


def detect_task(gt_root, pred_root=None) -> str:
    """"instance" for VIM / V-HIM60 instance trees, "referring" when a meta_expressions.json sits
    beside them and the prediction's sub-folders are expression ids (not instance names), else "plain"."""
    from vmbench.instance.layout import is_instance_root

    gt_root = Path(gt_root)
    if not is_instance_root(gt_root):
        return "plain"
    if _pred_matches_expressions(gt_root, pred_root):
        return "referring"
    return "instance"


def run(args) -> dict:
    """Run the instance or referring evaluation described by the parsed `vmbench eval` arguments."""
    from vmbench.instance.evaluate import evaluate_instance, evaluate_referring

    task = getattr(args, "task", "instance")
    if task == "auto":
        task = detect_task(args.gt, args.pred)
    if getattr(args, "trimap", None) is not None:
        raise InputError("--trimap is for the plain task; instance and referring tasks build dim trimaps "
                         "from each instance's ground truth (--trimap-radius)")
    scheduler = getattr(args, "scheduler", None)
    if scheduler:
        from vmbench.engine.cluster import check_address

        check_address(scheduler)
    metrics = getattr(args, "metrics_list", None)
    if metrics is None and getattr(args, "metrics", None):
        metrics = [m for m in args.metrics.split(",") if m.strip()]
    common = dict(protocol=getattr(args, "protocol", None) or "rvm", metrics=metrics,
                  vim_options=vim_options_from_args(args), trimap_radius=getattr(args, "trimap_radius", 10),
                  workers=getattr(args, "workers", 1) or 1, scheduler=scheduler,
                  notes=getattr(args, "notes", None), jf_rule=getattr(args, "jf_frames", "davis"))
    if task == "referring":
        return evaluate_referring(args.pred, args.gt, expressions=getattr(args, "expressions", None), **common)
    if task != "instance":
        raise InputError(f"task {task!r} is not an instance or referring task")
    return evaluate_instance(args.pred, args.gt, match=getattr(args, "instance_match", "auto"), **common)


def _fmt(v) -> str:
    if v is None:
        return "-"
    return f"{v:.4f}" if isinstance(v, float) else str(v)


def format_result(result: dict, *, max_clips: int = 200, notes: list[str] = (), jf_rule: str = "davis") -> str:
    """Terminal table of an instance / referring result: the notes first (before any number), then
    per-clip rows, the summary and the units."""
    clips = result["clips"]
    lead = ["dataset", "clip", "frames"]
    skip = set(lead)
    cols = [k for k in (clips[0] if clips else {}) if k not in skip]
    rows = [[c["dataset"], c["clip"], c["frames"], *[_fmt(c.get(k)) for k in cols]] for c in clips[:max_clips]]
    lines = [f"note: {n}" for n in notes]
    lines.append(simple_table(rows, [*lead, *cols]))
    if len(clips) > max_clips:
        lines.append(f"... {len(clips) - max_clips} more clips (see --json / --csv)")
    summary = result["summary"]
    lines += ["", simple_table([[f"{len(clips)} clips", *[_fmt(v) for v in summary.values()]]], ["summary", *summary])]
    lines.append("")
    lines.append(f"protocol {result['protocol']}; RQ/TQ/MQ/VIMQ as SHI-Labs/VIM metrics_vim.py "
                 "(fractions in [0,1]; VIMQ = RQ*TQ*MQ of the dataset means)")
    if "J" in summary or "F" in summary:
        kept = "first and last frame of each sequence dropped" if jf_rule == "davis" else "every frame"
        lines.append(f"J, F: davis2017-evaluation mean / recall / decay per sequence, then the mean over "
                     f"sequences; frame rule {jf_rule} ({kept})")
    lines += _units_block(result["protocol"], list(summary))
    return "\n".join(lines)


def _units_block(protocol: str, metrics: list[str]) -> list[str]:
    """One line per summary metric: its unit and direction from the metrics table (MaGGIe's own wording
    for the maggie protocol). The VIM and referring scores are looked up under "instance"."""
    from vmbench.metrics.table import lookup

    maggie = {}
    if protocol == "maggie":
        from vmbench.instance.maggie import MAGGIE_UNITS as maggie
    lines = ["units:"]
    for k in metrics:
        if k in maggie:
            lines.append(f"  {k:8s} {maggie[k]}")
            continue
        u = lookup(protocol, k) or lookup("instance", k)
        if u is None:
            lines.append(f"  {k:8s} not in the metrics table (unit and direction unregistered)")
            continue
        better = "higher" if u.higher_is_better else "lower"
        lines.append(f"  {k:8s} {u.unit}, {better} is better: {u.meaning}")
    return lines
