"""Rules about torch builds: platforms (TE001), versions (TE002), variants (TE003),
companion pairing (TE004) and variants (TE005), GPU coverage (TE015)."""

from __future__ import annotations

from torchenv.check.context import PAIRED_PACKAGES, Context, Route
from torchenv.check.diagnostics import Diagnostic, make
from torchenv.check.model import BaseImage, Position, Requirement
from torchenv.check.rules.common import (
    CONDA_NAMES,
    overlap,
    release_of,
    releases_with,
    variant_platforms,
    words,
)
from torchenv.check.versions import release_tuple, split_local

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Optional

    from torchenv.check.knowledge import ReleaseLike

__all__ = [
    "accelerator_for_platform",
    "gpu_not_covered",
    "mixed_variants",
    "unknown_version",
    "unpaired_companion",
    "unpublished_variant",
]

_FAMILY = ("torch", *PAIRED_PACKAGES)
_KIND_NAMES = {"cu": "CUDA", "ro": "ROCm", "xp": "XPU"}


def _family(context: Context) -> Iterator[Requirement]:
    yield from context.requirements(*_FAMILY)
    yield from context.requirements("torch", ecosystem="image")


def _describe(requirement: Requirement) -> str:
    pin = Context.pin(requirement)
    if pin is None:
        return requirement.name
    label = f"+{pin.local}" if pin.local else ""
    return f"{requirement.name} {pin.version}{'.*' if pin.wildcard else ''}{label}"


def accelerator_for_platform(context: Context) -> Iterator[Diagnostic]:
    """TE001: an accelerator build reaches a platform where it has no wheels."""
    path = context.document.path
    for requirement in _family(context):
        route = context.route(requirement)
        if route is None or route.variant is None or route.variant == "cpu":
            continue
        platforms = context.platforms(requirement)
        if platforms is None:
            continue
        release = release_of(context, requirement)
        if not variant_platforms(context, release, route.variant):
            continue  # an unpublished variant: TE003 says so
        labelled = requirement.name if route.origin == "label" else None
        served = variant_platforms(context, release, route.variant, labelled)
        if context.exact_platforms(requirement):
            missing = set(platforms - served)
        else:
            missing = _unserved(platforms, served)
        if not missing:
            continue
        kind = _KIND_NAMES.get(route.variant[:2], route.variant)
        where = route.position if route.origin == "index" else requirement.position
        unlabelled = variant_platforms(context, release, route.variant)
        if labelled and not missing - unlabelled:
            # The build exists there, but its filenames carry no "+cu126".
            yield make(
                path,
                where,
                "TE001",
                f"{_describe(requirement)} reaches {words(missing)}, where the "
                f"{route.variant} wheels carry no '+{route.variant}' label, so this pin "
                "matches nothing there",
                f"pin without '+{route.variant}' and let the {route.variant} index choose, "
                f"or keep this line off {words(missing)} with a marker",
            )
            continue
        of = f"torch {release.version} has no" if release is not None else "no torch release has"
        yield make(
            path,
            where,
            "TE001",
            f"{_describe(requirement)} ({route.variant}, from its {route.origin}) reaches "
            f"{words(missing)}, where {of} {kind} {route.variant} wheels (they exist for "
            f"{words(unlabelled)})",
            f"keep {route.variant} off {words(missing)} with a marker or a separate file, and "
            "use the cpu build (PyPI default) there",
        )
    yield from _cuda_images_on_arm64(context)
    yield from (d for d in _declared_targets(context) if d.code == "TE001")


def _unserved(reached: frozenset[str], served: set[str]) -> set[str]:
    """Reached platforms of an OS none of whose reached architectures is served.

    ``sys_platform == 'win32'`` reaches Windows on x86_64 and on arm64; a CUDA pin there
    is fine when x86_64 is served. Only when every reached architecture of an OS lacks
    the build is it an error; platforms declared one by one are judged each
    (``Context.exact_platforms``).
    """
    missing: set[str] = set()
    for os_name in {p.split("-", 1)[0] for p in reached}:
        of_os = {p for p in reached if p.startswith(os_name + "-")}
        if not of_os & served:
            missing |= of_os
    return missing


