"""What the rules ask about a document: which variant and platforms each torch-family
requirement ends up with, which indexes it can see, which release a pin names.

The answers combine the reader's facts with the file's context: ``-r`` includes, the
file name (``requirements-macos.txt`` is meant for Macs), markers, per-package sources
and the catalog. Every answer says where it came from so a diagnostic can point there.
"""

from __future__ import annotations

import os
import re

from torchenv._record import Record
from torchenv.check.markers import PLATFORM_ENVIRONMENTS, marker_platforms
from torchenv.check.model import Document, IndexRef, Position, Requirement
from torchenv.check.versions import Pin, exact_pin, release_tuple, split_local

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Optional

    from torchenv.check.knowledge import CatalogLike, ReleaseLike

__all__ = [
    "ALL_PLATFORMS",
    "PAIRED_PACKAGES",
    "Context",
    "Route",
    "filename_platforms",
    "parse_variant_url",
    "pytorch_index",
]

ALL_PLATFORMS = frozenset(PLATFORM_ENVIRONMENTS)
PAIRED_PACKAGES = ("torchvision", "torchaudio")
_VARIANT = re.compile(r"^(cpu|cu\d{3}|rocm\d+\.\d+(?:\.\d+)?|xpu)$")
_FINAL_RELEASE = re.compile(r"^\d+(\.\d+){1,2}$")
_NAME_HINTS = {
    "mac": ("macos-arm64", "macos-x86_64"),
    "macos": ("macos-arm64", "macos-x86_64"),
    "osx": ("macos-arm64", "macos-x86_64"),
    "darwin": ("macos-arm64", "macos-x86_64"),
    "apple": ("macos-arm64", "macos-x86_64"),
    "mps": ("macos-arm64",),
    "windows": ("windows-x86_64", "windows-arm64"),
    "win": ("windows-x86_64", "windows-arm64"),
    "win64": ("windows-x86_64",),
}


def filename_platforms(path: str) -> Optional[frozenset[str]]:
    """``requirements-macos.txt`` -> the macOS platforms; None when the name says nothing."""
    words = re.split(r"[-_.]+", os.path.basename(path).lower())
    found: set[str] = set()
    for word in words:
        found.update(_NAME_HINTS.get(word, ()))
    return frozenset(found) or None


def pytorch_index(url: str) -> Optional[tuple[str, Optional[str]]]:
    """``(channel, variant)`` for a PyTorch-style index URL (mirrors included), else None.

    The variant is None for PyTorch URLs that do not name one (the ``/whl`` aggregate,
    the old ``torch_stable.html`` find-links page).
    """
    parsed = parse_variant_url(url)
    if parsed is not None:
        return parsed
    host = url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1].lower()
    if host in ("download.pytorch.org", "download-r2.pytorch.org"):
        return ("stable", None)
    return None


class Route(Record):
    """The variant a requirement gets and why: ``origin`` is ``label`` (``+cu128``),
    ``url`` (a direct wheel URL), ``source`` (a per-package index), ``index`` (the
    file's ``--index-url``), ``image`` (a Docker image tag), or ``pypi``."""

    variant: Optional[str]
    origin: str
    position: Position
    index_ref: Optional[IndexRef] = None


