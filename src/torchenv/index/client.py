"""The index client: project pages, wheel metadata and downloads over HTTP or file://.

- Pages: PEP 691 JSON preferred, PEP 503 HTML accepted, kept in a disk cache with the
  freshness the server gave them (``Cache-Control: max-age``, ``Expires``, else a
  capped heuristic from ``Last-Modified``; see :mod:`torchenv.index.freshness`). A fresh
  page is used without a request; a stale one is revalidated with ETag /
  Last-Modified (304 keeps the body and renews its freshness), at most once per
  process. ``refresh=True`` revalidates every page once whatever its freshness;
  ``offline=True`` serves the cache alone, fresh or not. A project the index does not
  have (404/410) is an empty page (pip's behaviour; cached, so offline runs agree);
  the resolver reports "no versions".
- Metadata: the PEP 658 ``.metadata`` file when offered, else HTTP range requests into
  the wheel (tail, central directory, METADATA member), else a full download, which
  is reported as a ``warning`` progress event. Hash-checked whenever a hash is known.
- Robustness: timeouts, connection failures and 5xx are retried with exponential
  backoff; 4xx are not. Errors name the URL with credentials redacted.
- Credentials: ``https://user:token@host/simple`` works; links and pages never carry
  them: the client remembers the credentials per host and sends them again for files
  on that host. Hosts without credentials in the URL get those of the netrc file
  (``$NETRC``, else ``~/.netrc`` or ``~/_netrc``) when it has an entry for them: httpx
  reads netrc only through an explicit ``httpx.NetRCAuth``, not through ``trust_env``.
- Start-up: httpx is imported and its client built only when a request is needed, and
  TLS settings (CA certificates) are loaded only for the first ``https://`` request, so
  a run served from fresh cache entries, or from a plain ``http://`` mirror, pays
  neither.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional, TypeVar, Union
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name

from torchenv.errors import IndexError_
from torchenv.index.cache import CachedPage, IndexCache, body_digest, default_cache_dir
from torchenv.index.models import Link, ProjectPage
from torchenv.index.pages import JSON_CONTENT_TYPE, parse_project_page
from torchenv.index.progress import ProgressCallback, ProgressEvent
from torchenv.urls import redact_url, strip_credentials

if TYPE_CHECKING:
    import httpx

    from torchenv.index._http import HttpSession

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
DEFAULT_TIMEOUT = 30.0
# Response headers that decide how a page is revalidated and how long it stays fresh.
_FRESHNESS_HEADERS = ("etag", "last-modified", "cache-control", "expires", "date", "age")
_CHUNK = 1 << 20
_T = TypeVar("_T")


class OfflineCacheMiss(IndexError_):
    """Offline mode and the cache lacks what was asked for; ``missing`` lists it all."""

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing = tuple(sorted({redact_url(m) for m in missing}))
        super().__init__(f"not in the cache (offline): {', '.join(self.missing)}")


class _Transient(Exception):
    """A failure worth another attempt (5xx)."""


def _is_file_url(url: str) -> bool:
    return url.startswith("file:")


def _verify(data_hashes: Mapping[str, str], expected: Mapping[str, str], what: str) -> None:
    for algorithm, digest in expected.items():
        actual = data_hashes.get(algorithm)
        if actual is not None and actual != digest.lower():
            raise IndexError_(f"{what}: {algorithm} mismatch (expected {digest}, got {actual})")


def _digests(data: bytes, expected: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for algorithm in expected:
        if algorithm in hashlib.algorithms_available:
            found[algorithm] = hashlib.new(algorithm, data).hexdigest()
    return found


def _metadata_from_zip(path: Path, filename: str) -> bytes:
    import zipfile

    from torchenv.index.wheelzip import WheelZipError, find_metadata_name

    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(find_metadata_name(archive.namelist(), filename))
    except (zipfile.BadZipFile, WheelZipError, KeyError) as exc:
        raise IndexError_(f"{filename}: not a readable wheel ({exc})") from None


def _netrc_path(environ: Mapping[str, str]) -> Optional[Path]:
    """``$NETRC`` if set, else ``~/.netrc`` or ``~/_netrc`` if one exists (as curl and pip)."""
    configured = environ.get("NETRC")
    if configured:
        return Path(configured).expanduser()
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no home directory to look in
        return None
    for name in (".netrc", "_netrc"):
        if (home / name).is_file():
            return home / name
    return None


def _page_request_headers(cached: Optional[CachedPage]) -> dict[str, str]:
    """What a page is asked for with: conditional on the cached copy's validators."""
    headers = {"Accept": ACCEPT}
    if cached is not None and cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached is not None and cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    return headers


