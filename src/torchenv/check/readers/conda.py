"""Conda ``environment*.yml``: channels, conda packages, the ``pip:`` section and
conda-lock's ``platforms:`` list.

Conda packages become requirements with ``ecosystem="conda"`` and their match spec
(``=2.5.1``, ``2.4.1=cuda120*``) as the specifier; a ``channel::`` prefix goes to
``source``. Lines of the ``pip:`` list are requirements-file lines (pip receives them as
a requirements file), so they go through the same parser as requirements.txt.
"""

from __future__ import annotations

import re

from torchenv.check.model import Channel, Document, Position, PythonPin, Requirement
from torchenv.check.readers.requirements import LineItems, parse_pip_line
from torchenv.check.readers.yamlish import parse_yaml
from torchenv.check.textlines import LogicalLine, inline_ignores
from torchenv.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["CONDA_SUBDIRS", "conda_python_specifier", "parse_match_spec", "read_conda"]

# conda subdir -> torchenv platform
CONDA_SUBDIRS = {
    "linux-64": "linux-x86_64",
    "linux-aarch64": "linux-aarch64",
    "osx-arm64": "macos-arm64",
    "osx-64": "macos-x86_64",
    "win-64": "windows-x86_64",
    "win-arm64": "windows-arm64",
}

_MATCH_SPEC = re.compile(r"^(?:(?P<channel>[^\s:]+)::)?(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<spec>.*)$")


def parse_match_spec(text: str) -> Optional[tuple[str, str, Optional[str]]]:
    """``pytorch::pytorch=2.5.1`` -> ("pytorch", "=2.5.1", "pytorch"); None if not a spec.

    The space-separated form ``pytorch 2.5.1 cuda*`` becomes ``2.5.1=cuda*``.
    """
    match = _MATCH_SPEC.match(text.strip())
    if not match:
        return None
    spec = match.group("spec").strip()
    if spec and spec[0].isdigit() and " " in spec:
        spec = "=".join(spec.split())
    channel = match.group("channel")
    if channel:
        channel = channel.rstrip("/").rsplit("/", 1)[-1]
    return match.group("name").lower(), spec, channel


def conda_python_specifier(spec: str) -> str:
    """``3.11`` / ``=3.11`` / ``3.11.*`` / ``>=3.10,<3.13`` as PEP 440 text.

    Conda's ``=3.11`` and bare ``3.11`` are fuzzy (any 3.11.x); a build string after a
    second ``=`` is dropped.
    """
    spec = spec.strip()
    if spec.startswith("=="):
        spec = spec[2:]
    elif spec.startswith("="):
        spec = spec[1:]
    elif not spec[:1].isdigit():
        return spec
    version = spec.split("=", 1)[0].rstrip("*").rstrip(".")
    if version.count(".") < 2:
        return f"=={version}.*"
    return f"=={version}"


def read_conda(text: str, path: str) -> Document:
    root = parse_yaml(text, path)
    if not isinstance(root.value, dict):
        raise InputError(path, "an environment file must be a mapping", root.position.line)
    for key in ("channels", "dependencies", "platforms"):
        node = root.value.get(key)
        if node is not None and node.value is not None and not isinstance(node.value, list):
            raise InputError(path, f"{key} must be a list", node.position.line)
    channels: list[Channel] = []
    channel_node = root.value.get("channels")
    if channel_node is not None and isinstance(channel_node.value, list):
        for item in channel_node.value:
            if isinstance(item.value, str):
                name = item.value.rstrip("/").rsplit("/", 1)[-1]
                channels.append(Channel(name, item.position))
    requirements: list[Requirement] = []
    pythons: list[PythonPin] = []
    items = LineItems()
    dependencies = root.value.get("dependencies")
    for item in dependencies.value if dependencies and isinstance(dependencies.value, list) else []:
        if isinstance(item.value, dict):
            pip = item.value.get("pip")
            if pip is not None and isinstance(pip.value, list):
                for line in pip.value:
                    if isinstance(line.value, str):
                        logical = LogicalLine(
                            line.value, ((0, line.position.line, line.position.col),)
                        )
                        parse_pip_line(logical, path, items, tool="conda-pip")
            continue
        if not isinstance(item.value, str):
            continue
        parsed = parse_match_spec(item.value)
        if parsed is None:
            raise InputError(path, f"not a conda package spec: {item.value!r}", item.position.line)
        name, spec, channel = parsed
        if name == "python" and spec:
            pythons.append(PythonPin(conda_python_specifier(spec), item.position, "conda"))
        requirements.append(
            Requirement(name, spec, item.position, ecosystem="conda", source=channel, path=path)
        )
    platforms: Optional[frozenset[str]] = None
    platforms_position: Optional[Position] = None
    platform_node = root.value.get("platforms")
    if platform_node is not None and isinstance(platform_node.value, list):
        platforms = frozenset(
            CONDA_SUBDIRS[p.value]
            for p in platform_node.value
            if isinstance(p.value, str) and p.value in CONDA_SUBDIRS
        )
        platforms_position = platform_node.position
    return Document(
        path=path,
        kind="conda",
        requirements=tuple(requirements + items.requirements),
        indexes=tuple(items.indexes),
        includes=tuple(items.includes),
        pythons=tuple(pythons),
        channels=tuple(channels),
        platforms=platforms,
        platforms_position=platforms_position,
        ignores=inline_ignores(text),
    )
