"""`vmbench train oavm` end to end on a tiny dataset folder (make-dataset layout)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vmbench.cli import main
from vmbench.io.frames import write_alpha, write_rgb


def _dataset(root, source):
    clip = source(np.random.default_rng(0), height=40, width=56, frames=3, n_instances=2)
    plain, inst = root / "plain" / "d" / "c0", root / "instance" / "d" / "c0"
    for t in range(3):
        name = f"{t:04d}.png"
        write_rgb(plain / "com" / name, clip.image[t])
        write_rgb(inst / "com" / name, clip.image[t])
        write_rgb(plain / "fgr" / name, clip.fgr[t])
        write_alpha(plain / "pha" / name, clip.union[t])
        for i in range(2):
            write_alpha(inst / "pha" / f"i{i}" / name, clip.alphas[i, t])


def test_cli_trains_from_dataset_folder(tmp_path, source, capsys):
    _dataset(tmp_path / "data", source)
    out = tmp_path / "ck.pt"
    argv = ["train", "oavm", "--data", str(tmp_path / "data"), "--out", str(out), "--steps", "2",
            "--size", "32x48", "--clip-len", "2", "--batch", "1", "--seed", "3"]
    assert main(argv) == 0
    ck = torch.load(out, map_location="cpu", weights_only=True)
    assert ck["train"]["steps"] == 2 and ck["train"]["seed"] == 3 and ck["train"]["size"] == [32, 48]
    assert "dataset folder" in ck["train"]["data"]
    assert "wrote" in capsys.readouterr().out
    # refuses to overwrite without --resume; bad inputs are one-line errors (exit 2)
    assert main(argv) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["train", "oavm", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "z.pt"),
                 "--size", "30x48"]) == 2
    assert "multiples of 16" in capsys.readouterr().err
    assert main(["train", "oavm", "--data", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.pt")]) == 2
    assert "not found" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:  # argparse rejects a malformed size
        main(argv[:4] + ["--out", str(tmp_path / "y.pt"), "--size", "abc"])
    assert exc.value.code == 2
    assert "expected HEIGHTxWIDTH" in capsys.readouterr().err
