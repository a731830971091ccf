"""IndexClient against a real loopback index (tests/indexserver.py)."""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexserver import IndexServer, build_index
from torchenv.errors import IndexError_
from torchenv.index.client import IndexClient
from torchenv.index.local import path_to_file_url
from torchenv.index.progress import ProgressEvent
from wheelmaker import make_wheel

REPO = Path(__file__).resolve().parent.parent
PYPI_FIXTURES = REPO / "fixtures" / "index" / "pypi"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    wheels = tmp_path / "wheels"
    demo = make_wheel(wheels, "demo-pkg", "1.0", requires=("numpy>=1.26",), requires_python=">=3.9")
    demo2 = make_wheel(wheels, "demo-pkg", "1.1", requires=("numpy>=2",))
    torch = make_wheel(wheels, "torch", "2.7.0+cpu", tag="cp311-cp311-manylinux_2_28_x86_64")
    root = tmp_path / "root"
    build_index(root, {"simple": [demo, demo2], "whl/cpu": [torch]})
    return root


@pytest.fixture
def server(tree: Path) -> Iterator[IndexServer]:
    with IndexServer(tree) as running:
        yield running


def client_for(tmp_path: Path, **kwargs: object) -> IndexClient:
    options: dict[str, object] = {"timeout": 0.5, "backoff": 0.01, "retries": 2}
    options.update(kwargs)
    return IndexClient(cache_dir=tmp_path / "cache", **options)  # type: ignore[arg-type]


def test_json_page_preferred_and_metadata_from_sidecar(server: IndexServer, tmp_path: Path) -> None:
    with client_for(tmp_path) as client:
        page = client.project_page(f"{server.url}/simple", "Demo_Pkg")
        assert page.name == "demo-pkg"
        assert [link.filename for link in page.links] == [
            "demo_pkg-1.0-py3-none-any.whl",
            "demo_pkg-1.1-py3-none-any.whl",
        ]
        assert page.links[0].requires_python == ">=3.9"
        metadata = client.wheel_metadata(page.links[0])
    assert b"Requires-Dist: numpy>=1.26" in metadata
    assert server.count("/simple/demo-pkg/demo_pkg-1.0-py3-none-any.whl.metadata") == 1
    page_request = next(r for r in server.requests if r[1] == "/simple/demo-pkg/")
    assert page_request[2]["Accept"].startswith("application/vnd.pypi.simple.v1+json")


def test_html_page_when_only_html_served(tree: Path, tmp_path: Path) -> None:
    (tree / "whl" / "cpu" / "torch" / "index.json").unlink()
    with IndexServer(tree) as server, client_for(tmp_path) as client:
        page = client.project_page(f"{server.url}/whl/cpu", "torch")
        (link,) = page.links
        assert link.filename == "torch-2.7.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
        assert (
            link.url
            == f"{server.url}/whl/cpu/torch-2.7.0%2Bcpu-cp311-cp311-manylinux_2_28_x86_64.whl"
        )
        assert link.metadata_hashes is not None
        assert b"Version: 2.7.0+cpu" in client.wheel_metadata(link)


def test_page_revalidated_with_304(server: IndexServer, tmp_path: Path) -> None:
    with client_for(tmp_path) as first:
        first.project_page(f"{server.url}/simple", "demo-pkg")
    events: list[ProgressEvent] = []
    with client_for(tmp_path, progress=events.append) as second:
        page = second.project_page(f"{server.url}/simple", "demo-pkg")
        second.project_page(f"{server.url}/simple", "demo-pkg")  # memo: no request
    assert len(page.links) == 2
    assert server.count("/simple/demo-pkg/") == 2
    last_headers = [r for r in server.requests if r[1] == "/simple/demo-pkg/"][-1][2]
    assert "If-None-Match" in last_headers
    assert any(e.kind == "cached" and e.message == "not modified" for e in events)


def test_metadata_by_range_requests(server: IndexServer, tmp_path: Path) -> None:
    with client_for(tmp_path) as client:
        link = client.project_page(f"{server.url}/simple", "demo-pkg").links[1]
        no_sidecar = link._replace(metadata_hashes=None)
        metadata = client.wheel_metadata(no_sidecar)
    assert b"Version: 1.1" in metadata
    ranges = [r[2].get("Range") for r in server.requests if r[1].endswith("1.1-py3-none-any.whl")]
    assert ranges and all(ranges), ranges  # never a whole-file GET
    assert ranges[0] == "bytes=-65536"


def test_metadata_by_full_download_is_reported(server: IndexServer, tmp_path: Path) -> None:
    server.ignore_range = True
    events: list[ProgressEvent] = []
    with client_for(tmp_path, progress=events.append) as client:
        link = client.project_page(f"{server.url}/simple", "demo-pkg").links[0]
        metadata = client.wheel_metadata(link._replace(metadata_hashes=None))
    assert b"Name: demo-pkg" in metadata
    warnings = [e for e in events if e.kind == "warning"]
    assert warnings and "downloading the whole file" in warnings[0].message


