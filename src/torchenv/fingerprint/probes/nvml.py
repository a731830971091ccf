"""NVML through ctypes: the fastest and most complete NVIDIA source, when it works.

Never crashes on a broken NVML: a missing library, a missing symbol (old drivers lack
``nvmlSystemGetCudaDriverVersion_v2``), an error code from ``nvmlInit_v2`` (driver not
loaded) or a per-device failure all become notes. Tests inject the library object
(``loader``), so no GPU is needed to exercise this code.
"""

from __future__ import annotations

import ctypes
import sys

from torchenv._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, Callable, Optional

__all__ = ["NvmlDevice", "NvmlReport", "default_nvml_loader", "read_nvml", "cuda_version_text"]

NVML_SUCCESS = 0
_NAME_BUFFER = 96  # NVML_DEVICE_NAME_V2_BUFFER_SIZE
_UUID_BUFFER = 96  # NVML_DEVICE_UUID_V2_BUFFER_SIZE
_VERSION_BUFFER = 80  # NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE


class _Memory(ctypes.Structure):
    _fields_ = [
        ("total", ctypes.c_ulonglong),
        ("free", ctypes.c_ulonglong),
        ("used", ctypes.c_ulonglong),
    ]


class NvmlDevice(Record):
    number: int
    name: Optional[str]
    compute_capability: Optional[str]
    memory_mib: Optional[int]
    uuid: Optional[str]


class NvmlReport(Record):
    """What NVML said; ``error`` is set when it could not be used at all."""

    library: str
    driver_version: Optional[str] = None
    cuda_version: Optional[str] = None
    devices: tuple[NvmlDevice, ...] = ()
    error: Optional[str] = None
    notes: tuple[str, ...] = ()


def cuda_version_text(value: int) -> str:
    """NVML's integer CUDA version (12040) as text ("12.4")."""
    return f"{value // 1000}.{(value % 1000) // 10}"


def default_nvml_loader(root: str = "/") -> Callable[[], tuple[Any, str]]:
    """A loader for this machine's NVML: tries the usual library names and places."""

    def load() -> tuple[Any, str]:
        if sys.platform == "win32":
            import os

            system_root = os.environ.get("SYSTEMROOT", r"C:\Windows")
            candidates: Sequence[str] = (
                "nvml.dll",
                os.path.join(system_root, "System32", "nvml.dll"),
                r"C:\Program Files\NVIDIA Corporation\NVSMI\nvml.dll",
            )
        else:
            # WSL2 keeps the driver's user-space libraries in /usr/lib/wsl/lib.
            candidates = ("libnvidia-ml.so.1", "/usr/lib/wsl/lib/libnvidia-ml.so.1")
        last: Optional[OSError] = None
        for candidate in candidates:
            try:
                return ctypes.CDLL(candidate), candidate
            except OSError as error:
                last = error
        raise OSError(str(last) if last else "NVML not found")

    return load


def _text(buffer: Any) -> str:
    return bytes(buffer.value).decode("utf-8", "replace").strip()


def read_nvml(loader: Callable[[], tuple[Any, str]]) -> NvmlReport:
    """Ask NVML for the driver, its CUDA version and every device; never raises."""
    try:
        lib, library = loader()
    except Exception as error:
        return NvmlReport(library="libnvidia-ml", error=f"cannot load NVML: {error}")
    try:
        return _read(lib, library)
    except Exception as error:
        return NvmlReport(library=library, error=f"NVML failed: {type(error).__name__}: {error}")


def _call(lib: Any, name: str, *args: Any) -> int:
    function = getattr(lib, name)
    return int(function(*args))


def _read(lib: Any, library: str) -> NvmlReport:
    init = "nvmlInit_v2" if hasattr(lib, "nvmlInit_v2") else "nvmlInit"
    code = _call(lib, init)
    if code != NVML_SUCCESS:
        return NvmlReport(library=library, error=f"{init} returned error {code}")
    notes: list[str] = []
    try:
        version = ctypes.create_string_buffer(_VERSION_BUFFER)
        driver = None
        if _call(lib, "nvmlSystemGetDriverVersion", version, _VERSION_BUFFER) == NVML_SUCCESS:
            driver = _text(version) or None
        cuda = None
        cuda_int = ctypes.c_int()
        for symbol in ("nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion"):
            if hasattr(lib, symbol):
                if _call(lib, symbol, ctypes.byref(cuda_int)) == NVML_SUCCESS and cuda_int.value:
                    cuda = cuda_version_text(cuda_int.value)
                break
        count = ctypes.c_uint()
        count_symbol = (
            "nvmlDeviceGetCount_v2"
            if hasattr(lib, "nvmlDeviceGetCount_v2")
            else "nvmlDeviceGetCount"
        )
        devices: list[NvmlDevice] = []
        if _call(lib, count_symbol, ctypes.byref(count)) != NVML_SUCCESS:
            notes.append(f"{count_symbol} failed")
        for index in range(count.value):
            device = _device(lib, index, notes)
            if device is not None:
                devices.append(device)
        return NvmlReport(
            library=library,
            driver_version=driver,
            cuda_version=cuda,
            devices=tuple(devices),
            notes=tuple(notes),
        )
    finally:
        try:
            if hasattr(lib, "nvmlShutdown"):
                _call(lib, "nvmlShutdown")
        except Exception:
            pass


def _device(lib: Any, index: int, notes: list[str]) -> Optional[NvmlDevice]:
    handle = ctypes.c_void_p()
    symbol = (
        "nvmlDeviceGetHandleByIndex_v2"
        if hasattr(lib, "nvmlDeviceGetHandleByIndex_v2")
        else "nvmlDeviceGetHandleByIndex"
    )
    code = _call(lib, symbol, ctypes.c_uint(index), ctypes.byref(handle))
    if code != NVML_SUCCESS:
        # e.g. NVML_ERROR_NO_PERMISSION on a GPU hidden by cgroups.
        notes.append(f"GPU {index}: {symbol} returned error {code}")
        return None
    name_buffer = ctypes.create_string_buffer(_NAME_BUFFER)
    name = None
    if _call(lib, "nvmlDeviceGetName", handle, name_buffer, _NAME_BUFFER) == NVML_SUCCESS:
        name = _text(name_buffer) or None
    major, minor = ctypes.c_int(), ctypes.c_int()
    capability = None
    if (
        _call(
            lib,
            "nvmlDeviceGetCudaComputeCapability",
            handle,
            ctypes.byref(major),
            ctypes.byref(minor),
        )
        == NVML_SUCCESS
    ):
        capability = f"{major.value}.{minor.value}"
    memory = _Memory()
    memory_mib = None
    if _call(lib, "nvmlDeviceGetMemoryInfo", handle, ctypes.byref(memory)) == NVML_SUCCESS:
        memory_mib = int(memory.total) // (1 << 20)
    uuid_buffer = ctypes.create_string_buffer(_UUID_BUFFER)
    uuid = None
    if _call(lib, "nvmlDeviceGetUUID", handle, uuid_buffer, _UUID_BUFFER) == NVML_SUCCESS:
        uuid = _text(uuid_buffer) or None
    return NvmlDevice(index, name, capability, memory_mib, uuid)
