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
from typing import Any, Callable, Generic, Optional, Protocol, TypeVar, Union

from packaging.utils import canonicalize_name

from torchenv.errors import IndexError_
from torchenv.index.models import Link, ProjectPage
from torchenv.urls import strip_credentials

TYPE_CHECKING = False
if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["CandidateSource", "MemorySource", "SharedSource", "requires_dist_names"]

_T = TypeVar("_T")


class CandidateSource(Protocol):
    def project_page(self, index_url: str, name: str) -> ProjectPage: ...

    def wheel_metadata(self, link: Link) -> bytes: ...


class _Ready(Generic[_T]):
    """A value that is already there, read like a finished future."""

    __slots__ = ("_value",)

    def __init__(self, value: _T) -> None:
        self._value = value

    def result(self) -> _T:
        return self._value


# A fetch under way (or done) in the pool, or a value read without waiting.
_Result = Union["Future[_T]", _Ready[_T]]


class SharedSource:
    """Memoise pages and metadata of another source for one run (thread-safe).

    Each page or METADATA file is fetched once even when several resolutions ask for it
    at the same moment: the first caller starts the fetch, the others wait on its
    future. ``prefetch_*`` start fetches the resolver will probably need next, so
    network latency overlaps with resolution instead of adding up. With
    ``speculate=True`` stale cached pages are served while they are revalidated; the
    caller must then call :meth:`settle` and redo its work if pages changed.

    What the inner source can serve without a request (its ``local_page`` and
    ``local_metadata``, when it has them: a fresh cache entry, a file:// index, memory)
    is read in the calling thread: a thread would only add switching under the GIL.
    The thread pool (and ``concurrent.futures``) is created by the first fetch that
    may wait on the network, so a run served from the cache starts no thread at all.
    """

    def __init__(
        self,
        inner: CandidateSource,
        max_workers: int = 8,
        speculate: bool = False,
        route: Optional[Callable[[str], Iterable[str]]] = None,
    ) -> None:
        self._inner = inner
        # Project name -> the index URLs its page is read from: given, the pages of the
        # dependencies a fetched METADATA names are prefetched as soon as it arrives.
        self._route = route
        # Only for callers that call settle() before trusting their results.
        self._speculate = speculate
        self._max_workers = max_workers
        self._local_page: Optional[Callable[[str, str], Optional[ProjectPage]]] = getattr(
            inner, "local_page", None
        )
        self._local_metadata: Optional[Callable[[Link], Optional[bytes]]] = getattr(
            inner, "local_metadata", None
        )
        self._pages: dict[tuple[str, str], _Result[ProjectPage]] = {}
        # Pages handed out from a stale cache: (that copy, its revalidation).
        self._speculative: dict[tuple[str, str], tuple[ProjectPage, Future[ProjectPage]]] = {}
        self._metadata: dict[str, _Result[bytes]] = {}
        self._lock = threading.Lock()
        self._pool: Optional[ThreadPoolExecutor] = None
        self._closed = False
        self.page_fetches = 0
        self.metadata_fetches = 0

    def _submit(self, work: Callable[..., _T], *args: Any) -> Future[_T]:
        """Run ``work`` in the pool, created on first use (call with ``self._lock`` held)."""
        if self._pool is None:
            if self._closed:
                raise IndexError_("the shared source is closed")
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(
                max_workers=self._max_workers, thread_name_prefix="torchenv"
            )
        return self._pool.submit(work, *args)

    def _page_future(self, index_url: str, name: str) -> _Result[ProjectPage]:
        key = (index_url.rstrip("/"), canonicalize_name(name))
        with self._lock:
            future = self._pages.get(key)
            if future is not None:
                return future
            self.page_fetches += 1
            page = self._local_page(index_url, name) if self._local_page is not None else None
            if page is not None:
                future = self._pages[key] = _Ready(page)
                return future
            validation = self._submit(self._inner.project_page, index_url, name)
            stale = self._stale_page(index_url, name)
            if stale is None:
                future = validation
            else:
                future = _Ready(stale)
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

    def _metadata_future(self, link: Link) -> _Result[bytes]:
        with self._lock:
            future = self._metadata.get(link.url)
            if future is None:
                self.metadata_fetches += 1
                data = self._local_metadata(link) if self._local_metadata is not None else None
                if data is not None:
                    future = _Ready(data)
                else:
                    future = self._submit(self._fetch_metadata, link)
                self._metadata[link.url] = future
        return future

    def _fetch_metadata(self, link: Link) -> bytes:
        """Fetch (in the pool); start fetching the pages of the dependencies it names.

        The resolver would ask for those pages only when it gets to this candidate,
        one dependency level at a time; starting them now overlaps the round trips.
        Dependencies behind an ``extra`` marker are left alone (rarely wanted).
        """
        data = self._inner.wheel_metadata(link)
        if self._route is not None and not self._closed:
            for name in requires_dist_names(data):
                for index_url in self._route(name):
                    self._page_future(index_url, name)
        return data

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
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        self._speculative.clear()


def requires_dist_names(metadata: bytes) -> list[str]:
    """Project names of the ``Requires-Dist`` headers of a METADATA file, for prefetching.

    A quick scan, not a parser: headers end at the first empty line; a requirement
    whose marker mentions ``extra`` is skipped; the name is the leading
    ``[A-Za-z0-9._-]`` run. The resolver still parses every requirement properly.
    """
    names: list[str] = []
    for raw in metadata.split(b"\n"):
        line = raw.strip()
        if not line:
            break
        if line[:14].lower() != b"requires-dist:":
            continue
        text = line[14:].decode("utf-8", "replace").strip()
        if "extra" in text.partition(";")[2]:
            continue
        end = 0
        while end < len(text) and (text[end].isalnum() or text[end] in "._-"):
            end += 1
        if end:
            names.append(text[:end])
    return names


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

    # Everything is in memory: SharedSource reads it in the calling thread.
    def local_page(self, index_url: str, name: str) -> Optional[ProjectPage]:
        return self.project_page(index_url, name)

    def local_metadata(self, link: Link) -> Optional[bytes]:
        return self.wheel_metadata(link)


def _metadata_text(filename: str, entry: Mapping[str, Any]) -> str:
    name, version = filename.split("-")[:2]
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    if entry.get("metadata_requires_python"):
        lines.append(f"Requires-Python: {entry['metadata_requires_python']}")
    for extra in entry.get("provides_extra", []):
        lines.append(f"Provides-Extra: {extra}")
    lines += [f"Requires-Dist: {dep}" for dep in entry.get("requires_dist", [])]
    return "\n".join(lines) + "\n\n"
