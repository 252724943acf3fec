"""Train the OAVM baseline on the embedded synthetic generator (on the fly) or a dataset folder.

Losses (per frame, averaged): L1 on alpha, a Laplacian-pyramid L1 (edges at several scales),
temporal coherence (MSE between predicted and true frame-to-frame alpha differences) and BCE on
the segmentation logits against the binarised target. Training is resumable: the checkpoint holds
the model and optimizer state, the step, elapsed minutes and the RNG states.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from baselines.oavm.checkpoint import FORMAT, load_checkpoint, save_checkpoint
from baselines.oavm.data import make_batch
from baselines.oavm.model import DEFAULT_CONFIG, OAVMNet
from vmbench.errors import InputError

__all__ = ["laplacian_loss", "matting_loss", "train"]

_GAUSS = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _blur(x: torch.Tensor) -> torch.Tensor:
    k = (_GAUSS[:, None] * _GAUSS[None, :]).to(x)[None, None]
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), k)


def laplacian_loss(pred: torch.Tensor, gt: torch.Tensor, *, levels: int = 4) -> torch.Tensor:
    """Sum over pyramid levels i of 2^i * mean |L_i(pred) - L_i(gt)| for (N, 1, H, W) inputs."""
    loss = pred.new_zeros(())
    p, g = pred, gt
    for i in range(levels):
        pb, gb = _blur(p), _blur(g)
        loss = loss + (2**i) * F.l1_loss(p - pb, g - gb)
        if min(p.shape[-2:]) < 8:
            break
        p, g = pb[..., ::2, ::2], gb[..., ::2, ::2]
    return loss


def matting_loss(alpha: torch.Tensor, seg: torch.Tensor, gt: torch.Tensor) -> dict:
    """All losses for (B, T, 1, H, W) predictions; returns a dict with "total" and each term."""
    flat_a, flat_g = alpha.flatten(0, 1), gt.flatten(0, 1)
    l1 = F.l1_loss(alpha, gt)
    lap = laplacian_loss(flat_a, flat_g)
    if alpha.shape[1] > 1:
        tc = F.mse_loss(alpha[:, 1:] - alpha[:, :-1], gt[:, 1:] - gt[:, :-1])
    else:
        tc = alpha.new_zeros(())
    bce = F.binary_cross_entropy_with_logits(seg, (gt > 0.5).to(seg.dtype))
    total = l1 + lap + 5.0 * tc + 0.5 * bce
    return {"total": total, "l1": l1, "lap": lap, "tc": tc, "bce": bce}


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise InputError("--device cuda: no CUDA device available")
    return torch.device(name)


def _lr(base: float, progress: float, warmup: float = 0.03) -> float:
    """Linear warm-up then cosine decay to 5% of `base`; progress in [0, 1]."""
    if progress < warmup:
        return base * (0.1 + 0.9 * progress / warmup)
    p = min((progress - warmup) / (1 - warmup), 1.0)
    return base * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * p)))


class _BatchStream(torch.utils.data.IterableDataset):
    """Endless training batches for DataLoader workers (each worker its own seeded stream)."""

    def __init__(self, source, seed: list[int], batch_kw: dict):
        super().__init__()
        self.source, self.seed, self.batch_kw = source, seed, batch_kw

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([*self.seed, info.id if info else 0])
        while True:
            yield make_batch(self.source, rng, **self.batch_kw)


def train(
    *,
    out: Path,
    source,
    data_name: str,
    steps: int = 20000,
    minutes: float | None = None,
    device: str = "auto",
    resume: bool = False,
    seed: int = 0,
    size: tuple[int, int] = (112, 192),
    clip_len: int = 4,
    batch: int = 4,
    lr: float = 1e-3,
    config: dict | None = None,
    save_every_s: float = 120.0,
    log_every: int = 20,
    quiet: bool = False,
    threads: int | None = 1,
    stop_after: int | None = None,
    workers: int = 0,
) -> dict:
    """Train until `steps` total steps or `minutes` total wall-clock minutes; returns the checkpoint.

    The learning-rate schedule follows ``max(step / steps, elapsed / minutes)`` so a time-capped
    run still ends with a decayed rate. `out` is written every `save_every_s` seconds and at the
    end; a JSON-lines log goes to ``<out>.log.jsonl``. `threads` sets torch's CPU threads (1 is
    much faster than 2 on a CPU shared with other jobs; None leaves torch's default).
    `stop_after` ends this call after that many new steps (the schedule still spans `steps`), as
    an interruption would; the run continues with ``resume=True``.
    `workers` > 0 builds batches in that many background processes (faster; their data stream is
    seeded by ``(seed, step at start, worker)``, so a resumed run then differs from an
    uninterrupted one; with 0 it is identical).
    """
    out = Path(out)
    h, w = size
    if h % 16 or w % 16:
        raise InputError(f"--size {h}x{w}: height and width must be multiples of 16")
    if clip_len < 1 or batch < 1:
        raise InputError("--clip-len and batch must be positive")
    dev = _device(device)
    if threads and dev.type == "cpu":
        torch.set_num_threads(int(threads))
    log_path = out.with_name(out.name + ".log.jsonl")
    if resume and out.exists():
        ckpt = load_checkpoint(out, map_location=dev)
        cfg = ckpt["config"]
        meta = ckpt["train"]
        seed, size, clip_len, batch, lr = meta["seed"], tuple(meta["size"]), meta["clip_len"], meta["batch"], meta["lr"]
        h, w = size
    elif out.exists():
        raise InputError(f"{out}: already exists; pass --resume to continue it or choose another --out")
    else:
        ckpt, cfg = None, {**DEFAULT_CONFIG, **(config or {})}
    torch.manual_seed(seed)
    model = OAVMNet(cfg).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    rng = np.random.default_rng(seed)
    step, done_min = 0, 0.0
    if ckpt is not None:
        model.load_state_dict(ckpt["state_dict"])
        if "optimizer" in ckpt:
            opt.load_state_dict(ckpt["optimizer"])
        step, done_min = int(ckpt["train"]["steps"]), float(ckpt["train"]["minutes"])
        if "rng" in ckpt:
            rng.bit_generator.state = json.loads(ckpt["rng"]["numpy"])
            torch.set_rng_state(ckpt["rng"]["torch"].cpu())
    start = time.time()

    def elapsed_min() -> float:
        return done_min + (time.time() - start) / 60.0

    def payload() -> dict:
        return {
            "format": FORMAT,
            "config": dict(cfg),
            "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
            "train": {
                "steps": step,
                "minutes": round(elapsed_min(), 3),
                "device": dev.type,
                "seed": seed,
                "data": data_name,
                "size": [h, w],
                "clip_len": clip_len,
                "batch": batch,
                "lr": lr,
                "torch": str(torch.__version__),
            },
            "optimizer": opt.state_dict(),
            "rng": {"numpy": json.dumps(rng.bit_generator.state), "torch": torch.get_rng_state()},
        }

    def progress() -> float:
        p = step / max(steps, 1)
        if minutes:
            p = max(p, elapsed_min() / minutes)
        return p

    last_save = time.time()
    final_step = steps if stop_after is None else min(steps, step + stop_after)
    model.train()
    batch_kw = dict(batch=batch, height=h, width=w, frames=clip_len)
    if workers > 0:
        loader = iter(torch.utils.data.DataLoader(
            _BatchStream(source, [seed, step], batch_kw), batch_size=None, num_workers=workers,
            prefetch_factor=2,
        ))
    with log_path.open("a") as log:
        while step < final_step and (not minutes or elapsed_min() < minutes):
            if workers > 0:
                batch_np = {k: np.asarray(v) for k, v in next(loader).items()}
            else:
                batch_np = make_batch(source, rng, **batch_kw)
            images = torch.from_numpy(batch_np["image"]).to(dev)
            gt = torch.from_numpy(batch_np["alpha"]).to(dev)
            first = torch.from_numpy(batch_np["first_mask"]).to(dev)
            cur_lr = _lr(lr, progress())
            for group in opt.param_groups:
                group["lr"] = cur_lr
            alpha, seg = model(images, first)
            losses = matting_loss(alpha, seg, gt)
            opt.zero_grad(set_to_none=True)
            losses["total"].backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            if step % log_every == 0 or step == 1:
                rec = {"step": step, "minutes": round(elapsed_min(), 3), "lr": cur_lr}
                rec.update({k: round(float(v.detach()), 5) for k, v in losses.items()})
                log.write(json.dumps(rec) + "\n")
                log.flush()
                if not quiet:
                    print(" ".join(f"{k}={v}" for k, v in rec.items()), flush=True)
            if time.time() - last_save > save_every_s:
                save_checkpoint(out, payload())
                last_save = time.time()
    final = payload()
    save_checkpoint(out, final)
    return final
