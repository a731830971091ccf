"""`torchenv lock` end to end over the recorded pypi.org pages, served on loopback.

``tests/indexserver.py`` serves ``fixtures/index/pypi`` (PEP 691 pages, PEP 658 METADATA
looked up by digest). The recorded torch-family pages are also served as the PyTorch
``/whl/cpu`` index: PyPI's torch files stand in for it, which the cpu variant accepts
because they carry no other variant's label. Everything else is the real code path:
CLI, IndexClient, resolver, pylock writer.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from packaging.pylock import Pylock

from indexserver import IndexServer
from torchenv.cli.main import main
from torchenv.lock.pylock import read_lock_document

PYPI_DIR = Path(__file__).parent.parent / "fixtures" / "index" / "pypi"
FAMILY = ("torch", "torchvision", "torchaudio", "triton")


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    (root / "whl" / "cpu").mkdir(parents=True)
    # Copies, not links: the server refuses paths that resolve outside its root (2.5 MB).
    shutil.copytree(PYPI_DIR, root / "simple")
    for name in FAMILY:
        shutil.copytree(PYPI_DIR / name, root / "whl" / "cpu" / name)
    return root


def test_lock_real_closure_over_loopback(
    mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    pytest.importorskip("torchenv.index.client")
    monkeypatch.setenv("TORCHENV_CACHE_DIR", str(tmp_path / "cache"))
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.in").write_text("torch==2.7.0\ntorchvision\ntorchaudio\n")
    with IndexServer(mirror) as server:
        args = [
            "lock",
            "-r",
            str(project / "requirements.in"),
            "--variants",
            "cpu",
            "--python",
            "3.11",
            "--index-url",
            server.url + "/simple",
            "--pytorch-index-url",
            server.url + "/whl",
        ]
        assert main(args) == 0
        first = (project / "pylock.cpu.toml").read_bytes()
        assert main([*args, "--check"]) == 0
    document = read_lock_document(str(project / "pylock.cpu.toml"))
    Pylock.from_dict(document).validate()
    assert len(document["environments"]) == 4
    packages = {(p["name"], p["version"]): p for p in document["packages"]}
    torch = packages[("torch", "2.7.0")]
    assert torch["index"] == server.url + "/whl/cpu" and "marker" not in torch
    assert len(torch["wheels"]) == 4  # one file per target, all in one entry
    assert packages[("torchvision", "0.22.0")]["index"] == server.url + "/whl/cpu"
    linux_x86 = "sys_platform == 'linux' and platform_machine == 'x86_64'"
    cuda = [p for (name, _v), p in packages.items() if name.startswith("nvidia-")]
    assert len(cuda) == 14 and all(p["marker"] == linux_x86 for p in cuda)
    assert packages[("triton", "3.3.0")]["marker"] == linux_x86
    for package in document["packages"]:
        for wheel in package["wheels"]:
            assert len(wheel["hashes"]["sha256"]) == 64 and wheel["size"] > 0
    assert b"pythonhosted" not in first  # URLs are the mirror's, as served
