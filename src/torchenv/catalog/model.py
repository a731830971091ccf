"""Typed, frozen view of the PyTorch knowledge base (``catalog/data/catalog.json``).

The shape: a :class:`Catalog` holds :class:`Release` objects (oldest first); a release
holds :class:`Variant` objects (``cpu``, ``cuNNN``, ``rocmX.Y``, ``xpu``); a variant holds
one :class:`Build` per target platform that has wheels (``linux-x86_64`` …), which knows
the wheel's platform tag, Python tags, ABI quirk, local label and, for CUDA, the GPU
architectures compiled in. Every build, release and table names its ``source``; values
the reference marks unverified (or that were inferred) carry ``verified=False``.
"""

from __future__ import annotations

from torchenv._record import Record

# eq=False below: catalog objects come from one cached load and compare by identity;
# skipping the generated __eq__/__hash__ keeps startup fast (each generated method is an
# exec at import time, and resolve/check start on every invocation).

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Optional

__all__ = [
    "Build",
    "Catalog",
    "CatalogFormatError",
    "DriverMinimum",
    "Release",
    "Variant",
    "release_key",
]


class CatalogFormatError(ValueError):
    """The catalog document does not have the expected shape; the message names the key."""


def release_key(version: str) -> tuple[int, ...]:
    """``"2.10.1"`` -> ``(2, 10, 1)``: numeric order without importing packaging."""
    parts: list[int] = []
    for piece in version.split("+")[0].split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits or 0))
    return tuple(parts)


class Build(Record):
    """The wheels of one variant of one release for one target platform.

    ``python`` lists ABI-style tags (``cp311``, ``cp313t``). ``label`` says whether the
    torch filename carries the variant as a local label (``+cu128``); ``companion_label``
    says the same for torchvision/torchaudio (they differ on aarch64 CUDA indexes).
    ``abi_none`` is the macOS quirk (``cp311-none-macosx_11_0_arm64``).
    """

    platform: str
    platform_tag: str
    python: tuple[str, ...]
    label: bool
    companion_label: bool
    abi_none: bool
    verified: bool
    source: str
    platform_tag_for: tuple[tuple[str, str], ...] = ()
    cuda_archs: Optional[tuple[str, ...]] = None
    ptx: Optional[str] = None

    def tag_for(self, python_tag: str) -> str:
        """The platform tag of the wheel for ``python_tag`` (some differ, e.g. cp313t)."""
        for tag, platform_tag in self.platform_tag_for:
            if tag == python_tag:
                return platform_tag
        return self.platform_tag

    def wheel_filename(self, version: str, variant: str, python_tag: str) -> str:
        """The torch wheel filename for ``python_tag`` (``cp311`` or ``cp313t``)."""
        interpreter = python_tag.rstrip("t")
        free_threaded = python_tag.endswith("t")
        if free_threaded:
            abi = python_tag
        elif self.abi_none:
            abi = "none"
        elif interpreter == "cp37":
            abi = "cp37m"  # CPython 3.7 still had the pymalloc 'm' ABI flag
        else:
            abi = interpreter
        local = f"+{variant}" if self.label else ""
        return f"torch-{version}{local}-{interpreter}-{abi}-{self.tag_for(python_tag)}.whl"


class Variant(Record):
    """One backend build of a release: ``cpu``, ``cu128``, ``rocm6.3``, ``xpu``."""

    name: str
    kind: str
    builds: tuple[Build, ...]
    cuda: Optional[str] = None
    rocm: Optional[str] = None
    gfx: Optional[tuple[str, ...]] = None
    gfx_source: Optional[str] = None

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(b.platform for b in self.builds)

    def build(self, platform: str) -> Optional[Build]:
        for build in self.builds:
            if build.platform == platform:
                return build
        return None

    def cuda_archs(self, platform: str) -> tuple[str, ...]:
        """Compute capabilities with compiled kernels on ``platform`` (empty if unknown)."""
        build = self.build(platform)
        return build.cuda_archs if build and build.cuda_archs else ()

    def ptx(self, platform: str) -> Optional[str]:
        build = self.build(platform)
        return build.ptx if build else None

    def python_tags(self, platform: str) -> tuple[str, ...]:
        build = self.build(platform)
        return build.python if build else ()


