"""Build ``src/torchenv/catalog/data/catalog.json`` from the readable source tables below.

Run: ``python scripts/build_catalog.py`` (writes the file; ``--check`` exits 1 when the
committed JSON differs from what these tables produce).

Every value here comes from ``/work/shared/reference/pytorch-facts.md`` (cited as
``facts §N``) or a sample in ``index-samples/`` (cited by file name), or is an
inference whose rule is written next to it and recorded in the JSON (``verified: false``
plus the rule in ``source``). Nothing is looked up live: ``torchenv catalog refresh``
does that and merges into the same shape.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

OUT = Path(__file__).resolve().parent.parent / "src/torchenv/catalog/data/catalog.json"
# The same data as a Python module: importing it reads the interpreter's bytecode cache,
# ~2 ms faster on every check/resolve than importing json and parsing the file.
SHIPPED = Path(__file__).resolve().parent.parent / "src/torchenv/catalog/_shipped.py"

# --------------------------------------------------------------------------- releases
# version -> (torchvision, torchaudio); facts §4 [P].
PAIRS: dict[str, tuple[Optional[str], Optional[str]]] = {
    "1.13.0": ("0.14.0", "0.13.0"),
    "1.13.1": ("0.14.1", "0.13.1"),
    "2.0.0": ("0.15.1", "2.0.1"),
    "2.0.1": ("0.15.2", "2.0.2"),
    "2.1.0": ("0.16.0", "2.1.0"),
    "2.1.1": ("0.16.1", "2.1.1"),
    "2.1.2": ("0.16.2", "2.1.2"),
    "2.2.0": ("0.17.0", "2.2.0"),
    "2.2.1": ("0.17.1", "2.2.1"),
    "2.2.2": ("0.17.2", "2.2.2"),
    "2.3.0": ("0.18.0", "2.3.0"),
    "2.3.1": ("0.18.1", "2.3.1"),
    "2.4.0": ("0.19.0", "2.4.0"),
    "2.4.1": ("0.19.1", "2.4.1"),
    "2.5.0": ("0.20.0", "2.5.0"),
    "2.5.1": ("0.20.1", "2.5.1"),
    "2.6.0": ("0.21.0", "2.6.0"),
    "2.7.0": ("0.22.0", "2.7.0"),
    "2.7.1": ("0.22.1", "2.7.1"),
    "2.8.0": ("0.23.0", "2.8.0"),
    "2.9.0": ("0.24.0", "2.9.0"),
    "2.9.1": ("0.24.1", "2.9.1"),
    "2.10.0": ("0.25.0", "2.10.0"),
    "2.11.0": ("0.26.0", "2.11.0"),
    "2.12.0": ("0.27.0", None),
    "2.12.1": ("0.27.1", None),
    "2.13.0": ("0.28.0", None),
    "2.14.0": ("0.29.0", None),
    "2.14.1": ("0.29.1", None),
    "2.15.0": (None, None),
}


def cp(lo: int, hi: int) -> list[str]:
    return [f"cp3{m}" for m in range(lo, hi + 1)]


# Series facts. "python" is per platform for download.pytorch.org, taken from the PyPI
# file lists of facts §2 (the PyTorch index carries the same Python set per release:
# confirmed where samples exist, e.g. cu124 2.5.1 has cp39-cp313 Linux, cp39-cp312 Windows
# and aarch64 as §2 says). "cuda"/"rocm"/"xpu"/"pypi" are facts §1.
SERIES: dict[str, dict[str, Any]] = {
    "1.13": {
        "requires_python": ">=3.7",
        "cuda": ["cu116", "cu117"],
        "rocm": ["rocm5.1.1", "rocm5.2"],
        "xpu": False,
        "pypi": "cu117",
        "python": {
            "linux-x86_64": cp(7, 11),
            "linux-aarch64": cp(7, 10),
            "windows-x86_64": cp(7, 10),
            # macOS Python range is not in §2; torchaudio 0.13.1 samples show arm64
            # cp38-cp310 and x86_64 cp37-cp310 (torchaudio-cpu-0.13.1.txt, -root-).
            "macos-arm64": cp(8, 10),
            "macos-x86_64": cp(7, 10),
        },
    },
    "2.0": {
        "requires_python": ">=3.8",
        "cuda": ["cu117", "cu118"],
        "rocm": ["rocm5.3", "rocm5.4.2"],
        "xpu": False,
        "pypi": "cu117",
        "python": dict.fromkeys(
            ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64", "macos-x86_64"],
            cp(8, 11),
        ),
    },
    "2.1": {
        "requires_python": ">=3.8",
        "cuda": ["cu118", "cu121"],
        "rocm": ["rocm5.5", "rocm5.6"],
        "xpu": False,
        "pypi": "cu121",
        "python": dict.fromkeys(
            ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64", "macos-x86_64"],
            cp(8, 11),
        ),
    },
    "2.2": {
        "requires_python": ">=3.8",
        "cuda": ["cu118", "cu121"],
        "rocm": ["rocm5.6", "rocm5.7"],
        "xpu": False,
        "pypi": "cu121",
        "python": dict.fromkeys(
            ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64", "macos-x86_64"],
            cp(8, 12),
        ),
    },
    "2.3": {
        "requires_python": ">=3.8",
        "cuda": ["cu118", "cu121"],
        "rocm": ["rocm5.7", "rocm6.0"],
        "xpu": False,
        "pypi": "cu121",
        "python": dict.fromkeys(
            ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64"], cp(8, 12)
        ),
    },
    "2.4": {
        "requires_python": ">=3.8",
        "cuda": ["cu118", "cu121", "cu124"],
        "rocm": ["rocm6.0", "rocm6.1"],
        "xpu": False,
        "pypi": "cu121",
        "python": dict.fromkeys(
            ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64"], cp(8, 12)
        ),
    },
    "2.5": {
        "requires_python": ">=3.8",
        "cuda": ["cu118", "cu121", "cu124"],
        "rocm": ["rocm6.1", "rocm6.2"],
        "xpu": True,
        "pypi": "cu124",
        "python": {
            "linux-x86_64": cp(9, 13),
            "linux-aarch64": cp(9, 12),
            "windows-x86_64": cp(9, 12),
            "macos-arm64": cp(9, 12),
        },
    },
    "2.6": {
        "requires_python": ">=3.9",
        "cuda": ["cu118", "cu124", "cu126"],
        "rocm": ["rocm6.1", "rocm6.2.4"],
        "xpu": True,
        "pypi": "cu124",
        "python": dict.fromkeys(
            ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64"], cp(9, 13)
        ),
    },
    "2.7": {
        "requires_python": ">=3.9",
        "cuda": ["cu118", "cu126", "cu128"],
        "rocm": ["rocm6.2.4", "rocm6.3"],
        "xpu": True,
        "pypi": "cu126",
        "python": {
            key: [*cp(9, 13), "cp313t"]
            for key in ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64"]
        },
    },
    "2.8": {
        "requires_python": ">=3.9",
        "cuda": ["cu126", "cu128", "cu129"],
        "rocm": ["rocm6.3", "rocm6.4"],
        "xpu": True,
        "pypi": "cu128",
        "python": {
            key: [*cp(9, 13), "cp313t"]
            for key in ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64"]
        },
    },
    "2.9": {
        "requires_python": ">=3.10",
        "cuda": ["cu126", "cu128", "cu129", "cu130"],
        "rocm": ["rocm6.3", "rocm6.4"],
        "xpu": True,
        "pypi": "cu128",
        "python": {
            key: [*cp(10, 14), "cp313t", "cp314t"]
            for key in ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64"]
        },
    },
    "2.10": {
        "requires_python": ">=3.10",
        "cuda": ["cu126", "cu128", "cu129", "cu130"],
        "rocm": ["rocm7.0", "rocm7.1"],
        "xpu": True,
        "pypi": "cu128",
        "python": {
            key: [*cp(10, 14), "cp313t", "cp314t"]
            for key in ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64"]
        },
    },
    "2.11": {
        "requires_python": ">=3.10",
        "cuda": ["cu126", "cu128", "cu130"],
        "rocm": ["rocm7.1", "rocm7.2"],
        "xpu": True,
        "pypi": "cu130",
        "python": {
            key: [*cp(10, 14), "cp313t", "cp314t"]
            for key in ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64"]
        },
    },
    "2.12": {
        "requires_python": ">=3.10",
        "cuda": ["cu126", "cu130", "cu132"],
        "rocm": ["rocm7.1", "rocm7.2"],
        "rocm_verified": False,  # facts §1: "rocm7.1, rocm7.2 (unverified)"
        "xpu": True,
        "pypi": "cu130",
        # 2.12.1-2.14: cp310-cp314 + cp314t, no cp313t (facts §2); 2.12.0 is overridden below.
        "python": {
            key: [*cp(10, 14), "cp314t"]
            for key in ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64"]
        },
    },
    "2.13": {
        "requires_python": ">=3.10",
        "cuda": ["cu126", "cu130", "cu132"],
        # facts §1: ROCm "unverified"; rocm7.2 is the variant of both neighbours (2.12 and
        # 2.14 per stack-rocm7.2-2.14.0.txt), recorded unverified.
        "rocm": ["rocm7.2"],
        "rocm_verified": False,
        "xpu": True,
        "pypi": "cu130",
        # Python 3.15 wheels for 2.13/2.14 exist only on download.pytorch.org (facts §2);
        # torch-cpu-2.13.0.txt shows cp315/cp315t on Linux only, cp314t everywhere.
        "python": {
            "linux-x86_64": [*cp(10, 15), "cp314t", "cp315t"],
            "linux-aarch64": [*cp(10, 15), "cp314t", "cp315t"],
            "windows-x86_64": [*cp(10, 14), "cp314t"],
            "macos-arm64": [*cp(10, 14), "cp314t"],
        },
    },
    "2.14": {
        "requires_python": ">=3.10",
        "cuda": ["cu126", "cu130", "cu132"],
        "rocm": ["rocm7.2"],  # stack-rocm7.2-2.14.0.txt (7.14 only in nightly lists)
        "xpu": True,
        "pypi": "cu130",
        "pypi_verified": False,  # facts §1: "cu130 probably (unverified)"
        "python": {
            "linux-x86_64": [*cp(10, 15), "cp314t", "cp315t"],
            "linux-aarch64": [*cp(10, 15), "cp314t", "cp315t"],
            "windows-x86_64": [*cp(10, 14), "cp314t"],
            "macos-arm64": [*cp(10, 14), "cp314t"],
        },
    },
    "2.15": {
        "requires_python": ">=3.11",
        "cuda": ["cu130", "cu132"],
        "rocm": [],  # facts §1: "unverified", no variant named; refresh fills it in
        "xpu": True,
        "xpu_verified": False,
        "pypi": "cu132",
        "pypi_verified": False,
        "python": {
            key: [*cp(11, 15), "cp314t", "cp315t"]
            for key in ["linux-x86_64", "linux-aarch64", "windows-x86_64", "macos-arm64"]
        },
    },
}

# Windows arm64: /whl/cpu '+cpu' win_arm64 cp311-cp313 from 2.7.0 (facts §2 [S];
# torch-cpu-2.13.0.txt shows exactly cp311-cp313 win_arm64).
WIN_ARM64_PYTHON = cp(11, 13)

# ------------------------------------------------------------------ GPU architectures
_CU11_LINUX = ["3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"]
_CU12_OLD = ["5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"]
_CU128_27 = ["7.5", "8.0", "8.6", "9.0", "10.0", "12.0"]
_CU128_28 = ["7.0", "7.5", "8.0", "8.6", "9.0", "10.0", "12.0"]
_CU13 = ["7.5", "8.0", "8.6", "9.0", "10.0", "12.0"]
S6 = "facts §6 [P]"


def linux_archs(series: str, variant: str) -> tuple[Optional[list[str]], Optional[str], bool, str]:
    """(archs, ptx, verified, source) for Linux x86_64 (facts §6)."""
    minor = int(series.split(".")[1]) if series != "1.13" else -1
    if series == "1.13" or (series == "2.0" and variant == "cu117"):
        # Not in facts §6. Inferred: the 2.0-2.5 cu118 list without 9.0 (sm_90 needs CUDA
        # 11.8, the first toolkit that can target Hopper).
        return (
            ["3.7", "5.0", "6.0", "7.0", "7.5", "8.0", "8.6"],
            None,
            False,
            "inferred from facts §6 (2.0-2.5 cu118 list minus 9.0, which needs CUDA 11.8)",
        )
    if variant == "cu118":
        return _CU11_LINUX, None, True, S6
    if variant in ("cu121", "cu124"):
        return _CU12_OLD, None, True, S6
    if variant == "cu126":
        return _CU12_OLD, None, True, S6
    if variant == "cu128":
        if minor == 7:
            return _CU128_27, None, True, S6 + " (2.7 cu128: no Volta)"
        if minor == 11:
            return _CU128_27, None, True, S6 + " (2.11 cu128: Volta dropped)"
        return _CU128_28, None, True, S6
    if variant == "cu129":
        if minor == 8:
            return _CU128_28, "12.0", True, S6 + " (2.8 cu129: cu128 list +PTX)"
        # 2.9-2.10 row says "same": read as the cu128 list of that row, without claiming
        # PTX (claiming PTX that is not there would accept GPUs that then fail).
        return _CU128_28, None, True, S6 + " (2.9-2.10 cu129: 'same' as cu128)"
    if variant in ("cu130", "cu132"):
        verified = minor != 15
        source = (
            S6
            if verified
            else S6 + " (2.15: '13.x only, pre-Turing unsupported'; list inferred from 2.12-2.14)"
        )
        return _CU13, "12.0", verified, source
    raise ValueError(variant)


def windows_archs(
    linux: Optional[list[str]], ptx: Optional[str], variant: str
) -> tuple[Optional[list[str]], Optional[str]]:
    """Windows builds add sm_61 (and 3.7+PTX for cu11x), facts §6.

    Applied only where the Linux list reaches Pascal (contains 6.0): cu128 and newer lists
    start at Volta/Turing and facts §6 says a GTX 10xx has no cu128+ build, so they are
    not widened (conservative).
    """
    if linux is None:
        return None, ptx
    archs = list(linux)
    if "6.0" in archs:
        archs.insert(archs.index("6.0") + 1, "6.1")
    if variant.startswith("cu11"):
        if "3.7" not in archs:
            archs.insert(0, "3.7")
        ptx = ptx or "3.7"
    return archs, ptx


# Linux aarch64 CUDA (facts §7; arch lists only given for 2.9: cu126 = 8.0 9.0, cu128 =
# 8.0 9.0 10.0 12.0, cu130 = 8.0 9.0 10.0 11.0 12.0+PTX). Other releases reuse the 2.9
# list of the same CUDA line (inferred, recorded unverified).
AARCH64_CUDA: dict[str, list[str]] = {
    "2.5": ["cu124"],
    "2.6": ["cu126"],
    "2.7": ["cu128"],
    "2.8": ["cu129"],
    "2.9": ["cu126", "cu128", "cu129", "cu130"],
    "2.10": ["cu126", "cu128", "cu130"],
    "2.11": ["cu126", "cu128", "cu130"],
    "2.12": ["cu126", "cu130", "cu132"],
    "2.13": ["cu126", "cu130", "cu132"],  # 2.13/2.14 not in §7: 2.12's set (inferred)
    "2.14": ["cu126", "cu130", "cu132"],
    "2.15": ["cu130", "cu132"],
}
AARCH64_ARCHS: dict[str, tuple[list[str], Optional[str]]] = {
    "cu126": (["8.0", "9.0"], None),
    "cu128": (["8.0", "9.0", "10.0", "12.0"], None),
    "cu129": (["8.0", "9.0", "10.0", "12.0"], None),
    "cu130": (["8.0", "9.0", "10.0", "11.0", "12.0"], "12.0"),
    "cu132": (["8.0", "9.0", "10.0", "11.0", "12.0"], "12.0"),
}

# --------------------------------------------------------------------- drivers (§5)
CUDA_DRIVERS: dict[str, dict[str, Any]] = {
    "11.6": {"linux": None, "windows": None, "source": "not in facts §5 (family floor applies)"},
    "11.7": {"linux": None, "windows": None, "source": "not in facts §5 (family floor applies)"},
    "11.8": {"linux": "520.61.05", "windows": "520.06", "source": "facts §5 [P] (GA)"},
    "12.1": {"linux": "530.30.02", "windows": "531.14", "source": "facts §5 [P]"},
    "12.4": {"linux": "550.54.14", "windows": "551.61", "source": "facts §5 [P] (GA)"},
    "12.6": {"linux": "560.28.03", "windows": "560.76", "source": "facts §5 [P] (GA)"},
    "12.8": {"linux": "570.26", "windows": "570.65", "source": "facts §5 [P] (GA)"},
    "12.9": {"linux": "575.51.03", "windows": "576.02", "source": "facts §5 [P] (GA)"},
    "13.0": {
        "linux": "580.65.06",
        "windows": None,
        "source": "facts §5 [P] (GA; Windows: driver no longer bundled, no minimum listed)",
    },
    "13.2": {"linux": None, "windows": None, "source": "facts §5: 'not found'"},
}
CUDA_FAMILY_FLOORS = {
    "11": {"linux": "450.80.02", "windows": "452.39"},
    "12": {"linux": "525.60.13", "windows": "527.41"},
    "13": {"linux": "580", "windows": "580"},
}

# ----------------------------------------------------------------- ROCm gfx targets
# Not in the reference facts. Source: PYTORCH_ROCM_ARCH in pytorch/pytorch's manywheel
# docker build scripts (.ci/docker/manywheel/build.sh and older builder copies, seen via
# code search): 5.x "gfx900;gfx906;gfx908;gfx90a;gfx1030" (+gfx1100 in later 5.x),
# >= 6.0 adds gfx942, later lists add gfx1101/gfx1102/gfx1200/gfx1201, and 7.x adds
# gfx950/gfx1150/gfx1151. The per-version split is inferred and kept conservative (a
# target is listed only from the version where the newest evidence places it); every
# entry is unverified.
_G5 = ["gfx900", "gfx906", "gfx908", "gfx90a", "gfx1030"]
_G57 = [*_G5, "gfx1100"]
_G6 = [*_G57, "gfx942"]
_G63 = [*_G6, "gfx1101", "gfx1102"]
_G64 = [*_G63, "gfx1200", "gfx1201"]
_G7 = [*_G64, "gfx950", "gfx1150", "gfx1151"]
ROCM_GFX: dict[str, list[str]] = {
    "rocm5.1.1": _G5,
    "rocm5.2": _G5,
    "rocm5.3": _G5,
    "rocm5.4.2": _G5,
    "rocm5.5": _G57,
    "rocm5.6": _G57,
    "rocm5.7": _G57,
    "rocm6.0": _G6,
    "rocm6.1": _G6,
    "rocm6.2": _G6,
    "rocm6.2.4": _G6,
    "rocm6.3": _G63,
    "rocm6.4": _G64,
    "rocm7.0": _G7,
    "rocm7.1": _G7,
    "rocm7.2": _G7,
}
ROCM_GFX_SOURCE = (
    "pytorch/pytorch manywheel build scripts (PYTORCH_ROCM_ARCH), per-version split "
    "inferred and conservative; unverified"
)


# ---------------------------------------------------------------------- expansion
def _series(version: str) -> str:
    major, minor = version.split(".")[:2]
    return f"{major}.{minor}"


def _minor(series: str) -> int:
    return -1 if series == "1.13" else int(series.split(".")[1])


def _build(
    platform: str,
    platform_tag: str,
    python: list[str],
    *,
    label: bool,
    companion_label: Optional[bool] = None,
    abi_none: bool = False,
    tag_for: Optional[dict[str, str]] = None,
    archs: Optional[list[str]] = None,
    ptx: Optional[str] = None,
    verified: bool = True,
    source: str,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "platform_tag": platform_tag,
        "python": python,
        "label": label,
        "companion_label": label if companion_label is None else companion_label,
        "abi_none": abi_none,
        "verified": verified,
        "source": source,
    }
    if tag_for:
        entry["platform_tag_for"] = tag_for
    if archs is not None:
        entry["cuda_archs"] = archs
        entry["ptx"] = ptx
    return entry


def linux_x86_tag(series: str, variant: str) -> tuple[str, bool, str]:
    """(platform tag, verified, source) for Linux x86_64 wheels on the PyTorch index."""
    m = _minor(series)
    if m <= 5:
        return "linux_x86_64", True, "facts §3 (linux_x86_64 up to 2.5)"
    if m == 6:
        if variant in ("cu126", "rocm6.2.4"):
            return (
                "manylinux_2_28_x86_64",
                True,
                "torch-cu126-2.6.0-2.8.0.txt; index-samples README (rocm6.2.4)",
            )
        if variant == "xpu":
            return "linux_x86_64", True, "torch-xpu-2.6.0.txt"
        return "linux_x86_64", False, "inferred: facts §3 'some 2.6 variants use linux_x86_64'"
    if variant == "xpu":
        if m <= 10:
            return "linux_x86_64", True, "torch-xpu-2.7.0..2.9.0.txt, stack-xpu-2.10.0.txt"
        if m == 14:
            return "manylinux_2_28_x86_64", True, "stack-xpu-2.14.0.txt"
        return (
            "manylinux_2_28_x86_64",
            False,
            "inferred: between linux_x86_64 (2.10) and manylinux_2_28 (2.14)",
        )
    return "manylinux_2_28_x86_64", True, "facts §2/§3 (manylinux_2_28_x86_64 from 2.7)"


def cpu_variant(version: str, series: str, spec: dict[str, Any]) -> dict[str, Any]:
    m = _minor(series)
    py = spec["python"]
    builds: dict[str, Any] = {}
    tag, ok, src = linux_x86_tag(series, "cpu")
    builds["linux-x86_64"] = _build(
        "linux-x86_64", tag, py["linux-x86_64"], label=True, verified=ok, source=src
    )
    if m <= 5:
        builds["linux-aarch64"] = _build(
            "linux-aarch64",
            "manylinux_2_17_aarch64.manylinux2014_aarch64",
            py["linux-aarch64"],
            label=False,
            source="facts §3; torch-cpu-2.3.0.txt (aarch64 CPU wheels <=2.5 have no +cpu)",
        )
    else:
        builds["linux-aarch64"] = _build(
            "linux-aarch64",
            "manylinux_2_28_aarch64",
            py["linux-aarch64"],
            label=True,
            verified=m >= 7,
            source="torch-cpu-2.7.0/2.7.1.txt, stack-cpu-2.14.0.txt"
            if m >= 7
            else "inferred: facts §2 (2.6 first manylinux_2_28_aarch64)",
        )
    builds["windows-x86_64"] = _build(
        "windows-x86_64",
        "win_amd64",
        py["windows-x86_64"],
        label=True,
        source="torch-cpu-2.7.0.txt, torch-cpu-2.13.0.txt (+cpu win_amd64)",
    )
    if m >= 7:
        builds["windows-arm64"] = _build(
            "windows-arm64",
            "win_arm64",
            WIN_ARM64_PYTHON,
            label=True,
            verified=m == 13,
            source="facts §2 [S] (win_arm64 +cpu cp311-cp313 from 2.7.0); torch-cpu-2.13.0.txt",
        )
    # macOS: served from /whl/cpu without a label; abi 'none' for GIL builds 1.13-2.10
    # (facts §2 for 1.13 and 2.7/2.8; torch-cpu-2.3.0.txt, stack-cpu-2.5.1-macos.txt,
    # torch-cpu-2.7.1.txt), abi-tagged from 2.11 (facts §2).
    abi_none = m <= 10
    if m <= 11:
        mac_tag = "macosx_11_0_arm64"
        tag_for = {t: "macosx_14_0_arm64" for t in py["macos-arm64"] if t.endswith("t")}
        if m == 10:
            tag_for.update({"cp314": "macosx_14_0_arm64"})
    else:
        mac_tag = "macosx_14_0_arm64"
        tag_for = {}
    mac_source = "facts §2 (macOS arm64 tags/abi)"
    if version in ("2.3.0", "2.5.1", "2.7.1"):
        mac_source += "; index-samples confirm the filename form"
    builds["macos-arm64"] = _build(
        "macos-arm64",
        mac_tag,
        py["macos-arm64"],
        label=False,
        abi_none=abi_none,
        tag_for=tag_for or None,
        verified=m not in (9, 11),
        source=mac_source if m not in (9, 11) else mac_source + "; free-threaded 14_0 tag inferred",
    )
    if "macos-x86_64" in py:
        builds["macos-x86_64"] = _build(
            "macos-x86_64",
            "macosx_10_9_x86_64",
            py["macos-x86_64"],
            label=False,
            abi_none=True,
            verified=series == "1.13",
            source="facts §2 (1.13 macosx_10_9 abi none; 2.2.2 last x86_64)"
            + ("" if series == "1.13" else "; tag/abi inferred from 1.13"),
        )
    return {"kind": "cpu", "platforms": builds}


def cuda_variant(version: str, series: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    _minor(series)
    py = spec["python"]
    archs, ptx, arch_ok, arch_src = linux_archs(series, name)
    builds: dict[str, Any] = {}
    tag, ok, src = linux_x86_tag(series, name)
    windows_unverified = (series == "2.9" and name == "cu129") or (
        series == "2.8" and name == "cu129"
    )
    builds["linux-x86_64"] = _build(
        "linux-x86_64",
        tag,
        py["linux-x86_64"],
        label=True,
        archs=archs,
        ptx=ptx,
        verified=ok and arch_ok,
        source=f"{src}; archs: {arch_src}",
    )
    if not (series == "2.10" and name == "cu129"):  # facts §1: 2.10 cu129 Linux x86_64 only
        w_archs, w_ptx = windows_archs(archs, ptx, name)
        builds["windows-x86_64"] = _build(
            "windows-x86_64",
            "win_amd64",
            py["windows-x86_64"],
            label=True,
            archs=w_archs,
            ptx=w_ptx,
            verified=False if windows_unverified else arch_ok,
            source="facts §1 (variant on download.pytorch.org), §6 (Windows adds sm_61 where "
            "the Linux list reaches Pascal)"
            + ("; Windows wheels unverified (facts §1)" if windows_unverified else ""),
        )
    if name in AARCH64_CUDA.get(series, []):
        if series == "2.5":
            builds["linux-aarch64"] = _build(
                "linux-aarch64",
                "linux_aarch64",
                py["linux-aarch64"],
                label=False,
                companion_label=False,
                archs=None,
                ptx=None,
                verified=False,
                source="torch-cu124-2.5.1.txt, facts §7: unlabeled linux_aarch64 wheels in "
                "/whl/cu124 (unverified whether CUDA; compiled GPU architectures unknown)",
            )
        else:
            a_archs, a_ptx = AARCH64_ARCHS[name]
            a_tag = "linux_aarch64" if series == "2.6" else "manylinux_2_28_aarch64"
            builds["linux-aarch64"] = _build(
                "linux-aarch64",
                a_tag,
                py["linux-aarch64"],
                label=True,
                companion_label=False,
                archs=a_archs,
                ptx=a_ptx,
                verified=series == "2.9",
                source="facts §7 (aarch64 CUDA variants), §3 (torchvision on aarch64 CUDA "
                "indexes has no local label); archs: facts §6 (2.9 aarch64 lists)"
                + ("" if series == "2.9" else ", reused for this release (inferred)")
                + ("; torch-cu128-2.7.0.txt" if series == "2.7" else ""),
            )
    return {"kind": "cuda", "cuda": f"{name[2:-1]}.{name[-1]}", "platforms": builds}


def rocm_variant(series: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    tag, ok, src = linux_x86_tag(series, name)
    if _minor(series) >= 7:
        src = (
            "index-samples README (rocm6.4 2.8/2.9 manylinux_2_28), "
            "stack-rocm7.1-2.10.0.txt, stack-rocm7.2-2.14.0.txt"
        )
    verified = ok and spec.get("rocm_verified", True)
    # Free-threaded ROCm wheels were never seen: not promised (conservative).
    python = [t for t in spec["python"]["linux-x86_64"] if not t.endswith("t")]
    return {
        "kind": "rocm",
        "rocm": name[4:],
        "platforms": {
            "linux-x86_64": _build(
                "linux-x86_64",
                tag,
                python,
                label=True,
                verified=verified,
                source=f"facts §1; {src}"
                + ("" if spec.get("rocm_verified", True) else "; variant unverified (facts §1)"),
            )
        },
    }


def xpu_variant(series: str, spec: dict[str, Any]) -> dict[str, Any]:
    tag, ok, src = linux_x86_tag(series, "xpu")
    ok = ok and spec.get("xpu_verified", True)
    python = [t for t in spec["python"]["linux-x86_64"] if not t.endswith("t")]
    if _minor(series) >= 13:
        python = [t for t in python if t != "cp315"]
    return {
        "kind": "xpu",
        "platforms": {
            # torchvision/torchaudio xpu use manylinux_2_28 while torch used linux_x86_64
            # up to 2.10 (stack-xpu-2.10.0.txt); only torch's tag is recorded here.
            "linux-x86_64": _build(
                "linux-x86_64", tag, python, label=True, verified=ok, source=f"facts §1; {src}"
            ),
            "windows-x86_64": _build(
                "windows-x86_64",
                "win_amd64",
                [t for t in spec["python"]["windows-x86_64"] if not t.endswith("t")],
                label=True,
                verified=False,
                source="inferred: XPU Windows wheels are not in the reference samples",
            ),
        },
    }


def release(version: str) -> dict[str, Any]:
    series = _series(version)
    spec = SERIES[series]
    python = {k: list(v) for k, v in spec["python"].items()}
    spec = {**spec, "python": python}
    if version == "2.12.0":
        # 2.12.0 still had cp313t; 2.12.1 dropped it (facts §2).
        for key in python:
            python[key] = [*cp(10, 14), "cp313t", "cp314t"]
    variants: dict[str, Any] = {"cpu": cpu_variant(version, series, spec)}
    for name in spec["cuda"]:
        variants[name] = cuda_variant(version, series, name, spec)
    for name in spec["rocm"]:
        variant = rocm_variant(series, name, spec)
        variant["gfx"] = ROCM_GFX[name]
        variant["gfx_source"] = ROCM_GFX_SOURCE
        variants[name] = variant
    if spec["xpu"]:
        variants["xpu"] = xpu_variant(series, spec)
    torchvision, torchaudio = PAIRS[version]
    pypi: dict[str, str] = {
        "linux-x86_64": spec["pypi"],
        "linux-aarch64": "cu130" if _minor(series) >= 11 else "cpu",
        "windows-x86_64": "cpu",
        "macos-arm64": "cpu",
    }
    if "macos-x86_64" in python:
        pypi["macos-x86_64"] = "cpu"
    notes: list[str] = []
    if series == "2.15":
        notes.append(
            "2.15 facts are partly unverified (facts §1): ROCm variants unknown, XPU and "
            "PyPI build unverified; run 'torchenv catalog refresh' to confirm"
        )
    if torchaudio is None and torchvision is not None:
        notes.append(
            "torchaudio stopped at 2.11.0, whose metadata has no torch requirement "
            "(facts §4); it is seen installed beside torch 2.14.0 (stack-cpu-2.14.0.txt)"
        )
    if torchvision is None:
        notes.append(
            f"no torchvision release is paired with torch {version} yet (facts §4): "
            "use an older torch (e.g. --torch '<2.15') if you need torchvision"
        )
    if version == "2.0.0":
        notes.append("torchvision 0.15.0 and torchaudio 2.0.0 were yanked (facts §4)")
    return {
        "version": version,
        "requires_python": spec["requires_python"],
        "torchvision": torchvision,
        "torchaudio": torchaudio,
        "pypi": pypi,
        "pypi_verified": spec.get("pypi_verified", True),
        "source": "facts §1 (variants, Python range), §2 (wheels per platform), §4 (pairing)",
        "notes": notes,
        "variants": variants,
    }


def build() -> dict[str, Any]:
    return {
        "schema": 1,
        "generated_by": "scripts/build_catalog.py",
        "sources": {
            "facts": "/work/shared/reference/pytorch-facts.md (collected 2026-11)",
            "samples": "/work/shared/reference/index-samples/ (real index entries)",
            "rocm_gfx": ROCM_GFX_SOURCE,
        },
        "rules": {
            "python_tags": "per release and platform from facts §2 (PyPI file lists), "
            "taken to hold for every variant of the release on download.pytorch.org; "
            "free-threaded (t) wheels are not promised for ROCm/XPU (never seen)",
            "kernel_compat": "a GPU of compute capability X.z runs kernels compiled for "
            "X.y when y <= z (same major); PTX of version <= X.z can be JIT-compiled",
            "driver_compat": "minor-version compatibility: CUDA 11.x/12.x/13.x wheels run "
            "on drivers >= the family floor when every GPU has compiled kernels; PTX JIT "
            "and 'strict' mode need the driver's own CUDA level (facts §5)",
        },
        "cuda_drivers": CUDA_DRIVERS,
        "cuda_family_floors": {
            "values": CUDA_FAMILY_FLOORS,
            "source": "facts §5 (minor-version compatibility)",
        },
        "releases": [release(v) for v in PAIRS],
    }


def shipped_module(data: dict[str, Any]) -> str:
    """``torchenv/catalog/_shipped.py``: the catalog as one Python literal."""
    return (
        '"""The shipped catalog as a Python literal (generated: do not edit).\n\n'
        "Written by scripts/build_catalog.py together with data/catalog.json, which holds the\n"
        "same data (a test compares them). Importing this module reads the interpreter's\n"
        'bytecode cache instead of importing json and parsing the file on every run.\n"""\n\n'
        "# One line: data/catalog.json is the form to read; this one is only to import.\n"
        f"CATALOG = {data!r}\n"
    )


def main(argv: list[str]) -> int:
    from torchenv.catalog.refresh import dump_catalog

    data = build()
    outputs = {OUT: dump_catalog(data), SHIPPED: shipped_module(data)}
    if "--check" in argv:
        stale = [p for p, text in outputs.items() if not p.exists() or p.read_text("utf-8") != text]
        for path in stale:
            print(f"{path} is out of date: run python scripts/build_catalog.py", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
