"""Hostile inputs for the frame sources and layouts, through `vmbench eval` as a user runs it.

Each case asserts the exact class of answer: the one error line (exit 2, no traceback), or the
note and the number, the number computed here with plain NumPy from the definition.
"""

import json
import struct
import zlib

import av
import cv2
import numpy as np
import pytest

from vmbench.cli import main

H, W = 12, 20


def u8(seed, size=(H, W)):
    return (np.random.default_rng(seed).random(size) * 255).astype(np.uint8)


def mad(p, g):
    """MAD x1e3 of one frame, both uint8 read as v/255 in float32 (the reference's reading)."""
    p = np.asarray(p).astype(np.float32) / np.float32(255) if np.asarray(p).dtype == np.uint8 else np.asarray(p, np.float32)
    g = np.asarray(g).astype(np.float32) / np.float32(255)
    return float(np.mean(np.abs(p.astype(np.float64) - g))) * 1e3


def clip(folder, frames, name="{:04d}.png"):
    folder.mkdir(parents=True, exist_ok=True)
    for t, f in enumerate(frames):
        assert cv2.imwrite(str(folder / name.format(t)), f)


def run(tmp_path, capsys, pred, gt, *extra):
    out = tmp_path / "result.json"
    rc = main(["eval", "--no-progress", "--workers", "1", "--pred", str(pred), "--gt", str(gt),
               "--metrics", "MAD,dtSSD", "--json", str(out), *map(str, extra)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    summary = json.loads(out.read_text())["summary"] if rc == 0 else None
    notes = [line[6:] for line in captured.out.splitlines() if line.startswith("note: ")]
    return rc, summary, notes, captured.err.strip()


def error_of(tmp_path, capsys, pred, gt, *extra):
    rc, _, _, err = run(tmp_path, capsys, pred, gt, *extra)
    assert rc == 2 and err.startswith("vmbench: error: ") and "\n" not in err
    return err[len("vmbench: error: "):]


def gt_tree(tmp_path, clips=("c0",), frames=3):
    gts = {}
    for k, c in enumerate(clips):
        gts[c] = [u8(100 + 10 * k + t) for t in range(frames)]
        clip(tmp_path / "gt" / "ds" / c / "pha", gts[c])
    return gts


def write_mp4(path, frames, codec="libx264rgb", pix_fmt="rgb24"):
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        s = out.add_stream(codec, rate=25)
        s.width, s.height, s.pix_fmt = frames[0].shape[1], frames[0].shape[0], pix_fmt
        s.options = {"qp": "0"} if codec == "libx264rgb" else {}
        for f in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(np.dstack([f] * 3), format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)


# --- values almost right -------------------------------------------------------------------------

def test_mask_saved_as_0_1_is_scored_as_read_and_named(tmp_path, capsys):
    gts = gt_tree(tmp_path)
    preds = [(g > 127).astype(np.uint8) for g in gts["c0"]]
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", preds)
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert rc == 0
    assert summary["MAD"] == pytest.approx(np.mean([mad(p, g) for p, g in zip(preds, gts["c0"])]), rel=1e-9)
    assert any(n.startswith("3 file(s) values only 0 and 1 (a mask saved as 0/1?)") for n in notes)


def test_rgba_with_black_rgb_reads_alpha(tmp_path, capsys):
    gts = gt_tree(tmp_path)
    preds = [u8(7 + t) for t in range(3)]
    rgba = [np.dstack([np.zeros_like(p)] * 3 + [p]) for p in preds]
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", rgba)
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(p, g) for p, g in zip(preds, gts["c0"])]), rel=1e-9)
    assert any("RGBA with black RGB, read from the A channel" in n and "all-zero matte" in n for n in notes)


def test_rgba_with_colour_reads_luma_as_the_reference(tmp_path, capsys):
    gts = gt_tree(tmp_path)
    rgba = [np.dstack([u8(1 + t), u8(2 + t), u8(3 + t), u8(4 + t)]) for t in range(3)]
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", rgba)
    luma = [cv2.imread(str(tmp_path / "pred" / "ds" / "c0" / "pha" / f"{t:04d}.png"), cv2.IMREAD_GRAYSCALE) for t in range(3)]
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(p, g) for p, g in zip(luma, gts["c0"])]), rel=1e-9)
    assert any("RGBA, read as the luma of RGB (the A channel is ignored, as the reference does)" in n for n in notes)


