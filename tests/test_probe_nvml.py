"""NVML through ctypes with an injected library: no GPU needed, and never a crash.

The fake library object answers the NVML calls torchenv makes, writing its answers
through the ctypes pointers it is handed, as the real libnvidia-ml.so.1 does. Its values
are those of the mixed TITAN V + RTX 5880 Ada machine recorded in
fixtures/probes/nvidia-570-mixed-titanv-rtx5880 (driver 570.86.15; CUDA 12.8 = 12080).
"""

from __future__ import annotations

from typing import Any

from torchenv.fingerprint.probes.nvml import cuda_version_text, read_nvml

GPUS = [
    ("NVIDIA TITAN V", (7, 0), 12 << 30, "GPU-b5169cef-2205-c30e-f2b3-220cfa14bafd"),
    (
        "NVIDIA RTX 5880 Ada Generation",
        (8, 9),
        48 << 30,
        "GPU-7518f6b0-991f-ce2b-3d37-c779130d3137",
    ),
]


class FakeNvml:
    """Stands in for the ctypes CDLL of libnvidia-ml.so.1."""

    def __init__(
        self, init_code: int = 0, fail_handle_for: int = -1, missing: tuple[str, ...] = ()
    ) -> None:
        self.init_code = init_code
        self.fail_handle_for = fail_handle_for
        self.missing = missing
        self.shutdown_called = False

    def __getattribute__(self, name: str) -> Any:
        # An old libnvidia-ml lacks newer symbols: ctypes raises AttributeError for them.
        if name.startswith("nvml") and name in object.__getattribute__(self, "missing"):
            raise AttributeError(name)
        return object.__getattribute__(self, name)

    def nvmlSystemGetCudaDriverVersion(self, pointer: Any) -> int:
        pointer._obj.value = 11040
        return 0

    def nvmlInit_v2(self) -> int:
        return self.init_code

    def nvmlShutdown(self) -> int:
        self.shutdown_called = True
        return 0

    def nvmlSystemGetDriverVersion(self, buffer: Any, size: int) -> int:
        buffer.value = b"570.86.15"
        return 0

    def nvmlSystemGetCudaDriverVersion_v2(self, pointer: Any) -> int:
        pointer._obj.value = 12080
        return 0

    def nvmlDeviceGetCount(self, pointer: Any) -> int:
        pointer._obj.value = len(GPUS)
        return 0

    def nvmlDeviceGetCount_v2(self, pointer: Any) -> int:
        pointer._obj.value = len(GPUS)
        return 0

    def nvmlDeviceGetHandleByIndex_v2(self, index: Any, pointer: Any) -> int:
        if index.value == self.fail_handle_for:
            return 4  # NVML_ERROR_NO_PERMISSION
        pointer._obj.value = index.value + 1
        return 0

    def _gpu(self, handle: Any) -> tuple[str, tuple[int, int], int, str]:
        gpu: tuple[str, tuple[int, int], int, str] = GPUS[int(handle.value) - 1]
        return gpu

    def nvmlDeviceGetName(self, handle: Any, buffer: Any, size: int) -> int:
        buffer.value = self._gpu(handle)[0].encode()
        return 0

    def nvmlDeviceGetCudaComputeCapability(self, handle: Any, major: Any, minor: Any) -> int:
        major._obj.value, minor._obj.value = self._gpu(handle)[1]
        return 0

    def nvmlDeviceGetMemoryInfo(self, handle: Any, pointer: Any) -> int:
        pointer._obj.total = self._gpu(handle)[2]
        return 0

    def nvmlDeviceGetUUID(self, handle: Any, buffer: Any, size: int) -> int:
        buffer.value = self._gpu(handle)[3].encode()
        return 0


def test_cuda_version_text() -> None:
    assert cuda_version_text(12080) == "12.8"
    assert cuda_version_text(11040) == "11.4"
    assert cuda_version_text(13000) == "13.0"


def test_reads_driver_cuda_and_every_device() -> None:
    lib = FakeNvml()
    report = read_nvml(lambda: (lib, "libnvidia-ml.so.1"))
    assert report.error is None
    assert (report.driver_version, report.cuda_version) == ("570.86.15", "12.8")
    assert [(d.name, d.compute_capability, d.memory_mib) for d in report.devices] == [
        ("NVIDIA TITAN V", "7.0", 12288),
        ("NVIDIA RTX 5880 Ada Generation", "8.9", 49152),
    ]
    assert report.devices[1].uuid == GPUS[1][3]
    assert lib.shutdown_called


def test_missing_library() -> None:
    def loader() -> tuple[Any, str]:
        raise OSError("libnvidia-ml.so.1: cannot open shared object file")

    report = read_nvml(loader)
    assert report.error is not None and "cannot open shared object" in report.error


def test_init_error_code() -> None:
    report = read_nvml(lambda: (FakeNvml(init_code=9), "libnvidia-ml.so.1"))
    assert report.error == "nvmlInit_v2 returned error 9"


def test_old_nvml_without_v2_symbols() -> None:
    lib = FakeNvml(missing=("nvmlSystemGetCudaDriverVersion_v2", "nvmlInit_v2"))
    report = read_nvml(lambda: (lib, "libnvidia-ml.so.1"))
    assert report.error is not None  # no nvmlInit either: reported, not raised
    lib = FakeNvml(missing=("nvmlSystemGetCudaDriverVersion_v2", "nvmlDeviceGetCount_v2"))
    report = read_nvml(lambda: (lib, "libnvidia-ml.so.1"))
    assert report.cuda_version == "11.4"
    assert len(report.devices) == 2


def test_one_device_refused() -> None:
    report = read_nvml(lambda: (FakeNvml(fail_handle_for=0), "libnvidia-ml.so.1"))
    assert [d.number for d in report.devices] == [1]
    assert any("GPU 0" in note for note in report.notes)


def test_library_that_raises_midway() -> None:
    class Broken(FakeNvml):
        def nvmlDeviceGetCount_v2(self, pointer: Any) -> int:
            raise RuntimeError("segfault avoided")

    lib = Broken()
    report = read_nvml(lambda: (lib, "libnvidia-ml.so.1"))
    assert report.error is not None and "segfault avoided" in report.error
    assert lib.shutdown_called
