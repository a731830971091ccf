"""The plain command-line parser agrees with argparse wherever it answers at all."""

from __future__ import annotations

import contextlib
import importlib
import io
import random
import subprocess
import sys
from typing import Any, Optional

import pytest

from torchenv.cli.fastargs import OptionRecorder, ParsedArguments, parse_plain
from torchenv.cli.main import COMMANDS, add_common_arguments, build_parser, command_module


def recorder_for(command: str) -> OptionRecorder:
    recorder = OptionRecorder()
    add_common_arguments(recorder)  # type: ignore[arg-type]
    importlib.import_module(command_module(command)).add_arguments(recorder)
    return recorder


def with_argparse(command: str, arguments: list[str]) -> Optional[dict[str, Any]]:
    """argparse's namespace as a dict, or None when argparse rejects the line."""
    parser = build_parser(only=command)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stderr(sink), contextlib.redirect_stdout(sink):
            return vars(parser.parse_args([command, *arguments]))
    except SystemExit:
        return None


def plain(command: str, arguments: list[str]) -> Optional[ParsedArguments]:
    return parse_plain(command, arguments, recorder_for(command))


@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        ("detect", []),
        ("detect", ["--json"]),
        ("detect", ["--json", "--timeout", "0.5"]),
        ("detect", ["--fingerprint", "a.json", "--fingerprint=b.json", "-v", "-v"]),
        ("check", []),
        ("check", ["requirements.txt", "pyproject.toml"]),
        ("check", ["--format", "json", "--select", "TE001,TE002", "a", "b"]),
        ("check", ["--ignore=TE003", "--exclude", "vendor/*", "--no-color", "-q", "x"]),
        ("check", ["--list-rules", "--json"]),
        ("check", ["-", "a"]),
        ("resolve", ["--json"]),
        ("resolve", ["--target", "linux-x86_64", "--target", "macos-arm64", "--json"]),
        ("install", ["--dry-run", "--variant", "cpu"]),
        ("lock", []),
        ("lock", ["--check"]),
        ("lock", ["project-dir", "--targets", "linux-x86_64,macos-arm64", "--targets=x"]),
        ("lock", ["--offline", "--dry-run", "-r", "requirements.in", "--group", "dev"]),
        ("export", ["--format", "conda", "--target", "linux-x86_64-cu128"]),
        ("export", ["-f", "requirements", "torch==2.7.1", "numpy"]),
    ],
)
def test_plain_lines_are_parsed_without_argparse_and_match_it(
    command: str, arguments: list[str]
) -> None:
    ours = plain(command, arguments)
    assert ours is not None, "this command line should not need argparse"
    assert vars(ours) == with_argparse(command, arguments)


@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        ("detect", ["--help"]),
        ("detect", ["-h"]),
        ("detect", ["--js"]),  # an abbreviation: argparse decides
        ("detect", ["-vv"]),
        ("detect", ["--timeout", "soon"]),
        ("detect", ["--timeout"]),
        ("detect", ["--json=yes"]),
        ("detect", ["stray"]),
        ("check", ["--format", "xml"]),
        ("check", ["a", "--json", "b"]),  # argparse rejects the second run of paths
        ("check", ["--select", "--json"]),
        ("check", ["--", "a"]),
        ("lock", ["--check", "--dry-run"]),  # one mutually exclusive group
        ("lock", ["--offline", "--refresh"]),
        ("lock", ["a", "b"]),  # one optional positional
        ("lock", ["a", "--offline", "b"]),
        ("export", ["torch"]),  # --format is required
        ("catalog", ["show"]),  # sub-commands: always argparse
    ],
)
def test_anything_unusual_goes_to_argparse(command: str, arguments: list[str]) -> None:
    assert plain(command, arguments) is None


def test_defaults_are_fresh_objects() -> None:
    first = plain("check", ["--select", "TE001"])
    second = plain("check", [])
    assert first is not None and second is not None
    assert first.select == ["TE001"] and second.select == []
    assert plain("check", []).paths == []  # type: ignore[union-attr]
    second.paths.append("x")
    assert plain("check", []).paths == []  # type: ignore[union-attr]


def _vocabulary(recorder: OptionRecorder) -> list[str]:
    words = ["a.txt", "b", "-", "--", "-x", "--nope", "=", "1", "0.5", "json", "text", "-1"]
    for flag, option in recorder.options.items():
        words.append(flag)
        if option.takes_value:
            words.append(f"{flag}=v")
            words.append(f"{flag}=")
        if flag.startswith("--") and len(flag) > 4:
            words.append(flag[:-1])  # an abbreviation
        for choice in option.choices or ():
            words.append(str(choice))
    return words


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_random_command_lines_agree_with_argparse(command: str) -> None:
    recorder = recorder_for(command)
    words = _vocabulary(recorder)
    generator = random.Random(f"fastargs-{command}")
    answered = 0
    required = [
        [flag, "conda"]
        for flag, option in recorder.options.items()
        if option.required and flag.startswith("--")
    ]
    for _ in range(150):
        arguments = [generator.choice(words) for _ in range(generator.randint(0, 5))]
        if required and generator.random() < 0.8:
            arguments = [word for pair in required for word in pair] + arguments
        ours = parse_plain(command, arguments, recorder)
        if ours is None:
            continue
        answered += 1
        assert vars(ours) == with_argparse(command, arguments), arguments
    if not recorder.unsupported:
        assert answered > 10  # the comparison must not be vacuous


def test_detect_and_check_never_import_argparse_for_a_plain_line(tmp_path: Any) -> None:
    code = (
        "import sys\n"
        "from torchenv.cli.main import main\n"
        "main(['check', '--list-rules'])\n"
        "main(['detect', '--json', '--timeout', '1'])\n"
        "print(sorted(m for m in ('argparse', 'typing', 'gettext') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
