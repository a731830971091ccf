"""Selection state: the candidates a target can install, the outcome builders, and the
explanations of why nothing fits (with the nearest release that would).

The decision rules (which backend for which hardware) live in ``engine.py`` and build
on this class.
"""

from __future__ import annotations

from torchenv.catalog import Build, Catalog, Release, Variant
from torchenv.catalog.indexes import variant_index_url
from torchenv.select.compat import parse_version_tuple
from torchenv.select.model import Rejection, Selection
from torchenv.select.request import Request
from torchenv.targets import Target
from torchenv.urls import strip_credentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Optional

    from torchenv.fingerprint.model import Fingerprint

    Candidate = tuple[Release, Variant, Build]
    Check = Callable[[Candidate], str]

__all__ = ["SelectionState", "kind_of", "variant_order"]


class SelectionState:
    """One selection in progress: collects reasons and rejections as it decides."""

    def __init__(
        self, catalog: Catalog, target: Target, fp: Optional[Fingerprint], request: Request
    ) -> None:
        self.catalog = catalog
        self.target = target
        self.fp = fp
        self.req = request
        self.platform = target.platform
        self.reasons: list[str] = []
        self.rejected: list[Rejection] = []
        self.verified = True
        self.releases = sorted(catalog.releases, key=lambda r: r.key, reverse=True)

    # ------------------------------------------------------------------ outcomes
    def error(self, message: str, backend: Optional[str] = None) -> Selection:
        return Selection(
            target=str(self.target),
            backend=backend,
            index_url=None,
            torch=None,
            torchvision=None,
            torchaudio=None,
            wheel=None,
            reasons=tuple(self.reasons),
            rejected=tuple(self.rejected),
            error=message,
            python=self.req.python + ("t" if self.req.free_threaded else ""),
            channel=self.req.channel,
            verified=self.verified,
        )

    def chosen(self, candidate: Candidate) -> Selection:
        release, variant, build = candidate
        tag = self.req.python_tag
        if not build.verified:
            self.verified = False
            self.reasons.append(f"catalog entry not verified: {build.source}")
        pypi = release.pypi_variant(self.platform)
        if pypi == variant.name and variant.name != "cpu":
            self.reasons.append(
                f"PyPI's {self.platform} wheel of torch {release.version} is this same "
                f"{variant.name} build (without the local label)"
            )
        elif pypi is not None and pypi != variant.name:
            self.reasons.append(
                f"a plain 'pip install torch=={release.version}' from PyPI would give the "
                f"{pypi} build on {self.platform}"
                + ("" if release.pypi_verified else " (unverified)")
                + ": install from the index above instead"
            )
        self.reasons.extend(release.notes)
        url = strip_credentials(
            variant_index_url(self.req.index_base, variant.name, self.req.channel)
        )
        label = f"+{variant.name}"
        torch_version: Optional[str] = release.version + (label if build.label else "")
        wheel: Optional[str] = build.wheel_filename(release.version, variant.name, tag)
        companion = label if build.companion_label else ""
        vision = release.torchvision + companion if release.torchvision else None
        audio = release.torchaudio + companion if release.torchaudio else None
        if self.req.channel == "nightly":
            self.reasons.append(
                f"nightly versions are not in the catalog: the backend was chosen with torch "
                f"{release.version}'s variants (the newest known); install the newest "
                f".devYYYYMMDD build from {url}"
            )
            torch_version, vision, audio = None, None, None
            wheel = (wheel or "").replace(f"torch-{release.version}", "torch-*.dev*", 1)
        elif self.req.channel == "test":
            self.reasons.append(
                f"test channel: release candidates are published at {url}; the version "
                "shown is the newest catalog release and the channel may hold a newer RC"
            )
        return Selection(
            target=str(self.target),
            backend=variant.name,
            index_url=url,
            torch=torch_version,
            torchvision=vision,
            torchaudio=audio,
            wheel=wheel,
            reasons=tuple(self.reasons),
            rejected=tuple(self.rejected),
            error=None,
            python=self.req.python + ("t" if self.req.free_threaded else ""),
            channel=self.req.channel,
            verified=self.verified,
        )

    # --------------------------------------------------------------- candidates
    def unusable(self, release: Release, variant: Variant, *, use_spec: bool = True) -> str:
        """Why this release/variant cannot be installed here ("" if it can)."""
        build = variant.build(self.platform)
        if build is None:
            others = ", ".join(variant.platforms) or "none"
            return (
                f"torch {release.version} has no {variant.name} wheel for {self.platform} "
                f"(it has: {others})"
            )
        full = release.version + (f"+{variant.name}" if build.label else "")
        if use_spec and not self.req.matches(full):
            return f"torch {full} does not satisfy {self.req.spec_text!r}"
        tag = self.req.python_tag
        if tag not in build.python:
            return (
                f"torch {release.version} {variant.name} has no {tag} wheel for {self.platform} "
                f"(it has {', '.join(build.python)})"
            )
        platform_tag = build.tag_for(tag).split(".")[0]
        if platform_tag.startswith("manylinux_") and self.target.os == "linux":
            need = tuple(int(p) for p in platform_tag.split("_")[1:3])
            if self.target.glibc < need:
                return (
                    f"torch {release.version} {variant.name} is {platform_tag}: needs glibc "
                    f"{need[0]}.{need[1]}, the target has "
                    f"{self.target.glibc[0]}.{self.target.glibc[1]}"
                )
        if platform_tag.startswith("macosx_") and self.target.macos is not None:
            need = tuple(int(p) for p in platform_tag.split("_")[1:3])
            if self.target.macos < need:
                return (
                    f"torch {release.version} is {platform_tag}: needs macOS {need[0]}.{need[1]}, "
                    f"the target has {self.target.macos[0]}.{self.target.macos[1]}"
                )
        return ""

    def candidates(self, kind: str, *, use_spec: bool = True) -> Iterator[Candidate]:
        """Usable (release, variant, build) of ``kind``, newest release and variant first."""
        for release in self.releases:
            variants = list(release.variants_of(kind))
            variants.sort(key=variant_order, reverse=True)
            for variant in variants:
                if not self.unusable(release, variant, use_spec=use_spec):
                    build = variant.build(self.platform)
                    assert build is not None
                    yield release, variant, build

    def explain_missing(self, backend: str) -> str:
        """Why no release offers ``backend`` here, and the nearest that would."""
        matching = [r for r in self.releases if self.spec_matches_release(r, backend)]
        if not matching:
            newest = self.releases[0].version
            return (
                f"no torch release in the catalog satisfies {self.req.spec_text!r} "
                f"(newest known: {newest}; 'torchenv catalog refresh' updates the catalog)"
            )
        if backend not in ("cuda", "rocm", "xpu", "cpu") and not any(
            backend in r.variant_names for r in self.releases
        ):
            kind = kind_of(backend)
            known = sorted(
                {v.name for r in self.releases for v in r.variants if v.kind == kind},
                key=lambda name: (
                    parse_version_tuple(name[2:] if kind == "cuda" else name[4:]) or ()
                ),
            )
            return (
                f"no torch release in the catalog has a {backend} build (known {kind} "
                f"variants: {', '.join(known) or 'none'}; 'torchenv catalog refresh' "
                "updates the catalog)"
            )
        having = [r for r in matching if backend in r.variant_names]
        release = having[0] if having else matching[0]
        variant = release.variant(backend) if backend not in ("cuda", "rocm") else None
        if variant is None and backend not in ("cuda", "rocm"):
            why = (
                f"torch {release.version} has no {backend} build "
                f"(its variants: {', '.join(release.variant_names)})"
            )
        else:
            kinds = [variant] if variant else [v for v in release.variants if v.kind == backend]
            whys = [self.unusable(release, v) for v in kinds] or [
                f"torch {release.version} has no {backend} build"
            ]
            why = "; ".join(w for w in whys if w) or f"torch {release.version}: no usable build"
        here = [v.name for v in release.variants if not self.unusable(release, v, use_spec=False)]
        if here:
            why += f"; torch {release.version} on {self.platform}: {', '.join(here)}"
        near = self.nearest(lambda r: self.usable_of(r, backend), release)
        return why + (f"; with {backend}: {near}" if near else "")

    def spec_matches_release(self, release: Release, backend: str) -> bool:
        if self.req.spec is None:
            return True
        fulls = [release.version] + [f"{release.version}+{n}" for n in release.variant_names]
        return any(self.req.matches(f) for f in fulls)

    def usable_of(self, release: Release, backend: str) -> Optional[str]:
        for variant in sorted(release.variants_of(backend), key=variant_order, reverse=True):
            if not self.unusable(release, variant, use_spec=False):
                return variant.name
        return None

    def nearest(self, works: Callable[[Release], Optional[str]], anchor: Release) -> str:
        """The working release closest to ``anchor`` (by release order), as text."""
        func = works
        best: Optional[tuple[int, Release, str]] = None
        ordered = sorted(self.releases, key=lambda r: r.key)
        position = {r.version: i for i, r in enumerate(ordered)}
        for release in ordered:
            name = func(release)
            if name:
                distance = abs(position[release.version] - position[anchor.version])
                if best is None or distance < best[0]:
                    best = (distance, release, name)
        if best is None:
            return ""
        _, release, name = best
        direction = "first" if release.key > anchor.key else "newest"
        return f"torch {release.version} ({name}) is the {direction} that does"


def kind_of(backend: str) -> str:
    if backend.startswith("cu"):
        return "cuda"
    if backend.startswith("rocm"):
        return "rocm"
    return backend


def variant_order(variant: Variant) -> tuple[int, tuple[int, ...]]:
    """Order within a kind: by CUDA/ROCm version (cu130 > cu128 > cu126)."""
    if variant.kind == "cuda":
        return 1, parse_version_tuple(variant.cuda) or ()
    if variant.kind == "rocm":
        return 1, parse_version_tuple(variant.rocm) or ()
    return 0, ()
