"""The PyTorch-style fixture pages parse and serve like download.pytorch.org."""

from __future__ import annotations

import shutil
from pathlib import Path

from indexserver import IndexServer
from torchenv.index.client import IndexClient

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "index" / "pytorch"


def test_cu128_and_cpu_pages_over_http(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "whl", tmp_path / "root" / "whl")
    with (
        IndexServer(tmp_path / "root") as server,
        IndexClient(cache_dir=tmp_path / "cache", timeout=2, retries=0) as client,
    ):
        cu128 = client.project_page(f"{server.url}/whl/cu128", "torch")
        assert len(cu128.links) == 18
        link = cu128.link("torch-2.7.0+cu128-cp311-cp311-manylinux_2_28_x86_64.whl")
        assert link is not None
        assert link.sha256 == "c4bbc0b4be60319ba1cefc90be9557b317f0b3c261eeceb96ca6e0343eec56bf"
        metadata = client.wheel_metadata(link).decode()
        assert "Version: 2.7.0+cu128" in metadata
        assert "nvidia-cublas-cu12==12.8.3.14" in metadata
        cpu = client.project_page(f"{server.url}/whl/cpu", "torch")
        assert len(cpu.links) == 6
        cpu_metadata = client.wheel_metadata(cpu.links[0]).decode()
        assert "Version: 2.7.0+cpu" in cpu_metadata and "Requires-Dist: nvidia" not in cpu_metadata
