"""Fingerprint this machine (or a fake sysroot in tests) from its probes.

Independent probes (NVIDIA, AMD, Intel, the OS) run in threads, each command with its
own timeout, and the whole run waits at most ``timeout`` plus a small grace: a probe
still running then is abandoned (its thread is a daemon) and reported in the notes.
Nothing a probe does can make :func:`detect_fingerprint` raise.
"""

from __future__ import annotations

import os
import sys
import threading
import time

from torchenv.fingerprint.model import (
    Accelerator,
    Environment,
    Evidence,
    Fingerprint,
    Libc,
    PythonInfo,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Callable, Optional

__all__ = ["DEFAULT_TIMEOUT", "detect_fingerprint", "normalise_arch", "system_name"]

DEFAULT_TIMEOUT = 2.0
"""Seconds one probe command may take (a hanging ``nvidia-smi`` costs at most this)."""


def system_name(platform: str = sys.platform) -> str:
    """``sys.platform`` to the fingerprint's ``os``."""
    if platform.startswith("linux"):
        return "linux"
    if platform == "darwin":
        return "macos"
    if platform in ("win32", "cygwin"):
        return "windows"
    return platform


def normalise_arch(machine: str, os_name: str) -> str:
    """x86_64 | aarch64 (Linux/Windows Arm) | arm64 (macOS) | the machine as given."""
    value = machine.lower()
    if value in ("amd64", "x64", "x86_64"):
        return "x86_64"
    if value in ("arm64", "aarch64"):
        return "arm64" if os_name == "macos" else "aarch64"
    return value


def _machine() -> str:
    if hasattr(os, "uname"):
        return os.uname().machine
    return os.environ.get("PROCESSOR_ARCHITECTURE", "AMD64")


# NVML only works with the kernel driver loaded, which shows as one of these (a GPU
# container sees the host's /proc/driver/nvidia; WSL2 has /dev/dxg and its own libs).
_LINUX_DRIVER_MARKERS = (
    "/proc/driver/nvidia",
    "/dev/nvidiactl",
    "/usr/lib/wsl/lib/libnvidia-ml.so.1",
)


def _nvidia_driver_present(os_name: str, environ: Mapping[str, str]) -> bool:
    """Cheap check that loading NVML can succeed (skipping ctypes saves ~5 ms)."""
    if os_name == "linux":
        return any(os.path.exists(marker) for marker in _LINUX_DRIVER_MARKERS)
    if os_name == "windows":
        system_root = environ.get("SYSTEMROOT", r"C:\Windows")
        return os.path.exists(os.path.join(system_root, "System32", "nvml.dll"))
    return False


_PROBED = {
    "nvidia": "NVML, nvidia-smi, /sys/module/nvidia, /proc/driver/nvidia",
    "amd": "KFD topology, /opt/rocm/.info/version, rocminfo, rocm_agent_enumerator",
    "intel": "PCI display devices (vendor 0x8086)",
    "apple": "SystemVersion.plist, sysctl",
}


class _Task:
    """A probe running in a daemon thread; ``result`` is its value or its error."""

    def __init__(self, name: str, function: Callable[[], Any]) -> None:
        self.name = name
        self.value: Any = None
        self.error: Optional[BaseException] = None
        self.thread = threading.Thread(target=self._run, args=(function,), name=f"probe-{name}")
        self.thread.daemon = True
        self.thread.start()

    def _run(self, function: Callable[[], Any]) -> None:
        try:
            self.value = function()
        except BaseException as error:
            self.error = error

    def wait(self, deadline: float, notes: list[str]) -> Any:
        self.thread.join(max(0.0, deadline - time.monotonic()))
        if self.thread.is_alive():
            notes.append(f"probe {self.name} did not finish in time and was skipped")
            return None
        if self.error is not None:
            notes.append(f"probe {self.name} failed: {type(self.error).__name__}: {self.error}")
            return None
        return self.value


def detect_fingerprint(
    root: str = "/",
    path: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    system: Optional[str] = None,
    machine: Optional[str] = None,
    nvml_loader: Optional[Callable[[], tuple[Any, str]]] = None,
    use_nvml: Optional[bool] = None,
) -> Fingerprint:
    """Fingerprint the machine below ``root`` with tools found on ``path``.

    ``system`` ("linux", "macos", "windows") and ``machine`` ("x86_64") default to the
    running interpreter's. NVML is loaded only for the real root unless ``nvml_loader``
    is given (tests inject one) or ``use_nvml`` says otherwise.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    search_path = environ.get("PATH", os.defpath) if path is None else path
    os_name = system or system_name()
    arch = normalise_arch(machine or _machine(), os_name)
    real_root = root in ("", "/")
    if use_nvml is None:
        use_nvml = real_root and _nvidia_driver_present(os_name, environ)
    if nvml_loader is None and use_nvml and os_name != "macos":
        from torchenv.fingerprint.probes.nvml import default_nvml_loader

        nvml_loader = default_nvml_loader()

    started = time.monotonic()
    # Probes chain at most a few commands; the grace covers the ones that come after a
    # timed-out one without letting the whole run exceed a few seconds.
    deadline = started + timeout * 1.5 + 0.5
    notes: list[str] = []
    evidence: list[Evidence] = []
    tasks: dict[str, _Task] = {}

    if os_name in ("linux", "windows"):
        extra_dirs: tuple[str, ...] = ()
        if os_name == "windows":
            from torchenv.fingerprint.probes.windows import nvidia_smi_dirs

            extra_dirs = nvidia_smi_dirs(environ)
        else:
            from torchenv.fingerprint.probes.nvidia import wsl_smi_dirs

            extra_dirs = wsl_smi_dirs(root)

        def nvidia() -> tuple[Optional[Accelerator], tuple[str, ...]]:
            from torchenv.fingerprint.probes.nvidia import probe_nvidia

            return probe_nvidia(
                root,
                search_path,
                environ,
                timeout,
                os_name=os_name,
                nvml_loader=nvml_loader,
                extra_dirs=extra_dirs,
            )

        tasks["nvidia"] = _Task("nvidia", nvidia)
    if os_name == "linux":

        def amd() -> Optional[Accelerator]:
            from torchenv.fingerprint.probes.amd import probe_amd

            return probe_amd(root, search_path, timeout)

        def intel() -> Any:
            from torchenv.fingerprint.probes.intel import probe_intel

            return probe_intel(root, search_path)

        def linux() -> Any:
            from torchenv.fingerprint.probes.linux import probe_linux

            return probe_linux(root, search_path, environ, timeout)

        tasks["amd"] = _Task("amd", amd)
        tasks["intel"] = _Task("intel", intel)
        tasks["linux"] = _Task("linux", linux)
    if os_name == "macos":

        def apple() -> Any:
            from torchenv.fingerprint.probes.apple import probe_apple

            return probe_apple(root, search_path, arch, timeout)

        tasks["apple"] = _Task("apple", apple)

    accelerators: list[Accelerator] = []
    os_version: Optional[str] = None
    libc = Libc()
    environment = Environment()
    for name in ("nvidia", "amd", "intel", "apple"):
        task = tasks.get(name)
        if task is None:
            continue
        value = task.wait(deadline, notes)
        if name in ("intel", "nvidia") and value is not None:
            value, probe_notes = value
            notes += probe_notes
        if name == "apple" and value is not None:
            os_version = value.os_version
            environment = Environment(rosetta=value.rosetta)
            notes += value.notes
            evidence += value.evidence
            value = value.accelerator
        if value is not None:
            accelerators.append(value)
        elif not task.thread.is_alive() and task.error is None:
            # "No GPU of this vendor" is a fact too; say what was looked at.
            evidence.append(Evidence(name, _PROBED[name], "nothing found"))
    if "linux" in tasks:
        facts = tasks["linux"].wait(deadline, notes)
        if facts is not None:
            os_version, libc, environment = facts.os_version, facts.libc, facts.environment
            notes += facts.notes
            evidence += facts.evidence
    if os_name == "windows" and real_root:
        from torchenv.fingerprint.probes.windows import windows_version

        os_version, windows_evidence = windows_version()
        if windows_evidence:
            evidence.append(windows_evidence)

    python = _python(os_name, arch, libc, os_version, notes, evidence)
    container_without_gpu = not accelerators and environment.container
    if environment.jetson and not any(a.vendor == "nvidia" for a in accelerators):
        notes.append(
            f"Jetson board ({environment.jetson}): PyTorch's CUDA wheels on download.pytorch.org "
            "are not built for Jetson; NVIDIA publishes Jetson wheels separately"
        )
    fingerprint = Fingerprint(
        os=os_name if os_name in ("linux", "macos", "windows") else "linux",
        arch=arch,
        python=python,
        os_version=os_version,
        libc=libc,
        accelerators=tuple(accelerators),
        environment=environment,
        notes=tuple(notes),
        evidence=tuple(evidence),
    )
    from torchenv.fingerprint.overrides import apply_overrides

    fingerprint = apply_overrides(fingerprint, environ)
    if container_without_gpu and not fingerprint.accelerators:
        note = (
            f"running in a {environment.container} container that sees no GPU: "
            "pass the GPU through (e.g. docker run --gpus all) or resolve with --fingerprint"
        )
        fingerprint = fingerprint._replace(notes=(*fingerprint.notes, note))
    return fingerprint


def _python(
    os_name: str,
    arch: str,
    libc: Libc,
    os_version: Optional[str],
    notes: list[str],
    evidence: list[Evidence],
) -> PythonInfo:
    from torchenv.fingerprint.probes.python import interpreter_arch, probe_python

    wheel_arch = interpreter_arch(arch, sys.maxsize > 2**32) if os_name == "linux" else arch
    try:
        info, python_evidence = probe_python(
            os_name,
            wheel_arch,
            libc_family=libc.family,
            libc_version=libc.version,
            macos_version=os_version if os_name == "macos" else None,
        )
    except Exception as error:
        notes.append(f"probe python failed: {error}")
        version = ".".join(str(p) for p in sys.version_info[:3])
        return PythonInfo("cpython", version, f"cp{sys.version_info[0]}{sys.version_info[1]}", "")
    evidence += python_evidence
    return info
