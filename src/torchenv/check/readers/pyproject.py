"""pyproject.toml: PEP 621 dependencies and groups, uv / Poetry / PDM sources and
indexes, ``requires-python`` and the ``[tool.torchenv]`` table.

A dependency routed by ``[tool.uv.sources]`` (or a Poetry/PDM source) to several
indexes under different markers becomes one :class:`Requirement` per route, each with
the combined marker, so the rules see "torch from pytorch-cu128 on Linux" and "torch
from pytorch-cpu elsewhere" as separate facts.
"""

from __future__ import annotations

from torchenv.check.markers import PLATFORM_ENVIRONMENTS, marker_platforms
from torchenv.check.model import (
    Document,
    GpuTarget,
    IndexRef,
    Position,
    PythonPin,
    Requirement,
    TargetDecl,
)
from torchenv.check.pep508 import canonical_name, parse_requirement
from torchenv.check.readers.tomlfile import TomlFile, load_toml
from torchenv.check.textlines import inline_ignores
from torchenv.check.versions import poetry_to_pep440
from torchenv.errors import InputError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

__all__ = ["read_pyproject", "target_declarations", "torchenv_settings"]

ALL_PLATFORMS = frozenset(PLATFORM_ENVIRONMENTS)


def _and(*markers: Optional[str]) -> Optional[str]:
    present = [m for m in markers if m]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return " and ".join(f"({m})" for m in present)


def _pep621(toml: TomlFile, path: str) -> list[tuple[Requirement, tuple[object, ...]]]:
    found: list[tuple[Requirement, tuple[object, ...]]] = []
    lists: list[tuple[tuple[object, ...], Any, Optional[str]]] = [
        (("project", "dependencies"), toml.array("project", "dependencies"), None)
    ]
    for group, items in toml.table("project", "optional-dependencies").items():
        lists.append((("project", "optional-dependencies", group), items, f"extra:{group}"))
    for group, items in toml.table("dependency-groups").items():
        lists.append((("dependency-groups", group), items, f"group:{group}"))
    for group, items in toml.table("tool", "pdm", "dev-dependencies").items():
        lists.append((("tool", "pdm", "dev-dependencies", group), items, f"group:{group}"))
    for key, items, group_name in lists:
        if not isinstance(items, list):
            continue
        for index, text in enumerate(items):
            if not isinstance(text, str):
                continue  # {include-group = "..."}
            where = (*key, index)
            position = toml.position(*where)
            try:
                parsed = parse_requirement(text)
            except ValueError as error:
                raise InputError(path, str(error), position.line) from None
            # Point at the name inside the string, past the opening quote.
            position = Position(position.line, position.col + 1 + parsed.name_offset)
            found.append(
                (
                    Requirement(
                        parsed.name,
                        parsed.specifier,
                        position,
                        marker=parsed.marker,
                        url=parsed.url,
                        path=path,
                        group=group_name,
                    ),
                    where,
                )
            )
    return found


def _uv(toml: TomlFile, path: str, requirements: list[Requirement]) -> list[Requirement]:
    sources = toml.table("tool", "uv", "sources")
    routed: list[Requirement] = []
    for requirement in requirements:
        entry = None
        for name, value in sources.items():
            if canonical_name(name) == requirement.name:
                entry = value
        if entry is None:
            routed.append(requirement)
            continue
        entries = entry if isinstance(entry, list) else [entry]
        for item in entries:
            if not isinstance(item, dict):
                continue
            routed.append(
                Requirement(
                    requirement.name,
                    requirement.specifier,
                    requirement.position,
                    marker=_and(requirement.marker, item.get("marker")),
                    url=item.get("url", requirement.url),
                    source=item.get("index"),
                    path=path,
                    group=requirement.group,
                )
            )
    return routed


def _uv_indexes(toml: TomlFile, path: str) -> list[IndexRef]:
    found: list[IndexRef] = []
    for index, item in enumerate(toml.array("tool", "uv", "index")):
        if not isinstance(item, dict) or "url" not in item:
            continue
        found.append(
            IndexRef(
                str(item["url"]),
                "find-links" if item.get("format") == "flat" else "source",
                toml.position("tool", "uv", "index", index, "url"),
                tool="uv",
                name=item.get("name"),
                explicit=bool(item.get("explicit", False)),
                path=path,
            )
        )
    uv = toml.table("tool", "uv")
    for key, role in (("index-url", "index-url"), ("extra-index-url", "extra-index-url")):
        values = uv.get(key)
        values = [values] if isinstance(values, str) else (values or [])
        for number, url in enumerate(values):
            where = ("tool", "uv", key) if key == "index-url" else ("tool", "uv", key, number)
            found.append(IndexRef(url, role, toml.position(*where), tool="uv", path=path))
    return found


def _poetry(toml: TomlFile, path: str) -> tuple[list[Requirement], list[PythonPin]]:
    requirements: list[Requirement] = []
    pythons: list[PythonPin] = []
    tables: list[tuple[tuple[str, ...], Any, Optional[str]]] = [
        (("tool", "poetry", "dependencies"), toml.table("tool", "poetry", "dependencies"), None),
        (
            ("tool", "poetry", "dev-dependencies"),
            toml.table("tool", "poetry", "dev-dependencies"),
            "group:dev",
        ),
    ]
    for group in toml.table("tool", "poetry", "group"):
        where = ("tool", "poetry", "group", group, "dependencies")
        tables.append((where, toml.table(*where), f"group:{group}"))
    for key, table, group_name in tables:
        for name, value in table.items():
            if name == "python":
                if isinstance(value, str):
                    pythons.append(
                        PythonPin(poetry_to_pep440(value), toml.position(*key, name), "poetry")
                    )
                continue
            entries = value if isinstance(value, list) else [value]
            for number, entry in enumerate(entries):
                where = (*key, name, number) if isinstance(value, list) else (*key, name)
                requirement = _poetry_requirement(name, entry, toml.position(*where), path)
                requirements.append(requirement._replace(group=group_name))
    return requirements, pythons


