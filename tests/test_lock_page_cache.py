"""`torchenv lock` twice over a loopback index: what the second run asks the server.

Four targets share every page, so each page is read at most once per run; while the
cache is fresh (the server sends pypi.org's ``Cache-Control: max-age=600``) a second
run sends no request at all, ``--refresh`` revalidates each page exactly once, and a
stale cache costs one conditional request per page (304).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexserver import (
    IndexServer,
    build_index,
    lock_small_project,
    small_torch_index,
    small_torch_project,
)
from torchenv.cli.main import main
from wheelmaker import make_wheel

PAGES = ("/whl/cpu/torch/", "/simple/tinydep/", "/simple/smalldep/")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IndexServer]:
    with IndexServer(small_torch_index(tmp_path)) as running:
        yield running


def lock(project: Path, server: IndexServer, *flags: str) -> int:
    return lock_small_project(project, server.url, "--quiet", *flags)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: Any) -> Path:
    monkeypatch.setenv("TORCHENV_CACHE_DIR", str(tmp_path / "cache"))
    return small_torch_project(tmp_path / "project")


def page_requests(server: IndexServer) -> dict[str, int]:
    paths = [path for _method, path, _headers in server.requests]
    return {page: paths.count(page) for page in PAGES}


def test_second_lock_sends_nothing_while_fresh(server: IndexServer, project: Path) -> None:
    server.headers = {"Cache-Control": "max-age=600, public"}
    assert lock(project, server) == 0
    first = (project / "pylock.cpu.toml").read_text()
    # Four targets, one request per page.
    assert page_requests(server) == {page: 1 for page in PAGES}
    before = len(server.requests)
    assert lock(project, server) == 0
    assert len(server.requests) == before  # pages fresh, METADATA cached by hash
    assert (project / "pylock.cpu.toml").read_text() == first


def test_refresh_revalidates_each_page_once(server: IndexServer, project: Path) -> None:
    server.headers = {"Cache-Control": "max-age=600"}
    assert lock(project, server) == 0
    before = len(server.requests)
    assert lock(project, server, "--refresh") == 0
    again = server.requests[before:]
    assert sorted(path for _method, path, _headers in again) == sorted(PAGES)
    assert all("If-None-Match" in headers for _method, _path, headers in again)


def test_stale_cache_costs_one_conditional_request_per_page(
    server: IndexServer, project: Path
) -> None:
    # No Cache-Control and files written a moment ago: nothing stays fresh.
    assert lock(project, server) == 0
    before = len(server.requests)
    assert lock(project, server) == 0
    again = server.requests[before:]
    assert sorted(path for _method, path, _headers in again) == sorted(PAGES)


def test_refresh_and_offline_exclude_each_other(project: Path, capsys: Any) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["lock", str(project), "--offline", "--refresh"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_stale_page_that_changed_is_resolved_again(
    server: IndexServer, project: Path, tmp_path: Path
) -> None:
    # The second run starts resolving from the stale cached pages while they are
    # revalidated; tinydep's page has changed meanwhile, so it resolves again with it.
    assert lock(project, server) == 0
    assert 'name = "tinydep"\nversion = "1.0"' in (project / "pylock.cpu.toml").read_text()
    wheels = tmp_path / "wheels"
    newer = make_wheel(wheels, "tinydep", "1.1", requires=["smalldep"])
    build_index(
        tmp_path / "root",
        {
            "simple": [
                wheels / "tinydep-1.0-py3-none-any.whl",
                newer,
                wheels / "smalldep-2.0-py3-none-any.whl",
            ]
        },
    )
    before = len(server.requests)
    assert lock(project, server) == 0
    text = (project / "pylock.cpu.toml").read_text()
    assert 'name = "tinydep"\nversion = "1.1"' in text
    assert 'name = "tinydep"\nversion = "1.0"' not in text
    # Still one request per page: the second pass reuses what the first revalidated.
    pages = [path for _method, path, _headers in server.requests[before:] if path.endswith("/")]
    assert sorted(pages) == sorted(PAGES)


def test_lock_as_a_process_writes_complete_files_and_exit_code(
    server: IndexServer, project: Path, tmp_path: Path
) -> None:
    """The console path ends `lock` with os._exit (no teardown): files and output must be
    complete and the exit code kept."""
    import os
    import subprocess
    import sys

    from packaging.pylock import Pylock

    from torchenv.lock.pylock import read_lock_document

    command = [
        sys.executable,
        "-m",
        "torchenv",
        "lock",
        str(project),
        "--index-url",
        f"{server.url}/simple",
        "--pytorch-index-url",
        f"{server.url}/whl",
        "--json",
    ]
    env = dict(os.environ, TORCHENV_CACHE_DIR=str(tmp_path / "process-cache"))
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(("}", "]"))  # the whole JSON document
    Pylock.from_dict(read_lock_document(str(project / "pylock.cpu.toml"))).validate()
    stale = subprocess.run(
        [*command[:-1], "--check", "--targets", "linux-x86_64"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert stale.returncode == 1  # other targets than the lock's: stale, exit code kept
