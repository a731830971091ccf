"""Pure AMD parsers on recorded strings."""

from __future__ import annotations

from test_probe_run import FIXTURES
from torchenv.fingerprint.probes.amd import (
    gfx_from_target_version,
    parse_kfd_properties,
    parse_rocm_agent_enumerator,
    parse_rocm_version,
    parse_rocminfo,
)


def test_gfx_target_version_decoding() -> None:
    assert gfx_from_target_version(90010) == "gfx90a"
    assert gfx_from_target_version(90402) == "gfx942"  # MI300X, ROCm/rocm-cli#343
    assert gfx_from_target_version(90006) == "gfx906"
    assert gfx_from_target_version(100300) == "gfx1030"
    assert gfx_from_target_version(110000) == "gfx1100"
    assert gfx_from_target_version(120001) == "gfx1201"
    assert gfx_from_target_version(0) is None


def test_kfd_properties() -> None:
    path = FIXTURES / "amd-kfd-radeon-vii" / "root/sys/class/kfd/kfd/topology/nodes/1/properties"
    values = parse_kfd_properties(path.read_text())
    assert values["gfx_target_version"] == 90006
    assert values["simd_count"] == 240


def test_agent_enumerator_drops_cpu_agent() -> None:
    # Output pasted in ggml-org/llama.cpp#11209 (older ROCm prints gfx000 first).
    assert parse_rocm_agent_enumerator("gfx000\ngfx803\ngfx902\n") == ["gfx803", "gfx902"]
    assert parse_rocm_agent_enumerator("garbage\n\x00") == []


def test_rocminfo() -> None:
    text = (FIXTURES / "amd-rocminfo-mi250x" / "bin" / "rocminfo.txt").read_text()
    module, agents = parse_rocminfo(text)
    assert module == "6.10.5"
    assert [(a.gfx, a.marketing_name) for a in agents] == [("gfx90a", "AMD Instinct MI250X/MI250")]


def test_rocminfo_skips_cpu_agent() -> None:
    # CPU agent block as printed by rocminfo (ROCm/ROCm-OpenCL-Runtime#144).
    text = (
        "ROCk module is loaded\n*******\nAgent 1\n*******\n"
        "  Name:                    Intel(R) Xeon(R) CPU E5-2698 v4 @ 2.20GHz\n"
        "  Device Type:             CPU\n"
    )
    module, agents = parse_rocminfo(text)
    assert module is None and agents == []


def test_rocm_version_file() -> None:
    assert parse_rocm_version("6.3.1-48\n") == "6.3.1"
    assert parse_rocm_version("garbage") is None
