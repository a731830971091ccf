"""Where the resolver gets pages and metadata: a small protocol plus an in-memory source.

The provider only needs two calls. The real :class:`torchenv.index.client.IndexClient`
fits the protocol; :class:`MemorySource` serves a frozen JSON index for tests and for
recorded fixtures. :class:`SharedSource` memoises both calls so that several targets
resolved in one run fetch each page and each METADATA file once.

Stale cached pages are used speculatively: when the inner source offers
``stale_page`` (the index client does), the cached copy is handed to the resolver at
once while its revalidation runs in the background, so the round trips of a warm run
overlap instead of following the resolver's discovery order one level at a time.
:meth:`SharedSource.settle` waits for every revalidation and says which pages changed;
the caller resolves again in that case (:func:`torchenv.lock.engine.lock_all` does).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Optional, Protocol

from packaging.utils import canonicalize_name

from torchenv.errors import IndexError_
from torchenv.index.models import Link, ProjectPage
from torchenv.urls import strip_credentials

__all__ = ["CandidateSource", "MemorySource", "SharedSource"]


class CandidateSource(Protocol):
    def project_page(self, index_url: str, name: str) -> ProjectPage: ...

    def wheel_metadata(self, link: Link) -> bytes: ...


class SharedSource:
    """Memoise pages and metadata of another source for one run (thread-safe).

    Each page or METADATA file is fetched once even when several resolutions ask for it
    at the same moment: the first caller starts the fetch, the others wait on its
    future. ``prefetch_*`` start fetches the resolver will probably need next, so
    network latency overlaps with resolution instead of adding up. With
    ``speculate=True`` stale cached pages are served while they are revalidated; the
    caller must then call :meth:`settle` and redo its work if pages changed.
    """

    def __init__(
        self, inner: CandidateSource, max_workers: int = 8, speculate: bool = False
    ) -> None:
        self._inner = inner
        # Only for callers that call settle() before trusting their results.
        self._speculate = speculate
        self._pages: dict[tuple[str, str], Future[ProjectPage]] = {}
        # Pages handed out from a stale cache: (that copy, its revalidation).
        self._speculative: dict[tuple[str, str], tuple[ProjectPage, Future[ProjectPage]]] = {}
        self._metadata: dict[str, Future[bytes]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="torchenv")
        self.page_fetches = 0
        self.metadata_fetches = 0

    def _page_future(self, index_url: str, name: str) -> Future[ProjectPage]:
        key = (index_url.rstrip("/"), canonicalize_name(name))
        with self._lock:
            future = self._pages.get(key)
            if future is None:
                self.page_fetches += 1
                validation = self._pool.submit(self._inner.project_page, index_url, name)
                stale = self._stale_page(index_url, name)
                if stale is None:
                    future = validation
                else:
                    future = Future()
                    future.set_result(stale)
                    self._speculative[key] = (stale, validation)
                self._pages[key] = future
        return future

    def _stale_page(self, index_url: str, name: str) -> Optional[ProjectPage]:
        stale_page = getattr(self._inner, "stale_page", None) if self._speculate else None
        if stale_page is None:
            return None
        page: Optional[ProjectPage] = stale_page(index_url, name)
        return page

    def settle(self) -> list[str]:
        """Wait for the revalidation of every stale page handed out; name those that changed.

        A changed page replaces the stale copy, so work redone afterwards sees the
        current page. Errors of a revalidation are raised here.
        """
        with self._lock:
            pending, self._speculative = self._speculative, {}
        changed = []
        for key, (stale, validation) in pending.items():
            current = validation.result()
            if current is not stale and current != stale:
                changed.append(current.url)
                with self._lock:
                    self._pages[key] = validation
        return changed

    def _metadata_future(self, link: Link) -> Future[bytes]:
        with self._lock:
            future = self._metadata.get(link.url)
            if future is None:
                self.metadata_fetches += 1
                future = self._pool.submit(self._inner.wheel_metadata, link)
                self._metadata[link.url] = future
        return future

    def project_page(self, index_url: str, name: str) -> ProjectPage:
        return self._page_future(index_url, name).result()

    def wheel_metadata(self, link: Link) -> bytes:
        return self._metadata_future(link).result()

    def prefetch_pages(self, index_url: str, names: Iterable[str]) -> None:
        """Start fetching pages in the background; errors surface when they are read."""
        for name in names:
            self._page_future(index_url, name)

    def prefetch_metadata(self, links: Iterable[Link]) -> None:
        for link in links:
            self._metadata_future(link)

    def close(self) -> None:
        # Wait for fetches already running: the inner client may be closed right after.
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._speculative.clear()


class MemorySource:
    """An index held in memory: ``{index_url: {project: [file entry, ...]}}``.

    A file entry is a mapping with ``filename`` and optional ``sha256``, ``size``,
    ``upload_time``, ``requires_python``, ``yanked`` and ``requires_dist`` (the
    dependency lines of its METADATA).
    """

    def __init__(self, data: Mapping[str, Mapping[str, Any]]) -> None:
        self._pages: dict[tuple[str, str], ProjectPage] = {}
        self._metadata: dict[str, bytes] = {}
        for index_url, projects in data.items():
            base = index_url.rstrip("/")
            for project, files in projects.items():
                name = canonicalize_name(project)
                page_url = f"{base}/{name}/"
                links = []
                for entry in files:
                    filename = entry["filename"]
                    url = page_url + filename.replace("+", "%2B")
                    sha = entry.get("sha256")
                    links.append(
                        Link(
                            filename=filename,
                            url=url,
                            hashes={"sha256": sha} if sha else {},
                            requires_python=entry.get("requires_python"),
                            yanked=entry.get("yanked"),
                            metadata_hashes={},
                            size=entry.get("size"),
                            upload_time=entry.get("upload_time"),
                        )
                    )
                    self._metadata[url] = _metadata_text(filename, entry).encode()
                self._pages[(base, name)] = ProjectPage(name, page_url, tuple(links))

    def project_page(self, index_url: str, name: str) -> ProjectPage:
        # Credentials authenticate, they do not name a different index.
        key = (strip_credentials(index_url).rstrip("/"), canonicalize_name(name))
        page = self._pages.get(key)
        if page is None:
            return ProjectPage(key[1], f"{key[0]}/{key[1]}/", ())
        return page

    def wheel_metadata(self, link: Link) -> bytes:
        try:
            return self._metadata[link.url]
        except KeyError:
            raise IndexError_(f"no metadata for {link.filename}") from None


def _metadata_text(filename: str, entry: Mapping[str, Any]) -> str:
    name, version = filename.split("-")[:2]
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if entry.get("metadata_requires_python"):
        lines.append(f"Requires-Python: {entry['metadata_requires_python']}")
    for extra in entry.get("provides_extra", []):
        lines.append(f"Provides-Extra: {extra}")
    lines += [f"Requires-Dist: {dep}" for dep in entry.get("requires_dist", [])]
    return "\n".join(lines) + "\n\n"
