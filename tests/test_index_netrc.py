"""Credentials from a netrc file, against a loopback index that requires basic auth.

httpx reads netrc only through an explicit ``httpx.NetRCAuth`` (``trust_env`` does not),
so these tests fail if the client stops asking for one. The password must never show
up in progress messages, errors or the cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from indexserver import IndexServer, build_index
from torchenv.errors import IndexError_
from torchenv.index.client import IndexClient
from torchenv.index.progress import ProgressEvent
from wheelmaker import make_wheel

PASSWORD = "s3cret-netrc-token"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[IndexServer]:
    root = tmp_path / "root"
    build_index(root, {"simple": [make_wheel(tmp_path / "wheels", "demo-pkg", "1.0")]})
    with IndexServer(root) as running:
        running.auth = ("alice", PASSWORD)
        yield running


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("USERPROFILE", str(folder))
    monkeypatch.delenv("NETRC", raising=False)
    return folder


def write_netrc(path: Path, machine: str = "127.0.0.1") -> Path:
    path.write_text(f"machine {machine}\n  login alice\n  password {PASSWORD}\n")
    path.chmod(0o600)
    return path


def fetch(server: IndexServer, tmp_path: Path) -> tuple[list[str], list[ProgressEvent]]:
    """Read the page and download its wheel (both need the credentials)."""
    events: list[ProgressEvent] = []
    with IndexClient(cache_dir=tmp_path / "cache", retries=0, progress=events.append) as client:
        page = client.project_page(f"{server.url}/simple", "demo-pkg")
        client.download(page.links[0], tmp_path / "out")
    return [link.filename for link in page.links], events


def assert_no_password_anywhere(tmp_path: Path, events: list[ProgressEvent]) -> None:
    assert all(PASSWORD not in f"{event.message} {event.url}" for event in events)
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes(), path


def test_home_netrc_supplies_the_credentials(
    server: IndexServer, home: Path, tmp_path: Path
) -> None:
    write_netrc(home / ".netrc")
    files, events = fetch(server, tmp_path)
    assert files == ["demo_pkg-1.0-py3-none-any.whl"]
    assert (tmp_path / "out" / "demo_pkg-1.0-py3-none-any.whl").is_file()
    assert_no_password_anywhere(tmp_path, events)


def test_netrc_variable_names_the_file(
    server: IndexServer, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETRC", str(write_netrc(tmp_path / "elsewhere-netrc")))
    files, events = fetch(server, tmp_path)
    assert files == ["demo_pkg-1.0-py3-none-any.whl"]
    assert_no_password_anywhere(tmp_path, events)


def test_credentials_in_the_url_win_over_netrc(
    server: IndexServer, home: Path, tmp_path: Path
) -> None:
    (home / ".netrc").write_text("machine 127.0.0.1 login alice password wrong\n")
    index = server.url.replace("http://", f"http://alice:{PASSWORD}@") + "/simple"
    with IndexClient(cache_dir=tmp_path / "cache", retries=0) as client:
        assert client.project_page(index, "demo-pkg").links


@pytest.mark.parametrize(
    "netrc_text",
    [
        None,  # no file at all
        "machine other.example login alice password nope\n",  # no entry for this host
        "machine 127.0.0.1 login\n",  # malformed
        b"\xff\xfe not text",  # undecodable
        "directory",  # not a file
    ],
)
def test_without_usable_netrc_the_server_refuses_with_a_one_line_error(
    server: IndexServer,
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    netrc_text: object,
) -> None:
    netrc = tmp_path / "netrc"
    if netrc_text == "directory":
        netrc.mkdir()
    elif isinstance(netrc_text, bytes):
        netrc.write_bytes(netrc_text)
    elif isinstance(netrc_text, str):
        netrc.write_text(netrc_text)
    if netrc_text is not None:
        monkeypatch.setenv("NETRC", str(netrc))
    with pytest.raises(IndexError_) as raised:
        fetch(server, tmp_path)
    message = str(raised.value)
    assert "HTTP 401" in message and "netrc" in message and "\n" not in message
    assert PASSWORD not in message
