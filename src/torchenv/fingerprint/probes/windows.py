"""Windows: version, and where the NVIDIA driver keeps ``nvidia-smi.exe``.

The driver installs ``nvidia-smi.exe`` and ``nvml.dll`` in ``%SystemRoot%\\System32``
(older drivers: ``C:\\Program Files\\NVIDIA Corporation\\NVSMI``); neither is always on
PATH, so the NVIDIA probe also looks there.
"""

from __future__ import annotations

import os
import sys

from torchenv.fingerprint.model import Evidence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Optional

__all__ = ["nvidia_smi_dirs", "windows_version"]


def nvidia_smi_dirs(env: Mapping[str, str]) -> tuple[str, ...]:
    """Directories that hold ``nvidia-smi.exe`` on a standard driver install."""
    system_root = env.get("SYSTEMROOT", r"C:\Windows")
    return (
        os.path.join(system_root, "System32"),
        r"C:\Program Files\NVIDIA Corporation\NVSMI",
    )


def windows_version() -> tuple[Optional[str], Optional[Evidence]]:
    """``"10.0.22631"`` on the running Windows machine, else None."""
    getter = getattr(sys, "getwindowsversion", None)
    if getter is None:
        return None, None
    info = getter()
    text = f"{info.major}.{info.minor}.{info.build}"
    return text, Evidence("windows.os", "sys.getwindowsversion()", text)
