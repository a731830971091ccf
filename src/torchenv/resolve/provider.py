"""The resolvelib provider: resolve for a target's tags and markers, not this interpreter.

Identifiers are ``name`` or ``name[extra,...]``; a candidate with extras depends on the
same version of its base candidate, the usual resolvelib shape. Requires-Python from
METADATA becomes a dependency on the virtual ``<python>`` identifier so a mismatch
surfaces as an ordinary conflict rather than an exception.
"""

from __future__ import annotations

import email.parser
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version
from resolvelib.providers import AbstractProvider

from torchenv.index.models import Link
from torchenv.resolve.evaluate import LinkEvaluator
from torchenv.resolve.source import CandidateSource
from torchenv.urls import redact_url

__all__ = ["PYTHON", "Candidate", "Dependency", "TargetProvider"]

PYTHON = "<python>"


@dataclass(frozen=True)
class Dependency:
    """One requirement after its marker was evaluated for the target."""

    name: NormalizedName
    specifier: SpecifierSet
    extras: frozenset[str] = frozenset()
    parent: str = "the project"
    text: str = ""

    @property
    def identifier(self) -> str:
        return _identifier(self.name, self.extras)

    @property
    def pinned(self) -> bool:
        return any(s.operator in ("==", "===") and "*" not in s.version for s in self.specifier)


@dataclass(frozen=True)
class Candidate:
    name: NormalizedName
    version: Version
    link: Optional[Link]
    index_url: str = ""
    extras: frozenset[str] = frozenset()
    yanked: bool = field(default=False, compare=False)

    @property
    def identifier(self) -> str:
        return _identifier(self.name, self.extras)


def _identifier(name: str, extras: Iterable[str]) -> str:
    extras = sorted(extras)
    return f"{name}[{','.join(extras)}]" if extras else name


