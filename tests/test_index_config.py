"""default_index_url: environment, pip config files, default."""

from __future__ import annotations

import os
from pathlib import Path

from torchenv.index.config import PYPI_SIMPLE, default_index_url, pip_config_files


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_default_is_pypi(tmp_path: Path) -> None:
    assert default_index_url({"HOME": str(tmp_path)}, config_files=[]) == PYPI_SIMPLE


def test_environment_precedence() -> None:
    env = {
        "UV_INDEX_URL": "https://c.example/simple",
        "UV_DEFAULT_INDEX": "https://b.example/simple/",
        "PIP_INDEX_URL": "https://a.example/simple",
    }
    assert default_index_url(env, config_files=[]) == "https://a.example/simple"
    del env["PIP_INDEX_URL"]
    assert default_index_url(env, config_files=[]) == "https://b.example/simple"
    del env["UV_DEFAULT_INDEX"]
    assert default_index_url(env, config_files=[]) == "https://c.example/simple"


def test_pip_conf_later_file_wins_and_env_beats_files(tmp_path: Path) -> None:
    site = write(tmp_path / "site.conf", "[global]\nindex-url = https://site.example/simple\n")
    user = write(tmp_path / "user.conf", "[global]\nindex-url = https://user.example/simple\n")
    empty = write(tmp_path / "other.conf", "[global]\ntimeout = 5\n")
    assert default_index_url({}, [site, user, empty]) == "https://user.example/simple"
    env = {"PIP_INDEX_URL": "https://env.example/simple"}
    assert default_index_url(env, [site, user]) == "https://env.example/simple"


def test_broken_and_missing_files_are_skipped(tmp_path: Path) -> None:
    broken = write(tmp_path / "broken.conf", "index-url = no section header\n")
    good = write(tmp_path / "pip.ini", "[install]\nindex-url = https://install.example/simple\n")
    files = [good, broken, tmp_path / "missing.conf"]
    assert default_index_url({}, files) == "https://install.example/simple"


def test_pip_config_file_variable_and_user_locations(tmp_path: Path) -> None:
    named = write(tmp_path / "named.conf", "[global]\nindex-url = https://named.example/simple\n")
    assert pip_config_files({"PIP_CONFIG_FILE": str(named)}) == [named]
    assert pip_config_files({"PIP_CONFIG_FILE": os.devnull}) == []
    assert default_index_url({"PIP_CONFIG_FILE": str(named)}) == "https://named.example/simple"
    home = tmp_path / "home"
    write(home / ".config" / "pip" / "pip.conf", "[global]\nindex-url = https://xdg.example/s\n")
    env = {"HOME": str(home), "XDG_CONFIG_DIRS": str(tmp_path / "none")}
    assert default_index_url(env) == "https://xdg.example/s"
