"""Locking several targets and variants in one run, against the in-memory test index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.pylock import Pylock

from torchenv.errors import ResolutionError
from torchenv.lock.engine import LockRequest, default_variants, lock_all, plan_lock
from torchenv.lock.pylock import render_lock
from torchenv.resolve.source import MemorySource
from torchenv.targets import marker_environment, parse_target

DATA = Path(__file__).parent / "data"
INDEX = json.loads((DATA / "resolver_index.json").read_text())["indexes"]
PYPI = "https://pypi.test/simple"
PYTORCH = "https://download.pytorch.test/whl"
TARGETS = ("linux-x86_64", "linux-aarch64", "macos-arm64", "windows-x86_64")


def _request(
    requirements: tuple[str, ...] = ("torch==2.7.0", "torchvision", "numpy"),
) -> LockRequest:
    return LockRequest(requirements, TARGETS, ("3.11",), ("cpu", "cu128"), PYPI, PYTORCH)


def _lock(request: LockRequest) -> dict[str, dict]:  # type: ignore[type-arg]
    return lock_all(plan_lock(request), MemorySource(INDEX), lambda v: f"{PYTORCH}/{v}")


def test_one_file_per_variant_cuda_without_macos() -> None:
    documents = _lock(_request())
    assert sorted(documents) == ["pylock.cpu.toml", "pylock.cu128.toml"]
    cpu, cuda = documents["pylock.cpu.toml"], documents["pylock.cu128.toml"]
    assert any("darwin" in e for e in cpu["environments"])
    assert not any("darwin" in e for e in cuda["environments"])
    for document in documents.values():
        Pylock.from_dict(document).validate()
        assert document["lock-version"] == "1.0"
        assert document["created-by"] == "torchenv"


def test_versions_differing_by_target_get_exclusive_markers() -> None:
    cpu = _lock(_request())["pylock.cpu.toml"]
    torches = [p for p in cpu["packages"] if p["name"] == "torch"]
    assert sorted(p["version"] for p in torches) == ["2.7.0", "2.7.0+cpu"]
    labelled = next(p for p in torches if p["version"] == "2.7.0+cpu")
    assert len(labelled["wheels"]) == 3
    for target in TARGETS:
        environment = marker_environment(parse_target(target), "3.11")
        hits = [p for p in torches if Marker(p["marker"]).evaluate(environment)]
        assert len(hits) == 1, target
    # A pure-Python package used everywhere carries no marker.
    filelock = [p for p in cpu["packages"] if p["name"] == "filelock"]
    assert len(filelock) == 1 and "marker" not in filelock[0]
    assert filelock[0]["index"] == PYPI
    wheel = filelock[0]["wheels"][0]
    assert wheel["hashes"]["sha256"] and wheel["size"] > 0 and "upload-time" not in wheel


def test_cuda_runtime_only_on_linux_x86_64() -> None:
    cuda = _lock(_request())["pylock.cu128.toml"]
    runtime = [p for p in cuda["packages"] if p["name"] == "nvidia-cuda-runtime-cu12"]
    assert [p["marker"] for p in runtime] == [
        "sys_platform == 'linux' and platform_machine == 'x86_64'"
    ]


def test_deterministic_rendering() -> None:
    first = {k: render_lock(v, "torchenv lock") for k, v in _lock(_request()).items()}
    second = {k: render_lock(v, "torchenv lock") for k, v in _lock(_request()).items()}
    assert first == second


def test_one_failing_target_fails_the_lock() -> None:
    request = LockRequest(("torch==2.6.0",), TARGETS, ("3.11",), ("cpu",), PYPI, PYTORCH)
    with pytest.raises(ResolutionError) as info:
        _lock(request)
    assert "linux-aarch64 / Python 3.11 / cpu" in str(info.value)
    assert "windows-x86_64 / Python 3.11 / cpu" in str(info.value)


def test_missing_hash_fails_unless_computed() -> None:
    index = json.loads(json.dumps(INDEX))
    del index[PYPI]["filelock"][0]["sha256"]
    request = LockRequest(("filelock",), ("linux-x86_64",), ("3.11",), ("cpu",), PYPI, PYTORCH)
    with pytest.raises(ResolutionError, match=r"filelock-3\.16\.1-py3-none-any\.whl: the index"):
        lock_all(plan_lock(request), MemorySource(index), lambda v: f"{PYTORCH}/{v}")
    documents = lock_all(
        plan_lock(request),
        MemorySource(index),
        lambda v: f"{PYTORCH}/{v}",
        compute_hash=lambda link: "ab" * 32,
    )
    assert documents["pylock.cpu.toml"]["packages"][0]["wheels"][0]["hashes"] == {
        "sha256": "ab" * 32
    }


def test_input_hash_changes_with_inputs() -> None:
    a = plan_lock(_request()).hash_for("cpu")
    b = plan_lock(_request(("torch==2.7.0", "torchvision"))).hash_for("cpu")
    assert a != b and a == plan_lock(_request()).hash_for("cpu")


def test_default_variants_from_catalog() -> None:
    assert default_variants(["torch==2.7.0"]) == ("cpu", "cu128")


def test_several_pythons_get_python_version_markers() -> None:
    request = LockRequest(
        ("numpy",), ("linux-x86_64", "windows-x86_64"), ("3.11", "3.12"), ("cpu",), PYPI, PYTORCH
    )
    document = _lock(request)["pylock.cpu.toml"]
    Pylock.from_dict(document).validate()
    assert len(document["environments"]) == 4
    assert all("python_version ==" in e for e in document["environments"])
    numpy = [p for p in document["packages"] if p["name"] == "numpy"]
    assert len({p["version"] for p in numpy}) == 2
    # Each environment selects exactly one numpy entry.
    for target in ("linux-x86_64", "windows-x86_64"):
        for python in ("3.11", "3.12"):
            environment = marker_environment(parse_target(target), python)
            chosen = [p for p in numpy if Marker(p["marker"]).evaluate(environment)]
            assert len(chosen) == 1, (target, python)
    assert document["requires-python"] == ">=3.11"
