"""Wheel METADATA and whole files from an index, hash-checked.

- Metadata: the PEP 658 ``.metadata`` file when offered, else HTTP range requests into
  the wheel (tail, central directory, METADATA member), else a full download, which
  is reported as a ``warning`` progress event. Hash-checked whenever a hash is known;
  cached by its own hash (or the wheel's) forever.
- Downloads: streamed to a temporary file next to the target, every published hash
  checked while streaming, renamed into place only when they all match.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Optional, Union

from torchenv.errors import IndexError_
from torchenv.index.base_client import BaseClient, OfflineCacheMiss, is_file_url
from torchenv.index.models import Link

__all__ = ["FileClient"]

_CHUNK = 1 << 20


def _verify(data_hashes: Mapping[str, str], expected: Mapping[str, str], what: str) -> None:
    for algorithm, digest in expected.items():
        actual = data_hashes.get(algorithm)
        if actual is not None and actual != digest.lower():
            raise IndexError_(f"{what}: {algorithm} mismatch (expected {digest}, got {actual})")


def _digests(data: bytes, expected: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for algorithm in expected:
        if algorithm in hashlib.algorithms_available:
            found[algorithm] = hashlib.new(algorithm, data).hexdigest()
    return found


def _metadata_from_zip(path: Path, filename: str) -> bytes:
    import zipfile

    from torchenv.index.wheelzip import WheelZipError, find_metadata_name

    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(find_metadata_name(archive.namelist(), filename))
    except (zipfile.BadZipFile, WheelZipError, KeyError) as exc:
        raise IndexError_(f"{filename}: not a readable wheel ({exc})") from None


class FileClient(BaseClient):
    """:class:`BaseClient` plus METADATA and file retrieval (see the module docstring)."""

    def local_metadata(self, link: Link) -> Optional[bytes]:
        """The wheel's METADATA when the cache has it, else None (sends nothing)."""
        if not link.is_wheel:
            return None
        key = self.cache.metadata_key(link.metadata_hashes, link.hashes, link.url)
        return self.cache.load_metadata(key)

    # -- metadata ------------------------------------------------------------
    def wheel_metadata(self, link: Link) -> bytes:
        """The wheel's METADATA bytes, fetched as cheaply as the index allows."""
        if not link.is_wheel:
            raise IndexError_(f"{link.filename}: metadata is only read from wheels")
        key = self.cache.metadata_key(link.metadata_hashes, link.hashes, link.url)
        cached = self.cache.load_metadata(key)
        if cached is not None:
            return cached
        if self.offline and not is_file_url(link.url):
            raise OfflineCacheMiss([f"metadata of {link.filename} ({link.url})"])
        data = self._fetch_metadata(link)
        if link.metadata_hashes:
            _verify(
                _digests(data, link.metadata_hashes),
                link.metadata_hashes,
                f"{link.filename}.metadata",
            )
        self.cache.store_metadata(key, data)
        return data

    def prefetch_metadata(self, links: Iterable[Link]) -> dict[Link, bytes]:
        """METADATA for many wheels in parallel (offline: one error lists all misses)."""
        unique = list(dict.fromkeys(links))
        by_name = {link.url: link for link in unique}
        results = self._parallel(lambda url: self.wheel_metadata(by_name[url]), list(by_name))
        return {by_name[url]: data for url, data in zip(by_name, results) if data is not None}

    def _fetch_metadata(self, link: Link) -> bytes:
        if is_file_url(link.url):
            from torchenv.index.local import file_url_path, local_wheel_metadata

            return local_wheel_metadata(file_url_path(link.url), link.filename)
        if link.has_metadata:
            data = self._get_metadata_file(link)
            if data is not None:
                return data
        data = self._metadata_by_range(link)
        if data is not None:
            return data
        self._emit(
            "warning",
            f"{link.filename}: no metadata file and no range support; "
            "downloading the whole file to read its METADATA",
            link.url,
        )
        import tempfile

        with tempfile.TemporaryDirectory(prefix="wheel-", dir=self._tmp_root()) as tmp:
            path = self.download(link, Path(tmp))
            return _metadata_from_zip(path, link.filename)

    def _tmp_root(self) -> str:
        root = self.cache.root / "tmp"
        root.mkdir(parents=True, exist_ok=True)
        return str(root)

    def _get_metadata_file(self, link: Link) -> Optional[bytes]:
        url = link.metadata_url

        def attempt() -> Optional[bytes]:
            response = self._http.get(url, auth=self._auth_for(url))
            if response.status_code == 404:
                return None  # the page promised one; fall back to the wheel itself
            self._check_status(response, url)
            return response.content

        self._emit("fetch", f"{link.filename}: metadata file", url)
        return self._retrying(url, attempt)

    def _metadata_by_range(self, link: Link) -> Optional[bytes]:
        """METADATA through range requests, or None when the server will not do ranges."""
        from torchenv.index.wheelzip import TAIL_BYTES, WheelZipError, read_member_with_ranges

        url = link.url
        auth = self._auth_for(url)
        no_ranges = object()

        def get_range(spec: str) -> Union[bytes, object, tuple[bytes, int]]:
            headers = {"Range": f"bytes={spec}", "Accept-Encoding": "identity"}
            with self._http.client.stream("GET", url, headers=headers, auth=auth) as response:
                if response.status_code in (200, 416) or 400 <= response.status_code < 500:
                    return no_ranges  # range ignored or refused: do not read the body
                self._check_status(response, url)
                body = response.read()
                total = response.headers.get("content-range", "").rsplit("/", 1)[-1]
                return body, int(total) if total.isascii() and total.isdigit() else -1

        self._emit("fetch", f"{link.filename}: METADATA by range requests", url)
        first = self._retrying(url, lambda: get_range(f"-{TAIL_BYTES}"))
        if not isinstance(first, tuple):
            return None
        tail, total = first
        if total < 0:
            return None

        class _NoRanges(Exception):
            pass

        def fetch(start: int, end: int) -> bytes:
            got = self._retrying(url, lambda: get_range(f"{start}-{end - 1}"))
            if not isinstance(got, tuple) or len(got[0]) != end - start:
                raise _NoRanges
            body: bytes = got[0]
            return body

        try:
            return read_member_with_ranges(tail, total, fetch, link.filename)
        except _NoRanges:
            return None
        except WheelZipError as exc:
            raise IndexError_(f"{link.filename}: not a readable wheel ({exc})") from None

    # -- downloads -----------------------------------------------------------
    def download(
        self, link: Link, dest: Union[str, os.PathLike[str]], require_hash: bool = False
    ) -> Path:
        """Download ``link`` into the directory ``dest`` (created) and verify it.

        Every hash the index published is checked while streaming; on a mismatch
        nothing is written and :class:`IndexError_` names the file. With
        ``require_hash`` a link without any hash is refused.
        """
        if require_hash and not link.hashes:
            raise IndexError_(f"{link.filename}: the index publishes no hash for it")
        import contextlib
        import tempfile

        target = Path(dest) / link.filename
        if self.offline and not is_file_url(link.url):
            raise OfflineCacheMiss([link.url])
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
        os.close(fd)
        try:
            if is_file_url(link.url):
                digests = self._copy_local(link, tmp_name)
            else:
                digests = self._retrying(link.url, lambda: self._stream_to(link, tmp_name))
            _verify(digests, link.hashes, link.filename)
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        return target

    def _hashers(self, link: Link) -> dict[str, hashlib._Hash]:
        names = {"sha256", *link.hashes}
        return {n: hashlib.new(n) for n in names if n in hashlib.algorithms_available}

    def _copy_local(self, link: Link, tmp_name: str) -> dict[str, str]:
        from torchenv.index.local import file_url_path

        hashers = self._hashers(link)
        try:
            with file_url_path(link.url).open("rb") as source, open(tmp_name, "wb") as sink:
                for chunk in iter(lambda: source.read(_CHUNK), b""):
                    sink.write(chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
        except OSError as exc:
            raise IndexError_(f"{link.url}: cannot read ({exc.strerror})") from None
        return {name: hasher.hexdigest() for name, hasher in hashers.items()}

    def _stream_to(self, link: Link, tmp_name: str) -> dict[str, str]:
        hashers = self._hashers(link)
        headers = {"Accept-Encoding": "identity"}
        with self._http.client.stream(
            "GET", link.url, headers=headers, auth=self._auth_for(link.url)
        ) as response:
            self._check_status(response, link.url)
            length = response.headers.get("content-length", "")
            total = int(length) if length.isascii() and length.isdigit() else link.size
            current = 0
            with open(tmp_name, "wb") as sink:
                for chunk in response.iter_raw(_CHUNK):
                    sink.write(chunk)
                    for hasher in hashers.values():
                        hasher.update(chunk)
                    current += len(chunk)
                    self._emit("download", link.filename, link.url, current=current, total=total)
        return {name: hasher.hexdigest() for name, hasher in hashers.items()}
