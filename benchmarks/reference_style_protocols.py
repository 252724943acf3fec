"""The issue-14 protocols' metrics implemented the way their reference scripts compute them
(whole-array float32 NumPy, OpenCV, and for TCVOM's warp PyTorch's grid_sample, one frame at a
time), written here from the definitions in docs/metrics.md. Only the speed baseline for
benchmarks/test_speed_protocols.py; not used by vmbench."""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks import reference_style as ref

_ELLIPSE_10 = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (10, 10))


def madt(pred, true_u8):
    """VideoMaMa MAD-T: both eroded masks, then the mean over what neither covers."""
    fg = cv2.erode((true_u8 == 255).astype(np.uint8), _ELLIPSE_10)
    bg = cv2.erode((true_u8 == 0).astype(np.uint8), _ELLIPSE_10)
    region = (fg | bg) == 0
    true = true_u8.astype(np.float32) / 255
    return float(np.abs(pred[region] - true[region]).mean() * 1e3) if region.any() else 0.0


def tcvom_frame(a, g, tri, ha, hg, flow):
    """calc_metric.py's per-frame dict (mSAD, MSE, SSDA, dtSSD, MESSDdt, MESSDdt_fix) for frame a and
    its next frame ha, with `flow` float32 (H, W, 2) NaN where invalid (as its _flow_read returns)."""
    import torch
    import torch.nn.functional as F

    m = (tri > 0) * (tri < 255)
    out = {"mSAD": float(np.mean(np.abs(a[m] - g[m]))), "MSE": float(np.mean((a[m] - g[m]) ** 2)),
           "SSDA": float(np.sqrt(np.sum((a[m] - g[m]) ** 2)))}
    d = (a - ha) - (g - hg)
    out["dtSSD"] = float(np.sqrt(np.sum(d[m] ** 2)))
    t = lambda x: torch.from_numpy(x)[None, None]
    fl = torch.from_numpy(flow.copy()).permute(2, 0, 1)[None]
    nan = torch.isnan(fl)
    h, w = a.shape
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    coords = torch.stack([xs, ys])[None]
    fl[nan] = 0
    c = coords + fl
    grid = torch.cat([2 * c[:, :1] / (w - 1) - 1, 2 * c[:, 1:] / (h - 1) - 1], 1).permute(0, 2, 3, 1)
    pa = F.grid_sample(t(ha), grid, mode="bilinear", align_corners=True)
    pg = F.grid_sample(t(hg), grid, mode="bilinear", align_corners=True)
    mask = (~nan[:, :1]) * t(m)
    e0, e1 = t(a)[mask] - t(g)[mask], pa[mask] - pg[mask]
    out["MESSDdt_fix"] = float((e0 - e1).abs().sum())
    out["MESSDdt"] = float((e0 ** 2 - e1 ** 2).abs().sum())
    return out


def ftpvm_frame(pred, true, tri, pred_prev, true_prev, tri_prev):
    """evaluate_lr.py's trimap-wise values of one frame (dict of the 21 numbers)."""
    fg, bg = tri >= 254, tri <= 1
    regions = [("", None), ("fg_", fg), ("tran_", ~(fg | bg)), ("bg_", bg)]
    fgp, bgp = tri_prev >= 254, tri_prev <= 1
    prev_regions = [None, fgp, ~(fgp | bgp), bgp]
    diff = np.abs(pred - true)
    sq = (pred - true) ** 2
    mag = lambda x: (lambda n: np.sqrt(cv2.filter2D(n, -1, ref.KX, borderType=cv2.BORDER_REPLICATE) ** 2
                                       + cv2.filter2D(n, -1, ref.KY, borderType=cv2.BORDER_REPLICATE) ** 2))(
        cv2.normalize(x, None, 1.0, 0.0, cv2.NORM_MINMAX))
    gl = (mag(true) - mag(pred)) ** 2
    dt = ((pred - pred_prev) - (true - true_prev)) ** 2
    out = {"Conn": ref.conn(pred, true)}
    for (prefix, sel), psel in zip(regions, prev_regions):
        d = diff if sel is None else diff[sel]
        out[prefix + "SAD"] = d.sum()
        out[prefix + "MAD"] = d.sum() / d.size * 1e3 if d.size else 0
        s = sq if sel is None else sq[sel]
        out[prefix + "MSE"] = s.mean() * 1e3 if s.size else 0
        out[prefix + "Grad"] = (gl if sel is None else gl[sel]).sum() / 1000
        e = dt if sel is None else dt[sel | psel]
        out[prefix + "dtSSD"] = np.sqrt(e.sum() / e.size) * 1e2 if e.size else 0
    return out


def maggie_messddt(pred, gt):
    """MaGGIe's MESSDdt.compute_single_video on one instance's window (pred, gt float32 (F, H, W)),
    as its code computes it (torch.take on the flattened stack)."""
    import torch

    flows = [cv2.calcOpticalFlowFarneback((a * 255).astype(np.uint8), (b * 255).astype(np.uint8), None,
                                          0.5, 5, 10, 2, 7, 1.5, cv2.OPTFLOW_FARNEBACK_GAUSSIAN)
             for a, b in zip(gt[:-1], gt[1:])]
    flow = torch.from_numpy(np.rint(np.array(flows)).astype(np.int64))
    p, g = torch.from_numpy(pred), torch.from_numpy(gt)
    B, h, w = g[:-1].shape
    xx, yy = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    coords = torch.stack([yy, xx], dim=2)[None].repeat(B, 1, 1, 1) + flow
    idx = coords[..., 0].clamp(0, h - 1) * w + coords[..., 1].clamp(0, w - 1)
    p1, g1 = torch.take(p[1:], idx), torch.take(g[1:], idx)
    err = ((p[:-1] - g[:-1]) ** 2 - (p1 - g1) ** 2).abs().view(B, -1).sum(1)
    return float(err.sum() / (B * (h * w + 1.0))) * 1e4
