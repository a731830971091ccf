"""Target platforms: the ``<os>-<arch>[-<backend>]`` strings, and for each the wheel tags
and PEP 508 marker environment that a resolver must use *instead of* the running
interpreter's.

A target is a platform a teammate runs, not this machine: ``linux-x86_64``,
``linux-aarch64``, ``macos-arm64``, ``macos-x86_64``, ``windows-x86_64``,
``windows-arm64``, optionally followed by a backend (``-cpu``, ``-cu128``,
``-rocm6.3``, ``-xpu``).
"""

from __future__ import annotations

import re

from torchenv._record import Record
from torchenv.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

    from packaging.tags import Tag

    from torchenv.fingerprint.model import Fingerprint

__all__ = [
    "BACKEND_PATTERN",
    "KNOWN_PLATFORMS",
    "Target",
    "marker_environment",
    "parse_backend",
    "parse_target",
    "platform_tags",
    "python_tag",
    "supported_tags",
    "target_for_fingerprint",
]

KNOWN_PLATFORMS = (
    "linux-x86_64",
    "linux-aarch64",
    "macos-arm64",
    "macos-x86_64",
    "windows-x86_64",
    "windows-arm64",
)

BACKEND_PATTERN = re.compile(r"^(cpu|cu\d{3}|rocm\d+\.\d+(?:\.\d+)?|xpu)$")

# Baselines for a target that is not this machine. glibc 2.28 is what torch's own
# manylinux_2_28 wheels (2.6+) need and what current distributions exceed; macOS 14 is
# the floor of torch's newest arm64 wheels (macosx_14_0_arm64 from 2.12) and what the
# PyTorch docs recommend for MPS.
DEFAULT_GLIBC = (2, 28)
DEFAULT_MACOS = {"arm64": (14, 0), "x86_64": (13, 0)}

_ARCH_ALIASES = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "x64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "arm64",
}


class Target(Record):
    """One platform to resolve for; ``backend`` is None when the caller lets torchenv choose.

    ``arch`` follows the target-string convention: ``arm64`` on macOS, ``aarch64``
    elsewhere (Windows on Arm is written ``windows-arm64`` but its wheels say ``arm64``).
    """

    os: str
    arch: str
    backend: Optional[str] = None
    glibc: tuple[int, int] = DEFAULT_GLIBC
    macos: Optional[tuple[int, int]] = None

    @property
    def platform(self) -> str:
        """``<os>-<arch>`` without the backend."""
        return f"{self.os}-{self.arch}"

    def __str__(self) -> str:
        return self.platform + (f"-{self.backend}" if self.backend else "")

    def with_backend(self, backend: Optional[str]) -> Target:
        return Target(self.os, self.arch, backend, self.glibc, self.macos)


def parse_backend(text: str) -> str:
    """Validate a backend name (``cpu``, ``cu128``, ``rocm6.2.4``, ``xpu``)."""
    value = text.strip().lower()
    if not BACKEND_PATTERN.match(value):
        raise UsageError(
            f"unknown backend {text!r}: expected cpu, cuNNN (e.g. cu128), "
            "rocmX.Y (e.g. rocm6.4) or xpu"
        )
    return value


def parse_target(text: str) -> Target:
    """Parse ``<os>-<arch>[-<backend>]``; raise :class:`UsageError` naming what is wrong."""
    parts = text.strip().lower().split("-", 2)
    if len(parts) < 2:
        raise UsageError(
            f"bad target {text!r}: expected <os>-<arch>[-<backend>], e.g. linux-x86_64-cu128"
        )
    os_name, arch = parts[0], parts[1]
    if os_name in ("darwin", "osx", "mac"):
        os_name = "macos"
    if os_name in ("win", "win32"):
        os_name = "windows"
    arch = _ARCH_ALIASES.get(arch, arch)
    if os_name == "macos" and arch == "aarch64":
        arch = "arm64"
    if os_name in ("linux", "windows") and arch == "arm64":
        arch = "aarch64" if os_name == "linux" else "arm64"
    platform = f"{os_name}-{arch}"
    if platform not in KNOWN_PLATFORMS:
        raise UsageError(
            f"unknown target platform {platform!r} in {text!r}: expected one of "
            + ", ".join(KNOWN_PLATFORMS)
        )
    backend = parse_backend(parts[2]) if len(parts) == 3 else None
    macos = DEFAULT_MACOS[arch] if os_name == "macos" else None
    return Target(os_name, arch, backend, DEFAULT_GLIBC, macos)


