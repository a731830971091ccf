"""Pure NVIDIA parsers and tables, tested on recorded strings."""

from __future__ import annotations

from pathlib import Path

from test_probe_run import FIXTURES
from torchenv.fingerprint.model import Device
from torchenv.fingerprint.probes.nvidia import (
    apply_visibility,
    parse_nvidia_smi_csv,
    parse_nvidia_smi_table,
    parse_proc_driver_version,
    parse_proc_gpu_information,
)
from torchenv.fingerprint.probes.nvidia_tables import capability_for_name, cuda_for_driver


def _recorded(case: str, name: str) -> str:
    return (FIXTURES / case / "bin" / name).read_text()


def test_proc_version_proprietary_module() -> None:
    # Line format from the ecosystem notes (nvidia.ko, proprietary build).
    text = "NVRM version: NVIDIA UNIX x86_64 Kernel Module  570.133.07  Thu Mar 20 2025\n"
    assert parse_proc_driver_version(text) == "570.133.07"


def test_proc_version_open_module() -> None:
    path = FIXTURES / "nvidia-565-open-module-proc-only" / "root/proc/driver/nvidia/version"
    assert parse_proc_driver_version(path.read_text()) == "565.57.01"


def test_proc_version_garbage() -> None:
    assert parse_proc_driver_version("\x00\x01 nothing here") is None


def test_proc_gpu_information() -> None:
    path = (
        FIXTURES
        / "nvidia-colab-k80-proc-gpus"
        / "root/proc/driver/nvidia/gpus/0000:00:04.0/information"
    )
    info = parse_proc_gpu_information(path.read_text())
    assert info["Model"] == "Tesla K80"
    assert info["Bus Location"] == "0000:00:04.0"
    assert info["Device Minor"] == "0"
    assert info["GPU UUID"] == "GPU-be0a1aaf-c92d-ce5e-6d53-1f064e6842f6"


def test_csv_with_header_any_column_order() -> None:
    rows = parse_nvidia_smi_csv(
        _recorded("nvidia-570-mixed-titanv-rtx5880", "nvidia-smi.query.csv")
    )
    assert [(r["index"], r["name"], r["compute_cap"]) for r in rows] == [
        ("0", "NVIDIA TITAN V", "7.0"),
        ("1", "NVIDIA RTX 5880 Ada Generation", "8.9"),
    ]
    assert rows[0]["driver_version"] == "570.86.15"


def test_csv_noheader_uses_requested_fields() -> None:
    # Shape of `--format=csv,noheader,nounits` for the fields torchenv asks for.
    text = "0, NVIDIA A10, 8.6, 23028, 525.60.13, GPU-abc, 00000000:04:00.0\n"
    (row,) = parse_nvidia_smi_csv(text)
    assert row["memory.total"] == "23028"
    assert row["pci.bus_id"] == "00000000:04:00.0"


def test_csv_unit_suffix_and_not_available() -> None:
    text = "index, name, memory.total [MiB], uuid\n0, Tesla T4, 15360, [N/A]\n"
    (row,) = parse_nvidia_smi_csv(text)
    assert row["memory.total"] == "15360"
    assert "uuid" not in row


def test_csv_garbage_gives_no_rows() -> None:
    assert parse_nvidia_smi_csv("\x00\xff\nnot,a,table\n") == []
    assert parse_nvidia_smi_csv("") == []


def test_table_old_layout() -> None:
    table = parse_nvidia_smi_table(_recorded("nvidia-515-a100-x3-truncated", "nvidia-smi.txt"))
    assert (table.driver_version, table.cuda_version) == ("515.48.07", "11.7")
    assert [g.number for g in table.gpus] == [0, 1, 2]
    assert all(g.truncated for g in table.gpus)
    assert table.gpus[2].memory_mib == 81920


def test_table_new_layout_and_windows_wddm() -> None:
    table = parse_nvidia_smi_table(_recorded("windows-517-two-geforce", "nvidia-smi.txt"))
    assert table.driver_version == "517.48"
    assert [g.pci_bus_id for g in table.gpus] == ["00000000:0A:00.0", "00000000:43:00.0"]


