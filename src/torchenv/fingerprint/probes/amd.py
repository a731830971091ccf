"""AMD: the gfx target of each GPU and the ROCm version (Linux only).

Sources, in order: the KFD topology in sysfs
(``/sys/class/kfd/kfd/topology/nodes/*/properties``: ``gfx_target_version 90010`` =
gfx90a; nodes with ``simd_count 0`` are CPUs), then ``rocm_agent_enumerator`` (one gfx
per line, ``gfx000`` is the CPU agent) or ``rocminfo`` ("Name: gfx90a", "Marketing
Name: …"). ROCm version: ``/opt/rocm/.info/version`` ("6.3.1-48"); the amdgpu DKMS
driver version: ``/sys/module/amdgpu/version`` or rocminfo's "ROCk module version".
"""

from __future__ import annotations

import re

from torchenv._record import Record
from torchenv.fingerprint.model import Accelerator, Device, Evidence
from torchenv.fingerprint.probes._fs import list_dir, read_text
from torchenv.fingerprint.probes._run import run_command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = [
    "RocmAgent",
    "gfx_from_target_version",
    "parse_kfd_properties",
    "parse_rocm_agent_enumerator",
    "parse_rocm_version",
    "parse_rocminfo",
    "probe_amd",
]

_KFD_NODES = "/sys/class/kfd/kfd/topology/nodes"


def parse_kfd_properties(text: str) -> dict[str, int]:
    """``name value`` integer lines of a KFD topology node's ``properties`` file."""
    values: dict[str, int] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and re.fullmatch(r"-?\d+", parts[1]):
            values[parts[0]] = int(parts[1])
    return values


def gfx_from_target_version(value: int) -> Optional[str]:
    """KFD's decimal MMmmss encoding to a gfx name: 90010 -> gfx90a, 110000 -> gfx1100.

    Major is everything above 10000, minor one decimal digit pair, stepping the last pair
    written in hex (so 10 becomes "a").
    """
    if value <= 0:
        return None
    major, minor, stepping = value // 10000, (value // 100) % 100, value % 100
    if minor > 9 or stepping > 15:
        return None
    return f"gfx{major}{minor}{stepping:x}"


def parse_rocm_agent_enumerator(text: str) -> list[str]:
    """GPU gfx targets, one per line; ``gfx000`` (the CPU agent) is dropped."""
    return [
        line.strip()
        for line in text.splitlines()
        if re.fullmatch(r"gfx[0-9a-f]+", line.strip()) and line.strip() != "gfx000"
    ]


class RocmAgent(Record):
    gfx: str
    marketing_name: Optional[str]


def parse_rocminfo(text: str) -> tuple[Optional[str], list[RocmAgent]]:
    """(ROCk module version, GPU agents) from ``rocminfo``."""
    module = re.search(r"ROCk module(?: version)?\s+(\S+)\s+is loaded", text)
    agents: list[RocmAgent] = []
    for block in re.split(r"\*{5,}\s*\n\s*Agent \d+\s*\n\s*\*{5,}", text)[1:]:
        device_type = re.search(r"Device Type:\s*(\w+)", block)
        if device_type and device_type.group(1) != "GPU":
            continue  # CPU agents (their Name is the CPU brand anyway, not gfx...)
        name = re.search(r"^\s*Name:\s*(gfx[0-9a-f]+)", block, re.MULTILINE)
        if not name:
            continue
        marketing = re.search(r"Marketing Name:\s*(.+)", block)
        agents.append(RocmAgent(name.group(1), marketing.group(1).strip() if marketing else None))
    return (module.group(1) if module else None), agents


def parse_rocm_version(text: str) -> Optional[str]:
    """``/opt/rocm/.info/version`` "6.3.1-48" -> "6.3.1"."""
    match = re.match(r"\s*(\d+\.\d+(?:\.\d+)?)", text)
    return match.group(1) if match else None