class Release(Record):
    """One torch release with its variants, pairing and PyPI default per platform.

    ``variants`` is parsed from the JSON on first access: a resolve usually looks at the
    newest few releases only, and startup time matters (the catalog loads on every run).
    """

    version: str
    requires_python: str
    torchvision: Optional[str]
    torchaudio: Optional[str]
    pypi: tuple[tuple[str, str], ...]
    pypi_verified: bool
    source: str
    notes: tuple[str, ...] = ()
    raw_variants: Mapping[str, Any] = {}
    where: str = ""
    origin: str = ""
    # Parsed variants, filled on first use. Never defaulted: each Release gets its own
    # dict from the loader (a shared default would leak parses between releases).
    parsed_variants: Optional[dict[str, Variant]] = None

    @property
    def variants(self) -> tuple[Variant, ...]:
        return tuple(self._variant(name) for name in self.raw_variants)

    @property
    def key(self) -> tuple[int, ...]:
        return release_key(self.version)

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(self.raw_variants)

    def variant(self, name: str) -> Optional[Variant]:
        return self._variant(name) if name in self.raw_variants else None

    def variants_of(self, kind: str) -> tuple[Variant, ...]:
        """The variants of ``kind`` (``cuda``, ``rocm``, ``cpu``, ``xpu``) or named ``kind``,
        parsing only those."""
        return tuple(
            self._variant(name)
            for name, raw in self.raw_variants.items()
            if name == kind or (_is_mapping(raw) and raw.get("kind") == kind)
        )

    def _variant(self, name: str) -> Variant:
        cache = self.parsed_variants if self.parsed_variants is not None else {}
        parsed = cache.get(name)
        if parsed is None:
            try:
                parsed = _variant(
                    name,
                    _get(self.raw_variants, name, dict, f"{self.where}.variants"),
                    f"{self.where}.variants.{name}",
                )
            except CatalogFormatError as error:
                from torchenv.errors import InputError

                raise InputError(self.origin or "catalog", str(error)) from None
            cache[name] = parsed
        return parsed

    def python_tags(self, platform: str) -> tuple[str, ...]:
        """Every Python tag with a torch wheel on ``platform`` in any variant."""
        seen: dict[str, None] = {}
        for variant in self.variants:
            for tag in variant.python_tags(platform):
                seen.setdefault(tag, None)
        return tuple(seen)

    def pypi_variant(self, platform: str) -> Optional[str]:
        """Which build PyPI serves on ``platform`` (``cu128``, ``cpu``), if any."""
        for name, value in self.pypi:
            if name == platform:
                return value
        return None


class DriverMinimum(Record):
    """NVIDIA driver minimums for one CUDA version (facts §5)."""

    cuda: str
    toolkit_linux: Optional[str]
    toolkit_windows: Optional[str]
    floor_linux: Optional[str]
    floor_windows: Optional[str]
    source: str

    def toolkit(self, os_name: str) -> Optional[str]:
        return self.toolkit_windows if os_name == "windows" else self.toolkit_linux

    def floor(self, os_name: str) -> Optional[str]:
        return self.floor_windows if os_name == "windows" else self.floor_linux


class Catalog(Record):
    """The whole knowledge base; releases oldest first."""

    releases: tuple[Release, ...]
    drivers: tuple[DriverMinimum, ...]
    sources: tuple[tuple[str, str], ...] = ()
    origin: str = ""

    def release(self, version: str) -> Optional[Release]:
        """``"2.7.1"`` exactly, or ``"2.7"`` for the newest 2.7.x."""
        text = version.strip().split("+")[0]
        for release in self.releases:
            if release.version == text:
                return release
        if text.count(".") == 1:
            matching = [r for r in self.releases if r.version.startswith(text + ".")]
            if matching:
                return max(matching, key=lambda r: r.key)
        return None

    def latest(self) -> Release:
        return max(self.releases, key=lambda r: r.key)

    def paired_version(self, package: str, torch_version: str) -> Optional[str]:
        """The torchvision/torchaudio version paired with ``torch_version``."""
        release = self.release(torch_version)
        if release is None:
            return None
        name = package.lower().replace("_", "-")
        if name == "torchvision":
            return release.torchvision
        if name == "torchaudio":
            return release.torchaudio
        if name == "torch":
            return release.version
        return None

    def torch_for(self, package: str, version: str) -> Optional[str]:
        """Reverse pairing: the torch release a torchvision/torchaudio version belongs to."""
        name = package.lower().replace("_", "-")
        plain = version.strip().split("+")[0]
        for release in self.releases:
            paired = release.torchvision if name == "torchvision" else None
            if name == "torchaudio":
                paired = release.torchaudio
            if paired is not None and paired == plain:
                return release.version
        return None

    def driver_minimum(self, cuda: str) -> Optional[DriverMinimum]:
        for entry in self.drivers:
            if entry.cuda == cuda:
                return entry
        major = cuda.split(".")[0]
        for entry in self.drivers:
            if entry.cuda.split(".")[0] == major:
                # An unlisted minor of a known family: the family floor still applies.
                return DriverMinimum(
                    cuda, None, None, entry.floor_linux, entry.floor_windows, "facts §5 floor"
                )
        return None


