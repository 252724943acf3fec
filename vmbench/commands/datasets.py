"""`vmbench datasets [NAME]`: the dataset profiles `eval --dataset` and `check --dataset` apply."""

from __future__ import annotations

import argparse

HELP = """List the dataset profiles (name, task, default protocol, splits, layout, download), or show one.

A profile fixes how vmbench scores a public benchmark: its layout and file extensions, the
sparse ground-truth rule (CRGNN), the splits reported separately (V-HIM60), and the default
protocol. Use it with: vmbench eval --dataset NAME --pred P --gt G (see docs/datasets.md)."""


def register(subparsers) -> None:
    p = subparsers.add_parser("datasets", help="list the dataset profiles (eval/check --dataset)", description=HELP,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", nargs="?", default=None, help="show this profile in full")
    p.set_defaults(func=run)


def run(args) -> int:
    from tabulate import tabulate

    from vmbench.datasets import PROFILES, get_profile

    if args.name is not None:
        profile = get_profile(args.name)
        print(tabulate(profile.describe(), tablefmt="plain"))
        return 0
    rows = []
    for p in PROFILES.values():
        splits = ",".join(s for s in p.splits) + (" (per split)" if p.per_split else "") if p.splits else "-"
        rows.append([p.name, p.task, p.protocol, splits, p.layout, p.download if p.status == "released" else p.status])
    print(tabulate(rows, headers=["name", "task", "protocol", "splits", "layout", "download"], tablefmt="simple",
                   maxcolwidths=[None, None, None, 30, 60, 40]))
    print("\nvmbench datasets NAME shows one in full; vmbench eval --dataset NAME --pred P --gt G applies it.")
    return 0
