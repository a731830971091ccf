"""pixi.toml: workspace platforms and channels, conda and PyPI dependencies (top level,
``[target.<platform>]`` and ``[feature.<name>]``), per-package PyPI indexes and
``[pypi-options]``.

A dependency under ``[target.osx-arm64.pypi-dependencies]`` applies to macOS arm64
only; a top-level one to every workspace platform, which is how a CUDA index for a
workspace that lists ``osx-arm64`` breaks the Mac teammates (pixi#2443).
"""

from __future__ import annotations

from torchenv.check.model import Channel, Document, IndexRef, Position, PythonPin, Requirement
from torchenv.check.pep508 import canonical_name
from torchenv.check.readers.conda import CONDA_SUBDIRS, conda_python_specifier
from torchenv.check.readers.tomlfile import TomlFile, load_toml
from torchenv.check.textlines import inline_ignores

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

__all__ = ["pixi_platforms", "read_pixi"]

_SELECTORS = {
    "linux": ("linux-x86_64", "linux-aarch64"),
    "osx": ("macos-arm64", "macos-x86_64"),
    "win": ("windows-x86_64", "windows-arm64"),
    "unix": ("linux-x86_64", "linux-aarch64", "macos-arm64", "macos-x86_64"),
}


def pixi_platforms(selector: str) -> Optional[frozenset[str]]:
    """``osx-arm64`` / ``linux`` / ``unix`` -> torchenv platforms; None if unknown."""
    if selector in CONDA_SUBDIRS:
        return frozenset({CONDA_SUBDIRS[selector]})
    if selector in _SELECTORS:
        return frozenset(_SELECTORS[selector])
    return None


class _Collector:
    def __init__(self, toml: TomlFile, path: str) -> None:
        self.toml = toml
        self.path = path
        self.requirements: list[Requirement] = []
        self.indexes: list[IndexRef] = []
        self.pythons: list[PythonPin] = []

    def tables(self, prefix: tuple[str, ...], body: dict[str, Any]) -> None:
        """One dependency scope (top level or a feature) and its ``target.*`` tables."""
        self.dependencies(prefix, body, None)
        for selector in self.toml.table(*prefix, "target"):
            where = (*prefix, "target", selector)
            self.dependencies(where, self.toml.table(*where), pixi_platforms(selector))
        options = self.toml.table(*prefix, "pypi-options")
        where = (*prefix, "pypi-options")
        if isinstance(options.get("index-url"), str):
            self.add_index(options["index-url"], "index-url", (*where, "index-url"), None)
        for number, url in enumerate(self.toml.array(*where, "extra-index-urls")):
            self.add_index(url, "extra-index-url", (*where, "extra-index-urls", number), None)
        for number, item in enumerate(self.toml.array(*where, "find-links")):
            if isinstance(item, dict) and "url" in item:
                self.add_index(item["url"], "find-links", (*where, "find-links", number), None)

    def add_index(
        self, url: str, role: str, where: tuple[object, ...], explicit: Optional[bool]
    ) -> None:
        position = self.toml.position(*where)
        self.indexes.append(
            IndexRef(url, role, position, tool="pixi", name=url, explicit=explicit, path=self.path)
        )

    def dependencies(
        self, prefix: tuple[str, ...], body: dict[str, Any], platforms: Optional[frozenset[str]]
    ) -> None:
        for name, value in self.toml.table(*prefix, "dependencies").items():
            where = (*prefix, "dependencies", name)
            spec, channel = value, None
            if isinstance(value, dict):
                spec = str(value.get("version", ""))
                if value.get("build"):
                    spec = f"{spec}={value['build']}"
                channel = value.get("channel")
            spec = "" if spec == "*" else str(spec)
            if name == "python" and spec:
                self.pythons.append(
                    PythonPin(conda_python_specifier(spec), self.toml.position(*where), "pixi")
                )
            self.requirements.append(
                Requirement(
                    name.lower(),
                    spec,
                    self.toml.position(*where),
                    ecosystem="conda",
                    source=channel,
                    platforms=platforms,
                    path=self.path,
                )
            )
        for name, value in self.toml.table(*prefix, "pypi-dependencies").items():
            where = (*prefix, "pypi-dependencies", name)
            spec, index, url = value, None, None
            if isinstance(value, dict):
                spec = str(value.get("version", ""))
                index = value.get("index")
                url = value.get("url")
                if index:
                    self.add_index(index, "source", (*where, "index"), True)
            spec = "" if spec == "*" else str(spec)
            self.requirements.append(
                Requirement(
                    canonical_name(name),
                    spec.replace(" ", ""),
                    self.toml.position(*where),
                    url=url,
                    source=index,
                    platforms=platforms,
                    path=self.path,
                )
            )


def read_pixi(text: str, path: str) -> Document:
    toml = load_toml(text, path)
    workspace_key = "workspace" if toml.get("workspace") is not None else "project"
    workspace = toml.table(workspace_key)
    collector = _Collector(toml, path)
    collector.tables((), toml.data)
    for feature in toml.table("feature"):
        collector.tables(("feature", feature), toml.table("feature", feature))
    channels = [
        Channel(
            str(c if isinstance(c, str) else c.get("channel", "")).rstrip("/").rsplit("/", 1)[-1],
            toml.position(workspace_key, "channels", number),
        )
        for number, c in enumerate(toml.array(workspace_key, "channels"))
        if isinstance(c, (str, dict))
    ]
    platforms: Optional[frozenset[str]] = None
    platforms_position: Optional[Position] = None
    if isinstance(workspace.get("platforms"), list):
        platforms = frozenset(
            CONDA_SUBDIRS[p] for p in workspace["platforms"] if p in CONDA_SUBDIRS
        )
        platforms_position = toml.position(workspace_key, "platforms")
    return Document(
        path=path,
        kind="pixi",
        requirements=tuple(collector.requirements),
        indexes=tuple(collector.indexes),
        pythons=tuple(collector.pythons),
        channels=tuple(channels),
        platforms=platforms,
        platforms_position=platforms_position,
        ignores=inline_ignores(text),
    )
