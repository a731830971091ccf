"""Resolve torch 2.7.0's real closure from the recorded PyPI pages and METADATA files.

``fixtures/index/pypi`` holds PEP 691 pages and PEP 658 METADATA recorded from pypi.org
(see its PROVENANCE.md). PyPI's own torch 2.7.0 wheels are unlabeled (the Linux ones
are the CUDA 12.6 build), so the torch family is read from the same index here; the
variant filter only rejects files labelled for another variant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from packaging.pylock import Pylock

from torchenv.errors import IndexError_
from torchenv.index.models import Link, ProjectPage
from torchenv.index.pages import parse_json_page
from torchenv.lock.pylock import build_lock
from torchenv.resolve.resolver import ResolvedTarget, resolve_target
from torchenv.resolve.source import SharedSource
from torchenv.targets import parse_target

PYPI_DIR = Path(__file__).parent.parent / "fixtures" / "index" / "pypi"
PYPI = "https://pypi.org/simple"
TARGETS = ("linux-x86_64", "linux-aarch64", "macos-arm64", "windows-x86_64")


class RecordedPyPI:
    """Pages from ``<project>/index.json``; METADATA looked up by its recorded sha256."""

    def project_page(self, index_url: str, name: str) -> ProjectPage:
        path = PYPI_DIR / name / "index.json"
        url = f"{index_url.rstrip('/')}/{name}/"
        if not path.exists():
            return ProjectPage(name, url, ())
        return parse_json_page(path.read_bytes(), url, name)

    def wheel_metadata(self, link: Link) -> bytes:
        digest = (link.metadata_hashes or {}).get("sha256")
        name = link.filename.split("-", 1)[0].lower().replace("_", "-")
        path = PYPI_DIR / name / "metadata" / f"{digest}.metadata"
        if not digest or not path.exists():
            raise IndexError_(f"no recorded METADATA for {link.filename}")
        return path.read_bytes()


@pytest.fixture(scope="module")
def resolved() -> dict[str, ResolvedTarget]:
    source = SharedSource(RecordedPyPI())
    return {
        target: resolve_target(
            ["torch==2.7.0", "torchvision", "torchaudio"],
            parse_target(target),
            "3.11",
            "cu126",
            source,
            PYPI,
            PYPI,
        )
        for target in TARGETS
    }


def _versions(result: ResolvedTarget) -> dict[str, str]:
    return {str(c.name): str(c.version) for c in result.packages}


def test_linux_x86_64_pulls_the_cuda_runtime_wheels(resolved: dict[str, Any]) -> None:
    versions = _versions(resolved["linux-x86_64"])
    assert versions["torch"] == "2.7.0"
    assert versions["torchvision"] == "0.22.0"
    assert versions["torchaudio"] == "2.7.0"
    assert versions["triton"] == "3.3.0"
    assert versions["nvidia-cudnn-cu12"] == "9.5.1.17"
    assert versions["nvidia-cuda-runtime-cu12"] == "12.6.77"


def test_other_targets_have_no_cuda_packages(resolved: dict[str, Any]) -> None:
    for target in ("linux-aarch64", "macos-arm64", "windows-x86_64"):
        names = set(_versions(resolved[target]))
        assert {"torch", "torchvision", "torchaudio", "numpy", "pillow"} <= names
        assert not any(n.startswith("nvidia-") or n == "triton" for n in names), target


def test_wheels_fit_each_target(resolved: dict[str, Any]) -> None:
    expected = {
        "linux-x86_64": "manylinux",
        "linux-aarch64": "aarch64",
        "macos-arm64": "macosx",
        "windows-x86_64": "win_amd64",
    }
    for target, result in resolved.items():
        torch = next(c for c in result.packages if c.name == "torch")
        assert expected[target] in torch.link.filename and "cp311" in torch.link.filename


def test_lock_document_from_real_pages(resolved: dict[str, Any]) -> None:
    document = build_lock(list(resolved.values()), ">=3.11", {"variant": "pypi"})
    Pylock.from_dict(document).validate()
    assert len(document["environments"]) == 4
    by_name: dict[str, list[dict[str, Any]]] = {}
    for package in document["packages"]:
        by_name.setdefault(package["name"], []).append(package)
    # One torch entry listing the four platform wheels; no marker since all targets use it.
    (torch,) = by_name["torch"]
    assert "marker" not in torch and len(torch["wheels"]) == 4
    # nvidia-* only on linux x86_64, marked so.
    assert all(
        p["marker"] == "sys_platform == 'linux' and platform_machine == 'x86_64'"
        for name, entries in by_name.items()
        if name.startswith("nvidia-")
        for p in entries
    )
    # Sizes and upload times come from the page, never invented.
    for wheel in torch["wheels"]:
        assert wheel["size"] > 10_000_000 and wheel["upload-time"].year == 2025
