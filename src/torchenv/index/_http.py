"""The httpx client behind :class:`torchenv.index.client.IndexClient`, built on demand.

Imported only when a request must be sent: importing httpx/httpcore and loading the
CA certificates cost tens of milliseconds that a run served from the cache should not
pay. TLS settings are built on the first ``https://`` request, not before: httpx's
default transport loads the certificate bundle when it is constructed, even for a
client that only ever talks to a plain-HTTP mirror.

Proxies: httpx applies ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY``/``NO_PROXY`` only
to a client built without a ``transport=``. When one of those variables is set the
client is built that way (httpx mounts the proxies and honours ``NO_PROXY``), at the
price of loading the CA bundle up front; otherwise the lazy per-scheme transport is used.

Plain GETs (pages, METADATA files) without credentials skip ``httpx.Client``'s
per-request machinery (request building and URL merging, the auth flow, the cookie
jar: about 0.3 ms of CPU per request, a tenth of a cold lock's fetching) and go to the
transport directly, following redirects to the URLs the client would. Anything else (a
request with credentials, a proxy from the environment, streamed downloads) goes
through the client, and so does everything once a server has set a cookie: the
cookie goes into the client's jar and the client sends it from then on. Responses of
the lean path carry no ``history`` or ``elapsed``; nothing here reads them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Optional

import httpx

__all__ = [
    "MAX_REDIRECTS",
    "PROXY_VARIABLES",
    "USER_AGENT",
    "HttpSession",
    "make_http_client",
    "proxy_configured",
]

USER_AGENT = "torchenv (index client)"
# httpx.Client's limit; a loop of redirects ends in httpx.TooManyRedirects either way.
MAX_REDIRECTS = 20
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# A redirect's body is read (so its keep-alive connection goes back to the pool) when
# it says it is at most this long; a longer or unsized one is dropped with its connection.
_DRAIN_LIMIT = 64 * 1024
# The proxy variables httpx reads (any case); NO_PROXY alone routes nothing anywhere.
PROXY_VARIABLES = frozenset({"http_proxy", "https_proxy", "all_proxy"})


def proxy_configured(environ: Optional[Mapping[str, str]] = None) -> bool:
    """True when a proxy variable httpx honours is set to a non-empty value.

    Only the keys are looked at (no ``urllib.request`` import): the decision is merely
    whether to leave proxy handling, ``NO_PROXY`` included, to httpx.
    """
    env = os.environ if environ is None else environ
    return any(value and key.lower() in PROXY_VARIABLES for key, value in env.items())


class _PerSchemeTransport(httpx.BaseTransport):
    """One httpx transport per URL scheme, each created by the first request using it."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._transports: dict[str, httpx.HTTPTransport] = {}
        self._lock = threading.Lock()

    def _for(self, scheme: str) -> httpx.HTTPTransport:
        with self._lock:
            transport = self._transports.get(scheme)
            if transport is None:
                # Plain HTTP never negotiates TLS, so its transport gets a context that
                # loads no certificates; https:// verifies with the default CA bundle
                # (or SSL_CERT_FILE / SSL_CERT_DIR, as httpx's trust_env allows).
                verify = scheme != "http"
                transport = httpx.HTTPTransport(verify=verify, trust_env=True, limits=self._limits)
                self._transports[scheme] = transport
            return transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._for(request.url.scheme).handle_request(request)

    def close(self) -> None:
        with self._lock:
            transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            transport.close()


def _redirect_url(request: httpx.Request, location: str) -> httpx.URL:
    """Where a redirect of ``request`` leads, as ``httpx.Client`` computes it.

    A relative location resolves against the URL redirected from; an absolute one
    without a host keeps the request's host. A GET stays a GET (for 303 too) and the
    same headers go along: this path carries no credentials, so nothing needs
    stripping when the redirect leaves the origin.
    """
    try:
        url = httpx.URL(location)
    except httpx.InvalidURL as exc:
        # What the client raises too: a transport error, retried and then reported.
        raise httpx.RemoteProtocolError(
            f"Invalid URL in location header: {exc}.", request=request
        ) from None
    if url.scheme and not url.host:
        url = url.copy_with(host=request.url.host)
    return request.url.join(url) if url.is_relative_url else url


def _drains(response: httpx.Response) -> bool:
    length = response.headers.get("content-length", "")
    return length.isascii() and length.isdigit() and int(length) <= _DRAIN_LIMIT


class HttpSession:
    """The index client's HTTP: an ``httpx.Client`` plus a lean path for plain GETs.

    ``client`` does everything; :meth:`get` sends a GET without credentials straight
    to the transport when the client would only have passed it through (no proxy
    mounted from the environment). Thread-safe, like the client and transports.
    """

    def __init__(self, client: httpx.Client, direct: Optional[httpx.BaseTransport]) -> None:
        self.client = client
        # None: every request goes through the client (proxies from the environment).
        self._direct = direct
        self._headers = client.headers
        self._timeout = client.timeout.as_dict()

    def get(
        self,
        url: str,
        headers: Optional[Mapping[str, str]] = None,
        auth: Optional[httpx.Auth] = None,
    ) -> httpx.Response:
        """GET ``url`` following redirects; the body is read and the response closed."""
        if auth is not None or self._direct is None or self.client.cookies:
            return self.client.get(url, headers=headers, auth=auth)
        if self.client.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        merged = self._headers
        if headers:
            # As the client merges them: same names on the wire, later values win.
            merged = httpx.Headers(merged)
            merged.update(headers)
        request = httpx.Request("GET", url, headers=merged, extensions={"timeout": self._timeout})
        for _ in range(MAX_REDIRECTS + 1):
            response = self._direct.handle_request(request)
            response.request = request
            location = response.headers.get("location")
            redirect = response.status_code in _REDIRECTS and location is not None
            if not redirect or _drains(response):
                try:
                    response.read()
                finally:
                    response.close()
            else:
                response.close()
            if "set-cookie" in response.headers:
                # A server that keeps state in cookies (a gate that sets one and
                # redirects back): the client's jar holds it and the client goes on.
                self.client.cookies.extract_cookies(response)
                if redirect:
                    return self.client.get(_redirect_url(request, location or ""), headers=headers)
            if not redirect:
                return response
            request = httpx.Request(
                "GET",
                _redirect_url(request, location or ""),
                headers=merged,
                extensions={"timeout": self._timeout},
            )
        raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=request)

    def close(self) -> None:
        self.client.close()


def make_http_client(
    transport: Optional[httpx.BaseTransport], timeout: float, max_workers: int
) -> HttpSession:
    """A thread-safe session; ``transport`` (tests) replaces the per-scheme default.

    With a proxy variable set and no ``transport`` given, httpx builds its own
    transports so that it can mount the proxies from the environment, and every
    request goes through the client.
    """
    limits = httpx.Limits(max_connections=max_workers, max_keepalive_connections=max_workers)
    if transport is None and not proxy_configured():
        transport = _PerSchemeTransport(limits)
    client = httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        trust_env=True,
        headers={"User-Agent": USER_AGENT},
        limits=limits,
    )
    return HttpSession(client, transport)
