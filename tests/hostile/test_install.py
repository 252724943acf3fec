"""Hostile cases for the light install: vmbench without torch (and the other optional extras).

A command that needs an extra must stop with ONE line naming the extra (exit 2, no traceback);
everything on the scoring path must run with torch unimportable, and give the numbers computed
here independently. Torch is hidden the way a missing package looks to Python: a subprocess whose
``sys.modules[name] = None`` makes ``import name`` raise ModuleNotFoundError, or monkeypatching.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from vmbench.errors import InputError
from vmbench.extras import has_module, missing_extra_message, require

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = ("torch", "torchvision", "diffusers", "transformers", "onnxruntime")


def run_hidden(code: str) -> subprocess.CompletedProcess:
    """Run Python `code` in a fresh process from the checkout with the optional extras hidden."""
    prelude = f"import sys\nfor _n in {HIDDEN!r}:\n    sys.modules[_n] = None\n"
    return subprocess.run([sys.executable, "-c", prelude + code], cwd=ROOT, capture_output=True, text=True, timeout=240)


def cli_hidden(*argv) -> subprocess.CompletedProcess:
    return run_hidden(f"from vmbench.cli import main\nraise SystemExit(main({[str(a) for a in argv]!r}))")


def one_error_line(proc: subprocess.CompletedProcess, *fragments: str) -> bool:
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    return (proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("vmbench: error:")
            and "Traceback" not in proc.stderr and all(f in lines[0] for f in fragments))


def write_clip(root: Path, frames: list[np.ndarray]) -> None:
    for t, alpha in enumerate(frames):
        path = root / "set0" / "clip0" / "pha" / f"{t:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), alpha)


# --- the one-line message, in process -------------------------------------------------------

@pytest.mark.parametrize("module, extra", [
    ("torch", "models"), ("torch.nn.functional", "models"), ("torchvision", "models"),
    ("diffusers", "diffusion"), ("transformers", "diffusion"), ("onnxruntime", "onnx"),
])
def test_missing_optional_module_names_its_extra(module, extra):
    message = missing_extra_message(ModuleNotFoundError(f"No module named {module!r}", name=module))
    assert message is not None and f"pip install 'vmbench[{extra}]'" in message
    assert module.split(".")[0] in message and "\n" not in message


@pytest.mark.parametrize("exc", [
    ModuleNotFoundError("No module named 'numpy_typo'", name="numpy_typo"),  # a real bug: not ours to explain
    ImportError("cannot import name 'x' from 'vmbench.protocols'", name="vmbench.protocols"),
    ImportError("no name at all"),
])
def test_other_import_errors_are_not_disguised_as_a_missing_extra(exc):
    assert missing_extra_message(exc) is None


def test_cli_turns_a_missing_torch_into_one_line(monkeypatch, capsys):
    import vmbench.commands.eval as eval_command
    from vmbench.cli import main

    def needs_torch(args):
        import torch  # noqa: F401  (hidden below)

    monkeypatch.setitem(sys.modules, "torch", None)
    monkeypatch.setattr(eval_command, "run", needs_torch)
    code = main(["eval", "--pred", "p", "--gt", "g"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith("vmbench: error: eval: needs torch") and "pip install 'vmbench[models]'" in err[0]


def test_cli_does_not_swallow_an_unrelated_import_error(monkeypatch):
    import vmbench.commands.eval as eval_command
    from vmbench.cli import main

    def broken(args):
        raise ModuleNotFoundError("No module named 'numpy_typo'", name="numpy_typo")

    monkeypatch.setattr(eval_command, "run", broken)
    with pytest.raises(ModuleNotFoundError):
        main(["eval", "--pred", "p", "--gt", "g"])


def test_has_module_and_require_with_torch_hidden(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    assert not has_module("torch") and has_module("numpy")
    with pytest.raises(InputError, match=r"^oavm needs torch, which is not installed: pip install 'vmbench\[models\]'"):
        require("torch", "oavm")


def test_suite_skips_adapters_whose_extra_is_missing(monkeypatch):
    import vmbench.extras as extras
    from vmbench.suite import runnable_methods

    monkeypatch.setattr(extras, "has_module", lambda name: name != "torch")
    names = runnable_methods()
    assert "oavm" not in names
    assert {"mask-as-matte", "ffm-static", "trimap-knn"} <= set(names)


# --- whole processes with the extras hidden ----------------------------------------------------

def test_eval_gate_leaderboard_run_without_torch_and_give_the_numbers(tmp_path):
    rng = np.random.default_rng(7)
    gt = [rng.integers(0, 256, (24, 40), dtype=np.uint8) for _ in range(2)]
    pred = [np.clip(g.astype(int) + rng.integers(-20, 21, g.shape), 0, 255).astype(np.uint8) for g in gt]
    write_clip(tmp_path / "gt", gt)
    write_clip(tmp_path / "pred", pred)
    result, board = tmp_path / "out" / "r.json", tmp_path / "out" / "board"
    code = f"""