def _cuda_images_on_arm64(context: Context) -> Iterator[Diagnostic]:
    images = context.document.images
    for number, image in enumerate(images):
        if image.platform != "linux-aarch64" or image.image.rsplit("/", 1)[-1] != "cuda":
            continue
        end = images[number + 1].position.line if number + 1 < len(images) else 1 << 30
        for requirement in context.requirements("torch"):
            if not image.position.line < requirement.position.line < end:
                continue
            release = context.pinned_release(requirement)
            if release is None:
                continue
            arm_cuda = [
                name
                for name in release.variant_names
                if (built := release.variant(name)) is not None
                and built.kind == "cuda"
                and "linux-aarch64" in built.platforms
            ]
            if not arm_cuda:
                yield _arm64_diagnostic(context, image, release)


def _arm64_diagnostic(context: Context, image: BaseImage, release: ReleaseLike) -> Diagnostic:
    first = next(
        (
            r.version
            for r in context.catalog.releases
            if any(
                (v := r.variant(n)) is not None
                and v.kind == "cuda"
                and "linux-aarch64" in v.platforms
                for n in r.variant_names
            )
        ),
        None,
    )
    since = f" (first with aarch64 CUDA wheels: torch {first})" if first else ""
    return make(
        context.document.path,
        image.position,
        "TE001",
        f"CUDA image {image.image}:{image.tag} for linux/arm64, but torch {release.version} "
        f"has no CUDA wheels for linux-aarch64{since}",
        "build for linux/amd64, or pin a torch release with aarch64 CUDA wheels",
    )


def unknown_version(context: Context) -> Iterator[Diagnostic]:
    """TE002: a version that was never released (within the catalog's range)."""
    path = context.document.path
    conda = [r for r in context.requirements(ecosystem="conda") if r.name in CONDA_NAMES]
    for requirement in [*_family(context), *conda]:
        pin = context.pin(requirement)
        if pin is None:
            continue
        name = CONDA_NAMES.get(requirement.name, requirement.name)
        public = split_local(pin.version)[0]
        if name == "torch":
            probe = public + ".0" if pin.wildcard else public
            if not context.judgeable(probe) and not (pin.wildcard and context.judgeable(public)):
                continue
            found = context.series_release(pin) if pin.wildcard else context.release(public)
            if found is not None:
                continue
            series = _series(context, public)
            yield make(
                path,
                requirement.position,
                "TE002",
                f"torch {public}{'.*' if pin.wildcard else ''} was never released"
                + (f" (that series has {series})" if series else ""),
                "pin a released version (torchenv catalog lists them)",
            )
        elif not pin.wildcard:
            known = _companion_versions(context, name)
            if not known or context.catalog.torch_for(name, public) is not None:
                continue
            try:
                wanted = release_tuple(public)
            except ValueError:
                continue
            tuples = sorted(release_tuple(v) for v in known)
            if tuples[0] <= wanted <= tuples[-1] and public.count(".") == 2:
                yield make(
                    path,
                    requirement.position,
                    "TE002",
                    f"{name} {public} is not a release paired with any torch (never "
                    "published, or yanked like torchvision 0.15.0)",
                    f"pin the {name} release paired with your torch (torchenv catalog)",
                )


def _series(context: Context, version: str) -> str:
    prefix = release_tuple(version)[:2]
    return ", ".join(
        r.version for r in context.catalog.releases if release_tuple(r.version)[:2] == prefix
    )


def _companion_versions(context: Context, package: str) -> list[str]:
    """Every torchvision (or torchaudio) version the catalog pairs with a torch release."""
    found = []
    for release in context.catalog.releases:
        paired = release.torchvision if package == "torchvision" else release.torchaudio
        if paired:
            found.append(paired)
    return found


