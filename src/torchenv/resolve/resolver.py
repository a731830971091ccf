"""Resolve one project for one (target, Python, variant) and explain failures."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Optional

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version
from resolvelib import BaseReporter, Resolver
from resolvelib.resolvers import ResolutionImpossible, ResolutionTooDeep

from torchenv._record import Record
from torchenv.errors import ResolutionError
from torchenv.family import TORCH_FAMILY
from torchenv.resolve.evaluate import LinkEvaluator
from torchenv.resolve.provider import PYTHON, Candidate, Dependency, TargetProvider
from torchenv.resolve.run_memo import run_memo
from torchenv.resolve.source import CandidateSource
from torchenv.targets import Target, marker_environment

__all__ = ["ResolvedTarget", "paired_companions", "resolve_target"]


class ResolvedTarget(Record):
    """The pinned set for one target: candidates by name and who depends on what."""

    target: Target
    python: str
    variant: str
    packages: tuple[Candidate, ...]
    edges: tuple[tuple[str, str], ...]  # (parent name, child name)


# Every (target, Python, variant) of a lock parses the project's requirements again, and
# the catalog pairing reads them once more: parse each text once per process. Read-only.
_requirement = functools.lru_cache(maxsize=1024)(Requirement)


def _top_level(requirements: Sequence[str], environment: dict[str, str]) -> list[Dependency]:
    result = []
    for text in requirements:
        requirement = _requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate(
            environment=dict(environment, extra="")
        ):
            continue
        result.append(
            Dependency(
                canonicalize_name(requirement.name),
                requirement.specifier,
                frozenset(requirement.extras),
                "the project",
                text,
            )
        )
    return result


def paired_companions(requirements: Sequence[str]) -> dict[str, str]:
    """torchvision/torchaudio versions the catalog pairs with an exact ``torch==X`` pin.

    Only an exact pin decides the pair up front; with a range, the companions' own
    ``torch==`` METADATA pins keep them matched while resolving.
    """
    from torchenv.catalog import load_catalog

    for text in requirements:
        requirement = _requirement(text)
        if canonicalize_name(requirement.name) != "torch":
            continue
        exact = [
            s.version
            for s in requirement.specifier
            if s.operator in ("==", "===") and "*" not in s.version
        ]
        if not exact:
            return {}
        try:
            release = Version(exact[0]).release
        except InvalidVersion:
            return {}
        # "==2.7" means 2.7.0 (PEP 440 zero padding), not the catalog's "newest 2.7.x".
        torch = ".".join(str(p) for p in (*release, 0, 0)[:3])
        catalog = load_catalog()
        pairs = {"torch": torch}
        for companion in ("torchvision", "torchaudio"):
            version = catalog.paired_version(companion, torch)
            if version is not None:
                pairs[companion] = version
        return pairs if len(pairs) > 1 else {}
    return {}


def resolve_target(
    requirements: Sequence[str],
    target: Target,
    python: str,
    variant: str,
    source: CandidateSource,
    default_index: str,
    pytorch_index: str,
    family: frozenset[str] = TORCH_FAMILY,
    max_rounds: int = 2000,
) -> ResolvedTarget:
    """Pin ``requirements`` for ``target``; raise :class:`ResolutionError` explaining why not.

    ``pytorch_index`` is the variant's own index URL (e.g. ``.../whl/cu128``): every
    torch-family package comes from it and from nowhere else.
    """
    environment = marker_environment(target, python)
    # Shared with prefetch_like and any other resolution of this target over ``source``.
    memo = run_memo(source)
    evaluator_family = memo.evaluator(target, python, variant)
    evaluator_other = memo.evaluator(target, python, None)

    def index_for(name: NormalizedName) -> str:
        return pytorch_index if name in family else default_index

    def evaluator_for(name: NormalizedName) -> LinkEvaluator:
        return evaluator_family if name in family else evaluator_other

    provider = TargetProvider(
        source, evaluator_for, environment, index_for, paired=paired_companions(requirements)
    )
    resolver: Resolver[Dependency, Candidate, str] = Resolver(provider, BaseReporter())
    where = f"{target.platform} / Python {python} / {variant}"
    try:
        result = resolver.resolve(_top_level(requirements, environment), max_rounds=max_rounds)
    except ResolutionImpossible as error:
        raise ResolutionError(_explain(error, provider, where)) from None
    except ResolutionTooDeep:
        raise ResolutionError(f"{where}: resolution gave up after {max_rounds} rounds") from None
    packages = tuple(
        sorted(
            (c for ident, c in result.mapping.items() if "[" not in ident and c.name != PYTHON),
            key=lambda c: c.name,
        )
    )
    edges = set()
    for ident in result.mapping:
        parent = ident.split("[", 1)[0]
        for child in result.graph.iter_children(ident):
            if child is None:
                continue
            child_name = child.split("[", 1)[0]
            if child_name != PYTHON and child_name != parent:
                edges.add((parent, child_name))
    return ResolvedTarget(target, python, variant, packages, tuple(sorted(edges)))


def prefetch_like(
    previous: ResolvedTarget,
    target: Target,
    python: str,
    variant: str,
    source: CandidateSource,
    family: frozenset[str] = TORCH_FAMILY,
) -> int:
    """Start fetching, for ``target``, the METADATA of the files a resolution like
    ``previous`` will pin: the same versions, this target's best file of each.

    Targets are resolved one after another and each asks for a handful of platform
    specific METADATA files (torch, torchvision, numpy... for win_amd64) one at a time;
    fetching them all at once while the previous target finishes hides that latency.
    Only a guess: resolution still fetches whatever it really needs. Returns how many
    files were asked for.
    """
    prefetch = getattr(source, "prefetch_metadata", None)
    if prefetch is None:
        return 0
    memo = run_memo(source)
    evaluators = {
        True: memo.evaluator(target, python, variant),
        False: memo.evaluator(target, python, None),
    }
    links = []
    for package in previous.packages:
        if package.link is None or not package.index_url:
            continue
        evaluator = evaluators[package.name in family]
        page = source.project_page(package.index_url, package.name)
        best = None
        public = package.version.public
        # The page's files that fit this target, judged once: the target's own
        # resolution reads the same verdicts from the memo.
        for verdict in memo.page_files(page).verdicts(evaluator, package.name):
            # Public versions: macOS torch wheels carry no +cpu label where Linux ones do.
            if verdict.version.public != public:
                continue
            if best is None or verdict.tag_rank < best.tag_rank:
                best = verdict
        if best is not None and best.link.url != package.link.url:
            links.append(best.link)
    prefetch(links)
    return len(links)


def _explain(
    error: ResolutionImpossible,  # type: ignore[type-arg]
    provider: TargetProvider,
    where: str,
) -> str:
    """One paragraph: each unsatisfied requirement, who asked, and why files were skipped."""
    lines = [f"no solution for {where}:"]
    names: list[str] = []
    for cause in error.causes:
        requirement: Dependency = cause.requirement
        parent: Optional[Candidate] = cause.parent
        asker = f"{parent.name} {parent.version}" if parent is not None else "the project"
        label = "Python" if requirement.name == PYTHON else requirement.name
        lines.append(f"  {label}{requirement.specifier or ''} (required by {asker})")
        if requirement.name not in names:
            names.append(requirement.name)
    for name in names:
        specifiers = [c.requirement.specifier for c in error.causes if c.requirement.name == name]
        shown = [r for r in provider.reasons(name) if _relevant(r, specifiers)]
        lines += [f"    {reason}" for reason in shown[:20]]
        if len(shown) > 20:
            lines.append(f"    ... and {len(shown) - 20} more files skipped")
        if not shown and name != PYTHON:
            seen = provider.versions_seen(name)
            if seen:
                lines.append(f"    versions with a file for this target: {', '.join(seen[:10])}")
    return "\n".join(lines)


def _relevant(reason: str, specifiers: Sequence[SpecifierSet]) -> bool:
    """Show a skipped file only when its version was one a requirement asked for."""
    if not reason.startswith("skipping "):
        return True
    filename = reason[len("skipping ") :].split(":", 1)[0]
    parts = filename.split("-")
    if len(parts) < 2:
        return True
    try:
        version = Version(parts[1])
    except InvalidVersion:
        return True
    return any(s.contains(version, prereleases=True) for s in specifiers)
