from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from torchenv.cli.main import COMMANDS, build_parser, main


def test_every_command_is_registered_in_the_full_parser() -> None:
    parser = build_parser()
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    assert set(subparsers.choices) == set(COMMANDS)
    for name, command_parser in subparsers.choices.items():
        options = {option for action in command_parser._actions for option in action.option_strings}
        assert {"--json", "--fingerprint", "--verbose", "--quiet", "--no-color"} <= options, name


def test_single_command_parser_accepts_common_flags() -> None:
    args = build_parser(only="detect").parse_args(["detect", "--json", "-vv"])
    assert args.json is True
    assert args.verbose == 2


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: torchenv" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "torchenv", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("torchenv ")


@pytest.mark.parametrize(
    ("command", "expected"),
    [("check", [False, None]), ("lock", [True, [100_000, 50, 10]]), ("export", [True, None])],
)
def test_collector_settings_per_command(command: str, expected: list[object]) -> None:
    # As the console script runs it (argv from sys.argv): check runs without the cyclic
    # collector, lock with rare collections, everything else with Python's defaults.
    script = (
        "import argparse, gc, json, sys\n"
        "import torchenv.cli.main as cli\n"
        "default = list(gc.get_threshold())\n"
        "class Command:\n"
        "    @staticmethod\n"
        "    def run(args):\n"
        "        threshold = list(gc.get_threshold())\n"
        "        print(json.dumps([gc.isenabled(), None if threshold == default else threshold]))\n"
        "        return 0\n"
        "cli._command = lambda name: Command\n"
        "cli._parse_plain = lambda name, arguments: argparse.Namespace(command=name)\n"
        "sys.exit(cli.main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, command], capture_output=True, text=True, check=True
    )
    enabled, threshold = json.loads(done.stdout)
    assert [enabled, threshold if enabled else None] == expected
