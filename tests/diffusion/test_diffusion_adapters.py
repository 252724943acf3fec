"""The VRMDiff, GVM and VideoMaMa adapters end to end on tiny random weights (CPU).

Each weights folder is written with ``save_pretrained`` by tests/diffusion/tiny_models.py and
read back through the adapters' own loading code.
"""

from __future__ import annotations

import shutil

import cv2
import numpy as np
import pytest

pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from baselines.diffusion import GVMAdapter, VideoMaMaAdapter, VRMDiffAdapter  # noqa: E402
from tests.diffusion.tiny_models import (  # noqa: E402
    TINY_SVD_OPTIONS,
    TINY_VRMDIFF_OPTIONS,
    build_vrmdiff,
)
from vmbench.adapters.base import Adapter, ClipInput, Track  # noqa: E402
from vmbench.errors import InputError, VmbenchError  # noqa: E402

pytestmark = pytest.mark.diffusion

CAPTION = "the red star moving left"


def _clip(tiny_dirs, name="clip9", caption=CAPTION, masks=True):
    frames, mask_files = tiny_dirs(name)
    return ClipInput(name=name, frames=frames, masks=mask_files if masks else None,
                     caption=caption)


def _loaded(cls, options, weights, **extra):
    adapter = cls(**{**options, **extra})
    adapter.load(weights, "auto")
    return adapter


CASES = {
    "vrmdiff": (VRMDiffAdapter, TINY_VRMDIFF_OPTIONS, Track.CAPTION),
    "gvm": (GVMAdapter, TINY_SVD_OPTIONS, Track.NONE),
    "videomama": (VideoMaMaAdapter, TINY_SVD_OPTIONS, Track.PER_FRAME_MASK),
}


# ----------------------------------------------------------------------------- end to end
@pytest.mark.parametrize("name", list(CASES))
def test_end_to_end_shape_range_and_determinism(tiny_dirs, name):
    cls, options, track = CASES[name]
    adapter = _loaded(cls, options, tiny_dirs(name))
    assert isinstance(adapter, Adapter)
    assert adapter.name == name and adapter.track is track and adapter.needs_weights
    assert adapter.weights_filename == name
    assert adapter.device == "cpu" and str(adapter.torch_dtype) == "torch.float32"

    clip = _clip(tiny_dirs)
    first = list(adapter.predict(clip))
    assert len(first) == 9  # more frames than the window: several blended windows
    for a in first:
        assert a.dtype == np.float32 and a.shape == (48, 64)
        assert a.min() >= 0.0 and a.max() <= 1.0 and np.isfinite(a).all()
    assert np.ptp(np.stack(first)) > 0  # not a constant image

    again = list(adapter.predict(clip))  # same seed -> bit-identical
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)

    other = _loaded(cls, options, tiny_dirs(name), seed=1)
    changed = list(other.predict(clip))
    assert max(float(np.abs(a - b).max()) for a, b in zip(first, changed)) > 1e-6


@pytest.mark.parametrize("name", list(CASES))
def test_clip_shorter_than_window_is_padded(tiny_dirs, name):
    cls, options, _ = CASES[name]
    adapter = _loaded(cls, options, tiny_dirs(name))
    out = list(adapter.predict(_clip(tiny_dirs, "clip3")))
    assert len(out) == 3 and all(a.shape == (48, 64) for a in out)


def test_windows_are_blended_as_hand_worked(tiny_dirs):
    """9 frames, window 4, overlap 1 -> spans (0,4), (3,7), (5,9): frame 3 = 1/2 + 1/2, frames
    5 and 6 = 2/3, 1/3 of window 1 plus 1/3, 2/3 of window 2. Windows are re-run one by one
    here (frames read, scaled to [0, 1], resized by cv2 with INTER_AREA, results resized back
    with bilinear) and
    blended with those hand weights."""
    import torch

    adapter = _loaded(GVMAdapter, TINY_SVD_OPTIONS, tiny_dirs("gvm"), overlap=1)
    clip = _clip(tiny_dirs)
    got = list(adapter.predict(clip))

    rgb = [cv2.imread(str(p))[:, :, ::-1] for p in clip.frames]
    small = [cv2.resize(f.astype(np.float32) / 255, (32, 32), interpolation=cv2.INTER_AREA)
             for f in rgb]
    gen = torch.Generator().manual_seed(0)
    per_window = []
    for s, e in [(0, 4), (3, 7), (5, 9)]:
        alphas = adapter._run_window(np.stack(small[s:e]), {}, gen)
        per_window.append({t: cv2.resize(alphas[t - s], (64, 48), interpolation=cv2.INTER_LINEAR)
                           for t in range(s, e)})
    w0, w1, w2 = per_window
    expected = [w0[0], w0[1], w0[2], 0.5 * w0[3] + 0.5 * w1[3], w1[4],
                2 / 3 * w1[5] + 1 / 3 * w2[5], 1 / 3 * w1[6] + 2 / 3 * w2[6], w2[7], w2[8]]
    for t, (a, b) in enumerate(zip(got, expected)):
        np.testing.assert_allclose(a, np.clip(b, 0, 1), atol=2e-5, err_msg=f"frame {t}")


