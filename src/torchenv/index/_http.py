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
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from typing import Optional

import httpx

__all__ = ["PROXY_VARIABLES", "USER_AGENT", "make_http_client", "proxy_configured"]

USER_AGENT = "torchenv (index client)"
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


def make_http_client(
    transport: Optional[httpx.BaseTransport], timeout: float, max_workers: int
) -> httpx.Client:
    """A thread-safe client; ``transport`` (tests) replaces the per-scheme default.

    With a proxy variable set and no ``transport`` given, httpx builds its own
    transports so that it can mount the proxies from the environment.
    """
    limits = httpx.Limits(max_connections=max_workers, max_keepalive_connections=max_workers)
    if transport is None and not proxy_configured():
        transport = _PerSchemeTransport(limits)
    return httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        trust_env=True,
        headers={"User-Agent": USER_AGENT},
        limits=limits,
    )
