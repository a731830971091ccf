"""What a project asks to lock: dependencies plus ``[tool.torchenv]`` settings.

Reads ``pyproject.toml`` (``[project.dependencies]``, optional dependencies, PEP 735
``[dependency-groups]``) or a pip-style ``requirements.in``. Pure parse functions take
text; :func:`load_project` is the thin reader.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Optional

from packaging.requirements import InvalidRequirement, Requirement

from torchenv._record import Record
from torchenv.errors import InputError

__all__ = [
    "DEFAULT_PYTHONS",
    "DEFAULT_TARGETS",
    "LockSettings",
    "ProjectInputs",
    "load_project",
    "parse_pyproject",
    "parse_requirements_in",
]

DEFAULT_TARGETS: tuple[str, ...] = (
    "linux-x86_64",
    "linux-aarch64",
    "macos-arm64",
    "windows-x86_64",
)
# The running interpreter's X.Y: the Python a project is most likely developed on.
DEFAULT_PYTHONS: tuple[str, ...] = (f"{sys.version_info.major}.{sys.version_info.minor}",)


_NO_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType({})


# Records rather than frozen dataclasses: importing ``dataclasses`` (and ``inspect``)
# was ~10 ms of every ``torchenv lock`` start.
class LockSettings(Record):
    """``[tool.torchenv]`` lock settings; empty tuples/None mean "not set here"."""

    targets: tuple[str, ...] = ()
    python: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    pytorch_index_url: Optional[str] = None
    torch_family_extra: tuple[str, ...] = ()


class ProjectInputs(Record):
    """Everything read from the project file, in the file's order."""

    path: str
    dependencies: tuple[str, ...]
    groups: Mapping[str, tuple[str, ...]] = _NO_GROUPS
    settings: LockSettings = LockSettings()
    requires_python: Optional[str] = None
    # (absolute path, sha256 hex) of every file read, includes too, as read: what a
    # lock manifest checks to know the project is unchanged (torchenv.lock.manifest).
    sources: tuple[tuple[str, str], ...] = ()

    def requirements(self, groups: Sequence[str] = ()) -> tuple[str, ...]:
        """Dependencies plus the named groups/extras, each requirement once."""
        seen: dict[str, None] = dict.fromkeys(self.dependencies)
        for name in groups:
            if name not in self.groups:
                raise InputError(self.path, f"no optional dependency or group named {name!r}")
            seen.update(dict.fromkeys(self.groups[name]))
        return tuple(seen)


def _check_requirement(path: str, text: str, line: Optional[int] = None) -> str:
    try:
        Requirement(text)
    except InvalidRequirement as error:
        raise InputError(path, f"bad requirement {text!r}: {error}", line) from None
    return text


