"""Intel GPUs: discrete (Arc, Data Center GPU Max) versus integrated graphics.

Source: PCI devices in sysfs (``/sys/bus/pci/devices/*/{vendor,device,class}``: vendor
0x8086, class 0x03xxxx = display controller). Integrated graphics sit at PCI address
``0000:00:02.0`` by Intel convention; discrete cards sit behind a PCIe port. An
integrated GPU is only reported as an XPU when Level Zero is installed
(``libze_loader.so.1``, ``sycl-ls`` or ``xpu-smi``): uv treats any Intel display device
as an XPU, which sends laptops with integrated graphics to XPU wheels they cannot use.
"""

from __future__ import annotations

from torchenv._record import Record
from torchenv.fingerprint.model import Accelerator, Device, Evidence
from torchenv.fingerprint.probes._fs import exists, list_dir, read_text
from torchenv.fingerprint.probes._run import find_executable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["PciDisplay", "is_integrated", "level_zero_evidence", "probe_intel", "scan_pci_displays"]

_LEVEL_ZERO_LIBS = (
    "/usr/lib/x86_64-linux-gnu/libze_loader.so.1",
    "/usr/lib64/libze_loader.so.1",
    "/usr/lib/libze_loader.so.1",
    "/usr/local/lib/libze_loader.so.1",
)


class PciDisplay(Record):
    address: str
    vendor: int
    device: int
    pci_class: int


def _hex(text: Optional[str]) -> Optional[int]:
    try:
        return int((text or "").strip(), 16)
    except ValueError:
        return None


def scan_pci_displays(root: str) -> list[PciDisplay]:
    """Every PCI display controller (class 0x03xxxx) in sysfs."""
    displays: list[PciDisplay] = []
    for address in list_dir(root, "/sys/bus/pci/devices"):
        base = f"/sys/bus/pci/devices/{address}"
        pci_class = _hex(read_text(root, f"{base}/class"))
        if pci_class is None or (pci_class >> 16) != 0x03:
            continue
        vendor = _hex(read_text(root, f"{base}/vendor"))
        device = _hex(read_text(root, f"{base}/device"))
        if vendor is None or device is None:
            continue
        displays.append(PciDisplay(address, vendor, device, pci_class))
    return displays


def is_integrated(display: PciDisplay) -> bool:
    """Intel integrated graphics are device 2 on bus 0 (``0000:00:02.0``)."""
    return display.address.endswith("00:02.0")


def level_zero_evidence(root: str, path: Optional[str]) -> Optional[Evidence]:
    """Proof that the Level Zero runtime (what PyTorch XPU uses) is installed."""
    for library in _LEVEL_ZERO_LIBS:
        if exists(root, library):
            return Evidence("intel.level-zero", library, "file exists")
    for tool in ("sycl-ls", "xpu-smi"):
        found = find_executable(tool, path)
        if found:
            return Evidence("intel.level-zero", found, "on PATH")
    return None


def probe_intel(root: str, path: Optional[str]) -> tuple[Optional[Accelerator], tuple[str, ...]]:
    """(accelerator or None, notes for the fingerprint)."""
    intel = [d for d in scan_pci_displays(root) if d.vendor == 0x8086]
    if not intel:
        return None, ()
    level_zero = level_zero_evidence(root, path)
    discrete = [d for d in intel if not is_integrated(d)]
    integrated = [d for d in intel if is_integrated(d)]
    chosen = discrete or (integrated if level_zero else [])
    if not chosen:
        skipped = tuple(
            f"Intel integrated graphics at {d.address} (device 0x{d.device:04x}) not counted as "
            "an XPU: no Level Zero runtime (libze_loader.so.1, sycl-ls, xpu-smi) found"
            for d in integrated
        )
        return None, skipped
    kind = "discrete" if discrete else "integrated"
    notes: list[str] = []
    if level_zero is None:
        notes.append(
            "no Level Zero runtime found: install Intel's GPU driver before using XPU wheels"
        )
    devices = tuple(
        Device(
            index=position,
            name=f"Intel GPU 0x{d.device:04x}" + (" (integrated)" if is_integrated(d) else ""),
            pci_bus_id=d.address,
            evidence=(
                Evidence(
                    "intel.pci",
                    f"/sys/bus/pci/devices/{d.address}",
                    f"vendor 0x{d.vendor:04x} device 0x{d.device:04x} class 0x{d.pci_class:06x}",
                ),
            ),
        )
        for position, d in enumerate(chosen)
    )
    return (
        Accelerator(
            vendor="intel",
            source="pci",
            kind=kind,
            devices=devices,
            notes=tuple(notes),
            evidence=(level_zero,) if level_zero else (),
        ),
        (),
    )
