"""Hostile inputs to the product surface: bundles (pack/verify), LaTeX tables, the static site and
leaderboard outputs. Each case asserts the exact class of answer: which error line (exit 2), which
verdict line (exit 1), or which value, computed here independently."""

import json
import math
import re
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from vmbench.cli import main

# ---------------------------------------------------------------- local helpers


def _png(path: Path, a: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), a)


def _dataset(root: Path, content_hash="hash-A", seed=0):
    """gt/d/c0/pha/000t.png (2 frames, 4x5) with a manifest; pred/ the same with noise. Returns
    (gt, pred, gt arrays, pred arrays)."""
    rng = np.random.default_rng(seed)
    gs, ps = [], []
    for t in range(2):
        g = rng.integers(0, 256, (4, 5), dtype=np.uint8)
        p = np.clip(g.astype(int) + rng.integers(-40, 41, g.shape), 0, 255).astype(np.uint8)
        _png(root / "gt" / "d" / "c0" / "pha" / f"{t:04d}.png", g)
        _png(root / "pred" / "d" / "c0" / "pha" / f"{t:04d}.png", p)
        gs.append(g)
        ps.append(p)
    (root / "gt" / "manifest.json").write_text(json.dumps({"content_hash": content_hash}))
    return root / "gt", root / "pred", gs, ps


def _mad(gs, ps) -> float:
    """MAD x1e3 of one clip, RVM pooling (one clip: the mean over frames of mean |p - g|)."""
    return float(np.mean([np.mean(np.abs(p / 255.0 - g / 255.0)) for g, p in zip(gs, ps)]) * 1e3)


@pytest.fixture
def packed(tmp_path):
    gt, pred, gs, ps = _dataset(tmp_path)
    res = tmp_path / "r.json"
    assert main(["eval", "--pred", str(pred), "--gt", str(gt), "--json", str(res), "--metrics", "MAD",
                 "--quiet"]) == 0
    bundle = tmp_path / "b.zip"
    assert main(["pack", str(res), "--out", str(bundle)]) == 0
    return {"gt": gt, "pred": pred, "res": res, "bundle": bundle, "gs": gs, "ps": ps, "tmp": tmp_path}


def _rewrite(src: Path, dst: Path, change) -> None:
    """Copy a zip member by member; change(name, data) returns new bytes, or None to drop the member."""
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w") as zo:
        for name in zi.namelist():
            data = change(name, zi.read(name))
            if data is not None:
                zo.writestr(name, data)


def _verify(capsys, *argv):
    capsys.readouterr()
    rc = main(["verify", *map(str, argv)])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def _result(path: Path, method: str, mad: list[float], *, protocol="rvm", summary=None, run=None,
            datasets=None, extra=None):
    """A four-key result with one clip per value; summary = plain mean unless given."""
    datasets = datasets or ["d"] * len(mad)
    clips = [{"dataset": ds, "clip": f"c{i}", "frames": 1, "MAD": v, **(extra or {})}
             for i, (ds, v) in enumerate(zip(datasets, mad))]
    frames = [{"dataset": c["dataset"], "clip": c["clip"], "frame": "0000", "MAD": c["MAD"]} for c in clips]
    summary = summary if summary is not None else {"MAD": sum(mad) / len(mad)}
    path.write_text(json.dumps({"protocol": protocol, "summary": summary, "clips": clips, "frames": frames}))
    rec = {"method": method, "track": "none", "task": "plain", "protocol": protocol, "date": "2026-01-01"}
    rec.update(run or {})
    path.with_name(path.stem + ".run.json").write_text(json.dumps(rec))
    return path


# ---------------------------------------------------------------- verify: tampered bundles (exit 1)


