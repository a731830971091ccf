"""Build an :class:`ExportPlan` from PEP 751 locks or from a selection (no lock).

From a lock: every package keeps the version, index, wheel URLs and sha256 hashes the
lock recorded; the PyTorch route of a ``pylock.<variant>.toml`` is the index its torch
family came from. From a selection: torch, torchvision and torchaudio are pinned to
what :func:`torchenv.select.select` chose for each target, without hashes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

from torchenv.errors import InputError, UsageError
from torchenv.export.model import DEFAULT_INDEX, ExportPlan, PinnedPackage, Route
from torchenv.family import is_torch_family
from torchenv.targets import Target, marker_environment, parse_target
from torchenv.urls import strip_credentials

if TYPE_CHECKING:
    from torchenv.fingerprint.model import Fingerprint

__all__ = ["find_locks", "plan_from_lock", "plan_from_selection", "target_marker"]

_PAIRED_FIELDS = ("torch", "torchvision", "torchaudio")


def target_marker(target: Target) -> str:
    """``sys_platform == 'linux' and platform_machine == 'x86_64'`` for a target."""
    env = marker_environment(target, "3.11")
    platform, machine = env["sys_platform"], env["platform_machine"]
    return f"sys_platform == '{platform}' and platform_machine == '{machine}'"


def _any_of(markers: Sequence[str]) -> str:
    unique = sorted(set(markers))
    return unique[0] if len(unique) == 1 else " or ".join(f"({m})" for m in unique)


def _both(route_marker: Optional[str], marker: Optional[str]) -> Optional[str]:
    if route_marker and marker:
        return f"({route_marker}) and ({marker})"
    return route_marker or marker


def find_locks(lock_dir: str, variants: Sequence[str]) -> list[str]:
    """The ``pylock.<variant>.toml`` paths to export; all of them when no variant is named."""
    folder = Path(lock_dir)
    if variants:
        paths = [folder / f"pylock.{variant}.toml" for variant in variants]
        for path in paths:
            if not path.is_file():
                raise InputError(str(path), "no such lock file: run 'torchenv lock' first")
        return [str(p) for p in paths]
    found = sorted(folder.glob("pylock.*.toml"))
    if not found:
        raise InputError(str(folder), "no pylock.<variant>.toml here: run 'torchenv lock' first")
    return [str(p) for p in found]


def _read(path: str) -> tuple[Any, dict[str, Any]]:
    """The validated lock and its raw document (for ``[tool.torchenv]``)."""
    from torchenv.lock.pylock import read_lock_with_document

    return read_lock_with_document(path)


def _variant_of(path: str, data: dict[str, Any]) -> str:
    tool = data.get("tool", {}).get("torchenv", {})
    if isinstance(tool, dict) and isinstance(tool.get("variant"), str):
        return str(tool["variant"])
    name = Path(path).name
    if name.startswith("pylock.") and name.endswith(".toml") and name.count(".") == 2:
        return name.split(".")[1]
    raise InputError(path, "cannot tell the variant: name the file pylock.<variant>.toml")


def plan_from_lock(paths: Sequence[str], command: str, name: str = "torchenv") -> ExportPlan:
    """One route per lock file; packages as locked, markers AND-ed with the route's."""
    loaded = []
    for path in paths:
        lock, data = _read(path)
        variant = _variant_of(path, data)
        torch_indexes = [p.index for p in lock.packages if is_torch_family(p.name) and p.index]
        if not torch_indexes:
            raise InputError(path, "no torch family package with an index in this lock")
        environments = [str(m) for m in (lock.environments or [])]
        loaded.append((path, lock, variant, strip_credentials(torch_indexes[0]), environments))
    several = len(loaded) > 1
    routes = []
    packages: list[PinnedPackage] = []
    default_index: Optional[str] = None
    python = "3"
    own_markers: list[Optional[str]] = []  # each package's marker without its route's
    for path, lock, variant, index_url, environments in loaded:
        if several and not environments:
            raise InputError(path, "lock has no 'environments': cannot combine it with others")
        route_marker = _any_of(environments) if several else None
        routes.append(
            Route(variant, index_url, tuple(environments), route_marker, tuple(environments))
        )
        if lock.requires_python is not None:
            python = _python_of(str(lock.requires_python), python)
        for package in lock.packages:
            if package.version is None or not package.wheels:
                raise InputError(
                    path, f"package {package.name}: only wheels with a version can be exported"
                )
            index = strip_credentials(package.index or DEFAULT_INDEX)
            pytorch = is_torch_family(package.name) or index == index_url
            if not pytorch and default_index is None:
                default_index = index
            # aligned with wheel_urls: the requirements exporter pairs each URL with its hash
            hashes = tuple(w.hashes["sha256"] for w in package.wheels if "sha256" in w.hashes)
            if len(hashes) != len(package.wheels):
                raise InputError(path, f"package {package.name}: a wheel has no sha256 hash")
            packages.append(
                PinnedPackage(
                    name=package.name,
                    version=str(package.version),
                    marker=_both(route_marker, str(package.marker) if package.marker else None),
                    index_url=index,
                    hashes=hashes,
                    wheel_urls=tuple(strip_credentials(w.url or "") for w in package.wheels),
                    pytorch=pytorch,
                    variant=variant,
                )
            )
            own_markers.append(str(package.marker) if package.marker else None)
    return ExportPlan(
        python=python,
        routes=tuple(routes),
        default_index_url=default_index or DEFAULT_INDEX,
        packages=_merge_shared(packages, own_markers, len(routes)),
        locked=True,
        command=strip_credentials(command),
        name=name,
    )


