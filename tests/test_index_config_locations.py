"""pip config discovery for default_index_url: standard locations, PIP_CONFIG_FILE, bad files."""

from __future__ import annotations

import os
from pathlib import Path

from torchenv.index.config import default_index_url, pip_config_files


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_pip_config_file_variable_replaces_the_search(tmp_path: Path) -> None:
    named = write(tmp_path / "named.conf", "[global]\nindex-url = https://named.example/s\n")
    assert pip_config_files({"PIP_CONFIG_FILE": str(named)}) == [named]
    assert pip_config_files({"PIP_CONFIG_FILE": os.devnull}) == []


def test_user_xdg_file_is_found_and_wins(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write(home / ".pip" / "pip.conf", "[global]\nindex-url = https://legacy.example/s\n")
    write(home / ".config" / "pip" / "pip.conf", "[global]\nindex-url = https://xdg.example/s\n")
    env = {"HOME": str(home), "XDG_CONFIG_DIRS": str(tmp_path / "none")}
    files = pip_config_files(env)
    assert files.index(home / ".pip" / "pip.conf") < files.index(
        home / ".config" / "pip" / "pip.conf"
    )
    assert default_index_url(env) == "https://xdg.example/s"


def test_broken_files_are_skipped_and_install_section_read(tmp_path: Path) -> None:
    good = write(tmp_path / "pip.ini", "[install]\nindex-url = https://install.example/s/\n")
    broken = write(tmp_path / "broken.conf", "index-url = no section header\n")
    assert default_index_url({}, [good, broken, tmp_path / "missing"]) == (
        "https://install.example/s"
    )


def test_environment_beats_files(tmp_path: Path) -> None:
    conf = write(tmp_path / "pip.conf", "[global]\nindex-url = https://file.example/s\n")
    env = {"UV_INDEX_URL": "https://uv.example/s"}
    assert default_index_url(env, [conf]) == "https://uv.example/s"
