"""``file://`` indexes: a mirror on disk read with the same page parser as HTTP.

A project directory ``<root>/<project>/`` holds ``index.json`` (PEP 691) or
``index.html`` (PEP 503), or just the distribution files (a directory listing, like
``pip --find-links``). Files directly under ``<root>`` whose name is the project's are
listed too when there is no project directory (a flat mirror).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name

from torchenv.errors import IndexError_
from torchenv.index.models import DIST_SUFFIXES, Link, ProjectPage
from torchenv.index.pages import parse_project_page

__all__ = [
    "file_sha256",
    "file_url_path",
    "local_project_page",
    "local_wheel_metadata",
    "path_to_file_url",
]

_CHUNK = 1 << 20


def file_url_path(url: str) -> Path:
    """The local path a ``file://`` URL names."""
    # urllib.request pulls in http.client and email: only file:// users pay for it.
    from urllib.request import url2pathname

    return Path(url2pathname(unquote(urlsplit(url).path)))


def path_to_file_url(path: Path) -> str:
    from urllib.request import pathname2url

    return "file://" + pathname2url(str(path.resolve()))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _project_of(filename: str) -> str:
    # Wheels and sdists both start with "<name>-<version>"; names never contain "-"
    # in file names (they are normalised to "_").
    return canonicalize_name(filename.split("-", 1)[0])


def _listing(files: list[Path]) -> tuple[Link, ...]:
    links = []
    for path in sorted(files, key=lambda p: p.name):
        metadata = path.with_name(path.name + ".metadata")
        links.append(
            Link(
                filename=path.name,
                url=path_to_file_url(path),
                # A local mirror is trusted as much as its disk; hashing it lets locks
                # record the same sha256 an HTTP index would publish.
                hashes={"sha256": file_sha256(path)},
                metadata_hashes={"sha256": file_sha256(metadata)} if metadata.is_file() else None,
                size=path.stat().st_size,
            )
        )
    return tuple(links)


def local_project_page(index_url: str, name: str) -> ProjectPage:
    """The page of ``name`` under a ``file://`` index root."""
    normalized = canonicalize_name(name)
    root = file_url_path(index_url)
    page_url = f"{index_url.rstrip('/')}/{normalized}/"
    if not root.is_dir():
        raise IndexError_(f"{index_url}: not a directory")
    project_dir = root / normalized
    if project_dir.is_dir():
        for filename, content_type in (
            ("index.json", "application/vnd.pypi.simple.v1+json"),
            ("index.html", "text/html"),
        ):
            document = project_dir / filename
            if document.is_file():
                page = parse_project_page(document.read_bytes(), content_type, page_url, normalized)
                return ProjectPage(normalized, page_url, page.links)
        candidates = [p for p in project_dir.iterdir() if p.is_file()]
    else:
        candidates = [p for p in root.iterdir() if p.is_file()]
    files = [
        p
        for p in candidates
        if p.name.endswith(DIST_SUFFIXES) and _project_of(p.name) == normalized
    ]
    return ProjectPage(normalized, page_url, _listing(files))


def local_wheel_metadata(path: Path, filename: Optional[str] = None) -> bytes:
    """METADATA of a wheel on disk: its ``.metadata`` sidecar, else read from the zip."""
    sidecar = path.with_name(path.name + ".metadata")
    if sidecar.is_file():
        return sidecar.read_bytes()
    import zipfile

    from torchenv.index.wheelzip import WheelZipError, find_metadata_name

    try:
        with zipfile.ZipFile(path) as archive:
            member = find_metadata_name(archive.namelist(), filename or path.name)
            return archive.read(member)
    except (OSError, zipfile.BadZipFile, WheelZipError) as exc:
        raise IndexError_(f"{path}: cannot read wheel METADATA ({exc})") from None
