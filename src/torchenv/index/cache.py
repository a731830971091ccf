"""On-disk cache for index pages and wheel metadata, safe for concurrent processes.

Layout under the cache root (``index-v1/`` so a format change can start afresh)::

    pages/<sha256(url)>            one file: a JSON header line, then the page body
    metadata/<algo>-<digest>       METADATA by its own hash (PEP 658) or the wheel's hash
    metadata/url-<sha256(url)>     METADATA of a wheel with no hash at all

Keys are hashes, so URLs (and any credentials in them) never become file names.
Every write goes through a sibling temporary file and ``os.replace``: two processes
filling the same cache see whole files or nothing, and the last writer wins with
identical content.

Cache files are not ``fsync``-ed (a cold lock writes ~70 of them; the syncs were ~25 ms
of disk waits): a cache entry is only a copy, so what a crash may leave behind must
merely be recognisable. After a power loss a renamed file can come back empty or
short; a page records its body's length in its header line and a METADATA file keyed
by its own sha256 is checked against it, so such an entry reads as missing and is
fetched again. (An empty METADATA file is never valid either.)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from pathlib import Path

from torchenv._record import Record
from torchenv.urls import strip_credentials

# Annotations only: the lock manifest check reads pages without importing typing.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Optional, Union

__all__ = ["CACHE_ENV", "CachedPage", "IndexCache", "body_digest", "default_cache_dir"]

CACHE_ENV = "TORCHENV_CACHE_DIR"
_LAYOUT = "index-v1"


def default_cache_dir(environ: Optional[Mapping[str, str]] = None) -> Path:
    """``$TORCHENV_CACHE_DIR``, else the platform's user cache dir for torchenv."""
    env = os.environ if environ is None else environ
    override = env.get(CACHE_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs  # only the client needs it; keep `import torchenv.index` light

    return Path(platformdirs.user_cache_dir("torchenv"))


def body_digest(body: bytes) -> str:
    """``sha256:<hex>`` of a page body: how a lock manifest names the page it read."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _number(value: object) -> float:
    # Pages written before freshness was recorded have none: stale, so revalidated.
    return float(value) if isinstance(value, (int, float)) else 0.0


def _key(text: str) -> str:
    # Credentials are not part of a page's identity: strip them before hashing so a
    # token rotation does not empty the cache.
    return hashlib.sha256(strip_credentials(text).encode("utf-8")).hexdigest()


def _replace_file(path: Path, data: bytes) -> None:
    """Atomic for readers (sibling temporary file + ``os.replace``), without ``fsync``."""
    # pid + thread id: unique among every writer that could race on this name.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_entry(path: Path, data: bytes) -> bool:
    try:
        _replace_file(path, data)
    except OSError:
        return False
    return True


class CachedPage(Record):
    """A page body as last served, with what is needed to reuse or revalidate it.

    ``stored_at`` and ``fresh_until`` are this machine's clock (epoch seconds) when the
    response arrived and until when it may be reused without asking the server
    (:func:`torchenv.index.freshness.fresh_until`); 0 means "revalidate".
    ``cache_control`` and ``expires`` are kept because a 304 that leaves them out
    renews the page under the ones stored (RFC 9111 §4.3.4).
    """

    url: str
    content_type: str
    body: bytes
    etag: Optional[str] = None
    last_modified: Optional[str] = None
    cache_control: Optional[str] = None
    expires: Optional[str] = None
    stored_at: float = 0.0
    fresh_until: float = 0.0

    def is_fresh(self, now: float) -> bool:
        # A clock set back since the page was stored makes the record meaningless.
        return self.stored_at <= now < self.fresh_until


class IndexCache:
    """Pages (reused while fresh, then revalidated) and metadata (immutable, kept forever)."""

    def __init__(self, root: Union[str, os.PathLike[str]]) -> None:
        self.root = Path(root) / _LAYOUT

    # -- pages ---------------------------------------------------------------
    def page_path(self, url: str) -> Path:
        return self.root / "pages" / _key(url)

    def load_page(self, url: str) -> Optional[CachedPage]:
        try:
            raw = self.page_path(url).read_bytes()
        except OSError:
            return None
        header_line, sep, body = raw.partition(b"\n")
        if not sep:
            return None
        try:
            header = json.loads(header_line)
        except ValueError:
            return None  # a file from an incompatible version: refetch
        if not isinstance(header, dict):
            return None
        size = header.get("size")
        if size is not None and size != len(body):
            return None  # cut short (a crash before the data reached the disk): refetch
        return CachedPage(
            url=str(header.get("url", url)),
            content_type=str(header.get("content_type", "")),
            body=body,
            etag=header.get("etag"),
            last_modified=header.get("last_modified"),
            cache_control=header.get("cache_control"),
            expires=header.get("expires"),
            stored_at=_number(header.get("stored_at")),
            fresh_until=_number(header.get("fresh_until")),
        )

    def cached_page_digest(self, url: str, now: Optional[float]) -> tuple[Optional[str], bool]:
        """(:func:`body_digest` of the cached copy of ``url`` or None when there is none,
        whether it may be used without a request: fresh at ``now``, any age offline).
        """
        cached = self.load_page(url)
        if cached is None:
            return None, False
        return body_digest(cached.body), now is None or cached.is_fresh(now)

    def store_page(self, page: CachedPage, key: Optional[str] = None) -> bool:
        """Write ``page`` under ``key``, the URL it is asked for by (``page.url`` if None).

        After a redirect the two differ: the page is looked up by the URL requested and
        its relative links resolve against ``page.url``, where it was found. False when
        the cache cannot be written (read-only, full disk): a cache is only a copy, so
        that is no error; the next run asks again.
        """
        header = {
            "url": strip_credentials(page.url),
            "content_type": page.content_type,
            "etag": page.etag,
            "last_modified": page.last_modified,
            "cache_control": page.cache_control,
            "expires": page.expires,
            "stored_at": page.stored_at,
            "fresh_until": page.fresh_until,
            "size": len(page.body),
        }
        data = json.dumps(header, sort_keys=True).encode("utf-8") + b"\n" + page.body
        return _write_entry(self.page_path(page.url if key is None else key), data)

    def forget_page(self, url: str) -> None:
        """Remove the cached copy of ``url``, if any (the server asked not to keep it)."""
        with contextlib.suppress(OSError):
            self.page_path(url).unlink()

    # -- metadata ------------------------------------------------------------
    def metadata_path(self, key: str) -> Path:
        return self.root / "metadata" / key

    @staticmethod
    def metadata_key(
        metadata_hashes: Optional[Mapping[str, str]],
        file_hashes: Mapping[str, str],
        url: str,
    ) -> str:
        """The most stable key available: metadata hash, else wheel hash, else URL."""
        for hashes, prefix in ((metadata_hashes or {}, "meta"), (file_hashes, "file")):
            for algorithm in sorted(hashes):
                return f"{prefix}-{algorithm}-{hashes[algorithm]}"
        return f"url-{_key(url)}"

    def load_metadata(self, key: str) -> Optional[bytes]:
        try:
            data = self.metadata_path(key).read_bytes()
        except OSError:
            return None
        if not data:
            return None
        if key.startswith("meta-sha256-") and hashlib.sha256(data).hexdigest() != key[12:].lower():
            return None  # damaged copy of a file whose hash the index published
        return data

    def store_metadata(self, key: str, data: bytes) -> bool:
        """Keep METADATA under ``key``; False when the cache cannot be written (no error)."""
        return _write_entry(self.metadata_path(key), data)
