"""The written dataset: layout, guidance values, captions, determinism, refusal to overwrite."""

import hashlib
import json
import os

import cv2
import numpy as np
import pytest
from scipy import ndimage

from vmbench.cli import main
from vmbench.errors import InputError
from vmbench.io.frames import read_alpha_u8, read_rgb
from vmbench.synth import content_hash, ensure_dataset, generate_clip, make_dataset
from vmbench.synth.dataset import PRESETS, preset_clips

KINDS = ["trimap", "first_mask", "mask_down8", "mask_down32", "mask_poly", "mask_dilate", "mask_erode"]


def _manifest(root):
    return json.loads((root / "manifest.json").read_text())


def _all_files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _sha(root):
    h = hashlib.sha256()
    for rel in sorted((r for r in _all_files(root) if r != "manifest.json"), key=lambda r: r.encode()):
        data = (root / rel).read_bytes()
        h.update(f"{rel}\n{len(data)}\n".encode())
        h.update(data)
    return h.hexdigest()


def test_manifest_and_layout(tiny_root):
    m = _manifest(tiny_root)
    assert m["preset"] == "tiny" and m["seed"] == 0 and m["generator_version"]
    assert m["content_hash"] == _sha(tiny_root)
    assert len(m["clips"]) == 4 and {c["dataset"] for c in m["clips"]} == {"single", "multi"}
    for c in m["clips"]:
        assert (c["frames"], c["height"], c["width"]) == (8, 72, 128)
        assert 1 <= len(c["instances"]) <= 5
        plain = tiny_root / "plain" / c["dataset"] / c["clip"]
        inst = tiny_root / "instance" / c["dataset"] / c["clip"]
        names = [f"{t:04d}.png" for t in range(c["frames"])]
        for sub in ("com", "pha", "fgr"):
            assert sorted(p.name for p in (plain / sub).iterdir()) == names
        assert sorted(p.name for p in (inst / "com").iterdir()) == names
        for n in names:
            assert (plain / "com" / n).read_bytes() == (inst / "com" / n).read_bytes()
        assert sorted(p.name for p in (inst / "pha").iterdir()) == sorted(r["id"] for r in c["instances"])
        for guid in [plain / "guidance"] + [inst / "guidance" / r["id"] for r in c["instances"]]:
            assert sorted(p.name for p in guid.iterdir()) == sorted(KINDS)
            for k in KINDS:
                want = ["0000.png"] if k == "first_mask" else names
                assert sorted(p.name for p in (guid / k).iterdir()) == want
        for r in c["instances"]:
            assert {"colour", "shape", "size", "motion"} <= set(r["attributes"])
            assert r["captions"]


def test_union_and_instance_alphas_on_disk(tiny_root):
    for c in _manifest(tiny_root)["clips"]:
        plain = tiny_root / "plain" / c["dataset"] / c["clip"]
        inst = tiny_root / "instance" / c["dataset"] / c["clip"]
        n = len(c["instances"])
        for t in range(c["frames"]):
            name = f"{t:04d}.png"
            pha = read_alpha_u8(plain / "pha" / name).astype(int)
            parts = np.stack([read_alpha_u8(inst / "pha" / r["id"] / name) for r in c["instances"]]).astype(int)
            # each 8-bit value is within 0.5 of the exact one, the exact ones sum to the union
            assert np.abs(parts.sum(axis=0) - pha).max() <= (n + 1) // 2
            assert parts.sum(axis=0).max() <= 255 + (n + 1) // 2
            com = read_rgb(plain / "com" / name).astype(int)
            fgr = read_rgb(plain / "fgr" / name).astype(int)
            full = pha == 255  # I = u F + (1 - u) B with u >= 254.5/255
            assert np.abs(com[full] - fgr[full]).max(initial=0) <= 2


def test_saved_composite_matches_independent_compositing(tiny_root):
    item = preset_clips("tiny", 0)[2]  # multi000
    clip = generate_clip(item["rng"], height=item["height"], width=item["width"], frames=item["frames"],
                         style=item["style"], keep_layers=True)
    a = clip.layer_alpha.astype(np.float64)[..., None]
    acc = clip.background.astype(np.float64) / 255.0
    for i in range(a.shape[0] - 1, -1, -1):
        acc = a[i] * clip.layer_colour[i] + (1 - a[i]) * acc
    plain = tiny_root / "plain" / item["dataset"] / item["clip"]
    inst = tiny_root / "instance" / item["dataset"] / item["clip"]
    for t in range(item["frames"]):
        com = read_rgb(plain / "com" / f"{t:04d}.png").astype(np.float64)
        assert np.abs(com - 255 * acc[t]).max() <= 1.0 + 1e-3
        for i, r in enumerate(clip.instances):
            saved = read_alpha_u8(inst / "pha" / r["id"] / f"{t:04d}.png").astype(np.float64)
            assert np.abs(saved - 255 * clip.alphas[i, t]).max() <= 0.5 + 1e-3


