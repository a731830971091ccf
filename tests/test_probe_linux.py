"""Linux environment parsers: os-release, libc, WSL, containers, Jetson."""

from __future__ import annotations

from test_probe_run import FIXTURES
from torchenv.fingerprint.probes.linux import (
    parse_cgroup_container,
    parse_glibc_confstr,
    parse_ldd_version,
    parse_musl_loader,
    parse_nv_tegra_release,
    parse_os_release,
    parse_proc_version_wsl,
)


def test_os_release() -> None:
    text = (FIXTURES / "jetson-agx-orin-r35" / "root/etc/os-release").read_text()
    values = parse_os_release(text)
    assert values["PRETTY_NAME"] == "Ubuntu 20.04.6 LTS"
    assert values["VERSION_ID"] == "20.04"


def test_glibc() -> None:
    assert parse_glibc_confstr("glibc 2.35") == "2.35"
    assert parse_glibc_confstr("") is None
    assert parse_ldd_version("ldd (Debian GLIBC 2.36-9+deb12u14) 2.36\n") == ("glibc", "2.36")


def test_musl() -> None:
    # What Alpine's /lib/ld-musl-x86_64.so.1 prints on stderr when run bare.
    text = "musl libc (x86_64)\nVersion 1.2.4\nDynamic Program Loader\n"
    assert parse_musl_loader(text) == "1.2.4"
    assert parse_ldd_version(text) == ("musl", "1.2.4")


def test_wsl_kernels() -> None:
    wsl2 = (FIXTURES / "wsl2-555-rtx4070-laptop" / "root/proc/version").read_text()
    assert parse_proc_version_wsl(wsl2) == 2
    # A WSL1 kernel string (recorded in a public Go test suite for WSL detection).
    wsl1 = (
        "Linux version 4.4.0-19041-Microsoft (Microsoft@Microsoft.com) "
        "(gcc version 5.4.0 (GCC) ) #1237-Microsoft Sat Sep 11 14:32:00 PST 2021\n"
    )
    assert parse_proc_version_wsl(wsl1) == 1
    assert parse_proc_version_wsl("Linux version 6.8.0-45-generic (buildd@lcy02-amd64-075)") is None


def test_cgroup() -> None:
    assert parse_cgroup_container("0::/system.slice/docker-3f2a.scope\n") == "docker"
    assert parse_cgroup_container("12:pids:/kubepods/burstable/pod1234/abcd\n") == "kubernetes"
    recorded = (FIXTURES / "container-no-gpu-debian12" / "root/proc/1/cgroup").read_text()
    assert parse_cgroup_container(recorded) is None  # cgroup v2 namespaces show only "/"


def test_tegra_release() -> None:
    text = (FIXTURES / "jetson-agx-orin-r35" / "root/etc/nv_tegra_release").read_text()
    assert parse_nv_tegra_release(text) == "R35.4.1"
    assert parse_nv_tegra_release("BOARD: t210ref") is None
