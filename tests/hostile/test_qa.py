"""Hostile inputs found by the QA sweep of the merged product (/work/wt/notes/qa_findings.md).

One test per fixed finding, each asserting the exact answer: the one error line (exit 2, no
traceback) or the number, computed here with plain NumPy from the definition.
"""

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import cv2
import numpy as np
import pytest

from vmbench.cli import main
from vmbench.errors import InputError
from vmbench.io.frames import write_alpha, write_rgb

H, W = 10, 16
REPO = Path(__file__).resolve().parents[2]


def u8(seed):
    return (np.random.default_rng(seed).random((H, W)) * 255).astype(np.uint8)


def write_clip(folder: Path, frames, name="{:04d}.png"):
    folder.mkdir(parents=True, exist_ok=True)
    for t, f in enumerate(frames):
        assert cv2.imwrite(str(folder / name.format(t)), f)


def one_error_line(capsys, argv):
    rc = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    err = captured.err.strip()
    assert rc == 2 and err.startswith("vmbench: error: ") and "\n" not in err, (rc, captured)
    return err[len("vmbench: error: "):]


def test_every_command_registers():
    """F1: a lost import (NameError in check.py) broke every command on main; the bare help must run."""
    proc = subprocess.run([sys.executable, "-m", "vmbench", "--help"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for name in ("check", "eval", "gate", "leaderboard", "make-dataset", "pack", "verify"):
        assert f"    {name}" in proc.stdout


def test_truncated_png_gives_exactly_one_line_on_stderr(tmp_path):
    """F2: OpenCV's own "[ WARN ...] PNG input buffer is incomplete" line came before ours."""
    gt = [u8(1), u8(2)]
    write_clip(tmp_path / "gt" / "c0", gt)
    write_clip(tmp_path / "pred" / "c0", [u8(3), u8(4)])
    bad = tmp_path / "pred" / "c0" / "0001.png"
    bad.write_bytes(bad.read_bytes()[:60])  # signature + IHDR + a cut IDAT
    env = {k: v for k, v in os.environ.items() if k != "OPENCV_LOG_LEVEL"}
    proc = subprocess.run([sys.executable, "-m", "vmbench", "eval", "--no-progress", "--pred", str(tmp_path / "pred"),
                           "--gt", str(tmp_path / "gt")], cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"vmbench: error: {bad}: not a readable PNG image (corrupt or wrong format)"]
    assert proc.stdout == ""


@pytest.mark.parametrize("suffix", [".json", ".txt", ""])
@pytest.mark.parametrize("writer", ["alpha", "rgb"])
def test_writing_an_image_to_a_non_image_name_is_one_error(tmp_path, suffix, writer):
    """F4: cv2.imwrite raised cv2.error (a traceback from make-dataset --strip r1.json)."""
    target = tmp_path / f"out{suffix}"
    with pytest.raises(InputError) as info:
        if writer == "alpha":
            write_alpha(target, np.zeros((4, 4), np.float32))
        else:
            write_rgb(target, np.zeros((4, 4, 3), np.uint8))
    shown = suffix or "(none)"
    assert str(info.value) == (f"{target}: could not write image (extension {shown!r}; "
                               "use .png, .jpg, .tif, .webp)")
    assert not target.exists()


def test_writer_still_writes_png(tmp_path):
    a = u8(7)
    write_alpha(tmp_path / "a.png", a)
    assert np.array_equal(cv2.imread(str(tmp_path / "a.png"), cv2.IMREAD_GRAYSCALE), a)


def test_make_dataset_strip_onto_json_is_one_line(tmp_path, capsys):
    """F4 through the command line (the tiny preset, about 3 s): one error line, the user's file intact."""
    user_file = tmp_path / "r1.json"
    user_file.write_text('{"keep": 1}')
    err = one_error_line(capsys, ["make-dataset", "--quiet", "--out", str(tmp_path / "md"), "--strip", str(user_file)])
    # refused before the dataset is generated (fixer, F4 for-owner part)
    assert err == f"--strip {user_file}: not an image name (extension '.json'; use .png, .jpg, .tif, .webp)"
    assert user_file.read_text() == '{"keep": 1}' and not (tmp_path / "md").exists()


def _nfc_nfd_trees(tmp_path, clip_name, frame_prefix=""):
    gt_frames = [u8(10), u8(11)]
    write_clip(tmp_path / "gt" / unicodedata.normalize("NFC", clip_name),
               gt_frames, unicodedata.normalize("NFC", frame_prefix) + "{:04d}.png")
    pred_clip = unicodedata.normalize("NFD", clip_name) if not frame_prefix else unicodedata.normalize("NFC", clip_name)
    write_clip(tmp_path / "pred" / pred_clip, [u8(12), u8(13)], unicodedata.normalize("NFD", frame_prefix) + "{:04d}.png")
    return gt_frames


def test_clip_names_differing_in_unicode_normalisation_are_named(tmp_path, capsys):
    """NFC vs NFD clip names print alike ("expected clipé; found clipé"): the error now says why."""
    _nfc_nfd_trees(tmp_path, "clipé")
    err = one_error_line(capsys, ["eval", "--no-progress", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    assert err.endswith("('clip\\xe9' and 'clipe\\u0301' look alike but differ in Unicode normalisation, "
                        "NFC vs NFD; rename one so the bytes match)")
    assert err.startswith(f"{tmp_path / 'pred'}: matches no ground-truth clip of {tmp_path / 'gt'}")


def test_frame_names_differing_in_unicode_normalisation_are_named(tmp_path, capsys):
    _nfc_nfd_trees(tmp_path, "clip", frame_prefix="é")
    err = one_error_line(capsys, ["eval", "--no-progress", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    assert "2 of 2 prediction frames missing" in err
    assert err.endswith("('\\xe90000' and 'e\\u03010000' look alike but differ in Unicode normalisation, "
                        "NFC vs NFD; rename one so the bytes match)")


def test_plain_unicode_and_spaces_still_score(tmp_path, capsys):
    """Unicode and spaces in dataset, clip and frame names (same normalisation) pair and score: MAD from
    the definition, mean |p-g| of v/255 over each frame, then over frames, x1e3."""
    gt, pred = [u8(20), u8(21)], [u8(22), u8(23)]
    write_clip(tmp_path / "g t" / "dé mo" / "clip ü 1" / "pha", gt, "{:04d} é.png")
    write_clip(tmp_path / "p r" / "dé mo" / "clip ü 1" / "pha", pred, "{:04d} é.png")
    out = tmp_path / "ü out.json"
    rc = main(["eval", "--no-progress", "--quiet", "--metrics", "MAD", "--pred", str(tmp_path / "p r"),
               "--gt", str(tmp_path / "g t"), "--json", str(out)])
    capsys.readouterr()
    assert rc == 0
    expected = np.mean([np.mean(np.abs(p.astype(np.float32) / np.float32(255) - g.astype(np.float32) / np.float32(255)))
                        for p, g in zip(pred, gt)]) * 1e3
    assert json.loads(out.read_text())["summary"]["MAD"] == pytest.approx(expected, rel=1e-6)


def _float_tree(tmp_path, frames, ext):
    gt = [u8(30 + t) for t in range(len(frames))]
    write_clip(tmp_path / "gt" / "c0", gt)
    pred = tmp_path / "pred" / "c0"
    pred.mkdir(parents=True)
    if ext == ".npy":
        np.save(pred.parent / "c0.npy", np.stack(frames).astype(np.float32))
        shutil_rmtree(pred)
        return gt, pred.parent / "c0.npy"
    for t, f in enumerate(frames):
        assert cv2.imwrite(str(pred / f"{t:04d}{ext}"), f.astype(np.float32))
    return gt, pred / f"0000{ext}"


def shutil_rmtree(path):
    import shutil

    shutil.rmtree(path)


@pytest.mark.parametrize("ext", [".tif", ".npy"])
def test_float_matte_on_the_0_255_scale_is_refused(tmp_path, capsys, ext):
    """A float32 matte saved as 0..255 was clipped to [0, 1] with a note and scored (MAD ~500): a number
    from misread data. Now refused, naming the first file and its range."""
    frames = [np.random.default_rng(t).random((H, W)).astype(np.float32) * 250 + 3 for t in range(2)]
    _, first = _float_tree(tmp_path, frames, ext)
    err = one_error_line(capsys, ["eval", "--no-progress", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    where = f"{first}[0]" if ext == ".npy" else str(first)
    lo, hi = float(frames[0].min()), float(frames[0].max())
    assert err == (f"{where}: float alpha values in [{lo:.6g}, {hi:.6g}]; vmbench reads float alphas in [0, 1] and "
                   "clipping this to them would misread it (a 0..255 matte stored as float? divide it by 255)")


def test_float_overshoot_up_to_2_is_still_clipped_and_scored(tmp_path, capsys):
    """The limit is 2: a network's overshoot (here up to exactly 2.0 and down to -0.5) is clipped, noted and
    scored; MAD from the definition on the clipped, 8-bit quantised (rint(x*255)) frames."""
    frames = [np.random.default_rng(40 + t).random((H, W)).astype(np.float32) * 2.5 - 0.5 for t in range(2)]
    frames[0][0, 0], frames[1][0, 0] = 2.0, -0.5
    gt, _ = _float_tree(tmp_path, frames, ".tif")
    out = tmp_path / "r.json"
    rc = main(["eval", "--no-progress", "--metrics", "MAD", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt"),
               "--json", str(out)])
    captured = capsys.readouterr()
    assert rc == 0 and "float values outside [0, 1] clipped to [0, 1]" in captured.out
    q = [np.clip(np.rint(np.clip(f, 0, 1) * np.float32(255)), 0, 255).astype(np.uint8) for f in frames]
    expected = np.mean([np.mean(np.abs(a.astype(np.float64) - b.astype(np.float64)) / 255) for a, b in zip(q, gt)]) * 1e3
    assert json.loads(out.read_text())["summary"]["MAD"] == pytest.approx(expected, rel=1e-6)


def _odd_entry(kind, path: Path):
    if kind == "broken-link":
        path.symlink_to(path.parent / "gone" / "x.png")
        return f"a broken symbolic link (to {path.parent / 'gone' / 'x.png'}, which does not exist)"
    if kind == "link-loop":
        path.symlink_to(path)
        return f"a broken symbolic link (to {path}, which does not exist)"
    if kind == "fifo":
        os.mkfifo(path)
        return "a FIFO, socket or device"
    if kind == "dev-zero":
        path.symlink_to("/dev/zero")
        return "a FIFO, socket or device"
    path.mkdir()
    return "a folder"


@pytest.mark.parametrize("kind", ["broken-link", "link-loop", "fifo", "dev-zero", "folder"])
def test_an_image_name_that_is_not_a_file_is_named(tmp_path, capsys, kind):
    """0003.png as a broken link, a FIFO (would block a reader), /dev/zero (never ends) or a folder was
    skipped unread, and the error said "1 of 3 prediction frames missing" while `ls` shows it."""
    write_clip(tmp_path / "gt" / "c0", [u8(50), u8(51), u8(52)])
    write_clip(tmp_path / "pred" / "c0", [u8(53), u8(54)])
    odd = tmp_path / "pred" / "c0" / "0002.png"
    what = _odd_entry(kind, odd)
    err = one_error_line(capsys, ["eval", "--no-progress", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    assert err == f"{odd}: {what}; a frame must be an image file"


@pytest.mark.parametrize("kind", ["broken-link", "fifo", "dev-zero"])
@pytest.mark.parametrize("name", ["pha.mp4", "pha.npy"])
def test_a_clip_file_that_is_not_a_file_is_named(tmp_path, capsys, kind, name):
    """<clip>/pha.mp4 as a FIFO, a link to /dev/zero or a broken link was ignored and the clip reported
    missing; the FIFO must not be opened (the decoder would block)."""
    write_clip(tmp_path / "gt" / "c0", [u8(60), u8(61)])
    (tmp_path / "pred" / "c0").mkdir(parents=True)
    odd = tmp_path / "pred" / "c0" / name
    what = _odd_entry(kind, odd)
    err = one_error_line(capsys, ["eval", "--no-progress", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    assert err == f"{odd}: {what}; a video or stack must be a regular file"


def _flip_crc(data: bytes, kind: bytes) -> bytes:
    """`data` with one bit of `kind`'s CRC flipped (the chunk itself intact)."""
    import struct

    out = bytearray(data)
    at = out.find(kind)
    (length,) = struct.unpack(">I", out[at - 4 : at])
    out[at + 4 + length] ^= 1
    return bytes(out)


@pytest.mark.parametrize("kind", [b"IHDR", b"IDAT"])
def test_png_with_a_bad_critical_crc_is_one_line_and_no_libpng_line(tmp_path, capfd, kind):
    """libpng printed "libpng error: IDAT: CRC error" on stderr before vmbench's line (OpenCV's log
    level does not cover libpng). cv2.imread, the reference's reader, refuses these files too."""
    gt = [u8(70), u8(71)]
    write_clip(tmp_path / "gt" / "c0", gt)
    write_clip(tmp_path / "pred" / "c0", [u8(72), u8(73)])
    bad = tmp_path / "pred" / "c0" / "0001.png"
    bad.write_bytes(_flip_crc(bad.read_bytes(), kind))
    assert cv2.imread(str(bad), cv2.IMREAD_GRAYSCALE) is None
    capfd.readouterr()
    rc = main(["eval", "--no-progress", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    captured = capfd.readouterr()
    assert rc == 2 and captured.out == ""
    assert captured.err.splitlines() == [f"vmbench: error: {bad}: not a readable PNG image (corrupt or wrong format: "
                                         f"CRC error in chunk {kind.decode()!r})"]


def test_png_with_a_bad_iend_crc_reads_as_cv2_imread_does(tmp_path):
    """OpenCV ignores IEND's CRC and returns the image; vmbench must read the same bytes, not refuse."""
    from vmbench.io.frames import read_alpha_u8

    a = u8(74)
    path = tmp_path / "a.png"
    assert cv2.imwrite(str(path), a)
    path.write_bytes(_flip_crc(path.read_bytes(), b"IEND"))
    ref = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    assert ref is not None and np.array_equal(ref, a)
    assert np.array_equal(read_alpha_u8(path), ref)
