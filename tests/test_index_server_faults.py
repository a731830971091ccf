"""IndexClient under injected faults: retries, timeouts, drops, bad bodies, credentials."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexserver import IndexServer, build_index
from torchenv.errors import IndexError_
from torchenv.index.client import IndexClient
from torchenv.index.progress import ProgressEvent
from wheelmaker import make_wheel

PAGE = "/simple/demo-pkg/"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IndexServer]:
    wheel = make_wheel(tmp_path / "wheels", "demo-pkg", "1.0", requires=("numpy",))
    build_index(tmp_path / "root", {"simple": [wheel]})
    with IndexServer(tmp_path / "root") as running:
        yield running


def client(tmp_path: Path, **kwargs: object) -> IndexClient:
    options: dict[str, object] = {"timeout": 0.3, "backoff": 0.01, "retries": 2}
    options.update(kwargs)
    return IndexClient(cache_dir=tmp_path / "cache", **options)  # type: ignore[arg-type]


def test_transient_500s_are_retried(server: IndexServer, tmp_path: Path) -> None:
    server.fail_times(PAGE, 2)
    events: list[ProgressEvent] = []
    with client(tmp_path, progress=events.append) as c:
        page = c.project_page(f"{server.url}/simple", "demo-pkg")
    assert len(page.links) == 1
    assert server.count(PAGE) == 3
    assert [e.kind for e in events].count("retry") == 2


def test_persistent_500_names_the_url(server: IndexServer, tmp_path: Path) -> None:
    server.fail_times(PAGE, 100)
    with client(tmp_path) as c, pytest.raises(IndexError_) as info:
        c.project_page(f"{server.url}/simple", "demo-pkg")
    assert f"{server.url}{PAGE}" in str(info.value)
    assert "HTTP 500" in str(info.value)
    assert server.count(PAGE) == 3  # 1 + retries


def test_4xx_is_not_retried(server: IndexServer, tmp_path: Path) -> None:
    server.fail_times(PAGE, 100, status=403)
    with client(tmp_path) as c, pytest.raises(IndexError_, match="HTTP 403"):
        c.project_page(f"{server.url}/simple", "demo-pkg")
    assert server.count(PAGE) == 1


def test_timeout_is_retried_then_reported(server: IndexServer, tmp_path: Path) -> None:
    server.delay(PAGE, 1.0)
    started = time.monotonic()
    with client(tmp_path, retries=1) as c, pytest.raises(IndexError_, match="timed out"):
        c.project_page(f"{server.url}/simple", "demo-pkg")
    assert time.monotonic() - started < 2.5


def test_dropped_connection(server: IndexServer, tmp_path: Path) -> None:
    server.drop(PAGE)
    with (
        client(tmp_path, retries=1) as c,
        pytest.raises(IndexError_, match="connection failed") as info,
    ):
        c.project_page(f"{server.url}/simple", "demo-pkg")
    assert f"{server.url}{PAGE}" in str(info.value)


def test_truncated_json_is_a_clear_error_and_not_cached(
    server: IndexServer, tmp_path: Path
) -> None:
    server.truncate(PAGE)
    with client(tmp_path) as c, pytest.raises(IndexError_, match="invalid PEP 691 JSON") as info:
        c.project_page(f"{server.url}/simple", "demo-pkg")
    assert f"{server.url}{PAGE}" in str(info.value)
    server.clear_faults()
    with client(tmp_path, offline=True) as c, pytest.raises(IndexError_, match="not in the cache"):
        c.project_page(f"{server.url}/simple", "demo-pkg")
    with client(tmp_path) as c:
        assert len(c.project_page(f"{server.url}/simple", "demo-pkg").links) == 1


def test_garbage_html_is_a_clear_error(server: IndexServer, tmp_path: Path) -> None:
    server.garbage_html(PAGE)
    with (
        client(tmp_path) as c,
        pytest.raises(IndexError_, match="not a simple-index HTML page") as info,
    ):
        c.project_page(f"{server.url}/simple", "demo-pkg")
    assert f"{server.url}{PAGE}" in str(info.value)


def test_credentials_are_sent_and_never_shown(server: IndexServer, tmp_path: Path) -> None:
    server.auth = ("user", "secret")
    index = server.url.replace("http://", "http://user:secret@") + "/simple"
    with client(tmp_path) as c:
        page = c.project_page(index, "demo-pkg")
        assert b"Name: demo-pkg" in c.wheel_metadata(page.links[0])
        assert all("secret" not in link.url for link in page.links)
    server.fail_times(PAGE, 100)
    with client(tmp_path / "other") as c, pytest.raises(IndexError_) as info:
        c.project_page(index, "demo-pkg")
    assert "secret" not in str(info.value)
    assert "127.0.0.1" in str(info.value)
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert b"secret" not in path.read_bytes()


def test_wrong_credentials_are_not_retried(server: IndexServer, tmp_path: Path) -> None:
    server.auth = ("user", "secret")
    index = server.url.replace("http://", "http://user:wrong@") + "/simple"
    with client(tmp_path) as c, pytest.raises(IndexError_, match="401") as info:
        c.project_page(index, "demo-pkg")
    assert "wrong" not in str(info.value)
    assert server.count(PAGE) == 1
