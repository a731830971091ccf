"""IndexClient under injected faults: retries, timeouts, drops, bad bodies, credentials."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexserver import IndexServer, build_index
from torchenv.errors import IndexError_
from torchenv.index.client import IndexClient
from torchenv.index.progress import ProgressEvent
from wheelmaker import make_wheel


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IndexServer]:
    wheel = make_wheel(tmp_path / "wheels", "demo", "1.0")
    build_index(tmp_path / "root", {"simple": [wheel]})
    with IndexServer(tmp_path / "root") as running:
        yield running


def client(tmp_path: Path, **kwargs: object) -> IndexClient:
    options: dict[str, object] = {"timeout": 0.3, "backoff": 0.0, "retries": 2}
    options.update(kwargs)
    return IndexClient(cache_dir=tmp_path / "cache", **options)  # type: ignore[arg-type]


def test_two_500s_then_success(server: IndexServer, tmp_path: Path) -> None:
    server.fail_times("/simple/demo/", 2)
    events: list[ProgressEvent] = []
    with client(tmp_path, progress=events.append) as c:
        assert len(c.project_page(f"{server.url}/simple", "demo").links) == 1
    assert server.count("/simple/demo/") == 3
    assert [e.kind for e in events].count("retry") == 2


def test_persistent_500_names_url(server: IndexServer, tmp_path: Path) -> None:
    server.fail_times("/simple/demo/", 10)
    with client(tmp_path) as c, pytest.raises(IndexError_) as info:
        c.project_page(f"{server.url}/simple", "demo")
    assert f"{server.url}/simple/demo/" in str(info.value)
    assert "HTTP 500" in str(info.value) and "3 attempts" in str(info.value)


def test_4xx_is_not_retried(server: IndexServer, tmp_path: Path) -> None:
    server.fail_times("/simple/demo/", 10, status=400)
    with client(tmp_path) as c, pytest.raises(IndexError_, match="HTTP 400"):
        c.project_page(f"{server.url}/simple", "demo")
    assert server.count("/simple/demo/") == 1


def test_timeout(server: IndexServer, tmp_path: Path) -> None:
    server.delay("/simple/demo/", 1.0)
    with client(tmp_path, retries=0) as c, pytest.raises(IndexError_, match="timed out"):
        c.project_page(f"{server.url}/simple", "demo")


def test_dropped_connection(server: IndexServer, tmp_path: Path) -> None:
    server.drop("/simple/demo/")
    with client(tmp_path, retries=1) as c, pytest.raises(IndexError_, match="connection failed"):
        c.project_page(f"{server.url}/simple", "demo")


def test_truncated_json_is_a_clear_error_and_not_cached(
    server: IndexServer, tmp_path: Path
) -> None:
    server.truncate("/simple/demo/")
    with client(tmp_path) as c, pytest.raises(IndexError_, match="invalid PEP 691 JSON"):
        c.project_page(f"{server.url}/simple", "demo")
    server.clear_faults()
    with client(tmp_path, offline=True) as c, pytest.raises(IndexError_, match="not in the cache"):
        c.project_page(f"{server.url}/simple", "demo")


def test_garbage_html_page(server: IndexServer, tmp_path: Path) -> None:
    server.garbage_html("/simple/demo/")
    with client(tmp_path) as c, pytest.raises(IndexError_, match="not a simple-index HTML page"):
        c.project_page(f"{server.url}/simple", "demo")


def test_credentials_used_but_never_shown(server: IndexServer, tmp_path: Path) -> None:
    server.auth = ("user", "s3cret-token")
    index = server.url.replace("http://", "http://user:s3cret-token@") + "/simple"
    with client(tmp_path) as c:
        page = c.project_page(index, "demo")
        assert "s3cret" not in page.url and all("s3cret" not in x.url for x in page.links)
        assert c.wheel_metadata(page.links[0]).startswith(b"Metadata-Version")
    server.fail_times("/simple/other/", 10)
    with client(tmp_path) as c, pytest.raises(IndexError_) as info:
        c.project_page(index, "other")
    assert "s3cret" not in str(info.value) and "/simple/other/" in str(info.value)
    cached = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert cached and not any(b"s3cret" in p.read_bytes() for p in cached)
    with client(tmp_path) as c, pytest.raises(IndexError_, match="HTTP 401"):
        c.project_page(server.url + "/simple", "demo")
