"""torchenv.runtime: device choice against fake torch modules (no real torch needed)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Optional

import pytest

from torchenv.errors import UsageError
from torchenv.runtime import best_device, device_report


def _fake_torch(
    cuda: bool = False,
    xpu: Optional[bool] = False,
    mps: Optional[bool] = False,
    cuda_raises: bool = False,
    hip: Optional[str] = None,
) -> types.ModuleType:
    """A module shaped like torch: ``None`` for xpu/mps means the attribute is missing."""
    torch = types.ModuleType("torch")
    torch.__version__ = "2.7.1+test"  # type: ignore[attr-defined]

    def cuda_available() -> bool:
        if cuda_raises:
            raise RuntimeError("driver too old")
        return cuda

    torch.cuda = types.SimpleNamespace(  # type: ignore[attr-defined]
        is_available=cuda_available,
        device_count=lambda: 2 if cuda else 0,
        get_device_name=lambda index: f"Fake GPU {index}",
    )
    if xpu is not None:
        torch.xpu = types.SimpleNamespace(  # type: ignore[attr-defined]
            is_available=lambda: xpu,
            device_count=lambda: 1 if xpu else 0,
            get_device_name=lambda index: "Fake Arc",
        )
    backends = types.SimpleNamespace()
    if mps is not None:
        backends.mps = types.SimpleNamespace(is_available=lambda: mps)
    torch.backends = backends  # type: ignore[attr-defined]
    torch.version = types.SimpleNamespace(cuda=None if hip else "12.8", hip=hip)  # type: ignore[attr-defined]
    return torch


@pytest.fixture
def use_torch(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TORCHENV_DEVICE", raising=False)

    def install(module: Optional[types.ModuleType]) -> None:
        # None in sys.modules makes `import torch` raise ImportError: torch missing
        monkeypatch.setitem(sys.modules, "torch", module)

    return install


@pytest.mark.parametrize(
    ("torch_kwargs", "expected"),
    [
        ({"cuda": True, "xpu": True, "mps": True}, "cuda"),
        ({"xpu": True, "mps": True}, "xpu"),
        ({"mps": True}, "mps"),
        ({}, "cpu"),
        ({"xpu": None, "mps": None}, "cpu"),  # old torch: no torch.xpu, no backends.mps
        ({"xpu": None, "mps": True}, "mps"),
        ({"cuda_raises": True, "xpu": True}, "xpu"),  # a probe that raises is "no"
    ],
)
def test_best_device_order(use_torch, torch_kwargs, expected) -> None:  # type: ignore[no-untyped-def]
    use_torch(_fake_torch(**torch_kwargs))
    assert best_device() == expected


def test_torch_missing_means_cpu(use_torch) -> None:  # type: ignore[no-untyped-def]
    use_torch(None)
    assert best_device() == "cpu"
    report = device_report(environ={})
    assert report["torch"] is None
    assert report["best"] == "cpu"
    assert report["available"] == {"cuda": False, "xpu": False, "mps": False, "cpu": True}


def test_prefer_reorders_and_cpu_is_last_resort(use_torch) -> None:  # type: ignore[no-untyped-def]
    use_torch(_fake_torch(cuda=True, mps=True))
    assert best_device(["mps", "cuda"]) == "mps"
    assert best_device(["xpu"]) == "cpu"
    assert best_device(["CPU", "cuda"]) == "cpu"


def test_prefer_rejects_unknown_kind(use_torch) -> None:  # type: ignore[no-untyped-def]
    use_torch(_fake_torch(cuda=True))
    with pytest.raises(UsageError, match="unknown device kind 'tpu'"):
        best_device(["tpu"])


def test_environment_override_wins(use_torch) -> None:  # type: ignore[no-untyped-def]
    use_torch(_fake_torch(cuda=True))
    assert best_device(environ={"TORCHENV_DEVICE": "cuda:1"}) == "cuda:1"
    assert best_device(environ={"TORCHENV_DEVICE": "cpu"}) == "cpu"
    assert best_device(environ={"TORCHENV_DEVICE": "auto"}) == "cuda"
    assert best_device(environ={"TORCHENV_DEVICE": "  "}) == "cuda"


def test_override_read_from_os_environ(use_torch, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    use_torch(_fake_torch(cuda=True))
    monkeypatch.setenv("TORCHENV_DEVICE", "mps")
    assert best_device() == "mps"


def test_device_report_lists_devices(use_torch) -> None:  # type: ignore[no-untyped-def]
    use_torch(_fake_torch(cuda=True, xpu=False, mps=False))
    report = device_report(environ={})
    assert report["torch"] == "2.7.1+test"
    assert report["cuda"] == "12.8"
    assert report["hip"] is None
    assert report["available"] == {"cuda": True, "xpu": False, "mps": False, "cpu": True}
    assert report["devices"] == {"cuda": ["Fake GPU 0", "Fake GPU 1"]}
    assert report["best"] == "cuda"
    assert report["override"] is None


def test_device_report_rocm(use_torch) -> None:  # type: ignore[no-untyped-def]
    use_torch(_fake_torch(cuda=True, hip="6.3.42131"))
    report = device_report(environ={"TORCHENV_DEVICE": "cuda:0"})
    assert report["hip"] == "6.3.42131"
    assert report["cuda"] is None
    assert report["best"] == "cuda:0"
    assert report["override"] == "cuda:0"


def test_import_does_not_import_torch(tmp_path: Path) -> None:
    # a torch on sys.path that announces itself: importing torchenv.runtime must not load
    # it, and best_device() must (proving the check would see an eager import)
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text(
        textwrap.dedent(
            """
            import types
            cuda = types.SimpleNamespace(is_available=lambda: True)
            """
        )
    )
    code = (
        "import sys, torchenv, torchenv.runtime, torchenv.cli.main\n"
        "print('torch' in sys.modules)\n"
        "print(torchenv.runtime.best_device())\n"
        "print('torch' in sys.modules)\n"
    )
    env = dict(os.environ)
    env.pop("TORCHENV_DEVICE", None)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), *sys.path])
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.split() == ["False", "cuda", "True"]
