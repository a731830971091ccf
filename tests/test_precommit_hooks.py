"""The pre-commit hooks, driven by the real ``pre-commit`` in a temporary git repository.

Offline: a ``repo: local`` config whose hooks are copied from .pre-commit-hooks.yaml
(ids, entries, files patterns, pass_filenames), with ``language: system`` and the entry
pointing at this venv's ``torchenv``. Network (opt-in): ``pre-commit try-repo`` on this
repository, which builds its own virtualenv by pip-installing torchenv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from torchenv.check.discover import FILE_PATTERN

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "check"
BIN = Path(sys.executable).parent
PRE_COMMIT = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
TORCHENV = shutil.which("torchenv", path=str(BIN))

pytestmark = pytest.mark.skipif(
    PRE_COMMIT is None or TORCHENV is None, reason="pre-commit/torchenv not installed"
)


def _hooks() -> list[dict[str, Any]]:
    hooks: list[dict[str, Any]] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return hooks


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.com")
    _git(repo, "config", "user.name", "t")
    return repo


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PRE_COMMIT", None)
    return env


def _pre_commit(repo: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert PRE_COMMIT is not None
    return subprocess.run(
        [PRE_COMMIT, *args, "--color", "never"],
        cwd=repo,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _local_config(repo: Path) -> None:
    local = []
    for hook in _hooks():
        copied = dict(hook)
        command = hook["entry"].split(" ", 1)
        copied["entry"] = " ".join([str(TORCHENV), *command[1:]])
        copied["language"] = "system"
        local.append(copied)
    config = {"repos": [{"repo": "local", "hooks": local}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def test_hook_definitions() -> None:
    hooks = {hook["id"]: hook for hook in _hooks()}
    check = hooks["torchenv-check"]
    assert (check["entry"], check["language"], check["pass_filenames"]) == (
        "torchenv check",
        "python",
        True,
    )
    assert check["files"] == FILE_PATTERN
    lock = hooks["torchenv-lock-check"]
    assert (lock["entry"], lock["pass_filenames"]) == ("torchenv lock --check", False)
    assert lock["files"] == r"^(pyproject\.toml|requirements.*\.in|pylock.*\.toml)$"


def test_check_hook_offline_bad_then_good(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _local_config(repo)
    shutil.copy(FIXTURES / "req-unpublished-variant" / "requirements.txt", repo)
    (repo / "docs").mkdir()
    (repo / "docs" / "notes.txt").write_text("torch==2.7.0+cu121 is not a requirements file\n")
    _git(repo, "add", ".")
    bad = _pre_commit(repo, tmp_path, "run", "torchenv-check", "--all-files")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "torchenv check" in bad.stdout and "Failed" in bad.stdout
    assert "requirements.txt:3:1: TE003" in bad.stdout
    assert "notes.txt" not in bad.stdout

    shutil.copy(FIXTURES / "req-good" / "requirements.txt", repo / "requirements.txt")
    shutil.copy(FIXTURES / "uv-good" / "pyproject.toml", repo / "pyproject.toml")
    _git(repo, "add", ".")
    good = _pre_commit(repo, tmp_path, "run", "torchenv-check", "--all-files")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout

    # Only matching files reach the hook: a README change skips it.
    (repo / "README.md").write_text("hello\n")
    _git(repo, "add", "README.md")
    skipped = _pre_commit(repo, tmp_path, "run", "torchenv-check", "--files", "README.md")
    assert skipped.returncode == 0 and "Skipped" in skipped.stdout


def test_lock_check_hook_file_filter(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _local_config(repo)
    shutil.copy(FIXTURES / "uv-good" / "pyproject.toml", repo)
    (repo / "Dockerfile").write_text("FROM python:3.12\n")
    _git(repo, "add", ".")
    skipped = _pre_commit(repo, tmp_path, "run", "torchenv-lock-check", "--files", "Dockerfile")
    assert skipped.returncode == 0 and "Skipped" in skipped.stdout
    ran = _pre_commit(repo, tmp_path, "run", "torchenv-lock-check", "--files", "pyproject.toml")
    # Whatever the lock state, the hook ran (passed or failed) instead of being skipped.
    assert "Skipped" not in ran.stdout and "torchenv lock --check" in ran.stdout


@pytest.mark.network
def test_try_repo_builds_its_own_environment(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    shutil.copy(FIXTURES / "req-unpublished-variant" / "requirements.txt", repo)
    _git(repo, "add", ".")
    result = _pre_commit(repo, tmp_path, "try-repo", str(ROOT), "torchenv-check", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "TE003" in result.stdout
