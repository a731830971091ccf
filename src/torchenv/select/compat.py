"""Hardware compatibility rules, pure: GPU kernels, NVIDIA drivers, AMD gfx targets.

Each check returns a verdict with the sentence that explains it, so the caller can put
the rule that applied into the reasons (peers decide silently; torchenv says why).
"""

from __future__ import annotations

import re

from torchenv._record import Record
from torchenv.catalog import DriverMinimum

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Optional

__all__ = [
    "DriverVerdict",
    "KernelVerdict",
    "check_driver",
    "check_kernels",
    "parse_version_tuple",
    "sm",
]


def parse_version_tuple(text: Optional[str]) -> Optional[tuple[int, ...]]:
    """``"570.133.07"`` -> ``(570, 133, 7)``; ``"12.8"`` -> ``(12, 8)``; junk -> None."""
    if not text:
        return None
    match = re.match(r"^\s*(\d+(?:\.\d+)*)", text)
    if not match:
        return None
    return tuple(int(p) for p in match.group(1).split("."))


def sm(capability: str) -> str:
    """``"8.6"`` -> ``"sm_86"`` (how CUDA error messages and build logs name it)."""
    major, _, minor = capability.partition(".")
    return f"sm_{major}{minor or '0'}"


class KernelVerdict(Record):
    """``status`` is ``"compiled"``, ``"ptx"`` (JIT needed), ``"none"`` or ``"unknown"``."""

    status: str
    detail: str


def check_kernels(
    capability: Optional[str], archs: Sequence[str], ptx: Optional[str]
) -> KernelVerdict:
    """Can a GPU of compute ``capability`` run a build compiled for ``archs`` (+``ptx``)?

    A cubin for X.y runs on a GPU X.z when y <= z (same major only); PTX of version
    <= the GPU's capability can be JIT-compiled by the driver.
    """
    gpu = parse_version_tuple(capability)
    if gpu is None or len(gpu) < 2:
        return KernelVerdict("unknown", "compute capability unknown; kernels not checked")
    if not archs:
        return KernelVerdict("unknown", "the GPU architectures of this build are not recorded")
    same_major = [
        a for a in archs if (v := parse_version_tuple(a)) and v[0] == gpu[0] and v[1] <= gpu[1]
    ]
    if same_major:
        best = max(same_major, key=lambda a: parse_version_tuple(a) or ())
        exact = parse_version_tuple(best) == gpu[:2]
        how = "compiled for it" if exact else f"runs {sm(best)} kernels (same major)"
        return KernelVerdict("compiled", f"{sm(capability or '')} {how}")
    ptx_version = parse_version_tuple(ptx)
    if ptx_version is not None and ptx_version[:2] <= gpu[:2]:
        return KernelVerdict(
            "ptx", f"{sm(capability or '')} has no compiled kernels; PTX {ptx} can be JIT-compiled"
        )
    listed = " ".join(sm(a) for a in archs) + (f" +PTX {ptx}" if ptx else "")
    return KernelVerdict("none", f"no kernels for {sm(capability or '')} (build has {listed})")


class DriverVerdict(Record):
    ok: bool
    detail: str
    verified: bool = True


def _fmt(version: tuple[int, ...]) -> str:
    return ".".join(str(p) for p in version)


def check_driver(
    cuda: str,
    *,
    os_name: str,
    driver_version: Optional[str],
    driver_cuda: Optional[str],
    minimum: Optional[DriverMinimum],
    strict: bool,
) -> DriverVerdict:
    """Can the NVIDIA driver run a wheel built with CUDA ``cuda``?

    Minor-version compatibility (default): a driver at or above the CUDA family floor
    runs any 11.x/12.x/13.x build that bundles its runtime. ``strict`` (also forced when
    a GPU needs PTX JIT) requires the driver's own CUDA level: the ``cuda_version`` the
    driver reports, else the toolkit minimum driver of facts §5.
    """
    want = parse_version_tuple(cuda) or (0,)
    have_cuda = parse_version_tuple(driver_cuda)
    have_driver = parse_version_tuple(driver_version)
    platform = "Windows" if os_name == "windows" else "Linux"
    if strict:
        if have_cuda is not None:
            ok = have_cuda[:2] >= want[:2]
            relation = ">=" if ok else "<"
            return DriverVerdict(
                ok,
                f"strict: driver supports CUDA {driver_cuda} {relation} {cuda} "
                "(the driver's own CUDA level)",
            )
        toolkit = parse_version_tuple(minimum.toolkit(os_name)) if minimum else None
        if toolkit is not None and have_driver is not None:
            ok = have_driver >= toolkit
            relation = ">=" if ok else "<"
            return DriverVerdict(
                ok,
                f"strict: driver {driver_version} {relation} {_fmt(toolkit)}, the CUDA {cuda} "
                f"toolkit minimum on {platform}",
            )
        return DriverVerdict(
            False,
            f"strict: cannot confirm the driver runs CUDA {cuda} natively (driver CUDA level "
            f"unknown{'' if toolkit else f'; no CUDA {cuda} toolkit minimum on record'})",
        )
    floor = parse_version_tuple(minimum.floor(os_name)) if minimum else None
    family = f"{want[0]}.x"
    if have_driver is not None and floor is not None:
        ok = have_driver >= floor
        relation = ">=" if ok else "<"
        return DriverVerdict(
            ok,
            f"minor-version compatibility: driver {driver_version} {relation} {_fmt(floor)}, "
            f"the CUDA {family} floor on {platform}",
        )
    if have_cuda is not None:
        ok = have_cuda[0] >= want[0]
        return DriverVerdict(
            ok,
            f"minor-version compatibility: driver supports CUDA {driver_cuda} "
            f"({'same or newer' if ok else 'older'} major than {cuda})",
        )
    return DriverVerdict(
        True,
        f"driver version unknown: assuming it can run CUDA {cuda} (unverified; the CUDA "
        f"{family} floor is {_fmt(floor) if floor else 'not on record'} on {platform})",
        verified=False,
    )