def test_16bit_prediction_reduced_as_cv2(tmp_path, capsys):
    gts = gt_tree(tmp_path)
    preds = [(u8(30 + t).astype(np.uint16) * 257 + 100).astype(np.uint16) for t in range(3)]
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", preds)
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert rc == 0
    assert summary["MAD"] == pytest.approx(np.mean([mad((p >> 8).astype(np.uint8), g) for p, g in zip(preds, gts["c0"])]), rel=1e-9)
    assert any("16-bit, reduced to 8 bits" in n for n in notes)


def test_16bit_under_float_precision(tmp_path, capsys):
    gts = gt_tree(tmp_path)
    preds = [(u8(30 + t).astype(np.uint16) * 257 + 100).astype(np.uint16) for t in range(3)]
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", preds)
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt", "--precision", "float")
    exact = [p.astype(np.float32) / np.float32(65535) for p in preds]
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(p, g) for p, g in zip(exact, gts["c0"])]), rel=1e-9)
    assert "precision float: float frames scored at full precision, not quantised to 8 bits" in notes


def _with_exif(png: bytes, orientation: int) -> bytes:
    exif = b"MM\x00\x2a" + struct.pack(">IH", 8, 1) + struct.pack(">HHII", 0x0112, 3, 1, orientation << 16) + b"\0\0\0\0"
    chunk = struct.pack(">I", len(exif)) + b"eXIf" + exif + struct.pack(">I", zlib.crc32(b"eXIf" + exif))
    return png[:33] + chunk + png[33:]


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_matches_cv2_imread(tmp_path, capsys, orientation):
    stored = [u8(50 + t, (W, H)) for t in range(3)] if orientation in (6, 8) else [u8(50 + t) for t in range(3)]
    folder = tmp_path / "pred" / "ds" / "c0" / "pha"
    folder.mkdir(parents=True)
    upright = []
    for t, s in enumerate(stored):
        path = folder / f"{t:04d}.png"
        path.write_bytes(_with_exif(cv2.imencode(".png", s)[1].tobytes(), orientation))
        upright.append(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE))  # the reference's reading
    assert upright[0].shape == (H, W)
    gts = gt_tree(tmp_path)
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(p, g) for p, g in zip(upright, gts["c0"])]), rel=1e-9)
    assert any(f"eXIf orientation {orientation}, turned upright as cv2.imread does" in n for n in notes)


