"""Small helpers the rule modules share."""

from __future__ import annotations

from torchenv.check.context import Context
from torchenv.check.model import Requirement
from torchenv.check.versions import split_local

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Optional

    from torchenv.check.knowledge import ReleaseLike, VariantLike

__all__ = [
    "CONDA_NAMES",
    "companion_release",
    "overlap",
    "release_of",
    "releases_with",
    "variant_platforms",
    "words",
]

# conda package name -> PyPI name of the torch family
CONDA_NAMES = {"pytorch": "torch", "torchvision": "torchvision", "torchaudio": "torchaudio"}


def words(items: Iterable[str]) -> str:
    return ", ".join(sorted(items)) or "none"


def release_of(context: Context, requirement: Requirement) -> Optional[ReleaseLike]:
    """The torch release a torch (or companion) requirement pins, else None."""
    name = CONDA_NAMES.get(requirement.name, requirement.name)
    if name == "torch":
        return context.pinned_release(requirement)
    return companion_release(context, requirement)


def companion_release(context: Context, requirement: Requirement) -> Optional[ReleaseLike]:
    pin = context.pin(requirement)
    if pin is None or pin.wildcard:
        return None
    name = CONDA_NAMES.get(requirement.name, requirement.name)
    torch = context.catalog.torch_for(name, split_local(pin.version)[0])
    return context.release(torch) if torch else None


def releases_with(context: Context, variant: str) -> list[tuple[ReleaseLike, VariantLike]]:
    found = []
    for release in context.catalog.releases:
        built = release.variant(variant)
        if built is not None:
            found.append((release, built))
    return found


def variant_platforms(
    context: Context,
    release: Optional[ReleaseLike],
    variant: str,
    labelled: Optional[str] = None,
) -> set[str]:
    """Platforms with wheels of ``variant``: of one release, or of any that built it.

    ``labelled`` names the package of a ``+variant`` pin: only platforms whose wheels
    carry the label count (torch 2.5.1's aarch64 wheels on /whl/cu124 have none, so
    ``torch==2.5.1+cu124`` cannot install there).
    """
    builds = (
        [release.variant(variant)]
        if release is not None
        else [built for _, built in releases_with(context, variant)]
    )
    platforms: set[str] = set()
    for built in builds:
        if built is None:
            continue
        for platform in built.platforms:
            build = built.build(platform)
            if labelled is not None and build is not None:
                has_label = build.label if labelled == "torch" else build.companion_label
                if not has_label:
                    continue
            platforms.add(platform)
    return platforms


def overlap(left: Optional[frozenset[str]], right: Optional[frozenset[str]]) -> bool:
    """Two requirements can be installed together unless their platforms are disjoint."""
    return left is None or right is None or bool(left & right)
