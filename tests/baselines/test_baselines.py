"""Each no-weights baseline end to end through the runner, and against its own lower bound."""

import json

import numpy as np
import pytest

from tests.baselines.helpers import T, build_tree, mad, read_u8
from vmbench.adapters.registry import create_adapter
from vmbench.adapters.runner import run_adapter


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return build_tree(tmp_path_factory.mktemp("bench"))


@pytest.fixture(scope="module")
def runs(tree, tmp_path_factory):
    out = tmp_path_factory.mktemp("preds")
    done = {}
    for name in ("mask-as-matte", "mask-guided-filter", "ffm-static", "ffm-propagate", "trimap-cf",
                 "trimap-knn", "caption-color-prior"):
        done[name] = (out / name, run_adapter(create_adapter(name), tree, out / name, device="cpu"))
    return done


def plain_mad(tree, pred_root, folder="pha"):
    errs = []
    for clip in ("a", "b"):
        for t in range(T):
            gt = read_u8(tree / "plain" / "ds" / clip / "pha" / f"{t:04d}.png")
            errs.append(mad(read_u8(pred_root / "ds" / clip / folder / f"{t:04d}.png"), gt))
    return float(np.mean(errs))


@pytest.mark.parametrize("name", ["mask-as-matte", "mask-guided-filter", "ffm-static", "ffm-propagate",
                                  "trimap-cf", "trimap-knn"])
def test_plain_outputs_and_record(runs, tree, name):
    out, rec = runs[name]
    for clip in ("a", "b"):
        files = sorted(p.name for p in (out / "ds" / clip / "pha").iterdir())
        assert files == [f"{t:04d}.png" for t in range(T)]
        assert read_u8(out / "ds" / clip / "pha" / "0000.png").shape == (64, 96)
    on_disk = json.loads((out / "run.json").read_text())
    assert on_disk["adapter"] == name and on_disk["complete"] is True
    assert on_disk["dataset_hash"] == "testhash123"
    assert [c["frames"] for c in on_disk["clips"]] == [T, T]
    assert on_disk["frames"] == 2 * T
    total = sum(c["seconds"] for c in on_disk["clips"])
    assert on_disk["seconds_per_frame"] == pytest.approx(total / (2 * T), rel=1e-3, abs=1e-6)


def test_mask_guided_filter_beats_mask_as_matte(runs, tree):
    lower = plain_mad(tree, runs["mask-as-matte"][0])
    # the lower bound is the binarised mask_down8 itself, computed independently here
    direct = np.mean([mad(read_u8(tree / "plain/ds" / c / "guidance/mask_down8" / f"{t:04d}.png"),
                          read_u8(tree / "plain/ds" / c / "pha" / f"{t:04d}.png"))
                      for c in ("a", "b") for t in range(T)])
    assert lower == pytest.approx(direct, abs=1e-12)
    assert plain_mad(tree, runs["mask-guided-filter"][0]) < 0.5 * lower


def test_ffm_propagate_beats_ffm_static(runs, tree):
    static = plain_mad(tree, runs["ffm-static"][0])
    first = read_u8(tree / "plain/ds/a/guidance/first_mask/0000.png")
    direct = np.mean([mad(read_u8(tree / "plain/ds" / c / "guidance/first_mask/0000.png"),
                          read_u8(tree / "plain/ds" / c / "pha" / f"{t:04d}.png"))
                      for c in ("a", "b") for t in range(T)])
    assert first.max() == 255 and static == pytest.approx(direct, abs=1e-12)
    assert plain_mad(tree, runs["ffm-propagate"][0]) < 0.5 * static


@pytest.mark.parametrize("name", ["trimap-cf", "trimap-knn"])
def test_trimap_methods_beat_the_trimap(runs, tree, name):
    lower = np.mean([mad(read_u8(tree / "plain/ds" / c / "guidance/trimap" / f"{t:04d}.png"),
                         read_u8(tree / "plain/ds" / c / "pha" / f"{t:04d}.png"))
                     for c in ("a", "b") for t in range(T)])
    got = plain_mad(tree, runs[name][0])
    assert got < 0.25 * lower
    # known trimap pixels are kept exactly
    tri = read_u8(tree / "plain/ds/a/guidance/trimap/0002.png")
    pred = read_u8(runs[name][0] / "ds/a/pha/0002.png")
    assert np.all(pred[tri == 255] == 255) and np.all(pred[tri == 0] == 0)