from vmbench.cli import main
codes = [main(['eval', '--pred', {str(tmp_path / 'pred')!r}, '--gt', {str(tmp_path / 'gt')!r}, '--json', {str(result)!r}, '--quiet', '--no-progress']),
         main(['gate', {str(result)!r}, '--baseline', {str(result)!r}, '--all', '1%']),
         main(['leaderboard', {str(result)!r}, '--out', {str(board)!r}])]
heavy = sorted(m for m in ('torch', 'pandas', 'matplotlib', 'dask', 'distributed') if sys.modules.get(m) is not None)
print('CODES', codes, 'HEAVY', heavy)
"""
    proc = run_hidden(code)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "CODES [0, 0, 0]" in proc.stdout
    summary = json.loads(result.read_text())["summary"]
    p = [a.astype(np.float32) / np.float32(255) for a in pred]
    g = [a.astype(np.float32) / np.float32(255) for a in gt]
    mad = np.mean([np.abs(a.astype(np.float64) - b).mean() for a, b in zip(p, g)]) * 1e3
    mse = np.mean([((a.astype(np.float64) - b) ** 2).mean() for a, b in zip(p, g)]) * 1e3
    assert summary["MAD"] == pytest.approx(mad, rel=1e-9)
    assert summary["MSE"] == pytest.approx(mse, rel=1e-9)
    assert (board / "README.md").is_file()


def test_eval_process_loads_no_heavy_module(tmp_path):
    """`vmbench eval` (torch installed or not) imports no torch, pandas, matplotlib or Dask."""
    write_clip(tmp_path / "gt", [np.full((8, 8), 200, np.uint8)])
    write_clip(tmp_path / "pred", [np.full((8, 8), 100, np.uint8)])
    code = f"""
import sys
from vmbench.cli import main
main(['eval', '--pred', {str(tmp_path / 'pred')!r}, '--gt', {str(tmp_path / 'gt')!r}, '--quiet', '--no-progress'])
print('HEAVY', sorted(m for m in ('torch', 'pandas', 'matplotlib', 'dask', 'distributed', 'vmbench.leaderboard') if m in sys.modules))
"""
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("argv, fragment", [
    (["train", "oavm", "--synthetic", "--out", "{tmp}/w.pt"], "train: needs torch"),
    (["run-baseline", "oavm", "--data", "{tmp}/data", "--out", "{tmp}/pred"], "run-baseline: needs torch"),
])
def test_model_commands_without_torch_say_which_extra(tmp_path, argv, fragment):
    clip = tmp_path / "data" / "plain" / "set0" / "clip0"
    for folder in ("com", "guidance/first_mask"):
        (clip / folder).mkdir(parents=True)
        cv2.imwrite(str(clip / folder / "0000.png"), np.zeros((8, 8, 3) if folder == "com" else (8, 8), np.uint8))
    proc = cli_hidden(*(a.format(tmp=tmp_path) for a in argv))
    assert one_error_line(proc, fragment, "pip install 'vmbench[models]'"), proc.stderr
    assert not (tmp_path / "w.pt").exists() and not list(tmp_path.glob("pred/**/*.png"))


def test_scoring_modules_import_without_torch():
    """Every module on the scoring / leaderboard / no-weights-baseline path imports with the extras hidden."""
    modules = ["vmbench.cli", "vmbench.commands.eval", "vmbench.commands.gate", "vmbench.commands.leaderboard",
               "vmbench.commands.history", "vmbench.commands.make_dataset", "vmbench.commands.demo",
               "vmbench.commands.suite", "vmbench.commands.run_baseline", "vmbench.evaluate", "vmbench.instance",
               "vmbench.leaderboard.table", "vmbench.leaderboard.plots", "vmbench.synth", "vmbench.suite",
               "baselines.classical.trimap", "baselines.classical.caption", "baselines.classical.propagate",
               "baselines.oavm.adapter", "baselines.rvm.adapter"]
    proc = run_hidden("import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules) + "print('OK')")
    assert proc.stdout.strip() == "OK", proc.stderr


def test_demo_says_what_it_leaves_out_and_why(monkeypatch):
    import vmbench.extras as extras
    from vmbench.commands.demo import demo_methods

    monkeypatch.setattr(extras, "has_module", lambda name: name != "torch")
    chosen, skipped = demo_methods()
    assert "oavm" not in chosen and not {"trimap-cf", "trimap-knn"} & set(chosen)
    assert {"mask-as-matte", "ffm-propagate", "caption-color-prior", "none-background-diff"} <= set(chosen)
    assert any(s.startswith("oavm (needs torch: pip install 'vmbench[models]')") for s in skipped)
    assert sum(s.startswith(("trimap-cf (", "trimap-knn (")) for s in skipped) == 2


def test_demo_board_ranks_by_mad_and_prints_each_value_once():
    from vmbench.commands.demo import _board

    text = _board("trimap", [("b", "rvm", {"MAD": 2.5, "MSE": 1.0}), ("a", "rvm", {"MAD": 1.25, "MSE": 3.0})])
    lines = text.splitlines()
    assert lines[0] == "track trimap (protocol rvm), best MAD first"
    assert lines[2].split() == ["a", "1.25", "3"] and lines[3].split() == ["b", "2.5", "1"]
