"""The lean GET path of the index client's HTTP session (``torchenv.index._http``).

Plain GETs without credentials go straight to the transport; these tests pin what
that path must keep from ``httpx.Client``: the headers on the wire, redirects
(relative, absolute without a host, to another origin, loops) and the final URL.
Requests with credentials go through the client (tests/test_index_netrc.py), as do
requests under a proxy from the environment (tests/test_index_proxy.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from torchenv.errors import IndexError_
from torchenv.index._http import USER_AGENT, make_http_client
from torchenv.index.client import ACCEPT, IndexClient

PAGE = b'<html><body><a href="demo_pkg-1.0-py3-none-any.whl#sha256=00">x</a></body></html>'


def test_lean_get_sends_what_the_client_sends() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"body")

    session = make_http_client(httpx.MockTransport(handler), 5.0, 2)
    lean = session.get("http://index.example/simple/demo/", headers={"Accept": ACCEPT})
    through_client = session.client.get(
        "http://index.example/simple/demo/", headers={"Accept": ACCEPT}
    )
    session.close()
    assert lean.content == through_client.content == b"body"
    assert str(lean.url) == "http://index.example/simple/demo/"
    # The same header names, in the same case and order, with the same values.
    assert seen[0].headers.raw == seen[1].headers.raw
    assert seen[0].headers["User-Agent"] == USER_AGENT
    assert seen[0].headers["Accept"] == ACCEPT
    assert seen[0].extensions["timeout"] == seen[1].extensions["timeout"]


@pytest.mark.parametrize(
    ("location", "final"),
    [
        ("../other/", "http://index.example/simple/other/"),
        ("/mirror/demo/", "http://index.example/mirror/demo/"),
        ("https://files.example/demo/", "https://files.example/demo/"),
    ],
)
def test_redirects_are_followed_like_the_client(location: str, final: str) -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        if str(request.url) == "http://index.example/simple/demo/":
            return httpx.Response(302, headers={"Location": location})
        return httpx.Response(200, content=b"moved")

    session = make_http_client(httpx.MockTransport(handler), 5.0, 2)
    lean = session.get("http://index.example/simple/demo/")
    session.client.get("http://index.example/simple/demo/", follow_redirects=True)
    session.close()
    assert urls == ["http://index.example/simple/demo/", final] * 2
    assert str(lean.url) == final
    assert lean.content == b"moved"


# With credentials the request goes through httpx.Client; without, the lean path.
@pytest.mark.parametrize(
    "index", ["http://index.example/simple", "http://u:secret@index.example/simple"]
)
def test_a_redirect_loop_is_one_clear_error(tmp_path: Path, index: str) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        return httpx.Response(301, headers={"Location": str(request.url)})

    client = IndexClient(cache_dir=tmp_path, transport=httpx.MockTransport(handler), retries=2)
    with client, pytest.raises(IndexError_, match=r"simple/demo/: too many redirects$"):
        client.project_page(index, "demo")
    assert len(calls) == 21  # the first request and 20 redirects, no retry of the loop


def test_an_invalid_location_is_a_transport_error_reported_with_the_url(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://[::1"})

    client = IndexClient(
        cache_dir=tmp_path, transport=httpx.MockTransport(handler), retries=1, backoff=0
    )
    with (
        client,
        pytest.raises(IndexError_, match=r"index\.example/simple/demo/: connection failed"),
    ):
        client.project_page("http://index.example/simple", "demo")


def test_pages_and_metadata_over_the_lean_path(tmp_path: Path) -> None:
    served: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        served.append(request.url.path)
        if request.url.path.endswith(".metadata"):
            return httpx.Response(200, content=b"Metadata-Version: 2.1\nName: demo-pkg\n")
        return httpx.Response(200, headers={"Content-Type": "text/html"}, content=PAGE)

    with IndexClient(cache_dir=tmp_path, transport=httpx.MockTransport(handler)) as client:
        page = client.project_page("http://index.example/simple", "demo-pkg")
        (link,) = page.links
        assert link.url == "http://index.example/simple/demo-pkg/demo_pkg-1.0-py3-none-any.whl"
        metadata = client.wheel_metadata(link._replace(metadata_hashes={}))
    assert metadata.startswith(b"Metadata-Version")
    assert served == [
        "/simple/demo-pkg/",
        "/simple/demo-pkg/demo_pkg-1.0-py3-none-any.whl.metadata",
    ]


class _CountingStream(httpx.SyncByteStream):
    """A body that records whether it was read to the end."""

    def __init__(self, body: bytes, reads: list[str], name: str) -> None:
        self.body, self.reads, self.name = body, reads, name

    def __iter__(self) -> Iterator[bytes]:
        yield self.body
        self.reads.append(self.name)


def test_a_short_redirect_body_is_read_so_the_connection_can_be_reused() -> None:
    reads: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/small/":
            body = b"moved"
            return httpx.Response(
                302,
                headers={"Location": "/final/", "Content-Length": str(len(body))},
                stream=_CountingStream(body, reads, "small"),
            )
        if request.url.path == "/big/":  # over the limit: dropped with its connection
            body = b"x" * (64 * 1024 + 1)
            return httpx.Response(
                302,
                headers={"Location": "/final/", "Content-Length": str(len(body))},
                stream=_CountingStream(body, reads, "big"),
            )
        return httpx.Response(200, content=b"here")

    session = make_http_client(httpx.MockTransport(handler), 5.0, 2)
    assert session.get("http://index.example/small/").content == b"here"
    assert session.get("http://index.example/big/").content == b"here"
    session.close()
    assert reads == ["small"]


def test_a_cookie_gate_is_passed_through_the_client() -> None:
    # A server that sets a cookie and redirects back to the same URL, answering only
    # requests that carry it (some CDNs and SSO proxies do this).
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie", ""))
        if request.headers.get("cookie") != "gate=open":
            return httpx.Response(
                302, headers={"Location": str(request.url), "Set-Cookie": "gate=open; Path=/"}
            )
        return httpx.Response(200, content=b"page")

    session = make_http_client(httpx.MockTransport(handler), 5.0, 2)
    assert session.get("http://index.example/simple/demo/").content == b"page"
    # Later requests carry the cookie too (they go through the client from now on).
    assert session.get("http://index.example/simple/other/").content == b"page"
    session.close()
    assert seen == ["", "gate=open", "gate=open"]


def test_a_mangled_body_is_retried_then_one_clear_error(tmp_path: Path) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(
            200, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"}, content=b"no"
        )

    client = IndexClient(
        cache_dir=tmp_path, transport=httpx.MockTransport(handler), retries=1, backoff=0
    )
    with client, pytest.raises(IndexError_, match=r"simple/demo/: undecodable response"):
        client.project_page("http://index.example/simple", "demo")
    assert len(calls) == 2


def test_a_closed_session_refuses_the_lean_path_too() -> None:
    session = make_http_client(httpx.MockTransport(lambda request: httpx.Response(200)), 5.0, 2)
    session.close()
    with pytest.raises(RuntimeError, match="closed"):
        session.get("http://index.example/simple/demo/")
