"""A real-socket loopback package index for tests, with fault injection.

API::

    from indexserver import IndexServer, build_index

    hashes = build_index(tmp_path, {"simple": [wheel, ...], "whl/cpu": [wheel, ...]})
    with IndexServer(tmp_path) as server:        # 127.0.0.1, a free port, daemon thread
        server.url                               # "http://127.0.0.1:<port>"
        f"{server.url}/simple"                   # a PyPI-like index
        f"{server.url}/whl/cpu"                  # a PyTorch-like variant index
        server.fail_times("/simple/demo/", 2)    # next 2 requests answer 500
        server.fail_times("/simple/x/", 1, status=404)
        server.delay("/simple/", 0.5)            # sleep before answering
        server.drop("/simple/demo/")             # close the socket, no response
        server.truncate("/simple/demo/")         # first half of the body (consistent length)
        server.corrupt("/simple/demo-1.0")       # same length, different bytes
        server.garbage_html("/simple/demo/")     # binary junk labelled text/html
        server.ignore_range = True               # answer Range requests with 200 + all
        server.auth = ("user", "secret")         # require HTTP basic auth (401 otherwise)
        server.headers = {"Cache-Control": "max-age=600"}   # sent with 200/206 answers
        server.headers_304 = {"Cache-Control": "max-age=60"}  # sent with 304 answers
        server.validators = False                # no ETag/Last-Modified (never 304)
        server.clock = lambda: time.time() + 601  # what the Date header says it is
        server.clear_faults()
        server.requests                          # [(method, path, headers dict), ...]
        server.count("/simple/demo/")            # requests whose path starts with a prefix

Tree layout served (``root`` is the directory given to the server):

* ``<dir>/`` with ``index.json`` (PEP 691) and/or ``index.html`` (PEP 503): content
  negotiation on ``Accept`` (JSON when the client accepts it, else HTML);
* files with ETag/Last-Modified (304 on ``If-None-Match``/``If-Modified-Since``) and
  single byte ranges (``bytes=a-b``, ``bytes=a-``, ``bytes=-n`` -> 206);
* ``<file>.metadata`` that does not exist on disk is looked up by digest: the
  ``core-metadata`` sha256 of the file's entry in the sibling ``index.json`` names
  ``metadata/<sha256>.metadata`` (the layout of ``fixtures/index/pypi``);
* JSON pages whose file URLs point at another host (recorded PyPI pages) are served
  with those URLs rewritten to the bare file name, so ``.metadata`` requests come here.

``build_index(root, {subdir: [wheel paths]}, json=True, html=True, metadata=True,
upload_time=None)`` lays wheels out as an index and returns ``{filename: sha256}``.
Subdirectories starting with ``whl`` get the download.pytorch.org shape (files in the
variant directory, host-relative hrefs with ``+`` as ``%2B``, ``data-dist-info-metadata``
and ``data-core-metadata`` attributes, trailing TIMESTAMP comment); others the PyPI
shape (files inside the project directory, relative hrefs).
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import html as html_lib
import json as json_lib
import shutil
import threading
import time
import zipfile
from collections.abc import Iterable, Mapping
from email.parser import Parser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional, Union
from urllib.parse import quote, unquote, urlsplit

__all__ = [
    "SMALL_TORCH_PYPROJECT",
    "IndexServer",
    "build_index",
    "small_torch_index",
    "small_torch_project",
]

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "text/html"


def _accepts_json(accept: str) -> bool:
    for item in accept.split(","):
        media, _, params = item.strip().partition(";")
        if media.strip() in (JSON_TYPE, "application/json"):
            q = 1.0
            for param in params.split(";"):
                key, _, value = param.strip().partition("=")
                if key == "q":
                    try:
                        q = float(value)
                    except ValueError:
                        q = 0.0
            return q > 0
    return False


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet tests
        pass

    def date_time_string(self, timestamp: Optional[float] = None) -> str:
        # The Date header follows the server's clock, which tests may move forward.
        return email.utils.formatdate(
            self.server.owner.clock() if timestamp is None else timestamp, usegmt=True
        )

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def do_GET(self) -> None:
        self._handle(head=False)

    # -- helpers --------------------------------------------------------------
    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "text/plain",
        headers: Optional[Mapping[str, str]] = None,
        head: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _handle(self, head: bool) -> None:
        owner = self.server.owner
        path = unquote(urlsplit(self.path).path)
        owner._log(self.command, path, dict(self.headers.items()))
        fault = owner._fault_for(path)
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if isinstance(fault, int):
            self._send(fault, f"injected {fault}".encode(), head=head)
            return
        if owner.auth is not None:
            expected = base64.b64encode(f"{owner.auth[0]}:{owner.auth[1]}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {expected}":
                self._send(401, b"unauthorized", headers={"WWW-Authenticate": "Basic"})
                return
        found = owner._resolve(path, self.headers.get("Accept", ""))
        if found is None:
            self._send(404, b"not found", head=head)
            return
        body, content_type, mtime = found
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        validators = {"ETag": etag, "Last-Modified": last_modified}
        if not owner.validators:
            validators = {}
        elif self._not_modified(etag, mtime):
            self.send_response(304)
            for key, value in {**validators, **owner.headers_304}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if fault == "truncate":
            body = body[: len(body) // 2]
        elif fault == "corrupt":
            body = bytes(b ^ 0x5A for b in body)
        elif fault == "garbage_html":
            body, content_type = bytes(range(256)) * 4, "text/html"
        validators.update(owner.headers)
        range_header = self.headers.get("Range")
        if range_header and not owner.ignore_range and not path.endswith("/"):
            span = self._parse_range(range_header, len(body))
            if span is None:
                self._send(416, b"", headers={"Content-Range": f"bytes */{len(body)}"})
                return
            start, end = span
            validators["Content-Range"] = f"bytes {start}-{end - 1}/{len(body)}"
            self._send(206, body[start:end], content_type, validators, head)
            return
        validators["Accept-Ranges"] = "bytes"
        self._send(200, body, content_type, validators, head)

    def _not_modified(self, etag: str, mtime: float) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return etag in [tag.strip() for tag in if_none_match.split(",")]
        since = self.headers.get("If-Modified-Since")
        if since:
            parsed = email.utils.parsedate_to_datetime(since)
            return parsed is not None and int(mtime) <= parsed.timestamp()
        return False

    @staticmethod
    def _parse_range(header: str, size: int) -> Optional[tuple[int, int]]:
        unit, _, spec = header.partition("=")
        if unit.strip() != "bytes" or "," in spec:
            return None
        first, _, last = spec.strip().partition("-")
        if not first:
            length = int(last)
            return (max(0, size - length), size) if length > 0 else None
        start = int(first)
        end = min(size, int(last) + 1) if last else size
        return (start, end) if start < size and start < end else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: IndexServer


class IndexServer:
    """Serve ``root`` as a package index on 127.0.0.1 (see the module docstring)."""

    def __init__(self, root: Union[str, Path]) -> None:
        self.root = Path(root)
        self.ignore_range = False
        self.auth: Optional[tuple[str, str]] = None
        self.headers: dict[str, str] = {}
        self.headers_304: dict[str, str] = {}
        self.validators = True
        self.clock: Callable[[], float] = time.time
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._faults: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._httpd: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    # -- lifecycle ------------------------------------------------------------------
    def __enter__(self) -> IndexServer:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._httpd is not None
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def url(self) -> str:
        assert self._httpd is not None, "use IndexServer as a context manager"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    # -- faults ---------------------------------------------------------------------
    def _add(self, prefix: str, kind: Any, times: Optional[int] = None, **extra: Any) -> None:
        with self._lock:
            self._faults.append({"prefix": prefix, "kind": kind, "times": times, **extra})

    def fail_times(self, path_prefix: str, n: int, status: int = 500) -> None:
        self._add(path_prefix, status, times=n)

    def delay(self, path_prefix: str, seconds: float) -> None:
        self._add(path_prefix, "delay", seconds=seconds)

    def drop(self, path_prefix: str) -> None:
        self._add(path_prefix, "drop")

    def truncate(self, path_prefix: str) -> None:
        self._add(path_prefix, "truncate")

    def corrupt(self, path_prefix: str) -> None:
        self._add(path_prefix, "corrupt")

    def garbage_html(self, path_prefix: str) -> None:
        self._add(path_prefix, "garbage_html")

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
        self.ignore_range = False
        self.headers = {}
        self.headers_304 = {}
        self.validators = True

    def _fault_for(self, path: str) -> Any:
        pause = 0.0
        chosen: Any = None
        with self._lock:
            for fault in self._faults:
                if not path.startswith(fault["prefix"]):
                    continue
                if fault["kind"] == "delay":
                    pause = max(pause, fault["seconds"])
                    continue
                if fault["times"] is not None:
                    if fault["times"] <= 0:
                        continue
                    fault["times"] -= 1
                if chosen is None:
                    chosen = fault["kind"]
        if pause:
            time.sleep(pause)
        return chosen

    def _log(self, method: str, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append((method, path, headers))

    def count(self, path_prefix: str, method: Optional[str] = None) -> int:
        with self._lock:
            return sum(
                1
                for m, p, _ in self.requests
                if p.startswith(path_prefix) and (method is None or m == method)
            )

    # -- content --------------------------------------------------------------------
    def _resolve(self, path: str, accept: str) -> Optional[tuple[bytes, str, float]]:
        local = (self.root / path.lstrip("/")).resolve()
        if self.root.resolve() not in (local, *local.parents):
            return None
        if path.endswith("/"):
            json_page, html_page = local / "index.json", local / "index.html"
            order = [(json_page, JSON_TYPE), (html_page, HTML_TYPE)]
            if not _accepts_json(accept):
                order.reverse()
            for page, content_type in order:
                if page.is_file():
                    body = page.read_bytes()
                    if content_type == JSON_TYPE:
                        body = _localize(body)
                    return body, content_type, page.stat().st_mtime
            return None
        if local.is_file():
            return local.read_bytes(), "application/octet-stream", local.stat().st_mtime
        if local.name.endswith(".metadata"):
            return _metadata_by_digest(local)
        return None


def _localize(body: bytes) -> bytes:
    """Point absolute file URLs of a recorded page at this server (bare file names)."""
    try:
        document = json_lib.loads(body)
    except ValueError:
        return body
    changed = False
    for entry in document.get("files", []) if isinstance(document, dict) else []:
        url = entry.get("url", "")
        if isinstance(url, str) and urlsplit(url).scheme in ("http", "https"):
            entry["url"] = quote(entry["filename"])
            changed = True
    return json_lib.dumps(document).encode() if changed else body


def _metadata_by_digest(local: Path) -> Optional[tuple[bytes, str, float]]:
    page = local.parent / "index.json"
    if not page.is_file():
        return None
    wanted = local.name[: -len(".metadata")]
    for entry in json_lib.loads(page.read_bytes()).get("files", []):
        if entry.get("filename") != wanted:
            continue
        hashes = entry.get("core-metadata") or entry.get("dist-info-metadata")
        if isinstance(hashes, dict) and "sha256" in hashes:
            sidecar = local.parent / "metadata" / f"{hashes['sha256']}.metadata"
            if sidecar.is_file():
                return sidecar.read_bytes(), "application/octet-stream", sidecar.stat().st_mtime
    return None


# -- building a tree --------------------------------------------------------------------
def _wheel_metadata(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.count("/") == 1 and name.endswith(".dist-info/METADATA"):
                return archive.read(name)
    raise ValueError(f"{path}: no METADATA")


def _project(filename: str) -> str:
    return filename.split("-", 1)[0].replace("_", "-").replace(".", "-").lower()


def build_index(
    root: Union[str, Path],
    layout: Mapping[str, Iterable[Union[str, Path]]],
    json: bool = True,
    html: bool = True,
    metadata: bool = True,
    upload_time: Optional[str] = None,
) -> dict[str, str]:
    """Lay wheels out as indexes under ``root``; returns ``{filename: sha256}``."""
    root = Path(root)
    digests: dict[str, str] = {}
    for subdir, wheels in layout.items():
        pytorch_shape = subdir.startswith("whl")
        base = root / subdir
        projects: dict[str, list[dict[str, Any]]] = {}
        for wheel in map(Path, wheels):
            data = wheel.read_bytes()
            sha = hashlib.sha256(data).hexdigest()
            digests[wheel.name] = sha
            project = _project(wheel.name)
            folder = base if pytorch_shape else base / project
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(wheel, folder / wheel.name)
            meta = _wheel_metadata(wheel)
            entry: dict[str, Any] = {
                "filename": wheel.name,
                "url": f"/{subdir}/{quote(wheel.name)}" if pytorch_shape else quote(wheel.name),
                "hashes": {"sha256": sha},
                "size": len(data),
            }
            requires_python = Parser().parsestr(meta.decode()).get("Requires-Python")
            if requires_python:
                entry["requires-python"] = requires_python
            if metadata:
                (folder / f"{wheel.name}.metadata").write_bytes(meta)
                meta_sha = hashlib.sha256(meta).hexdigest()
                entry["core-metadata"] = {"sha256": meta_sha}
                entry["dist-info-metadata"] = {"sha256": meta_sha}
            if upload_time:
                entry["upload-time"] = upload_time
            projects.setdefault(project, []).append(entry)
        for project, entries in projects.items():
            folder = base / project
            folder.mkdir(parents=True, exist_ok=True)
            if json:
                document = {
                    "meta": {"api-version": "1.1"},
                    "name": project,
                    "files": entries,
                    "versions": sorted({e["filename"].split("-")[1] for e in entries}),
                }
                (folder / "index.json").write_text(json_lib.dumps(document, indent=1))
            if html:
                (folder / "index.html").write_text(_html_page(project, entries, pytorch_shape))
    return digests


def _html_page(project: str, entries: list[dict[str, Any]], pytorch_shape: bool) -> str:
    lines = ["<!DOCTYPE html>", "<html>", "  <body>", f"    <h1>Links for {project}</h1>"]
    for entry in entries:
        attrs = f'href="{html_lib.escape(entry["url"])}#sha256={entry["hashes"]["sha256"]}"'
        if "core-metadata" in entry:
            value = f"sha256={entry['core-metadata']['sha256']}"
            attrs += f' data-dist-info-metadata="{value}" data-core-metadata="{value}"'
        if "requires-python" in entry and not pytorch_shape:
            attrs += f' data-requires-python="{html_lib.escape(entry["requires-python"])}"'
        if "upload-time" in entry:
            attrs += f' data-upload-time="{entry["upload-time"]}"'
        lines.append(f"    <a {attrs}>{html_lib.escape(entry['filename'])}</a><br/>")
    lines += ["  </body>", "</html>"]
    if pytorch_shape:
        lines.append(f"<!--TIMESTAMP {int(time.time())}-->")
    return "\n".join(lines) + "\n"


def small_torch_index(folder: Path) -> Path:
    """An index root at ``folder/root``: torch 2.7.0 cpu wheels for linux-x86_64,
    linux-aarch64, windows-x86_64 (``+cpu``) and macOS arm64, needing ``tinydep``, which
    needs ``smalldep`` (both on ``/simple``). Small real wheels from :mod:`wheelmaker`."""
    from wheelmaker import make_wheel

    wheels = folder / "wheels"
    torch = [
        make_wheel(
            wheels, "torch", "2.7.0+cpu", tag=f"cp311-cp311-{platform}", requires=["tinydep"]
        )
        for platform in ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64", "win_amd64")
    ]
    torch.append(
        make_wheel(
            wheels, "torch", "2.7.0", tag="cp311-none-macosx_11_0_arm64", requires=["tinydep"]
        )
    )
    tinydep = make_wheel(wheels, "tinydep", "1.0", requires=["smalldep"])
    smalldep = make_wheel(wheels, "smalldep", "2.0")
    root = folder / "root"
    build_index(root, {"simple": [tinydep, smalldep], "whl/cpu": torch})
    return root


SMALL_TORCH_PYPROJECT = """[project]
name = "demo"
version = "0"
requires-python = ">=3.11"
dependencies = ["torch==2.7.0", "tinydep"]

[tool.torchenv]
targets = ["linux-x86_64", "linux-aarch64", "macos-arm64", "windows-x86_64"]
python = ["3.11"]
variants = ["cpu"]
"""


def small_torch_project(folder: Path) -> Path:
    """A project folder locking what :func:`small_torch_index` serves, for four targets."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(SMALL_TORCH_PYPROJECT)
    return folder


def lock_small_project(project: Path, index_base: str, *flags: str) -> int:
    """``torchenv lock`` of ``project`` against an index served at ``index_base``
    (``/simple`` the default index, ``/whl`` the PyTorch one), in this process."""
    from torchenv.cli.main import main

    return main(
        [
            "lock",
            str(project),
            "--index-url",
            f"{index_base}/simple",
            "--pytorch-index-url",
            f"{index_base}/whl",
            *flags,
        ]
    )