# --------------------------------------------------------------------------- parsing
def _get(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise CatalogFormatError(f"{where}.{key}: expected {kind.__name__}")
    return value


def _opt_str(data: Mapping[str, Any], key: str, where: str) -> Optional[str]:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise CatalogFormatError(f"{where}.{key}: expected a string or null")
    return value


def _build(platform: str, data: Mapping[str, Any], where: str) -> Build:
    archs = data.get("cuda_archs")
    return Build(
        platform=platform,
        platform_tag=_get(data, "platform_tag", str, where),
        python=tuple(_get(data, "python", list, where)),
        label=bool(data.get("label", True)),
        companion_label=bool(data.get("companion_label", data.get("label", True))),
        abi_none=bool(data.get("abi_none", False)),
        verified=bool(data.get("verified", False)),
        source=str(data.get("source", "")),
        platform_tag_for=tuple(sorted((data.get("platform_tag_for") or {}).items())),
        cuda_archs=tuple(archs) if isinstance(archs, list) else None,
        ptx=_opt_str(data, "ptx", where),
    )


def _variant(name: str, data: Mapping[str, Any], where: str) -> Variant:
    platforms = _get(data, "platforms", dict, where)
    gfx = data.get("gfx")
    return Variant(
        name=name,
        kind=_get(data, "kind", str, where),
        builds=tuple(
            _build(p, _get(platforms, p, dict, f"{where}.platforms"), f"{where}.platforms.{p}")
            for p in platforms
        ),
        cuda=_opt_str(data, "cuda", where),
        rocm=_opt_str(data, "rocm", where),
        gfx=tuple(gfx) if isinstance(gfx, list) else None,
        gfx_source=_opt_str(data, "gfx_source", where),
    )


def _release(data: Mapping[str, Any], where: str, origin: str) -> Release:
    return Release(
        version=_get(data, "version", str, where),
        requires_python=_get(data, "requires_python", str, where),
        torchvision=_opt_str(data, "torchvision", where),
        torchaudio=_opt_str(data, "torchaudio", where),
        raw_variants=_get(data, "variants", dict, where),
        where=where,
        origin=origin,
        parsed_variants={},
        pypi=tuple((data.get("pypi") or {}).items()),
        pypi_verified=bool(data.get("pypi_verified", False)),
        source=str(data.get("source", "")),
        notes=tuple(data.get("notes") or ()),
    )


def _is_mapping(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    # Imported here: collections.abc costs ~2 ms and the packaged JSON only gives dicts.
    from collections.abc import Mapping

    return isinstance(value, Mapping)


def catalog_from_dict(data: Any, origin: str = "") -> Catalog:
    """Build a :class:`Catalog` from the parsed JSON document."""
    if not _is_mapping(data):
        raise CatalogFormatError("catalog: expected an object")
    if data.get("schema") != 1:
        raise CatalogFormatError(f"schema: {data.get('schema')!r} is not supported (expected 1)")
    releases = _get(data, "releases", list, "catalog")
    floors = (data.get("cuda_family_floors") or {}).get("values") or {}
    drivers: list[DriverMinimum] = []
    for cuda, entry in (data.get("cuda_drivers") or {}).items():
        floor = floors.get(cuda.split(".")[0]) or {}
        drivers.append(
            DriverMinimum(
                cuda=cuda,
                toolkit_linux=entry.get("linux"),
                toolkit_windows=entry.get("windows"),
                floor_linux=floor.get("linux"),
                floor_windows=floor.get("windows"),
                source=str(entry.get("source", "")),
            )
        )
    for family, floor in floors.items():
        if not any(d.cuda.split(".")[0] == family for d in drivers):
            drivers.append(
                DriverMinimum(
                    f"{family}.0", None, None, floor.get("linux"), floor.get("windows"), "facts §5"
                )
            )
    parsed = tuple(
        sorted(
            (_release(r, f"releases[{i}]", origin) for i, r in enumerate(releases)),
            key=lambda r: r.key,
        )
    )
    return Catalog(
        releases=parsed,
        drivers=tuple(drivers),
        sources=tuple((data.get("sources") or {}).items()),
        origin=origin,
    )
