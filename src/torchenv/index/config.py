"""Which index is "the default index": the same answer pip and uv would give.

Precedence (first match wins): ``PIP_INDEX_URL``, ``UV_DEFAULT_INDEX``,
``UV_INDEX_URL``, then ``index-url`` in pip's configuration files (the file named by
``PIP_CONFIG_FILE`` if set, else the site file, the legacy user file and the XDG user
file; a later file overrides an earlier one, as in pip), else https://pypi.org/simple.
Pure apart from reading the files it is given; tests pass ``environ`` and
``config_files``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional, Union

__all__ = ["PYPI_SIMPLE", "default_index_url", "index_url_from_config", "pip_config_files"]

PYPI_SIMPLE = "https://pypi.org/simple"
_ENV_VARS = ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL")


def pip_config_files(environ: Optional[Mapping[str, str]] = None) -> list[Path]:
    """pip's config files, lowest priority first (global/site, then user)."""
    env = os.environ if environ is None else environ
    named = env.get("PIP_CONFIG_FILE")
    if named:
        # pip reads only this file when it is set; os.devnull means "no config".
        return [] if named == os.devnull else [Path(named)]
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    files: list[Path] = []
    if sys.platform == "win32":
        program_data = env.get("PROGRAMDATA")
        if program_data:
            files.append(Path(program_data) / "pip" / "pip.ini")
        files.append(Path(sys.prefix) / "pip.ini")
        appdata = env.get("APPDATA")
        if appdata:
            files.append(Path(appdata) / "pip" / "pip.ini")
        files.append(home / "pip" / "pip.ini")
        return files
    for directory in (env.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep):
        if directory:
            files.append(Path(directory) / "pip" / "pip.conf")
    files.append(Path("/etc/pip.conf"))
    files.append(Path(sys.prefix) / "pip.conf")
    if sys.platform == "darwin":
        files.append(home / "Library" / "Application Support" / "pip" / "pip.conf")
    files.append(home / ".pip" / "pip.conf")
    xdg_home = env.get("XDG_CONFIG_HOME") or str(home / ".config")
    files.append(Path(xdg_home) / "pip" / "pip.conf")
    return files


def index_url_from_config(files: Sequence[Union[str, Path]]) -> Optional[str]:
    """``index-url`` from ``[global]`` (or ``[install]``) of the last file that sets it."""
    found: Optional[str] = None
    for file in files:
        if not os.path.isfile(file):
            continue  # most machines have none: configparser is not even imported
        import configparser

        parser = configparser.RawConfigParser()
        try:
            with open(file, encoding="utf-8") as handle:
                parser.read_file(handle)
        except (OSError, UnicodeDecodeError, configparser.Error):
            # An unreadable or broken pip.conf breaks pip, not torchenv: skip it.
            continue
        for section in ("global", "install"):
            for key in ("index-url", "index_url"):
                if parser.has_option(section, key):
                    value = parser.get(section, key).strip()
                    if value:
                        found = value
    return found


def default_index_url(
    environ: Optional[Mapping[str, str]] = None,
    config_files: Optional[Sequence[Union[str, Path]]] = None,
) -> str:
    """The default (non-PyTorch) index URL, without a trailing slash."""
    env = os.environ if environ is None else environ
    for name in _ENV_VARS:
        value = env.get(name, "").strip()
        if value:
            return value.rstrip("/")
    files = pip_config_files(env) if config_files is None else config_files
    configured = index_url_from_config(files)
    return (configured or PYPI_SIMPLE).rstrip("/")
