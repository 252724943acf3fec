"""A built-in method's caveat is shown beside its measured rows; other methods get none."""

from __future__ import annotations

from types import SimpleNamespace

from vmbench.adapters.registry import BUILTIN_CAVEATS, builtin_caveat
from vmbench.leaderboard import table


def test_caveats_name_what_a_reader_must_know():
    assert "human-matting" in builtin_caveat("rvm") and "synthetic, non-human" in builtin_caveat("rvm")
    assert "refines at ratio 1 too" in builtin_caveat("rvm-onnx")
    assert builtin_caveat("my-method") is None
    assert set(BUILTIN_CAVEATS) <= {"rvm", "rvm-mobilenetv3", "rvm-resnet50", "rvm-onnx", "caption-color-prior"}


def test_source_column_carries_the_caveat(monkeypatch):
    def row(method):
        return SimpleNamespace(kind="measured", method=method, not_comparable=None, rank=1, cells={},
                               info=lambda key: "2026-12-01T00:00:00")
    group = SimpleNamespace(rows=[row("rvm"), row("mine")], metrics=[], protocol="rvm")
    _, body = table._table_rows(group)
    assert body[0][2] == f"measured ({BUILTIN_CAVEATS['rvm']})"
    assert body[1][2] == "measured"