def _kfd_devices(root: str) -> list[Device]:
    devices: list[Device] = []
    for node in sorted(list_dir(root, _KFD_NODES), key=lambda n: int(n) if n.isdigit() else 0):
        properties_path = f"{_KFD_NODES}/{node}/properties"
        properties = parse_kfd_properties(read_text(root, properties_path) or "")
        if properties.get("simd_count", 0) == 0:
            continue  # a CPU node
        target = properties.get("gfx_target_version", 0)
        gfx = gfx_from_target_version(target)
        bank = parse_kfd_properties(
            read_text(root, f"{_KFD_NODES}/{node}/mem_banks/0/properties") or ""
        )
        size = bank.get("size_in_bytes")
        device_id = properties.get("device_id")
        name = f"AMD GPU {gfx or 'unknown'}" + (f" (device 0x{device_id:04x})" if device_id else "")
        devices.append(
            Device(
                index=len(devices),
                name=name,
                gfx=gfx,
                memory_mib=size // (1 << 20) if size else None,
                capability_source="kfd" if gfx else None,
                evidence=(Evidence("amd.kfd", properties_path, f"gfx_target_version {target}"),),
            )
        )
    return devices


def probe_amd(root: str, path: Optional[str], timeout: float) -> Optional[Accelerator]:
    """The AMD accelerator record, or None when no AMD GPU compute stack is visible."""
    evidence: list[Evidence] = []
    notes: list[str] = []
    devices = _kfd_devices(root)
    source = "kfd" if devices else None
    driver = None
    module_version = read_text(root, "/sys/module/amdgpu/version")
    if module_version and module_version.strip():
        driver = module_version.strip()
        evidence.append(Evidence("amd.kernel", "/sys/module/amdgpu/version", driver))
    rocm_version = None
    for version_file in ("/opt/rocm/.info/version", "/opt/rocm/.info/version-dev"):
        text = read_text(root, version_file)
        if text and parse_rocm_version(text):
            rocm_version = parse_rocm_version(text)
            evidence.append(Evidence("amd.rocm", version_file, text.strip()))
            break
    if not devices:
        result = run_command(["rocminfo"], path=path, timeout=timeout)
        if result.ok:
            module, agents = parse_rocminfo(result.stdout)
            if module:
                driver = driver or module
                evidence.append(
                    Evidence("amd.rocminfo", "rocminfo", f"ROCk module version {module} is loaded")
                )
            for agent in agents:
                devices.append(
                    Device(
                        index=len(devices),
                        name=agent.marketing_name or f"AMD GPU {agent.gfx}",
                        gfx=agent.gfx,
                        capability_source="rocminfo",
                        evidence=(Evidence("amd.rocminfo", "rocminfo", f"Name: {agent.gfx}"),),
                    )
                )
            source = "rocminfo" if agents else source
        elif result.status != "missing":
            notes.append(result.describe())
    if not devices:
        result = run_command(["rocm_agent_enumerator"], path=path, timeout=timeout)
        if result.ok:
            for gfx in parse_rocm_agent_enumerator(result.stdout):
                devices.append(
                    Device(
                        index=len(devices),
                        name=f"AMD GPU {gfx}",
                        gfx=gfx,
                        capability_source="rocm_agent_enumerator",
                        evidence=(Evidence("amd.enumerator", "rocm_agent_enumerator", gfx),),
                    )
                )
            source = "rocm_agent_enumerator" if devices else source
        elif result.status != "missing":
            notes.append(result.describe())
    if not devices and rocm_version is None and driver is None:
        return None
    if not devices:
        notes.append("ROCm or amdgpu present but no AMD GPU agent visible (no /dev/kfd access?)")
    if devices and rocm_version is None:
        notes.append(
            "ROCm version unknown (/opt/rocm/.info/version missing); "
            "PyTorch ROCm wheels bundle their own runtime"
        )
    return Accelerator(
        vendor="amd",
        source=source or "rocm",
        driver_version=driver,
        rocm_version=rocm_version,
        devices=tuple(devices),
        notes=tuple(notes),
        evidence=tuple(evidence),
    )
