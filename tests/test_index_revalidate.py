"""``IndexClient.revalidate_pages``: the lock fast path's check that stale pages still hold.

Over a real loopback index with an injected clock: a fresh page costs no request, a
stale one a conditional request whose 304 renews it (and its body is never parsed), a
changed page (200) is parsed and cached and its new digest returned, a project gone
(404) becomes an empty page, offline nothing is sent, a failure is None. Pages renewed
or replaced count as fresh for the rest of the client's life.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexserver import IndexServer, build_index
from torchenv.index import client as client_module
from torchenv.index.cache import body_digest
from torchenv.index.client import IndexClient
from wheelmaker import make_wheel

PAGE = "/simple/demo-pkg/"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IndexServer]:
    root = tmp_path / "root"
    build_index(root, {"simple": [make_wheel(tmp_path / "wheels", "demo-pkg", "1.0")]})
    with IndexServer(root) as running:
        running.headers = {"Cache-Control": "max-age=60"}
        yield running


def new_client(tmp_path: Path, now: float, **options: object) -> IndexClient:
    return IndexClient(cache_dir=tmp_path / "cache", clock=lambda: now, **options)  # type: ignore[arg-type]


def cached_digest(tmp_path: Path, server: IndexServer) -> str:
    with new_client(tmp_path, time.time()) as client:
        client.project_page(f"{server.url}/simple", "demo-pkg")
        digest = client.pages_read()[f"{server.url}{PAGE}"]
    assert digest is not None
    return digest


def test_fresh_page_sends_nothing(server: IndexServer, tmp_path: Path) -> None:
    digest = cached_digest(tmp_path, server)
    before = len(server.requests)
    with new_client(tmp_path, time.time() + 10) as client:
        assert client.revalidate_pages([f"{server.url}{PAGE}"]) == {f"{server.url}{PAGE}": digest}
    assert len(server.requests) == before


def test_stale_page_not_modified_is_renewed_unparsed(
    server: IndexServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    digest = cached_digest(tmp_path, server)
    url = f"{server.url}{PAGE}"
    later = time.time() + 120  # past max-age=60
    before = len(server.requests)

    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a 304 needs no parsing")

    server.clock = lambda: later  # the 304's Date agrees with the client's clock
    with new_client(tmp_path, later) as client:
        monkeypatch.setattr(client_module, "parse_project_page", no_parsing)
        assert client.revalidate_pages([url]) == {url: digest}
        monkeypatch.undo()
        # Renewed for the rest of this client's life: served without asking again.
        client.project_page(f"{server.url}/simple", "demo-pkg")
    requests = server.requests[before:]
    assert [path for _m, path, _h in requests] == [PAGE]
    assert "If-None-Match" in requests[0][2]
    with new_client(tmp_path, later + 30) as client:  # and in the cache: max-age again
        assert client.revalidate_pages([url]) == {url: digest}
    assert len(server.requests) == before + 1


def test_changed_page_is_cached_and_not_asked_for_again(
    server: IndexServer, tmp_path: Path
) -> None:
    cached_digest(tmp_path, server)
    url = f"{server.url}{PAGE}"
    page_file = server.root / "simple" / "demo-pkg" / "index.json"
    page_file.write_bytes(page_file.read_bytes() + b"\n")
    os.utime(page_file, (page_file.stat().st_atime, page_file.stat().st_mtime + 5))
    before = len(server.requests)
    with new_client(tmp_path, time.time() + 120) as client:
        new_digest = body_digest(page_file.read_bytes())
        assert client.revalidate_pages([url]) == {url: new_digest}
        assert client.pages_read() == {}  # revalidated, not yet read by anyone
        page = client.project_page(f"{server.url}/simple", "demo-pkg")
        assert client.pages_read()[url] == body_digest(page_file.read_bytes())
    assert [link.filename for link in page.links] == ["demo_pkg-1.0-py3-none-any.whl"]
    assert [path for _m, path, _h in server.requests[before:]] == [PAGE]


def test_failures_and_unknown_pages_are_none_after_one_attempt(
    server: IndexServer, tmp_path: Path
) -> None:
    cached_digest(tmp_path, server)
    url = f"{server.url}{PAGE}"
    server.fail_times(PAGE, 1, status=503)
    before = len(server.requests)
    with new_client(tmp_path, time.time() + 120, backoff=0.0) as client:
        result = client.revalidate_pages([url, f"{server.url}/simple/never-read/"])
    assert result == {url: None, f"{server.url}/simple/never-read/": None}
    assert [path for _m, path, _h in server.requests[before:]] == [PAGE]  # no retry


def test_offline_sends_nothing_and_counts_the_cached_copy(
    server: IndexServer, tmp_path: Path
) -> None:
    digest = cached_digest(tmp_path, server)
    url = f"{server.url}{PAGE}"
    before = len(server.requests)
    with new_client(tmp_path, time.time() + 120, offline=True) as client:
        assert client.revalidate_pages([url]) == {url: digest}
    assert len(server.requests) == before


def test_a_full_answer_with_the_same_body_counts_as_unchanged(
    server: IndexServer, tmp_path: Path
) -> None:
    digest = cached_digest(tmp_path, server)
    url = f"{server.url}{PAGE}"
    server.validators = False  # a server without conditional requests: always 200
    with new_client(tmp_path, time.time() + 120) as client:
        assert client.revalidate_pages([url]) == {url: digest}


def test_a_project_gone_from_the_index_is_an_empty_page(
    server: IndexServer, tmp_path: Path
) -> None:
    cached_digest(tmp_path, server)
    url = f"{server.url}{PAGE}"
    server.fail_times(PAGE, 2, status=404)
    later = time.time() + 120
    with new_client(tmp_path, later) as client:
        (digest,) = client.revalidate_pages([url]).values()
        assert digest is not None
        page = client.project_page(f"{server.url}/simple", "demo-pkg")  # no second request
    assert page.links == ()
    assert [path for _m, path, _h in server.requests].count(PAGE) == 2  # first read + 404


def test_a_cache_that_cannot_be_written_is_no_error(
    server: IndexServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from torchenv.index import cache as cache_module

    digest = cached_digest(tmp_path, server)
    url = f"{server.url}{PAGE}"

    def read_only(path: Path, data: bytes) -> None:
        raise PermissionError(13, "Read-only file system", str(path))

    monkeypatch.setattr(cache_module, "_replace_file", read_only)
    server.clock = lambda: time.time() + 120
    with new_client(tmp_path, time.time() + 120) as client:
        assert client.revalidate_pages([url]) == {url: digest}  # 304, renewal not kept
        page = client.project_page(f"{server.url}/simple", "demo-pkg")
    assert [link.filename for link in page.links] == ["demo_pkg-1.0-py3-none-any.whl"]
