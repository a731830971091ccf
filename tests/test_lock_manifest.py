"""The up-to-date fast path: `torchenv lock` skips resolution only when provably unchanged.

After a lock, a manifest in the cache records the invocation key, the project files,
the lock files and every index page read. The next run reports the files unchanged
without resolving (no request, no index client built, resolver not imported)
when all of that still holds, and resolves as usual after any change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexserver import (
    SMALL_TORCH_PYPROJECT,
    IndexServer,
    lock_small_project,
    small_torch_index,
    small_torch_project,
)
from torchenv.cli import lock as lock_cli
from torchenv.cli.main import main
from torchenv.index.cache import IndexCache, body_digest
from torchenv.lock import manifest as manifest_module
from torchenv.lock.manifest import (
    LockedFile,
    LockManifest,
    manifest_from_json,
    manifest_path,
    manifest_to_json,
    pages_to_revalidate,
)

TINYDEP_PAGE = "/simple/tinydep/"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IndexServer]:
    with IndexServer(small_torch_index(tmp_path)) as running:
        running.headers = {"Cache-Control": "max-age=600, public"}  # pypi.org's
        yield running


@pytest.fixture
def project(tmp_path: Path, monkeypatch: Any) -> Path:
    monkeypatch.setenv("TORCHENV_CACHE_DIR", str(tmp_path / "cache"))
    return small_torch_project(tmp_path / "project")


def count_calls(monkeypatch: Any, owner: Any, name: str) -> list[int]:
    """Replace ``owner.name`` with a wrapper that appends 1 per call; return that list."""
    calls: list[int] = []
    real = getattr(owner, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


@pytest.fixture
def resolutions(monkeypatch: Any) -> list[int]:
    """One entry per run that went past the fast path (resolved)."""
    from torchenv.lock import engine

    return count_calls(monkeypatch, engine, "lock_all")


@pytest.fixture
def clients(monkeypatch: Any) -> list[int]:
    """One entry per index client built (the fast path builds one to revalidate)."""
    return count_calls(monkeypatch, lock_cli, "_make_source")


def lock(project: Path, server: IndexServer, *flags: str) -> int:
    return lock_small_project(project, server.url, *flags)


def cache(tmp_path: Path) -> IndexCache:
    return IndexCache(tmp_path / "cache")


def tinydep_url(server: IndexServer) -> str:
    return f"{server.url}{TINYDEP_PAGE}"


def rewrite_cached_tinydep(tmp_path: Path, server: IndexServer, change: Any) -> None:
    """Store the cached tinydep page again as ``change(page)`` makes it."""
    pages = cache(tmp_path)
    page = pages.load_page(tinydep_url(server))
    assert page is not None
    pages.store_page(change(page))


# -- taken -----------------------------------------------------------------------------
def test_unchanged_lock_is_reported_without_resolving(
    server: IndexServer, project: Path, resolutions: list[int], clients: list[int], capsys: Any
) -> None:
    assert lock(project, server) == 0
    first = (project / "pylock.cpu.toml").read_bytes()
    capsys.readouterr()
    assert lock(project, server, "--force") == 0  # the normal unchanged path
    normal = capsys.readouterr()
    before = len(server.requests)
    assert lock(project, server) == 0
    fast = capsys.readouterr()
    assert resolutions == [1, 1]  # the third run did not resolve
    assert clients == [1, 1]  # nor build an index client
    assert len(server.requests) == before
    assert (project / "pylock.cpu.toml").read_bytes() == first
    assert fast.out == normal.out
    assert fast.out.startswith(f"unchanged: {project / 'pylock.cpu.toml'} (")
    assert "up to date" in fast.err and "resolving" not in fast.err


@pytest.mark.parametrize("flags", [("--json",), ("--dry-run",), ("--dry-run", "--json")])
def test_fast_path_prints_what_the_normal_path_prints(
    server: IndexServer, project: Path, resolutions: list[int], capsys: Any, flags: Any
) -> None:
    assert lock(project, server) == 0
    capsys.readouterr()
    assert lock(project, server, "--force", *flags) == 0
    normal = capsys.readouterr().out
    assert lock(project, server, *flags) == 0
    assert capsys.readouterr().out == normal
    assert resolutions == [1, 1]


def test_offline_uses_the_manifest_whatever_the_age_of_the_pages(
    server: IndexServer, project: Path, resolutions: list[int], tmp_path: Path
) -> None:
    assert lock(project, server) == 0
    rewrite_cached_tinydep(tmp_path, server, lambda page: page._replace(fresh_until=0.0))  # expired
    before = len(server.requests)
    assert lock(project, server, "--offline") == 0
    assert resolutions == [1]  # offline: the cached body is what would be read
    assert lock(project, server) == 0  # online: stale, so revalidated (304: unchanged)
    assert resolutions == [1]
    assert [path for _m, path, _h in server.requests[before:]] == [TINYDEP_PAGE]


def test_fast_path_imports_no_resolver_and_sends_nothing(
    server: IndexServer, project: Path, tmp_path: Path
) -> None:
    script = (
        "import json, sys\n"
        "from torchenv.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = ('resolvelib', 'packaging', 'httpx', 'torchenv.resolve',\n"
        "         'torchenv.index.pages', 'torchenv.index.client', 'torchenv.lock.engine')\n"
        "print(json.dumps([code, sorted(m for m in sys.modules if m.startswith(heavy))]))\n"
    )
    command = [
        sys.executable,
        "-c",
        script,
        "lock",
        str(project),
        "--quiet",
        "--index-url",
        f"{server.url}/simple",
        "--pytorch-index-url",
        f"{server.url}/whl",
    ]
    env = dict(os.environ, TORCHENV_CACHE_DIR=str(tmp_path / "cache"))
    first = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    code, modules = json.loads(first.stdout)
    assert code == 0 and "resolvelib" in modules  # the first run resolved
    before = len(server.requests)
    second = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert json.loads(second.stdout) == [0, []]
    assert len(server.requests) == before


# -- skipped -----------------------------------------------------------------------------
def test_changed_pyproject_resolves_again(
    server: IndexServer, project: Path, resolutions: list[int], capsys: Any
) -> None:
    assert lock(project, server) == 0
    pyproject = project / "pyproject.toml"
    pyproject.write_text(SMALL_TORCH_PYPROJECT + "# a comment changes no result, but the bytes\n")
    assert lock(project, server) == 0
    assert resolutions == [1, 1]
    pyproject.write_text(SMALL_TORCH_PYPROJECT.replace('"macos-arm64", ', ""))
    capsys.readouterr()
    assert lock(project, server) == 0
    assert resolutions == [1, 1, 1]
    assert capsys.readouterr().out.startswith("wrote ")
    assert "macosx" not in (project / "pylock.cpu.toml").read_text()


@pytest.mark.parametrize("damage", ["edit", "delete"])
def test_edited_or_deleted_lock_file_is_rewritten(
    server: IndexServer, project: Path, resolutions: list[int], damage: str
) -> None:
    assert lock(project, server) == 0
    path = project / "pylock.cpu.toml"
    good = path.read_bytes()
    if damage == "edit":
        path.write_bytes(good.replace(b'version = "2.0"', b'version = "2.1"'))
    else:
        path.unlink()
    assert lock(project, server) == 0
    assert resolutions == [1, 1]
    assert path.read_bytes() == good


def stale_tinydep(tmp_path: Path, server: IndexServer, body: Any = None) -> None:
    """Make the cached tinydep page stale (RFC 9111: fresh until the moment it was
    stored), optionally with another cached body."""

    def change(page: Any) -> Any:
        page = page._replace(fresh_until=page.stored_at)
        return page if body is None else page._replace(body=body(page.body))

    rewrite_cached_tinydep(tmp_path, server, change)


def test_stale_page_is_revalidated_and_unchanged_proves_the_lock(
    server: IndexServer, project: Path, resolutions: list[int], tmp_path: Path, capsys: Any
) -> None:
    assert lock(project, server) == 0
    stale_tinydep(tmp_path, server)
    before = len(server.requests)
    capsys.readouterr()
    assert lock(project, server) == 0
    assert resolutions == [1]  # revalidated, not resolved
    assert [path for _m, path, _h in server.requests[before:]] == [TINYDEP_PAGE]  # 304
    assert "up to date" in capsys.readouterr().err
    assert lock(project, server) == 0  # renewed by the 304: no request at all
    assert len(server.requests) == before + 1 and resolutions == [1]


def test_revalidation_sends_the_credentials_of_the_index_urls(
    server: IndexServer, project: Path, resolutions: list[int], tmp_path: Path, capsys: Any
) -> None:
    # The manifest's page URLs carry no credentials; the index URLs given do.
    server.auth = ("user", "s3cret")
    authed = server.url.replace("http://", "http://user:s3cret@")
    assert lock_small_project(project, authed) == 0
    stale_tinydep(tmp_path, server)
    before = len(server.requests)
    capsys.readouterr()
    assert lock_small_project(project, authed) == 0
    assert resolutions == [1]  # 304 with credentials: up to date
    [(_method, path, headers)] = server.requests[before:]
    assert path == TINYDEP_PAGE and headers["Authorization"].startswith("Basic ")
    assert "s3cret" not in capsys.readouterr().err


def test_stale_page_that_changed_resolves_again(
    server: IndexServer, project: Path, resolutions: list[int], clients: list[int], tmp_path: Path
) -> None:
    assert lock(project, server) == 0
    stale_tinydep(tmp_path, server)
    # The index changed the page since (whitespace: same files, other bytes): the
    # revalidation gets a 200 and caches it, fresh, so the resolution that follows
    # reads the new page without asking again.
    page_file = server.root / "simple" / "tinydep" / "index.json"
    page_file.write_bytes(page_file.read_bytes() + b"\n")
    os.utime(page_file, (page_file.stat().st_atime, page_file.stat().st_mtime + 5))
    before = len(server.requests)
    assert lock(project, server) == 0
    assert resolutions == [1, 1]
    assert [path for _m, path, _h in server.requests[before:]] == [TINYDEP_PAGE]
    assert clients == [1, 1]  # the revalidating client went on to resolve
    page = cache(tmp_path).load_page(tinydep_url(server))
    assert page is not None and page.body == page_file.read_bytes()


def test_stale_page_that_cannot_be_revalidated_goes_the_normal_way(
    server: IndexServer, project: Path, resolutions: list[int], tmp_path: Path, capsys: Any
) -> None:
    assert lock(project, server) == 0
    stale_tinydep(tmp_path, server)
    server.fail_times(TINYDEP_PAGE, 100, status=403)  # the normal path reports it
    before = len(server.requests)
    capsys.readouterr()
    assert lock(project, server) == 2
    assert resolutions == [1, 1]
    assert f"{TINYDEP_PAGE}: HTTP 403" in capsys.readouterr().err
    assert [path for _m, path, _h in server.requests[before:]] == [TINYDEP_PAGE] * 2


def test_revalidation_is_tried_once_before_the_normal_path_retries(
    server: IndexServer, project: Path, resolutions: list[int], tmp_path: Path
) -> None:
    assert lock(project, server) == 0
    stale_tinydep(tmp_path, server)
    server.fail_times(TINYDEP_PAGE, 1, status=503)  # once: the normal path's retry gets it
    before = len(server.requests)
    assert lock(project, server) == 0
    assert resolutions == [1, 1]
    assert [path for _m, path, _h in server.requests[before:]] == [TINYDEP_PAGE] * 2


def test_page_body_changed_in_the_cache_resolves_again(
    server: IndexServer, project: Path, resolutions: list[int], tmp_path: Path
) -> None:
    assert lock(project, server) == 0
    # Still fresh, other bytes.
    rewrite_cached_tinydep(tmp_path, server, lambda page: page._replace(body=page.body + b"\n"))
    assert lock(project, server) == 0
    assert resolutions == [1, 1]


def test_page_that_rejected_every_file_is_recorded_too(
    server: IndexServer, project: Path, tmp_path: Path
) -> None:
    assert lock(project, server) == 0
    [file] = (tmp_path / "cache" / "lock-v1").iterdir()
    manifest = manifest_from_json(file.read_text())
    assert manifest is not None
    urls = [url for url, _digest in manifest.pages]
    # torch's page lists a wheel per platform; each target rejects the other three.
    assert f"{server.url}/whl/cpu/torch/" in urls
    assert tinydep_url(server) in urls and f"{server.url}/simple/smalldep/" in urls
    page = cache(tmp_path).load_page(tinydep_url(server))
    assert page is not None and dict(manifest.pages)[tinydep_url(server)] == body_digest(page.body)


@pytest.mark.parametrize("flag", ["--force", "--refresh"])
def test_force_and_refresh_resolve_again(
    server: IndexServer, project: Path, resolutions: list[int], flag: str
) -> None:
    assert lock(project, server) == 0
    before = len(server.requests)
    assert lock(project, server, flag) == 0
    assert resolutions == [1, 1]
    revalidated = len(server.requests) - before
    assert revalidated == (3 if flag == "--refresh" else 0)  # --force: fresh pages reused


def test_other_torchenv_version_or_code_resolves_again(
    server: IndexServer, project: Path, resolutions: list[int], monkeypatch: Any
) -> None:
    import torchenv

    assert lock(project, server) == 0
    monkeypatch.setattr(torchenv, "__version__", "999.0")
    assert lock(project, server) == 0
    assert resolutions == [1, 1]
    assert lock(project, server) == 0  # recorded under the new version
    assert resolutions == [1, 1]
    monkeypatch.setattr(manifest_module, "code_stamp", lambda: "an edited source tree")
    assert lock(project, server) == 0
    assert resolutions == [1, 1, 1]


def test_other_catalog_resolves_again(
    server: IndexServer, project: Path, resolutions: list[int], monkeypatch: Any, tmp_path: Path
) -> None:
    from torchenv.catalog import default_catalog_path

    assert lock(project, server) == 0
    copy = tmp_path / "catalog.json"
    copy.write_text(json.dumps(json.loads(Path(default_catalog_path()).read_text()), indent=4))
    monkeypatch.setenv("TORCHENV_CATALOG", str(copy))
    assert lock(project, server) == 0
    assert resolutions == [1, 1]
    copy.write_text(copy.read_text() + "\n")  # same name, other bytes
    assert lock(project, server) == 0
    assert resolutions == [1, 1, 1]


def test_other_output_dir_resolves_again(
    server: IndexServer, project: Path, resolutions: list[int], tmp_path: Path
) -> None:
    assert lock(project, server) == 0
    other = tmp_path / "elsewhere"
    assert lock(project, server, "--output-dir", str(other)) == 0
    assert resolutions == [1, 1]
    assert (other / "pylock.cpu.toml").read_bytes() == (project / "pylock.cpu.toml").read_bytes()
    assert lock(project, server, "--output-dir", str(other)) == 0
    assert lock(project, server) == 0  # each folder has its own manifest
    assert resolutions == [1, 1]


def test_other_arguments_or_environment_resolve_again(
    server: IndexServer, project: Path, resolutions: list[int], monkeypatch: Any
) -> None:
    assert lock(project, server) == 0
    assert lock(project, server, "--targets", "linux-x86_64") == 0
    assert lock(project, server) == 0
    monkeypatch.setenv("TORCHENV_PYTORCH_INDEX_URL", "https://mirror.invalid/whl")
    assert lock(project, server) == 0
    assert resolutions == [1, 1, 1, 1]


def test_changed_include_of_a_requirements_file_resolves_again(
    server: IndexServer, tmp_path: Path, resolutions: list[int], monkeypatch: Any
) -> None:
    monkeypatch.setenv("TORCHENV_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "reqs"
    folder.mkdir()
    (folder / "requirements.in").write_text("torch==2.7.0\n-r more.in\n")
    (folder / "more.in").write_text("tinydep\n")
    command = [
        "lock",
        "-r",
        str(folder / "requirements.in"),
        "--targets",
        "linux-x86_64",
        "--python",
        "3.11",
        "--variants",
        "cpu",
        "--index-url",
        f"{server.url}/simple",
        "--pytorch-index-url",
        f"{server.url}/whl",
    ]
    assert main(command) == 0
    assert main(command) == 0
    assert resolutions == [1]
    (folder / "more.in").write_text("tinydep\nsmalldep\n")
    assert main(command) == 0
    assert resolutions == [1, 1]


def test_compute_missing_hashes_never_takes_the_fast_path(
    server: IndexServer, project: Path, resolutions: list[int]
) -> None:
    assert lock(project, server) == 0
    assert lock(project, server, "--compute-missing-hashes") == 0
    assert resolutions == [1, 1]


def test_check_keeps_its_meaning(
    server: IndexServer, project: Path, resolutions: list[int], capsys: Any
) -> None:
    assert lock(project, server) == 0
    path = project / "pylock.cpu.toml"
    path.write_text(path.read_text() + "# edited\n")
    capsys.readouterr()
    assert lock(project, server, "--check") == 0  # input hash only, as before
    assert capsys.readouterr().out == f"{path}: fresh\n"
    assert resolutions == [1]


def test_unreadable_manifest_is_a_miss_then_rewritten(
    server: IndexServer, project: Path, resolutions: list[int], tmp_path: Path
) -> None:
    assert lock(project, server) == 0
    [file] = (tmp_path / "cache" / "lock-v1").iterdir()
    file.write_text("{not json")
    assert lock(project, server) == 0
    assert lock(project, server) == 0
    assert resolutions == [1, 1]


def test_no_manifest_without_an_account_of_the_pages(
    server: IndexServer, project: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    from torchenv.index.client import IndexClient

    class Unaccounted(IndexClient):
        def pages_read(self) -> dict[str, Any]:  # e.g. a page of a file:// index
            return {**super().pages_read(), "file:///srv/simple/x/": None}

    assert lock(project, server) == 0
    assert list((tmp_path / "cache" / "lock-v1").iterdir())
    monkeypatch.setattr(lock_cli, "_make_source", lambda args: Unaccounted())
    assert lock(project, server, "--force") == 0
    assert not list((tmp_path / "cache" / "lock-v1").iterdir())  # old one removed


def test_manifests_unused_for_90_days_are_pruned_when_a_lock_records_one(
    server: IndexServer, project: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "cache" / "lock-v1"
    folder.mkdir(parents=True)
    day = 24 * 3600
    for name, age in (("gone.json", 91 * day), ("recent.json", 10 * day), ("note.txt", 400 * day)):
        (folder / name).write_text("{}")
        when = time.time() - age
        os.utime(folder / name, (when, when))
    assert lock(project, server) == 0
    left = sorted(path.name for path in folder.iterdir())
    assert "gone.json" not in left and {"recent.json", "note.txt"} <= set(left)
    assert len(left) == 3  # and this lock's own manifest


def test_taking_the_fast_path_keeps_a_manifest_young(
    server: IndexServer, project: Path, tmp_path: Path, resolutions: list[int]
) -> None:
    assert lock(project, server) == 0
    [manifest] = (tmp_path / "cache" / "lock-v1").iterdir()
    old = time.time() - 60 * 24 * 3600
    os.utime(manifest, (old, old))
    assert lock(project, server) == 0
    assert resolutions == [1]  # the fast path
    assert manifest.stat().st_mtime > time.time() - 60


# -- the manifest itself -----------------------------------------------------------------
def _manifest() -> LockManifest:
    files = (
        LockedFile("/p/pylock.cpu.toml", "pylock.cpu.toml", "a" * 64, "sha256:x", "cpu", ("e",), 3),
    )
    return LockManifest(
        "key", (("/p/pyproject.toml", "b" * 64),), files, (("https://i/simple/a/", "d"),)
    )


def test_manifest_round_trips_and_refuses_malformed_text() -> None:
    manifest = _manifest()
    assert manifest_from_json(manifest_to_json(manifest)) == manifest
    data = json.loads(manifest_to_json(manifest))
    for broken in ("", "[]", '{"format": 2}', json.dumps({**data, "files": [{"path": 1}]})):
        assert manifest_from_json(broken) is None


def test_pages_to_revalidate_checks_every_record() -> None:
    manifest = _manifest()._replace(
        pages=(("https://i/simple/a/", "d"), ("https://i/simple/b/", "e"))
    )
    digests = {"/p/pyproject.toml": "b" * 64, "/p/pylock.cpu.toml": "a" * 64}
    fresh = {"https://i/simple/a/": ("d", True), "https://i/simple/b/": ("e", True)}
    assert pages_to_revalidate(manifest, "key", fresh.__getitem__, digests.get) == []
    assert pages_to_revalidate(manifest, "other key", fresh.__getitem__, digests.get) is None
    for path in digests:
        broken = {**digests, path: None}.get
        assert pages_to_revalidate(manifest, "key", fresh.__getitem__, broken) is None
    no_files = manifest._replace(files=())
    assert pages_to_revalidate(no_files, "key", fresh.__getitem__, digests.get) is None
    # A stale page holding the recorded body is to be revalidated, in manifest order.
    stale = {**fresh, "https://i/simple/b/": ("e", False)}
    assert pages_to_revalidate(manifest, "key", stale.__getitem__, digests.get) == [
        "https://i/simple/b/"
    ]
    # Another body (fresh or stale) or no cached copy at all: resolve.
    for other in [("x", True), ("x", False), (None, False)]:
        changed = {**fresh, "https://i/simple/a/": other}
        assert pages_to_revalidate(manifest, "key", changed.__getitem__, digests.get) is None


def test_manifest_path_is_one_per_output_folder(tmp_path: Path) -> None:
    first = manifest_path(tmp_path, "/a/project")
    assert first == manifest_path(tmp_path, "/a/project/")
    assert first != manifest_path(tmp_path, "/a/other")