def test_tampered_result_number_is_caught_by_hash_and_by_rescoring(packed, capsys):
    bad = packed["tmp"] / "bad.zip"

    def change(name, data):
        if name == "result.json":
            d = json.loads(data)
            d["summary"]["MAD"] = d["summary"]["MAD"] / 2
            return json.dumps(d).encode()
        return data

    _rewrite(packed["bundle"], bad, change)
    rc, out, _ = _verify(capsys, bad, "--gt", packed["gt"])
    assert rc == 1
    assert "changed: result.json: SHA-256 differs from the manifest" in out
    expected = _mad(packed["gs"], packed["ps"])
    line = next(ln for ln in out.splitlines() if ln.startswith("differs: MAD:"))
    assert f"re-scored {expected:.6g}" in line and f"bundle {expected / 2:.6g}" in line
    assert out.rstrip().endswith("NOT reproduced")


def test_consistently_forged_manifest_still_fails_on_rescoring(packed, capsys):
    bad = packed["tmp"] / "forged.zip"
    import hashlib

    with zipfile.ZipFile(packed["bundle"]) as zf:
        result = json.loads(zf.read("result.json"))
    result["summary"]["MAD"] = 1.0
    new_result = json.dumps(result).encode()

    def change(name, data):
        if name == "result.json":
            return new_result
        if name == "manifest.json":
            m = json.loads(data)
            m["files"]["result.json"] = hashlib.sha256(new_result).hexdigest()
            return json.dumps(m).encode()
        return data

    _rewrite(packed["bundle"], bad, change)
    rc, out, _ = _verify(capsys, bad, "--gt", packed["gt"])
    assert rc == 1 and "changed:" not in out
    assert f"differs: MAD: bundle 1, re-scored {_mad(packed['gs'], packed['ps']):.6g}" in out


def test_replaced_prediction_in_bundle(packed, capsys):
    bad = packed["tmp"] / "pred.zip"
    ok, buf = cv2.imencode(".png", np.zeros((4, 5), np.uint8))

    def change(name, data):
        return buf.tobytes() if name == "predictions/d/c0/pha/0001.png" else data

    _rewrite(packed["bundle"], bad, change)
    rc, out, _ = _verify(capsys, bad, "--gt", packed["gt"])
    assert rc == 1
    assert "changed: predictions/d/c0/pha/0001.png: SHA-256 differs from the manifest" in out
    new_ps = [packed["ps"][0], np.zeros((4, 5), np.uint8)]
    assert f"re-scored {_mad(packed['gs'], new_ps):.6g}" in out


def test_member_added_after_packing(packed, capsys):
    bad = packed["tmp"] / "extra.zip"
    _rewrite(packed["bundle"], bad, lambda n, d: d)
    with zipfile.ZipFile(bad, "a") as zf:
        zf.writestr("notes.txt", b"hello")
    rc, out, _ = _verify(capsys, bad, "--gt", packed["gt"])
    assert rc == 1 and "changed: notes.txt: in the bundle but not in its manifest" in out


def test_member_removed_after_packing(packed, capsys):
    bad = packed["tmp"] / "less.zip"
    _rewrite(packed["bundle"], bad, lambda n, d: None if n == "result.run.json" else d)
    rc, out, _ = _verify(capsys, bad, "--gt", packed["gt"])
    assert rc == 1 and "changed: result.run.json: listed in the manifest but missing from the bundle" in out


# ---------------------------------------------------------------- verify: cannot verify (exit 2)


def test_bundle_from_another_dataset_hash(packed, capsys):
    other = packed["tmp"] / "other"
    gt2, *_ = _dataset(other, content_hash="hash-B")
    rc, out, err = _verify(capsys, packed["bundle"], "--gt", gt2)
    assert rc == 2 and out == ""
    assert err.startswith("vmbench: error: ") and "dataset hash hash-B differs from the bundle's hash-A" in err


def test_hashes_only_without_predictions(packed, capsys):
    b = packed["tmp"] / "h.zip"
    assert main(["pack", str(packed["res"]), "--out", str(b), "--hashes-only"]) == 0
    rc, _, err = _verify(capsys, b, "--gt", packed["gt"])
    assert rc == 2 and "packed with hashes only; give --pred DIR" in err


def test_hashes_only_with_a_missing_prediction(packed, capsys):
    b = packed["tmp"] / "h.zip"
    assert main(["pack", str(packed["res"]), "--out", str(b), "--hashes-only"]) == 0
    (packed["pred"] / "d" / "c0" / "pha" / "0001.png").unlink()
    rc, _, err = _verify(capsys, b, "--gt", packed["gt"], "--pred", packed["pred"])
    assert rc == 2 and "1 of 2 prediction files named in the bundle are missing (e.g. d/c0/pha/0001.png)" in err


