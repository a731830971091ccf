"""A stand-in for ``torchenv.catalog`` built from /work/shared/reference/pytorch-facts.md
(tables 1, 4, 6, 7), used by the check tests where the packaged catalog is not
available or a case needs exact control. Only the interface ``check`` reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

__all__ = ["FactsCatalog"]

_X86_WIN = ("linux-x86_64", "windows-x86_64")
_ALL = (
    "linux-x86_64",
    "linux-aarch64",
    "macos-arm64",
    "macos-x86_64",
    "windows-x86_64",
    "windows-arm64",
)
_OLD = ("3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0")  # cu118 2.0-2.7 (table 6)
_MID = ("5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0")  # cu121/cu124/cu126
_CU128_27 = ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0")
_CU128_28 = ("7.0", "7.5", "8.0", "8.6", "9.0", "10.0", "12.0")


@dataclass(frozen=True)
class Build:
    label: bool
    companion_label: bool


@dataclass(frozen=True)
class Variant:
    name: str
    kind: str
    platforms: tuple[str, ...]
    archs: tuple[str, ...] = ()
    ptx_arch: Optional[str] = None

    def build(self, platform: str) -> Optional[Build]:
        if platform not in self.platforms:
            return None
        # facts §3/§7: aarch64 CUDA torch wheels carry the label from 2.6 on (the double
        # starts at 2.4 and marks none); companions on aarch64 CUDA indexes never do.
        aarch64_cuda = platform == "linux-aarch64" and self.kind == "cuda"
        return Build(label=True, companion_label=not aarch64_cuda)

    def cuda_archs(self, platform: str) -> tuple[str, ...]:
        return self.archs if platform == "linux-x86_64" else ()

    def ptx(self, platform: str) -> Optional[str]:
        return self.ptx_arch if platform == "linux-x86_64" else None


@dataclass(frozen=True)
class Release:
    version: str
    requires_python: str
    variants: tuple[Variant, ...]
    cp: tuple[str, ...]
    torchvision: Optional[str] = None
    torchaudio: Optional[str] = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def variant_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variants)

    def variant(self, name: str) -> Optional[Variant]:
        return next((v for v in self.variants if v.name == name), None)

    def python_tags(self, platform: str) -> tuple[str, ...]:
        return self.cp


def _cuda(name: str, archs: tuple[str, ...], aarch64: bool = False) -> Variant:
    platforms = (*_X86_WIN, "linux-aarch64") if aarch64 else _X86_WIN
    return Variant(name, "cuda", platforms, archs)


_CPU = Variant("cpu", "cpu", _ALL)
_XPU = Variant("xpu", "xpu", _X86_WIN)


def _rocm(name: str) -> Variant:
    return Variant(name, "rocm", ("linux-x86_64",))


_CP39_313 = ("cp39", "cp310", "cp311", "cp312", "cp313")


def _releases() -> tuple[Release, ...]:
    r24 = (_CPU, _cuda("cu118", _OLD), _cuda("cu121", _MID), _cuda("cu124", _MID))
    r24 = (*r24, _rocm("rocm6.0"), _rocm("rocm6.1"))
    r25 = (_CPU, _cuda("cu118", _OLD), _cuda("cu121", _MID), _cuda("cu124", _MID))
    r25 = (*r25, _rocm("rocm6.1"), _rocm("rocm6.2"), _XPU)
    r26 = (_CPU, _cuda("cu118", _OLD), _cuda("cu124", _MID), _cuda("cu126", _MID, True))
    r26 = (*r26, _rocm("rocm6.1"), _rocm("rocm6.2.4"), _XPU)
    r27 = (_CPU, _cuda("cu118", _OLD), _cuda("cu126", _MID), _cuda("cu128", _CU128_27, True))
    r27 = (*r27, _rocm("rocm6.2.4"), _rocm("rocm6.3"), _XPU)
    r28 = (_CPU, _cuda("cu126", _MID), _cuda("cu128", _CU128_28))
    r28 = (*r28, Variant("cu129", "cuda", (*_X86_WIN, "linux-aarch64"), _CU128_28, "12.0"))
    r28 = (*r28, _rocm("rocm6.3"), _rocm("rocm6.4"), _XPU)
    cp38 = ("cp38", "cp39", "cp310", "cp311", "cp312")
    return (
        Release("2.4.0", ">=3.8", r24, cp38, "0.19.0", "2.4.0"),
        Release("2.4.1", ">=3.8", r24, cp38, "0.19.1", "2.4.1"),
        Release("2.5.0", ">=3.8", r25, _CP39_313, "0.20.0", "2.5.0"),
        Release("2.5.1", ">=3.8", r25, _CP39_313, "0.20.1", "2.5.1"),
        Release("2.6.0", ">=3.9", r26, _CP39_313, "0.21.0", "2.6.0"),
        Release("2.7.0", ">=3.9", r27, _CP39_313, "0.22.0", "2.7.0"),
        Release("2.7.1", ">=3.9", r27, _CP39_313, "0.22.1", "2.7.1"),
        Release("2.8.0", ">=3.9", r28, _CP39_313, "0.23.0", "2.8.0"),
    )


class FactsCatalog:
    def __init__(self) -> None:
        self.releases = _releases()

    def latest(self) -> Release:
        return self.releases[-1]

    def release(self, version: str) -> Optional[Release]:
        return next((r for r in self.releases if r.version == version), None)

    def paired_version(self, package: str, torch_version: str) -> Optional[str]:
        release = self.release(torch_version)
        if release is None:
            return None
        return release.torchvision if package == "torchvision" else release.torchaudio

    def torch_for(self, package: str, version: str) -> Optional[str]:
        for release in self.releases:
            if self.paired_version(package, release.version) == version:
                return release.version
        return None
