"""Cached pages over a real loopback index: fresh pages cost no request, stale ones one.

Each test builds a small index (tests/indexserver.py), reads a page with one
IndexClient, then reads it again with a new client on the same cache directory, as a
second ``torchenv lock`` run would, and counts what reached the server. The clock is
injected so "ten minutes later" needs no sleeping.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexserver import IndexServer, build_index
from torchenv.index.client import IndexClient, OfflineCacheMiss
from torchenv.index.progress import ProgressEvent
from wheelmaker import make_wheel

PAGE = "/simple/demo-pkg/"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    wheels = tmp_path / "wheels"
    demo = make_wheel(wheels, "demo-pkg", "1.0")
    root = tmp_path / "root"
    build_index(root, {"simple": [demo]})
    return root


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(tree: Path, clock: Clock) -> Iterator[IndexServer]:
    with IndexServer(tree) as running:
        running.clock = clock  # the server's Date header moves with the client's clock
        yield running


def read(server: IndexServer, tmp_path: Path, clock: Clock, **options: bool) -> list[str]:
    """Read the demo page with a new client; return the progress messages."""
    events: list[ProgressEvent] = []
    client = IndexClient(
        cache_dir=tmp_path / "cache",
        progress=events.append,
        clock=clock,
        retries=0,
        **options,  # type: ignore[arg-type]
    )
    with client:
        page = client.project_page(f"{server.url}/simple", "demo-pkg")
        assert [link.filename for link in page.links] == ["demo_pkg-1.0-py3-none-any.whl"]
        # A page already read in this process is never asked for again.
        assert client.project_page(f"{server.url}/simple", "demo-pkg") is page
    return [event.message for event in events]


def test_fresh_page_costs_no_request(server: IndexServer, tmp_path: Path, clock: Clock) -> None:
    server.headers = {"Cache-Control": "max-age=600, public"}  # what pypi.org sends
    read(server, tmp_path, clock)
    assert server.count(PAGE) == 1
    clock.now += 599
    assert read(server, tmp_path, clock) == ["demo-pkg: page from cache (fresh)"]
    assert server.count(PAGE) == 1


def test_stale_page_is_revalidated_once_and_renewed(
    server: IndexServer, tmp_path: Path, clock: Clock
) -> None:
    server.headers = {"Cache-Control": "max-age=600"}
    read(server, tmp_path, clock)
    clock.now += 601
    assert "not modified" in read(server, tmp_path, clock)
    assert server.count(PAGE) == 2
    conditional = server.requests[-1][2]
    assert conditional["If-None-Match"].startswith('"')
    assert "If-Modified-Since" in conditional
    # The 304 carried no Cache-Control: the stored max-age applies again from now on.
    clock.now += 599
    assert read(server, tmp_path, clock) == ["demo-pkg: page from cache (fresh)"]
    assert server.count(PAGE) == 2


def test_304_headers_replace_the_stored_ones(
    server: IndexServer, tmp_path: Path, clock: Clock
) -> None:
    server.headers = {"Cache-Control": "max-age=600"}
    server.headers_304 = {"Cache-Control": "no-cache"}
    read(server, tmp_path, clock)
    clock.now += 601
    read(server, tmp_path, clock)
    read(server, tmp_path, clock)
    assert server.count(PAGE) == 3  # no-cache from the 304 now holds: ask every time


def test_page_without_freshness_is_revalidated_every_run(
    server: IndexServer, tmp_path: Path, clock: Clock
) -> None:
    # http.server's shape: Last-Modified of a file written a moment ago, no Cache-Control.
    read(server, tmp_path, clock)
    for _run in range(2):
        # Written seconds ago: the heuristic (10 % of that age) lasts well under 1 s.
        clock.now += 5
        assert "not modified" in read(server, tmp_path, clock)
    assert server.count(PAGE) == 3


def test_heuristic_freshness_from_an_old_last_modified(
    server: IndexServer, tree: Path, tmp_path: Path, clock: Clock
) -> None:
    index = tree / "simple" / "demo-pkg" / "index.json"
    day_ago = time.time() - 86400
    os.utime(index, (day_ago, day_ago))
    read(server, tmp_path, clock)
    clock.now += 590  # 10 % of a day is more than the 600 s cap: fresh until then
    assert read(server, tmp_path, clock) == ["demo-pkg: page from cache (fresh)"]
    clock.now += 20
    assert "not modified" in read(server, tmp_path, clock)
    assert server.count(PAGE) == 2


def test_changed_page_is_read_after_expiry(
    server: IndexServer, tree: Path, tmp_path: Path, clock: Clock
) -> None:
    server.headers = {"Cache-Control": "max-age=60"}
    read(server, tmp_path, clock)
    wheels = tmp_path / "wheels2"
    newer = make_wheel(wheels, "demo-pkg", "1.1")
    build_index(tree, {"simple": [make_wheel(wheels, "demo-pkg", "1.0"), newer]})
    clock.now += 61
    with IndexClient(cache_dir=tmp_path / "cache", clock=clock) as client:
        page = client.project_page(f"{server.url}/simple", "demo-pkg")
    assert [link.filename for link in page.links][-1] == "demo_pkg-1.1-py3-none-any.whl"


def test_refresh_revalidates_fresh_pages(server: IndexServer, tmp_path: Path, clock: Clock) -> None:
    server.headers = {"Cache-Control": "max-age=600"}
    read(server, tmp_path, clock)
    assert "not modified" in read(server, tmp_path, clock, refresh=True)
    assert server.count(PAGE) == 2
    assert "If-None-Match" in server.requests[-1][2]


def test_offline_uses_stale_pages_and_sends_nothing(
    server: IndexServer, tmp_path: Path, clock: Clock
) -> None:
    read(server, tmp_path, clock)
    clock.now += 86400
    assert read(server, tmp_path, clock, offline=True) == ["demo-pkg: page from cache (offline)"]
    assert server.count(PAGE) == 1


def test_no_store_pages_stay_off_disk(server: IndexServer, tmp_path: Path, clock: Clock) -> None:
    server.headers = {"Cache-Control": "no-store"}
    read(server, tmp_path, clock)
    read(server, tmp_path, clock)
    assert server.count(PAGE) == 2
    assert not (tmp_path / "cache" / "index-v1" / "pages").exists()
    with pytest.raises(OfflineCacheMiss):
        read(server, tmp_path, clock, offline=True)


def test_no_store_removes_the_copy_stored_before(
    server: IndexServer, tmp_path: Path, clock: Clock
) -> None:
    server.headers = {"Cache-Control": "max-age=600"}
    read(server, tmp_path, clock)
    server.headers = {"Cache-Control": "no-store"}
    server.validators = False  # a whole page (200), not a 304 renewing the old headers
    read(server, tmp_path, clock, refresh=True)  # asks again: the answer is no-store
    assert server.count(PAGE) == 2
    clock.now += 1  # the old copy would still be fresh for 599 s
    assert "demo-pkg: page from cache (fresh)" not in read(server, tmp_path, clock)
    assert server.count(PAGE) == 3
    assert list((tmp_path / "cache" / "index-v1" / "pages").iterdir()) == []
    with pytest.raises(OfflineCacheMiss):
        read(server, tmp_path, clock, offline=True)


def test_server_without_validators_sends_the_page_again(
    server: IndexServer, tmp_path: Path, clock: Clock
) -> None:
    server.validators = False
    read(server, tmp_path, clock)
    clock.now += 1
    messages = read(server, tmp_path, clock)
    assert "not modified" not in messages and "demo-pkg: 1 files" in messages
    assert "If-None-Match" not in server.requests[-1][2]


FRESH_RUN = """
import sys, ssl
calls = []
real = ssl.create_default_context
ssl.create_default_context = lambda *a, **k: calls.append(1) or real(*a, **k)
from torchenv.index.client import IndexClient
url, cache, expect_httpx = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
with IndexClient(cache_dir=cache) as client:
    client.project_page(url, "demo-pkg")
assert ("httpx" in sys.modules) == expect_httpx, sorted(m for m in sys.modules if "http" in m)
assert not calls, "CA certificates loaded for a plain-HTTP index"
"""


def test_fresh_run_imports_no_http_stack_and_http_loads_no_certificates(
    server: IndexServer, tmp_path: Path, clock: Clock
) -> None:
    server.headers = {"Cache-Control": "max-age=600"}
    url, cache = f"{server.url}/simple", str(tmp_path / "cache")
    for expect_httpx in ("1", "0"):  # first run fetches over http://, second is all fresh
        subprocess.run(
            [sys.executable, "-c", FRESH_RUN, url, cache, expect_httpx],
            check=True,
            capture_output=True,
        )
    assert server.count(PAGE) == 1