class Context:
    """One document, the documents it includes, and the catalog."""

    def __init__(
        self, document: Document, catalog: CatalogLike, included: tuple[Document, ...] = ()
    ) -> None:
        self.document = document
        self.catalog = catalog
        self.included = included
        self._file_platforms = document.platforms or filename_platforms(document.path)

    # -- requirements -------------------------------------------------------------------
    def requirements(self, *names: str, ecosystem: str = "pypi") -> Iterator[Requirement]:
        for requirement in self.document.requirements:
            if requirement.ecosystem == ecosystem and (not names or requirement.name in names):
                yield requirement

    def all_requirements(self, *names: str) -> Iterator[Requirement]:
        """This document's and its includes' requirements (for pairing), PyPI and images."""
        for document in (self.document, *self.included):
            for requirement in document.requirements:
                if requirement.ecosystem != "conda" and requirement.name in names:
                    yield requirement

    def indexes(self, scope: int = 0) -> list[IndexRef]:
        """Indexes a requirement of ``scope`` sees: its own command's, file-wide, includes'."""
        seen = [i for i in self.document.indexes if i.scope in (0, scope)]
        for document in self.included:
            seen.extend(document.indexes)
        return seen

    # -- pins and releases --------------------------------------------------------------
    @staticmethod
    def pin(requirement: Requirement) -> Optional[Pin]:
        if requirement.ecosystem == "conda":
            from torchenv.check.versions import conda_pin

            return conda_pin(requirement.specifier)[0]
        return exact_pin(requirement.specifier)

    def release(self, version: str) -> Optional[ReleaseLike]:
        """The release with exactly this version (``2.7`` == ``2.7.0``), else None."""
        try:
            wanted = _padded(release_tuple(version))
        except ValueError:
            return None
        return _knowledge(self.catalog).by_version.get(wanted)

    def judgeable(self, version: str) -> bool:
        """A final release inside the catalog's range: pre/dev/newer-than-known are skipped."""
        if not _FINAL_RELEASE.match(version):
            return False
        releases = self.catalog.releases
        if not releases:
            return False
        wanted = _padded(release_tuple(version))
        oldest = _padded(release_tuple(releases[0].version))
        newest = _padded(release_tuple(_knowledge(self.catalog).latest.version))
        return oldest <= wanted <= newest

    def series_release(self, pin: Pin) -> Optional[ReleaseLike]:
        """For ``==2.7.*`` (and conda's fuzzy ``2.7``): the newest release of that series."""
        prefix = release_tuple(pin.version)
        matches = [
            r for r in self.catalog.releases if release_tuple(r.version)[: len(prefix)] == prefix
        ]
        return matches[-1] if matches else None

    def pinned_release(self, requirement: Requirement) -> Optional[ReleaseLike]:
        pin = self.pin(requirement)
        if pin is None:
            return None
        if pin.wildcard:
            return self.series_release(pin)
        return self.release(pin.version)

    # -- variants and platforms ---------------------------------------------------------
    def route(self, requirement: Requirement) -> Optional[Route]:
        """Where a PyPI/image requirement's build comes from; None when nothing says."""
        pin = self.pin(requirement)
        if pin is not None and pin.local and _VARIANT.match(pin.local):
            origin = "image" if requirement.ecosystem == "image" else "label"
            return Route(pin.local, origin, requirement.position)
        if requirement.url:
            directory = requirement.url.split("#", 1)[0].rsplit("/", 1)[0]
            found = pytorch_index(directory)
            if found is not None and found[1] is not None:
                return Route(found[1], "url", requirement.position)
            version = _url_version(requirement.url)
            if version is not None:
                local = split_local(version)[1]
                if local and _VARIANT.match(local):
                    return Route(local, "url", requirement.position)
        indexes = self.indexes(requirement.scope)
        if requirement.source is not None:
            for index in indexes:
                if requirement.source in (index.name, index.url):
                    found = pytorch_index(index.url)
                    variant = found[1] if found else None
                    return Route(variant, "source", index.position, index)
            return Route(None, "source", requirement.position)
        for index in indexes:
            if index.role == "index-url":
                found = pytorch_index(index.url)
                if found is not None:
                    return Route(found[1], "index", index.position, index)
                return Route(None, "index", index.position, index)
        pdm = self.pdm_source(requirement)
        if pdm is not None:
            # PDM routes by the source's include_packages globs ("torch*").
            found = pytorch_index(pdm.url)
            return Route(found[1] if found else None, "source", pdm.position, pdm)
        if self.routes_per_package():
            return Route(None, "pypi", requirement.position)
        return None

    def pdm_source(self, requirement: Requirement) -> Optional[IndexRef]:
        """The PDM source whose ``include_packages`` names this requirement, if any."""
        for index in self.indexes(requirement.scope):
            if index.tool == "pdm" and _matches_any(requirement.name, index.packages):
                return index
        return None

    def routes_per_package(self) -> bool:
        """True where packages reach non-default indexes only when named (uv, Poetry, pixi,
        PDM ``include_packages``)."""
        return any(
            (index.role == "source" and index.tool in ("uv", "poetry", "pixi"))
            or (index.tool == "pdm" and bool(index.packages))
            for index in self.document.indexes
        )

    def platforms(self, requirement: Requirement) -> Optional[frozenset[str]]:
        """Platforms the requirement reaches; None when the file does not narrow it."""
        scope: Optional[frozenset[str]] = None
        for narrowing in (requirement.platforms, self._file_platforms, self._marker(requirement)):
            if narrowing is None or narrowing == ALL_PLATFORMS:
                continue
            scope = narrowing if scope is None else scope & narrowing
        return scope

    def exact_platforms(self, requirement: Requirement) -> bool:
        """True when the platforms were declared one by one (a Docker ``--platform``, a pixi
        target, declared workspace/uv/conda-lock platforms, a ``platform_machine`` marker)
        rather than implied by an OS-level marker or a file name."""
        return (
            requirement.platforms is not None
            or self.document.platforms is not None
            or "platform_machine" in (requirement.marker or "")
        )

    @staticmethod
    def _marker(requirement: Requirement) -> Optional[frozenset[str]]:
        if not requirement.marker:
            return None
        try:
            return marker_platforms(requirement.marker)
        except ValueError:
            return None


