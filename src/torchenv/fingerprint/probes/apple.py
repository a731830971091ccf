"""macOS: version, Apple Silicon versus Intel, Rosetta 2, and MPS availability.

Sources: ``/System/Library/CoreServices/SystemVersion.plist`` (what
``platform.mac_ver()`` reads) or ``sw_vers -productVersion``; ``sysctl -n
hw.optional.arm64`` (1 on Apple Silicon hardware), ``sysctl -n sysctl.proc_translated``
(1 when this x86_64 process runs under Rosetta 2), ``sysctl -n machdep.cpu.brand_string``
("Apple M2 Pro"). MPS needs an arm64 interpreter on macOS >= 12.3.
"""

from __future__ import annotations

import re

from torchenv._record import Record
from torchenv.fingerprint.model import Accelerator, Device, Evidence
from torchenv.fingerprint.probes._fs import read_text, under
from torchenv.fingerprint.probes._run import run_command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = ["AppleFacts", "mps_supported", "parse_system_version_plist", "probe_apple"]

_PLIST = "/System/Library/CoreServices/SystemVersion.plist"


class AppleFacts(Record):
    os_version: Optional[str]
    rosetta: bool
    apple_silicon: bool
    accelerator: Optional[Accelerator]
    notes: tuple[str, ...]
    evidence: tuple[Evidence, ...]


def parse_system_version_plist(text: str) -> Optional[str]:
    """``ProductVersion`` from SystemVersion.plist (XML), e.g. "14.4.1"."""
    match = re.search(r"<key>ProductVersion</key>\s*<string>([^<]+)</string>", text)
    return match.group(1).strip() if match else None


def mps_supported(arch: str, macos_version: Optional[str]) -> bool:
    """MPS needs arm64 and macOS 12.3 or newer."""
    if arch != "arm64" or not macos_version:
        return False
    parts = [int(p) for p in re.findall(r"\d+", macos_version)[:2]] + [0]
    return (parts[0], parts[1]) >= (12, 3)


def _sysctl(name: str, root: str, path: Optional[str], timeout: float) -> tuple[Optional[str], str]:
    # sysctl lives in /usr/sbin, which a user's PATH does not always include.
    result = run_command(
        ["sysctl", "-n", name], path=path, timeout=timeout, extra_dirs=(under(root, "/usr/sbin"),)
    )
    value = result.stdout.strip() if result.ok else None
    return value or None, result.command


def probe_apple(root: str, path: Optional[str], arch: str, timeout: float) -> AppleFacts:
    evidence: list[Evidence] = []
    notes: list[str] = []
    version = None
    plist = read_text(root, _PLIST)
    if plist:
        version = parse_system_version_plist(plist)
        if version:
            evidence.append(Evidence("apple.os", _PLIST, f"ProductVersion {version}"))
    if version is None:
        result = run_command(["sw_vers", "-productVersion"], path=path, timeout=timeout)
        if result.ok and re.match(r"\d+\.\d+", result.stdout.strip()):
            version = result.stdout.strip()
            evidence.append(Evidence("apple.os", result.command, version))
    arm64_hw, command = _sysctl("hw.optional.arm64", root, path, timeout)
    apple_silicon = arch == "arm64" or arm64_hw == "1"
    if arm64_hw is not None:
        evidence.append(Evidence("apple.cpu", command, arm64_hw))
    rosetta = False
    if arch == "x86_64":
        translated, command = _sysctl("sysctl.proc_translated", root, path, timeout)
        if translated is not None:
            evidence.append(Evidence("apple.rosetta", command, translated))
        rosetta = translated == "1"
        if rosetta:
            notes.append(
                "this x86_64 Python runs under Rosetta 2 on Apple Silicon: it gets x86_64 "
                "macOS wheels (none after torch 2.2.2) and no MPS; use an arm64 Python"
            )
    brand, command = _sysctl("machdep.cpu.brand_string", root, path, timeout)
    accelerator = None
    if mps_supported(arch, version):
        accelerator = Accelerator(
            vendor="apple",
            source="sysctl",
            kind="integrated",
            devices=(
                Device(
                    index=0,
                    name=brand or "Apple Silicon GPU",
                    capability_source="mps",
                    evidence=(Evidence("apple.cpu", command, brand or ""),),
                ),
            ),
            notes=("MPS available: arm64 Python on macOS >= 12.3",),
            evidence=tuple(evidence),
        )
    elif arch == "arm64":
        notes.append(f"macOS {version or 'unknown'} is older than 12.3: no MPS")
    return AppleFacts(version, rosetta, apple_silicon, accelerator, tuple(notes), tuple(evidence))