def test_videomama_uses_the_masks(tiny_dirs):
    adapter = _loaded(VideoMaMaAdapter, TINY_SVD_OPTIONS, tiny_dirs("videomama"))
    clip = _clip(tiny_dirs)
    with_masks = list(adapter.predict(clip))
    frames, masks = tiny_dirs("clip9")
    flipped = ClipInput(name="c", frames=frames, masks=list(reversed(masks)))
    other = list(adapter.predict(flipped))
    assert max(float(np.abs(a - b).max()) for a, b in zip(with_masks, other)) > 1e-6


def test_vrmdiff_uses_the_caption(tiny_dirs):
    adapter = _loaded(VRMDiffAdapter, TINY_VRMDIFF_OPTIONS, tiny_dirs("vrmdiff"))
    a = list(adapter.predict(_clip(tiny_dirs, "clip3")))
    b = list(adapter.predict(_clip(tiny_dirs, "clip3", caption="two cats near a window")))
    assert max(float(np.abs(x - y).max()) for x, y in zip(a, b)) > 1e-7


def test_vrmdiff_without_rotary_and_with_vae_tiling(tmp_path, tiny_dirs):
    folder = build_vrmdiff(tmp_path / "w", use_rotary=False, vae_sample=(64, 96))
    adapter = _loaded(VRMDiffAdapter, TINY_VRMDIFF_OPTIONS, folder, vae_tiling=True)
    assert adapter.vae.use_tiling and adapter.vae.use_slicing
    out = list(adapter.predict(_clip(tiny_dirs, "clip3")))
    assert len(out) == 3 and all(0 <= a.min() and a.max() <= 1 for a in out)


# ----------------------------------------------------------------------------- tokenizer
def test_t5_tokenizer_spiece_and_tokenizer_json_agree(tmp_path, tiny_dirs):
    """spiece.model (read by sentencepiece) and a tokenizer.json (transformers) give the same
    ids: the SentencePiece pieces, then </s> = 1, then <pad> = 0 up to the length."""
    import sentencepiece as spm
    from transformers import T5Tokenizer

    from baselines.diffusion.vrmdiff import _load_tokenizer

    spiece = tiny_dirs("vrmdiff") / "tokenizer"
    sp = spm.SentencePieceProcessor(model_file=str(spiece / "spiece.model"))
    pieces = sp.encode(CAPTION)
    ids = _load_tokenizer(spiece)(CAPTION, 12)
    assert ids == (pieces[:11] + [1] + [0] * 12)[:12] and len(ids) == 12
    assert _load_tokenizer(spiece)(CAPTION, 3) == pieces[:2] + [1]  # truncation keeps </s>

    vocab = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    T5Tokenizer(vocab=vocab, extra_ids=0).save_pretrained(tmp_path / "tok")
    assert (tmp_path / "tok" / "tokenizer.json").is_file()
    assert _load_tokenizer(tmp_path / "tok")(CAPTION, 12) == ids


# ----------------------------------------------------------------------------- bad input
def test_caption_track_refuses_without_caption(tiny_dirs):
    adapter = _loaded(VRMDiffAdapter, TINY_VRMDIFF_OPTIONS, tiny_dirs("vrmdiff"))
    for caption in (None, "   "):
        with pytest.raises(InputError, match="caption"):
            adapter.predict(_clip(tiny_dirs, caption=caption))