def test_trimap_127_band_and_jpeg_trimap(tmp_path, capsys):
    g = u8(60)
    p = u8(61)
    clip(tmp_path / "gt", [g])
    clip(tmp_path / "pred", [p])
    tri = np.full((H, W), 127, np.uint8)
    tri[:3] = 0
    tri[-3:] = 255
    clip(tmp_path / "tri", [tri])
    rc = main(["eval", "--no-progress", "--workers", "1", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt"),
               "--protocol", "dim", "--metrics", "SAD", "--trimap", str(tmp_path / "tri"), "--json", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    assert rc == 0 and "trimap values other than 0/128/255 (a 127 band, JPEG?)" in out
    unknown = (tri > 63) & (tri < 192)
    sad = np.abs(p.astype(np.float64) / 255 - g.astype(np.float64) / 255)[unknown].sum() / 1e3
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["SAD"] == pytest.approx(sad, rel=1e-6)


# --- frame order ---------------------------------------------------------------------------------

def test_unpadded_names_keep_numeric_order_with_a_note(tmp_path, capsys):
    gts = [u8(70 + t) for t in range(12)]
    preds = [u8(90 + t) for t in range(12)]
    clip(tmp_path / "gt", gts, name="{}.png")
    clip(tmp_path / "pred", preds, name="{}.png")
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    f = [x.astype(np.float64) / 255 for x in preds]
    gg = [x.astype(np.float64) / 255 for x in gts]
    dts = [0.0] + [np.sqrt(np.mean(((f[t] - f[t - 1]) - (gg[t] - gg[t - 1])) ** 2)) * 1e2 for t in range(1, 12)]
    assert rc == 0 and summary["dtSSD"] == pytest.approx(np.mean(dts), rel=1e-6)
    assert any("frame names are not zero-padded; scored in numeric order (0.png, 1.png, 2.png, ...) where the "
               "reference's sorted() reads 0.png, 1.png, 10.png, ..., so its dtSSD would differ" in n for n in notes)


# --- layouts almost right ------------------------------------------------------------------------

def test_stray_image_at_gt_root_is_refused(tmp_path, capsys):
    gt_tree(tmp_path)
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", [u8(t) for t in range(3)])
    cv2.imwrite(str(tmp_path / "gt" / "preview.png"), u8(0))
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err == (f"{tmp_path / 'gt'}: holds frames of its own (preview.png) and clip folders (ds); is it one clip or "
                   "a tree of clips? move the stray images out (or point at one clip)")


def test_stray_image_at_pred_root_is_ignored_with_a_note(tmp_path, capsys):
    gts = gt_tree(tmp_path)
    preds = [u8(t) for t in range(3)]
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", preds)
    cv2.imwrite(str(tmp_path / "pred" / "preview.png"), u8(0))
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(p, g) for p, g in zip(preds, gts["c0"])]), rel=1e-9)
    assert any("1 stray image(s) at the prediction root ignored (preview.png)" in n for n in notes)


def test_clip_with_pha_and_loose_frames_is_refused(tmp_path, capsys):
    gt_tree(tmp_path)
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", [u8(t) for t in range(3)])
    clip(tmp_path / "pred" / "ds" / "c0", [u8(t) for t in range(3)])
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err == (f"{tmp_path / 'pred' / 'ds' / 'c0'}: holds pha/ (3 frames) and 3 loose frames (0000.png, ...); "
                   "keep one (vmbench will not guess which is the matte)")


def test_clip_with_pha_folder_and_pha_mp4_is_refused(tmp_path, capsys):
    gt_tree(tmp_path)
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", [u8(t) for t in range(3)])
    write_mp4(tmp_path / "pred" / "ds" / "c0" / "pha.mp4", [u8(t) for t in range(3)])
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err.endswith("holds pha/ (3 frames) and pha.mp4; keep one (vmbench will not guess which is the matte)")


def test_alpha_folder_is_read_as_pha_with_a_note(tmp_path, capsys):
    gts = gt_tree(tmp_path)
    preds = [u8(t) for t in range(3)]
    clip(tmp_path / "pred" / "ds" / "c0" / "alpha", preds)
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(p, g) for p, g in zip(preds, gts["c0"])]), rel=1e-9)
    assert any("read as the clip's alpha folder (the layouts name it pha/)" in n for n in notes)


def test_clip_missing_from_prediction(tmp_path, capsys):
    gt_tree(tmp_path, clips=("c0", "c1", "c2"))
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", [u8(t) for t in range(3)])
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err == (f"{tmp_path / 'pred' / 'ds' / 'c1'}: missing prediction clip (ground truth {tmp_path / 'gt' / 'ds' / 'c1'}); "
                   "2 of 3 ground-truth clips have no prediction: ds/c1, ds/c2")


def test_prediction_clip_without_ground_truth(tmp_path, capsys):
    gt_tree(tmp_path)
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", [u8(t) for t in range(3)])
    write_mp4(tmp_path / "pred" / "ds" / "extra.mp4", [u8(t) for t in range(3)])
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err == (f"{tmp_path / 'pred' / 'ds' / 'extra'}: prediction clip has no ground truth (1 such clip(s): ds/extra); "
                   "it would silently drop out of the mean")


