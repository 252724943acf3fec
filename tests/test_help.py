"""Every sub-command's --help renders cleanly: no `%%` left by argparse, every option explained,
required options shown as required, and eval's units line written in the metrics table's notation."""

import argparse
import contextlib
import io
import re

import pytest

from vmbench.cli import build_parser


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    """Every sub-command, nested ones included ("weights import-onnx"), by its command line."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(parser, prefix):
        for a in parser._actions:
            if isinstance(a, argparse._SubParsersAction):
                for name, sub in a.choices.items():
                    found[(prefix + " " + name).strip()] = sub
                    walk(sub, prefix + " " + name)

    walk(build_parser(), "")
    return found


SUBCOMMANDS = sorted(_subparsers())


def _render(name: str) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), pytest.raises(SystemExit) as exc:
        build_parser().parse_args([*name.split(), "--help"])
    assert exc.value.code == 0
    return buf.getvalue()


def test_the_commands_are_found():
    assert {"eval", "gate", "history", "leaderboard", "pack", "verify", "weights list"} <= set(SUBCOMMANDS)


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_help_has_no_percent_artefacts(name):
    text = _render(name)
    assert "%%" not in text
    assert "%(" not in text  # an unexpanded argparse placeholder


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_option_has_help(name):
    p = _subparsers()[name]
    missing = [a.option_strings[0] if a.option_strings else a.dest for a in p._actions
               if a.help in (None, "") and not isinstance(a, argparse._HelpAction)]
    assert missing == [], f"vmbench {name}: options without help: {missing}"


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_required_options_are_not_shown_optional(name):
    p = _subparsers()[name]
    usage = " ".join(p.format_usage().split())
    for a in p._actions:
        if a.required and a.option_strings:
            flag = a.option_strings[-1]
            assert not re.search(r"\[" + re.escape(flag) + r"[ \]]", usage), f"{name}: {flag} shown optional"


def test_leaderboard_usage_says_an_output_is_required():
    usage = " ".join(_subparsers()["leaderboard"].format_usage().split())
    assert "(--out DIR | --site DIR | --latex FILE|DIR)" in usage
    assert "[--out" not in usage


def test_eval_units_line_uses_the_metrics_table():
    from vmbench.metrics.table import lookup as metric_unit

    line = next(ln for ln in _render("eval").splitlines() if ln.startswith("Units:"))
    for m in ("MAD", "MSE", "Grad", "Conn", "dtSSD"):
        assert f"{m} {metric_unit('rvm', m).unit}" in line