def test_table_r610_kmd_header() -> None:
    table = parse_nvidia_smi_table(_recorded("nvidia-610-b200-kmd-header", "nvidia-smi.txt"))
    assert (table.driver_version, table.cuda_version) == ("610.43.02", "13.3")
    assert [g.name for g in table.gpus] == ["NVIDIA B200", "NVIDIA B200"]


def test_table_cuda_version_error() -> None:
    table = parse_nvidia_smi_table(_recorded("wsl2-546-cuda-version-err", "nvidia-smi.txt"))
    assert table.driver_version == "546.80"
    assert table.cuda_version is None
    assert table.cuda_raw == "ERR!"


def test_table_of_nothing() -> None:
    table = parse_nvidia_smi_table(
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n"
    )
    assert table.driver_version is None and table.gpus == ()


def test_name_table() -> None:
    assert capability_for_name("NVIDIA GeForce RTX 5090") == "12.0"
    assert capability_for_name("NVIDIA A100-SXM4-80GB") == "8.0"
    assert capability_for_name("NVIDIA A10") == "8.6"
    assert capability_for_name("NVIDIA H100 80GB HBM3") == "9.0"
    assert capability_for_name("Tesla T4") == "7.5"
    assert capability_for_name("Tesla V100-SXM2-16GB") == "7.0"
    assert capability_for_name("NVIDIA RTX 5880 Ada Generation") == "8.9"
    assert capability_for_name("NVIDIA L4") == "8.9"
    assert capability_for_name("NVIDIA GeForce GTX 1080 Ti") == "6.1"
    assert capability_for_name("TITAN Xp") == "6.1"
    assert capability_for_name("NVIDIA GeForce ...") is None  # truncated: never guessed
    assert capability_for_name("Some Future GPU") is None


def test_cuda_for_driver() -> None:
    assert cuda_for_driver("570.86.15") == "12.8"
    assert cuda_for_driver("570.26") == "12.8"
    assert cuda_for_driver("565.57.01") == "12.6"
    assert cuda_for_driver("470.57.02") == "11.4"
    assert cuda_for_driver("580.65.06") == "13.0"
    assert cuda_for_driver("418.67") is None
    assert cuda_for_driver("572.61", "windows") == "12.8"
    assert cuda_for_driver("not a version") is None


def _devices() -> list[Device]:
    return [
        Device(index=0, name="A", uuid="GPU-aaaa-1111"),
        Device(index=1, name="B", uuid="GPU-bbbb-2222"),
        Device(index=2, name="C", uuid="GPU-cccc-3333"),
    ]


def test_visibility_by_index_and_uuid() -> None:
    devices, notes, evidence = apply_visibility(_devices(), {"CUDA_VISIBLE_DEVICES": "2,GPU-aaaa"})
    assert [d.visible for d in devices] == [True, False, True]
    assert notes and "hides GPU 1" in notes[0]
    assert evidence[0].source == "env:CUDA_VISIBLE_DEVICES"


def test_visibility_stops_at_invalid_entry() -> None:
    devices, _, _ = apply_visibility(_devices(), {"CUDA_VISIBLE_DEVICES": "1,x,2"})
    assert [d.visible for d in devices] == [False, True, False]


def test_visibility_empty_and_none() -> None:
    devices, _, _ = apply_visibility(_devices(), {"CUDA_VISIBLE_DEVICES": ""})
    assert not any(d.visible for d in devices)
    devices, _, _ = apply_visibility(_devices(), {"NVIDIA_VISIBLE_DEVICES": "none"})
    assert not any(d.visible for d in devices)


def test_visibility_all_or_unset_keeps_everything() -> None:
    for env in ({}, {"NVIDIA_VISIBLE_DEVICES": "all"}):
        devices, notes, _ = apply_visibility(_devices(), env)
        assert all(d.visible for d in devices) and not notes


def test_fixture_paths_exist() -> None:
    assert Path(FIXTURES / "nvidia-570-rtx5090" / "PROVENANCE.md").is_file()
