"""TE014: a pylock file stale against the project beside it (offline)."""

from __future__ import annotations

from pathlib import Path

from torchenv.check.runner import check_paths
from torchenv.check.versions import satisfies

PYPROJECT = """[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = [
  "torch==2.7.1",
  "numpy>=1.26",
  "pywin32>=306 ; sys_platform == 'win32'",
]

[dependency-groups]
dev = ["pytest>=8"]
"""

LOCK = """lock-version = "1.0"
created-by = "torchenv"
requires-python = ">=3.10"
environments = ["sys_platform == 'linux' and platform_machine == 'x86_64'"]

[[packages]]
name = "torch"
version = "2.7.1+cu128"
index = "https://download.pytorch.org/whl/cu128"

[[packages]]
name = "numpy"
version = "2.2.6"
index = "https://pypi.org/simple"

[tool.torchenv]
variant = "cu128"
"""


def _write(tmp_path: Path, pyproject: str, lock: str) -> str:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    path = tmp_path / "pylock.cu128.toml"
    path.write_text(lock)
    return str(path)


def _stale(tmp_path: Path, pyproject: str, lock: str) -> list[tuple[int, str]]:
    report = check_paths([_write(tmp_path, pyproject, lock)], select=["TE014"])
    return [(d.line, d.message) for d in report.diagnostics]


def test_fresh_lock(tmp_path: Path) -> None:
    # pywin32 is for Windows only and pytest is a group: neither must be in a Linux lock.
    assert _stale(tmp_path, PYPROJECT, LOCK) == []


def test_changed_pin_makes_the_lock_stale(tmp_path: Path) -> None:
    found = _stale(tmp_path, PYPROJECT.replace("torch==2.7.1", "torch==2.8.0"), LOCK)
    assert len(found) == 1
    line, message = found[0]
    assert line == LOCK.splitlines().index("[tool.torchenv]") + 1
    assert "torch==2.8.0 does not match the locked 2.7.1+cu128" in message


def test_new_dependency_makes_the_lock_stale(tmp_path: Path) -> None:
    pyproject = PYPROJECT.replace('"numpy>=1.26",', '"numpy>=1.26",\n  "pillow>=10",')
    [(_, message)] = _stale(tmp_path, pyproject, LOCK)
    assert "pillow is a dependency but not in the lock" in message


def test_lock_without_project_is_not_judged(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text(LOCK)
    assert check_paths([str(path)]).diagnostics == ()


def test_satisfies_follows_the_local_label_rule() -> None:
    assert satisfies("2.7.1+cu128", "==2.7.1")
    assert satisfies("2.7.1+cu128", "==2.7.1+cu128")
    assert not satisfies("2.7.1+cpu", "==2.7.1+cu128")
    assert not satisfies("2.7.1", ">=2.8")
    assert satisfies("2.2.6", ">=1.26,<3")
    assert satisfies("0.22.1", "==0.22.*")
