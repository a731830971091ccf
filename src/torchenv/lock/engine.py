"""Lock one project for several targets, Pythons and torch variants in one run.

Every (variant, target, Python) is resolved in turn over one :class:`SharedSource`, so
a page or METADATA file needed by several targets is fetched once. The resolutions
run one after another in the calling thread: they are CPU work under the GIL, and
threads made them no faster (measured) while costing an import and thread switches.
What waits on the network runs in the shared source's pool instead: pages and
METADATA are fetched in parallel, and the pages of a METADATA file's dependencies are
prefetched as soon as it arrives. Stale cached pages are used while they are
revalidated in parallel; if any turns out to have changed, everything is resolved
again with the current pages.
Nothing is returned unless every resolution succeeded: a failing target fails the
whole lock, and the CLI then writes no file at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Callable, Optional

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from torchenv._record import Record
from torchenv.errors import ResolutionError, TorchenvError, UsageError
from torchenv.family import TORCH_FAMILY
from torchenv.lock.freshness import input_hash
from torchenv.lock.project import ProjectInputs
from torchenv.lock.pylock import build_lock, lock_filename
from torchenv.resolve.resolver import ResolvedTarget, prefetch_like, resolve_target
from torchenv.resolve.source import CandidateSource, SharedSource
from torchenv.targets import Target, parse_target

__all__ = [
    "LockPlan",
    "LockRequest",
    "build_request",
    "default_index_url",
    "default_variants",
    "lock_all",
    "plan_lock",
]


_NO_VARIANTS: Mapping[str, Any] = MappingProxyType({})


# Records rather than frozen dataclasses: importing ``dataclasses`` (and the ``inspect``
# it pulls in) was ~10 ms of every ``torchenv lock`` start.
class LockRequest(Record):
    """What to lock, with flags, ``[tool.torchenv]`` and defaults already merged."""

    requirements: tuple[str, ...]
    targets: tuple[str, ...]
    pythons: tuple[str, ...]
    variants: tuple[str, ...]
    default_index: str
    pytorch_base: str
    requires_python: Optional[str] = None
    family: frozenset[str] = TORCH_FAMILY


class LockPlan(Record):
    """Which targets each variant's file covers (targets without that build are left out)."""

    request: LockRequest
    variant_targets: Mapping[str, tuple[Target, ...]] = _NO_VARIANTS
    skipped: Mapping[str, tuple[str, ...]] = _NO_VARIANTS

    def hash_for(self, variant: str) -> str:
        r = self.request
        return input_hash(
            r.requirements,
            [str(t) for t in self.variant_targets[variant]],
            r.pythons,
            variant,
            r.default_index,
            r.pytorch_base,
            r.requires_python,
        )


def _torch_specifier(requirements: Sequence[str]) -> SpecifierSet:
    for text in requirements:
        requirement = Requirement(text)
        if requirement.name.lower() == "torch":
            return requirement.specifier
    return SpecifierSet()


def _release_for(requirements: Sequence[str]) -> Any:
    """The newest catalogued torch release the requirement allows (None if none known)."""
    from torchenv.catalog import load_catalog

    catalog = load_catalog()
    specifier = _torch_specifier(requirements)
    for release in reversed(catalog.releases):
        if specifier.contains(Version(release.version), prereleases=False):
            return release
    return None


def default_variants(requirements: Sequence[str]) -> tuple[str, ...]:
    """cpu plus the newest CUDA variant of the newest torch the requirement allows."""
    release = _release_for(requirements)
    if release is None:
        return ("cpu",)
    cuda = [n for n in release.variant_names if n.startswith("cu")]
    cuda.sort(key=lambda n: int(n[2:]))
    return ("cpu", cuda[-1]) if cuda else ("cpu",)


def default_index_url(cli_value: Optional[str] = None) -> str:
    """``--index-url``, else the user's pip/uv configuration, else PyPI."""
    if cli_value:
        return cli_value
    import importlib

    try:
        config = importlib.import_module("torchenv.index.config")
    except ImportError:  # the index package may be built without its config reader
        return "https://pypi.org/simple"
    return str(config.default_index_url())


def build_request(
    project: ProjectInputs,
    groups: Sequence[str] = (),
    targets: Sequence[str] = (),
    pythons: Sequence[str] = (),
    variants: Sequence[str] = (),
    pytorch_index_url: Optional[str] = None,
    index_url: Optional[str] = None,
    environ: Optional[Mapping[str, str]] = None,
) -> LockRequest:
    """Flags over ``[tool.torchenv]`` over defaults: the one place settings are merged.

    ``torchenv lock`` and :func:`torchenv.lock.freshness.stale_locks` both call this, so
    a freshness check computes exactly the hash a lock run would record.
    """
    from torchenv.catalog.indexes import pytorch_index_base
    from torchenv.family import torch_family
    from torchenv.lock.project import DEFAULT_PYTHONS, DEFAULT_TARGETS

    settings = project.settings
    requirements = project.requirements(groups)
    return LockRequest(
        requirements,
        tuple(targets or settings.targets or DEFAULT_TARGETS),
        tuple(pythons or settings.python or DEFAULT_PYTHONS),
        tuple(variants or settings.variants or default_variants(requirements)),
        default_index_url(index_url),
        pytorch_index_base(pytorch_index_url, settings.pytorch_index_url, environ),
        project.requires_python,
        torch_family(settings.torch_family_extra),
    )


