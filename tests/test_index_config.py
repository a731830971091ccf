"""default_index_url: environment variables, pip config files, the PyPI default."""

from __future__ import annotations

from pathlib import Path

from torchenv.index.config import PYPI_SIMPLE, default_index_url


def test_env_precedence() -> None:
    env = {"UV_INDEX_URL": "https://c/simple", "UV_DEFAULT_INDEX": "https://b/simple"}
    assert default_index_url(env, config_files=[]) == "https://b/simple"
    env["PIP_INDEX_URL"] = "https://a/simple"
    assert default_index_url(env, config_files=[]) == "https://a/simple"


def test_pip_config_files_later_wins(tmp_path: Path) -> None:
    site = tmp_path / "pip.conf"
    site.write_text("[global]\nindex-url = https://site.example/simple\n")
    user = tmp_path / "user.conf"
    user.write_text("[global]\ntimeout = 5\n")
    assert default_index_url({}, config_files=[site, user]) == "https://site.example/simple"
    user.write_text("[global]\nindex-url = https://user.example/simple\n")
    assert default_index_url({}, config_files=[site, user]) == "https://user.example/simple"


def test_pip_config_file_env(tmp_path: Path) -> None:
    named = tmp_path / "named.ini"
    named.write_text("[global]\nindex-url = https://named.example/simple\n")
    assert default_index_url({"PIP_CONFIG_FILE": str(named)}) == "https://named.example/simple"


def test_default_is_pypi(tmp_path: Path) -> None:
    assert default_index_url({}, config_files=[tmp_path / "missing.conf"]) == PYPI_SIMPLE
