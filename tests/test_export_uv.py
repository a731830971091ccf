"""uv export: ``--write`` splicing byte-for-byte, and the real ``uv`` resolving/installing
exported files against a loopback index (PyTorch-style /whl/<variant>/ next to /simple/)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from torchenv.cli.main import main
from wheelmaker import make_wheel

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")

ORIGINAL = """\
# my project: comments and layout below must survive
[project]
name = "demo"   # keep me
version = "0.1.0"
requires-python = ">=3.9"
dependencies = [
  "filelock>=3",
  # [not a header] inside an array
  "torch==2.7.1",
]

[[tool.uv.index]]
name = "internal"
url = "https://pkgs.example/simple"

[[tool.uv.index]]
name = "pytorch-cu121"
url = "https://download.pytorch.org/whl/cu121"
explicit = true

[tool.uv.sources]
mylib = { path = "../mylib" }
torch = [
  { index = "pytorch-cu121" },
]

[tool.ruff]
line-length = 100  # trailing comment
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(text.encode())
    return path


def test_write_replaces_only_torch_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path, ORIGINAL)
    monkeypatch.chdir(tmp_path)
    argv = ["export", "--format", "uv", "--write", "--target", "linux-x86_64-cu128"]
    assert main([*argv, "--target", "macos-arm64", "--torch", "==2.7.1"]) == 0
    text = path.read_text()
    data = tomllib.loads(text)
    uv = data["tool"]["uv"]
    assert [i["name"] for i in uv["index"]] == ["internal", "pytorch-cu128", "pytorch-cpu"]
    assert uv["sources"]["mylib"] == {"path": "../mylib"}
    assert [s["index"] for s in uv["sources"]["torch"]] == ["pytorch-cu128", "pytorch-cpu"]
    assert "pytorch-cu121" not in text
    # everything outside the replaced entries is kept byte for byte
    head = ORIGINAL.split('[[tool.uv.index]]\nname = "pytorch-cu121"')[0]
    assert text.startswith(head)
    assert text.endswith("[tool.ruff]\nline-length = 100  # trailing comment\n")
    assert 'mylib = { path = "../mylib" }\n' in text
    # idempotent: a second run changes nothing
    assert main([*argv, "--target", "macos-arm64", "--torch", "==2.7.1"]) == 0
    assert path.read_text() == text


def test_write_extras_mode_and_empty_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    argv = ["export", "--format", "uv", "--write", "--target", "linux-x86_64-cpu"]
    assert main([*argv, "--target", "linux-x86_64-cu128", "--torch", "==2.7.1"]) == 0
    data = tomllib.loads((tmp_path / "pyproject.toml").read_text())
    assert set(data["project"]["optional-dependencies"]) == {"cpu", "cu128"}
    assert data["tool"]["uv"]["conflicts"] == [[{"extra": "cpu"}, {"extra": "cu128"}]]


def test_write_refuses_broken_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "[project\nname = 1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--format", "uv", "--write", "--target", "macos-arm64"]) == 2
    assert "pyproject.toml: not valid TOML" in capsys.readouterr().err
    assert path.read_text() == "[project\nname = 1\n"  # untouched


def test_write_refuses_inline_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = '[project]\nname = "x"\n\n[tool.uv]\nsources = { torch = { index = "a" } }\n'
    path = _write(tmp_path, original)
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--format", "uv", "--write", "--target", "macos-arm64"]) == 2
    assert "edit by hand" in capsys.readouterr().err
    assert path.read_text() == original


