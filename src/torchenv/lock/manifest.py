"""The lock manifest: proof that running ``torchenv lock`` again would change nothing.

After a lock succeeds (files written or unchanged) the CLI records a manifest in the
torchenv cache (``lock-v1/<sha256 of the output folder>.json``). A later run reads it
before anything else and, if everything a resolution stands on is provably the same,
reports the files unchanged without importing the resolver or parsing a page. What
decides a lock, and how the manifest pins it:

- **the invocation key** (:func:`invocation_key`): the torchenv version and a stamp
  of the code that resolves (path, size and modification time of every file of
  torchenv, packaging, resolvelib and tomli, so an edited or upgraded package counts as a
  different program), the running Python (its X.Y is the default Python to lock;
  tomllib is its own), the catalog files, the working directory, the lock arguments
  (paths as typed: the lock header repeats them), and what a lock reads from the
  environment: the default index (``PIP_INDEX_URL``, uv's variables, pip's config
  files, through :func:`torchenv.index.config.default_index_url` itself),
  ``TORCHENV_PYTORCH_INDEX_URL`` and ``TORCHENV_CATALOG``. Together with the project
  files these decide the plan (variants, targets, Pythons), so each file's input hash
  is recorded for the reader but needs no separate check;
- **the project files** read, includes too: the sha256 of the bytes the lock parsed;
- **the lock files**: the sha256 of the bytes written, so an edited or deleted file
  sends the run down the normal path, which rewrites it;
- **every index page the resolutions read**, across all targets and variants, pages
  whose files were all rejected included: the digest of the body each was parsed
  from. The cached copy must still be usable without a request (fresh under the
  RFC 9111 rules of :mod:`torchenv.index.freshness`; offline, of any age, as the
  offline client would use it) and hold that very body.

METADATA files need no entry: the cache keys them by their own hash (or the wheel's)
and never replaces one. A page that went stale (a mirror that sends only validators,
or an old ``max-age``) but still holds the recorded body is not a miss yet:
:func:`pages_to_revalidate` names such pages, the CLI revalidates them all at once
(conditional requests, in parallel) and the locks are current when each comes back
with the recorded body. Anything unreadable, missing or different is a miss, never an
error: the normal path then runs and reports problems as usual.

Pure functions (:func:`manifest_to_json`, :func:`manifest_from_json`,
:func:`pages_to_revalidate` given its readers) are separate from the small readers and
writers of files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys

from torchenv._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Callable, Optional

    from torchenv.index.cache import IndexCache

__all__ = [
    "MANIFEST_LAYOUT",
    "LockManifest",
    "LockedFile",
    "cached_pages",
    "code_stamp",
    "discard_manifest",
    "file_sha256",
    "invocation_key",
    "load_manifest",
    "manifest_from_json",
    "manifest_path",
    "manifest_to_json",
    "pages_to_revalidate",
    "prune_manifests",
    "save_manifest",
    "touch_manifest",
]

MANIFEST_LAYOUT = "lock-v1"
_FORMAT = 1
# A manifest not used for this long (its folder deleted, moved or no longer locked) is
# removed when another lock records one: the cache holds one file per output folder.
MANIFEST_MAX_AGE = 90 * 24 * 3600.0
# Packages whose code decides a lock's bytes besides torchenv itself (tomli reads
# pyproject.toml before Python 3.11, absent elsewhere, which the stamp records too;
# tomli_w writes the lock file).
_RESOLVING_PACKAGES = ("packaging", "resolvelib", "tomli", "tomli_w")


class LockedFile(Record):
    """One ``pylock.<variant>.toml`` as the last lock left it."""

    path: str  # absolute
    shown: str  # the path as `torchenv lock` prints it (as the user typed the folder)
    sha256: str  # of the bytes written
    input_hash: str
    variant: str
    environments: tuple[str, ...]
    packages: int


class LockManifest(Record):
    """Everything the last successful lock of one output folder stood on."""

    key: str
    sources: tuple[tuple[str, str], ...]  # (absolute path, sha256 hex) of project files
    files: tuple[LockedFile, ...]  # in plan (variant) order
    pages: tuple[tuple[str, str], ...]  # (page URL, body digest), sorted
    skipped: tuple[tuple[str, tuple[str, ...]], ...] = ()  # variant -> platforms left out


# -- identity ------------------------------------------------------------------------
def _tree_stamp(folder: str, digest: hashlib._Hash) -> None:
    """Feed path, size and mtime of every file under ``folder`` (bytecode caches aside)."""
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda entry: entry.name)
        except OSError:
            digest.update(f"unreadable {current}\n".encode())
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__":
                    pending.append(entry.path)
                continue
            try:
                info = entry.stat()
            except OSError:
                continue
            digest.update(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())


def code_stamp() -> str:
    """A digest of the code that decides a lock: torchenv, packaging, resolvelib, tomli.

    File sizes and modification times, not contents: an installed release never
    changes, and an edited source tree (an editable install) changes them. Costs a
    ``stat`` per file, about a millisecond; nothing is imported.
    """
    from importlib.machinery import PathFinder

    import torchenv

    digest = hashlib.sha256(f"torchenv {torchenv.__version__}\n".encode())
    _tree_stamp(os.path.dirname(os.path.abspath(torchenv.__file__)), digest)
    for name in _RESOLVING_PACKAGES:
        spec = PathFinder.find_spec(name)
        folders = list(spec.submodule_search_locations or ()) if spec is not None else []
        digest.update(f"{name}: {folders}\n".encode())
        for folder in folders:
            _tree_stamp(folder, digest)
    return digest.hexdigest()


def file_sha256(path: str) -> Optional[str]:
    """sha256 hex of a file's bytes; None when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def invocation_key(arguments: Mapping[str, object], environ: Mapping[str, str]) -> str:
    """The digest of everything besides project files, lock files and pages that decides
    a lock: code, Python, catalog, working directory, arguments and environment.

    ``arguments`` are the lock options as given (JSON-serialisable); credentials in
    them only enter the digest, which is all that is stored.
    """
    from torchenv.catalog import CATALOG_ENV, default_catalog_path
    from torchenv.catalog.indexes import INDEX_ENV
    from torchenv.index.config import default_index_url

    catalog_file = environ.get(CATALOG_ENV, "")
    payload = {
        "format": _FORMAT,
        "code": code_stamp(),
        "python": sys.version,
        "catalog": [file_sha256(default_catalog_path())]
        + ([catalog_file, file_sha256(catalog_file)] if catalog_file else []),
        "cwd": os.getcwd(),
        "arguments": arguments,
        "default-index": default_index_url(environ),
        "pytorch-index-env": environ.get(INDEX_ENV),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=list)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- the check -------------------------------------------------------------------------