def parse_variant_url(url: str) -> Optional[tuple[str, str]]:
    """``(channel, variant)`` of ``…/whl/cu128``, ``…/whl/nightly/cpu/``, ``…/cu126/simple``.

    The same answer as ``torchenv.catalog.indexes.parse_variant_index_url`` (a test
    compares them), written without urllib and outside the catalog package so that
    index-only rules do not load the knowledge base.
    """
    path = url.strip().split("#", 1)[0].split("?", 1)[0]
    if "://" in path:
        path = path.split("://", 1)[1].partition("/")[2]
    segments = [s for s in path.split("/") if s]
    if segments and segments[-1] in ("simple", "index.html"):
        segments.pop()
    if not segments or not _VARIANT.match(segments[-1]):
        return None
    channel = (
        segments[-2] if len(segments) >= 2 and segments[-2] in ("test", "nightly") else "stable"
    )
    return channel, segments[-1]


def _matches_any(name: str, patterns: tuple[str, ...]) -> bool:
    if not patterns:
        return False
    from fnmatch import fnmatch

    return any(fnmatch(name, pattern.lower().replace("_", "-")) for pattern in patterns)


class _Lookups:
    """Per-catalog answers every rule of every document asks again: ``release`` and
    ``latest`` scanned all releases each time (~5 ms of a 20-file ``check``)."""

    def __init__(self, catalog: CatalogLike, releases: tuple[ReleaseLike, ...]) -> None:
        self.releases = releases
        self.by_version: dict[tuple[int, ...], ReleaseLike] = {}
        for release in releases:
            self.by_version.setdefault(_padded(release_tuple(release.version)), release)
        self._catalog = catalog
        self._latest: Optional[ReleaseLike] = None

    @property
    def latest(self) -> ReleaseLike:
        if self._latest is None:
            self._latest = self._catalog.latest()
        return self._latest


_LOOKUPS: dict[int, _Lookups] = {}


def _knowledge(catalog: CatalogLike) -> _Lookups:
    """The lookups for ``catalog``, rebuilt when its releases are another tuple (the
    cache holds the catalog, so its id cannot be reused while cached)."""
    releases = catalog.releases
    found = _LOOKUPS.get(id(catalog))
    if found is None or found.releases is not releases:
        found = _LOOKUPS[id(catalog)] = _Lookups(catalog, releases)
    return found


def _padded(version: tuple[int, ...]) -> tuple[int, ...]:
    return ((*version, 0, 0, 0))[:3] if len(version) <= 3 else version


def _url_version(url: str) -> Optional[str]:
    from torchenv.check.pep508 import wheel_name_version

    found = wheel_name_version(url)
    return found[1] if found else None
