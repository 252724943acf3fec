"""Hostile inputs for `vmbench eval --dataset davis` (palette PNG trees): each case asserts the exact
class of answer: the one error line, the note, or a number worked out here by hand."""

import hashlib
import json

import numpy as np
import pytest
from PIL import Image

from vmbench.cli import main

H, W = 12, 16


def palette(path, ids):
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.fromarray(np.asarray(ids, np.uint8), mode="P")
    im.putpalette([0, 0, 0, 200, 0, 0, 0, 200, 0] + [0, 0, 0] * 253)
    im.save(path)


def box(value=1, top=2):
    a = np.zeros((H, W), np.uint8)
    a[top:top + 6, 3:10] = value
    return a


def tree(root, seqs=("s1",), n=4, gt=None, pred=None, listing=True):
    """root/DAVIS and root/pred: every frame a box of object 1; `gt`/`pred`: {(seq, t): array} overrides."""
    gt, pred = gt or {}, pred or {}
    for seq in seqs:
        for t in range(n):
            palette(root / "DAVIS/Annotations/480p" / seq / f"{t:05d}.png", gt.get((seq, t), box()))
            if 0 < t < n - 1:
                palette(root / "pred" / seq / f"{t:05d}.png", pred.get((seq, t), box()))
    if listing:
        (root / "DAVIS/ImageSets/2017").mkdir(parents=True, exist_ok=True)
        (root / "DAVIS/ImageSets/2017/val.txt").write_text("".join(f"{s}\n" for s in seqs))
    return root / "pred", root / "DAVIS"


def run(pred, gt, *extra):
    return main(["eval", "--dataset", "davis", "--pred", str(pred), "--gt", str(gt), *extra])


def one_error(capsys, pred, gt):
    assert run(pred, gt) == 2
    cap = capsys.readouterr()
    err = cap.err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("vmbench: error: ")
    assert "Traceback" not in cap.out + cap.err
    return err[0].removeprefix("vmbench: error: ")


def scored(tmp_path, capsys, pred, gt, name="r"):
    out = tmp_path / "res" / f"{name}.json"
    assert run(pred, gt, "--json", str(out)) == 0
    return json.loads(out.read_text()), capsys.readouterr().out


# --- refusals: one line naming the file -----------------------------------------------------------

@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA"])
def test_colour_prediction_png_refused(tmp_path, capsys, mode):
    pred, gt = tree(tmp_path)
    f = pred / "s1/00001.png"
    Image.fromarray(box()).convert(mode).save(f)
    assert one_error(capsys, pred, gt) == (
        f"{f}: a {mode} PNG, not a palette (index) PNG: DAVIS masks hold object ids as palette indices; "
        "colours cannot be read as ids (save with mode 'P')")


def test_rgb_ground_truth_refused(tmp_path, capsys):
    pred, gt = tree(tmp_path)
    f = gt / "Annotations/480p/s1/00002.png"
    Image.fromarray(np.stack([box() * 128] * 3, axis=-1)).save(f)
    assert one_error(capsys, pred, gt).startswith(f"{f}: a RGB PNG, not a palette (index) PNG")


def test_16_bit_prediction_refused(tmp_path, capsys):
    pred, gt = tree(tmp_path)
    f = pred / "s1/00001.png"
    Image.fromarray(box().astype(np.uint16)).save(f)
    msg = one_error(capsys, pred, gt)
    assert msg.startswith(f"{f}: a I;16") and "not a palette (index) PNG" in msg


def test_jpeg_named_png_refused(tmp_path, capsys):
    pred, gt = tree(tmp_path)
    f = pred / "s1/00002.png"
    Image.fromarray(box() * 100).save(f, format="JPEG")
    assert one_error(capsys, pred, gt) == f"{f}: a JPEG file, not a PNG; DAVIS masks are palette PNGs"


@pytest.mark.parametrize("cut", [0, 20, 60])
def test_truncated_or_empty_png_refused(tmp_path, capsys, cut):
    pred, gt = tree(tmp_path)
    f = pred / "s1/00001.png"
    f.write_bytes(f.read_bytes()[:cut])
    assert one_error(capsys, pred, gt).startswith(f"{f}: not a readable PNG (")


