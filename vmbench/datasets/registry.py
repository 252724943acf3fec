"""The dataset profiles vmbench knows, by name. Facts and their sources: docs/datasets.md."""

from __future__ import annotations

from vmbench.datasets.profile import Profile
from vmbench.errors import InputError

__all__ = ["PROFILES", "get_profile", "profile_names"]

_RVM = ("PeterL1n/RobustVideoMatting@53d74c6 evaluation/evaluate_{lr,hr}.py, documentation/training.md, "
        "evaluation/generate_videomatte_with_background_*.py (--num-samples 20, --num-frames 100)")
_MATANYONE = "pq-yang/MatAnyone@e5ddc53 README.md, evaluation/eval_yt_{lr,hr}.py"
_MATANYONE2 = "pq-yang/MatAnyone2@e337012 docs/EVAL.md, evaluation/eval_crgnn.py"

_VM_LAYOUT = "{root}/{split}/<clip>/pha/%04d{ext} (com/ = model input, fgr/, bgr/ beside pha/)"
_VM_PRED = "PRED/<split>/<clip>/pha/%04d.png (paired by stem: PNG predictions pair with {ext} ground truth)"

_PROFILES = (
    Profile(
        name="videomatte-lr",
        aliases=("videomatte_512x288", "vm-lr"),
        title="VideoMatte240K test composited by RVM, 512x288",
        task="plain",
        protocol="rvm",
        layout=_VM_LAYOUT.format(root="videomatte_512x288", split="videomatte_{motion,static}", ext=".png"),
        pred_layout=_VM_PRED.format(ext="PNG"),
        gt_ext=(".png",),
        size=(512, 288),
        frames=100,
        clips=40,
        splits=("videomatte_motion", "videomatte_static"),
        extras=(("first-frame masks", "VideoMatte_first_frame_seg_mask.zip, for mask-guided methods (MatAnyone2 "
                                      "docs/EVAL.md; inference only)"),),
        download="https://robustvideomatting.blob.core.windows.net/eval/videomatte_512x288.tar (PNG 1.8G)",
        sources=(_RVM, _MATANYONE2),
        remarks="RVM's sheet pools motion and static clips into one figure, as the paper's table.",
    ),
    Profile(
        name="videomatte-hr",
        aliases=("videomatte_1920x1080", "vm-hr"),
        title="VideoMatte240K test composited by RVM, 1920x1080 (JPEG ground truth)",
        task="plain",
        protocol="rvm-hr",
        layout=_VM_LAYOUT.format(root="videomatte_1920x1080", split="videomatte_{motion,static}", ext=".jpg"),
        pred_layout=_VM_PRED.format(ext="JPEG"),
        gt_ext=(".jpg",),
        size=(1920, 1080),
        frames=100,
        clips=40,
        splits=("videomatte_motion", "videomatte_static"),
        per_split=True,
        extras=(("first-frame masks", "VideoMatte_first_frame_seg_mask.zip, for mask-guided methods (MatAnyone2 "
                                      "docs/EVAL.md; inference only)"),),
        download="https://robustvideomatting.blob.core.windows.net/eval/videomatte_1920x1080.tar (JPG 2.2G)",
        sources=(_RVM, "arXiv 2108.11515 Table 7 (the static subset at 1920x1080, beside BGMv2)", _MATANYONE2),
        remarks="RVM's main table pools both subsets; its Table 7 reports the static subset alone (BGMv2 needs "
                "a static background), so both are printed. RVM's evaluate_hr.py needs predictions under the ground truth's file names (.jpg); "
                "vmbench pairs by stem, as MatAnyone's eval_hr.py does.",
    ),
    Profile(
        name="youtubematte-lr",
        aliases=("youtubematte_512x288", "ytm-lr"),
        title="YouTubeMatte (MatAnyone), 512x288",
        task="plain",
        protocol="rvm",
        layout=_VM_LAYOUT.format(root="youtubematte_512x288", split="youtubematte_{motion,static}", ext=".png")
        .replace("com/ = model input", "har/ = harmonised model input"),
        pred_layout=_VM_PRED.format(ext="PNG"),
        gt_ext=(".png",),
        size=(512, 288),
        splits=("youtubematte_motion", "youtubematte_static"),
        extras=(("first-frame masks", "YouTubeMatte_first_frame_seg_mask/youtubematte_512x288/<clip>.png (inference only)"),),
        download="https://drive.google.com/drive/folders/1lCyysToerSywT3_tnYrx3nMe2fuR5ZiL (YouTubeMatte.zip 6.24G)",
        sources=(_MATANYONE, _MATANYONE2),
        remarks="32 foregrounds; MatAnyone's eval pools motion and static into one figure.",
    ),
    Profile(
        name="youtubematte-hr",
        aliases=("youtubematte_1920x1080", "ytm-hr"),
        title="YouTubeMatte (MatAnyone), 1920x1080 (JPEG ground truth)",
        task="plain",
        protocol="rvm-hr",
        layout=_VM_LAYOUT.format(root="youtubematte_1920x1080", split="youtubematte_{motion,static}", ext=".jpg")
        .replace("com/ = model input", "har/ = harmonised model input"),
        pred_layout=_VM_PRED.format(ext="JPEG"),
        gt_ext=(".jpg",),
        size=(1920, 1080),
        splits=("youtubematte_motion", "youtubematte_static"),
        extras=(("first-frame masks", "YouTubeMatte_first_frame_seg_mask/youtubematte_1920x1080/<clip>.png (inference only)"),),
        download="https://drive.google.com/drive/folders/1lCyysToerSywT3_tnYrx3nMe2fuR5ZiL (YouTubeMatte.zip 6.24G)",
        sources=(_MATANYONE, _MATANYONE2),
        remarks="MatAnyone's eval_yt_hr.py reads the ground truth as <stem>.jpg for any prediction extension.",
    ),
    Profile(
        name="crgnn",
        aliases=("crgnn-real",),
        title="CRGNN real-world videos (ground truth on every 10th frame)",
        task="plain",
        protocol="crgnn",
        layout="crgnn/alpha/<video>/<frame>.png (video names contain spaces; frames 1, 11, 21, ... of the video)",
        pred_layout="PRED/<video>/pha/<frame>.png, every frame of the video (0000.png, 0001.png, ...)",
        gt_ext=(".png",),
        sparse_gt=10,
        extras=(("all input frames", "crgnn/image_allframe/<video>/"),
                ("first-frame masks", "crgnn/mask/<video>.png (inference only)")),
        download="https://www.dropbox.com/sh/23uvsue5we7e7b5/AAB4GSSWIaKiSouvN3wuWiwWa (real data); "
                 "first-frame masks: MatAnyone2 docs/EVAL.md",
        sources=(_MATANYONE2, "TiantianWang/VideoMatting-CRGNN@2522007 README.md"),
        remarks="Pairing as eval_crgnn.py: the k-th ground-truth frame (sorted) is the (10k)-th prediction "
                "frame (sorted) unless the stems pair directly; dtSSD is taken between annotated frames.",
    ),
    Profile(
        name="vm108",
        aliases=("videomatting108", "tcvom"),
        title="VideoMatting108 validation set (TCVOM), 1080p, trimap-unknown region",
        task="plain",
        protocol="tcvom",
        layout="dataset/FG_done/<video>/<frame>.png (RGBA: the A channel is the ground-truth alpha); "
               "validation clips listed in val_videos.txt",
        pred_layout="PRED/<video>/<frame>_pred.png with the trimap used beside it as <frame>_tri.png",
        gt_ext=(".png",),
        size=(1920, 1080),
        clips=28,
        extras=(("trimaps", "PRED/<video>/<frame>_tri.png (written by the method; unknown = 0 < t < 255)"),
                ("flow", "dataset/flow_png/<video>/flow_<frame>_<next>.png (int16/100, last channel validity; "
                         "shipped as flow_png_val)"),
                ("frame pairing", "dataset/frame_corr.json (foreground frame -> background frame)"),
                ("split lists", "dataset/train_videos.txt, val_videos.txt, *_subset.txt")),
        download="https://1drv.ms/u/s!AuG441T6ysq5g3pP5iTyOMRwUBDy?e=MdorID (192 GB in 1 GB parts; "
                 "BaiduYun mirror in the README, code v108)",
        sources=("yunkezhang/TCVOM@f5fa07a README.md, calc_metric.py",),
        pairing="vm108",
        remarks="--gt is the dataset root (FG_done/, frame_corr.json, val_videos.txt), --pred holds "
                "<video>/<frame>_pred.png and _tri.png as pred_vmd.py writes them. calc_metric.py skips videos with a "
                "missing frame silently and averages in any complete non-validation video; vmbench refuses both.",
    ),
    Profile(
        name="vhim60",
        aliases=("v-him60",),
        title="V-HIM60 (MaGGIe), instance mattes, easy/medium/hard",
        task="instance",
        protocol="maggie",
        layout="V-HIM60/comp_{easy,medium,hard}/pha/<video>/<frame>/<instance>.png "
               "(fgr/<video>/<frame>.jpg = composited input, xmem/ = guidance masks, same shape as pha/)",
        pred_layout="PRED/comp_<level>/<video>/<frame>/<instance>.png (MaGGIe's saved results)",
        gt_ext=(".png",),
        frames=30,
        clips=60,
        splits=("comp_easy", "comp_medium", "comp_hard"),
        per_split=True,
        extras=(("guidance masks", "V-HIM60/comp_<level>/xmem/<video>/<frame>/<instance>.png"),),
        download="https://huggingface.co/datasets/chuonghm/MaGGIe-HIM (V-HIM60.zip)",
        sources=("hmchuong/MaGGIe@62344dd docs/DATASET.md, scripts/eval_video.sh (one run per comp_<level>)",),
    ),
    Profile(
        name="vim50",
        aliases=("vim",),
        title="VIM50 (Video Instance Matting), 1920x1080, 2-4 people per clip",
        task="instance",
        protocol="rvm",
        metrics=("MAD", "MSE", "dtSSD"),
        layout="VIM50/<clip>/pha/<instance>/<frame>.png (com/<int>.png = model input)",
        pred_layout="PRED/<clip>/<instance>/<frame>.png (instance names free: matched by the metric)",
        gt_ext=(".png",),
        size=(1920, 1080),
        frames=50,
        clips=50,
        extras=(("guidance masks", "MTRCNN/{tg_masks,re_masks}/<clip>/<instance>/<frame>.png, SeqFormer/ likewise"),),
        download="https://drive.google.com/drive/folders/1gYtZd66qeCA4JWdbguRaWecG90aqfvs5",
        sources=("SHI-Labs/VIM@6c9d0ce README.md, metrics_vim.py, infer_vim_clip.py",),
    ),
    Profile(
        name="davis",
        aliases=("davis2017",),
        title="DAVIS 2017 val, 480p (J&F on binarised mattes)",
        task="instance",
        protocol="davis",
        metrics=("J", "F"),
        layout="DAVIS/Annotations/480p/<sequence>/%05d.png (palette PNG: pixel value = object id, 255 void); "
               "JPEGImages/480p/, ImageSets/2017/val.txt",
        pred_layout="PRED/<sequence>/%05d.png (palette PNG, object ids as in the ground truth)",
        gt_ext=(".png",),
        extras=(("sequence lists", "DAVIS/ImageSets/2017/{train,val}.txt"),),
        download="https://davischallenge.org/davis2017/code.html (DAVIS-2017-trainval-480p.zip)",
        sources=("davisvideochallenge/davis2017-evaluation@ac7c43f davis2017/davis.py, evaluation_method.py",),
        unsupported="palette ground truth with void pixels (255), which davis2017-evaluation leaves out of J and F: "
                    "vmbench reads instance alphas as one folder per instance and has no void region; split the "
                    "palette masks into <sequence>/pha/<object>/%05d.png and use --task instance --metrics J,F "
                    "(void pixels then count)",
    ),
    Profile(
        name="vrm10k",
        aliases=("vrm-10k",),
        title="VRM-10K (VRMDiff), referring video matting: 10,000 videos with captions and instance alphas",
        task="referring",
        protocol="rvm",
        layout="not released; vmbench's referring layout (docs/formats.md): <clip>/pha/<instance>/<frame>.png "
               "with meta_expressions.json (MeViS schema)",
        pred_layout="PRED/<clip>/<exp_id>/<frame>.png",
        gt_ext=(".png",),
        download="not public (maintainer: code and dataset after the paper's acceptance, "
                 "https://github.com/Hansxsourse/VRMDiff/issues/3)",
        sources=("arXiv 2503.10678 (abstract)", "https://github.com/Hansxsourse/VRMDiff/issues/3"),
        status="unreleased",
        unsupported="VRM-10K is not released: its layout and caption format are not public; score a referring tree in "
               "vmbench's layout with --task referring",
    ),
)

PROFILES: dict[str, Profile] = {p.name: p for p in _PROFILES}
_ALIASES = {a: p.name for p in _PROFILES for a in p.aliases}


def profile_names() -> list[str]:
    """The profile names, in listing order."""
    return list(PROFILES)


def get_profile(name: str) -> Profile:
    """The profile called `name` (or one of its aliases, any case); `InputError` naming the choices."""
    key = name.strip().lower().replace("_", "-") if name else ""
    for cand in (key, name.strip().lower() if name else ""):
        if cand in PROFILES:
            return PROFILES[cand]
        if cand in _ALIASES:
            return PROFILES[_ALIASES[cand]]
    raise InputError(f"unknown dataset {name!r}; known: {', '.join(PROFILES)} (vmbench datasets lists them)")