# --- a loopback index and real wheels for the real uv -------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _page(folder: Path, wheels: list[Path], href_prefix: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    links = "".join(
        f'<a href="{href_prefix}{w.name.replace("+", "%2B")}#sha256={_sha(w)}">{w.name}</a>\n'
        for w in wheels
    )
    (folder / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>\n")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def index(tmp_path: Path) -> Iterator[tuple[str, dict[str, Path]]]:
    """/simple/filelock/, /whl/cpu/<pkg>/ and /whl/cu128/<pkg>/ with wheels beside them."""
    root = tmp_path / "index"
    files = root / "files"
    wheels = {"filelock": make_wheel(files, "filelock", "3.19.1")}
    _page(root / "simple" / "filelock", [wheels["filelock"]], "../../files/")
    # a decoy torch on the default index: routing must never pick it
    decoy = make_wheel(files / "decoy", "torch", "2.7.1")
    _page(root / "simple" / "torch", [decoy], "../../files/decoy/")
    for variant, label in (("cpu", ""), ("cu128", "+cu128")):
        for name, version in (
            ("torch", "2.7.1"),
            ("torchvision", "0.22.1"),
            ("torchaudio", "2.7.1"),
        ):
            requires = (f"torch==2.7.1{label}",) if name != "torch" else ("filelock",)
            wheel = make_wheel(root / "whl" / variant, name, version + label, requires=requires)
            wheels[f"{name}-{variant}"] = wheel
            _page(root / "whl" / variant / name, [wheel], "../")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", wheels
    finally:
        server.shutdown()
        server.server_close()


def _uv(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    assert UV is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    env.update(UV_PYTHON_DOWNLOADS="never", UV_CACHE_DIR=str(cwd / ".uv-cache"), UV_NO_CONFIG="1")
    return subprocess.run(
        [UV, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


needs_uv = pytest.mark.skipif(UV is None, reason="uv not installed")


@needs_uv
def test_uv_lock_routes_torch_to_each_variant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index: tuple[str, dict[str, Path]]
) -> None:
    url, _ = index
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n'
        'dependencies = [\n  "filelock",\n'
        "  \"torch==2.7.1+cu128 ; sys_platform == 'linux' and platform_machine == 'x86_64'\",\n"
        "  \"torch==2.7.1 ; sys_platform == 'darwin' and platform_machine == 'arm64'\",\n]\n"
    )
    monkeypatch.chdir(project)
    argv = ["export", "--format", "uv", "--write", "--torch", "==2.7.1"]
    argv += [
        "--target",
        "linux-x86_64-cu128",
        "--target",
        "macos-arm64",
        "--pytorch-index-url",
        f"{url}/whl",
    ]
    assert main(argv) == 0
    result = _uv(["lock", "--default-index", f"{url}/simple", "--python", sys.executable], project)
    assert result.returncode == 0, result.stderr
    lock = tomllib.loads((project / "uv.lock").read_text())
    sources = {(p["name"], p["version"]): p["source"] for p in lock["package"]}
    assert sources[("torch", "2.7.1+cu128")] == {"registry": f"{url}/whl/cu128"}
    assert sources[("torch", "2.7.1")] == {"registry": f"{url}/whl/cpu"}
    assert sources[("filelock", "3.19.1")] == {"registry": f"{url}/simple"}


def _lock_for(url: str, wheels: dict[str, Path], variant: str) -> str:
    label = "+cu128" if variant == "cu128" else ""
    parts = ['lock-version = "1.0"\ncreated-by = "torchenv-tests"\nrequires-python = ">=3.9"\n']
    entries = [("filelock", "3.19.1", f"{url}/simple", f"{url}/files/", wheels["filelock"])]
    for name, version in (("torch", "2.7.1"), ("torchvision", "0.22.1")):
        wheel = wheels[f"{name}-{variant}"]
        entries.append(
            (name, version + label, f"{url}/whl/{variant}", f"{url}/whl/{variant}/", wheel)
        )
    for name, version, index_url, base, wheel in entries:
        href = base + wheel.name.replace("+", "%2B")
        parts.append(
            f'\n[[packages]]\nname = "{name}"\nversion = "{version}"\nindex = "{index_url}"\n'
            f'[[packages.wheels]]\nname = "{wheel.name}"\nurl = "{href}"\n'
            f'hashes = {{ sha256 = "{_sha(wheel)}" }}\n'
        )
    parts.append(f'\n[tool.torchenv]\nvariant = "{variant}"\n')
    return "".join(parts)


@needs_uv
@pytest.mark.parametrize("tamper", [False, True])
def test_requirements_install_with_hashes(
    tmp_path: Path, index: tuple[str, dict[str, Path]], tamper: bool
) -> None:
    url, wheels = index
    locks = tmp_path / "locks"
    locks.mkdir()
    (locks / "pylock.cu128.toml").write_text(_lock_for(url, wheels, "cu128"))
    out = tmp_path / "requirements.txt"
    argv = ["export", "--format", "requirements", "--lock-dir", str(locks), "-o", str(out)]
    assert main(argv) == 0
    text = out.read_text()
    assert f"--index-url {url}/simple" in text and "extra-index-url" not in text
    if tamper:
        text = text.replace(_sha(wheels["torch-cu128"]), "0" * 64)
        out.write_text(text)
    target = tmp_path / "site"
    result = _uv(
        [
            "pip",
            "install",
            "--require-hashes",
            "-r",
            str(out),
            "--target",
            str(target),
            "--python",
            sys.executable,
        ],
        tmp_path,
    )
    if tamper:
        assert result.returncode != 0
        assert "hash" in result.stderr.lower()
        return
    assert result.returncode == 0, result.stderr
    installed = sorted(p.name for p in target.glob("*.dist-info"))
    assert installed == [
        "filelock-3.19.1.dist-info",
        "torch-2.7.1+cu128.dist-info",
        "torchvision-0.22.1+cu128.dist-info",
    ]