def test_missing_sequence_folder_in_predictions(tmp_path, capsys):
    pred, gt = tree(tmp_path, seqs=("s1", "s2"))
    for f in (pred / "s2").iterdir():
        f.unlink()
    (pred / "s2").rmdir()
    assert one_error(capsys, pred, gt) == f"{pred / 's2'}: missing (sequence s2 of the ground truth has no prediction folder)"


def test_missing_prediction_frame(tmp_path, capsys):
    pred, gt = tree(tmp_path, n=5)
    (pred / "s1/00002.png").unlink()
    assert one_error(capsys, pred, gt) == (
        f"{pred / 's1/00002.png'}: missing (DAVIS scores every annotated frame but the first and last)")


def test_listed_sequence_without_annotations(tmp_path, capsys):
    pred, gt = tree(tmp_path)
    (gt / "ImageSets/2017/val.txt").write_text("s1\nghost\n")
    assert one_error(capsys, pred, gt) == f"{gt / 'Annotations/480p/ghost'}: no annotation PNG (sequence ghost is listed)"


@pytest.mark.parametrize("bad", [2, 7, 255])
def test_object_id_beyond_the_ground_truths(tmp_path, capsys, bad):
    pred, gt = tree(tmp_path, n=5, pred={("s1", 2): box(bad)})
    assert one_error(capsys, pred, gt) == (
        f"{pred / 's1/00002.png'}: object id {bad}, but sequence s1 has 1 object(s) in its first ground-truth "
        "frame (davis2017-evaluation refuses this too)")


def test_prediction_size_differs(tmp_path, capsys):
    pred, gt = tree(tmp_path)
    palette(pred / "s1/00001.png", np.zeros((H, W + 2), np.uint8))
    assert one_error(capsys, pred, gt) == f"{pred / 's1/00001.png'}: {W + 2}x{H}, the ground truth is {W}x{H}"


def test_two_frame_sequence_has_nothing_to_score(tmp_path, capsys):
    pred, gt = tree(tmp_path, n=2)
    (pred / "s1").mkdir(parents=True)
    assert one_error(capsys, pred, gt).startswith(f"{gt / 'Annotations/480p/s1'}: 2 frame(s); the semi-supervised rule")


def test_every_first_frame_empty_refused(tmp_path, capsys):
    empty = np.zeros((H, W), np.uint8)
    pred, gt = tree(tmp_path, gt={("s1", 0): empty}, pred={("s1", 1): empty, ("s1", 2): empty})
    assert one_error(capsys, pred, gt) == (
        f"{gt / 'Annotations/480p'}: no sequence has an object in its first frame; nothing to score")


# --- notes and numbers worked out by hand ----------------------------------------------------------

def test_sequence_with_empty_first_frame_adds_no_row_with_a_note(tmp_path, capsys):
    empty = np.zeros((H, W), np.uint8)
    pred, gt = tree(tmp_path, seqs=("s1", "s2"), gt={("s2", 0): empty}, pred={("s2", 1): empty, ("s2", 2): empty})
    data, out = scored(tmp_path, capsys, pred, gt)
    assert f"note: {gt / 'Annotations/480p/s2'}: no object in the first frame; the sequence adds no row" in out
    assert [r["Sequence"] for r in data["clips"]] == ["s1_1"]
    assert data["summary"]["J&F"] == 1.0  # s1: prediction == ground truth on every scored frame


