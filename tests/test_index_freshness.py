"""RFC 9111 freshness of cached index pages, as pure functions over headers and clocks."""

from __future__ import annotations

import email.utils
from pathlib import Path

import httpx
import pytest

from torchenv.errors import IndexError_
from torchenv.index.cache import CachedPage, IndexCache
from torchenv.index.client import IndexClient
from torchenv.index.freshness import (
    HEURISTIC_CAP,
    corrected_initial_age,
    fresh_until,
    freshness_lifetime,
    is_storable,
    parse_cache_control,
    parse_http_date,
)

NOW = 1_790_000_000.0  # 2026-09-21, an arbitrary fixed clock reading


def http_date(epoch: float) -> str:
    return email.utils.formatdate(epoch, usegmt=True)


def test_cache_control_directives() -> None:
    assert parse_cache_control("max-age=600, public") == {"max-age": "600", "public": None}
    assert parse_cache_control('Max-Age="60", no-cache="set-cookie, x"') == {
        "max-age": "60",
        "no-cache": "set-cookie, x",
    }
    # A directive given twice contradicts itself: its argument becomes unusable.
    assert parse_cache_control("max-age=10, max-age=99")["max-age"] == ""
    assert parse_cache_control("no-cache, public, NO-CACHE") == {"no-cache": "", "public": None}
    assert parse_cache_control(None) == {} == parse_cache_control("")
    assert parse_cache_control(" , ,") == {}


def test_http_dates_in_all_three_formats() -> None:
    assert parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777.0
    assert parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT") == 784111777.0
    assert parse_http_date("Sun Nov  6 08:49:37 1994") == 784111777.0
    assert parse_http_date("0") is None
    assert parse_http_date("yesterday") is None
    assert parse_http_date(None) is None


@pytest.mark.parametrize(
    ("headers", "lifetime"),
    [
        ({"cache-control": "max-age=600, public"}, 600.0),  # what pypi.org sends
        ({"cache-control": "max-age=0"}, 0.0),
        ({"cache-control": "max-age=600, no-cache"}, 0.0),
        ({"cache-control": "no-store"}, 0.0),
        ({"cache-control": "max-age=soon"}, 0.0),  # unreadable: stale
        ({"cache-control": "max-age=-5"}, 0.0),
        ({"cache-control": "max-age=\u00b2"}, 0.0),  # "²".isdigit() is True; int() refuses
        ({"cache-control": "max-age=\u0661\u0662"}, 0.0),  # Arabic-Indic digits
        # Given twice (RFC 9111 §4.2.1): stale rather than guess which one is meant.
        ({"cache-control": "max-age=600, max-age=60"}, 0.0),
        ({"cache-control": "max-age=600, public, max-age=600"}, 0.0),
        ({"cache-control": "public, max-age=600, no-store, no-store"}, 0.0),
        # max-age wins over Expires
        ({"cache-control": "max-age=5", "expires": http_date(NOW + 900)}, 5.0),
        # s-maxage is for shared caches; this one is private
        ({"cache-control": "s-maxage=900"}, 0.0),
        ({"date": http_date(NOW), "expires": http_date(NOW + 300)}, 300.0),
        ({"date": http_date(NOW), "expires": http_date(NOW - 300)}, 0.0),
        ({"date": http_date(NOW), "expires": "0"}, 0.0),  # invalid: in the past
        ({}, 0.0),
    ],
)
def test_explicit_freshness(headers: dict[str, str], lifetime: float) -> None:
    assert freshness_lifetime(headers, NOW) == lifetime


def test_expires_without_date_counts_from_arrival() -> None:
    assert freshness_lifetime({"expires": http_date(NOW + 120)}, NOW) == 120.0


def test_heuristic_is_a_tenth_of_the_age_and_capped() -> None:
    hour_old = {"date": http_date(NOW), "last-modified": http_date(NOW - 3600)}
    assert freshness_lifetime(hour_old, NOW) == 360.0
    year_old = {"date": http_date(NOW), "last-modified": http_date(NOW - 365 * 86400)}
    assert freshness_lifetime(year_old, NOW) == HEURISTIC_CAP == 600.0
    # Written seconds ago (a mirror just built): fresh for well under a second.
    just_written = {"date": http_date(NOW), "last-modified": http_date(NOW - 5)}
    assert freshness_lifetime(just_written, NOW) == 0.5
    # A Last-Modified in the future gives nothing; neither does no-cache.
    future = {"date": http_date(NOW), "last-modified": http_date(NOW + 60)}
    assert freshness_lifetime(future, NOW) == 0.0
    assert freshness_lifetime({**year_old, "cache-control": "no-cache"}, NOW) == 0.0