def unpublished_variant(context: Context) -> Iterator[Diagnostic]:
    """TE003: a release pinned together with a variant it was never built for."""
    yield from (d for d in _declared_targets(context) if d.code == "TE003")
    path = context.document.path
    for requirement in _family(context):
        route = context.route(requirement)
        if route is None or route.variant is None:
            continue
        release = release_of(context, requirement)
        if release is None or release.variant(route.variant) is not None:
            continue
        via = "" if route.origin in ("label", "image") else f" (from its {route.origin})"
        pin = context.pin(requirement)
        subject = f"torch {release.version}"
        if requirement.name != "torch" and pin is not None:
            subject = f"{requirement.name} {pin.version} (paired with torch {release.version})"
        yield make(
            path,
            requirement.position,
            "TE003",
            f"{_describe(requirement)}{via}: {subject} was never built for "
            f"{route.variant} (built: {', '.join(release.variant_names)})",
            f"pick one of {', '.join(release.variant_names)} or a release built for "
            f"{route.variant}",
        )


def _declared_targets(context: Context) -> Iterator[Diagnostic]:
    """``[tool.torchenv] targets`` naming a backend the pinned torch lacks (TE003) or
    lacks on that platform (TE001): ``torchenv lock`` would fail for that teammate."""
    pinned = [
        (requirement, release)
        for requirement in context.requirements("torch")
        if (release := context.pinned_release(requirement)) is not None
    ]
    if not pinned or not context.document.targets:
        return
    requirement, release = pinned[0]
    for target in context.document.targets:
        if not target.backend or target.backend == "cpu":
            continue
        built = release.variant(target.backend)
        if built is None:
            yield make(
                context.document.path,
                target.position,
                "TE003",
                f"target {target.platform}-{target.backend}: torch {release.version} (line "
                f"{requirement.position.line}) was never built for {target.backend} (built: "
                f"{', '.join(release.variant_names)})",
                f"pick one of {', '.join(release.variant_names)} for this target",
            )
        elif target.platform not in built.platforms:
            yield make(
                context.document.path,
                target.position,
                "TE001",
                f"target {target.platform}-{target.backend}: torch {release.version} has no "
                f"{target.backend} wheels for {target.platform} (they exist for "
                f"{words(built.platforms)})",
                f"use the cpu backend for {target.platform}, or another platform",
            )


def unpaired_companion(context: Context) -> Iterator[Diagnostic]:
    """TE004: torchvision/torchaudio pinned to a version that does not pair with torch."""
    path = context.document.path
    for ecosystem, torch_name in (("pypi", "torch"), ("conda", "pytorch")):
        if ecosystem == "pypi":
            torches = [*context.all_requirements("torch")]
        else:
            torches = [*context.requirements("pytorch", ecosystem="conda")]
        for companion in context.requirements(*PAIRED_PACKAGES, ecosystem=ecosystem):
            pin = context.pin(companion)
            if pin is None or pin.wildcard:
                continue
            version = split_local(pin.version)[0]
            for torch in torches:
                if companion.scope != torch.scope and 0 not in (companion.scope, torch.scope):
                    continue
                if not overlap(context.platforms(companion), context.platforms(torch)):
                    continue
                release = context.pinned_release(torch)
                if release is None:
                    continue
                expected = context.catalog.paired_version(companion.name, release.version)
                if expected is None or _same(expected, version):
                    continue
                pairs_with = context.catalog.torch_for(companion.name, version)
                known = f" (it pairs with torch {pairs_with})" if pairs_with else ""
                yield make(
                    path,
                    companion.position,
                    "TE004",
                    f"{companion.name} {version} does not pair with {torch_name} "
                    f"{release.version}{known}: that torch needs {companion.name} {expected}",
                    f"pin {companion.name}=={expected}, or move torch to the release "
                    f"{companion.name} {version} was built for",
                )
                break


def _same(left: str, right: str) -> bool:
    try:
        return release_tuple(left) == release_tuple(right)
    except ValueError:
        return left == right


