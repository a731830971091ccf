"""Interpreter facts and platform tags, checked against packaging.tags."""

from __future__ import annotations

import os
import sys

import pytest
from packaging import tags

from torchenv.fingerprint.probes.python import (
    interpreter_arch,
    platform_tags_for,
    python_info_from,
)


def test_free_threaded_abi() -> None:
    info = python_info_from("cpython", (3, 13, 1), free_threaded=True)
    assert (info.tag, info.abi, info.free_threaded) == ("cp313", "cp313t", True)
    info = python_info_from("cpython", (3, 11, 9), free_threaded=False)
    assert (info.tag, info.abi, info.version) == ("cp311", "cp311", "3.11.9")


def test_pypy_abi_from_soabi() -> None:
    info = python_info_from(
        "pypy", (3, 10, 14), free_threaded=False, soabi="pypy310-pp73-x86_64-linux-gnu"
    )
    assert (info.tag, info.abi) == ("pp310", "pypy310_pp73")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="compares with this Linux host")
def test_linux_tags_match_packaging_on_this_machine() -> None:
    confstr = os.confstr("CS_GNU_LIBC_VERSION") or ""
    if not confstr.startswith("glibc"):
        pytest.skip("not a glibc system")
    arch = interpreter_arch(os.uname().machine, sys.maxsize > 2**32)
    mine = platform_tags_for("linux", arch, libc_family="glibc", libc_version=confstr.split()[1])
    assert list(mine) == list(tags.platform_tags())


@pytest.mark.parametrize(
    ("version", "arch"),
    [((14, 2), "arm64"), ((11, 0), "arm64"), ((13, 0), "x86_64"), ((10, 15), "x86_64")],
)
def test_macos_tags_match_packaging(version: tuple[int, int], arch: str) -> None:
    mine = platform_tags_for("macos", arch, macos_version=f"{version[0]}.{version[1]}")
    assert list(mine) == list(tags.mac_platforms(version, arch))


def test_musllinux_and_windows() -> None:
    assert platform_tags_for("linux", "x86_64", libc_family="musl", libc_version="1.2") == (
        "linux_x86_64",
        "musllinux_1_2_x86_64",
        "musllinux_1_1_x86_64",
        "musllinux_1_0_x86_64",
    )
    assert platform_tags_for("windows", "x86_64") == ("win_amd64",)
    assert platform_tags_for("windows", "aarch64") == ("win_arm64",)


def test_aarch64_manylinux_starts_at_2_17() -> None:
    result = platform_tags_for("linux", "aarch64", libc_family="glibc", libc_version="2.31")
    assert result[-2:] == ("manylinux_2_17_aarch64", "manylinux2014_aarch64")


def test_32_bit_interpreter_on_64_bit_kernel() -> None:
    assert interpreter_arch("x86_64", False) == "i686"
    assert interpreter_arch("AMD64", True) == "x86_64"
