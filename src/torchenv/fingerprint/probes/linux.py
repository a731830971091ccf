"""Linux facts: distribution, C library (glibc or musl), WSL, containers, Jetson boards.

Sources: ``/etc/os-release``; ``os.confstr("CS_GNU_LIBC_VERSION")`` for the running
machine, else the musl loader (``/lib/ld-musl-*.so.1`` prints "Version 1.2.4") or
``ldd --version``; ``/proc/version`` ("microsoft-standard-WSL2") and
``/usr/lib/wsl/lib``; ``/.dockerenv``, ``/run/.containerenv``, ``/proc/1/cgroup`` and
the ``container`` variable; ``/etc/nv_tegra_release`` and ``/proc/device-tree/model``.
"""

from __future__ import annotations

import os
import re

from torchenv._record import Record
from torchenv.fingerprint.model import Environment, Evidence, Libc
from torchenv.fingerprint.probes._fs import exists, list_dir, read_text, under
from torchenv.fingerprint.probes._run import run_command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Optional

__all__ = [
    "LinuxFacts",
    "parse_cgroup_container",
    "parse_glibc_confstr",
    "parse_ldd_version",
    "parse_musl_loader",
    "parse_nv_tegra_release",
    "parse_os_release",
    "parse_proc_version_wsl",
    "probe_libc",
    "probe_linux",
]


class LinuxFacts(Record):
    os_version: Optional[str]
    libc: Libc
    environment: Environment
    notes: tuple[str, ...]
    evidence: tuple[Evidence, ...]


def parse_os_release(text: str) -> dict[str, str]:
    """``KEY=value`` lines of os-release(5), quotes removed."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            values[key] = value.strip().strip("'\"")
    return values


def parse_glibc_confstr(text: str) -> Optional[str]:
    """``"glibc 2.35"`` -> ``"2.35"``."""
    match = re.match(r"glibc\s+(\d+\.\d+)", text.strip())
    return match.group(1) if match else None


def parse_ldd_version(text: str) -> Optional[tuple[str, str]]:
    """First line of ``ldd --version``: ("glibc", "2.35") or ("musl", "1.2.4")."""
    if "musl" in text.lower():
        version = parse_musl_loader(text)
        return ("musl", version) if version else None
    first = text.strip().splitlines()[0] if text.strip() else ""
    if "GLIBC" in first.upper() or "GNU libc" in first or first.startswith("ldd"):
        match = re.search(r"(\d+\.\d+)\s*$", first)
        if match:
            return "glibc", match.group(1)
    return None


def parse_musl_loader(text: str) -> Optional[str]:
    """The musl loader run without arguments prints ``Version 1.2.4`` on stderr."""
    match = re.search(r"^Version\s+(\d+\.\d+(?:\.\d+)?)", text, re.MULTILINE)
    return match.group(1) if match else None


def parse_proc_version_wsl(text: str) -> Optional[int]:
    """2 for a WSL2 kernel, 1 for WSL1, None otherwise (from ``/proc/version``)."""
    if "microsoft" not in text.lower():
        return None
    # WSL2 kernels say "microsoft-standard-WSL2"; WSL1 reports "...-Microsoft".
    return 2 if ("wsl2" in text.lower() or "microsoft-standard" in text) else 1


_CGROUP_RUNTIMES = (
    ("kubepods", "kubernetes"),
    ("docker", "docker"),
    ("libpod", "podman"),
    ("containerd", "containerd"),
    ("lxc", "lxc"),
)


def parse_cgroup_container(text: str) -> Optional[str]:
    """The container runtime named by a ``/proc/1/cgroup`` path, if any."""
    for line in text.splitlines():
        path = line.rsplit(":", 1)[-1]
        for needle, runtime in _CGROUP_RUNTIMES:
            if needle in path:
                return runtime
    return None


def parse_nv_tegra_release(text: str) -> Optional[str]:
    """``# R35 (release), REVISION: 3.1, ...`` -> ``"R35.3.1"`` (the L4T release)."""
    match = re.search(r"#\s*R(\d+)\s*\(release\),\s*REVISION:\s*([\d.]+)", text)
    return f"R{match.group(1)}.{match.group(2).rstrip('.')}" if match else None