def _strings(path: str, value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(path, f"{key} must be a list of strings")
    return tuple(value)


def _settings(path: str, table: Any) -> LockSettings:
    if table is None:
        return LockSettings()
    if not isinstance(table, dict):
        raise InputError(path, "[tool.torchenv] must be a table")
    index = table.get("pytorch-index-url")
    if index is not None and not isinstance(index, str):
        raise InputError(path, "[tool.torchenv] pytorch-index-url must be a string")
    family = table.get("torch-family", {})
    extra: tuple[str, ...] = ()
    if isinstance(family, dict):
        extra = _strings(path, family.get("extra", []), "[tool.torchenv.torch-family] extra")
    elif isinstance(family, list):
        extra = _strings(path, family, "[tool.torchenv] torch-family")
    return LockSettings(
        targets=_strings(path, table.get("targets", []), "[tool.torchenv] targets"),
        python=_strings(path, table.get("python", []), "[tool.torchenv] python"),
        variants=_strings(path, table.get("variants", []), "[tool.torchenv] variants"),
        pytorch_index_url=index,
        torch_family_extra=extra,
    )


def _group_requirements(
    path: str, groups: Mapping[str, Any], name: str, stack: tuple[str, ...]
) -> tuple[str, ...]:
    """Expand one PEP 735 group, following ``{include-group = ...}`` entries."""
    if name in stack:
        raise InputError(path, f"[dependency-groups] {name!r} includes itself")
    if name not in groups:
        raise InputError(path, f"[dependency-groups] includes unknown group {name!r}")
    result: list[str] = []
    entries = groups[name]
    if not isinstance(entries, list):
        raise InputError(path, f"[dependency-groups] {name} must be a list")
    for entry in entries:
        if isinstance(entry, str):
            result.append(_check_requirement(path, entry))
        elif isinstance(entry, dict) and isinstance(entry.get("include-group"), str):
            result += _group_requirements(path, groups, entry["include-group"], (*stack, name))
        else:
            raise InputError(path, f"[dependency-groups] {name}: bad entry {entry!r}")
    return tuple(result)


def parse_pyproject(text: str, path: str = "pyproject.toml") -> ProjectInputs:
    """Parse pyproject.toml text; raise :class:`InputError` naming the file."""
    # The strict subset parser gives tomllib's exact value or None (then tomllib
    # decides): importing tomllib is ~2 ms of every lock start, check's reason too.
    from torchenv.tomlsubset import parse_subset

    data = parse_subset(text)
    if data is None:
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - exercised on 3.9/3.10 only
            import tomli as tomllib  # type: ignore[import-not-found,no-redef,unused-ignore]
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise InputError(path, f"not valid TOML: {error}") from None
    project = data.get("project", {})
    if not isinstance(project, dict):
        raise InputError(path, "[project] must be a table")
    deps = tuple(
        _check_requirement(path, d)
        for d in _strings(path, project.get("dependencies", []), "[project] dependencies")
    )
    groups: dict[str, tuple[str, ...]] = {}
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        raise InputError(path, "[project.optional-dependencies] must be a table")
    for name, values in optional.items():
        groups[name] = tuple(
            _check_requirement(path, d) for d in _strings(path, values, f"optional {name}")
        )
    dep_groups = data.get("dependency-groups", {})
    if not isinstance(dep_groups, dict):
        raise InputError(path, "[dependency-groups] must be a table")
    for name in dep_groups:
        groups[name] = _group_requirements(path, dep_groups, name, ())
    requires_python = project.get("requires-python")
    if requires_python is not None and not isinstance(requires_python, str):
        raise InputError(path, "[project] requires-python must be a string")
    tool = data.get("tool", {})
    table = tool.get("torchenv") if isinstance(tool, dict) else None
    return ProjectInputs(path, deps, groups, _settings(path, table), requires_python)


def parse_requirements_in(
    text: str,
    path: str = "requirements.in",
    read: Optional[Callable[[str], str]] = None,
    _stack: tuple[str, ...] = (),
) -> ProjectInputs:
    """Parse requirement lines and ``-r FILE`` includes (read through ``read``, relative
    to ``path``); index options are refused by name because torchenv routes indexes."""
    deps: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ", "-r\t")):
            included = line.split(None, 1)[1].strip()
            target = str(Path(path).parent / included)
            if read is None:
                raise InputError(path, f"cannot follow '-r {included}' here", number)
            if target in (*_stack, path):
                raise InputError(path, f"'-r {included}' includes itself", number)
            try:
                child_text = read(target)
            except OSError as error:
                reason = error.strerror or str(error)
                raise InputError(path, f"cannot read {included}: {reason}", number) from None
            child = parse_requirements_in(child_text, target, read, (*_stack, path))
            deps += [d for d in child.dependencies if d not in deps]
            continue
        if line.startswith("-"):
            raise InputError(
                path,
                f"option {line.split()[0]!r} is not supported here: torchenv chooses the "
                "indexes itself (use --index-url / --pytorch-index-url)",
                number,
            )
        requirement = _check_requirement(path, line, number)
        if requirement not in deps:  # the same line twice (often via an include) is one
            deps.append(requirement)
    return ProjectInputs(path, tuple(deps))


def load_project(path: str) -> ProjectInputs:
    """Read ``pyproject.toml`` (or a directory holding one) or a requirements file.

    ``sources`` of the result names every file read with the digest of the very bytes
    parsed, so a file edited during a lock cannot pass for the one that was locked.
    """
    import hashlib
    import os

    sources: list[tuple[str, str]] = []

    def read(name: str) -> str:
        data = Path(name).read_bytes()
        sources.append((os.path.abspath(name), hashlib.sha256(data).hexdigest()))
        # Universal newlines, as read_text gives them.
        return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")

    file = Path(path)
    if file.is_dir():
        file = file / "pyproject.toml"
    try:
        text = read(str(file))
    except OSError as error:
        raise InputError(str(file), f"cannot read: {error.strerror or error}") from None
    if file.suffix == ".toml":
        project = parse_pyproject(text, str(file))
    else:
        project = parse_requirements_in(text, str(file), read)
    return project._replace(sources=tuple(sources))
