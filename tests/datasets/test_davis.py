"""`vmbench eval --dataset davis` on a small DAVIS replica (palette PNGs, void pixels, a missing
object), against J/F/statistics written here from davis2017-evaluation's definitions (metrics.py,
utils.db_statistics, evaluation.py, evaluation_method.py), never from vmbench's own kernels."""

import json

import numpy as np
import pytest
from PIL import Image
from scipy.ndimage import binary_dilation
from skimage.morphology import disk

from vmbench.cli import main
from vmbench.instance.davis import davis_f, davis_j

H, W = 24, 32


def save_palette(path, ids):
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.fromarray(np.asarray(ids, np.uint8), mode="P")
    im.putpalette([0, 0, 0, 128, 0, 0, 0, 128, 0] + [0, 0, 0] * 252 + [224, 224, 192])
    im.save(path)


def replica(root, *, listing=True):
    """root/DAVIS (2 sequences x 6 frames, 2 objects, void) and root/pred; {seq: (gt (T,H,W), pred)}."""
    rng = np.random.default_rng(0)
    out = {}
    for s, seq in enumerate(["bear", "dogs"]):
        gt = np.zeros((6, H, W), np.uint8)
        pred = np.zeros((6, H, W), np.uint8)
        for t in range(6):
            gt[t, 3 + t:13 + t, 2 + s:12 + s] = 1
            gt[t, 10:20, 18 - t:28 - t] = 2
            gt[t, 0:2, :] = 255  # void band
            gt[t, 12:14, 14:18] = 255
            p = np.zeros((H, W), np.uint8)
            p[4 + t:13 + t, 3:12 + s + (t % 2)] = 1
            p[11:20 - (t % 3), 18 - t:27 - t] = 2
            p[0:1, 5:9] = 1  # prediction inside the void band
            p[rng.random((H, W)) < 0.03] = 0
            if s == 1 and t == 3:
                p[p == 2] = 0  # object 2 missing from this frame
            pred[t] = p
        for t in range(6):
            save_palette(root / "DAVIS" / "Annotations" / "480p" / seq / f"{t:05d}.png", gt[t])
            if 0 < t < 5:
                save_palette(root / "pred" / seq / f"{t:05d}.png", pred[t])
        out[seq] = (gt, pred)
    if listing:
        (root / "DAVIS" / "ImageSets" / "2017").mkdir(parents=True)
        (root / "DAVIS" / "ImageSets" / "2017" / "val.txt").write_text("bear\ndogs\n")
    return out


# --- the reference's definitions, written out here ---------------------------------------------

def ref_boundary(m):
    """_seg2bmap at full size, pixel by pixel."""
    h, w = m.shape
    b = np.zeros_like(m, dtype=bool)
    for y in range(h):
        for x in range(w):
            east = m[y, x + 1] if x + 1 < w else False
            south = m[y + 1, x] if y + 1 < h else False
            se = m[y + 1, x + 1] if (x + 1 < w and y + 1 < h) else False
            if y == h - 1 and x == w - 1:
                b[y, x] = False
            elif y == h - 1:
                b[y, x] = m[y, x] != east
            elif x == w - 1:
                b[y, x] = m[y, x] != south
            else:
                b[y, x] = m[y, x] != east or m[y, x] != south or m[y, x] != se
    return b


def ref_j(pred, gt, void=None):
    keep = np.ones_like(gt, bool) if void is None else ~void
    union = np.sum((pred | gt) & keep)
    return 1.0 if union == 0 else np.sum(pred & gt & keep) / union


def ref_f(pred, gt, void=None):
    if void is not None:
        pred, gt = pred & ~void, gt & ~void
    r = int(np.ceil(0.008 * np.sqrt(pred.shape[0] ** 2 + pred.shape[1] ** 2)))
    fb, gb = ref_boundary(pred), ref_boundary(gt)
    fd, gd = binary_dilation(fb, disk(r)), binary_dilation(gb, disk(r))
    nf, ng = fb.sum(), gb.sum()
    if nf == 0 and ng > 0:
        p, rc = 1.0, 0.0
    elif nf > 0 and ng == 0:
        p, rc = 0.0, 1.0
    elif nf == 0 and ng == 0:
        p, rc = 1.0, 1.0
    else:
        p, rc = (fb & gd).sum() / nf, (gb & fd).sum() / ng
    return 0.0 if p + rc == 0 else 2 * p * rc / (p + rc)


