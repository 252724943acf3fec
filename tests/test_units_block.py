"""Instance and referring runs print a units block: one line per summary metric, from the metrics table."""

from vmbench.instance.cli import format_result
from vmbench.metrics.table import lookup


def _result(protocol, summary):
    clip = {"dataset": "d", "clip": "c", "frames": 2, **summary}
    return {"protocol": protocol, "summary": summary, "clips": [clip], "frames": []}


def test_instance_units_block_names_every_summary_metric():
    summary = {"MAD": 1.5, "dtSSD": 2.0, "RQ": 0.5, "TQ": 0.9, "MQ": 0.8, "VIMQ": 0.36}
    text = format_result(_result("rvm", summary))
    block = text[text.index("units:"):].splitlines()[1:]
    assert [ln.split()[0] for ln in block] == list(summary)
    for ln in block:
        name = ln.split()[0]
        u = lookup("rvm", name)
        assert u is not None
        assert ln == f"  {name:8s} {u.unit}, {'higher' if u.higher_is_better else 'lower'} is better: {u.meaning}"


def test_unregistered_metric_is_said_so_not_guessed():
    text = format_result(_result("rvm", {"MAD": 1.0, "NewScore": 0.3}))
    assert "  NewScore not in the metrics table (unit and direction unregistered)" in text.splitlines()


def test_maggie_block_keeps_maggies_wording():
    from vmbench.instance.maggie import MAGGIE_UNITS

    text = format_result(_result("maggie", {"MAD": 3.0, "VIMQ": 0.5}))
    assert f"  MAD      {MAGGIE_UNITS['MAD']}" in text.splitlines()
    assert any(ln.startswith("  VIMQ     ") and "higher is better" in ln for ln in text.splitlines())
