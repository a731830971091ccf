"""torchenv.runtime against fake torch modules: cuda, xpu, mps, none, missing, broken."""

from __future__ import annotations

import subprocess
import sys
import types
from collections.abc import Iterator
from typing import Optional

import pytest

from torchenv import runtime


def _backend(available: Optional[bool]) -> types.SimpleNamespace:
    def is_available() -> bool:
        if available is None:
            raise RuntimeError("driver exploded")
        return available

    return types.SimpleNamespace(is_available=is_available)


def _fake_torch(
    cuda: Optional[bool] = False, xpu: Optional[bool] = False, mps: Optional[bool] = False
) -> types.ModuleType:
    module = types.ModuleType("torch")
    module.cuda = _backend(cuda)  # type: ignore[attr-defined]
    module.xpu = _backend(xpu)  # type: ignore[attr-defined]
    module.backends = types.SimpleNamespace(mps=_backend(mps))  # type: ignore[attr-defined]
    return module


@pytest.fixture(autouse=True)
def _no_override(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("TORCHENV_DEVICE", raising=False)
    yield


def _install(monkeypatch: pytest.MonkeyPatch, module: Optional[types.ModuleType]) -> None:
    # None in sys.modules makes "import torch" raise ImportError
    monkeypatch.setitem(sys.modules, "torch", module)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("flags", "expected", "devices"),
    [
        ({"cuda": True}, "cuda", ["cuda", "cpu"]),
        ({"xpu": True}, "xpu", ["xpu", "cpu"]),
        ({"mps": True}, "mps", ["mps", "cpu"]),
        ({}, "cpu", ["cpu"]),
        ({"cuda": True, "mps": True}, "cuda", ["cuda", "mps", "cpu"]),
        ({"cuda": None, "xpu": True}, "xpu", ["xpu", "cpu"]),  # a raising backend is skipped
    ],
)
def test_best_device(
    monkeypatch: pytest.MonkeyPatch,
    flags: dict[str, Optional[bool]],
    expected: str,
    devices: list[str],
) -> None:
    _install(monkeypatch, _fake_torch(**flags))
    assert runtime.best_device() == expected
    assert runtime.available_devices() == devices


def test_torch_missing_means_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, None)
    assert runtime.best_device() == "cpu"
    assert runtime.available_devices() == ["cpu"]


def test_torch_without_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, types.ModuleType("torch"))
    assert runtime.best_device() == "cpu"


def test_prefer_order(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, _fake_torch(cuda=True, mps=True))
    assert runtime.best_device(prefer=["mps", "cuda"]) == "mps"
    assert runtime.best_device(prefer=["xpu"]) == "cpu"


def test_env_override(monkeypatch: pytest.MonkeyPatch) -> None:
    _install(monkeypatch, _fake_torch(cuda=True))
    monkeypatch.setenv("TORCHENV_DEVICE", "cpu")
    assert runtime.best_device() == "cpu"
    monkeypatch.setenv("TORCHENV_DEVICE", "cuda:1")
    assert runtime.best_device() == "cuda:1"


def test_import_does_not_import_torch() -> None:
    code = "import sys, torchenv.runtime; print('torch' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