def plan_lock(request: LockRequest) -> LockPlan:
    """Assign targets to variants from the catalog's per-variant platform lists."""
    targets = [parse_target(t) for t in request.targets]
    release = _release_for(request.requirements)
    variant_targets: dict[str, tuple[Target, ...]] = {}
    skipped: dict[str, tuple[str, ...]] = {}
    for variant in request.variants:
        info = release.variant(variant) if release is not None else None
        if release is not None and info is None:
            raise UsageError(
                f"torch {release.version} has no {variant!r} build; it has: "
                + ", ".join(release.variant_names)
            )
        platforms = set(info.platforms) if info is not None else {t.platform for t in targets}
        chosen = tuple(t for t in targets if t.platform in platforms)
        skipped[variant] = tuple(t.platform for t in targets if t.platform not in platforms)
        if not chosen:
            raise UsageError(f"no requested target has a {variant} build")
        variant_targets[variant] = chosen
    return LockPlan(request, variant_targets, skipped)


def lock_all(
    plan: LockPlan,
    source: CandidateSource,
    variant_index: Callable[[str], str],
    tool_extra: Optional[Mapping[str, Any]] = None,
    compute_hash: Optional[Callable[[Any], str]] = None,
) -> dict[str, dict[str, Any]]:
    """``{file name: PEP 751 document}``; raise :class:`ResolutionError` listing every failure."""
    request = plan.request
    indexes = [variant_index(variant) for variant in plan.variant_targets]

    def route(name: str) -> list[str]:
        return indexes if canonicalize_name(name) in request.family else [request.default_index]

    shared = (
        source
        if isinstance(source, SharedSource)
        else SharedSource(source, speculate=True, route=route)
    )
    jobs = [
        (variant, target, python)
        for variant, targets in plan.variant_targets.items()
        for target in targets
        for python in request.pythons
    ]

    def run(job: tuple[str, Target, str]) -> ResolvedTarget:
        variant, target, python = job
        return resolve_target(
            request.requirements,
            target,
            python,
            variant,
            shared,
            request.default_index,
            variant_index(variant),
            request.family,
        )

    def resolve_all() -> tuple[dict[str, list[ResolvedTarget]], list[str], Optional[Exception]]:
        results: dict[str, list[ResolvedTarget]] = {}
        errors: list[str] = []
        failure: Optional[Exception] = None
        for position, job in enumerate(jobs):
            try:
                resolved = run(job)
            except ResolutionError as error:
                errors.append(str(error))
                continue
            except TorchenvError as error:  # e.g. a file a stale page still lists
                failure = failure or error
                continue
            results.setdefault(job[0], []).append(resolved)
            if position == 0:
                # The other targets will mostly pin the same versions: fetch their
                # platform's METADATA for those now, all at once, not one per step.
                for variant, target, python in jobs[1:]:
                    prefetch_like(resolved, target, python, variant, shared, request.family)
        return results, errors, failure

    try:
        while True:
            results, errors, failure = resolve_all()
            # Stale cached pages were used while being revalidated: the results stand
            # only if none of them changed; otherwise resolve again with current pages.
            if not shared.settle():
                break
    finally:
        if shared is not source:
            shared.close()
    if failure is not None:
        raise failure
    if errors:
        raise ResolutionError("\n".join(errors))
    requires_python = request.requires_python or ">=" + min(
        request.pythons, key=lambda p: tuple(int(x) for x in p.split("."))
    )
    documents: dict[str, dict[str, Any]] = {}
    for variant, resolved in results.items():
        hashes = _missing_hashes(resolved, compute_hash)
        tool: dict[str, Any] = {
            "input-hash": plan.hash_for(variant),
            "variant": variant,
            "python": list(request.pythons),
        }
        tool.update(tool_extra or {})
        documents[lock_filename(variant)] = build_lock(resolved, requires_python, tool, hashes)
    return documents


def _missing_hashes(
    resolved: Sequence[ResolvedTarget], compute_hash: Optional[Callable[[Any], str]]
) -> dict[str, str]:
    """sha256 for chosen files whose index gave none, when the user allowed computing it."""
    hashes: dict[str, str] = {}
    if compute_hash is None:
        return hashes
    for result in resolved:
        for candidate in result.packages:
            link = candidate.link
            if link is not None and not link.sha256 and link.url not in hashes:
                hashes[link.url] = compute_hash(link)
    return hashes