def _same_files(
    manifest: LockManifest, key: str, read_sha256: Callable[[str], Optional[str]]
) -> bool:
    """Same invocation, project files and lock files as when ``manifest`` was recorded."""
    if manifest.key != key or not manifest.files:
        return False
    for path, sha256 in manifest.sources:
        if read_sha256(path) != sha256:
            return False
    return all(read_sha256(locked.path) == locked.sha256 for locked in manifest.files)


def pages_to_revalidate(
    manifest: LockManifest,
    key: str,
    cached_page: Callable[[str], tuple[Optional[str], bool]],
    read_sha256: Callable[[str], Optional[str]] = file_sha256,
) -> Optional[list[str]]:
    """The stale pages whose revalidation decides whether the locks are current.

    ``cached_page(url)``: (:func:`~torchenv.index.cache.body_digest` of the cached
    copy or None, whether that copy may be used without a request). None: the locks
    may change (a file, a fresh page's body, or a missing page differs), so resolve.
    Otherwise the URLs of stale pages that still hold the recorded body, in manifest
    order: the locks are current if each revalidates to that body (``[]``: current).
    """
    if not _same_files(manifest, key, read_sha256):
        return None
    stale = []
    for url, digest in manifest.pages:
        cached, usable = cached_page(url)
        if cached != digest:
            return None
        if not usable:
            stale.append(url)
    return stale