def test_frame_names_that_do_not_pair(tmp_path, capsys):
    clip(tmp_path / "gt", [u8(t) for t in range(8)], name="{:05d}.png")
    clip(tmp_path / "pred", [u8(t) for t in range(8)], name="{:04d}.png")
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err == (f"{tmp_path / 'pred'}: 8 of 8 prediction frames missing; the ground truth has 00000.png, 00001.png, "
                   "00002.png ... (8 in all), the prediction has 0000.png, 0001.png, 0002.png ... (8 in all); "
                   "frames pair by equal file stem (the name without its extension)")


def test_dataset_root_as_gt_reads_plain_with_a_note(tmp_path, capsys):
    root = tmp_path / "bench"
    g = [u8(t) for t in range(3)]
    p = [u8(20 + t) for t in range(3)]
    clip(root / "plain" / "ds" / "c0" / "pha", g)
    (root / "instance").mkdir()
    (root / "manifest.json").write_text("{}")
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", p)
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", root)
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(a, b) for a, b in zip(p, g)]), rel=1e-9)
    assert any("a vmbench dataset root (manifest.json); read its plain/ subtree" in n for n in notes)


def test_folder_of_unread_kinds_names_them(tmp_path, capsys):
    gt_tree(tmp_path)
    folder = tmp_path / "pred" / "ds" / "c0" / "pha"
    folder.mkdir(parents=True)
    for t in range(3):
        (folder / f"{t:04d}.gif").write_bytes(b"GIF89a")
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err == (f"{folder}: prediction has no frames (expected 3); found only .gif files, which vmbench does not read as frames")


# --- broken files --------------------------------------------------------------------------------

def test_corrupt_video_is_one_line(tmp_path, capsys):
    gt_tree(tmp_path)
    bad = tmp_path / "pred" / "ds" / "c0" / "pha.mp4"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"not a video at all" * 50)
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err.startswith(f"{bad}: not a readable video file (")


def test_truncated_video_is_one_line(tmp_path, capsys):
    gt_tree(tmp_path, frames=30)
    good = tmp_path / "good.mp4"
    write_mp4(good, [u8(t, (64, 64)) for t in range(30)], "libx264", "yuv420p")
    cut = tmp_path / "pred" / "ds" / "c0" / "pha.mp4"
    cut.parent.mkdir(parents=True)
    cut.write_bytes(good.read_bytes()[: good.stat().st_size * 2 // 3])
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err.startswith(f"{cut}: ")


def test_video_with_fewer_frames(tmp_path, capsys):
    gt_tree(tmp_path, frames=4)
    write_mp4(tmp_path / "pred" / "ds" / "c0" / "pha.mp4", [u8(t) for t in range(3)])
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err == (f"{tmp_path / 'pred' / 'ds' / 'c0' / 'pha.mp4'}: 3 prediction frames, the ground truth "
                   f"{tmp_path / 'gt' / 'ds' / 'c0' / 'pha'} has 4 (a video or a NumPy stack pairs with the ground truth "
                   "frame by frame, in order)")


def test_video_of_another_size(tmp_path, capsys):
    gt_tree(tmp_path)
    write_mp4(tmp_path / "pred" / "ds" / "c0" / "pha.mp4", [u8(t, (H + 2, W)) for t in range(3)])
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err.startswith(f"{tmp_path / 'pred' / 'ds' / 'c0' / 'pha.mp4'} frame 0: size 20x14 does not match the ground truth")


def test_nan_in_float_tiff_is_refused(tmp_path, capsys):
    gt_tree(tmp_path)
    x = [np.random.default_rng(t).random((H, W)).astype(np.float32) for t in range(3)]
    x[1][2, 3] = np.nan
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", x, name="{:04d}.tif")
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err == f"{tmp_path / 'pred' / 'ds' / 'c0' / 'pha' / '0001.tif'}: NaN or infinite alpha values; vmbench cannot score them"


def test_float_tiff_out_of_range_is_clipped_with_a_note(tmp_path, capsys):
    gts = gt_tree(tmp_path)
    x = [np.random.default_rng(t).random((H, W)).astype(np.float32) * 1.2 - 0.1 for t in range(3)]
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", x, name="{:04d}.tif")
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt", "--precision", "float")
    clipped = [np.clip(a, 0, 1) for a in x]
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(a, g) for a, g in zip(clipped, gts["c0"])]), rel=1e-6)
    assert any("float values outside [0, 1] clipped to [0, 1]" in n for n in notes)