def target_for_fingerprint(fingerprint: Fingerprint, backend: Optional[str] = None) -> Target:
    """The target describing a fingerprinted machine, with its real glibc/macOS level."""
    arch = fingerprint.arch
    if fingerprint.os == "macos" or fingerprint.os == "windows":
        arch = "arm64" if arch in ("arm64", "aarch64") else "x86_64"
    else:
        arch = "aarch64" if arch in ("arm64", "aarch64") else arch
    glibc = DEFAULT_GLIBC
    if fingerprint.libc.family == "glibc" and fingerprint.libc.version:
        glibc = _version_pair(fingerprint.libc.version, DEFAULT_GLIBC)
    macos: Optional[tuple[int, int]] = None
    if fingerprint.os == "macos":
        macos = DEFAULT_MACOS.get(arch, (14, 0))
        if fingerprint.os_version:
            macos = _version_pair(fingerprint.os_version, macos)
    return Target(fingerprint.os, arch, backend, glibc, macos)


def _version_pair(text: str, default: tuple[int, int]) -> tuple[int, int]:
    match = re.match(r"(\d+)(?:\.(\d+))?", text)
    if not match:
        return default
    return int(match.group(1)), int(match.group(2) or 0)


def python_tag(python_version: str) -> str:
    """``"3.11"`` -> ``"cp311"``."""
    major, minor = python_version.split(".")[:2]
    return f"cp{major}{minor}"


def platform_tags(target: Target) -> list[str]:
    """Platform tags a wheel may carry to install on ``target``, most specific first."""
    if target.os == "linux":
        arch = target.arch
        tags = [
            f"manylinux_{target.glibc[0]}_{minor}_{arch}" for minor in range(target.glibc[1], 4, -1)
        ]
        legacy = {
            (2, 17): "manylinux2014",
            (2, 12): "manylinux2010",
            (2, 5): "manylinux1",
        }
        expanded: list[str] = []
        for tag in tags:
            expanded.append(tag)
            minor = int(tag.split("_")[2])
            alias = legacy.get((2, minor))
            if alias and (arch == "x86_64" or alias == "manylinux2014"):
                expanded.append(f"{alias}_{arch}")
        expanded.append(f"linux_{arch}")
        return expanded
    if target.os == "macos":
        major, minor = target.macos or DEFAULT_MACOS.get(target.arch, (14, 0))
        arches = (
            [target.arch, "universal2"]
            if target.arch == "arm64"
            else [
                target.arch,
                "intel",
                "universal2",
                "universal",
            ]
        )
        versions: list[tuple[int, int]] = []
        for m in range(major, 10, -1):
            versions.append((m, minor if m == major else 0))
        versions += [(10, m) for m in range(15 if major > 10 else minor, -1, -1)]
        tags = []
        for m, n in versions:
            if target.arch == "arm64" and (m, n) < (11, 0):
                continue
            tags += [f"macosx_{m}_{n}_{a}" for a in arches]
        return tags
    if target.os == "windows":
        return ["win_arm64"] if target.arch == "arm64" else ["win_amd64"]
    raise UsageError(f"unknown target os {target.os!r}")


def supported_tags(
    target: Target, python_version: str, *, free_threaded: bool = False
) -> list[Tag]:
    """Every wheel tag the target accepts for CPython ``python_version``, best first."""
    from packaging.tags import compatible_tags, cpython_tags

    major, minor = (int(p) for p in python_version.split(".")[:2])
    interpreter = python_tag(python_version)
    abis = [interpreter + "t"] if free_threaded else [interpreter]
    platforms = platform_tags(target)
    tags = list(cpython_tags((major, minor), abis=abis, platforms=platforms))
    tags += list(compatible_tags((major, minor), interpreter=interpreter, platforms=platforms))
    if free_threaded:
        # abi3 does not apply to free-threaded builds; cpython_tags adds it for the GIL ABI only.
        tags = [t for t in tags if t.abi != "abi3"]
    return tags


_MARKER_PLATFORM = {
    "linux": ("linux", "Linux", "posix"),
    "macos": ("darwin", "Darwin", "posix"),
    "windows": ("win32", "Windows", "nt"),
}


def marker_environment(target: Target, python_version: str) -> dict[str, str]:
    """The PEP 508 environment of ``target`` running CPython ``python_version``.

    ``python_version`` may be ``"3.11"`` or a full ``"3.11.9"``. For ``X.Y`` the full
    version is taken as ``X.Y.99`` rather than ``X.Y.0``: markers on the patch level are
    rare, and a teammate's interpreter is more likely patched than not.
    """
    sys_platform, system, os_name = _MARKER_PLATFORM[target.os]
    machine = {
        ("linux", "x86_64"): "x86_64",
        ("linux", "aarch64"): "aarch64",
        ("macos", "arm64"): "arm64",
        ("macos", "x86_64"): "x86_64",
        ("windows", "x86_64"): "AMD64",
        ("windows", "arm64"): "ARM64",
    }[(target.os, target.arch)]
    parts = python_version.split(".")
    short = ".".join(parts[:2])
    full = python_version if len(parts) >= 3 else f"{short}.99"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": os_name,
        "platform_machine": machine,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": system,
        "platform_version": "",
        "python_full_version": full,
        "python_version": short,
        "sys_platform": sys_platform,
    }
