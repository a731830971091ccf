"""The interpreter: implementation, version, ABI (free-threaded too) and the wheel
platform tags it accepts.

Platform tags are computed here from facts (OS, arch, libc, macOS version) rather than by
importing ``packaging.tags``, which costs more than the rest of ``torchenv detect``; the
tests check the result against ``packaging.tags`` for the running machine and for
explicit macOS versions.
"""

from __future__ import annotations

import sys

from torchenv.fingerprint.model import Evidence, PythonInfo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["interpreter_arch", "platform_tags_for", "probe_python", "python_info_from"]

# Legacy manylinux aliases (PEP 513/571/599): glibc minor -> (alias, arches it exists for).
_LEGACY_MANYLINUX = {
    17: ("manylinux2014", ("x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x")),
    12: ("manylinux2010", ("x86_64", "i686")),
    5: ("manylinux1", ("x86_64", "i686")),
}


def python_info_from(
    implementation: str,
    version: tuple[int, int, int],
    *,
    free_threaded: bool,
    executable: Optional[str] = None,
    platform_tags: tuple[str, ...] = (),
    soabi: Optional[str] = None,
) -> PythonInfo:
    """Build :class:`PythonInfo` from plain values (pure).

    ``soabi`` (sysconfig's SOABI) only matters off CPython: PyPy's ABI tag comes from it
    ("pypy310-pp73-x86_64-linux-gnu" -> "pypy310_pp73").
    """
    major, minor, micro = version
    short = {"cpython": "cp", "pypy": "pp"}.get(implementation, implementation[:2])
    tag = f"{short}{major}{minor}"
    abi = tag + ("t" if free_threaded else "")
    if implementation != "cpython" and soabi:
        abi = "_".join(soabi.split("-")[:2]).replace(".", "_")
    return PythonInfo(
        implementation=implementation,
        version=f"{major}.{minor}.{micro}",
        tag=tag,
        abi=abi,
        free_threaded=free_threaded,
        executable=executable,
        platform_tags=platform_tags,
    )


def _is_free_threaded() -> bool:
    abiflags = getattr(sys, "abiflags", None)
    if abiflags is not None:
        return "t" in abiflags
    import sysconfig  # Windows has no sys.abiflags

    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def interpreter_arch(machine: str, is_64bit: bool) -> str:
    """The architecture wheels must match: the interpreter's, not the kernel's (a 32-bit
    Python on a 64-bit kernel needs i686 wheels)."""
    machine = machine.lower()
    if machine in ("amd64", "x64"):
        machine = "x86_64"
    if machine == "arm64" and sys.platform != "darwin":
        machine = "aarch64"
    if not is_64bit:
        return {"x86_64": "i686", "aarch64": "armv8l"}.get(machine, machine)
    return machine


def platform_tags_for(
    os_name: str,
    arch: str,
    *,
    libc_family: Optional[str] = None,
    libc_version: Optional[str] = None,
    macos_version: Optional[str] = None,
) -> tuple[str, ...]:
    """Platform tags, most specific first, that an interpreter on this system accepts."""
    if os_name == "linux":
        return _linux_tags(arch, libc_family, libc_version)
    if os_name == "macos":
        return _mac_tags(arch, _pair(macos_version) or (11, 0))
    if os_name == "windows":
        return (
            ({"x86_64": "win_amd64", "aarch64": "win_arm64", "arm64": "win_arm64"}).get(
                arch, "win32"
            ),
        )
    return ()


def _pair(text: Optional[str]) -> Optional[tuple[int, int]]:
    if not text:
        return None
    parts = text.split(".")
    try:
        return int(parts[0]), int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return None


def _linux_tags(arch: str, family: Optional[str], version: Optional[str]) -> tuple[str, ...]:
    # A locally built ``linux_<arch>`` wheel fits this very machine best (packaging >= 26
    # lists it first as well).
    tags: list[str] = [f"linux_{arch}"]
    pair = _pair(version)
    if family == "glibc" and pair is not None and pair[0] == 2:
        # manylinux_2_5 is the floor on x86 (PEP 513); other arches start at 2_17 (PEP 599).
        floor = 5 if arch in ("x86_64", "i686") else 17
        for minor in range(pair[1], floor - 1, -1):
            tags.append(f"manylinux_2_{minor}_{arch}")
            legacy = _LEGACY_MANYLINUX.get(minor)
            if legacy and arch in legacy[1]:
                tags.append(f"{legacy[0]}_{arch}")
    elif family == "musl" and pair is not None:
        tags += [f"musllinux_{pair[0]}_{minor}_{arch}" for minor in range(pair[1], -1, -1)]
    return tuple(tags)


def _mac_formats(version: tuple[int, int], arch: str) -> list[str]:
    """Binary formats a macOS wheel may name for ``arch`` at ``version`` (fat, intel …)."""
    formats = [arch]
    if arch == "x86_64":
        if version < (10, 4):
            return []
        formats += ["intel", "fat64", "fat3"]
    if arch in ("arm64", "x86_64"):
        formats.append("universal2")
    if arch == "x86_64":
        formats.append("universal")
    return formats


def _mac_tags(arch: str, version: tuple[int, int]) -> tuple[str, ...]:
    versions: list[tuple[int, int]] = []
    if version >= (11, 0):
        # From macOS 11 the minor number no longer marks compatibility.
        versions += [(major, 0) for major in range(version[0], 10, -1)]
        if arch == "x86_64":
            versions += [(10, minor) for minor in range(16, 3, -1)]
    else:
        versions += [(10, minor) for minor in range(version[1], -1, -1)]
    tags: list[str] = []
    for major, minor in versions:
        tags += [f"macosx_{major}_{minor}_{fmt}" for fmt in _mac_formats((major, minor), arch)]
    if version >= (11, 0) and arch == "arm64":
        # universal2 wheels built for 10.x also run natively on Apple Silicon.
        tags += [f"macosx_10_{minor}_universal2" for minor in range(16, 3, -1)]
    return tuple(tags)


def probe_python(
    os_name: str,
    arch: str,
    *,
    libc_family: Optional[str],
    libc_version: Optional[str],
    macos_version: Optional[str],
) -> tuple[PythonInfo, tuple[Evidence, ...]]:
    """This interpreter (``sys``) plus the platform tags for the given system facts."""
    implementation = sys.implementation.name
    free = _is_free_threaded()
    soabi = None
    if implementation != "cpython":
        import sysconfig  # only off CPython: its ABI tag is not derivable from the version

        soabi = sysconfig.get_config_var("SOABI")
    info = python_info_from(
        implementation,
        (sys.version_info[0], sys.version_info[1], sys.version_info[2]),
        free_threaded=free,
        executable=sys.executable or None,
        soabi=soabi,
        platform_tags=platform_tags_for(
            os_name,
            arch,
            libc_family=libc_family,
            libc_version=libc_version,
            macos_version=macos_version,
        ),
    )
    raw = f"{implementation} {sys.version.split()[0]} abiflags={getattr(sys, 'abiflags', '')!r}"
    return info, (Evidence("python", "sys.implementation, sys.version_info", raw),)
