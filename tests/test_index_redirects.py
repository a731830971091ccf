"""A redirected project page is cached under the URL asked for, not where it ended up.

The next run (fresh cache, ``--offline``, the lock manifest) looks the page up by the
URL it asks for; relative links still resolve against the URL after the redirect.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from torchenv.index.cache import body_digest
from torchenv.index.client import IndexClient

INDEX = "https://mirror.example/simple"
ASKED = f"{INDEX}/demo-pkg/"
FINAL = "https://files.example/pypi/simple/demo-pkg/"
BODY = b'<html><body><a href="../../packages/demo_pkg-1.0-py3-none-any.whl">x</a></body></html>'


class Recorder:
    """A MockTransport handler: ``ASKED`` redirects (301) to ``FINAL``, which answers."""

    def __init__(self, cache_control: str = "max-age=600") -> None:
        self.cache_control = cache_control
        self.urls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        if str(request.url) == ASKED:
            return httpx.Response(301, headers={"Location": FINAL})
        if str(request.url) == FINAL:
            headers = {
                "Content-Type": "text/html",
                "Cache-Control": self.cache_control,
                "ETag": '"v1"',
            }
            if "If-None-Match" in request.headers:
                return httpx.Response(304, headers=headers)
            return httpx.Response(200, headers=headers, content=BODY)
        return httpx.Response(404)


def read(recorder: Recorder, cache: Path, now: float, **options: bool) -> list[str]:
    client = IndexClient(
        cache_dir=cache,
        transport=httpx.MockTransport(recorder),
        retries=0,
        clock=lambda: now,
        **options,  # type: ignore[arg-type]
    )
    with client:
        page = client.project_page(INDEX, "demo-pkg")
    return [link.url for link in page.links]


WHEEL = "https://files.example/pypi/packages/demo_pkg-1.0-py3-none-any.whl"


def test_fresh_redirected_page_is_reused_without_a_request(tmp_path: Path) -> None:
    recorder = Recorder()
    now = time.time()
    assert read(recorder, tmp_path, now) == [WHEEL]
    assert recorder.urls == [ASKED, FINAL]
    assert read(recorder, tmp_path, now + 60) == [WHEEL]  # relative to FINAL, from cache
    assert recorder.urls == [ASKED, FINAL]


def test_redirected_page_serves_offline(tmp_path: Path) -> None:
    recorder = Recorder()
    now = time.time()
    read(recorder, tmp_path, now)
    assert read(recorder, tmp_path, now + 86400, offline=True) == [WHEEL]
    assert len(recorder.urls) == 2


def test_redirected_page_is_revalidated_and_renewed(tmp_path: Path) -> None:
    recorder = Recorder()
    now = time.time()
    read(recorder, tmp_path, now)
    assert read(recorder, tmp_path, now + 700) == [WHEEL]  # stale: 304 through the redirect
    assert recorder.urls[2:] == [ASKED, FINAL]
    assert read(recorder, tmp_path, now + 800) == [WHEEL]  # renewed by the 304
    assert len(recorder.urls) == 4


@pytest.mark.parametrize("now_offset", [60.0, None])
def test_lock_manifest_finds_the_redirected_page(tmp_path: Path, now_offset: object) -> None:
    recorder = Recorder()
    now = time.time()
    with IndexClient(
        cache_dir=tmp_path, transport=httpx.MockTransport(recorder), clock=lambda: now
    ) as client:
        client.project_page(INDEX, "demo-pkg")
        read_urls = client.pages_read()
        cache = client.cache
    assert read_urls == {ASKED: body_digest(BODY)}
    when = None if now_offset is None else now + 60.0
    assert cache.cached_page_digest(ASKED, when) == (body_digest(BODY), True)
