"""Matting with a Stable Video Diffusion UNet conditioned on video (and mask) latents.

Shared by GVM (video latent only; UNet in_channels = 2 x 4 = 8) and VideoMaMa (video and mask
latents; in_channels = 3 x 4 = 12). Per window: the frames (and masks, as grey RGB images) are
encoded frame by frame by the temporal-decoder VAE (posterior mode, no scaling, as SVD does for
its conditioning image), concatenated after the noisy latent on the channel axis, denoised for
a few steps, decoded with the VAE's temporal decoder and reduced to alpha (RGB mean, [-1, 1] ->
[0, 1]). SVD's CLIP image embedding and its added time ids are replaced by fixed conditioning,
see docs/diffusion.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from baselines.diffusion._common import (DiffusionAdapterBase, load_scheduler, read_config,
                                         set_timesteps)
from vmbench.errors import InputError

__all__ = ["SVDMattingAdapter"]

#: SVD-XT's training resolution (height, width), the default model resolution.
SVD_RESOLUTION = (576, 1024)


class SVDMattingAdapter(DiffusionAdapterBase):
    """Base for SVD-UNet matting adapters; subclasses set ``cond_latents`` and the track.

    Options (keyword-only): window, overlap, num_inference_steps, resolution (default 576x1024),
    seed, dtype, vae_tiling as in `DiffusionAdapterBase`, plus
    ``added_time_ids`` (fps id, motion bucket id, noise augmentation strength; default
    (6, 127, 0.0): SVD's fps 7 minus 1, its default motion bucket, no augmentation) and
    ``chunk_size`` (frames per VAE encode/decode call; default the whole window).
    """

    cond_latents: int = 1
    components = {"unet": "config.json", "vae": "config.json",
                  "scheduler": "scheduler_config.json"}

    DEFAULTS = {**DiffusionAdapterBase.DEFAULTS, "added_time_ids": (6.0, 127.0, 0.0),
                "chunk_size": None}

    def _configure_extra(self, opts: dict[str, Any], *, where: str) -> None:
        ids = opts["added_time_ids"]
        if len(ids) != 3:
            raise InputError(f"{where}: added_time_ids must be 3 numbers (fps id, motion bucket "
                             f"id, noise augmentation), got {ids!r}")
        self.added_time_ids = tuple(float(v) for v in ids)
        chunk = opts["chunk_size"]
        if chunk is not None and (not isinstance(chunk, int) or chunk < 1):
            raise InputError(f"{where}: chunk_size must be a positive integer, got {chunk!r}")
        self.chunk_size = chunk

    # ---------------------------------------------------------------- loading
    def _check_configs(self, folder: Path) -> None:
        ucfg_path = folder / "unet" / "config.json"
        ucfg = read_config(ucfg_path)
        vcfg = read_config(folder / "vae" / "config.json")
        latent = int(vcfg.get("latent_channels", 4))
        want = latent * (1 + self.cond_latents)
        parts = " + ".join([f"{latent} noisy"] + [f"{latent} {n}" for n in self._cond_names()])
        if ucfg.get("in_channels") != want:
            raise InputError(f"{ucfg_path}: in_channels is {ucfg.get('in_channels')}, "
                             f"{self.name} needs {want} ({parts} latent channels)")
        if ucfg.get("out_channels") != latent:
            raise InputError(f"{ucfg_path}: out_channels is {ucfg.get('out_channels')}, the VAE "
                             f"has {latent} latent channels")
        n_ids = len(self.added_time_ids)
        t_dim = int(ucfg.get("addition_time_embed_dim", 256))
        proj = int(ucfg.get("projection_class_embeddings_input_dim", 768))
        if proj != t_dim * n_ids:
            raise InputError(f"{ucfg_path}: projection_class_embeddings_input_dim {proj} != "
                             f"{n_ids} added time ids x addition_time_embed_dim {t_dim}")
        cross = ucfg.get("cross_attention_dim", 1024)
        if isinstance(cross, (list, tuple)):
            if len(set(cross)) != 1:
                raise InputError(f"{ucfg_path}: per-block cross_attention_dim {cross} is not "
                                 f"supported (one conditioning embedding feeds every block)")
            cross = cross[0]
        self._cross_dim = int(cross)
        self._force_upcast = bool(vcfg.get("force_upcast", True))
        self._spatial = 2 ** (len(vcfg.get("block_out_channels", (128, 256, 512, 512))) - 1)
        self._unet_factor = 2 ** (len(ucfg.get("block_out_channels", (320, 640, 1280, 1280))) - 1)
        h, w = self._model_resolution()
        step = self._spatial * self._unet_factor
        if h <= 0 or w <= 0 or h % step or w % step:
            raise InputError(f"{self.name}: resolution {h}x{w} must be positive multiples of "
                             f"{step} (VAE factor {self._spatial} x UNet factor "
                             f"{self._unet_factor})")

    def _cond_names(self) -> list[str]:
        return ["video"]

    def _model_resolution(self) -> tuple[int, int]:
        return self.resolution if self.resolution is not None else SVD_RESOLUTION

    def _load_models(self, folder: Path) -> None:
        import torch
        from diffusers import AutoencoderKLTemporalDecoder, UNetSpatioTemporalConditionModel

        dt, dev = self.torch_dtype, self.device
        self.unet = UNetSpatioTemporalConditionModel.from_pretrained(
            folder / "unet", torch_dtype=dt).to(dev).eval()
        # As SVD's pipeline: a VAE marked force_upcast runs in fp32 when the rest is fp16.
        self.vae_dtype = torch.float32 if dt == torch.float16 and self._force_upcast else dt
        self.vae = AutoencoderKLTemporalDecoder.from_pretrained(
            folder / "vae", torch_dtype=self.vae_dtype).to(dev).eval()
        self.scheduler = load_scheduler(folder / "scheduler")
        cond_file = folder / "conditioning.safetensors"
        if cond_file.is_file():
            from safetensors.torch import load_file

            tensors = load_file(str(cond_file))
            ehs = tensors.get("encoder_hidden_states")
            if ehs is None or ehs.ndim != 3 or ehs.shape[0] != 1 or ehs.shape[2] != self._cross_dim:
                raise InputError(f"{cond_file}: needs a tensor 'encoder_hidden_states' of shape "
                                 f"(1, N, {self._cross_dim})")
        else:
            ehs = torch.zeros(1, 1, self._cross_dim)
        self.encoder_hidden_states = ehs.to(dev, dt)

    # ---------------------------------------------------------------- predicting
    def _encode(self, images):
        """(F, 3, H, W) in [-1, 1] -> (F, C, h, w) posterior modes, `chunk_size` frames a call."""
        import torch

        n = self.chunk_size or images.shape[0]
        return torch.cat([self.vae.encode(images[i:i + n]).latent_dist.mode()
                          for i in range(0, images.shape[0], n)])

    def _cond_images(self, frames: np.ndarray, guidance: dict[str, Any]) -> list[np.ndarray]:
        """(L, H, W, 3) images in [0, 1] to encode as conditioning, in channel order."""
        return [frames]

    def _run_window(self, frames: np.ndarray, guidance: dict[str, Any], generator) -> np.ndarray:
        import torch

        dev, dt = self.device, self.torch_dtype
        n_frames = frames.shape[0]
        with torch.no_grad():
            conds = []
            for images in self._cond_images(frames, guidance):
                x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2) * 2.0 - 1.0
                conds.append(self._encode(x.to(dev, self.vae_dtype)).to(dt))
            cond = torch.cat(conds, dim=1)[None]  # 1 F C h w
            shape = (1, n_frames, int(self.unet.config.out_channels)) + tuple(cond.shape[-2:])
            noise = torch.randn(shape, generator=generator, dtype=torch.float32)
            set_timesteps(self.scheduler, self.num_inference_steps, dev)
            latents = (noise * self.scheduler.init_noise_sigma).to(dev, dt)
            time_ids = torch.tensor([self.added_time_ids], device=dev, dtype=dt)
            for t in self.scheduler.timesteps:
                model_in = torch.cat([self.scheduler.scale_model_input(latents, t), cond], dim=2)
                pred = self.unet(model_in, t, encoder_hidden_states=self.encoder_hidden_states,
                                 added_time_ids=time_ids, return_dict=False)[0]
                latents = self.scheduler.step(pred, t, latents, generator=generator,
                                              return_dict=False)[0].to(dt)
            z = latents[0].to(self.vae_dtype) / float(self.vae.config.scaling_factor)
            n = self.chunk_size or n_frames
            decoded = torch.cat([self.vae.decode(z[i:i + n], num_frames=z[i:i + n].shape[0]).sample
                                 for i in range(0, n_frames, n)])
            alpha = ((decoded.float().mean(dim=1) + 1.0) / 2.0).clamp(0.0, 1.0)
        return alpha.cpu().numpy().astype(np.float32)
