"""`vmbench check` on a dirty submission with many kinds of problems at once: all are reported in one
pass, each with the file it is about, and the exit code says whether eval would refuse."""

from pathlib import Path

import numpy as np
import pytest

from tests.datasets import replicas
from vmbench.cli import main
from vmbench.preflight import check_plain

SIZE = (8, 10)


def gray(v):
    return np.full(SIZE, v, np.uint8)


def ramp(seed):
    rng = np.random.default_rng(seed)
    return rng.integers(2, 250, SIZE, dtype=np.uint8)


def clip(root, side, name, frames):
    """Write {stem: image} under ROOT/<side>/set/<name>/pha/."""
    for stem, img in frames.items():
        ext = ".png" if "." not in stem else ""
        replicas.write(root / side / "set" / name / "pha" / f"{stem}{ext}", img)


@pytest.fixture()
def dirty(tmp_path):
    gt = {f"{t:04d}": ramp(t) for t in range(3)}
    for name in ("missing", "short", "long", "size", "corrupt", "deep16", "rgb", "rgba", "jpeg", "const",
                 "empty", "same", "mask01", "clean"):
        clip(tmp_path, "gt", name, gt)
    clip(tmp_path, "gt", "unpadded", {str(t): ramp(t) for t in (1, 2, 10)})
    pred = {k: np.clip(v.astype(int) + 3, 0, 255).astype(np.uint8) for k, v in gt.items()}
    clip(tmp_path, "pred", "extra_clip", pred)
    clip(tmp_path, "pred", "short", {k: v for k, v in pred.items() if k != "0002"})
    clip(tmp_path, "pred", "long", {**pred, "0003": pred["0000"]})
    clip(tmp_path, "pred", "size", {**pred, "0001": np.zeros((4, 4), np.uint8)})
    clip(tmp_path, "pred", "corrupt", pred)
    (tmp_path / "pred" / "set" / "corrupt" / "pha" / "0001.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    clip(tmp_path, "pred", "deep16", {k: (v.astype(np.uint16) * 257) for k, v in pred.items()})
    clip(tmp_path, "pred", "rgb", {k: np.dstack([v, v, v]) for k, v in pred.items()})
    clip(tmp_path, "pred", "rgba", {k: np.dstack([0 * v, 0 * v, 0 * v, v]) for k, v in pred.items()})
    clip(tmp_path, "pred", "jpeg", {f"{k}.jpg": v for k, v in pred.items()})
    clip(tmp_path, "pred", "const", {k: gray(77) for k in pred})
    clip(tmp_path, "pred", "empty", {k: gray(0) for k in pred})
    clip(tmp_path, "pred", "same", gt)
    clip(tmp_path, "pred", "mask01", {k: (v > 128).astype(np.uint8) for k, v in pred.items()})
    clip(tmp_path, "pred", "clean", pred)
    clip(tmp_path, "pred", "unpadded", {str(t): ramp(t) + 1 for t in (1, 2, 10)})
    return tmp_path


def test_dirty_submission_every_problem_in_one_pass(dirty, capsys):
    assert main(["check", "--pred", str(dirty / "pred"), "--gt", str(dirty / "gt")]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    p = dirty / "pred" / "set"
    errors = [l for l in lines if l.startswith("error: ")]
    notes = [l for l in lines if l.startswith("note: ")]
    # (line start, fragment): the pairing's and reader's own wording is theirs; the file and the kind are checked
    expected_errors = [
        (f"error: {p / 'missing'}: ", "missing prediction clip"),
        (f"error: {p / 'short' / 'pha'}: ", "1 of 3 prediction frames missing"),
        (f"error: {p / 'long' / 'pha' / '0003.png'}: ", "prediction frame has no ground truth"),
        (f"error: {p / 'extra_clip'}: ", "prediction clip has no ground truth"),
        (f"error: {p / 'size' / 'pha' / '0001.png'}: ", "size 4x4 does not match the ground truth"),
        (f"error: {p / 'corrupt' / 'pha' / '0001.png'}: ", "not a readable"),
    ]
    for start, fragment in expected_errors:
        assert sum(l.startswith(start) and fragment in l for l in errors) == 1, (start, errors)
    assert len(errors) == len(expected_errors)
    assert f"note: {p / 'same'}: prediction is identical to the ground truth in every frame" in "\n".join(notes)
    assert f"note: {p / 'empty'}: prediction is empty (0 in every pixel of every frame)" in notes
    assert f"note: {p / 'const'}: prediction is constant (77 in every pixel of every frame)" in notes
    # the reader's notes, grouped as eval groups them: one line per kind naming the files
    for clip, fragment in (("deep16", "16-bit"), ("jpeg", "lossy jpeg"), ("mask01", "values only 0 and 1"),
                           ("rgb", "RGB, read as luma"), ("rgba", "RGBA with black RGB"),
                           ("unpadded", "not zero-padded")):
        assert sum(fragment in l and str(p / clip) in l for l in notes) == 1, (clip, notes)
    # the clips that paired: 16 ground-truth clips less missing/short/long -> 12 paired (corrupt and
    # size still count: their other frames are read)
    assert lines[-1].startswith("check: 12 of 15 clips paired, 35 frames read; 6 error(s), ")
    assert lines[-1].endswith("eval would refuse this submission")


def test_notes_only_exit_zero(tmp_path, capsys):
    clip(tmp_path, "gt", "a", {"0000": ramp(1), "0001": ramp(2)})
    clip(tmp_path, "pred", "a", {"0000.jpg": ramp(1), "0001.jpg": ramp(3)})
    assert main(["check", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith(f"note: {tmp_path / 'pred' / 'set' / 'a' / 'pha'}: lossy jpeg")
    assert out[-1] == "check: 1 of 1 clips paired, 2 frames read; 0 error(s), 1 note(s): eval would score it, with the notes above"


def test_clean_submission(tmp_path, capsys):
    replicas.rvm_tree(tmp_path, ("s",), clips=2, frames=2)
    assert main(["check", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")]) == 0
    assert capsys.readouterr().out.strip() == "check: 2 of 2 clips paired, 4 frames read; 0 error(s), 0 note(s): clean"


def test_check_agrees_with_eval_on_the_first_refusal(dirty, capsys):
    """eval stops at the first problem; that problem is among check's errors, with the same text."""
    assert main(["eval", "--no-progress", "--pred", str(dirty / "pred"), "--gt", str(dirty / "gt")]) == 2
    first = capsys.readouterr().err.strip().removeprefix("vmbench: error: ")
    report = check_plain(dirty / "pred", dirty / "gt", workers=1)
    # eval's line may add a count of the clips like it ("; 1 of 15 ground-truth clips ..."): same problem, same file
    assert any(first.split("; ")[0] == e.message.split("; ")[0] for e in report.errors), (first, report.errors)


def test_check_instance_tree(tmp_path, capsys):
    replicas.vim_tree(tmp_path, clips=3, frames=2, instances=2)
    # clip00: prediction missing one frame; clip01: prediction = ground truth
    (tmp_path / "pred" / "clip00" / "person0" / "1.png").unlink()
    for inst in ("person0", "person1"):
        for t in range(2):
            src = tmp_path / "gt" / "clip01" / "pha" / inst / f"{t}.png"
            (tmp_path / "pred" / "clip01" / inst / f"{t}.png").write_bytes(src.read_bytes())
    assert main(["check", "--task", "instance", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert any(l.startswith("error: ") and "clip00" in l for l in out)
    assert any(l.startswith(f"note: {tmp_path / 'pred' / 'clip01'}: prediction is identical") for l in out)
    assert out[-1].startswith("check: 2 of 3 clips paired, 4 frames read; 1 error(s), 1 note(s)")


def test_check_dataset_sparse_rule(tmp_path, capsys):
    replicas.crgnn_tree(tmp_path, videos=("v one",), annotated=3)
    gt = tmp_path / "gt" / "alpha"
    assert main(["check", "--pred", str(tmp_path / "pred"), "--gt", str(gt)]) == 1  # without the profile: missing frames
    capsys.readouterr()
    assert main(["check", "--dataset", "crgnn", "--pred", str(tmp_path / "pred"), "--gt", str(gt)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("note: crgnn: ground truth on every 10th frame only; 3 of 26 prediction frames are scored")
    assert out[-1].startswith("check: 1 of 1 clips paired, 3 frames read; 0 error(s), 1 note(s)")


def test_check_referring_tree(tmp_path, capsys):
    import json

    replicas.vim_tree(tmp_path, clips=2, frames=2, instances=2)
    exps = {"videos": {
        "clip00": {"frames": ["0", "1"], "expressions": {"0": {"exp": "left", "obj_id": ["person0"], "anno_id": ["person0"]},
                                                         "1": {"exp": "right", "obj_id": ["person1"], "anno_id": ["person1"]}}},
        "clip01": {"frames": ["0", "1"], "expressions": {"0": {"exp": "both", "obj_id": ["person0", "person1"],
                                                               "anno_id": ["person0", "person1"]},
                                                         "1": {"exp": "ghost", "obj_id": ["person7"], "anno_id": ["person7"]}}}}}
    (tmp_path / "gt" / "meta_expressions.json").write_text(json.dumps(exps))
    pred = tmp_path / "refpred"
    for clip in ("clip00", "clip01"):
        for exp_id in ("0", "1"):
            for t in range(2):
                replicas.write(pred / clip / exp_id / f"{t}.png", np.full((12, 20), 50, np.uint8))
    (pred / "clip00" / "1" / "1.png").unlink()
    assert main(["check", "--task", "referring", "--pred", str(pred), "--gt", str(tmp_path / "gt")]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert f"error: {pred / 'clip00' / '1'}: 1 frames, the ground truth has 2 (missing frame '1')" in out
    assert any(l.startswith(f"error: {tmp_path / 'gt' / 'clip01' / 'pha'}: expression '1' of clip 'clip01' refers to "
                            "instance 'person7'") for l in out)
    # the two constant expression folders that were read, grouped into one line as eval groups notes
    assert sum(l.startswith("note: 2 file(s) prediction is constant (50") for l in out) == 1
    assert out[-1].startswith("check: 0 of 2 clips paired, 4 frames read; 2 error(s), 1 note(s)")


def test_many_clips_with_one_problem_read_as_one_line(tmp_path, capsys):
    for c in range(12):
        clip(tmp_path, "gt", f"c{c:02d}", {"0000": ramp(c)})
        clip(tmp_path, "pred", f"c{c:02d}", {"0000": gray(0)})
    assert main(["check", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith("note: 12 file(s) prediction is empty (0 in every pixel of every frame): c00, c01, c02 and 9 more")
    assert out[-1] == "check: 12 of 12 clips paired, 12 frames read; 0 error(s), 1 note(s): eval would score it, with the notes above"


def test_quick_pairs_and_compares_header_sizes(dirty, capsys, monkeypatch):
    """--quick: the same pairing errors, sizes from headers; a frame with a valid header is not decoded."""
    import vmbench.sources.folder as folder

    decoded = []
    real = folder.read_alpha_frame
    monkeypatch.setattr(folder, "read_alpha_frame", lambda path, *a, **k: decoded.append(path) or real(path, *a, **k))
    assert main(["check", "--quick", "--pred", str(dirty / "pred"), "--gt", str(dirty / "gt")]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    p = dirty / "pred" / "set"
    errors = [l for l in lines if l.startswith("error: ")]
    assert len(errors) == 6
    assert any(l.startswith(f"error: {p / 'size' / 'pha' / '0001.png'}: size 4x4 does not match the ground truth") for l in errors)
    assert any(l.startswith(f"error: {p / 'corrupt' / 'pha' / '0001.png'}: ") for l in errors)  # no PNG header: decoded
    assert [Path(d).name for d in decoded] == ["0001.png"]  # only the file whose header said nothing
    assert not any("prediction is empty" in l or "identical" in l for l in lines)  # values were not read
    assert lines[-1].startswith("check: 12 of 15 clips paired, 36 frames probed (sizes from file headers; values not read")


def test_header_size_png_and_jpeg(tmp_path):
    from vmbench.preflight import header_size

    for ext in (".png", ".jpg"):
        replicas.write(tmp_path / f"a{ext}", np.zeros((7, 13), np.uint8))
        assert header_size(tmp_path / f"a{ext}") == (13, 7)
    (tmp_path / "b.png").write_bytes(b"not an image")
    assert header_size(tmp_path / "b.png") is None