def test_empty_frame_file(tmp_path, capsys):
    gt_tree(tmp_path)
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", [u8(t) for t in range(3)])
    (tmp_path / "pred" / "ds" / "c0" / "pha" / "0002.png").write_bytes(b"")
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err == f"{tmp_path / 'pred' / 'ds' / 'c0' / 'pha' / '0002.png'}: file is empty"


def test_npz_with_two_arrays(tmp_path, capsys):
    gt_tree(tmp_path)
    (tmp_path / "pred" / "ds" / "c0").mkdir(parents=True)
    np.savez(tmp_path / "pred" / "ds" / "c0" / "pha.npz", a=np.zeros((3, H, W), np.uint8), b=np.zeros((3, H, W), np.uint8))
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err.endswith("pha.npz: holds arrays ['a', 'b']; expected one array, or one named pha or alpha")


def test_quiet_keeps_the_notes(tmp_path, capsys):
    gt_tree(tmp_path)
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", [np.dstack([u8(t)] * 3) for t in range(3)])
    rc = main(["eval", "--no-progress", "--quiet", "--pred", str(tmp_path / "pred"), "--gt", str(tmp_path / "gt")])
    out = capsys.readouterr().out
    assert rc == 0 and "note: 3 file(s) RGB, read as luma 0.299R+0.587G+0.114B" in out


def _png_with_chunk(png: bytes, kind: bytes, body: bytes) -> bytes:
    chunk = struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return png[:33] + chunk + png[33:]


def test_animated_png_frame_is_refused(tmp_path, capsys):
    gt_tree(tmp_path)
    clip(tmp_path / "pred" / "ds" / "c0" / "pha", [u8(t) for t in range(3)])
    path = tmp_path / "pred" / "ds" / "c0" / "pha" / "0001.png"
    path.write_bytes(_png_with_chunk(path.read_bytes(), b"acTL", struct.pack(">II", 5, 0)))
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err == f"{path}: animated PNG (5 frames); a frame folder holds one frame per file (cv2.imread would read only the first)"


def test_multi_page_tiff_frame_is_refused(tmp_path, capsys):
    gt_tree(tmp_path)
    folder = tmp_path / "pred" / "ds" / "c0" / "pha"
    clip(folder, [u8(t) for t in range(3)], name="{:04d}.tif")
    assert cv2.imwritemulti(str(folder / "0002.tif"), [u8(5), u8(6), u8(7)])
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err.startswith(f"{folder / '0002.tif'}: multi-page TIFF (3 pages); a frame folder holds one frame per file")


def _write_rgba_video(path, rgba_frames, codec, pix_fmt):
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        s = out.add_stream(codec, rate=25)
        s.width, s.height, s.pix_fmt = rgba_frames[0].shape[1], rgba_frames[0].shape[0], pix_fmt
        for f in rgba_frames:
            for p in s.encode(av.VideoFrame.from_ndarray(f, format="rgba")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)


def test_rgba_video_with_black_rgb_reads_alpha(tmp_path, capsys):
    gts = gt_tree(tmp_path)
    preds = [u8(80 + t) for t in range(3)]
    rgba = [np.dstack([np.zeros_like(p)] * 3 + [p]) for p in preds]
    _write_rgba_video(tmp_path / "pred" / "ds" / "c0" / "pha.mov", rgba, "png", "rgba")
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(p, g) for p, g in zip(preds, gts["c0"])]), rel=1e-9)
    assert any(n.endswith("pha.mov: RGBA with black RGB, read from the A channel (the reference reads the luma of RGB "
                          "and would score an all-zero matte)") for n in notes)


def test_rgba_video_with_colour_reads_luma(tmp_path, capsys):
    gts = gt_tree(tmp_path)
    rgba = [np.dstack([u8(1 + t), u8(2 + t), u8(3 + t), u8(4 + t)]) for t in range(3)]
    _write_rgba_video(tmp_path / "pred" / "ds" / "c0" / "pha.mov", rgba, "qtrle", "argb")
    luma = [cv2.cvtColor(np.ascontiguousarray(f[..., :3]), cv2.COLOR_RGB2GRAY) for f in rgba]  # qtrle is lossless
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(p, g) for p, g in zip(luma, gts["c0"])]), rel=1e-9)
    assert any("pha.mov: RGBA, read as the luma of RGB (the A channel is ignored, as the reference does)" in n for n in notes)


