"""The hardware rules on their own: kernels (same major, PTX JIT) and NVIDIA drivers."""

from __future__ import annotations

import pytest

from torchenv.catalog import load_catalog
from torchenv.errors import UsageError
from torchenv.select import parse_python, parse_torch_spec
from torchenv.select.compat import check_driver, check_kernels, parse_version_tuple, sm

CU128_27 = ("7.5", "8.0", "8.6", "9.0", "10.0", "12.0")


@pytest.mark.parametrize(
    ("capability", "ptx", "status"),
    [
        ("8.9", None, "compiled"),  # runs sm_86 cubins (same major, 6 <= 9)
        ("12.0", None, "compiled"),
        ("12.1", None, "compiled"),  # GB10-class 12.1 runs sm_120
        ("7.0", None, "none"),  # no Volta in 2.7 cu128
        ("6.1", "12.0", "none"),  # PTX newer than the GPU cannot be JIT-compiled
        ("13.0", "12.0", "ptx"),  # a newer GPU can JIT older PTX
        ("11.0", None, "none"),  # other major, no PTX
        (None, None, "unknown"),
    ],
)
def test_check_kernels(capability: str, ptx: str, status: str) -> None:
    assert check_kernels(capability, CU128_27, ptx).status == status


def test_check_kernels_unknown_arch_list() -> None:
    assert check_kernels("8.0", (), None).status == "unknown"


def test_sm_and_versions() -> None:
    assert sm("8.6") == "sm_86" and sm("12.0") == "sm_120"
    assert parse_version_tuple("570.133.07") == (570, 133, 7)
    assert parse_version_tuple("n/a") is None


def test_driver_minor_compat_linux_and_windows() -> None:
    minimum = load_catalog().driver_minimum("12.8")
    ok = check_driver(
        "12.8",
        os_name="linux",
        driver_version="525.60.13",
        driver_cuda=None,
        minimum=minimum,
        strict=False,
    )
    assert ok.ok and "525.60.13" in ok.detail
    windows = check_driver(
        "12.8",
        os_name="windows",
        driver_version="526.98",
        driver_cuda=None,
        minimum=minimum,
        strict=False,
    )
    assert not windows.ok and "527.41" in windows.detail


def test_driver_strict_uses_cuda_level_then_toolkit_table() -> None:
    minimum = load_catalog().driver_minimum("12.8")
    by_level = check_driver(
        "12.8",
        os_name="linux",
        driver_version="570.26",
        driver_cuda="12.4",
        minimum=minimum,
        strict=True,
    )
    assert not by_level.ok and "12.4 < 12.8" in by_level.detail
    by_table = check_driver(
        "12.8",
        os_name="linux",
        driver_version="570.26",
        driver_cuda=None,
        minimum=minimum,
        strict=True,
    )
    assert by_table.ok and "toolkit minimum" in by_table.detail
    unknown = check_driver(
        "13.2",
        os_name="linux",
        driver_version="590.44.01",
        driver_cuda=None,
        minimum=load_catalog().driver_minimum("13.2"),
        strict=True,
    )
    assert not unknown.ok and "no CUDA 13.2 toolkit minimum" in unknown.detail


def test_driver_unknown_is_accepted_but_unverified() -> None:
    verdict = check_driver(
        "12.6",
        os_name="linux",
        driver_version=None,
        driver_cuda=None,
        minimum=load_catalog().driver_minimum("12.6"),
        strict=False,
    )
    assert verdict.ok and not verdict.verified


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3.11", ("3.11", False)), ("3.13t", ("3.13", True)), ("cp312", ("3.12", False))],
)
def test_parse_python(text: str, expected: tuple[str, bool]) -> None:
    assert parse_python(text) == expected


def test_parse_torch_spec_labels() -> None:
    spec, label = parse_torch_spec("torch==2.6.0+cu124")
    assert label == "cu124" and spec is not None and "2.6.0+cu124" in spec
    spec, label = parse_torch_spec("2.7.1")
    assert label is None and spec is not None and spec.contains("2.7.1+cu128")
    with pytest.raises(UsageError):
        parse_torch_spec("==2.6.0+cu124,==2.6.0+cu126")
    with pytest.raises(UsageError):
        parse_python("python3")
