"""Test helpers: the official RVM state-dict key list, random state dicts built from it, and
a fixture that runs torch single-threaded (much faster on this contended 2-core machine).

`data/rvm_state_dict_keys.txt` is a copy of /work/shared/rvm_state_dict_keys.txt: the keys and
shapes obtained by instantiating the official RVM model code (see its header line).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

__all__ = ["KEYS_FILE", "official_keys", "random_state_dict", "single_thread"]

KEYS_FILE = Path(__file__).parent / "data" / "rvm_state_dict_keys.txt"


def official_keys(variant: str) -> dict[str, tuple[int, ...]]:
    """Ordered {key: shape} for `variant`, parsed from the key list file."""
    table: dict[str, dict[str, tuple[int, ...]]] = {}
    counts: dict[str, int] = {}
    current = None
    for line in KEYS_FILE.read_text().splitlines():
        header = re.match(r"## variant=(\w+)\s+num_keys=(\d+)", line)
        if header:
            current = header.group(1)
            table[current] = {}
            counts[current] = int(header.group(2))
            continue
        if current is None or not line.strip() or line.startswith("#"):
            continue
        key, shape = line.split("\t")
        dims = shape.strip().strip("()")
        table[current][key] = tuple(int(d) for d in dims.split(",") if d.strip())
    keys = table[variant]
    assert len(keys) == counts[variant], f"{variant}: {len(keys)} keys listed, header says {counts[variant]}"
    return keys


def random_state_dict(variant: str, seed: int = 0) -> dict[str, torch.Tensor]:
    """Random tensors with exactly the official names and shapes, scaled to keep activations sane.

    Conv weights ~ N(0, 1/fan_in); BN weight ~ U(0.5, 1.5), bias/running_mean small, running_var
    ~ U(0.5, 1.5); num_batches_tracked an int64 scalar.
    """
    gen = torch.Generator().manual_seed(seed)
    out: dict[str, torch.Tensor] = {}
    for key, shape in official_keys(variant).items():
        if key.endswith("num_batches_tracked"):
            out[key] = torch.tensor(7, dtype=torch.int64)
        elif key.endswith("running_var") or (len(shape) == 1 and key.endswith(".weight")):
            out[key] = 0.5 + torch.rand(shape, generator=gen)
        elif len(shape) == 1:
            out[key] = 0.1 * torch.randn(shape, generator=gen)
        else:
            fan_in = shape[1] * shape[2] * shape[3]
            out[key] = torch.randn(shape, generator=gen) / fan_in**0.5
    return out


@pytest.fixture(autouse=True, scope="module")
def single_thread():
    """Run a test module with one torch thread, restoring the previous count afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