def test_guidance_values(tiny_root):
    r = max(2, round(72 / 48))
    for c in _manifest(tiny_root)["clips"]:
        plain = tiny_root / "plain" / c["dataset"] / c["clip"]
        inst = tiny_root / "instance" / c["dataset"] / c["clip"]
        tracks = [(plain / "pha", plain / "guidance")] + [
            (inst / "pha" / x["id"], inst / "guidance" / x["id"]) for x in c["instances"]]
        for pha_dir, gdir in tracks:
            for t in range(c["frames"]):
                name = f"{t:04d}.png"
                a = read_alpha_u8(pha_dir / name)
                tri = read_alpha_u8(gdir / "trimap" / name)
                assert set(np.unique(tri)) <= {0, 128, 255}
                assert np.all(a[tri == 255] == 255) and np.all(a[tri == 0] == 0)
                assert np.all(tri[(a > 0) & (a < 255)] == 128)
                dist = ndimage.distance_transform_edt(a == 0)
                assert np.all(tri[dist > r + 1] == 0)
                assert np.all(tri[(a == 0) & (dist <= 1)] == 128)
                mask = a >= 128
                for k in ("mask_down8", "mask_down32", "mask_poly", "mask_dilate", "mask_erode"):
                    assert set(np.unique(read_alpha_u8(gdir / k / name))) <= {0, 255}
                dil = read_alpha_u8(gdir / "mask_dilate" / name) == 255
                ero = read_alpha_u8(gdir / "mask_erode" / name) == 255
                assert np.all(dil[mask]) and not np.any(ero[~mask])
                if t == 0:
                    first = read_alpha_u8(gdir / "first_mask" / name)
                    assert np.array_equal(first == 255, mask) and set(np.unique(first)) <= {0, 255}


def test_captions_unambiguous(tiny_root):
    m = _manifest(tiny_root)
    for dataset in ("single", "multi"):
        meta = json.loads((tiny_root / "instance" / dataset / "meta_expressions.json").read_text())
        clips = [c for c in m["clips"] if c["dataset"] == dataset]
        assert sorted(meta["videos"]) == sorted(c["clip"] for c in clips)
        for c in clips:
            video = meta["videos"][c["clip"]]
            assert video["frames"] == [f"{t:04d}" for t in range(c["frames"])]
            texts = [e["exp"] for e in video["expressions"].values()]
            assert len(texts) == len(set(texts))
            attrs = {r["id"]: r["attributes"] for r in c["instances"]}
            for e in video["expressions"].values():
                assert e["obj_id"] == e["anno_id"] and len(e["obj_id"]) == 1
                own = attrs[e["obj_id"][0]]
                said = _mentioned(e["exp"], own)
                assert said, e["exp"]
                for oid, other in attrs.items():
                    if oid != e["obj_id"][0]:  # some named attribute must rule the other out
                        assert any(other[k] != v for k, v in said.items()), (e["exp"], other)


def _mentioned(text, attrs):
    """Attributes a caption names, read from its words (independent of the generator's templates)."""
    words = text.split()
    said = {}
    for key in ("colour", "shape", "size"):
        if attrs[key] in words:
            said[key] = attrs[key]
    if "moving" in words:
        said["motion"] = words[words.index("moving") + 1]
    if "still" in words:
        said["motion"] = "still"
    if "starts" in words:
        said["start"] = words[-1]
    if "hairy" in words:
        said["hairy"] = True
    if "see-through" in words:
        said["translucent"] = True
    for k, v in said.items():
        assert attrs[k] == v, (text, k)
    return said


def test_determinism_byte_identical(tiny_root, tmp_path):
    again = make_dataset(tmp_path / "again", preset="tiny", seed=0)
    files = _all_files(tiny_root)
    assert files == _all_files(again)
    for rel in files:
        assert (tiny_root / rel).read_bytes() == (again / rel).read_bytes(), rel
    assert content_hash(again) == _manifest(tiny_root)["content_hash"]