def test_hashes_only_with_a_changed_prediction(packed, capsys):
    b = packed["tmp"] / "h.zip"
    assert main(["pack", str(packed["res"]), "--out", str(b), "--hashes-only"]) == 0
    _png(packed["pred"] / "d" / "c0" / "pha" / "0000.png", np.full((4, 5), 255, np.uint8))
    rc, out, _ = _verify(capsys, b, "--gt", packed["gt"], "--pred", packed["pred"])
    assert rc == 1 and "1 of 2 prediction files differ from the packed hashes (e.g. d/c0/pha/0000.png)" in out
    ps = [np.full((4, 5), 255, np.uint8), packed["ps"][1]]
    assert f"re-scored {_mad(packed['gs'], ps):.6g}" in out


@pytest.mark.parametrize("content, message", [
    (b"not a zip at all", "not a zip file"),
    ("nomanifest", "no manifest.json / result.json inside"),
    ("unsafe", "unsafe member name '../evil.txt'"),
    ("version", "bundle format version 99"),
    ("badjson", "a JSON member is not valid JSON"),
])
def test_malformed_bundles(tmp_path, capsys, content, message):
    b = tmp_path / "x.zip"
    if isinstance(content, bytes):
        b.write_bytes(content)
    else:
        with zipfile.ZipFile(b, "w") as zf:
            if content == "unsafe":
                zf.writestr("../evil.txt", b"x")
            if content != "nomanifest":
                manifest = {"format": "vmbench-bundle", "format_version": 99 if content == "version" else 1,
                            "files": {}, "predictions": {}, "protocol": "rvm", "score_options": {}}
                zf.writestr("manifest.json", "{" if content == "badjson" else json.dumps(manifest))
                zf.writestr("result.json", json.dumps({"protocol": "rvm", "summary": {}}))
    rc, out, err = _verify(capsys, b, "--gt", tmp_path)
    assert rc == 2 and out == "" and message in err and err.count("\n") == 1


# ---------------------------------------------------------------- pack refusals (exit 2, nothing written)