def test_matanyone_named_videos_pair_and_fgr_is_not_a_clip(tmp_path, capsys):
    """PRED/<clip>_pha.mp4 beside <clip>_fgr.mp4, as MatAnyone's inference writes them."""
    g = [u8(t) for t in range(3)]
    p = [u8(30 + t) for t in range(3)]
    clip(tmp_path / "gt" / "c0", g)
    write_mp4(tmp_path / "pred" / "c0_pha.mp4", p)
    write_mp4(tmp_path / "pred" / "c0_fgr.mp4", p)
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(a, b) for a, b in zip(p, g)]), rel=1e-9)


def test_video_padded_to_16_by_imageio_is_named(tmp_path, capsys):
    gt_tree(tmp_path)
    write_mp4(tmp_path / "pred" / "ds" / "c0" / "pha.mp4", [u8(t, (16, 32)) for t in range(3)])
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err.endswith("size 32x16 does not match the ground truth "
                        f"{tmp_path / 'gt' / 'ds' / 'c0' / 'pha' / '0000.png'} (20x12); the video was resized to a "
                        "multiple of 16 (imageio's default macro_block_size)")


def test_instance_task_names_its_conversions(tmp_path, capsys):
    """The instance readers convert as the plain task does, and the notes reach the terminal."""
    for inst in ("person0", "person1"):
        clip(tmp_path / "gt" / "clip0" / "pha" / inst, [u8(t + 5 * (inst == "person1")) for t in range(2)])
        clip(tmp_path / "pred" / "clip0" / inst, [np.dstack([u8(t)] * 3) for t in range(2)])
    rc = main(["eval", "--no-progress", "--task", "instance", "--pred", str(tmp_path / "pred"),
               "--gt", str(tmp_path / "gt"), "--quiet"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "note: 4 file(s) RGB, read as luma 0.299R+0.587G+0.114B: 0000.png, " in captured.out


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
def test_integer_stack_in_8bit_range_reads_as_8bit(tmp_path, capsys, dtype):
    gts = gt_tree(tmp_path)
    preds = [u8(40 + t) for t in range(3)]
    (tmp_path / "pred" / "ds" / "c0").mkdir(parents=True)
    np.save(tmp_path / "pred" / "ds" / "c0" / "pha.npy", np.stack(preds).astype(dtype))
    rc, summary, notes, _ = run(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert rc == 0 and summary["MAD"] == pytest.approx(np.mean([mad(p, g) for p, g in zip(preds, gts["c0"])]), rel=1e-9)
    assert any(f"{np.dtype(dtype)} values in 0..255, read as 8-bit" in n for n in notes)


def test_integer_stack_out_of_range_is_refused(tmp_path, capsys):
    gt_tree(tmp_path)
    (tmp_path / "pred" / "ds" / "c0").mkdir(parents=True)
    np.save(tmp_path / "pred" / "ds" / "c0" / "pha.npy", np.full((3, H, W), 1000, np.int64))
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err == (f"{tmp_path / 'pred' / 'ds' / 'c0' / 'pha.npy'}[0]: int64 values in 1000..1000; alphas must be "
                   "0..255 (8-bit), 16-bit or float in [0, 1]")


def test_corrupt_exr_is_one_line(tmp_path, capsys):
    gt_tree(tmp_path)
    folder = tmp_path / "pred" / "ds" / "c0" / "pha"
    folder.mkdir(parents=True)
    for t in range(3):
        (folder / f"{t:04d}.exr").write_bytes(b"v/1\x01 not an exr")
    err = error_of(tmp_path, capsys, tmp_path / "pred", tmp_path / "gt")
    assert err.startswith(f"{folder / '0000.exr'}: not a readable EXR image (")
