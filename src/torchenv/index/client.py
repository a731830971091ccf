"""The index client: project pages, plus (inherited) wheel metadata and downloads.

- Pages: PEP 691 JSON preferred, PEP 503 HTML accepted, kept in a disk cache with the
  freshness the server gave them (``Cache-Control: max-age``, ``Expires``, else a
  capped heuristic from ``Last-Modified``; see :mod:`torchenv.index.freshness`). A fresh
  page is used without a request; a stale one is revalidated with ETag /
  Last-Modified (304 keeps the body and renews its freshness), at most once per
  process. ``refresh=True`` revalidates every page once whatever its freshness;
  ``offline=True`` serves the cache alone, fresh or not. A project the index does not
  have (404/410) is an empty page (pip's behaviour; cached, so offline runs agree);
  the resolver reports "no versions".
- METADATA and downloads: :mod:`torchenv.index.files`; sessions, credentials, retries
  and errors: :mod:`torchenv.index.base_client`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Callable, Optional, Union

from torchenv.errors import IndexError_
from torchenv.index.base_client import (
    DEFAULT_TIMEOUT,
    OfflineCacheMiss,
    TransientError,
    is_file_url,
)
from torchenv.index.cache import CachedPage, body_digest
from torchenv.index.files import FileClient
from torchenv.index.models import ProjectPage
from torchenv.index.pages import (
    JSON_CONTENT_TYPE,
    canonical_name,
    parse_project_page,
    project_name_from_url,
)
from torchenv.index.progress import ProgressCallback
from torchenv.urls import strip_credentials

if TYPE_CHECKING:
    import httpx

__all__ = [
    "ACCEPT",
    "DEFAULT_TIMEOUT",
    "IndexClient",
    "OfflineCacheMiss",
]

ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)
# What a project the index does not have is cached as (404/410: no files).
_NO_FILES = b'{"meta": {"api-version": "1.0"}, "files": []}'
# Response headers that decide how a page is revalidated and how long it stays fresh.
_FRESHNESS_HEADERS = ("etag", "last-modified", "cache-control", "expires", "date", "age")


def _page_request_headers(cached: Optional[CachedPage]) -> dict[str, str]:
    """What a page is asked for with: conditional on the cached copy's validators."""
    headers = {"Accept": ACCEPT}
    if cached is not None and cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached is not None and cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    return headers