def test_videomama_refuses_without_masks(tiny_dirs):
    adapter = _loaded(VideoMaMaAdapter, TINY_SVD_OPTIONS, tiny_dirs("videomama"))
    with pytest.raises(InputError, match="mask"):
        adapter.predict(_clip(tiny_dirs, masks=False))
    frames, masks = tiny_dirs("clip9")
    with pytest.raises(InputError, match="8 masks for 9 frames"):
        adapter.predict(ClipInput(name="c", frames=frames, masks=masks[:8]))


def test_wrong_transformer_channels(tmp_path):
    folder = build_vrmdiff(tmp_path / "w", in_channels=16, skip=("text_encoder", "tokenizer"))
    for sub in ("text_encoder", "tokenizer"):
        (folder / sub).mkdir()
    (folder / "text_encoder" / "config.json").write_text('{"d_model": 16}')
    with pytest.raises(InputError, match=r"transformer[/\\]config.json: in_channels is 16, "
                                         r"VRMDiff needs 32"):
        VRMDiffAdapter(**TINY_VRMDIFF_OPTIONS).load(folder, "cpu")


def test_gvm_weights_are_not_videomama_weights(tiny_dirs):
    with pytest.raises(InputError, match="in_channels is 8, videomama needs 12"):
        VideoMaMaAdapter(**TINY_SVD_OPTIONS).load(tiny_dirs("gvm"), "cpu")


def test_missing_component(tmp_path, tiny_dirs):
    folder = tmp_path / "novae"
    shutil.copytree(tiny_dirs("gvm"), folder)
    shutil.rmtree(folder / "vae")
    with pytest.raises(InputError, match=r"missing component 'vae/'"):
        GVMAdapter(**TINY_SVD_OPTIONS).load(folder, "cpu")
    vr = tmp_path / "vr"
    shutil.copytree(tiny_dirs("vrmdiff"), vr)
    (vr / "scheduler" / "scheduler_config.json").unlink()
    with pytest.raises(InputError, match="scheduler_config.json"):
        VRMDiffAdapter(**TINY_VRMDIFF_OPTIONS).load(vr, "cpu")


def test_missing_weights_folder_says_where(tmp_path, monkeypatch):
    monkeypatch.setenv("VMBENCH_WEIGHTS", str(tmp_path))
    with pytest.raises(InputError, match=r"vrmdiff weights folder not found.*--weights"):
        VRMDiffAdapter().load(None, "cpu")


def test_bad_window_and_resolution(tiny_dirs):
    with pytest.raises(InputError, match="window 6 frames does not fit"):
        VRMDiffAdapter(**{**TINY_VRMDIFF_OPTIONS, "window": 6}).load(tiny_dirs("vrmdiff"), "cpu")
    with pytest.raises(InputError, match="resolution 40x48 must be positive multiples of 16"):
        VRMDiffAdapter(**{**TINY_VRMDIFF_OPTIONS, "resolution": (40, 48)}).load(
            tiny_dirs("vrmdiff"), "cpu")
    with pytest.raises(InputError, match="overlap"):
        GVMAdapter(window=4, overlap=4)


