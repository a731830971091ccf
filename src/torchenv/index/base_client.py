"""What every index request shares: the HTTP session, credentials, retries, errors.

:class:`BaseClient` holds the connection settings and the disk cache of an index
client and the plumbing its readers build on (:mod:`torchenv.index.files` for METADATA
and downloads, :mod:`torchenv.index.client` for pages):

- Start-up: httpx is imported and its session built only when a request is needed,
  and TLS settings (CA certificates) are loaded only for the first ``https://``
  request, so a run served from fresh cache entries, or from a plain ``http://``
  mirror, pays neither.
- Robustness: timeouts, connection failures and 5xx are retried with exponential
  backoff; 4xx are not. Errors name the URL with credentials redacted.
- Credentials: ``https://user:token@host/simple`` works; links and pages never carry
  them: the client remembers the credentials per host and sends them again for files
  on that host. Hosts without credentials in the URL get those of the netrc file
  (``$NETRC``, else ``~/.netrc`` or ``~/_netrc``) when it has an entry for them: httpx
  reads netrc only through an explicit ``httpx.NetRCAuth``, not through ``trust_env``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional, TypeVar, Union
from urllib.parse import unquote, urlsplit

from torchenv.errors import IndexError_
from torchenv.index.cache import IndexCache, default_cache_dir
from torchenv.index.progress import ProgressCallback, ProgressEvent
from torchenv.urls import redact_url, strip_credentials

if TYPE_CHECKING:
    import httpx

    from torchenv.index._http import HttpSession

__all__ = ["DEFAULT_TIMEOUT", "BaseClient", "OfflineCacheMiss", "TransientError", "is_file_url"]

DEFAULT_TIMEOUT = 30.0
_T = TypeVar("_T")
_Self = TypeVar("_Self", bound="BaseClient")


class OfflineCacheMiss(IndexError_):
    """Offline mode and the cache lacks what was asked for; ``missing`` lists it all."""

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing = tuple(sorted({redact_url(m) for m in missing}))
        super().__init__(f"not in the cache (offline): {', '.join(self.missing)}")


class TransientError(Exception):
    """A failure worth another attempt (5xx)."""


def is_file_url(url: str) -> bool:
    return url.startswith("file:")


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


class BaseClient:
    """Settings, cache and request plumbing of an index client (see the module docstring).

    Thread-safe: one shared HTTP session, created by the first request; parallel work
    uses up to ``max_workers`` threads. Use as a context manager or call :meth:`close`.
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

    def __enter__(self: _Self) -> _Self:
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

    def remember_credentials(self, urls: Iterable[str]) -> None:
        """Keep the credentials of these index URLs for their hosts, as reading a page
        from them would: for requests by URLs that carry none (a lock manifest's)."""
        for url in urls:
            self._remember_auth(url)

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
            except TransientError as exc:
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
            except httpx.DecodingError as exc:
                # A body that does not match its Content-Encoding: cut short or mangled
                # on the way, so worth another attempt, like a dropped connection.
                last = f"undecodable response ({exc})".replace(url, redact_url(url))
            except httpx.HTTPError as exc:
                # Anything else httpx refuses (e.g. a URL it cannot send): not transient.
                reason = f"{type(exc).__name__}: {exc}".replace(url, redact_url(url))
                raise IndexError_(f"{redact_url(url)}: request failed ({reason})") from None
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
            raise TransientError(f"HTTP {status}")
        if status in (401, 403):
            raise IndexError_(
                f"{redact_url(url)}: HTTP {status} (authentication required or refused; "
                "put credentials in the index URL or ~/.netrc)"
            )
        if status >= 400:
            raise IndexError_(f"{redact_url(url)}: HTTP {status}")

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
