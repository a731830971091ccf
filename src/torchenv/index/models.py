"""Values read from a package index: one file link, one project page.

Both PEP 503 (HTML) and PEP 691 (JSON) pages parse into the same values, so
everything downstream (resolver, lock writer) never needs to know which format the
index served.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Optional
from urllib.parse import urlsplit, urlunsplit

from torchenv._record import Record

__all__ = ["DIST_SUFFIXES", "Link", "ProjectPage"]

# File names a simple-index page may list that are installable distributions. Anything
# else on a page (navigation links, "../") is not a file of the project.
DIST_SUFFIXES: tuple[str, ...] = (
    ".whl",
    ".tar.gz",
    ".zip",
    ".tar.bz2",
    ".tar.xz",
    ".tgz",
    ".tar",
    ".egg",
)


class _NoHashes(Mapping[str, str]):
    """The hashes of a link the index published none for: empty and read-only.

    One instance is the default of every such link, so it must not be writable; unlike
    ``MappingProxyType({})`` it pickles (as a reference to that one instance).
    """

    __slots__ = ()

    def __getitem__(self, key: str) -> str:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"

    def __reduce__(self) -> str:
        return "_NO_HASHES"


_NO_HASHES: Mapping[str, str] = _NoHashes()


# Records, not frozen dataclasses: ``dataclasses`` (and the ``inspect`` it imports) cost
# ~10 ms of every ``torchenv lock`` start, and a page holds thousands of links.
class Link(Record):
    """One file offered by a project page.

    ``url`` is absolute and carries no ``#hash`` fragment (the fragment's content is in
    ``hashes``); ``filename`` is the decoded file name (``%2B`` shown as ``+``).

    ``yanked`` is ``None`` when the file is not yanked, ``""`` when it is yanked without
    a reason, else the reason. ``metadata_hashes`` is ``None`` when the index offers no
    PEP 658 metadata file, ``{}`` when it offers one without a hash, else the hashes of
    the ``.metadata`` file (which are NOT the hashes of the wheel).
    """

    filename: str
    url: str
    hashes: Mapping[str, str] = _NO_HASHES
    requires_python: Optional[str] = None
    yanked: Optional[str] = None
    metadata_hashes: Optional[Mapping[str, str]] = None
    size: Optional[int] = None
    upload_time: Optional[str] = None

    # The mappings make a tuple's hash fail; a link is identified by where it lives.
    def __hash__(self) -> int:
        return hash((self.filename, self.url))

    @property
    def sha256(self) -> Optional[str]:
        """The file's sha256 hex digest when the index published one."""
        return self.hashes.get("sha256")

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    @property
    def is_yanked(self) -> bool:
        return self.yanked is not None

    @property
    def has_metadata(self) -> bool:
        """True when the index serves ``<url>.metadata`` (PEP 658/714)."""
        return self.metadata_hashes is not None

    @property
    def metadata_url(self) -> str:
        """Where the PEP 658 metadata file lives: the file URL plus ``.metadata``."""
        parts = urlsplit(self.url)
        return urlunsplit((parts.scheme, parts.netloc, parts.path + ".metadata", parts.query, ""))


class ProjectPage(Record):
    """The files an index offers for one project, in the order the page lists them."""

    name: str
    url: str
    links: tuple[Link, ...] = ()

    # The number of files, not of fields: a page is used as a collection of links.
    def __len__(self) -> int:
        return len(self.links)

    def link(self, filename: str) -> Optional[Link]:
        """The link for ``filename`` (exact, decoded file name), or None."""
        for candidate in self.links:
            if candidate.filename == filename:
                return candidate
        return None

    @property
    def wheels(self) -> tuple[Link, ...]:
        return tuple(link for link in self.links if link.is_wheel)
