"""The PEP 508 marker under which a wheel file is the one to install.

A lock entry may list several wheels of one version (Linux and Windows builds of
torch 2.7.1+cu128). pip's requirement syntax names one URL per line, so each wheel
becomes its own direct reference guarded by a marker derived from its tags.
"""

from __future__ import annotations

from typing import Optional

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

__all__ = ["wheel_marker"]


def _platform_marker(platform: str) -> Optional[str]:
    """``manylinux_2_28_x86_64`` -> ``sys_platform == 'linux' and platform_machine == ...``."""
    if platform == "any":
        return None
    if platform.startswith(("manylinux", "musllinux", "linux_")):
        for machine in ("x86_64", "aarch64", "ppc64le", "s390x", "armv7l", "i686"):
            if platform.endswith("_" + machine):
                return f"sys_platform == 'linux' and platform_machine == '{machine}'"
        return "sys_platform == 'linux'"
    if platform.startswith("macosx_"):
        for machine in ("arm64", "x86_64"):
            if platform.endswith("_" + machine):
                return f"sys_platform == 'darwin' and platform_machine == '{machine}'"
        return "sys_platform == 'darwin'"
    if platform == "win_amd64":
        return "sys_platform == 'win32' and platform_machine == 'AMD64'"
    if platform == "win_arm64":
        return "sys_platform == 'win32' and platform_machine == 'ARM64'"
    if platform == "win32":
        return "sys_platform == 'win32' and platform_machine == 'x86'"
    raise ValueError(f"unknown platform tag {platform!r}")


def _python_marker(interpreter: str) -> Optional[str]:
    """``cp312`` -> ``python_version == '3.12'``; ``py3`` -> None."""
    if interpreter.startswith("cp") and interpreter[2:].isdigit() and len(interpreter) >= 4:
        digits = interpreter[2:]
        return f"python_version == '{digits[0]}.{digits[1:]}'"
    return None


def wheel_marker(filename: str) -> Optional[str]:
    """The marker selecting ``filename`` among its siblings; None for a pure wheel.

    Raises ValueError for a name that is not a wheel or has tags we cannot express.
    """
    try:
        _, _, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename as error:
        raise ValueError(str(error)) from None
    platforms = sorted({m for m in (_platform_marker(t.platform) for t in tags) if m})
    pythons = sorted({m for m in (_python_marker(t.interpreter) for t in tags) if m})
    parts = []
    if platforms:
        parts.append(
            platforms[0] if len(platforms) == 1 else " or ".join(f"({p})" for p in platforms)
        )
    if pythons:
        parts.append(pythons[0] if len(pythons) == 1 else " or ".join(f"({p})" for p in pythons))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return " and ".join(f"({p})" for p in parts)