def test_out_of_memory_becomes_a_clear_error(tiny_dirs, monkeypatch):
    import torch

    adapter = _loaded(VRMDiffAdapter, TINY_VRMDIFF_OPTIONS, tiny_dirs("vrmdiff"))

    def boom(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(adapter, "_run_window", boom)
    with pytest.raises(VmbenchError) as info:
        list(adapter.predict(_clip(tiny_dirs)))
    msg = str(info.value)
    assert "vrmdiff" in msg and "32x48" in msg and "window 5 frames" in msg
    assert "smaller window" in msg and "vae_tiling" in msg


def test_predict_before_load_and_bad_device():
    import torch

    with pytest.raises(VmbenchError, match="load"):
        GVMAdapter().predict(ClipInput(name="c", frames=["x.png"]))
    from baselines.diffusion._common import resolve_device, resolve_dtype

    assert resolve_device("cpu") == "cpu"
    with pytest.raises(InputError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        assert resolve_device("auto") == "cpu"
        with pytest.raises(InputError, match="CUDA is not available"):
            resolve_device("cuda:0")
    assert str(resolve_dtype("cpu", None)) == "torch.float32"
    assert str(resolve_dtype("cpu", "bf16")) == "torch.bfloat16"
    with pytest.raises(InputError, match="dtype"):
        resolve_dtype("cpu", "int8")


@pytest.mark.parametrize("name,dtype", [("vrmdiff", "bf16"), ("videomama", "bf16"),
                                        ("videomama", "fp16")])
def test_gpu_dtypes_run_and_agree_with_fp32(tiny_dirs, name, dtype):
    """The half-precision paths used on CUDA, exercised on the CPU: same frames within 0.05."""
    import torch

    cls, options, _ = CASES[name]
    clip = _clip(tiny_dirs, "clip3")
    ref = np.stack(list(_loaded(cls, options, tiny_dirs(name)).predict(clip)))
    half = _loaded(cls, options, tiny_dirs(name), dtype=dtype)
    if name == "videomama":  # SVD's rule: a force_upcast VAE stays fp32 next to an fp16 UNet
        want = torch.float32 if dtype == "fp16" else torch.bfloat16
        assert half.vae_dtype == want and half.unet.dtype != torch.float32
    out = np.stack(list(half.predict(clip)))
    assert out.dtype == np.float32 and out.shape == ref.shape
    assert float(np.abs(out - ref).max()) < 0.05


def test_frame_and_mask_size_mismatch(tmp_path, tiny_dirs):
    frames, masks = tiny_dirs("clip9")
    odd = tmp_path / "odd.png"
    cv2.imwrite(str(odd), np.zeros((40, 64, 3), np.uint8))
    gvm = _loaded(GVMAdapter, TINY_SVD_OPTIONS, tiny_dirs("gvm"))
    with pytest.raises(InputError, match=r"odd.png: frame size \(40, 64\) differs"):
        list(gvm.predict(ClipInput(name="c", frames=frames[:2] + [odd])))
    mama = _loaded(VideoMaMaAdapter, TINY_SVD_OPTIONS, tiny_dirs("videomama"))
    with pytest.raises(InputError, match=r"odd.png: mask size \(40, 64\) differs"):
        list(mama.predict(ClipInput(name="c", frames=frames[:3], masks=masks[:2] + [odd])))


def test_missing_extra_is_a_clear_error(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "diffusers" else real(name, *a))
    with pytest.raises(VmbenchError, match=r"needs diffusers; install the diffusion extra"):
        GVMAdapter().load(None, "cpu")


def test_inference_json_sets_defaults_and_arguments_win(tmp_path, tiny_dirs):
    adapter = GVMAdapter()  # what a runner builds: every option from the folder's inference.json
    assert (adapter.window, adapter.overlap, adapter.num_inference_steps) == (14, 4, 1)
    adapter.load(tiny_dirs("gvm"), "cpu")
    assert (adapter.window, adapter.overlap, adapter.num_inference_steps) == (4, 2, 2)
    assert adapter.resolution == (32, 32)
    assert len(list(adapter.predict(_clip(tiny_dirs, "clip3")))) == 3

    explicit = GVMAdapter(window=3, overlap=1)
    explicit.load(tiny_dirs("gvm"), "cpu")
    assert (explicit.window, explicit.overlap, explicit.num_inference_steps) == (3, 1, 2)

    folder = tmp_path / "g"
    shutil.copytree(tiny_dirs("gvm"), folder)
    (folder / "inference.json").write_text('{"window": 4, "stride": 2}')
    with pytest.raises(InputError, match=r"inference.json: unknown option\(s\) stride"):
        GVMAdapter().load(folder, "cpu")
    (folder / "inference.json").write_text('{"window": 4, "overlap": 4}')
    with pytest.raises(InputError, match=r"inference.json: need window >= 1 and 0 <= overlap"):
        GVMAdapter().load(folder, "cpu")
    with pytest.raises(InputError, match="unknown option"):
        GVMAdapter(strides=3)


def test_vrmdiff_default_49_frame_windows_on_a_50_frame_clip(tmp_path, tiny_dirs):
    """CogVideoX's real window length (49 frames -> 13 latent frames) through the tiny VAE:
    two windows (0, 49) and (1, 50), 50 alphas."""
    from tests.diffusion.tiny_models import write_clip

    frames, _ = write_clip(tmp_path / "long", frames=50, height=24, width=32)
    adapter = _loaded(VRMDiffAdapter, {}, tiny_dirs("vrmdiff"), window=49, overlap=8)
    out = list(adapter.predict(ClipInput(name="long", frames=frames, caption=CAPTION)))
    assert len(out) == 50 and all(a.shape == (24, 32) for a in out)
