"""The resolvelib provider: resolve for a target's tags and markers, not this interpreter.

Identifiers are ``name`` or ``name[extra,...]``; a candidate with extras depends on the
same version of its base candidate, the usual resolvelib shape. Requires-Python from
METADATA becomes a dependency on the virtual ``<python>`` identifier so a mismatch
surfaces as an ordinary conflict rather than an exception.

Four targets resolve the same packages, so what does not depend on the target is
computed once per process: METADATA is parsed by :mod:`torchenv.resolve.metadata`
(memoised by its bytes), Requires-Python strings by a cached ``SpecifierSet``. Per
target only markers are evaluated, each distinct marker once. Skipped files are logged
as data and worded only when a conflict report reads them (:meth:`TargetProvider.reasons`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Callable, Optional, Union

from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version
from resolvelib.providers import AbstractProvider

from torchenv._record import Record
from torchenv.index.models import Link
from torchenv.resolve.evaluate import (
    LinkEvaluator,
    Rejection,
)
from torchenv.resolve.evaluate import (
    canonical_name as _canonical_name,
)
from torchenv.resolve.evaluate import (
    specifier_set as _specifier_set,
)
from torchenv.resolve.metadata import ExtraLine, dependency_lines, requirement_line
from torchenv.resolve.run_memo import run_memo
from torchenv.resolve.source import CandidateSource
from torchenv.urls import redact_url

__all__ = ["PYTHON", "Candidate", "Dependency", "TargetProvider"]

PYTHON = "<python>"
_PYTHON_NAME = canonicalize_name(PYTHON)


class Dependency(Record):
    """One requirement after its marker was evaluated for the target."""

    name: NormalizedName
    specifier: SpecifierSet
    extras: frozenset[str] = frozenset()
    parent: str = "the project"
    text: str = ""

    @property
    def identifier(self) -> str:
        return _identifier(self.name, self.extras) if self.extras else self.name

    @property
    def pinned(self) -> bool:
        return any(s.operator in ("==", "===") and "*" not in s.version for s in self.specifier)


class Candidate(Record):
    """One version of a project with the file chosen for the target.

    ``yanked`` is part of equality, but it follows from ``link`` (the file's own flag),
    so two candidates for one file never differ in it alone.
    """

    name: NormalizedName
    version: Version
    link: Optional[Link]
    index_url: str = ""
    extras: frozenset[str] = frozenset()
    yanked: bool = False

    @property
    def identifier(self) -> str:
        return _identifier(self.name, self.extras) if self.extras else self.name


class _SkippedFiles(Record):
    """The files of one page that the evaluator rejected, found and worded on reading.

    Judging is deterministic, so judging the page's links again when a report is
    shown finds the same files and reasons as the first pass, which kept nothing.
    """

    name: NormalizedName
    links: tuple[Link, ...]
    evaluator: LinkEvaluator

    def reasons(self) -> list[str]:
        judge, describe = self.evaluator.judge, self.evaluator.describe
        return [
            f"skipping {link.filename}: {describe(verdict)}"
            for link, verdict in ((link, judge(self.name, link)) for link in self.links)
            if isinstance(verdict, Rejection)
        ]


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
        # Each page's files grouped once for all the targets resolved over ``source``.
        self._memo = run_memo(source)
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
        # Why files or versions were passed over, by project: texts, or skipped files
        # whose text is built on reading (most lock runs never read any).
        self._rejections: dict[str, list[Union[str, _SkippedFiles]]] = {}
        self._logged: set[tuple[str, str]] = set()
        self._marker_verdicts: dict[tuple[str, frozenset[str]], bool] = {}
        # (id(specifier), id(version)) -> (specifier, version, contains): see _contains.
        self._contains_memo: dict[tuple[int, int], tuple[SpecifierSet, Version, bool]] = {}

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
        name = _canonical_name(identifier.split("[", 1)[0])
        if name == PYTHON:
            fits = all(self._contains(r.specifier, self._python) for r in wanted)
            return [Candidate(name, self._python, None)] if fits and self._python not in bad else []
        extras = frozenset().union(*(r.extras for r in wanted)) if wanted else frozenset()
        pins = {
            Version(s.version)
            for r in wanted
            for s in r.specifier
            if s.operator == "==" and "*" not in s.version
        }
        # An empty specifier (a bare "filelock") contains every version, prereleases
        # included when asked with prereleases=True: skip asking it per candidate.
        specifiers = [r.specifier for r in wanted if r.specifier]
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
            version = candidate.version
            if not all(self._contains(s, version) for s in specifiers):
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
        if result and result[0].link is not None:
            # resolvelib asks for matches of every dependency of a candidate it pins and
            # tries the best match first: fetch that METADATA while it looks at the others.
            # (The best *match*: a pinned nvidia-cublas-cu12==12.6.4.1 is not the newest.)
            prefetch_metadata = getattr(self._source, "prefetch_metadata", None)
            if prefetch_metadata is not None:
                prefetch_metadata([result[0].link])
        return result

    def is_satisfied_by(self, requirement: Dependency, candidate: Candidate) -> bool:
        name = requirement.name
        if name != PYTHON and candidate.name != name:
            return False
        # The memo's lookup inlined: resolvelib asks this ~3,000 times a lock. An empty
        # specifier contains every version, prereleases included; the memo answers it
        # like any other.
        specifier, version = requirement.specifier, candidate.version
        known = self._contains_memo.get((id(specifier), id(version)))
        return known[2] if known is not None else self._contains(specifier, version)

    def get_dependencies(self, candidate: Candidate) -> list[Dependency]:
        if candidate.link is None:
            return []
        dependencies = list(self._metadata_dependencies(candidate))
        if candidate.extras:
            base = SpecifierSet(f"=={candidate.version}")
            dependencies.append(Dependency(candidate.name, base, frozenset(), candidate.identifier))
        return dependencies

    def _contains(self, specifier: SpecifierSet, version: Version) -> bool:
        """``specifier.contains(version, prereleases=True)``, asked once per pair.

        resolvelib checks every requirement of every criterion against its pin each
        round, the same pairs again and again (~3,000 checks a lock of 4 targets).
        Keyed by identity, not equality: equal versions may answer differently (``===``
        compares text, and ``2.7`` == ``2.7.0``); the entry keeps both objects alive, so
        their ids are not reused while it is there.
        """
        key = (id(specifier), id(version))
        known = self._contains_memo.get(key)
        if known is None:
            known = (specifier, version, specifier.contains(version, prereleases=True))
            self._contains_memo[key] = known
        return known[2]

    def _log_once(self, name: str, reason: str) -> None:
        if (name, reason) not in self._logged:
            self._logged.add((name, reason))
            self._rejections.setdefault(name, []).append(reason)

    def reasons(self, name: str) -> list[str]:
        """Why files or versions of ``name`` were passed over, in the order it happened."""
        reasons: list[str] = []
        for entry in self._rejections.get(name, []):
            if isinstance(entry, str):
                reasons.append(entry)
            else:
                reasons += entry.reasons()
        return reasons

    @property
    def rejections(self) -> dict[str, list[str]]:
        """:meth:`reasons` for every project looked at."""
        return {name: self.reasons(name) for name in self._rejections}

    def versions_seen(self, name: str) -> list[str]:
        """Versions of ``name`` with a file fitting the target (newest first), if fetched."""
        return [str(c.version) for c in self._candidates.get(_canonical_name(name), [])]

    # -- helpers ----------------------------------------------------------------------
    def _all_candidates(self, name: NormalizedName, pins: set[Version]) -> list[Candidate]:
        """Every version of ``name`` with a file for the target, best file each, newest first."""
        cached = self._candidates.get(name)
        if cached is None:
            index = self._index_for(name)
            page = self._source.project_page(index, name)
            best: dict[Version, tuple[int, Link]] = {}
            yanked: dict[Version, tuple[int, Link]] = {}
            log = self._rejections.setdefault(name, [])
            if not page.links:
                log.append(f"{redact_url(index)} lists no files for {name}")
            evaluator = self._evaluator_for(name)
            log.append(_SkippedFiles(name, page.links, evaluator))
            # The files judge accepts (prefetch_like may have judged them already); the
            # lazy log re-judges the whole page when read.
            for verdict in self._memo.page_files(page).verdicts(evaluator, name):
                link = verdict.link
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
        if not any(candidate.yanked for candidate in cached):
            return cached
        result = []
        for candidate in cached:
            if candidate.yanked and not any(
                candidate.version == p or candidate.version.public == str(p) for p in pins
            ):
                assert candidate.link is not None
                self._rejections[name].append(
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
        metadata = dependency_lines(self._source.wheel_metadata(candidate.link))
        parent = candidate.identifier
        result: list[Dependency] = []
        requires_python = metadata.requires_python
        if requires_python:
            result.append(
                Dependency(
                    _PYTHON_NAME,
                    _specifier_set(requires_python),
                    frozenset(),
                    parent,
                    f"Requires-Python {requires_python}",
                )
            )
        extras = (
            frozenset(_canonical_name(e) for e in candidate.extras) if candidate.extras else None
        )
        for entry in metadata.requirements:
            if isinstance(entry, ExtraLine):
                # Its marker is exactly extra == entry.extra: true only with that extra.
                if extras is None or entry.extra not in extras:
                    continue
                line = requirement_line(entry.text)
                if line is None:
                    continue  # a broken line in someone else's METADATA must not stop the lock
            else:
                line = entry
            if line.marker is not None and not self._marker_applies(
                line.marker, line.marker_text, candidate.extras
            ):
                continue
            result.append(Dependency(line.name, line.specifier, line.extras, parent, line.text))
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

    def _marker_applies(self, marker: Marker, marker_text: str, extras: frozenset[str]) -> bool:
        # Many METADATA files share markers (extra == "dev", sys_platform == "win32"):
        # evaluate each distinct one once per target and set of extras.
        key = (marker_text, extras)
        verdict = self._marker_verdicts.get(key)
        if verdict is None:
            verdict = self._marker_verdicts[key] = any(
                marker.evaluate(environment=dict(self._environment, extra=extra))
                for extra in ("", *sorted(extras))
            )
        return verdict
