"""Documented NVIDIA facts used when the driver cannot tell us directly.

* GPU name -> compute capability, from NVIDIA's "CUDA GPUs - Compute Capability" table
  (https://developer.nvidia.com/cuda-gpus) and the Jetson module data sheets. Only used
  when neither NVML nor ``nvidia-smi --query-gpu=compute_cap`` answered (drivers before
  ~510 reject ``compute_cap``), and every device found this way says
  ``capability_source = "name-table"``.
* Driver version -> newest CUDA it supports, from the CUDA Toolkit release notes, table
  "CUDA Toolkit and Corresponding Driver Versions" (minimum "Toolkit Driver Version" of
  each GA release, Linux x86_64 and Windows). Only used when the driver did not report
  its CUDA version (e.g. only ``/proc/driver/nvidia/version`` was readable).
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["capability_for_name", "cuda_for_driver"]

# Ordered: the first pattern that matches the normalised name wins, so specific
# names ("a100", "rtx 5880 ada") come before the shorter ones they contain ("a10").
_NAME_CAPABILITY: tuple[tuple[str, str], ...] = (
    # Blackwell
    (r"\bgb10\b|dgx spark", "12.1"),
    (r"\brtx 50\d0|\brtx pro \d+ blackwell", "12.0"),
    (r"\bjetson thor|\bthor\b", "11.0"),
    (r"\bgb300\b|\bb300\b", "10.3"),
    (r"\bgb200\b|\bb200\b|\bb100\b", "10.0"),
    # Hopper
    (r"\bgh200\b|\bh200\b|\bh100\b|\bh800\b|\bh20\b", "9.0"),
    # Ada Lovelace
    (r"\brtx 40\d0|\bl40s?\b|\bl4\b|\bl20\b|\brtx \d+ ada\b|ada generation", "8.9"),
    # Ampere
    (r"\bjetson agx orin|\borin\b", "8.7"),
    (r"\ba100\b|\ba800\b|\ba30\b|\bpg509\b", "8.0"),
    (r"\brtx 30\d0|\brtx a\d+|\ba10g?\b|\ba40\b|\ba16\b|\ba2\b|\ba\d+ laptop\b", "8.6"),
    # Turing
    (r"\btitan rtx\b|\bquadro rtx|\brtx 20\d0|\bgtx 16\d0|\bt4\b|\bt1000\b|\bt[46]00\b", "7.5"),
    # Volta
    (r"\bjetson agx xavier|\bxavier\b", "7.2"),
    (r"\bv100\b|\btitan v\b|\bquadro gv100\b", "7.0"),
    # Pascal
    (r"\bjetson tx2\b|\btx2\b", "6.2"),
    (r"\bp100\b|\bquadro gp100\b", "6.0"),
    (r"\bgtx 10\d0|\btitan xp\b|\btitan x \(pascal\)|\bp40\b|\bp4\b|\bp6\b|\bquadro p\d+", "6.1"),
    # Maxwell
    (r"\bjetson nano\b|\btx1\b", "5.3"),
    (r"\bgtx 9\d0|\btitan x\b|\bm40\b|\bm60\b|\bm6\b|\bquadro m\d+", "5.2"),
    (r"\bgtx 750|\bgtx 745\b|\bm10\b", "5.0"),
    # Kepler
    (r"\bk80\b", "3.7"),
    (r"\bk40\b|\bk20x?\b|\btitan black\b|\bgtx titan\b", "3.5"),
)

_compiled: dict[str, re.Pattern[str]] = {}


def capability_for_name(name: str) -> Optional[str]:
    """Compute capability for a GPU marketing name, or None when unknown or truncated.

    ``nvidia-smi``'s table cuts long names ("NVIDIA GeForce ..."): those are not guessed.
    """
    if name.rstrip().endswith("...") or name.rstrip().endswith("…"):
        return None
    normalised = " ".join(name.lower().replace("nvidia", " ").replace("geforce", " ").split())
    for source, capability in _NAME_CAPABILITY:
        # Each pattern is compiled when first reached: most runs never need the table,
        # and a name found early (a new GPU) skips compiling the older ones (~0.8 ms).
        pattern = _compiled.get(source)
        if pattern is None:
            pattern = _compiled[source] = re.compile(source)
        if pattern.search(normalised):
            return capability
    return None


# (minimum driver, CUDA) for each CUDA GA release, newest first.
_LINUX_DRIVER_CUDA: tuple[tuple[tuple[int, ...], str], ...] = (
    ((590, 44, 1), "13.1"),
    ((580, 65, 6), "13.0"),
    ((575, 51, 3), "12.9"),
    ((570, 26), "12.8"),
    ((560, 28, 3), "12.6"),
    ((555, 42, 2), "12.5"),
    ((550, 54, 14), "12.4"),
    ((545, 23, 6), "12.3"),
    ((535, 54, 3), "12.2"),
    ((530, 30, 2), "12.1"),
    ((525, 60, 13), "12.0"),
    ((520, 61, 5), "11.8"),
    ((515, 43, 4), "11.7"),
    ((510, 39, 1), "11.6"),
    ((495, 29, 5), "11.5"),
    ((470, 42, 1), "11.4"),
    ((465, 19, 1), "11.3"),
    ((460, 27, 3), "11.2"),
    ((455, 23), "11.1"),
    ((450, 36, 6), "11.0"),
)
_WINDOWS_DRIVER_CUDA: tuple[tuple[tuple[int, ...], str], ...] = (
    ((576, 2), "12.9"),
    ((570, 65), "12.8"),
    ((560, 76), "12.6"),
    ((555, 85), "12.5"),
    ((551, 61), "12.4"),
    ((545, 84), "12.3"),
    ((536, 25), "12.2"),
    ((531, 14), "12.1"),
    ((527, 41), "12.0"),
    ((520, 6), "11.8"),
    ((516, 1), "11.7"),
    ((511, 23), "11.6"),
    ((496, 4), "11.5"),
    ((471, 11), "11.4"),
)


def _version_tuple(text: str) -> Optional[tuple[int, ...]]:
    if not re.fullmatch(r"\d+(\.\d+)*", text.strip()):
        return None
    return tuple(int(p) for p in text.strip().split("."))


def cuda_for_driver(driver_version: str, os_name: str = "linux") -> Optional[str]:
    """Newest CUDA release whose documented minimum driver is <= ``driver_version``."""
    version = _version_tuple(driver_version)
    if version is None:
        return None
    table = _WINDOWS_DRIVER_CUDA if os_name == "windows" else _LINUX_DRIVER_CUDA
    for minimum, cuda in table:
        if version >= minimum:
            return cuda
    return None
