"""What an up-to-date ``torchenv lock`` skips, and what a cold one starts early.

- Pages and METADATA that need no request are read in the calling thread: no thread
  pool is created when everything is local.
- The pages of the dependencies a fetched METADATA names are prefetched at once.
- A lock file already holding the new text is neither rewritten nor revalidated; any
  other is validated before it is written.
- Cache files are written without fsync, so an entry a crash cut short must read as
  missing.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexserver import IndexServer, build_index
from torchenv.cli import lock as lock_cli
from torchenv.cli.main import main
from torchenv.errors import InputError
from torchenv.index.cache import CachedPage, IndexCache
from torchenv.index.client import IndexClient
from torchenv.index.models import Link, ProjectPage
from torchenv.lock import pylock
from torchenv.resolve.source import MemorySource, SharedSource, requires_dist_names
from wheelmaker import make_wheel

ROOT = Path(__file__).parent.parent
INDEX = json.loads((ROOT / "tests/data/resolver_index.json").read_text())["indexes"]
PYPI = "https://pypi.test/simple"


# -- shared source -----------------------------------------------------------------
class _RemoteOnly:
    """A source with no ``local_*`` calls: everything goes through the pool."""

    def __init__(self, inner: MemorySource) -> None:
        self.inner = inner
        self.threads: set[str] = set()
        self.pages: list[str] = []

    def project_page(self, index_url: str, name: str) -> ProjectPage:
        self.threads.add(threading.current_thread().name)
        self.pages.append(name)
        return self.inner.project_page(index_url, name)

    def wheel_metadata(self, link: Link) -> bytes:
        self.threads.add(threading.current_thread().name)
        return self.inner.wheel_metadata(link)


def _memory() -> MemorySource:
    files = {
        "app": [
            {
                "filename": "app-1.0-py3-none-any.whl",
                "sha256": "a" * 64,
                "requires_dist": [
                    "lib>=1",
                    "docs-tool; extra == 'docs'",
                    "winonly; os_name == 'nt'",
                ],
            }
        ],
        "lib": [{"filename": "lib-1.0-py3-none-any.whl", "sha256": "b" * 64}],
    }
    return MemorySource({PYPI: files})


def test_local_source_starts_no_thread_pool() -> None:
    shared = SharedSource(_memory())
    page = shared.project_page(PYPI, "app")
    assert shared.wheel_metadata(page.links[0]).startswith(b"Metadata-Version")
    shared.prefetch_pages(PYPI, ["lib"])
    assert shared._pool is None
    shared.close()


def test_remote_fetches_run_in_the_pool_and_prefetch_dependency_pages() -> None:
    remote = _RemoteOnly(_memory())
    shared = SharedSource(remote, route=lambda name: [PYPI])
    try:
        page = shared.project_page(PYPI, "app")
        shared.wheel_metadata(page.links[0])
        # lib is asked for by the METADATA fetch itself; the extra-only dependency is not.
        deadline = time.monotonic() + 5
        while "winonly" not in remote.pages and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sorted(remote.pages) == ["app", "lib", "winonly"]
        assert threading.current_thread().name not in remote.threads
        assert shared.page_fetches == 3
    finally:
        shared.close()


def test_requires_dist_names() -> None:
    metadata = (
        b"Metadata-Version: 2.1\nName: x\nVersion: 1\n"
        b"Requires-Dist: numpy (>=1.2)\n"
        b"requires-dist: Pillow[extra]>=9; sys_platform == 'linux'\n"
        b'Requires-Dist: sphinx; extra == "docs"\n'
        b"Requires-Dist: zope.interface~=5\n"
        b"\nRequires-Dist: in-the-body\n"
    )
    assert requires_dist_names(metadata) == ["numpy", "Pillow", "zope.interface"]


# -- lock files --------------------------------------------------------------------
def _document() -> dict[str, Any]:
    return {
        "lock-version": "1.0",
        "environments": ["sys_platform == 'linux'"],
        "requires-python": ">=3.11",
        "created-by": "torchenv",
        "packages": [],
        "tool": {"torchenv": {"variant": "cpu"}},
    }


def test_identical_lock_is_neither_validated_nor_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pylock.cpu.toml"
    text = pylock.render_lock(_document(), "torchenv lock")
    assert pylock.write_lock_if_changed(path, _document(), text) is True
    os.utime(path, (1, 1))

    def refuse(document: Any, where: str) -> None:
        raise AssertionError("validated again")

    monkeypatch.setattr(pylock, "_validate", refuse)
    assert pylock.write_lock_if_changed(path, _document(), text) is False
    assert path.stat().st_mtime == 1
    # Any difference at all, even a longer file with the same start, is validated.
    path.write_text(text + "\n")
    with pytest.raises(AssertionError, match="validated again"):
        pylock.write_lock_if_changed(path, _document(), text)


def test_invalid_lock_is_refused_and_the_old_file_kept(tmp_path: Path) -> None:
    path = tmp_path / "pylock.cpu.toml"
    path.write_text("old\n")
    bad = dict(_document(), **{"lock-version": "9.0"})
    with pytest.raises(InputError, match="not a valid PEP 751 lock"):
        pylock.write_lock_if_changed(path, bad, pylock.render_lock(bad, "x"))
    assert path.read_text() == "old\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / "fixtures/projects/small/pyproject.toml", tmp_path / "pyproject.toml")
    monkeypatch.setattr(lock_cli, "_make_source", lambda args: MemorySource(INDEX))
    return tmp_path


def test_second_lock_run_leaves_files_alone(project: Path, capsys: Any) -> None:
    assert main(["lock", str(project), "--index-url", PYPI]) == 0
    assert "wrote" in capsys.readouterr().out
    path = project / "pylock.cpu.toml"
    os.utime(path, (1, 1))
    assert main(["lock", str(project), "--index-url", PYPI]) == 0
    assert f"unchanged: {path}" in capsys.readouterr().out
    assert path.stat().st_mtime == 1
    assert main(["lock", str(project), "--index-url", PYPI, "--json"]) == 0
    files = json.loads(capsys.readouterr().out)["files"]
    assert [f["written"] for f in files] == [False, False]


# -- cache -------------------------------------------------------------------------
def test_cut_short_cache_entries_read_as_missing(tmp_path: Path) -> None:
    cache = IndexCache(tmp_path)
    url = "https://pypi.test/simple/demo/"
    cache.store_page(CachedPage(url, "text/html", b"<a href='x'>x</a>", stored_at=1.0))
    assert cache.load_page(url) is not None
    path = cache.page_path(url)
    path.write_bytes(path.read_bytes()[:-3])
    assert cache.load_page(url) is None

    import hashlib

    data = b"Metadata-Version: 2.1\nName: demo\n"
    key = f"meta-sha256-{hashlib.sha256(data).hexdigest()}"
    cache.store_metadata(key, data)
    assert cache.load_metadata(key) == data
    cache.metadata_path(key).write_bytes(data[:10])
    assert cache.load_metadata(key) is None
    cache.metadata_path(key).write_bytes(b"")
    assert cache.load_metadata(key) is None
    assert not list(cache.root.rglob("*.tmp"))


# -- index client ------------------------------------------------------------------
@pytest.fixture
def server(tmp_path: Path) -> Iterator[IndexServer]:
    demo = make_wheel(tmp_path / "wheels", "demo-pkg", "1.0")
    build_index(tmp_path / "root", {"simple": [demo]})
    with IndexServer(tmp_path / "root") as running:
        yield running


def test_local_page_sends_nothing(server: IndexServer, tmp_path: Path) -> None:
    index = f"{server.url}/simple"
    server.headers = {"Cache-Control": "max-age=600"}
    with IndexClient(cache_dir=tmp_path / "cache", retries=0) as client:
        assert client.local_page(index, "demo-pkg") is None  # nothing cached yet
        page = client.project_page(index, "demo-pkg")
        assert client.local_metadata(page.links[0]) is None
        client.wheel_metadata(page.links[0])
    sent = len(server.requests)
    with IndexClient(cache_dir=tmp_path / "cache", retries=0) as client:
        local = client.local_page(index, "demo-pkg")
        assert local is not None and local == page
        assert client.project_page(index, "demo-pkg") is local
        assert client.local_metadata(local.links[0]) is not None
    with IndexClient(cache_dir=tmp_path / "cache", retries=0, refresh=True) as client:
        assert client.local_page(index, "demo-pkg") is None  # must be revalidated
    with IndexClient(cache_dir=tmp_path / "cache", retries=0, clock=lambda: 1e12) as client:
        assert client.local_page(index, "demo-pkg") is None  # stale
    with IndexClient(
        cache_dir=tmp_path / "cache", retries=0, offline=True, clock=lambda: 1e12
    ) as client:
        assert client.local_page(index, "demo-pkg") == page  # offline: stale is fine
    assert len(server.requests) == sent
