"""Resolution cases as data (resolvelib's functional-test shape): an index + cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from torchenv.errors import ResolutionError
from torchenv.resolve.resolver import resolve_target
from torchenv.resolve.source import MemorySource, SharedSource
from torchenv.targets import parse_target

DATA = Path(__file__).parent / "data"
INDEX = json.loads((DATA / "resolver_index.json").read_text())
CASES = json.loads((DATA / "resolver_cases.json").read_text())["cases"]
PYPI = "https://pypi.test/simple"
PYTORCH = "https://download.pytorch.test/whl/"


@pytest.fixture(scope="module")
def source() -> SharedSource:
    return SharedSource(MemorySource(INDEX["indexes"]))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any], source: SharedSource) -> None:
    def run() -> dict[str, str]:
        result = resolve_target(
            case["requested"],
            parse_target(case["target"]),
            case.get("python", "3.11"),
            case["variant"],
            source,
            PYPI,
            PYTORCH + case["variant"],
        )
        return {str(c.name): str(c.version) for c in result.packages}

    if "resolved" in case:
        assert run() == case["resolved"]
        return
    with pytest.raises(ResolutionError) as info:
        run()
    message = str(info.value)
    for name in case["conflicted"]:
        assert f"  {'Python' if name == '<python>' else name}" in message
    for text in case.get("message_contains", []):
        assert text in message, message


def test_torch_family_comes_only_from_the_variant_index(source: SharedSource) -> None:
    result = resolve_target(
        ["torch==2.7.0", "torchvision"],
        parse_target("linux-x86_64"),
        "3.11",
        "cu128",
        source,
        PYPI,
        PYTORCH + "cu128",
    )
    indexes = {str(c.name): c.index_url for c in result.packages}
    assert indexes["torch"] == PYTORCH + "cu128"
    assert indexes["torchvision"] == PYTORCH + "cu128"
    assert indexes["numpy"] == PYPI
    assert ("torchvision", "torch") in result.edges


def test_pages_shared_across_targets() -> None:
    shared = SharedSource(MemorySource(INDEX["indexes"]))
    for target in ("linux-x86_64", "linux-aarch64", "windows-x86_64"):
        resolve_target(
            ["torch==2.7.0"], parse_target(target), "3.11", "cpu", shared, PYPI, PYTORCH + "cpu"
        )
    # torch, filelock, typing-extensions, sympy, mpmath: each page fetched once.
    assert shared.page_fetches == 5
    # Pure-Python wheels are the same file on every target: metadata fetched once each.
    assert shared.metadata_fetches == 3 + 4


def test_catalog_pairs_companions_with_an_exact_torch_pin() -> None:
    # torchvision 0.23.0 here declares no torch pin: only the catalog pairing keeps
    # torch 2.7.0 with torchvision 0.22.0.
    source = MemorySource(
        {
            PYTORCH + "cpu": {
                "torch": [{"filename": "torch-2.7.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"}],
                "torchvision": [
                    {"filename": "torchvision-0.23.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"},
                    {"filename": "torchvision-0.22.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"},
                ],
            }
        }
    )
    linux = parse_target("linux-x86_64")

    def pins(requested: list[str]) -> dict[str, str]:
        result = resolve_target(requested, linux, "3.11", "cpu", source, PYPI, PYTORCH + "cpu")
        return {str(c.name): str(c.version) for c in result.packages}

    assert pins(["torch==2.7.0", "torchvision"])["torchvision"] == "0.22.0+cpu"
    assert pins(["torch==2.7", "torchvision"])["torchvision"] == "0.22.0+cpu"
    # No exact torch pin: nothing decided up front.
    assert pins(["torch>=2.7", "torchvision"])["torchvision"] == "0.23.0+cpu"