def ref_stats(v):
    ids = (np.round(np.linspace(1, len(v), 5) + 1e-10) - 1).astype(np.uint8)
    return np.mean(v), np.mean(v > 0.5), np.mean(v[ids[0]:ids[1] + 1]) - np.mean(v[ids[3]:ids[4] + 1])


def expected(seqs):
    """(global dict, {seq_k: (J-Mean, F-Mean)}) by evaluation.py's semi-supervised rules."""
    rows = {}
    for seq, (gt, pred) in seqs.items():
        gt = np.where(gt == 255, 0, gt)  # void -> background; semi-supervised passes no void mask
        for k in range(1, int(gt[0].max()) + 1):
            j = np.array([ref_j(pred[t] == k, gt[t] == k) for t in range(1, 5)])
            f = np.array([ref_f(pred[t] == k, gt[t] == k) for t in range(1, 5)])
            rows[f"{seq}_{k}"] = (*ref_stats(j), *ref_stats(f))
    a = np.array(list(rows.values()))
    m = a.mean(axis=0)
    glob = {"J&F": (m[0] + m[3]) / 2, "J": m[0], "J-Recall": m[1], "J-Decay": m[2],
            "F": m[3], "F-Recall": m[4], "F-Decay": m[5]}
    return glob, {k: (v[0], v[3]) for k, v in rows.items()}


def test_davis_replica_matches_the_reference_definitions(tmp_path, capsys):
    seqs = replica(tmp_path)
    glob, per_seq = expected(seqs)
    out_json = tmp_path / "out" / "r.json"
    assert main(["eval", "--dataset", "davis", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "DAVIS"),
                 "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    data = json.loads(out_json.read_text())
    assert set(data["summary"]) == set(glob)
    for k, v in glob.items():
        assert data["summary"][k] == pytest.approx(v, abs=1e-12), k
    assert [r["Sequence"] for r in data["clips"]] == ["bear_1", "bear_2", "dogs_1", "dogs_2"]
    for r in data["clips"]:
        assert (r["J-Mean"], r["F-Mean"]) == pytest.approx(per_seq[r["Sequence"]], abs=1e-12)
    assert "J&F-Mean" in out and "J-Decay" in out and "dogs_2" in out
    assert f"{glob['J&F']:.3f}" in out
    # the missing object really costs: dogs_2's frame 3 has J = 0
    assert [r["J"] for r in data["frames"] if r["Sequence"] == "dogs_2" and r["frame"] == "00003"] == [0.0]


def test_no_sequence_list_scores_every_annotated_sequence_with_a_note(tmp_path, capsys):
    seqs = replica(tmp_path, listing=False)
    glob, _ = expected(seqs)
    assert main(["eval", "--dataset", "davis", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "DAVIS")]) == 0
    out = capsys.readouterr().out
    assert "note: " in out and "val.txt: not found; scoring every sequence" in out
    assert f"{glob['J']:.3f}" in out


@pytest.mark.parametrize("seed", range(6))
def test_void_argument_as_db_eval_iou_and_f_measure(seed):
    rng = np.random.default_rng(seed)
    gt = np.zeros((H, W), bool)
    gt[4:18, 5:20] = True
    pred = np.roll(gt, (seed % 3, seed % 4), axis=(0, 1)) ^ (rng.random((H, W)) < 0.05)
    void = np.zeros((H, W), bool)
    void[rng.integers(0, H - 6):, rng.integers(0, W - 6):][:6, :6] = True
    if seed == 5:
        void[:] = True  # an all-void frame: empty union -> J = 1; both boundaries empty -> F = 1
    assert davis_j(pred, gt, void) == pytest.approx(ref_j(pred, gt, void), abs=1e-15)
    assert davis_f(pred, gt, void) == pytest.approx(ref_f(pred, gt, void), abs=1e-15)
    assert davis_j(pred, gt) == pytest.approx(ref_j(pred, gt), abs=1e-15)
    assert davis_f(pred, gt) == pytest.approx(ref_f(pred, gt), abs=1e-15)
    if seed == 5:
        assert davis_j(pred, gt, void) == 1.0 and davis_f(pred, gt, void) == 1.0
