"""PEP 751 ``pylock*.toml``: locked packages (name, version, index, marker, first
wheel URL), ``requires-python``, ``environments`` and what ``[tool.torchenv]`` records
about the lock's inputs (for the staleness rule).
"""

from __future__ import annotations

from torchenv.check.markers import marker_platforms
from torchenv.check.model import Document, IndexRef, LockInfo, PythonPin, Requirement
from torchenv.check.pep508 import canonical_name
from torchenv.check.readers.tomlfile import load_toml
from torchenv.check.textlines import inline_ignores
from torchenv.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["read_pylock"]


def read_pylock(text: str, path: str) -> Document:
    toml = load_toml(text, path)
    if "lock-version" not in toml.data:
        raise InputError(path, "not a PEP 751 lock: no lock-version", 1)
    requirements: list[Requirement] = []
    indexes: dict[str, IndexRef] = {}
    for number, package in enumerate(toml.array("packages")):
        if not isinstance(package, dict) or "name" not in package:
            continue
        position = toml.position("packages", number, "version")
        index = package.get("index")
        if isinstance(index, str) and index not in indexes:
            indexes[index] = IndexRef(
                index,
                "source",
                toml.position("packages", number, "index"),
                tool="pylock",
                name=index,
                explicit=True,
                path=path,
            )
        wheels = package.get("wheels") if isinstance(package.get("wheels"), list) else []
        url = wheels[0].get("url") if wheels and isinstance(wheels[0], dict) else None
        version = package.get("version")
        requirements.append(
            Requirement(
                canonical_name(str(package["name"])),
                f"=={version}" if version else "",
                position,
                marker=package.get("marker"),
                url=url,
                source=index if isinstance(index, str) else None,
                path=path,
            )
        )
    pythons = []
    if isinstance(toml.get("requires-python"), str):
        pythons.append(
            PythonPin(toml.data["requires-python"], toml.position("requires-python"), "pylock")
        )
    platforms: Optional[frozenset[str]] = None
    environments = toml.get("environments")
    if isinstance(environments, list) and environments:
        reached: set[str] = set()
        for marker in environments:
            try:
                reached |= marker_platforms(str(marker))
            except ValueError:
                reached = set()
                break
        platforms = frozenset(reached) or None
    lock: Optional[LockInfo] = None
    settings = toml.get("tool", "torchenv")
    if isinstance(settings, dict):
        digest = settings.get("input-hash") or settings.get("inputs-hash")
        inputs = settings.get("inputs") or []
        lock = LockInfo(
            str(digest) if digest else None,
            tuple(str(i) for i in inputs) if isinstance(inputs, list) else (),
            toml.position("tool", "torchenv"),
        )
    return Document(
        path=path,
        kind="pylock",
        requirements=tuple(requirements),
        indexes=tuple(indexes.values()),
        pythons=tuple(pythons),
        platforms=platforms,
        platforms_position=toml.position("environments") if platforms else None,
        lock=lock,
        ignores=inline_ignores(text),
    )
