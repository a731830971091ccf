"""`torchenv lock` then `torchenv install` over a real loopback HTTP index (no mocks).

The index tree is built in tmp from small but valid wheels named like the real
PyTorch files, served by ``http.server`` on 127.0.0.1: ``/simple`` (default index),
``/whl/cpu`` and ``/whl/cu128`` (variant indexes). torch pages offer PEP 658
``.metadata`` sidecars; the other pages do not, so METADATA is read from the wheel.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from packaging.pylock import Pylock

from torchenv.cli.main import main
from torchenv.lock.pylock import read_lock_document

# Wheels are built for the interpreter running the tests, so the install step below
# works on every supported Python (a cp311 lock cannot install into a 3.13 venv).
_CP = f"cp{sys.version_info[0]}{sys.version_info[1]}"
_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"

# (index folder, wheel file name, Requires-Dist lines)
WHEELS: list[tuple[str, str, tuple[str, ...]]] = [
    ("simple", "tinydep-1.0-py3-none-any.whl", ()),
    ("simple", "tinydep-1.1-py3-none-any.whl", ()),
    # Listed without a hash (pages of some mirrors do this): see test_missing_hash.
    ("simple", "nohash-1.0-py3-none-any.whl", ()),
    # A torch on the default index must never be chosen.
    ("simple", f"torch-2.7.0-{_CP}-{_CP}-manylinux_2_28_x86_64.whl", ("tinydep",)),
]
for _variant, _platforms in (
    ("cpu", ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64", "win_amd64")),
    ("cu128", ("manylinux_2_28_x86_64", "manylinux_2_28_aarch64", "win_amd64")),
):
    for _platform in _platforms:
        WHEELS.append(
            (f"whl/{_variant}", f"torch-2.7.0+{_variant}-{_CP}-{_CP}-{_platform}.whl", ("tinydep",))
        )
        WHEELS.append(
            (
                f"whl/{_variant}",
                f"torchvision-0.22.0+{_variant}-{_CP}-{_CP}-{_platform}.whl",
                ("torch==2.7.0", "tinydep>=1.0"),
            )
        )
WHEELS += [
    ("whl/cpu", f"torch-2.7.0-{_CP}-none-macosx_11_0_arm64.whl", ("tinydep",)),
    ("whl/cpu", f"torchvision-0.22.0-{_CP}-{_CP}-macosx_11_0_arm64.whl", ("torch==2.7.0",)),
    # Another variant's build listed on the cu128 page must be rejected by its label.
    ("whl/cu128", f"torch-2.7.0+cu126-{_CP}-{_CP}-manylinux_2_28_x86_64.whl", ("tinydep",)),
]

PYPROJECT = f"""[project]
name = "demo"
version = "0"
requires-python = ">=3.9"
dependencies = ["torch==2.7.0", "torchvision", "tinydep"]