class TargetProvider(AbstractProvider):  # type: ignore[type-arg]
    """Answer resolvelib's questions for one target, one Python, one torch variant."""

    def __init__(
        self,
        source: CandidateSource,
        evaluator_for: Callable[[NormalizedName], LinkEvaluator],
        environment: Mapping[str, str],
        index_for: Callable[[NormalizedName], str],
        pin_first: Sequence[str] = ("torch",),
        paired: Optional[Mapping[str, str]] = None,
    ) -> None:
        self._source = source
        # Companion versions the catalog pairs with an exactly pinned torch
        # ({"torchvision": "0.22.0"}): an extra constraint besides their METADATA pins.
        self._paired = dict(paired or {})
        self._evaluator_for = evaluator_for
        self._environment = dict(environment)
        self._index_for = index_for
        self._pin_first = tuple(pin_first)
        self._python = Version(environment["python_full_version"])
        self._candidates: dict[NormalizedName, list[Candidate]] = {}
        self._dependencies: dict[tuple[str, frozenset[str]], list[Dependency]] = {}
        self.rejections: dict[str, list[str]] = {}

    # -- resolvelib contract ----------------------------------------------------------
    def identify(self, requirement_or_candidate: Union[Dependency, Candidate]) -> str:
        return requirement_or_candidate.identifier

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Candidate],
        candidates: Mapping[str, Iterator[Candidate]],
        information: Mapping[str, Iterator[Any]],
        backtrack_causes: Sequence[Any],
    ) -> Any:
        name = identifier.split("[", 1)[0]
        pinned = any(info.requirement.pinned for info in information[identifier])
        causes = {c.requirement.name for c in backtrack_causes}
        return (
            name != PYTHON,
            name not in self._pin_first,
            name not in causes,
            not pinned,
            identifier,
        )

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Dependency]],
        incompatibilities: Mapping[str, Iterator[Candidate]],
    ) -> list[Candidate]:
        wanted = list(requirements[identifier])
        bad = {c.version for c in incompatibilities[identifier]}
        name = canonicalize_name(identifier.split("[", 1)[0])
        if name == PYTHON:
            fits = all(r.specifier.contains(self._python, prereleases=True) for r in wanted)
            return [Candidate(name, self._python, None)] if fits and self._python not in bad else []
        extras = frozenset().union(*(r.extras for r in wanted)) if wanted else frozenset()
        pins = {
            Version(s.version)
            for r in wanted
            for s in r.specifier
            if s.operator == "==" and "*" not in s.version
        }
        result = []
        paired = self._paired.get(name) if name != "torch" else None
        for candidate in self._all_candidates(name, pins):
            if candidate.version in bad:
                continue
            if paired is not None and candidate.version.public != paired:
                self._log_once(
                    name,
                    f"skipping {name} {candidate.version}: the catalog pairs "
                    f"torch {self._paired.get('torch', '?')} with {name} {paired}",
                )
                continue
            if not all(r.specifier.contains(candidate.version, prereleases=True) for r in wanted):
                continue
            if candidate.version.is_prerelease and not any(
                r.specifier.prereleases or candidate.version in pins for r in wanted
            ):
                continue
            if extras:
                candidate = Candidate(
                    name, candidate.version, candidate.link, candidate.index_url, extras
                )
            result.append(candidate)
        return result

    def is_satisfied_by(self, requirement: Dependency, candidate: Candidate) -> bool:
        if requirement.name == PYTHON:
            return requirement.specifier.contains(candidate.version, prereleases=True)
        return candidate.name == requirement.name and requirement.specifier.contains(
            candidate.version, prereleases=True
        )

    def get_dependencies(self, candidate: Candidate) -> list[Dependency]:
        if candidate.link is None:
            return []
        dependencies = list(self._metadata_dependencies(candidate))
        if candidate.extras:
            base = SpecifierSet(f"=={candidate.version}")
            dependencies.append(Dependency(candidate.name, base, frozenset(), candidate.identifier))
        return dependencies

    def _log_once(self, name: str, reason: str) -> None:
        log = self.rejections.setdefault(name, [])
        if reason not in log:
            log.append(reason)

    def versions_seen(self, name: str) -> list[str]:
        """Versions of ``name`` with a file fitting the target (newest first), if fetched."""
        return [str(c.version) for c in self._candidates.get(canonicalize_name(name), [])]

    # -- helpers ----------------------------------------------------------------------
    def _all_candidates(self, name: NormalizedName, pins: set[Version]) -> list[Candidate]:
        """Every version of ``name`` with a file for the target, best file each, newest first."""
        cached = self._candidates.get(name)
        if cached is None:
            index = self._index_for(name)
            page = self._source.project_page(index, name)
            best: dict[Version, tuple[int, Link]] = {}
            yanked: dict[Version, tuple[int, Link]] = {}
            log = self.rejections.setdefault(name, [])
            if not page.links:
                log.append(f"{redact_url(index)} lists no files for {name}")
            evaluator = self._evaluator_for(name)
            for link in page.links:
                verdict, reason = evaluator.evaluate(name, link)
                if verdict is None:
                    log.append(f"skipping {link.filename}: {reason}")
                    continue
                into = yanked if link.is_yanked else best
                old = into.get(verdict.version)
                if old is None or verdict.tag_rank < old[0]:
                    into[verdict.version] = (verdict.tag_rank, link)
            cached = [Candidate(name, v, link, index) for v, (_r, link) in best.items()]
            # Yanked files are kept aside; they are offered only for an exact == pin.
            cached += [
                Candidate(name, v, link, index, frozenset(), yanked=True)
                for v, (_r, link) in yanked.items()
                if v not in best
            ]
            cached.sort(key=lambda c: c.version, reverse=True)
            self._candidates[name] = cached
            prefetch_metadata = getattr(self._source, "prefetch_metadata", None)
            if prefetch_metadata is not None:
                # The newest fitting file is the one resolution usually keeps.
                prefetch_metadata([c.link for c in cached[:1] if c.link is not None])
        result = []
        for candidate in cached:
            exact = any(candidate.version == p or candidate.version.public == str(p) for p in pins)
            if candidate.yanked and not exact:
                assert candidate.link is not None
                self.rejections[name].append(
                    f"skipping {candidate.link.filename}: yanked (allowed only when pinned with ==)"
                )
                continue
            result.append(candidate)
        return result

    def _metadata_dependencies(self, candidate: Candidate) -> list[Dependency]:
        assert candidate.link is not None
        key = (candidate.link.url, candidate.extras)
        cached = self._dependencies.get(key)
        if cached is not None:
            return cached
        raw = self._source.wheel_metadata(candidate.link)
        message = email.parser.Parser().parsestr(raw.decode("utf-8", "replace"), headersonly=True)
        result: list[Dependency] = []
        requires_python = message.get("Requires-Python")
        if requires_python:
            result.append(
                Dependency(
                    canonicalize_name(PYTHON),
                    SpecifierSet(requires_python),
                    frozenset(),
                    candidate.identifier,
                    f"Requires-Python {requires_python}",
                )
            )
        for line in message.get_all("Requires-Dist") or []:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue  # a broken line in someone else's METADATA must not stop the lock
            if requirement.marker is not None and not self._marker_applies(
                requirement.marker, candidate.extras
            ):
                continue
            result.append(
                Dependency(
                    canonicalize_name(requirement.name),
                    requirement.specifier,
                    frozenset(requirement.extras),
                    candidate.identifier,
                    line,
                )
            )
        self._dependencies[key] = result
        self._prefetch([d.name for d in result if d.name != PYTHON])
        return result

    def _prefetch(self, names: Sequence[NormalizedName]) -> None:
        """Ask a source that can (SharedSource) to fetch these pages in the background."""
        prefetch = getattr(self._source, "prefetch_pages", None)
        if prefetch is None:
            return
        by_index: dict[str, list[str]] = {}
        for name in names:
            if name not in self._candidates:
                by_index.setdefault(self._index_for(name), []).append(name)
        for index, group in by_index.items():
            prefetch(index, group)

    def _marker_applies(self, marker: Marker, extras: frozenset[str]) -> bool:
        for extra in ("", *sorted(extras)):
            environment = dict(self._environment, extra=extra)
            if marker.evaluate(environment=environment):
                return True
        return False