def test_caption_color_prior_finds_the_named_object(runs, tree):
    out, rec = runs["caption-color-prior"]
    assert sorted(c["key"] for c in rec["clips"]) == ["ds/a/0", "ds/a/1", "ds/b/0"]
    for clip, exp, inst, other in (("a", "0", "inst0", "inst1"), ("a", "1", "inst1", "inst0"), ("b", "0", "inst0", None)):
        for t in range(T):
            gt = read_u8(tree / "instance/ds" / clip / "pha" / inst / f"{t:04d}.png")
            pred = read_u8(out / "ds" / clip / exp / f"{t:04d}.png")
            zero = mad(np.zeros_like(gt), gt)
            assert mad(pred, gt) < 0.2 * zero  # far better than the empty matte
            if other is not None:  # and far better than the other instance
                wrong = read_u8(tree / "instance/ds" / clip / "pha" / other / f"{t:04d}.png")
                assert mad(pred, gt) < 0.2 * mad(wrong, gt)


def test_baselines_are_deterministic(runs, tree, tmp_path):
    run_adapter(create_adapter("ffm-propagate"), tree, tmp_path / "again", device="cpu")
    for t in range(T):
        a = read_u8(runs["ffm-propagate"][0] / "ds/b/pha" / f"{t:04d}.png")
        b = read_u8(tmp_path / "again/ds/b/pha" / f"{t:04d}.png")
        assert np.array_equal(a, b)


def test_trimap_crop_with_one_kind_of_constraint():
    from baselines.classical.trimap import solve_trimap

    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (20, 30, 3), dtype=np.uint8)
    tri = np.zeros((20, 30), np.uint8)
    tri[5:9, 5:9] = 128  # unknown with only background around it: the minimum is alpha = 0
    assert np.all(solve_trimap(rgb, tri) == 0)
    tri[:] = 255
    tri[5:9, 5:9] = 128
    assert np.all(solve_trimap(rgb, tri) == 1)


def test_background_diff_beats_empty_matte(tree, tmp_path):
    out = tmp_path / "bd"
    run_adapter(create_adapter("none-background-diff"), tree, out, device="cpu")
    zero = np.mean([mad(np.zeros((64, 96), np.uint8), read_u8(tree / "plain/ds" / c / "pha" / f"{t:04d}.png"))
                    for c in ("a", "b") for t in range(T)])
    assert plain_mad(tree, out) < 0.8 * zero


def test_camera_motion_recovers_known_shift_and_zoom():
    import cv2

    from baselines.classical.background_diff import camera_motion
    from tests.baselines.helpers import background

    big = cv2.resize(background(5).astype(np.uint8), (288, 192), interpolation=cv2.INTER_CUBIC)
    gray = cv2.cvtColor(big, cv2.COLOR_RGB2GRAY)
    shifts = [(0, 0), (3, -2), (7, -3)]  # content moves by (dx, dy) px relative to frame 0
    frames = [gray[40 - dy:140 - dy, 60 - dx:210 - dx] for dx, dy in shifts]
    motion = camera_motion(frames)
    for (dx, dy), m in zip(shifts, motion):
        np.testing.assert_allclose(m[:2, :2], np.eye(2), atol=0.01)
        np.testing.assert_allclose(m[:2, 2], [dx, dy], atol=0.3)


def test_referring_eval_scores_caption_output(runs, tree, tmp_path):
    from vmbench.cli import main

    out, _ = runs["caption-color-prior"]
    res = tmp_path / "ref.json"
    assert main(["eval", "--task", "referring", "--pred", str(out), "--gt", str(tree / "instance"),
                 "--json", str(res), "--no-progress", "--quiet"]) == 0
    data = json.loads(res.read_text())
    rows = {(r["clip"], r["exp_id"], r["frame"]): r for r in data["frames"]}
    for (clip, exp, inst) in (("a", "0", "inst0"), ("a", "1", "inst1"), ("b", "0", "inst0")):
        gt = read_u8(tree / "instance/ds" / clip / "pha" / inst / "0002.png")
        pred = read_u8(out / "ds" / clip / exp / "0002.png")
        assert rows[(clip, exp, "0002")]["MAD"] == pytest.approx(1e3 * mad(pred, gt), rel=1e-5)
    assert data["summary"]["RefAcc"] == 1.0  # every expression picks its own instance
    assert json.loads((tmp_path / "ref.run.json").read_text())["method"] == "caption-color-prior"


def test_cropped_solve_matches_whole_frame_pymatting(tree):
    from pymatting import estimate_alpha_cf

    from baselines.classical.trimap import solve_trimap
    from vmbench.io.frames import read_rgb

    rgb = read_rgb(tree / "plain/ds/a/com/0002.png")
    tri = read_u8(tree / "plain/ds/a/guidance/trimap/0002.png")
    whole = np.clip(estimate_alpha_cf(rgb / 255.0, tri / 255.0), 0, 1)
    np.testing.assert_allclose(solve_trimap(rgb, tri, method="cf"), whole, atol=2e-3)
