"""Builders of tiny, randomly initialised diffusers-format weights folders for the diffusion
adapters (VRMDiff, GVM, VideoMaMa), and of tiny clips on disk. Nothing is downloaded.

Reusable from other tests (e.g. an end-to-end ``vmbench run-baseline`` test)::

    from tests.diffusion.tiny_models import build_vrmdiff, build_svd, write_clip
    folder = build_vrmdiff(tmp_path / "vrmdiff")          # -> the --weights DIR
    folder = build_svd(tmp_path / "gvm", cond_latents=1)  # GVM (UNet in_channels 8)
    folder = build_svd(tmp_path / "mama", cond_latents=2) # VideoMaMa (in_channels 12)

Each folder carries an ``inference.json`` with small-model options (``TINY_VRMDIFF_OPTIONS`` /
``TINY_SVD_OPTIONS``: short windows, 2 steps, 32-pixel resolution), so an adapter built with no
arguments (as a runner would) runs a 9-frame 64x48 clip in about a second on one CPU thread.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = [
    "CAPTIONS",
    "TINY_VRMDIFF_OPTIONS",
    "TINY_SVD_OPTIONS",
    "build_t5_tokenizer",
    "build_vrmdiff",
    "build_svd",
    "write_clip",
]

CAPTIONS = [
    "the small red star moving left",
    "a person walking on the beach",
    "the dog jumps over the fence",
    "two cats sitting near a window",
    "the man in a blue shirt waving his hand",
    "a green circle bouncing up and down",
]

# Adapter options that suit the tiny models (resolution divisible by 8 x patch 2 = 16).
TINY_VRMDIFF_OPTIONS = {"window": 5, "overlap": 2, "num_inference_steps": 2, "resolution": (32, 48)}
TINY_SVD_OPTIONS = {"window": 4, "overlap": 2, "num_inference_steps": 2, "resolution": (32, 32)}


def build_t5_tokenizer(folder: Path) -> Path:
    """Train a tiny T5-style SentencePiece model (pad 0, </s> 1, <unk> 2): folder/spiece.model."""
    import sentencepiece as spm

    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.txt"
    corpus.write_text("\n".join(CAPTIONS * 4) + "\n")
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(folder / "spiece"), vocab_size=48,
        model_type="unigram", pad_id=0, eos_id=1, unk_id=2, bos_id=-1, pad_piece="<pad>",
        eos_piece="</s>", unk_piece="<unk>", minloglevel=2, num_threads=1)
    corpus.unlink()
    (folder / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "T5Tokenizer", "model_max_length": 16, "extra_ids": 0}))
    return folder


def build_vrmdiff(
    folder: Path,
    *,
    in_channels: int = 32,
    latent_channels: int = 16,
    use_rotary: bool = True,
    vae_sample: tuple[int, int] = (32, 48),
    seed: int = 0,
    skip: tuple[str, ...] = (),
    inference: dict | None = TINY_VRMDIFF_OPTIONS,
) -> Path:
    """A tiny VRMDiff folder: CogVideoX transformer (1 layer, 2 heads of 16: diffusers' 3D
    rotary embedding needs head dim >= 16), 4-block 3D VAE (8x spatial, 4x temporal), 1-layer
    T5 (d_model 16), SentencePiece tokenizer, DDIM scheduler.

    `in_channels` other than 2 x `latent_channels` makes a deliberately wrong folder; `skip`
    leaves out components (e.g. ``("vae",)``). `vae_sample` sets the VAE's sample size, whose
    halves are diffusers' tile size when tiling is on (tiles much smaller than the input make
    edge tiles too small for its 3x3 convolutions). `inference` is written to the folder's
    ``inference.json`` (the adapter options that suit it; None: no file).
    """
    import torch
    from diffusers import (AutoencoderKLCogVideoX, CogVideoXDDIMScheduler,
                           CogVideoXTransformer3DModel)
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    if "transformer" not in skip:
        CogVideoXTransformer3DModel(
            num_attention_heads=2, attention_head_dim=16, in_channels=in_channels,
            out_channels=latent_channels, time_embed_dim=16, text_embed_dim=16, num_layers=1,
            sample_width=6, sample_height=4, sample_frames=5, patch_size=2,
            temporal_compression_ratio=4, max_text_seq_length=12,
            use_rotary_positional_embeddings=use_rotary,
        ).save_pretrained(folder / "transformer")
    if "vae" not in skip:
        AutoencoderKLCogVideoX(
            block_out_channels=(8, 8, 8, 8), latent_channels=latent_channels, layers_per_block=1,
            norm_num_groups=4, temporal_compression_ratio=4, sample_height=vae_sample[0],
            sample_width=vae_sample[1],
        ).save_pretrained(folder / "vae")
    if "text_encoder" not in skip:
        T5EncoderModel(T5Config(
            vocab_size=48, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2,
            relative_attention_num_buckets=8, dropout_rate=0.0,
        )).save_pretrained(folder / "text_encoder")
    if "tokenizer" not in skip:
        build_t5_tokenizer(folder / "tokenizer")
    if "scheduler" not in skip:
        CogVideoXDDIMScheduler(
            prediction_type="v_prediction", timestep_spacing="trailing", clip_sample=False,
            rescale_betas_zero_snr=True, set_alpha_to_one=True,
        ).save_pretrained(folder / "scheduler")
    _write_inference(folder, inference)
    return folder


def _write_inference(folder: Path, options: dict | None) -> None:
    if options is not None:
        (folder / "inference.json").write_text(json.dumps(options))


def build_svd(
    folder: Path,
    *,
    cond_latents: int = 1,
    in_channels: int | None = None,
    seed: int = 0,
    skip: tuple[str, ...] = (),
    conditioning: bool = False,
    inference: dict | None = TINY_SVD_OPTIONS,
) -> Path:
    """A tiny SVD-style folder: spatio-temporal UNet (block_out_channels (32, 64)) taking the
    noisy latent plus `cond_latents` conditioning latents (1: GVM video; 2: VideoMaMa video +
    mask), temporal-decoder VAE (2 blocks of 32 channels: its GroupNorm has a fixed 32 groups;
    2x spatial), Euler scheduler.

    `in_channels` overrides the UNet's input width (to build a wrong folder); `conditioning`
    also writes a fixed ``conditioning.safetensors`` image embedding; `inference` is written
    to ``inference.json`` (None: no file).
    """
    import torch
    from diffusers import (AutoencoderKLTemporalDecoder, EulerDiscreteScheduler,
                           UNetSpatioTemporalConditionModel)

    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    latent = 4
    if "unet" not in skip:
        UNetSpatioTemporalConditionModel(
            sample_size=16, in_channels=in_channels or latent * (1 + cond_latents),
            out_channels=latent,
            down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
            up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
            block_out_channels=(32, 64), addition_time_embed_dim=8,
            projection_class_embeddings_input_dim=24, layers_per_block=1,
            cross_attention_dim=32, num_attention_heads=(2, 4), num_frames=4,
        ).save_pretrained(folder / "unet")
    if "vae" not in skip:
        AutoencoderKLTemporalDecoder(
            block_out_channels=(32, 32), down_block_types=("DownEncoderBlock2D",) * 2,
            layers_per_block=1, latent_channels=latent, sample_size=32,
        ).save_pretrained(folder / "vae")
    if "scheduler" not in skip:
        EulerDiscreteScheduler(
            beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012,
            prediction_type="v_prediction", use_karras_sigmas=True, interpolation_type="linear",
            timestep_spacing="leading", steps_offset=1,
        ).save_pretrained(folder / "scheduler")
    if conditioning:
        from safetensors.torch import save_file

        gen = torch.Generator().manual_seed(seed + 1)
        save_file({"encoder_hidden_states": torch.randn(1, 1, 32, generator=gen)},
                  str(folder / "conditioning.safetensors"))
    _write_inference(folder, inference)
    return folder


def write_clip(folder: Path, *, frames: int = 5, height: int = 48, width: int = 64,
               masks: bool = False, seed: int = 0) -> tuple[list[Path], list[Path]]:
    """A tiny synthetic clip (a bright square moving over noise) as ``com/%04d.png``, plus
    ``mask/%04d.png`` binary masks of the square when `masks`; returns (frame paths, mask paths)."""
    import cv2

    rng = np.random.default_rng(seed)
    (folder / "com").mkdir(parents=True, exist_ok=True)
    if masks:
        (folder / "mask").mkdir(parents=True, exist_ok=True)
    fpaths, mpaths = [], []
    for t in range(frames):
        img = rng.integers(0, 80, size=(height, width, 3), dtype=np.uint8)
        m = np.zeros((height, width), np.uint8)
        x0 = 4 + 3 * t
        m[10:30, x0:x0 + 20] = 255
        img[m > 0] = (230, 200, 60)
        p = folder / "com" / f"{t:04d}.png"
        cv2.imwrite(str(p), img[:, :, ::-1])
        fpaths.append(p)
        if masks:
            mp = folder / "mask" / f"{t:04d}.png"
            cv2.imwrite(str(mp), m)
            mpaths.append(mp)
    return fpaths, mpaths