def test_all_void_frame(tmp_path, capsys):
    """Void is background in the semi-supervised task: an all-void ground-truth frame with an empty
    prediction scores J = F = 1; with the object predicted there J = 0 (no intersection) and F = 0
    (ground-truth boundary empty, predicted one not: P = 0, R = 1, F = 2*0*1/1 = 0)."""
    void = np.full((H, W), 255, np.uint8)
    pred, gt = tree(tmp_path, n=5, gt={("s1", 1): void, ("s1", 2): void},
                    pred={("s1", 1): np.zeros((H, W), np.uint8)})
    data, _ = scored(tmp_path, capsys, pred, gt)
    frames = {r["frame"]: (r["J"], r["F"]) for r in data["frames"]}
    assert frames == {"00001": (1.0, 1.0), "00002": (0.0, 0.0), "00003": (1.0, 1.0)}
    assert data["summary"]["J"] == pytest.approx(2 / 3) and data["summary"]["J-Recall"] == pytest.approx(2 / 3)


def test_void_pixels_predicted_count_against_j(tmp_path, capsys):
    """A void band the prediction covers: box 42 pixels; void 16 pixels set to object 1 in the
    prediction: J = 42 / (42 + 16) on each of the two scored frames (void is background here)."""
    g = box()
    g[10:12, 0:8] = 255
    p = box()
    p[10:12, 0:8] = 1
    pred, gt = tree(tmp_path, gt={("s1", t): g for t in range(4)}, pred={("s1", t): p for t in range(4)})
    data, _ = scored(tmp_path, capsys, pred, gt)
    assert data["summary"]["J"] == pytest.approx(42 / 58, abs=1e-15)


def test_missing_object_scores_zero(tmp_path, capsys):
    """Ground truth has objects 1 and 2; the prediction never writes 2 (zero padding): object 2's J
    is 0 on every frame, F 0 (predicted boundary empty: P = 1, R = 0)."""
    g = box()
    g[9:11, 12:15] = 2
    pred, gt = tree(tmp_path, gt={("s1", t): g for t in range(4)})
    data, _ = scored(tmp_path, capsys, pred, gt)
    rows = {r["Sequence"]: r for r in data["clips"]}
    assert (rows["s1_1"]["J-Mean"], rows["s1_1"]["F-Mean"]) == (1.0, 1.0)
    assert (rows["s1_2"]["J-Mean"], rows["s1_2"]["F-Mean"]) == (0.0, 0.0)
    assert data["summary"]["J&F"] == 0.5


def test_grey_index_png_reads_as_the_palette_one(tmp_path, capsys):
    pred, gt = tree(tmp_path, n=5, pred={("s1", 2): box(top=4)})
    first, _ = scored(tmp_path, capsys, pred, gt)
    Image.fromarray(box(top=4), mode="L").save(pred / "s1/00002.png")
    second, _ = scored(tmp_path, capsys, pred, gt, name="grey")
    assert first["summary"] == second["summary"] and first["summary"]["J"] < 1


def test_inputs_are_not_modified(tmp_path, capsys):
    pred, gt = tree(tmp_path, n=5, pred={("s1", 2): box(top=3)})
    digest = lambda: {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(tmp_path.rglob("*")) if f.is_file()}
    before = digest()
    assert run(pred, gt) == 0
    assert digest() == before


def test_check_reports_every_refused_sequence_in_one_pass(tmp_path, capsys):
    pred, gt = tree(tmp_path, seqs=("s1", "s2", "s3"), n=4, pred={("s3", 1): box(5)})
    (pred / "s1/00002.png").unlink()
    assert main(["check", "--dataset", "davis", "--pred", str(pred), "--gt", str(gt)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        f"error: {pred / 's1/00002.png'}: missing (DAVIS scores every annotated frame but the first and last)",
        f"error: {pred / 's3/00001.png'}: object id 5, but sequence s3 has 1 object(s) in its first ground-truth "
        "frame (davis2017-evaluation refuses this too)",
        "check: 1 of 3 clips paired, 6 frames read; 2 error(s), 0 note(s): eval would refuse this submission"]


def test_check_clean_tree(tmp_path, capsys):
    pred, gt = tree(tmp_path, seqs=("s1", "s2"), n=5)
    assert main(["check", "--dataset", "davis", "--pred", str(pred), "--gt", str(gt)]) == 0
    assert capsys.readouterr().out.strip() == "check: 2 of 2 clips paired, 16 frames read; 0 error(s), 0 note(s): clean"