def test_pack_refuses_a_bundle_inside_the_predictions(packed, capsys):
    target = packed["pred"] / "b.zip"
    assert main(["pack", str(packed["res"]), "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"--out {target}: is inside the input {packed['pred'].resolve()}; vmbench never writes into its inputs" in err
    assert not target.exists()


def test_pack_refuses_to_replace_a_file_without_overwrite(packed, capsys):
    other = packed["tmp"] / "mine.zip"
    other.write_bytes(b"precious")
    assert main(["pack", str(packed["res"]), "--out", str(other)]) == 2
    assert "already exists; pass --overwrite" in capsys.readouterr().err and other.read_bytes() == b"precious"


def test_pack_refuses_a_name_that_is_not_a_zip(packed, capsys):
    assert main(["pack", str(packed["res"]), "--out", str(packed["tmp"] / "b.tar")]) == 2
    assert "a bundle is a .zip file" in capsys.readouterr().err


def test_pack_without_any_predictions_folder(tmp_path, capsys):
    res = tmp_path / "r.json"
    res.write_text(json.dumps({"protocol": "rvm", "summary": {"MAD": 1.0}, "clips": [], "frames": []}))
    assert main(["pack", str(res), "--out", str(tmp_path / "b.zip")]) == 2
    assert "names no predictions folder; give --pred DIR" in capsys.readouterr().err


# ---------------------------------------------------------------- LaTeX


def _tabular_rows(tex: str) -> list[list[str]]:
    body = tex[tex.index(r"\midrule") + len(r"\midrule"):tex.index(r"\bottomrule")]
    return [[c.strip() for c in ln.rstrip(" \\").split(" & ")] for ln in body.strip().splitlines()
            if ln.strip() and ln.strip() != r"\midrule"]


def test_latex_with_nan_values_prints_a_dash_and_never_ranks_it(tmp_path):
    files = [_result(tmp_path / "a.json", "a", [1.0, 2.0]),
             _result(tmp_path / "n.json", "nan", [1.0, 2.0], summary={"MAD": math.nan}),
             _result(tmp_path / "b.json", "b", [3.0, 4.0]),
             _result(tmp_path / "c.json", "c", [5.0, 6.0])]
    out = tmp_path / "t.tex"
    assert main(["leaderboard", *map(str, files), "--latex", str(out)]) == 0
    rows = {r[0]: r[1] for r in _tabular_rows(out.read_text())}
    assert rows == {"a": r"\textbf{1.500}", "b": r"\underline{3.500}", "c": r"\textit{5.500}", "nan": "--"}


def test_latex_escapes_hostile_method_names(tmp_path):
    f = _result(tmp_path / "x.json", "50% a_b & {c}#$~^\\", [1.0])
    out = tmp_path / "t.tex"
    assert main(["leaderboard", str(f), "--latex", str(out)]) == 0
    row = _tabular_rows(out.read_text())[0]
    assert row[0] == r"50\% a\_b \& \{c\}\#\$\textasciitilde{}\textasciicircum{}\textbackslash{}"
    assert len(row) == 2  # the & in the name did not open a column


def test_latex_ties_share_a_place(tmp_path):
    files = [_result(tmp_path / f"{m}.json", m, v) for m, v in
             (("a", [1.0]), ("b", [1.0]), ("c", [2.0]), ("d", [3.0]))]
    out = tmp_path / "t.tex"
    assert main(["leaderboard", *map(str, files), "--latex", str(out)]) == 0
    rows = {r[0]: r[1] for r in _tabular_rows(out.read_text())}
    # competition ranking: 1, 1, 3, 4 -> a and b bold, c third (italic), d unmarked, nothing underlined
    assert rows == {"a": r"\textbf{1.000}", "b": r"\textbf{1.000}", "c": r"\textit{2.000}", "d": "3.000"}


def test_latex_refuses_to_overwrite_a_foreign_tex(tmp_path, capsys):
    f = _result(tmp_path / "a.json", "a", [1.0])
    paper = tmp_path / "paper.tex"
    paper.write_text("\\documentclass{article}")
    assert main(["leaderboard", str(f), "--latex", str(paper)]) == 2
    assert "was not written by `vmbench leaderboard --latex`" in capsys.readouterr().err
    assert paper.read_text() == "\\documentclass{article}"


# ---------------------------------------------------------------- site and leaderboard outputs


def test_site_with_one_method(tmp_path):
    f = _result(tmp_path / "a.json", "only", [2.0, 4.0], run={"weights_sha256": "abc123", "adapter": "only"})
    site = tmp_path / "site"
    assert main(["leaderboard", str(f), "--site", str(site), "--no-plots"]) == 0
    page = (site / "index.html").read_text()
    rows = re.findall(r'<tr class="measured" data-method="([^"]+)"', page)
    assert rows == ["only"]
    assert 'data-v="3.0"' in page  # the summary, mean of 2 and 4
    assert "abc123" in page and (site / "site.js").is_file()


def test_site_refuses_a_folder_inside_the_predictions(tmp_path, capsys):
    pred = tmp_path / "pred"
    pred.mkdir()
    f = _result(tmp_path / "a.json", "a", [1.0], run={"pred": str(pred)})
    assert main(["leaderboard", str(f), "--site", str(pred / "site"), "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert f"--site {pred / 'site'}: is inside the input {pred.resolve()}; vmbench never writes into its inputs" in err
    assert not (pred / "site").exists()


def test_site_refuses_a_foreign_index(tmp_path, capsys):
    f = _result(tmp_path / "a.json", "a", [1.0])
    site = tmp_path / "www"
    site.mkdir()
    (site / "index.html").write_text("<p>my homepage</p>")
    assert main(["leaderboard", str(f), "--site", str(site), "--no-plots"]) == 2
    assert "was not written by `vmbench leaderboard --site`" in capsys.readouterr().err
    assert (site / "index.html").read_text() == "<p>my homepage</p>"


def test_site_escapes_markup_in_method_names(tmp_path):
    f = _result(tmp_path / "a.json", "<script>alert(1)</script>", [1.0])
    site = tmp_path / "site"
    assert main(["leaderboard", str(f), "--site", str(site), "--no-plots"]) == 0
    page = (site / "index.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_leaderboard_without_any_output(tmp_path, capsys):
    f = _result(tmp_path / "a.json", "a", [1.0])
    assert main(["leaderboard", str(f)]) == 2
    assert "give an output: --out DIR, --site DIR or --latex FILE|DIR" in capsys.readouterr().err


def test_latex_target_that_is_a_file_without_tex_suffix(tmp_path, capsys):
    f = _result(tmp_path / "a.json", "a", [1.0])
    target = tmp_path / "tables"
    target.write_text("x")
    assert main(["leaderboard", str(f), "--latex", str(target)]) == 2
    assert f"--latex {target}: is a file; give a folder" in capsys.readouterr().err and target.read_text() == "x"


def test_latex_never_ranks_an_unknown_metric_or_an_out_of_range_value(tmp_path):
    files = [_result(tmp_path / "a.json", "a", [1.0], summary={"MAD": 1.0, "NewScore": 5.0}),
             _result(tmp_path / "b.json", "b", [2.0], summary={"MAD": 2.0, "NewScore": 1.0}),
             _result(tmp_path / "neg.json", "neg", [1.0], summary={"MAD": -1.0, "NewScore": 3.0})]
    out = tmp_path / "t.tex"
    assert main(["leaderboard", *map(str, files), "--latex", str(out)]) == 0
    text = out.read_text()
    assert "NewScore (unknown metric)" in text
    rows = {r[0]: r[1:] for r in _tabular_rows(text)}
    # MAD -1 is outside [0, 1000] and NewScore has no direction: daggers, never ranked; a and b rank 1, 2
    d = r"$^\dagger$"
    assert rows["a"] == [r"\textbf{1.000}", "5.000" + d] and rows["b"] == [r"\underline{2.000}", "1.000" + d]
    assert rows["neg"] == ["-1.000" + d, "3.000" + d]
    assert "not comparable (outside the metric" in text


def test_site_shows_a_not_comparable_row_unranked(tmp_path):
    a = _result(tmp_path / "a.json", "a", [1.0, 2.0], run={"dataset_hash": "H1"})
    b = _result(tmp_path / "b.json", "b", [3.0, 4.0], run={"dataset_hash": "H1"})
    c = _result(tmp_path / "c.json", "c", [0.5, 0.5], run={"dataset_hash": "H2"})
    site = tmp_path / "site"
    assert main(["leaderboard", str(a), str(b), str(c), "--site", str(site), "--no-plots"]) == 0
    page = (site / "index.html").read_text()
    row_c = re.search(r'<tr class="measured" data-method="c">(.*?)</tr>', page).group(1)
    assert row_c.startswith('<td class="num" data-v=""></td>')  # no rank
    assert "not comparable with" in row_c and "lead" not in row_c
    row_a = re.search(r'<tr class="measured" data-method="a">(.*?)</tr>', page).group(1)
    assert 'data-v="1.0">1</td>' in row_a and "num lead" in row_a  # a leads: c is out of the ranking


def test_pack_refuses_a_bundle_inside_the_benchmark_root(packed, capsys):
    target = packed["gt"] / "d" / "b.zip"  # inside the ground truth (its manifest marks the root)
    assert main(["pack", str(packed["res"]), "--out", str(target), "--gt", str(packed["gt"] / "d")]) == 2
    assert "vmbench never writes into its inputs" in capsys.readouterr().err and not target.exists()


def test_latex_refuses_a_file_inside_the_predictions(tmp_path, capsys):
    pred = tmp_path / "pred"
    pred.mkdir()
    f = _result(tmp_path / "a.json", "a", [1.0], run={"pred": str(pred)})
    assert main(["leaderboard", str(f), "--latex", str(pred / "t.tex")]) == 2
    assert "vmbench never writes into its inputs" in capsys.readouterr().err and not (pred / "t.tex").exists()
