"""vmbench.text_table.simple_table against tabulate itself (the reference it stands in for)."""

import random

import pytest
from tabulate import tabulate

from vmbench.text_table import simple_table


def _cell(rng: random.Random):
    kind = rng.choice(["int", "pyint", "fixed", "g", "nan", "inf", "text", "dash", "exp", "float", "neg", "numtext"])
    if kind == "int":
        return str(rng.randint(0, 10**rng.randint(0, 6)))
    if kind == "pyint":
        return rng.randint(-50, 5000)
    if kind == "fixed":
        return f"{rng.uniform(0, 10 ** rng.randint(0, 5)):.4f}"
    if kind == "g":
        return f"{rng.uniform(0, 1):.{rng.randint(0, 6)}f}"
    if kind == "nan":
        return "nan"
    if kind == "inf":
        return rng.choice(["inf", "-inf"])
    if kind == "exp":
        return f"{rng.uniform(0, 1) * 10 ** rng.randint(-9, 9):e}"
    if kind == "float":
        return rng.choice([0.5, 1e-7, 123456789.0, float("nan"), 2.0])
    if kind == "neg":
        return f"-{rng.uniform(0, 100):.3f}"
    if kind == "numtext":
        return rng.choice(["2017", "clip 1", "0001", "1e3", "v1.2", " pad ", "a  b"])
    if kind == "dash":
        return "-"
    return "".join(rng.choice("abcxyz_/.0-9 ") for _ in range(rng.randint(1, 14))).strip() or "x"


@pytest.mark.parametrize("seed", range(300))
def test_same_text_as_tabulate(seed):
    rng = random.Random(seed)
    ncols = rng.randint(1, 7)
    headers = [rng.choice(["dataset", "clip", "frames", "MAD", "", "Conn", "a very long header", "x"]) for _ in range(ncols)]
    column_kinds = [rng.random() for _ in range(ncols)]  # keep some columns one kind, as real tables are
    rows = []
    for _ in range(rng.randint(1, 12)):
        row = []
        for c in range(ncols):
            if column_kinds[c] < 0.3:
                row.append(f"{rng.uniform(0, 500):.4f}")
            elif column_kinds[c] < 0.45:
                row.append(rng.randint(1, 300))
            else:
                row.append(_cell(rng))
        rows.append(row)
    assert simple_table(rows, headers) == tabulate(rows, headers=headers, tablefmt="simple")


@pytest.mark.parametrize("rows, headers", [
    ([["all", "3 clips", 72, "nan", "12.3400"]], ["summary", "", "frames", "MAD", "MSE"]),
    ([["-", "Ωmega", 3, "1.0000"]], ["dataset", "clip", "frames", "MAD"]),  # wide text: tabulate decides
    ([["a\nb", 1]], ["x", "y"]),
    ([["True", "1,000"]], ["x", "y"]),
    ([["NaN", " 1", "1_0", "infinity", "1e999"]], list("abcde")),
    ([], ["x", "y"]),
])
def test_edge_tables_match_too(rows, headers):
    assert simple_table(rows, headers) == tabulate(rows, headers=headers, tablefmt="simple")