def test_metadata_hash_mismatch_is_an_error(server: IndexServer, tmp_path: Path) -> None:
    with client_for(tmp_path) as client:
        link = client.project_page(f"{server.url}/simple", "demo-pkg").links[0]
        bad = link._replace(metadata_hashes={"sha256": "0" * 64})
        with pytest.raises(IndexError_, match=r"demo_pkg-1\.0-py3-none-any\.whl\.metadata: sha256"):
            client.wheel_metadata(bad)


def test_offline_hit_and_miss(server: IndexServer, tmp_path: Path) -> None:
    with client_for(tmp_path) as online:
        link = online.project_page(f"{server.url}/simple", "demo-pkg").links[0]
        online.wheel_metadata(link)
    before = len(server.requests)
    with client_for(tmp_path, offline=True) as offline:
        page = offline.project_page(f"{server.url}/simple", "demo-pkg")
        assert offline.wheel_metadata(page.links[0]).startswith(b"Metadata-Version")
        with pytest.raises(IndexError_) as info:
            offline.project_page(f"{server.url}/whl/cpu", "torch")
        with pytest.raises(IndexError_, match="not in the cache"):
            offline.wheel_metadata(page.links[1])
    assert str(info.value) == f"not in the cache (offline): {server.url}/whl/cpu/torch/"
    assert len(server.requests) == before


def test_missing_project_is_an_empty_page_cached_for_offline(
    server: IndexServer, tmp_path: Path
) -> None:
    with client_for(tmp_path) as client:
        assert client.project_page(f"{server.url}/simple", "nope").links == ()
    with client_for(tmp_path, offline=True) as offline:
        assert offline.project_page(f"{server.url}/simple", "nope").links == ()


def test_download_verifies_hash(server: IndexServer, tmp_path: Path) -> None:
    with client_for(tmp_path) as client:
        link = client.project_page(f"{server.url}/whl/cpu", "torch").links[0]
        path = client.download(link, tmp_path / "dl")
        assert hashlib.sha256(path.read_bytes()).hexdigest() == link.sha256
        server.corrupt("/whl/cpu/torch-")
        with pytest.raises(IndexError_, match=r"torch-2\.7\.0\+cpu-cp311.*sha256 mismatch"):
            client.download(link, tmp_path / "bad")
    assert list((tmp_path / "bad").iterdir()) == []


def test_two_clients_share_one_cache_concurrently(server: IndexServer, tmp_path: Path) -> None:
    errors: list[BaseException] = []
    results: list[int] = []

    def work() -> None:
        try:
            with client_for(tmp_path) as client:
                pages = client.prefetch_pages(
                    [(f"{server.url}/simple", "demo-pkg"), (f"{server.url}/whl/cpu", "torch")]
                )
                data = client.prefetch_metadata([link for page in pages for link in page.links])
                results.append(len(data))
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results == [3, 3, 3, 3]
    leftovers = [p for p in (tmp_path / "cache").rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_file_mirror(tree: Path, tmp_path: Path) -> None:
    with client_for(tmp_path) as client:
        index = path_to_file_url(tree / "simple")
        page = client.project_page(index, "demo-pkg")
        assert len(page.links) == 2
        assert b"Version: 1.0" in client.wheel_metadata(page.links[0])
        copied = client.download(page.links[0], tmp_path / "dl")
        assert copied.read_bytes() == (tree / "simple" / "demo-pkg" / copied.name).read_bytes()


def test_file_mirror_plain_directory_listing(tmp_path: Path) -> None:
    flat = tmp_path / "flat"
    wheel = make_wheel(flat, "demo-pkg", "2.0")
    make_wheel(flat, "other", "1.0")
    with client_for(tmp_path) as client:
        page = client.project_page(path_to_file_url(flat), "demo-pkg")
        (link,) = page.links
        assert link.sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
        assert b"Name: demo-pkg" in client.wheel_metadata(link)


def test_recorded_pypi_fixtures_served_over_http(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(PYPI_FIXTURES, root / "simple")
    with IndexServer(root) as server, client_for(tmp_path) as client:
        page = client.project_page(f"{server.url}/simple", "torch")
        wanted = "torch-2.7.0-cp311-cp311-manylinux_2_28_x86_64.whl"
        link = page.link(wanted)
        assert link is not None and link.sha256 and link.metadata_hashes
        metadata = client.wheel_metadata(link).decode()
    assert "Version: 2.7.0" in metadata
    assert 'Requires-Dist: nvidia-cudnn-cu12==9.5.1.17; platform_system == "Linux"' in metadata