def probe_libc(root: str, path: Optional[str], timeout: float) -> tuple[Libc, list[Evidence]]:
    """glibc or musl and its version."""
    if root in ("", "/"):
        try:
            confstr = os.confstr("CS_GNU_LIBC_VERSION") or ""
        except (AttributeError, ValueError, OSError):
            confstr = ""
        version = parse_glibc_confstr(confstr)
        if version:
            return Libc("glibc", version), [
                Evidence("linux.libc", 'os.confstr("CS_GNU_LIBC_VERSION")', confstr)
            ]
    for lib_dir in ("/lib", "/usr/lib"):
        for name in list_dir(root, lib_dir):
            if name.startswith("ld-musl-") and name.endswith(".so.1"):
                loader = os.path.join(lib_dir, name)
                result = run_command([under(root, loader)], path=None, timeout=timeout)
                version = parse_musl_loader(result.stderr + result.stdout)
                if version:
                    return Libc("musl", version), [
                        Evidence("linux.libc", loader, f"Version {version}")
                    ]
                return Libc("musl", None), [Evidence("linux.libc", loader, "musl loader present")]
    result = run_command(["ldd", "--version"], path=path, timeout=timeout)
    parsed = (
        parse_ldd_version(result.stdout + "\n" + result.stderr) if result.status == "ok" else None
    )
    if parsed:
        first = (result.stdout or result.stderr).strip().splitlines()[0]
        return Libc(parsed[0], parsed[1]), [Evidence("linux.libc", "ldd --version", first)]
    return Libc(), []


def probe_linux(
    root: str, path: Optional[str], env: Mapping[str, str], timeout: float
) -> LinuxFacts:
    """Distribution, libc and the environment (WSL, container, Jetson)."""
    evidence: list[Evidence] = []
    notes: list[str] = []
    os_version = None
    os_release = read_text(root, "/etc/os-release") or read_text(root, "/usr/lib/os-release")
    if os_release:
        values = parse_os_release(os_release)
        os_version = (
            values.get("PRETTY_NAME")
            or " ".join(v for v in (values.get("ID"), values.get("VERSION_ID")) if v)
            or None
        )
        if os_version:
            evidence.append(Evidence("linux.os", "/etc/os-release", f"PRETTY_NAME={os_version}"))
    libc, libc_evidence = probe_libc(root, path, timeout)
    evidence += libc_evidence

    wsl = False
    proc_version = read_text(root, "/proc/version") or ""
    wsl_generation = parse_proc_version_wsl(proc_version)
    if wsl_generation is not None:
        wsl = True
        evidence.append(Evidence("linux.wsl", "/proc/version", proc_version.strip()[:200]))
        if wsl_generation == 1:
            notes.append("WSL1 kernel: WSL1 has no GPU access, use WSL2 for CUDA")
    elif exists(root, "/usr/lib/wsl/lib"):
        wsl = True
        evidence.append(Evidence("linux.wsl", "/usr/lib/wsl/lib", "directory exists"))

    container = _container(root, env, evidence)
    jetson = None
    tegra = read_text(root, "/etc/nv_tegra_release")
    model = (read_text(root, "/proc/device-tree/model") or "").strip()
    if tegra is not None:
        release = parse_nv_tegra_release(tegra)
        jetson = model or "NVIDIA Jetson"
        if release:
            jetson += f" (L4T {release})"
        evidence.append(
            Evidence("linux.jetson", "/etc/nv_tegra_release", tegra.strip().splitlines()[0][:200])
        )
        if model:
            evidence.append(Evidence("linux.jetson", "/proc/device-tree/model", model))
    elif "jetson" in model.lower():
        jetson = model
        evidence.append(Evidence("linux.jetson", "/proc/device-tree/model", model))
    return LinuxFacts(
        os_version=os_version,
        libc=libc,
        environment=Environment(wsl=wsl, container=container, jetson=jetson),
        notes=tuple(notes),
        evidence=tuple(evidence),
    )


def _container(root: str, env: Mapping[str, str], evidence: list[Evidence]) -> Optional[str]:
    if exists(root, "/.dockerenv"):
        evidence.append(Evidence("linux.container", "/.dockerenv", "file exists"))
        return "docker"
    if exists(root, "/run/.containerenv"):
        evidence.append(Evidence("linux.container", "/run/.containerenv", "file exists"))
        return "podman"
    declared = env.get("container", "")
    if declared:
        evidence.append(Evidence("linux.container", "env:container", declared))
        return declared
    cgroup = read_text(root, "/proc/1/cgroup") or ""
    runtime = parse_cgroup_container(cgroup)
    if runtime:
        line = next((ln for ln in cgroup.splitlines() if ln.strip()), "")
        evidence.append(Evidence("linux.container", "/proc/1/cgroup", line[:200]))
    return runtime