def mixed_variants(context: Context) -> Iterator[Diagnostic]:
    """TE005: a companion whose build comes from another variant than torch's."""
    path = context.document.path
    torches = [(t, context.route(t)) for t in context.requirements("torch")]
    for companion in context.requirements(*PAIRED_PACKAGES):
        theirs = context.route(companion)
        if theirs is None:
            continue
        for torch, ours in torches:
            if ours is None or ours.variant is None or torch.scope != companion.scope:
                continue
            if not overlap(context.platforms(companion), context.platforms(torch)):
                continue
            if _mismatch(ours, theirs):
                source = "PyPI" if theirs.origin == "pypi" else theirs.variant
                yield make(
                    path,
                    companion.position,
                    "TE005",
                    f"{companion.name} comes from {source} while torch comes from "
                    f"{ours.variant}: mixed builds fail at import (e.g. 'operator "
                    "torchvision::nms does not exist')",
                    f"route {companion.name} to the same index/variant as torch ({ours.variant})",
                )
                break


def _mismatch(torch: Route, companion: Route) -> bool:
    if companion.origin == "pypi":
        return torch.origin in ("source", "label")
    return companion.variant is not None and companion.variant != torch.variant


def gpu_not_covered(context: Context) -> Iterator[Diagnostic]:
    """TE015: a CUDA build with no kernels (nor usable PTX) for a target GPU."""
    targets = context.document.gpus
    if not targets:
        return
    from torchenv.fingerprint.probes.nvidia_tables import capability_for_name

    path = context.document.path
    capabilities: list[tuple[str, str, Position]] = []
    for target in targets:
        capability = target.value if target.is_capability else capability_for_name(target.value)
        if capability is None or not _capability(capability):
            yield make(
                path,
                target.position,
                "TE015",
                f"unknown GPU {target.value!r}: its compute capability is not in torchenv's table",
                'write it as a compute capability instead: compute-capabilities = ["8.6"]',
                severity="warning",
            )
            continue
        capabilities.append((target.value, capability, target.position))
    for requirement in context.requirements("torch"):
        route = context.route(requirement)
        if route is None or route.variant is None or not route.variant.startswith("cu"):
            continue
        release = context.pinned_release(requirement)
        if release is None and context.pin(requirement) is None:
            # Unpinned: the index serves its newest release of this variant.
            newest = releases_with(context, route.variant)
            release = newest[-1][0] if newest else None
        if release is None:
            continue
        built = release.variant(route.variant)
        if built is None:
            continue
        reached = context.platforms(requirement)
        for platform in sorted(set(built.platforms) & (reached or set(built.platforms))):
            archs = built.cuda_archs(platform)
            if not archs:
                continue
            ptx = built.ptx(platform)
            for name, capability, position in capabilities:
                if _covered(capability, archs, ptx):
                    continue
                shown = name if name == capability else f"{name} (sm {capability})"
                yield make(
                    path,
                    position,
                    "TE015",
                    f"torch {release.version}+{route.variant} (line {requirement.position.line})"
                    f" on {platform} has no kernels for "
                    f"{shown} (compiled: {' '.join(archs)}{' +PTX ' + ptx if ptx else ''}): "
                    "'no kernel image is available for execution on the device'",
                    "pick a variant whose compiled architectures include it "
                    "(torchenv resolve --explain)",
                )


def _capability(text: str) -> Optional[tuple[int, int]]:
    major, _, minor = text.strip().partition(".")
    if not (major.isdigit() and (minor or "0").isdigit()):
        return None
    return int(major), int(minor or 0)


def _covered(capability: str, archs: tuple[str, ...], ptx: Optional[str]) -> bool:
    """SASS runs on the same major with an equal or newer minor; PTX JITs forward."""
    wanted = _capability(capability)
    if wanted is None:
        return True
    for arch in archs:
        have = _capability(arch)
        if have is not None and have[0] == wanted[0] and have[1] <= wanted[1]:
            return True
    if ptx is not None:
        have = _capability(ptx)
        if have is not None and have <= wanted:
            return True
    return False
