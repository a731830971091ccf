"""Proxy variables reach the index client (httpx ignores them when given a transport).

A loopback "proxy" records the request lines it receives: a proxied plain-HTTP request
arrives in absolute form (``GET http://host/path HTTP/1.1``), a proxied HTTPS one as
``CONNECT host:443``. The index it stands in front of is the real loopback index server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from indexserver import IndexServer, build_index
from torchenv.errors import IndexError_
from torchenv.index._http import proxy_configured
from torchenv.index.client import IndexClient
from wheelmaker import make_wheel

PROXY_PAGE = {
    "meta": {"api-version": "1.0"},
    "name": "demo-pkg",
    "files": [{"filename": "demo_pkg-9.9-py3-none-any.whl", "url": "x.whl", "hashes": {}}],
}


class _ProxyHandler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.lines.append(self.requestline)
        body = json.dumps(PROXY_PAGE).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_CONNECT(self) -> None:
        self.server.lines.append(self.requestline)
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.lines: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def proxy() -> Iterator[_ProxyServer]:
    server = _ProxyServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def index(tmp_path: Path) -> Iterator[IndexServer]:
    root = tmp_path / "root"
    build_index(root, {"simple": [make_wheel(tmp_path / "wheels", "demo-pkg", "1.0")]})
    with IndexServer(root) as running:
        yield running


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            monkeypatch.delenv(key)


def client(tmp_path: Path) -> IndexClient:
    return IndexClient(cache_dir=tmp_path / "cache", retries=0, timeout=5)


def test_proxy_detection_reads_keys_in_any_case() -> None:
    assert proxy_configured({"HTTPS_PROXY": "http://proxy:3128"})
    assert proxy_configured({"all_proxy": "socks5://proxy"})
    assert not proxy_configured({"HTTPS_PROXY": ""})
    assert not proxy_configured({"NO_PROXY": "*", "FTP_PROXY": "http://proxy"})


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
def test_plain_http_goes_through_the_proxy(
    variable: str,
    proxy: _ProxyServer,
    index: IndexServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, proxy.url)
    with client(tmp_path) as indexes:
        page = indexes.project_page(f"{index.url}/simple", "demo-pkg")
    assert proxy.lines == [f"GET {index.url}/simple/demo-pkg/ HTTP/1.1"]
    assert [link.filename for link in page.links] == ["demo_pkg-9.9-py3-none-any.whl"]
    assert index.count("/simple/") == 0


def test_https_proxy_is_asked_to_connect(
    proxy: _ProxyServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    with client(tmp_path) as indexes, pytest.raises(IndexError_):
        indexes.project_page("https://index.invalid/simple", "demo-pkg")
    assert proxy.lines == ["CONNECT index.invalid:443 HTTP/1.1"]


def test_no_proxy_host_is_reached_directly(
    proxy: _ProxyServer,
    index: IndexServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("no_proxy", "example.org, 127.0.0.1")
    with client(tmp_path) as indexes:
        page = indexes.project_page(f"{index.url}/simple", "demo-pkg")
    assert proxy.lines == []
    assert [link.filename for link in page.links] == ["demo_pkg-1.0-py3-none-any.whl"]
    assert index.count("/simple/demo-pkg/") == 1


def test_without_proxy_variables_the_index_is_reached_directly(
    proxy: _ProxyServer, index: IndexServer, tmp_path: Path
) -> None:
    with client(tmp_path) as indexes:
        indexes.project_page(f"{index.url}/simple", "demo-pkg")
    assert proxy.lines == []
    assert index.count("/simple/demo-pkg/") == 1