[tool.torchenv]
targets = ["linux-x86_64", "linux-aarch64", "macos-arm64", "windows-x86_64"]
python = ["{_PYTHON}"]
variants = ["cpu", "cu128"]
"""


_ROOTS: dict[str, Path] = {}


def server_root(url: str) -> Path:
    """The folder a test server started by the fixture serves."""
    return _ROOTS[url]


def make_wheel(folder: Path, filename: str, requires: tuple[str, ...]) -> Path:
    """A valid wheel with one package (``import <name>``), METADATA, WHEEL and RECORD."""
    name, version, *_rest, tag_platform = filename[: -len(".whl")].split("-")
    tag = "-".join(filename[: -len(".whl")].split("-")[2:])
    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"__version__ = {version!r}\n",
        f"{info}/METADATA": "Metadata-Version: 2.1\n"
        f"Name: {name}\nVersion: {version}\n" + "".join(f"Requires-Dist: {r}\n" for r in requires),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: torchenv-tests\n"
        f"Root-Is-Purelib: {'true' if tag_platform == 'any' else 'false'}\nTag: {tag}\n",
    }
    record = []
    for member, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{member},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = "\n".join(record) + "\n"
    path = folder / filename
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in sorted(files.items()):
            archive.writestr(zipfile.ZipInfo(member, (2020, 1, 1, 0, 0, 0)), text)
    return path


def build_index(root: Path) -> None:
    pages: dict[Path, list[str]] = {}
    for index, filename, requires in WHEELS:
        project = filename.split("-", 1)[0]
        folder = root / index / project
        folder.mkdir(parents=True, exist_ok=True)
        wheel = make_wheel(folder, filename, requires)
        sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
        attrs = ""
        if project == "torch":
            with zipfile.ZipFile(wheel) as archive:
                metadata = archive.read(f"torch-{filename.split('-')[1]}.dist-info/METADATA")
            (folder / (filename + ".metadata")).write_bytes(metadata)
            attrs = f' data-core-metadata="sha256={hashlib.sha256(metadata).hexdigest()}"'
        href = filename.replace("+", "%2B")
        if project != "nohash":
            href += f"#sha256={sha}"
        pages.setdefault(folder, []).append(f'<a href="{href}"{attrs}>{filename}</a>')
    for folder, anchors in pages.items():
        body = "<!DOCTYPE html><html><body>\n" + "<br/>\n".join(anchors) + "\n</body></html>\n"
        (folder / "index.html").write_text(body)


@pytest.fixture(scope="module")
def index_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("index")
    build_index(root)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    _ROOTS[url] = root
    yield url
    server.shutdown()


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The index client keeps a disk cache; never touch the user's.
    monkeypatch.setenv("TORCHENV_CACHE_DIR", str(tmp_path / "cache"))


def _lock(project: Path, base: str, *extra: str) -> int:
    return main(
        [
            "lock",
            str(project),
            "--index-url",
            base + "/simple",
            "--pytorch-index-url",
            base + "/whl",
            *extra,
        ]
    )


def test_lock_and_install_over_http(index_url: str, tmp_path: Path, capsys: Any) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT)

    assert _lock(project, index_url) == 0
    names = sorted(p.name for p in project.glob("pylock.*.toml"))
    assert names == ["pylock.cpu.toml", "pylock.cu128.toml"]
    first = {n: (project / n).read_bytes() for n in names}
    cpu = read_lock_document(str(project / "pylock.cpu.toml"))
    cu128 = read_lock_document(str(project / "pylock.cu128.toml"))
    Pylock.from_dict(cpu).validate()
    Pylock.from_dict(cu128).validate()
    assert len(cpu["environments"]) == 4
    assert not any("darwin" in e for e in cu128["environments"])  # no CUDA on macOS

    torch_cu = [p for p in cu128["packages"] if p["name"] == "torch"]
    assert {p["version"] for p in torch_cu} == {"2.7.0+cu128"}
    files = sorted(w["name"] for p in torch_cu for w in p["wheels"])
    assert all("+cu128" in f for f in files) and len(files) == 3
    for package in cu128["packages"]:
        if package["name"] in ("torch", "torchvision"):
            assert package["index"] == index_url + "/whl/cu128"
        else:
            assert package["index"] == index_url + "/simple"
            assert package["version"] == "1.1"  # newest tinydep, no marker
            assert "marker" not in package
    mac_torch = [p for p in cpu["packages"] if p["name"] == "torch" and p["version"] == "2.7.0"]
    assert mac_torch and "darwin" in mac_torch[0]["marker"]
    assert all(w["hashes"]["sha256"] for p in cpu["packages"] for w in p["wheels"])

    # Deterministic, fresh, and --dry-run writes nothing.
    assert _lock(project, index_url) == 0
    assert {n: (project / n).read_bytes() for n in names} == first
    assert _lock(project, index_url, "--check") == 0
    # From the client's disk cache alone (when the client is built in), same bytes.
    try:
        import torchenv.index.client  # noqa: F401
    except ImportError:
        pass
    else:
        assert _lock(project, index_url, "--offline") == 0
        assert {n: (project / n).read_bytes() for n in names} == first
    assert _lock(project, index_url, "--dry-run") == 0
    assert {n: (project / n).read_bytes() for n in names} == first

    # Install the cpu lock into a fresh venv with pip's hash-checking mode, over HTTP.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    capsys.readouterr()
    args = ["install", "--variant", "cpu", "--lock-dir", str(project), "--installer", "pip"]
    args += ["--python-exe", str(python)]
    assert main([*args, "--dry-run"]) == 0
    plan = capsys.readouterr().out
    assert "torch 2.7.0+cpu" in plan and "tinydep 1.1" in plan
    assert main(args) == 0
    check = subprocess.run(
        [str(python), "-c", "import torch, torchvision, tinydep; print(torch.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert check.stdout.strip() == "2.7.0+cpu"


def test_failing_index_writes_nothing(index_url: str, tmp_path: Path, capsys: Any) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT.replace('"tinydep"]', '"tinydep>=9"]'))
    assert _lock(project, index_url) == 2
    assert not list(project.glob("pylock.*"))
    message = capsys.readouterr().err
    assert "tinydep>=9" in message
    assert "versions with a file for this target: 1.1, 1.0" in message


def test_missing_hash(index_url: str, tmp_path: Path, capsys: Any) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT.replace('"tinydep"]', '"nohash"]'))
    flags = ("--variants", "cpu", "--targets", "linux-x86_64")
    assert _lock(project, index_url, *flags) == 2
    assert "nohash-1.0-py3-none-any.whl: the index publishes no sha256" in capsys.readouterr().err
    assert not list(project.glob("pylock.*"))
    assert _lock(project, index_url, *flags, "--compute-missing-hashes") == 0
    document = read_lock_document(str(project / "pylock.cpu.toml"))
    (wheel,) = next(p for p in document["packages"] if p["name"] == "nohash")["wheels"]
    served = Path(server_root(index_url)) / "simple" / "nohash" / wheel["name"]
    assert wheel["hashes"]["sha256"] == hashlib.sha256(served.read_bytes()).hexdigest()
