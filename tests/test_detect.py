"""detect_fingerprint as a whole: sources in order, timeouts, broken tools, overrides."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from test_probe_nvml import FakeNvml
from test_probe_run import FIXTURES, install_case_bins, write_script
from torchenv.fingerprint.detect import detect_fingerprint, normalise_arch
from torchenv.fingerprint.overrides import apply_overrides


def _detect(tmp_path: Path, **kwargs: Any) -> Any:
    root = tmp_path / "root"
    root.mkdir(exist_ok=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    kwargs.setdefault("env", {})
    kwargs.setdefault("system", "linux")
    kwargs.setdefault("machine", "x86_64")
    return detect_fingerprint(root=str(root), path=str(bin_dir), **kwargs)


def test_bare_machine_has_no_accelerator_and_does_not_raise(tmp_path: Path) -> None:
    fingerprint = _detect(tmp_path)
    assert fingerprint.accelerators == ()
    assert fingerprint.os == "linux" and fingerprint.arch == "x86_64"
    assert fingerprint.python.tag.startswith("cp")


def test_nvml_first_then_nothing_else_needed(tmp_path: Path) -> None:
    lib = FakeNvml()
    fingerprint = _detect(tmp_path, nvml_loader=lambda: (lib, "libnvidia-ml.so.1"))
    nvidia = fingerprint.accelerator("nvidia")
    assert nvidia is not None and nvidia.source == "nvml"
    assert (nvidia.driver_version, nvidia.cuda_version) == ("570.86.15", "12.8")
    assert [d.capability_source for d in nvidia.devices] == ["nvml", "nvml"]


def test_broken_nvml_falls_back_to_nvidia_smi(tmp_path: Path) -> None:
    install_case_bins(FIXTURES / "nvidia-550-rtx4070", tmp_path / "root", tmp_path / "bin")
    fingerprint = _detect(
        tmp_path, nvml_loader=lambda: (FakeNvml(init_code=9), "libnvidia-ml.so.1")
    )
    nvidia = fingerprint.accelerator("nvidia")
    assert nvidia is not None and nvidia.source == "nvidia-smi"
    assert nvidia.driver_version == "550.40.07"
    assert any("NVML unavailable" in note for note in nvidia.notes)


def test_hanging_nvidia_smi_is_cut_off_and_reported(tmp_path: Path) -> None:
    write_script(tmp_path / "bin", "nvidia-smi", "#!/bin/sh\n/bin/sleep 30\n")
    started = time.monotonic()
    fingerprint = _detect(tmp_path, timeout=0.5)
    elapsed = time.monotonic() - started
    assert elapsed < 1.5  # one timeout: the plain table is not tried after a hang
    assert fingerprint.accelerator("nvidia") is None
    notes = " ".join(fingerprint.notes)
    assert "did not answer within 0.5s" in notes


def test_garbage_nvidia_smi_is_reported_not_raised(tmp_path: Path) -> None:
    write_script(tmp_path / "bin", "nvidia-smi", "#!/bin/sh\nprintf '\\377\\376garbage,,,\\n'\n")
    fingerprint = _detect(tmp_path)
    assert fingerprint.accelerator("nvidia") is None
    assert any(
        "nothing usable" in note or "no driver version" in note for note in fingerprint.notes
    )


def test_probe_exception_becomes_a_note(tmp_path: Path) -> None:
    def loader() -> tuple[Any, str]:
        raise SystemError("boom")

    # The loader's own failure is absorbed by the NVML reader.
    fingerprint = _detect(tmp_path, nvml_loader=loader)
    assert fingerprint.accelerators == ()


def test_intel_integrated_with_level_zero_is_an_xpu(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(FIXTURES / "intel-integrated-sandybridge" / "root", tmp_path / "root")
    lib = tmp_path / "root/usr/lib/x86_64-linux-gnu/libze_loader.so.1"
    lib.parent.mkdir(parents=True)
    lib.write_bytes(b"")
    fingerprint = _detect(tmp_path)
    intel = fingerprint.accelerator("intel")
    assert intel is not None and intel.kind == "integrated"
    assert intel.evidence[0].source.endswith("libze_loader.so.1")


def test_apple_old_macos_has_no_mps(tmp_path: Path) -> None:
    from torchenv.fingerprint.probes.apple import mps_supported, parse_system_version_plist

    assert mps_supported("arm64", "12.3")
    assert not mps_supported("arm64", "12.2.1")
    assert not mps_supported("x86_64", "15.3")
    assert (
        parse_system_version_plist("<key>ProductVersion</key>\n\t<string>14.4.1</string>")
        == "14.4.1"
    )


def test_arch_normalisation() -> None:
    assert normalise_arch("AMD64", "windows") == "x86_64"
    assert normalise_arch("arm64", "linux") == "aarch64"
    assert normalise_arch("aarch64", "macos") == "arm64"


def test_overrides_create_and_record(tmp_path: Path) -> None:
    base = _detect(tmp_path)
    fingerprint = apply_overrides(
        base,
        {
            "TORCHENV_CUDA_DRIVER_VERSION": "570.86.15",
            "TORCHENV_COMPUTE_CAPABILITY": "8.6,8.9",
            "UV_AMD_GPU_ARCHITECTURE": "gfx90a",
        },
    )
    nvidia = fingerprint.accelerator("nvidia")
    assert nvidia is not None and nvidia.source == "override"
    assert nvidia.driver_version == "570.86.15"
    assert nvidia.cuda_version == "12.8"  # derived from the driver
    assert [d.compute_capability for d in nvidia.devices] == ["8.6", "8.9"]
    assert all(d.capability_source == "override" for d in nvidia.devices)
    amd = fingerprint.accelerator("amd")
    assert amd is not None and [d.gfx for d in amd.devices] == ["gfx90a"]
    assert "TORCHENV_COMPUTE_CAPABILITY=8.6,8.9" in fingerprint.overrides
    assert any(e.source == "env:TORCHENV_CUDA_DRIVER_VERSION" for e in nvidia.evidence)


def test_torchenv_variables_win_over_peers(tmp_path: Path) -> None:
    fingerprint = apply_overrides(
        _detect(tmp_path), {"TORCHENV_CUDA_VERSION": "12.6", "CONDA_OVERRIDE_CUDA": "11.8"}
    )
    nvidia = fingerprint.accelerator("nvidia")
    assert nvidia is not None and nvidia.cuda_version == "12.6"
    assert fingerprint.overrides == ("TORCHENV_CUDA_VERSION=12.6",)


def test_conda_override_empty_means_no_cuda(tmp_path: Path) -> None:
    install_case_bins(FIXTURES / "nvidia-570-rtx5090", tmp_path / "root", tmp_path / "bin")
    fingerprint = _detect(tmp_path, env={"CONDA_OVERRIDE_CUDA": ""})
    assert fingerprint.accelerator("nvidia") is None
    assert fingerprint.overrides == ("CONDA_OVERRIDE_CUDA=",)


def test_override_on_detected_gpu_keeps_its_name(tmp_path: Path) -> None:
    install_case_bins(
        FIXTURES / "nvidia-515-a100-x3-truncated", tmp_path / "root", tmp_path / "bin"
    )
    fingerprint = _detect(tmp_path, env={"TORCHENV_COMPUTE_CAPABILITY": "8.0,8.0,8.0"})
    nvidia = fingerprint.accelerator("nvidia")
    assert nvidia is not None
    assert [d.compute_capability for d in nvidia.devices] == ["8.0", "8.0", "8.0"]
    assert nvidia.devices[0].name == "NVIDIA A100-SXM..."
    assert nvidia.driver_version == "515.48.07"


def test_malformed_override_is_ignored_with_a_note(tmp_path: Path) -> None:
    fingerprint = _detect(tmp_path, env={"TORCHENV_COMPUTE_CAPABILITY": "sm86"})
    assert fingerprint.accelerator("nvidia") is None
    assert any("ignored TORCHENV_COMPUTE_CAPABILITY" in note for note in fingerprint.notes)


def test_real_machine_is_fast_and_quiet() -> None:
    started = time.monotonic()
    fingerprint = detect_fingerprint()
    assert time.monotonic() - started < 3.0
    assert fingerprint.python.platform_tags


def test_sys_module_version_gives_the_driver(tmp_path: Path) -> None:
    # /sys/module/nvidia/version holds just the version (value from inference-snaps#128).
    version_file = tmp_path / "root/sys/module/nvidia/version"
    version_file.parent.mkdir(parents=True)
    version_file.write_text("570.133.07\n")
    fingerprint = _detect(tmp_path)
    nvidia = fingerprint.accelerator("nvidia")
    assert nvidia is not None and nvidia.source == "kernel-module"
    assert (nvidia.driver_version, nvidia.cuda_version) == ("570.133.07", "12.8")
    assert nvidia.evidence[0].source == "/sys/module/nvidia/version"