class IndexClient:
    """Fetch pages, metadata and files from simple-repository indexes.

    Thread-safe: one shared ``httpx.Client``, created by the first request; parallel
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
        root = Path(cache_dir) if cache_dir is not None else default_cache_dir(environ)
        self.cache = IndexCache(root)
        self.offline = offline
        self.refresh = refresh
        self.max_workers = max(1, max_workers)
        self.retries = max(0, retries)
        self.backoff = backoff
        self._timeout = timeout
        self._transport = transport
        self._clock = clock
        self._progress = progress
        self._auth: dict[str, httpx.BasicAuth] = {}
        self._environ = environ
        self._netrc: Optional[httpx.Auth] = None
        self._netrc_loaded = False
        self._netrc_lock = threading.Lock()
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
        self._client: Optional[HttpSession] = None
        self._client_lock = threading.Lock()
        self._closed = False

    # -- lifecycle -----------------------------------------------------------
    @property
    def _http(self) -> HttpSession:
        """The HTTP session, built (and httpx imported) by the first request."""
        client = self._client
        if client is None:
            with self._client_lock:
                if self._closed:
                    raise IndexError_("the index client is closed")
                if self._client is None:
                    from torchenv.index._http import make_http_client

                    self._client = make_http_client(
                        self._transport, self._timeout, self.max_workers
                    )
                client = self._client
        return client

    def close(self) -> None:
        with self._client_lock:
            self._closed = True
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> IndexClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------
    def _emit(self, kind: str, message: str, url: str = "", **sizes: Optional[int]) -> None:
        if self._progress is not None:
            self._progress(ProgressEvent(kind, message, redact_url(url), **sizes))

    def _remember_auth(self, url: str) -> str:
        """Keep ``url``'s credentials for its host; return the URL without them."""
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            import httpx

            self._auth[f"{parts.scheme}://{parts.hostname}:{parts.port}"] = httpx.BasicAuth(
                unquote(parts.username or ""), unquote(parts.password or "")
            )
        return strip_credentials(url)

    def _auth_for(self, url: str) -> Optional[httpx.Auth]:
        """Credentials given in an index URL for this host, else the netrc file's."""
        parts = urlsplit(url)
        given = self._auth.get(f"{parts.scheme}://{parts.hostname}:{parts.port}")
        return given if given is not None else self._netrc_auth()

    def _netrc_auth(self) -> Optional[httpx.Auth]:
        """``httpx.NetRCAuth`` over the user's netrc file, read once; None without one.

        It adds credentials only for hosts the file has an entry (or a ``default``) for.
        A missing, unreadable or malformed file is no error: requests go without
        credentials and a server that wants some answers 401, which names the cure.
        """
        with self._netrc_lock:
            if not self._netrc_loaded:
                self._netrc_loaded = True
                path = _netrc_path(os.environ if self._environ is None else self._environ)
                if path is not None:
                    import netrc

                    import httpx

                    try:
                        self._netrc = httpx.NetRCAuth(str(path))
                    except (OSError, ValueError, netrc.NetrcParseError):
                        self._netrc = None
            return self._netrc

    def _retrying(self, url: str, attempt: Callable[[], _T], retries: Optional[int] = None) -> _T:
        """Run ``attempt``; retry transient failures (``retries``, else the client's
        setting) with exponential backoff."""
        import httpx  # already loaded: every attempt goes through self._http

        retries = self.retries if retries is None else retries
        last = ""
        for number in range(retries + 1):
            try:
                return attempt()
            except _Transient as exc:
                last = str(exc)
            except httpx.TooManyRedirects:
                # Not transient: the same loop would come back on every attempt.
                raise IndexError_(f"{redact_url(url)}: too many redirects") from None
            except httpx.TimeoutException:
                last = "timed out"
            except httpx.TransportError as exc:
                # Messages of transport errors carry no URL; redact anyway in case.
                last = f"connection failed ({type(exc).__name__}: {exc})"
                last = last.replace(url, redact_url(url))
            if number < retries:
                self._emit("retry", f"{last}; retrying ({number + 1}/{retries})", url)
                time.sleep(min(self.backoff * (2**number), 10.0))
        attempts = retries + 1
        raise IndexError_(
            f"{redact_url(url)}: {last} (gave up after {attempts} attempt"
            f"{'s' if attempts != 1 else ''})"
        )

    def _check_status(self, response: httpx.Response, url: str) -> None:
        status = response.status_code
        if status >= 500:
            raise _Transient(f"HTTP {status}")
        if status in (401, 403):
            raise IndexError_(
                f"{redact_url(url)}: HTTP {status} (authentication required or refused; "
                "put credentials in the index URL or ~/.netrc)"
            )
        if status >= 400:
            raise IndexError_(f"{redact_url(url)}: HTTP {status}")

    # -- pages ---------------------------------------------------------------
    @staticmethod
    def page_url(index_url: str, name: str) -> str:
        return index_url.rstrip("/") + "/" + canonicalize_name(name) + "/"

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
        if _is_file_url(url):
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

    def local_metadata(self, link: Link) -> Optional[bytes]:
        """The wheel's METADATA when the cache has it, else None (sends nothing)."""
        if not link.is_wheel:
            return None
        key = self.cache.metadata_key(link.metadata_hashes, link.hashes, link.url)
        return self.cache.load_metadata(key)

    def stale_page(self, index_url: str, name: str) -> Optional[ProjectPage]:
        """The cached copy of a page that must be revalidated before it is trusted.

        None when there is nothing to revalidate: no cached copy, a fresh one, a page
        already read in this process, offline mode or a file:// index. Sends nothing:
        callers may work with the copy while :meth:`project_page` revalidates it, and
        must redo that work if the revalidated page differs.
        """
        url = self.page_url(index_url, name)
        if self.offline or _is_file_url(url) or url in self._pages:
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
        if _is_file_url(url):
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
                raise _Transient(f"HTTP {response.status_code}")
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
            # pip's behaviour: an index that lacks a project offers no files for it.
            # The resolver turns an empty page into "no versions of X on index Y".
            self._emit("done", f"{name}: not on this index (HTTP {response.status_code})", clean)
            empty = b'{"meta": {"api-version": "1.0"}, "files": []}'
            self._store_page(
                clean,
                CachedPage(clean, JSON_CONTENT_TYPE, empty),
                response,
                request_time,
                response_time,
            )
            self._served[clean] = body_digest(empty)
            return ProjectPage(canonicalize_name(name), clean, ())
        self._check_status(response, clean)
        return self._keep_new_page(clean, name, response, request_time, response_time)

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
        self._served[clean] = body_digest(response.content)
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
        """Whether the cached pages at ``urls`` (credentials stripped) still hold what
        the index serves: each URL's :func:`~torchenv.index.cache.body_digest` when
        its cached copy is fresh or the index answers 304 (which renews it, unparsed),
        else None: no cached copy, a failed request, or a changed page (a 200, parsed
        and cached as :meth:`project_page` would, so it is not asked for again).
        Pages confirmed or replaced count as fresh for the rest of this client's life.
        In parallel, with ``retries`` per request; raises nothing.
        """
        wanted = list(dict.fromkeys(urls))

        def revalidate(url: str) -> Optional[str]:
            try:
                return self._unchanged_digest(url, retries)
            except IndexError_:
                return None

        return dict(zip(wanted, self._parallel(revalidate, wanted)))

    def _unchanged_digest(self, url: str, retries: int) -> Optional[str]:
        cached = self.cache.load_page(url)
        if cached is None:
            return None
        if self._usable(url, cached):
            return body_digest(cached.body)
        headers = _page_request_headers(cached)
        self._emit("fetch", "revalidating page", url)

        def attempt() -> httpx.Response:
            response = self._http.get(url, headers=headers, auth=self._auth_for(url))
            if response.status_code >= 500:
                raise _Transient(f"HTTP {response.status_code}")
            return response

        request_time = self._clock()
        response = self._retrying(url, attempt, retries)
        response_time = self._clock()
        if response.status_code == 304:
            self._store_page(url, cached, response, request_time, response_time, True)
            self._renewed.add(url)
            return body_digest(cached.body)
        if response.status_code == 200:
            name = url.rstrip("/").rpartition("/")[2]
            self._keep_new_page(url, name, response, request_time, response_time)
            self._renewed.add(url)
        return None

    def _parallel(self, work: Callable[[str], _T], items: list[str]) -> list[Optional[_T]]:
        missing: list[str] = []

        def run(item: str) -> Optional[_T]:
            try:
                return work(item)
            except OfflineCacheMiss as exc:
                missing.extend(exc.missing)
                return None

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            results = list(pool.map(run, items))
        if missing:
            raise OfflineCacheMiss(missing)
        return results

    # -- metadata ------------------------------------------------------------
    def wheel_metadata(self, link: Link) -> bytes:
        """The wheel's METADATA bytes, fetched as cheaply as the index allows."""
        if not link.is_wheel:
            raise IndexError_(f"{link.filename}: metadata is only read from wheels")
        key = self.cache.metadata_key(link.metadata_hashes, link.hashes, link.url)
        cached = self.cache.load_metadata(key)
        if cached is not None:
            return cached
        if self.offline and not _is_file_url(link.url):
            raise OfflineCacheMiss([f"metadata of {link.filename} ({link.url})"])
        data = self._fetch_metadata(link)
        if link.metadata_hashes:
            _verify(
                _digests(data, link.metadata_hashes),
                link.metadata_hashes,
                f"{link.filename}.metadata",
            )
        self.cache.store_metadata(key, data)
        return data

    def prefetch_metadata(self, links: Iterable[Link]) -> dict[Link, bytes]:
        """METADATA for many wheels in parallel (offline: one error lists all misses)."""
        unique = list(dict.fromkeys(links))
        by_name = {link.url: link for link in unique}
        results = self._parallel(lambda url: self.wheel_metadata(by_name[url]), list(by_name))
        return {by_name[url]: data for url, data in zip(by_name, results) if data is not None}

    def _fetch_metadata(self, link: Link) -> bytes:
        if _is_file_url(link.url):
            from torchenv.index.local import file_url_path, local_wheel_metadata

            return local_wheel_metadata(file_url_path(link.url), link.filename)
        if link.has_metadata:
            data = self._get_metadata_file(link)
            if data is not None:
                return data
        data = self._metadata_by_range(link)
        if data is not None:
            return data
        self._emit(
            "warning",
            f"{link.filename}: no metadata file and no range support; "
            "downloading the whole file to read its METADATA",
            link.url,
        )
        import tempfile

        with tempfile.TemporaryDirectory(prefix="wheel-", dir=self._tmp_root()) as tmp:
            path = self.download(link, Path(tmp))
            return _metadata_from_zip(path, link.filename)

    def _tmp_root(self) -> str:
        root = self.cache.root / "tmp"
        root.mkdir(parents=True, exist_ok=True)
        return str(root)

    def _get_metadata_file(self, link: Link) -> Optional[bytes]:
        url = link.metadata_url

        def attempt() -> Optional[bytes]:
            response = self._http.get(url, auth=self._auth_for(url))
            if response.status_code == 404:
                return None  # the page promised one; fall back to the wheel itself
            self._check_status(response, url)
            return response.content

        self._emit("fetch", f"{link.filename}: metadata file", url)
        return self._retrying(url, attempt)

    def _metadata_by_range(self, link: Link) -> Optional[bytes]:
        """METADATA through range requests, or None when the server will not do ranges."""
        from torchenv.index.wheelzip import TAIL_BYTES, WheelZipError, read_member_with_ranges

        url = link.url
        auth = self._auth_for(url)
        no_ranges = object()

        def get_range(spec: str) -> Union[bytes, object, tuple[bytes, int]]:
            headers = {"Range": f"bytes={spec}", "Accept-Encoding": "identity"}
            with self._http.client.stream("GET", url, headers=headers, auth=auth) as response:
                if response.status_code in (200, 416) or 400 <= response.status_code < 500:
                    return no_ranges  # range ignored or refused: do not read the body
                self._check_status(response, url)
                body = response.read()
                total = response.headers.get("content-range", "").rsplit("/", 1)[-1]
                return body, int(total) if total.isascii() and total.isdigit() else -1

        self._emit("fetch", f"{link.filename}: METADATA by range requests", url)
        first = self._retrying(url, lambda: get_range(f"-{TAIL_BYTES}"))
        if not isinstance(first, tuple):
            return None
        tail, total = first
        if total < 0:
            return None

        class _NoRanges(Exception):
            pass

        def fetch(start: int, end: int) -> bytes:
            got = self._retrying(url, lambda: get_range(f"{start}-{end - 1}"))
            if not isinstance(got, tuple) or len(got[0]) != end - start:
                raise _NoRanges
            body: bytes = got[0]
            return body

        try:
            return read_member_with_ranges(tail, total, fetch, link.filename)
        except _NoRanges:
            return None
        except WheelZipError as exc:
            raise IndexError_(f"{link.filename}: not a readable wheel ({exc})") from None

    # -- downloads -----------------------------------------------------------
    def download(
        self, link: Link, dest: Union[str, os.PathLike[str]], require_hash: bool = False
    ) -> Path:
        """Download ``link`` into the directory ``dest`` (created) and verify it.

        Every hash the index published is checked while streaming; on a mismatch
        nothing is written and :class:`IndexError_` names the file. With
        ``require_hash`` a link without any hash is refused.
        """
        if require_hash and not link.hashes:
            raise IndexError_(f"{link.filename}: the index publishes no hash for it")
        import contextlib
        import tempfile

        target = Path(dest) / link.filename
        if self.offline and not _is_file_url(link.url):
            raise OfflineCacheMiss([link.url])
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
        os.close(fd)
        try:
            if _is_file_url(link.url):
                digests = self._copy_local(link, tmp_name)
            else:
                digests = self._retrying(link.url, lambda: self._stream_to(link, tmp_name))
            _verify(digests, link.hashes, link.filename)
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        return target

    def _hashers(self, link: Link) -> dict[str, hashlib._Hash]:
        names = {"sha256", *link.hashes}
        return {n: hashlib.new(n) for n in names if n in hashlib.algorithms_available}

    def _copy_local(self, link: Link, tmp_name: str) -> dict[str, str]:
        from torchenv.index.local import file_url_path

        hashers = self._hashers(link)
        try:
            with file_url_path(link.url).open("rb") as source, open(tmp_name, "wb") as sink:
                for chunk in iter(lambda: source.read(_CHUNK), b""):
                    sink.write(chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
        except OSError as exc:
            raise IndexError_(f"{link.url}: cannot read ({exc.strerror})") from None
        return {name: hasher.hexdigest() for name, hasher in hashers.items()}

    def _stream_to(self, link: Link, tmp_name: str) -> dict[str, str]:
        hashers = self._hashers(link)
        headers = {"Accept-Encoding": "identity"}
        with self._http.client.stream(
            "GET", link.url, headers=headers, auth=self._auth_for(link.url)
        ) as response:
            self._check_status(response, link.url)
            length = response.headers.get("content-length", "")
            total = int(length) if length.isascii() and length.isdigit() else link.size
            current = 0
            with open(tmp_name, "wb") as sink:
                for chunk in response.iter_raw(_CHUNK):
                    sink.write(chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
                    current += len(chunk)
                    self._emit("download", link.filename, link.url, current=current, total=total)
        return {name: hasher.hexdigest() for name, hasher in hashers.items()}