def cached_pages(
    cache: IndexCache, now: Optional[float]
) -> Callable[[str], tuple[Optional[str], bool]]:
    """``cached_page`` for :func:`pages_to_revalidate` over ``cache`` (``now`` None: offline)."""
    return lambda url: cache.cached_page_digest(url, now)


# -- storage -----------------------------------------------------------------------------
def manifest_path(cache_root: Path, output_dir: str) -> Path:
    """Where the manifest of the lock files in ``output_dir`` lives (one per folder)."""
    folder = os.path.abspath(output_dir)
    name = hashlib.sha256(folder.encode("utf-8", "surrogateescape")).hexdigest()
    return cache_root / MANIFEST_LAYOUT / f"{name}.json"


def manifest_to_json(manifest: LockManifest) -> str:
    files = [
        {
            "path": f.path,
            "shown": f.shown,
            "sha256": f.sha256,
            "input-hash": f.input_hash,
            "variant": f.variant,
            "environments": list(f.environments),
            "packages": f.packages,
        }
        for f in manifest.files
    ]
    data = {
        "format": _FORMAT,
        "key": manifest.key,
        "sources": [list(s) for s in manifest.sources],
        "files": files,
        "skipped": [[variant, list(platforms)] for variant, platforms in manifest.skipped],
        "pages": [list(p) for p in manifest.pages],
    }
    return json.dumps(data, indent=1) + "\n"


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        raise ValueError("not a list")
    pairs = []
    for item in value:
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
        ):
            raise ValueError("not a pair of strings")
        pairs.append((item[0], item[1]))
    return tuple(pairs)


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ValueError("not a list of strings")
    return tuple(value)


def manifest_from_json(text: str) -> Optional[LockManifest]:
    """The manifest in ``text``; None for anything malformed or of another format."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            return None
        files = []
        for entry in data["files"]:
            packages = entry["packages"]
            if not isinstance(packages, int):
                raise ValueError("packages")
            path, shown, sha256, input_hash, variant = (
                entry[k] for k in ("path", "shown", "sha256", "input-hash", "variant")
            )
            if not all(isinstance(x, str) for x in (path, shown, sha256, input_hash, variant)):
                raise ValueError("file entry")
            environments = _strings(entry["environments"])
            files.append(
                LockedFile(path, shown, sha256, input_hash, variant, environments, packages)
            )
        skipped = []
        for item in data["skipped"]:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                raise ValueError("skipped")
            skipped.append((item[0], _strings(item[1])))
        key = data["key"]
        if not isinstance(key, str):
            raise ValueError("key")
        return LockManifest(
            key, _pairs(data["sources"]), tuple(files), _pairs(data["pages"]), tuple(skipped)
        )
    except (ValueError, KeyError, TypeError):
        return None


def load_manifest(path: Path) -> Optional[LockManifest]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None
    return manifest_from_json(text)


def save_manifest(path: Path, manifest: LockManifest) -> None:
    """Write atomically (readers see the old manifest or the new one), without fsync.

    Like the cache's other entries it is only a copy: after a crash it may read as
    empty or cut short, which :func:`manifest_from_json` refuses (a miss), so the
    disk wait of an fsync buys nothing.
    """
    from torchenv._atomic import write_bytes_atomic

    write_bytes_atomic(path, manifest_to_json(manifest).encode("utf-8"), durable=False)


def touch_manifest(path: Path) -> None:
    """Mark a manifest as used now (its age is what :func:`prune_manifests` reads)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def prune_manifests(folder: Path, now: float, max_age: float = MANIFEST_MAX_AGE) -> int:
    """Remove the manifests in ``folder`` unused for ``max_age`` seconds; how many went.

    A lock records or takes its manifest on every run (:func:`save_manifest`,
    :func:`touch_manifest`), so only manifests of folders nobody locks any more age.
    Removing one is always safe: a missing manifest only means resolving once.
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.endswith(".json"):
            continue
        with contextlib.suppress(OSError):
            if now - entry.stat().st_mtime > max_age:
                os.unlink(entry.path)
                removed += 1
    return removed


def discard_manifest(path: Path) -> None:
    """Remove a manifest that no longer describes the folder (missing is fine)."""
    with contextlib.suppress(OSError):
        path.unlink()
