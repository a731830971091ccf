"""A plain-HTTP page and METADATA source (stdlib ``urllib``), for when no client is built in.

``torchenv lock`` prefers :class:`torchenv.index.client.IndexClient` (httpx, disk cache,
offline mode). When that module is absent this source keeps the command real: it asks
for PEP 691 JSON and falls back to PEP 503 HTML (both parsed by
:mod:`torchenv.index.pages`), reads METADATA from the PEP 658 sidecar when the page
offers one and otherwise from the wheel itself, and checks every sha256 it is given.
Credentials in an index URL become a Basic ``Authorization`` header and never appear
in a message.
"""

from __future__ import annotations

import base64
import hashlib
import io
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit, urlunsplit

from torchenv.errors import IndexError_
from torchenv.index.models import Link, ProjectPage
from torchenv.urls import redact_url

__all__ = ["ACCEPT", "HttpSource", "read_wheel_metadata"]

# PEP 691 content negotiation: JSON first, HTML as the fallback every index serves.
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)


def read_wheel_metadata(data: bytes, filename: str) -> bytes:
    """The ``*.dist-info/METADATA`` member of a wheel held in memory (pure)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                parts = member.split("/")
                if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                    return archive.read(member)
    except zipfile.BadZipFile as error:
        raise IndexError_(f"{filename}: not a zip archive ({error})") from None
    raise IndexError_(f"{filename}: no .dist-info/METADATA in the wheel")


def _split_auth(url: str) -> tuple[str, Optional[str]]:
    """(URL without userinfo, Basic auth header value or None)."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    user = unquote(parts.username)
    password = unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return clean, f"Basic {token}"


def _check_hash(data: bytes, hashes: Optional[Mapping[str, str]], what: str) -> None:
    expected = (hashes or {}).get("sha256")
    if expected and hashlib.sha256(data).hexdigest() != expected.lower():
        raise IndexError_(f"{what}: sha256 mismatch (the index says {expected})")


class HttpSource:
    """Fetch project pages, METADATA and wheels over HTTP(S) or ``file:`` with urllib."""

    def __init__(self, timeout: float = 60.0, retries: int = 2) -> None:
        self.timeout = timeout
        self.retries = retries

    def _get(self, url: str, accept: Optional[str] = None) -> tuple[bytes, str]:
        """(body, Content-Type); a 404 raises :class:`FileNotFoundError`."""
        clean, auth = _split_auth(url)
        request = urllib.request.Request(clean)
        if accept:
            request.add_header("Accept", accept)
        if auth:
            request.add_header("Authorization", auth)
        last: Optional[BaseException] = None
        for _attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body: bytes = response.read()
                    return body, str(response.headers.get("Content-Type", ""))
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    raise FileNotFoundError(url) from None
                if error.code < 500:
                    raise IndexError_(f"{redact_url(url)}: HTTP {error.code}") from None
                last = error
            except (urllib.error.URLError, OSError) as error:
                last = error
        raise IndexError_(f"{redact_url(url)}: cannot fetch ({last})")

    def project_page(self, index_url: str, name: str) -> ProjectPage:
        from packaging.utils import canonicalize_name

        from torchenv.index.pages import parse_project_page

        normalized = canonicalize_name(name)
        url = f"{index_url.rstrip('/')}/{normalized}/"
        try:
            body, content_type = self._get(url, ACCEPT)
        except FileNotFoundError:
            # The project is not on this index: no candidates, the resolver explains it.
            return ProjectPage(normalized, url, ())
        page = parse_project_page(body, content_type, url, normalized)
        return ProjectPage(page.name, page.url, page.links)

    def wheel_metadata(self, link: Link) -> bytes:
        if link.has_metadata:
            try:
                data, _type = self._get(link.metadata_url)
            except FileNotFoundError:
                pass  # advertised but missing (seen on real mirrors): read the wheel
            else:
                _check_hash(data, link.metadata_hashes, link.filename + ".metadata")
                return data
        return read_wheel_metadata(self._fetch_file(link), link.filename)

    def _fetch_file(self, link: Link) -> bytes:
        try:
            data, _type = self._get(link.url)
        except FileNotFoundError:
            raise IndexError_(f"{redact_url(link.url)}: not found (HTTP 404)") from None
        _check_hash(data, link.hashes, link.filename)
        return data

    def download(self, link: Link, dest: Path) -> Path:
        """Fetch ``link`` into folder ``dest``, checking its sha256 when the index gave one."""
        path = Path(dest) / link.filename
        path.write_bytes(self._fetch_file(link))
        return path

    def close(self) -> None:
        """Nothing held open; present so callers can treat every source alike."""