class IndexClient(FileClient):
    """Fetch pages, metadata and files from simple-repository indexes.

    Thread-safe: one shared HTTP session, created by the first request; parallel
    work uses up to ``max_workers`` threads. Use as a context manager or call
    :meth:`close`.
    """

    def __init__(
        self,
        cache_dir: Optional[Union[str, os.PathLike[str]]] = None,
        offline: bool = False,
        transport: Optional[httpx.BaseTransport] = None,
        max_workers: int = 8,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = 3,
        progress: Optional[ProgressCallback] = None,
        *,
        backoff: float = 0.5,
        environ: Optional[Mapping[str, str]] = None,
        refresh: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            cache_dir,
            offline,
            transport,
            max_workers,
            timeout,
            retries,
            progress,
            backoff=backoff,
            environ=environ,
            refresh=refresh,
            clock=clock,
        )
        # Pages read in this process: one revalidation per page per run is enough.
        self._pages: dict[str, ProjectPage] = {}
        # Stale cached pages handed out by stale_page(), kept so that a 304 returns the
        # very same object (callers compare by identity first).
        self._stale: dict[str, tuple[bytes, ProjectPage]] = {}
        # Cached pages confirmed (304) or replaced (200) by revalidate_pages: as good as
        # fresh for the rest of the process (one revalidation per page per run).
        self._renewed: set[str] = set()
        # Every page served in this process: URL -> digest of the body it was parsed
        # from (None for a file:// index, which has no cached body to compare later).
        self._served: dict[str, Optional[str]] = {}

    # -- pages ---------------------------------------------------------------
    @staticmethod
    def page_url(index_url: str, name: str) -> str:
        return index_url.rstrip("/") + "/" + canonical_name(name) + "/"

    def project_page(self, index_url: str, name: str) -> ProjectPage:
        """The project's page on ``index_url`` (a simple-API base URL or file:// tree)."""
        url = self.page_url(index_url, name)
        memo = self._pages.get(url)
        if memo is None:
            memo = self._pages[url] = self._project_page(index_url, name, url)
        return memo

    def local_page(self, index_url: str, name: str) -> Optional[ProjectPage]:
        """The page when it can be had without a request, else None (sends nothing).

        That is a page already read in this process, a file:// index, a fresh cached
        copy (not with ``refresh``) or, offline, any cached copy. Callers that run
        fetches in threads read these in their own thread instead.
        """
        url = self.page_url(index_url, name)
        memo = self._pages.get(url)
        if memo is not None:
            return memo
        if is_file_url(url):
            return self.project_page(index_url, name)
        if self.refresh and not self.offline:
            return None
        clean = strip_credentials(url)
        cached = self.cache.load_page(clean)
        if cached is None or not (self.offline or self._usable(clean, cached)):
            return None
        self._remember_auth(url)  # files on this host may still need fetching
        how = "offline" if self.offline else "fresh"
        self._emit("cached", f"{name}: page from cache ({how})", clean)
        page = parse_project_page(cached.body, cached.content_type, cached.url, name)
        self._served[clean] = body_digest(cached.body)
        self._pages[url] = page
        return page

    def _usable(self, clean: str, cached: CachedPage) -> bool:
        """Whether the cached copy may be used without a request: fresh, or renewed by
        :meth:`revalidate_pages` in this process."""
        return cached.is_fresh(self._clock()) or clean in self._renewed

    def pages_read(self) -> dict[str, Optional[str]]:
        """Every page this client has served, by URL (credentials stripped), with the
        :func:`~torchenv.index.cache.body_digest` of the body it was parsed from; None
        for pages of a file:// index. Stale copies handed out by :meth:`stale_page`
        count only once revalidated (their revalidation is what a result stands on).
        """
        return dict(self._served)

    def stale_page(self, index_url: str, name: str) -> Optional[ProjectPage]:
        """The cached copy of a page that must be revalidated before it is trusted.

        None when there is nothing to revalidate: no cached copy, a fresh one, a page
        already read in this process, offline mode or a file:// index. Sends nothing:
        callers may work with the copy while :meth:`project_page` revalidates it, and
        must redo that work if the revalidated page differs.
        """
        url = self.page_url(index_url, name)
        if self.offline or is_file_url(url) or url in self._pages:
            return None
        clean = strip_credentials(url)
        cached = self.cache.load_page(clean)
        if cached is None or (not self.refresh and self._usable(clean, cached)):
            return None
        try:
            page = parse_project_page(cached.body, cached.content_type, cached.url, name)
        except IndexError_:
            return None  # unreadable copy: the revalidation will fetch it whole
        self._stale[clean] = (cached.body, page)
        return page

    def _project_page(self, index_url: str, name: str, url: str) -> ProjectPage:
        if is_file_url(url):
            from torchenv.index.local import local_project_page

            self._served[strip_credentials(url)] = None
            return local_project_page(index_url, name)
        clean = self._remember_auth(url)
        cached = self.cache.load_page(clean)
        if self.offline:
            if cached is None:
                raise OfflineCacheMiss([clean])
            self._emit("cached", f"{name}: page from cache (offline)", clean)
            self._served[clean] = body_digest(cached.body)
            return parse_project_page(cached.body, cached.content_type, cached.url, name)
        if cached is not None and not self.refresh and self._usable(clean, cached):
            self._emit("cached", f"{name}: page from cache (fresh)", clean)
            self._served[clean] = body_digest(cached.body)
            return parse_project_page(cached.body, cached.content_type, cached.url, name)
        headers = _page_request_headers(cached)
        self._emit("fetch", f"{name}: fetching page", clean)

        def attempt() -> httpx.Response:
            response = self._http.get(clean, headers=headers, auth=self._auth_for(clean))
            if response.status_code >= 500:
                raise TransientError(f"HTTP {response.status_code}")
            return response

        request_time = self._clock()
        response = self._retrying(clean, attempt)
        response_time = self._clock()
        if response.status_code == 304 and cached is not None:
            self._emit("cached", "not modified", clean)
            self._store_page(
                clean, cached, response, request_time, response_time, not_modified=True
            )
            self._served[clean] = body_digest(cached.body)
            handed_out = self._stale.pop(clean, None)
            if handed_out is not None and handed_out[0] == cached.body:
                return handed_out[1]
            return parse_project_page(cached.body, cached.content_type, cached.url, name)
        if response.status_code in (404, 410):
            self._emit("done", f"{name}: not on this index (HTTP {response.status_code})", clean)
            self._served[clean] = self._keep_missing_page(
                clean, response, request_time, response_time
            )
            return ProjectPage(canonical_name(name), clean, ())
        self._check_status(response, clean)
        page = self._keep_new_page(clean, name, response, request_time, response_time)
        self._served[clean] = body_digest(response.content)
        return page

    def _keep_missing_page(
        self, clean: str, response: httpx.Response, request_time: float, response_time: float
    ) -> str:
        """Cache a project the index does not have (404/410) as an empty page; its digest.

        pip's behaviour: an index that lacks a project offers no files for it (the
        resolver says "no versions of X on index Y"); cached, so offline runs agree.
        """
        self._store_page(
            clean,
            CachedPage(clean, JSON_CONTENT_TYPE, _NO_FILES),
            response,
            request_time,
            response_time,
        )
        return body_digest(_NO_FILES)

    def _keep_new_page(
        self,
        clean: str,
        name: str,
        response: httpx.Response,
        request_time: float,
        response_time: float,
    ) -> ProjectPage:
        """Parse a page the index sent in full (200) and cache it under ``clean``."""
        final_url = strip_credentials(str(response.url))
        content_type = response.headers.get("content-type", "text/html")
        # Parse before caching: a truncated or garbage body must not poison the cache.
        page = parse_project_page(response.content, content_type, final_url, name)
        # Kept under the URL asked for (the next run looks it up by that), recording
        # the URL after redirects, which its relative links resolve against.
        self._store_page(
            clean,
            CachedPage(final_url, content_type, response.content),
            response,
            request_time,
            response_time,
        )
        self._emit("done", f"{name}: {len(page.links)} files", clean)
        return page

    def _store_page(
        self,
        cache_key: str,
        page: CachedPage,
        response: httpx.Response,
        request_time: float,
        response_time: float,
        not_modified: bool = False,
    ) -> None:
        """Cache ``page`` under ``cache_key`` with the validators and freshness of ``response``.

        A 304 renews the stored copy (RFC 9111 §4.3.4): its headers replace the old
        ones, and validators it leaves out are kept.
        """
        from torchenv.index.freshness import fresh_until, is_storable

        received = {key: response.headers.get(key) for key in _FRESHNESS_HEADERS}
        if not_modified:
            stored = {
                "etag": page.etag,
                "last-modified": page.last_modified,
                "cache-control": page.cache_control,
                "expires": page.expires,
            }
            for key, value in stored.items():
                if received.get(key) is None:
                    received[key] = value
        headers = {key: value for key, value in received.items() if value is not None}
        if not is_storable(headers):
            # An older copy must not outlive the answer that forbids keeping it: it
            # would be served as fresh (or offline) in place of what the server sent.
            self.cache.forget_page(cache_key)
            return
        self.cache.store_page(
            CachedPage(
                url=page.url,
                content_type=page.content_type,
                body=page.body,
                etag=headers.get("etag"),
                last_modified=headers.get("last-modified"),
                cache_control=headers.get("cache-control"),
                expires=headers.get("expires"),
                stored_at=response_time,
                fresh_until=fresh_until(headers, request_time, response_time),
            ),
            key=cache_key,
        )

    def prefetch_pages(self, requests: Iterable[tuple[str, str]]) -> list[ProjectPage]:
        """Pages for many ``(index_url, name)`` pairs in parallel, in the given order.

        Offline, every page missing from the cache is listed in one error.
        """
        wanted = list(requests)
        keys = [f"{i}" for i in range(len(wanted))]
        results = self._parallel(lambda k: self.project_page(*wanted[int(k)]), keys)
        return [page for page in results if page is not None]

    def revalidate_pages(self, urls: Iterable[str], retries: int = 0) -> dict[str, Optional[str]]:
        """What the pages at ``urls`` (credentials stripped, as :meth:`page_url` spells
        them) hold now: each URL's :func:`~torchenv.index.cache.body_digest`, taken from
        the cached copy when it is fresh or the index answers 304 (which renews it; the
        body is not parsed), else from what the index sent (a 200, parsed and cached as
        :meth:`project_page` would; a 404/410, cached as a page without files). None: no
        cached copy, a failed request, an unreadable page. Offline, nothing is sent:
        each cached copy counts as it is. Pages renewed or replaced here count as fresh
        for the rest of this client's life, so a resolution that follows does not ask
        again. In parallel, with ``retries`` per request; raises nothing.
        """
        wanted = list(dict.fromkeys(urls))

        def revalidate(url: str) -> Optional[str]:
            try:
                return self._current_digest(url, retries)
            except (IndexError_, OSError):
                return None

        return dict(zip(wanted, self._parallel(revalidate, wanted)))

    def _current_digest(self, url: str, retries: int) -> Optional[str]:
        cached = self.cache.load_page(url)
        if cached is None:
            return None
        if self.offline or self._usable(url, cached):
            return body_digest(cached.body)
        headers = _page_request_headers(cached)
        self._emit("fetch", "revalidating page", url)

        def attempt() -> httpx.Response:
            response = self._http.get(url, headers=headers, auth=self._auth_for(url))
            if response.status_code >= 500:
                raise TransientError(f"HTTP {response.status_code}")
            return response

        request_time = self._clock()
        response = self._retrying(url, attempt, retries)
        response_time = self._clock()
        status = response.status_code
        if status == 304:
            self._store_page(url, cached, response, request_time, response_time, True)
            digest = body_digest(cached.body)
        elif status in (404, 410):
            digest = self._keep_missing_page(url, response, request_time, response_time)
        elif status == 200:
            self._keep_new_page(
                url, project_name_from_url(url), response, request_time, response_time
            )
            digest = body_digest(response.content)
        else:
            return None
        self._renewed.add(url)
        return digest