def test_age_and_transit_time_are_already_spent() -> None:
    headers = {"cache-control": "max-age=600", "date": http_date(NOW), "age": "100"}
    # Sent at NOW - 2, answered at NOW: 100 s in a proxy plus 2 s in transit.
    assert corrected_initial_age(headers, NOW - 2, NOW) == 102.0
    assert fresh_until(headers, NOW - 2, NOW) == NOW + 600 - 102
    # A Date far behind our clock (a skewed server or a slow proxy) ages the page too.
    behind = {"cache-control": "max-age=600", "date": http_date(NOW - 250)}
    assert fresh_until(behind, NOW, NOW) == NOW + 350
    # An unreadable Age is ignored.
    assert corrected_initial_age({"age": "old"}, NOW, NOW) == 0.0
    assert corrected_initial_age({"age": "\u00b2"}, NOW, NOW) == 0.0


def test_stale_responses_expire_on_arrival() -> None:
    assert fresh_until({"cache-control": "no-cache"}, NOW, NOW) == NOW
    assert fresh_until({}, NOW, NOW) == NOW


def test_no_store_is_not_storable() -> None:
    assert not is_storable({"cache-control": "private, no-store"})
    assert is_storable({"cache-control": "private, max-age=60"})
    assert is_storable({})


def test_cached_page_freshness_round_trips(tmp_path: Path) -> None:
    cache = IndexCache(tmp_path)
    page = CachedPage(
        "https://pypi.org/simple/demo/",
        "text/html",
        b"<html></html>",
        etag='"abc"',
        cache_control="max-age=600",
        stored_at=NOW,
        fresh_until=NOW + 600,
    )
    cache.store_page(page)
    loaded = cache.load_page("https://pypi.org/simple/demo/")
    assert loaded == page
    assert loaded.is_fresh(NOW + 599)
    assert not loaded.is_fresh(NOW + 600)
    # A clock set back before the page was stored cannot vouch for it.
    assert not loaded.is_fresh(NOW - 1)


def test_pages_cached_before_freshness_was_recorded_are_stale(tmp_path: Path) -> None:
    cache = IndexCache(tmp_path)
    path = cache.page_path("https://pypi.org/simple/demo/")
    path.parent.mkdir(parents=True)
    header = b'{"content_type": "text/html", "etag": null, "last_modified": null, "url": "x"}'
    path.write_bytes(header + b"\n<html></html>")
    loaded = cache.load_page("https://pypi.org/simple/demo/")
    assert loaded is not None and loaded.body == b"<html></html>"
    assert not loaded.is_fresh(NOW)


def test_non_ascii_digits_from_a_server_are_unreadable_not_a_crash(tmp_path: Path) -> None:
    # Header bytes outside ASCII decode as Latin-1, so b"\xb2" arrives as "²", which
    # str.isdigit() accepts and int() refuses.
    body = b'<a href="demo_pkg-1.0-py3-none-any.whl#sha256=' + b"0" * 64 + b'">x</a>'

    def handler(request: httpx.Request) -> httpx.Response:
        headers = [(b"Content-Type", b"text/html"), (b"Cache-Control", b"max-age=\xb2")]
        headers += [(b"Age", b"\xb2"), (b"ETag", b'"v1"')]
        if request.url.path.endswith(".whl"):
            headers = [(b"Content-Length", b"\xb2")]
            return httpx.Response(200, headers=headers, stream=httpx.ByteStream(b"wheel"))
        return httpx.Response(200, headers=headers, content=body)

    with IndexClient(cache_dir=tmp_path, transport=httpx.MockTransport(handler)) as client:
        page = client.project_page("https://index.example/simple", "demo-pkg")
        cached = client.cache.load_page("https://index.example/simple/demo-pkg/")
        assert cached is not None and cached.fresh_until == cached.stored_at  # stale
        with pytest.raises(IndexError_, match="sha256 mismatch"):
            client.download(page.links[0], tmp_path / "out")