def test_other_seed_differs(tiny_root, tmp_path):
    other = make_dataset(tmp_path / "s1", preset="tiny", seed=1)
    assert _manifest(other)["content_hash"] != _manifest(tiny_root)["content_hash"]


def test_refuses_non_empty_out(tmp_path):
    out = tmp_path / "ds"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty"):
        make_dataset(out, preset="tiny")
    with pytest.raises(InputError, match="did not write"):
        make_dataset(out, preset="tiny", overwrite=True)
    assert (out / "notes.txt").read_text() == "mine"


def test_overwrite_replaces_previous_dataset(tmp_path, capsys):
    out = tmp_path / "ds"
    assert main(["make-dataset", "--preset", "tiny", "--out", str(out), "--seed", "3", "--quiet"]) == 0
    assert "4 clips" in capsys.readouterr().out
    assert main(["make-dataset", "--preset", "tiny", "--out", str(out), "--quiet"]) == 2
    assert "not empty" in capsys.readouterr().err
    strip = tmp_path / "strip.png"
    assert main(["make-dataset", "--preset", "tiny", "--out", str(out), "--seed", "4", "--overwrite",
                 "--quiet", "--strip", str(strip)]) == 0
    assert _manifest(out)["seed"] == 4
    img = cv2.imread(str(strip))
    assert img is not None and img.shape[0] > 72 and img.shape[1] > 3 * 128
    assert main(["make-dataset", "--preset", "nope", "--out", str(tmp_path / "x")]) == 2


def test_ensure_dataset_caches(tmp_path):
    root = ensure_dataset("tiny", seed=2, cache_dir=tmp_path)
    assert root.name.startswith("tiny-s2-v") and _manifest(root)["seed"] == 2
    stamp = os.stat(root / "manifest.json").st_mtime_ns
    assert ensure_dataset("tiny", seed=2, cache_dir=tmp_path) == root
    assert os.stat(root / "manifest.json").st_mtime_ns == stamp  # reused, not rewritten
    m = _manifest(root)
    m["generator_version"] = "0"
    (root / "manifest.json").write_text(json.dumps(m))
    assert ensure_dataset("tiny", seed=2, cache_dir=tmp_path) == root
    assert _manifest(root)["generator_version"] != "0"  # regenerated
    assert [p.name for p in tmp_path.iterdir()] == [root.name]  # no temp folders left


def test_presets_documented_sizes():
    assert PRESETS["standard"].frames >= 60 and (PRESETS["standard"].height, PRESETS["standard"].width) == (288, 512)
    assert sum(g[2] for g in PRESETS["standard"].groups) >= 40
    assert (PRESETS["standard-hd"].height, PRESETS["standard-hd"].width) == (1080, 1920)


@pytest.mark.parametrize("seed", [0, 1])
def test_guidance_morphology_matches_full_frame_scipy(seed):
    """The boxed OpenCV morphology equals full-frame scipy grey morphology (replicated border)."""
    from vmbench.synth.guidance import all_guidance

    rng = np.random.default_rng(seed)
    a = np.zeros((60, 90), np.uint8)
    a[10:30, 5:40] = 255
    a[8:12, 50:89] = rng.integers(1, 255, size=(4, 39))  # touches the right border
    a[40:59, 60:70] = 200
    r = 3
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)).astype(bool)
    g = all_guidance(a, first=True, r=r)
    mask = np.where(a >= 128, 255, 0).astype(np.uint8)
    assert np.array_equal(g["mask_dilate"], ndimage.grey_dilation(mask, footprint=k, mode="nearest"))
    assert np.array_equal(g["mask_erode"], ndimage.grey_erosion(mask, footprint=k, mode="nearest"))
    fg = ndimage.grey_erosion((a == 255).astype(np.uint8), footprint=k, mode="nearest") == 1
    reach = ndimage.grey_dilation((a > 0).astype(np.uint8), footprint=k, mode="nearest") == 1
    want = np.where(fg, 255, np.where(reach, 128, 0))
    assert np.array_equal(g["trimap"], want)
    assert np.array_equal(g["first_mask"], mask)
    empty = all_guidance(np.zeros((20, 30), np.uint8), first=False, r=2)
    assert all(not v.any() for v in empty.values()) and "first_mask" not in empty


def test_parallel_workers_write_identical_files(tiny_root, tmp_path):
    par = make_dataset(tmp_path / "par", preset="tiny", seed=0, workers=2)
    assert _manifest(par) == _manifest(tiny_root)
