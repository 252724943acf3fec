"""Loader of vmbench/data/published_numbers.csv: name normalisation and percent -> fraction."""

import pytest

from vmbench.leaderboard.published import benchmarks, load_published, normalise_metric


@pytest.mark.parametrize("raw,want", [("pha_MAD", "MAD"), ("pha_dtSSD", "dtSSD"), ("MQ_mse", "MQ"),
                                      ("VIMQ_mse", "VIMQ"), ("VIMQ_mad", "VIMQ_MAD"), ("MQ_dtssd", "MQ_dtSSD"),
                                      ("MAD (unscaled)", "MAD"), ("Conn (as printed, higher is better)", "Conn"),
                                      ("fgr_MSE", "fgr_MSE"), ("MAD-T", "MAD-T")])
def test_normalise_metric(raw, want):
    assert normalise_metric(raw) == want


def test_vim_percentages_become_fractions_and_protocols():
    rows = load_published()
    mt = next(r for r in rows if r.benchmark == "vim50_1920x1080" and r.method == "MaskTrackRCNN (VIS, R50)")
    # CSV: RQ 37.43, TQ 78.00, VIMQ_mse 4.52 (per cent)
    assert mt.values["RQ"] == pytest.approx(0.3743)
    assert mt.values["TQ"] == pytest.approx(0.78)
    assert mt.values["VIMQ"] == pytest.approx(0.0452)
    assert mt.protocol == "instance" and "FPS" not in " ".join(mt.values)
    hr = [r for r in rows if r.benchmark == "videomatte_1920x1080"]
    assert hr and {r.protocol for r in hr} == {"rvm-hr"}
    assert {r.protocol for r in rows if r.paper.startswith("MaGGIe")} == {"maggie"}
    names = benchmarks(rows)
    assert "videomatte_512x288" in names and "youtubematte_1920x1080" in names
