from __future__ import annotations

import pytest
from packaging.markers import Marker
from packaging.tags import Tag

from torchenv.errors import UsageError
from torchenv.targets import (
    marker_environment,
    parse_target,
    platform_tags,
    supported_tags,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("linux-x86_64", "linux-x86_64"),
        ("linux-aarch64-cu128", "linux-aarch64-cu128"),
        ("linux-arm64", "linux-aarch64"),
        ("macos-arm64", "macos-arm64"),
        ("macos-aarch64", "macos-arm64"),
        ("darwin-arm64-cpu", "macos-arm64-cpu"),
        ("windows-amd64-cu126", "windows-x86_64-cu126"),
        ("windows-arm64", "windows-arm64"),
        ("linux-x86_64-rocm6.2.4", "linux-x86_64-rocm6.2.4"),
        ("LINUX-X86_64-XPU", "linux-x86_64-xpu"),
    ],
)
def test_parse_target_normalises(text: str, expected: str) -> None:
    assert str(parse_target(text)) == expected


@pytest.mark.parametrize("text", ["linux", "solaris-x86_64", "linux-x86_64-cuda12", "macos-ppc"])
def test_parse_target_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_target(text)


def test_linux_tags_include_manylinux_2_28_and_legacy_aliases() -> None:
    tags = platform_tags(parse_target("linux-x86_64"))
    assert tags[0] == "manylinux_2_28_x86_64"
    assert "manylinux2014_x86_64" in tags
    assert "manylinux1_x86_64" in tags
    assert tags[-1] == "linux_x86_64"
    arm = platform_tags(parse_target("linux-aarch64"))
    assert "manylinux2014_aarch64" in arm
    assert "manylinux1_aarch64" not in arm


def test_macos_arm64_tags_stop_at_11() -> None:
    tags = platform_tags(parse_target("macos-arm64"))
    assert tags[0] == "macosx_14_0_arm64"
    assert "macosx_11_0_arm64" in tags
    assert not any(t.startswith("macosx_10_") and t.endswith("arm64") for t in tags)


def test_macos_x86_64_accepts_10_9() -> None:
    assert "macosx_10_9_x86_64" in platform_tags(parse_target("macos-x86_64"))


def test_supported_tags_for_real_torch_filenames() -> None:
    tags = set(supported_tags(parse_target("linux-x86_64"), "3.11"))
    assert Tag("cp311", "cp311", "manylinux_2_28_x86_64") in tags
    assert Tag("cp311", "cp311", "linux_x86_64") in tags
    assert Tag("py3", "none", "any") in tags
    mac = set(supported_tags(parse_target("macos-arm64"), "3.11"))
    assert Tag("cp311", "none", "macosx_11_0_arm64") in mac  # torch 2.7 macOS wheels
    free = set(supported_tags(parse_target("linux-x86_64"), "3.13", free_threaded=True))
    assert Tag("cp313", "cp313t", "manylinux_2_28_x86_64") in free
    assert Tag("cp313", "cp313", "manylinux_2_28_x86_64") not in free


def test_marker_environment_evaluates_for_target() -> None:
    env = marker_environment(parse_target("windows-x86_64"), "3.12")
    assert Marker("sys_platform == 'win32' and platform_machine == 'AMD64'").evaluate(env)
    mac = marker_environment(parse_target("macos-arm64"), "3.11")
    assert Marker("sys_platform == 'darwin' and python_version >= '3.11'").evaluate(mac)
    assert not Marker("sys_platform == 'linux'").evaluate(mac)
