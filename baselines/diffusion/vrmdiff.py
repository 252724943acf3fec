"""VRMDiff (referring video matting by video diffusion, arXiv 2503.10678) as a vmbench adapter.

A CogVideoX transformer whose patch embedding takes 2x the VAE latent channels: the noisy alpha
latent and the latent of the input video, concatenated on the channel axis. The caption (the
referring expression) is encoded by T5 and cross-attended as in CogVideoX. After the denoising
loop the CogVideoX 3D VAE decodes an RGB video whose channel mean, mapped from [-1, 1] to
[0, 1], is the alpha. The official code is unreleased; docs/diffusion.md lists what is assumed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from baselines.diffusion._common import (DiffusionAdapterBase, load_scheduler, read_config,
                                         set_timesteps)
from vmbench.adapters.base import ClipInput, Track
from vmbench.errors import InputError

__all__ = ["VRMDiffAdapter"]


def _load_tokenizer(folder: Path):
    """A function ``(text, length) -> token ids`` padded/truncated to `length`, ending in </s>.

    ``spiece.model`` (the file CogVideoX ships) is read with sentencepiece directly: T5's
    tokenisation is the SentencePiece pieces plus </s>, padded with <pad>. (transformers 5 can
    only convert spiece.model with protobuf installed, so it is not used for that file.) A
    folder with ``tokenizer.json`` instead is loaded with ``AutoTokenizer``.
    """
    if (folder / "spiece.model").is_file():
        import sentencepiece

        try:
            sp = sentencepiece.SentencePieceProcessor(model_file=str(folder / "spiece.model"))
        except (OSError, RuntimeError) as exc:
            raise InputError(
                f"{folder / 'spiece.model'}: not a SentencePiece model ({exc})") from exc
        eos, pad = sp.piece_to_id("</s>"), sp.piece_to_id("<pad>")
        if sp.id_to_piece(eos) != "</s>" or sp.id_to_piece(pad) != "<pad>":
            raise InputError(f"{folder / 'spiece.model'}: has no </s> / <pad> pieces (not T5's)")

        def encode_sp(text: str, length: int) -> list[int]:
            ids = sp.encode(text)[: length - 1] + [eos]
            return ids + [pad] * (length - len(ids))

        return encode_sp
    if (folder / "tokenizer.json").is_file():
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(folder)

        def encode_hf(text: str, length: int) -> list[int]:
            out = tok(text, padding="max_length", max_length=length, truncation=True,
                      add_special_tokens=True)
            return list(out["input_ids"])

        return encode_hf
    raise InputError(f"{folder}: no spiece.model or tokenizer.json (the T5 tokenizer)")


class VRMDiffAdapter(DiffusionAdapterBase):
    """Caption-guided matting with a video-latent-conditioned CogVideoX.

    Parameters (keyword-only)
    -------------------------
    Each option left at None comes from the weights folder's ``inference.json`` if it has it,
    else from the default below.

    window, overlap : frames per model call (must be 1 + 4k for the 4x temporal VAE) and the
        overlap between neighbouring windows (default 49 and 8).
    num_inference_steps : denoising steps of the scheduler in ``scheduler/`` (default 50).
    resolution : (height, width) the frames are resized to; default the transformer's
        ``sample_height/width`` x the VAE's spatial factor (480x720 for CogVideoX-2B/5B).
    seed : seed of the initial noise (one CPU generator per clip, so CPU and GPU agree).
    dtype : "fp32" / "fp16" / "bf16"; default bf16 (or fp16) on CUDA, fp32 on CPU.
    vae_tiling : tiled, sliced VAE decoding; default on for CUDA.
    """

    name = "vrmdiff"
    track = Track.CAPTION
    needs_weights = True
    weights_filename = "vrmdiff"
    components = {
        "transformer": "config.json",
        "vae": "config.json",
        "text_encoder": "config.json",
        "tokenizer": "",
        "scheduler": "scheduler_config.json",
    }

    DEFAULTS = {**DiffusionAdapterBase.DEFAULTS, "window": 49, "overlap": 8,
                "num_inference_steps": 50}

    def __init__(
        self,
        *,
        window: int | None = None,
        overlap: int | None = None,
        num_inference_steps: int | None = None,
        resolution: tuple[int, int] | None = None,
        seed: int | None = None,
        dtype: str | None = None,
        vae_tiling: bool | None = None,
    ) -> None:
        super().__init__(window=window, overlap=overlap, num_inference_steps=num_inference_steps,
                         resolution=resolution, seed=seed, dtype=dtype, vae_tiling=vae_tiling)

    # ---------------------------------------------------------------- loading
    def _check_configs(self, folder: Path) -> None:
        tcfg_path = folder / "transformer" / "config.json"
        tcfg = read_config(tcfg_path)
        vcfg = read_config(folder / "vae" / "config.json")
        ecfg = read_config(folder / "text_encoder" / "config.json")
        latent = int(vcfg.get("latent_channels", 16))
        in_ch, out_ch = tcfg.get("in_channels"), tcfg.get("out_channels")
        if in_ch != 2 * latent:
            raise InputError(
                f"{tcfg_path}: in_channels is {in_ch}, VRMDiff needs {2 * latent} "
                f"({latent} noisy-alpha + {latent} video latent channels of the VAE); "
                f"is this an unmodified CogVideoX transformer?")
        if out_ch != latent:
            raise InputError(f"{tcfg_path}: out_channels is {out_ch}, the VAE has {latent} "
                             f"latent channels")
        d_model, text_dim = ecfg.get("d_model"), tcfg.get("text_embed_dim", 4096)
        if d_model != text_dim:
            raise InputError(f"{folder / 'text_encoder' / 'config.json'}: d_model is {d_model}, "
                             f"the transformer's text_embed_dim is {text_dim}")
        t_vae = int(vcfg.get("temporal_compression_ratio", 4))
        t_tr = int(tcfg.get("temporal_compression_ratio", 4))
        if t_vae != t_tr:
            raise InputError(f"{tcfg_path}: temporal_compression_ratio {t_tr} differs from the "
                             f"VAE's {t_vae}")
        if (self.window - 1) % t_vae:
            raise InputError(f"vrmdiff: window {self.window} frames does not fit the VAE's "
                             f"{t_vae}x temporal compression (use 1 + {t_vae}k, e.g. 49)")
        p_t = tcfg.get("patch_size_t")
        latent_frames = (self.window - 1) // t_vae + 1
        if p_t and latent_frames % int(p_t):
            raise InputError(f"{tcfg_path}: patch_size_t {p_t} does not divide the "
                             f"{latent_frames} latent frames of a {self.window}-frame window")
        self._spatial = 2 ** (len(vcfg.get("block_out_channels", (128, 256, 256, 512))) - 1)
        self._patch = int(tcfg.get("patch_size", 2))
        self._native = (int(tcfg.get("sample_height", 60)) * self._spatial,
                        int(tcfg.get("sample_width", 90)) * self._spatial)
        h, w = self._model_resolution()
        step = self._spatial * self._patch
        if h % step or w % step or h <= 0 or w <= 0:
            raise InputError(f"vrmdiff: resolution {h}x{w} must be positive multiples of {step} "
                             f"(VAE factor {self._spatial} x patch size {self._patch})")

    def _model_resolution(self) -> tuple[int, int]:
        return self.resolution if self.resolution is not None else self._native

    def _load_models(self, folder: Path) -> None:
        import torch
        from diffusers import (AutoencoderKLCogVideoX, CogVideoXDPMScheduler,
                               CogVideoXTransformer3DModel)
        from transformers import T5EncoderModel

        dt, dev = self.torch_dtype, self.device
        self.tokenizer = _load_tokenizer(folder / "tokenizer")
        self.text_encoder = T5EncoderModel.from_pretrained(
            folder / "text_encoder", dtype=dt).to(dev).eval()
        self.transformer = CogVideoXTransformer3DModel.from_pretrained(
            folder / "transformer", torch_dtype=dt).to(dev).eval()
        self.vae = AutoencoderKLCogVideoX.from_pretrained(
            folder / "vae", torch_dtype=dt).to(dev).eval()
        self.scheduler = load_scheduler(folder / "scheduler")
        if isinstance(self.scheduler, CogVideoXDPMScheduler):
            raise InputError(f"{folder / 'scheduler'}: CogVideoXDPMScheduler needs a two-sample "
                             f"step; use CogVideoXDDIMScheduler (or DDIMScheduler)")

    # ---------------------------------------------------------------- predicting
    def _guidance(self, clip: ClipInput) -> dict[str, Any]:
        import torch

        caption = (clip.caption or "").strip()
        if not caption:
            raise InputError(f"{clip.name}: vrmdiff is a caption-track method and needs a "
                             f"referring expression (clip caption); none was given")
        max_len = int(self.transformer.config.max_text_seq_length)
        ids = torch.tensor([self.tokenizer(caption, max_len)], dtype=torch.long)
        with torch.no_grad():
            embeds = self.text_encoder(ids.to(self.device))[0]
        return {"prompt_embeds": embeds.to(self.torch_dtype)}

    def _rotary(self, h_lat: int, w_lat: int, t_lat: int):
        """CogVideoX's 3D rotary embedding for this latent grid (None if the model has none)."""
        cfg = self.transformer.config
        if not cfg.use_rotary_positional_embeddings:
            return None
        from diffusers.models.embeddings import get_3d_rotary_pos_embed

        p, p_t = cfg.patch_size, cfg.patch_size_t
        gh, gw = h_lat // p, w_lat // p
        base_w, base_h = cfg.sample_width // p, cfg.sample_height // p
        if p_t is None:
            # Fit the grid inside the training grid keeping its aspect, centred (CogVideoX 1.0).
            if gh / gw > base_h / base_w:
                rh, rw = base_h, int(round(base_h / gh * gw))
            else:
                rw, rh = base_w, int(round(base_w / gw * gh))
            top, left = int(round((base_h - rh) / 2.0)), int(round((base_w - rw) / 2.0))
            return get_3d_rotary_pos_embed(
                embed_dim=cfg.attention_head_dim, crops_coords=((top, left), (top + rh, left + rw)),
                grid_size=(gh, gw), temporal_size=t_lat, device=self.device)
        return get_3d_rotary_pos_embed(
            embed_dim=cfg.attention_head_dim, crops_coords=None, grid_size=(gh, gw),
            temporal_size=(t_lat + p_t - 1) // p_t, grid_type="slice", max_size=(base_h, base_w),
            device=self.device)

    def _run_window(self, frames: np.ndarray, guidance: dict[str, Any], generator) -> np.ndarray:
        import torch

        dev, dt = self.device, self.torch_dtype
        sf = float(self.vae.config.scaling_factor)
        with torch.no_grad():
            video = torch.from_numpy(frames).permute(3, 0, 1, 2)[None] * 2.0 - 1.0  # B C T H W
            video_lat = self.vae.encode(video.to(dev, dt)).latent_dist.mode() * sf
            video_lat = video_lat.permute(0, 2, 1, 3, 4)  # B T C h w
            noise = torch.randn(video_lat.shape, generator=generator, dtype=torch.float32)
            set_timesteps(self.scheduler, self.num_inference_steps, dev)
            latents = (noise * self.scheduler.init_noise_sigma).to(dev, dt)
            _, t_lat, _, h_lat, w_lat = latents.shape
            rotary = self._rotary(h_lat, w_lat, t_lat)
            ofs = None
            if self.transformer.config.ofs_embed_dim:
                ofs = latents.new_full((1,), 2.0)
            prompt = guidance["prompt_embeds"]
            for t in self.scheduler.timesteps:
                model_in = self.scheduler.scale_model_input(latents, t)
                model_in = torch.cat([model_in, video_lat], dim=2)
                pred = self.transformer(
                    hidden_states=model_in, encoder_hidden_states=prompt,
                    timestep=t.expand(model_in.shape[0]), ofs=ofs, image_rotary_emb=rotary,
                    return_dict=False)[0]
                latents = self.scheduler.step(pred, t, latents, generator=generator,
                                              return_dict=False)[0].to(dt)
            decoded = self.vae.decode(latents.permute(0, 2, 1, 3, 4) / sf).sample  # B 3 T H W
            alpha = ((decoded.float().mean(dim=1) + 1.0) / 2.0).clamp(0.0, 1.0)[0]
        return alpha.cpu().numpy().astype(np.float32)