def _poetry_requirement(name: str, entry: Any, position: Position, path: str) -> Requirement:
    if isinstance(entry, str):
        entry = {"version": entry}
    if not isinstance(entry, dict):
        entry = {}
    version = str(entry.get("version", "*"))
    marker = entry.get("markers")
    platform = entry.get("platform")
    if platform:
        marker = _and(marker, f"sys_platform == '{platform}'")
    return Requirement(
        canonical_name(name),
        poetry_to_pep440(version),
        position,
        marker=marker,
        url=entry.get("url"),
        source=entry.get("source"),
        path=path,
    )


def _poetry_pdm_indexes(toml: TomlFile, path: str) -> list[IndexRef]:
    found: list[IndexRef] = []
    for index, item in enumerate(toml.array("tool", "poetry", "source")):
        if not isinstance(item, dict) or "url" not in item:
            continue
        priority = item.get("priority")
        found.append(
            IndexRef(
                str(item["url"]),
                "source",
                toml.position("tool", "poetry", "source", index, "url"),
                tool="poetry",
                name=item.get("name"),
                explicit=priority == "explicit",
                path=path,
            )
        )
    for index, item in enumerate(toml.array("tool", "pdm", "source")):
        if not isinstance(item, dict) or "url" not in item:
            continue
        found.append(
            IndexRef(
                str(item["url"]),
                "find-links" if item.get("type") == "find_links" else "source",
                toml.position("tool", "pdm", "source", index, "url"),
                tool="pdm",
                name=item.get("name"),
                explicit=bool(item.get("include_packages")),
                path=path,
                packages=tuple(str(p) for p in item.get("include_packages") or ()),
            )
        )
    return found


def torchenv_settings(toml: TomlFile) -> list[GpuTarget]:
    """``[tool.torchenv] gpus = [...]`` and ``compute-capabilities = [...]``."""
    settings = toml.table("tool", "torchenv")
    targets: list[GpuTarget] = []
    for key, is_capability in (("gpus", False), ("compute-capabilities", True)):
        values = settings.get(key) or []
        for index, value in enumerate(values if isinstance(values, list) else [values]):
            targets.append(
                GpuTarget(str(value), toml.position("tool", "torchenv", key, index), is_capability)
            )
    return targets


def target_declarations(toml: TomlFile) -> list[TargetDecl]:
    """``[tool.torchenv] targets = ["linux-x86_64-cu128", "macos-arm64"]``."""
    found: list[TargetDecl] = []
    for number, target in enumerate(toml.array("tool", "torchenv", "targets")):
        parts = str(target).strip().lower().split("-", 2)
        if len(parts) < 2:
            continue
        backend = parts[2] if len(parts) == 3 else None
        position = toml.position("tool", "torchenv", "targets", number)
        found.append(TargetDecl(f"{parts[0]}-{parts[1]}", backend, position))
    return found


def _declared_platforms(toml: TomlFile) -> tuple[Optional[frozenset[str]], Optional[Position]]:
    """Platforms the project says it supports: ``[tool.torchenv] targets`` (``macos-arm64``,
    ``linux-x86_64-cu128``) or uv's ``environments`` / ``required-environments`` markers."""
    declared = target_declarations(toml)
    if declared:
        found = {target.platform for target in declared}
        where = toml.position("tool", "torchenv", "targets")
        return frozenset(found & ALL_PLATFORMS) or None, where
    for key in ("environments", "required-environments"):
        markers = toml.get("tool", "uv", key)
        if isinstance(markers, list) and markers:
            reached: set[str] = set()
            try:
                for marker in markers:
                    reached |= marker_platforms(str(marker))
            except ValueError:
                continue
            return frozenset(reached) or None, toml.position("tool", "uv", key)
    return None, None


def read_pyproject(text: str, path: str) -> Document:
    toml = load_toml(text, path)
    pep621 = [requirement for requirement, _ in _pep621(toml, path)]
    requirements = _uv(toml, path, pep621)
    poetry_requirements, pythons = _poetry(toml, path)
    requirements += poetry_requirements
    requires_python = toml.get("project", "requires-python")
    if isinstance(requires_python, str):
        pythons.insert(
            0,
            PythonPin(
                requires_python, toml.position("project", "requires-python"), "requires-python"
            ),
        )
    # PDM routes by include_packages on the source itself, not per dependency.
    platforms, platforms_position = _declared_platforms(toml)
    return Document(
        path=path,
        kind="pyproject",
        requirements=tuple(requirements),
        indexes=tuple(_uv_indexes(toml, path) + _poetry_pdm_indexes(toml, path)),
        pythons=tuple(pythons),
        gpus=tuple(torchenv_settings(toml)),
        platforms=platforms,
        platforms_position=platforms_position,
        targets=tuple(target_declarations(toml)),
        ignores=inline_ignores(text),
    )