def _merge_shared(
    packages: list[PinnedPackage], own_markers: list[Optional[str]], routes: int
) -> tuple[PinnedPackage, ...]:
    """One entry, without a route marker or variant, for a default-index package that
    every lock pins identically (filelock in both the cpu and the cu128 lock)."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for number, package in enumerate(packages):
        if package.pytorch:
            continue
        key = (package.name, package.version, package.hashes, own_markers[number])
        groups.setdefault(key, []).append(number)
    merged: list[PinnedPackage] = []
    skip: set[int] = set()
    for number, package in enumerate(packages):
        if number in skip:
            continue
        if package.pytorch:
            merged.append(package)
            continue
        members = groups[(package.name, package.version, package.hashes, own_markers[number])]
        if routes > 1 and len({packages[m].variant for m in members}) == routes:
            skip.update(members)
            merged.append(package._replace(marker=own_markers[number], variant=None))
        else:
            merged.append(package)
    return tuple(merged)


def _python_of(requires_python: str, current: str) -> str:
    """``>=3.11`` -> ``3.11`` (the oldest Python the lock allows)."""
    import re

    match = re.search(r"(?:>=|==|~=)\s*(\d+\.\d+)", requires_python)
    return match.group(1) if match else current


def plan_from_selection(
    targets: Sequence[Union[str, Fingerprint]],
    command: str,
    *,
    python: Optional[str] = None,
    torch: Optional[str] = None,
    index_base: Optional[str] = None,
    default_index_url: str = DEFAULT_INDEX,
    requirements: Sequence[str] = (),
    name: str = "torchenv",
) -> ExportPlan:
    """Pin the torch family to the selection for each target; one torch release for all.

    When targets would get different torch releases (a variant that stopped at 2.11
    next to macOS on 2.15), all are selected again at the oldest of them, so a team
    shares one version. ``requirements`` are the user's other packages, unpinned.
    """
    from packaging.requirements import InvalidRequirement, Requirement

    from torchenv.select import select
    from torchenv.targets import target_for_fingerprint

    parsed = [parse_target(t) if isinstance(t, str) else target_for_fingerprint(t) for t in targets]
    subjects = [parse_target(t) if isinstance(t, str) else t for t in targets]
    selections = [select(t, torch=torch, python=python, index_base=index_base) for t in subjects]
    releases = {s.release for s in selections if s.ok}
    if torch is None and len(releases) > 1:
        from packaging.version import Version

        oldest = min((r for r in releases if r), key=Version)
        selections = [
            select(t, torch=f"=={oldest}", python=python, index_base=index_base) for t in subjects
        ]
    for selection in selections:
        if not selection.ok:
            raise UsageError(f"target {selection.target}: {selection.error}")
    by_variant: dict[str, list[int]] = {}
    for number, selection in enumerate(selections):
        by_variant.setdefault(str(selection.backend), []).append(number)
    several = len(by_variant) > 1
    routes = []
    packages: list[PinnedPackage] = []
    for variant, numbers in by_variant.items():
        index_url = strip_credentials(str(selections[numbers[0]].index_url))
        markers = [target_marker(parsed[n]) for n in numbers]
        route_marker = _any_of(markers) if several else None
        routes.append(
            Route(
                variant,
                index_url,
                tuple(str(parsed[n].with_backend(variant)) for n in numbers),
                route_marker,
                tuple(parsed[n].platform for n in numbers),
            )
        )
        for field in _PAIRED_FIELDS:
            versions = {getattr(selections[n], field) for n in numbers}
            for version in sorted(v for v in versions if v):
                chosen = [
                    markers[n_i]
                    for n_i, n in enumerate(numbers)
                    if getattr(selections[n], field) == version
                ]
                marker = _any_of(chosen) if several or len(versions) > 1 else None
                packages.append(
                    PinnedPackage(field, version, marker, index_url, pytorch=True, variant=variant)
                )
    for text in requirements:
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            raise UsageError(f"bad requirement {text!r}: {error}") from None
        if requirement.name in _PAIRED_FIELDS:
            raise UsageError(
                f"{requirement.name} is pinned by the selection: use --torch SPEC instead"
            )
        if is_torch_family(requirement.name):
            raise UsageError(
                f"{requirement.name} is torch family: lock it ('torchenv lock') "
                "to export it with its index"
            )
        packages.append(
            PinnedPackage(
                requirement.name,
                None,
                str(requirement.marker) if requirement.marker else None,
                strip_credentials(default_index_url),
                specifier=str(requirement.specifier),
            )
        )
    return ExportPlan(
        python=python or selections[0].python or "3.11",
        routes=tuple(routes),
        default_index_url=strip_credentials(default_index_url),
        packages=tuple(packages),
        locked=False,
        command=strip_credentials(command),
        name=name,
    )
