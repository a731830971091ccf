"""TE014: a pylock file whose inputs changed since it was written.

Offline and cheap: the project beside the lock (``pyproject.toml`` in the lock's folder)
asks for something the lock cannot satisfy: a direct dependency missing from the lock,
or locked at a version outside the project's current specifier (``torch==2.8.0`` in
pyproject.toml, ``2.7.1+cu128`` in the lock). Dependencies whose markers exclude every
platform the lock's ``environments`` cover, extras and dependency groups are skipped.
"""

from __future__ import annotations

import os

from torchenv.check.diagnostics import Diagnostic, make
from torchenv.check.markers import marker_platforms
from torchenv.check.model import Document, Position, Requirement
from torchenv.check.versions import satisfies

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Optional

__all__ = ["stale_lock"]


def _project(lock: Document, cache: dict[str, Document]) -> Optional[Document]:
    path = os.path.join(os.path.dirname(os.path.abspath(lock.path)), "pyproject.toml")
    if path in cache:
        return cache[path]
    if not os.path.isfile(path):
        return None
    from torchenv.check.runner import read_document
    from torchenv.errors import InputError

    try:
        cache[path] = read_document(path, "pyproject")
    except InputError:
        return None  # reported as TE000 when pyproject.toml itself is checked
    return cache[path]


def _reaches_lock(requirement: Requirement, lock: Document) -> bool:
    if not requirement.marker or lock.platforms is None:
        return True
    try:
        return bool(marker_platforms(requirement.marker) & lock.platforms)
    except ValueError:
        return True


def _mismatches(lock: Document, project: Document) -> Iterator[str]:
    locked: dict[str, list[str]] = {}
    for package in lock.requirements:
        locked.setdefault(package.name, []).append(package.specifier.removeprefix("=="))
    seen: set[tuple[str, str]] = set()
    for requirement in project.requirements:
        # [project] dependencies only: groups and extras may be locked separately.
        if (
            requirement.ecosystem != "pypi"
            or requirement.url
            or not _reaches_lock(requirement, lock)
        ):
            continue
        if requirement.group is not None:
            continue
        key = (requirement.name, requirement.specifier)
        if key in seen:
            continue
        seen.add(key)
        versions = locked.get(requirement.name)
        if versions is None:
            yield f"{requirement.name} is a dependency but not in the lock"
        elif requirement.specifier and not any(
            satisfies(v, requirement.specifier) for v in versions
        ):
            yield (
                f"{requirement.name}{requirement.specifier} does not match the locked "
                f"{', '.join(versions)}"
            )


def stale_lock(document: Document, cache: dict[str, Document]) -> Iterator[Diagnostic]:
    if document.kind != "pylock":
        return
    project = _project(document, cache)
    if project is None:
        return
    where = document.lock.position if document.lock is not None else Position(1, 1)
    reasons = list(_mismatches(document, project))
    if reasons:
        shown = "; ".join(reasons[:3]) + (
            f" (+{len(reasons) - 3} more)" if len(reasons) > 3 else ""
        )
        yield make(
            document.path,
            where,
            "TE014",
            f"lock is stale against {os.path.basename(project.path)}: {shown}",
            "run torchenv lock (CI: torchenv lock --check)",
        )
