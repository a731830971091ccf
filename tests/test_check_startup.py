"""The start-up shortcuts in ``check`` give the answers of the stdlib code they replace."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from torchenv.check import discover
from torchenv.check.pep508 import _unquote, wheel_name_version

needs_spawn = pytest.mark.skipif(
    not hasattr(os, "posix_spawnp"), reason="posix_spawnp path (the portable one is subprocess)"
)
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


@pytest.mark.parametrize(
    "text",
    [
        "torch-2.7.1%2Bcu128",
        "%",
        "%2",
        "%zz%41",
        "x%E2%82%AC",
        "%ff%",
        "café%2B",
        "",
        "%%41",
        "a%c3",
    ],
)
def test_unquote_matches_urllib(text: str) -> None:
    assert _unquote(text) == unquote(text)


def test_wheel_name_version_decodes_escaped_label() -> None:
    url = "https://download.pytorch.org/whl/cu128/torch-2.7.1%2Bcu128-cp312-cp312-manylinux_2_28_x86_64.whl"
    assert wheel_name_version(url) == ("torch", "2.7.1+cu128")


@needs_git
def test_git_listing_matches_subprocess(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "requirements.txt").write_text("torch\n")
    (tmp_path / "requirements.txt").write_text("torch\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    subprocess.run(["git", "add", "pyproject.toml"], cwd=tmp_path, check=True)
    fast = discover._git_files(str(tmp_path))
    portable = discover._git_output_portable(str(tmp_path))
    assert portable is not None and fast is not None
    assert sorted(fast) == sorted(
        os.path.join(str(tmp_path), n) for n in portable.decode().split("\0") if n
    )
    assert not any("ignored" in path for path in fast)


@needs_git
def test_git_listing_outside_a_repository_is_none(tmp_path: Path) -> None:
    assert discover._git_files(str(tmp_path)) is None


@needs_spawn
def test_git_that_hangs_is_abandoned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "git"
    fake.write_text(f"#!/bin/sh\nexec {sys.executable} -c 'import time; time.sleep(30)'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(discover, "_GIT_TIMEOUT", 0.3)
    assert discover._git_output(str(tmp_path)) is None


@needs_spawn
def test_missing_git_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert discover._git_output(str(tmp_path)) is None


@pytest.mark.parametrize(
    "name",
    [
        "pyproject.toml",
        "pixi.toml",
        "pylock.toml",
        "pylock.cu128.toml",
        "pylock..toml",
        "pylock.x.toml.bak",
        "environment.yml",
        "environment-gpu.yaml",
        "environment.txt",
        "Dockerfile",
        "dockerfile.gpu",
        "app.Dockerfile",
        "Containerfile",
        "containerfile",
        "requirements.txt",
        "requirements-dev.in",
        "dev-requirements.txt",
        "constraints.txt",
        "requirements.txt.orig",
        "setup.cfg",
        "Requirements.txt",
        "requirements",
        "x.in",
    ],
)
def test_kind_by_name_matches_the_regexes_it_replaced(name: str) -> None:
    """discover's string tests give the answers of the per-kind regexes they replaced."""
    import re

    replaced = (
        (re.compile(r"^pyproject\.toml$"), "pyproject"),
        (re.compile(r"^pixi\.toml$"), "pixi"),
        (re.compile(r"^pylock(\.[^/]+)?\.toml$"), "pylock"),
        (re.compile(r"^environment[^/]*\.ya?ml$"), "conda"),
        (re.compile(r"^(Dockerfile.*|.*\.Dockerfile|Containerfile)$", re.IGNORECASE), "dockerfile"),
        (re.compile(r"^(requirements.*|.*requirements|constraints.*)\.(txt|in)$"), "requirements"),
    )
    expected = next((kind for pattern, kind in replaced if pattern.match(name)), None)
    assert discover.kind_for(os.path.join("sub", name)) == expected, name


@needs_git
def test_discovery_started_before_imports_gives_discover_result(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "requirements.txt").write_text("torch==2.7.1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "notes.txt").write_text("x\n")
    pending = discover.Discovery(str(tmp_path))
    assert pending.files() == discover.discover(str(tmp_path))
    assert [os.path.relpath(f, tmp_path) for f in pending.files()] == [
        "requirements.txt",
        os.path.join("sub", "pyproject.toml"),
    ]


def test_cli_exit_skips_teardown_but_keeps_output_and_code(tmp_path: Path) -> None:
    """`check` ends with os._exit: its output must be flushed and its exit code kept."""
    lines = "".join(f"torch==2.7.{n}\n" for n in range(2000))  # more than a pipe buffer
    (tmp_path / "requirements.txt").write_text(lines)
    result = subprocess.run(
        [sys.executable, "-m", "torchenv", "check", "--format", "json", "requirements.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    import json

    assert result.returncode == 1
    assert len(json.loads(result.stdout)) >= 1997  # 2.7.3 and later were never released
    head = subprocess.run(
        f"{sys.executable} -m torchenv check requirements.txt | head -1",
        shell=True,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert head.stdout.count("\n") == 1
    assert "Traceback" not in head.stderr and "Exception ignored" not in head.stderr


def test_profilers_still_get_their_data(tmp_path: Path) -> None:
    """Under a profiler (or coverage) the CLI exits normally, so its data is written."""
    output = tmp_path / "detect.prof"
    result = subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(output), "-m", "torchenv", "detect"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert output.exists() and output.stat().st_size > 0
