"""The units table: direction and scale per protocol, headline metrics."""

from vmbench.leaderboard.units import headline_metric, higher_is_better, metric_unit


def test_directions():
    assert higher_is_better("VIMQ", "instance") and higher_is_better("RQ")
    assert not higher_is_better("MAD", "rvm") and not higher_is_better("dtSSD", "rvm-hr")
    assert not higher_is_better("SAD", "dim")


def test_units_by_protocol():
    assert metric_unit("rvm", "MAD").unit == "x1e-3"
    assert metric_unit("rvm-hr", "dtSSD").unit == "x1e-2"
    assert metric_unit("rvm", "Grad").unit == "/1e3"
    assert metric_unit("dim", "SAD").unit == "/1e3"
    assert metric_unit("dim", "MSE").unit == "unscaled"
    assert metric_unit("instance", "VIMQ").unit == "fraction [0,1]"
    assert metric_unit("nonesuch", "Foo").unit == "as in file"


def test_headline():
    assert headline_metric("rvm", ["MSE", "MAD"]) == "MAD"
    assert headline_metric("instance", ["RQ", "VIMQ"]) == "VIMQ"
    assert headline_metric("dim", ["SAD", "MSE"]) == "SAD"
    assert headline_metric("other", ["Foo"]) == "Foo"
