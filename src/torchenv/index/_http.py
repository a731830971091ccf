"""The httpx client behind :class:`torchenv.index.client.IndexClient`, built on demand.

Imported only when a request must be sent: importing httpx/httpcore and loading the
CA certificates cost tens of milliseconds that a run served from the cache should not
pay. TLS settings are built on the first ``https://`` request, not before: httpx's
default transport loads the certificate bundle when it is constructed, even for a
client that only ever talks to a plain-HTTP mirror.
"""

from __future__ import annotations

import threading
from typing import Optional

import httpx

__all__ = ["USER_AGENT", "make_http_client"]

USER_AGENT = "torchenv (index client)"


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


def make_http_client(
    transport: Optional[httpx.BaseTransport], timeout: float, max_workers: int
) -> httpx.Client:
    """A thread-safe client; ``transport`` (tests) replaces the per-scheme default."""
    limits = httpx.Limits(max_connections=max_workers, max_keepalive_connections=max_workers)
    return httpx.Client(
        transport=transport if transport is not None else _PerSchemeTransport(limits),
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        trust_env=True,
        headers={"User-Agent": USER_AGENT},
        limits=limits,
    )
