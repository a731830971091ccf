"""Lock torch==2.7.0 + torchvision + torchaudio for four targets: torchenv vs uv vs pip.

A loopback mirror (PEP 503 HTML pages with PEP 658 ``.metadata`` files) is generated
from the recorded PyPI pages in ``fixtures/index/pypi`` (see its PROVENANCE.md) and
served by ``http.server`` on 127.0.0.1: ``/simple`` is the default index and ``/whl/cpu``
serves the recorded torch/torchvision/torchaudio pages as the PyTorch index.

What is timed is what users run:

* torchenv: the ``torchenv lock`` console script in a project folder whose
  ``pyproject.toml`` lists the three requirements and, in ``[tool.torchenv]``, the four
  targets, Python 3.11, variant cpu and the mirror's ``/whl`` as the PyTorch index; the
  default index comes from ``PIP_INDEX_URL`` (the mirror's ``/simple``). One process
  locks all four targets and writes ``pylock.cpu.toml``.
* uv: ``uv pip compile`` once per target (``--python-platform``) with the torch family
  routed to the mirror's ``/whl/cpu`` by ``[tool.uv.sources]`` (explicit index).
* pip: ``pip install --dry-run --report`` for this machine only (no other targets).

Each tool has its own cache: an empty one per cold round, one shared by the warm
rounds (filled once before the rounds). torchenv's warm rows are two: ``warm`` is what
users get when nothing changed (the lock manifest proves the files current and no
resolution runs while the cached pages are fresh), ``warm --force`` resolves again from
the same warm cache, the work uv's warm compiles do. The mirror runs under two header
policies, each timed for both tools:

* ``pypi``: ``Cache-Control: max-age=600, public`` on every response, what pypi.org
  sends for its simple pages; a warm cache younger than 10 minutes needs no request.
* ``bare``: ``http.server``'s own headers (Last-Modified, no Cache-Control, no ETag); the
  mirror was written seconds ago, so a conservative cache revalidates every page on
  every run (``If-Modified-Since`` -> 304); torchenv's manifest then proves nothing
  (a page it stands on is stale), so its warm runs resolve again after revalidating.

The server's listen backlog is raised from http.server's 5 to 128 for both tools:
with 5, parallel connections overflow it and random runs wait a 1 s SYN retransmit.

Children run without ``PYTHONDONTWRITEBYTECODE`` (users' interpreters cache bytecode).
Peak RSS is the child's ``ru_maxrss`` from ``os.wait4``. Finally the pins torchenv wrote
to ``pylock.cpu.toml`` are compared, per target, with uv's output.

Usage: python benchmarks/bench_lock.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Optional

from _timing import ENV, torchenv_command

ROOT = Path(__file__).resolve().parent.parent
PYPI = ROOT / "fixtures" / "index" / "pypi"
TARGETS = ("linux-x86_64", "linux-aarch64", "macos-arm64", "windows-x86_64")
UV_PLATFORMS = {
    "linux-x86_64": "x86_64-manylinux_2_28",
    "linux-aarch64": "aarch64-manylinux_2_28",
    "macos-arm64": "aarch64-apple-darwin",
    "windows-x86_64": "x86_64-pc-windows-msvc",
}
REQUIREMENTS = ["torch==2.7.0", "torchvision", "torchaudio"]
# The packages torchenv routes to the PyTorch index (torchenv.family) that the closure has.
FAMILY = ("torch", "torchvision", "torchaudio", "triton")
# What pypi.org sends with its simple pages.
PYPI_CACHE_CONTROL = "max-age=600, public"

__all__ = ["build_mirror", "main"]


def build_mirror(folder: Path) -> None:
    """PEP 503 pages with PEP 658 ``.metadata`` files from the recorded PyPI fixtures.

    ``/simple/<project>/`` holds every recorded project; the torch family's recorded
    pages are also served as ``/whl/cpu/<project>/`` (PyPI's own torch files stand in for
    the PyPI-shaped PyTorch index; their METADATA carry the real CUDA dependencies).
    Wheels themselves are not served: locking needs pages and METADATA only.
    """
    for project_dir in sorted(p for p in PYPI.iterdir() if p.is_dir()):
        data = json.loads((project_dir / "index.json").read_text())
        paths = ["simple"] + (["whl/cpu"] if project_dir.name in FAMILY else [])
        for path in paths:
            out = folder / path / project_dir.name
            out.mkdir(parents=True, exist_ok=True)
            anchors = []
            for entry in data["files"]:
                filename = entry["filename"]
                attrs = ""
                if entry.get("requires-python"):
                    attrs += f' data-requires-python="{html.escape(entry["requires-python"])}"'
                metadata = (entry.get("core-metadata") or {}).get("sha256")
                if metadata:
                    source = project_dir / "metadata" / f"{metadata}.metadata"
                    if source.exists():
                        shutil.copyfile(source, out / (filename + ".metadata"))
                        attrs += f' data-core-metadata="sha256={metadata}"'
                if entry.get("yanked"):
                    attrs += ' data-yanked=""'
                href = filename.replace("+", "%2B")
                sha = entry["hashes"]["sha256"]
                anchors.append(f'<a href="{href}#sha256={sha}"{attrs}>{filename}</a><br/>')
            (out / "index.html").write_text(
                "<html><body>\n" + "\n".join(anchors) + "\n</body></html>\n"
            )


class _Server(http.server.ThreadingHTTPServer):
    # http.server listens with a backlog of 5: eight parallel connections (both tools
    # open several) overflow it and the kernel drops SYNs, costing a 1 s retransmit.
    # Real servers listen with hundreds (nginx: 511).
    request_queue_size = 128


def serve(
    folder: Path, cache_control: Optional[str]
) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def end_headers(self) -> None:
            if cache_control:
                self.send_header("Cache-Control", cache_control)
            super().end_headers()

    handler = functools.partial(Handler, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def timed(command: list[str], env: dict[str, str], cwd: Optional[Path] = None) -> tuple[float, int]:
    """(seconds, peak RSS in MB of the child)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        detail = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"failed: {' '.join(command)}\n{detail}")
    return elapsed, usage.ru_maxrss // 1024


def torchenv_project(folder: Path, base: str) -> Path:
    """The project users lock: three requirements, four targets, cpu, the mirror's /whl."""
    text = f"""[project]
name = "bench"
version = "0"
requires-python = ">=3.11"
dependencies = {json.dumps(REQUIREMENTS)}

[tool.torchenv]
targets = {json.dumps(list(TARGETS))}
python = ["3.11"]
variants = ["cpu"]
pytorch-index-url = "{base}/whl"
"""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(text)
    return folder


def uv_project(folder: Path, base: str) -> Path:
    """A pyproject routing the torch family to the PyTorch cpu index (explicit index)."""
    sources = "\n".join(f'{name} = {{ index = "pytorch-cpu" }}' for name in FAMILY)
    text = f"""[project]
name = "bench"
version = "0"
requires-python = ">=3.11"
dependencies = {json.dumps(REQUIREMENTS)}

[[tool.uv.index]]
name = "pytorch-cpu"
url = "{base}/whl/cpu"
explicit = true

[tool.uv.sources]
{sources}
"""
    path = folder / "pyproject.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def uv_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if "==" in line and not line.startswith(("#", "-")):
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.split()[0]
    return pins


def torchenv_pins(lock: Path, target: str) -> dict[str, str]:
    """The packages of ``pylock.cpu.toml`` whose marker holds on ``target``."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    from packaging.markers import Marker

    from torchenv.targets import marker_environment, parse_target

    environment = marker_environment(parse_target(target), "3.11")
    pins = {}
    for package in tomllib.loads(lock.read_text())["packages"]:
        marker = package.get("marker")
        if marker is None or Marker(marker).evaluate(environment):
            pins[package["name"]] = package["version"]
    return pins


def agreement(lock: Path, uv_outputs: dict[str, Path]) -> dict[str, str]:
    """Per target: "same N pins" or the packages whose pins differ."""
    result = {}
    for target in TARGETS:
        ours, theirs = torchenv_pins(lock, target), uv_pins(uv_outputs[target])
        differ = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
        result[target] = f"same {len(ours)} pins" if not differ else "differ: " + ", ".join(differ)
    return result


class Mirror:
    """One header policy: the server, both tools' commands and their caches."""

    def __init__(self, folder: Path, name: str, cache_control: Optional[str]) -> None:
        self.folder = folder / name
        self.label = f"{name} ({cache_control or 'Last-Modified only'})"
        self.server, self.base = serve(folder / "mirror", cache_control)
        self.project = torchenv_project(self.folder / "project", self.base)
        self.uv_project = uv_project(self.folder / "uvproject", self.base)
        self.env = dict(ENV, PIP_INDEX_URL=self.base + "/simple")
        self.uv = shutil.which("uv") or str(ROOT / ".venv" / "bin" / "uv")
        self.uv_outputs = {t: self.folder / f"uv-{t}.txt" for t in TARGETS}

    def torchenv(self, cache: Path, *flags: str) -> tuple[float, int]:
        env = dict(self.env, TORCHENV_CACHE_DIR=str(cache))
        return timed(torchenv_command("lock", "--quiet", *flags), env, cwd=self.project)

    def uv_all(self, cache: Path) -> tuple[float, int]:
        total, peak = 0.0, 0
        for target in TARGETS:
            command = [
                self.uv,
                "pip",
                "compile",
                str(self.uv_project),
                "--quiet",
                "--python-version",
                "3.11",
                "--python-platform",
                UV_PLATFORMS[target],
                "--index-url",
                self.base + "/simple",
                "--cache-dir",
                str(cache),
                "-o",
                str(self.uv_outputs[target]),
            ]
            seconds, rss = timed(command, dict(ENV))
            total += seconds
            peak = max(peak, rss)
        return total, peak


def measure(mirror: Mirror, rounds: int) -> dict[str, list[tuple[float, int]]]:
    results: dict[str, list[tuple[float, int]]] = {
        "torchenv cold": [],
        "torchenv warm": [],
        "torchenv warm --force": [],
        "uv cold": [],
        "uv warm": [],
    }
    torchenv_warm, uv_warm = mirror.folder / "torchenv-warm", mirror.folder / "uv-warm"
    mirror.torchenv(torchenv_warm)
    mirror.uv_all(uv_warm)
    for round_ in range(rounds):
        results["torchenv cold"].append(mirror.torchenv(mirror.folder / f"torchenv-{round_}"))
        results["torchenv warm"].append(mirror.torchenv(torchenv_warm))
        results["torchenv warm --force"].append(mirror.torchenv(torchenv_warm, "--force"))
        results["uv cold"].append(mirror.uv_all(mirror.folder / f"uv-{round_}"))
        results["uv warm"].append(mirror.uv_all(uv_warm))
    return results


def report(name: str, results: dict[str, list[tuple[float, int]]]) -> None:
    def median(key: str) -> tuple[float, int]:
        values = results[key]
        return statistics.median(v[0] for v in values) * 1000, max(v[1] for v in values)

    rows = {key: median(key) for key in results}
    print(f"mirror headers: {name}")
    for key, (ms, rss) in rows.items():
        label = f"{key} ({'4 targets, one run' if key.startswith('torchenv') else 'x4'})"
        print(f"  {label:34s} {ms:7.0f} ms  peak RSS {rss} MB")
    warm = rows["torchenv warm"][0] / rows["uv warm"][0]
    forced = rows["torchenv warm --force"][0] / rows["uv warm"][0]
    cold = rows["torchenv cold"][0] / rows["uv cold"][0]
    peak = max(value[1] for key, value in rows.items() if key.startswith("torchenv"))
    print(f"  ratio warm torchenv/uv: {warm:.2f} (goal <= 1.0: {'met' if warm <= 1 else 'MISSED'})")
    print(f"  ratio warm --force torchenv/uv: {forced:.2f} (resolving again, no goal)")
    print(
        f"  ratio cold torchenv/uv: {cold:.2f} (goal <= 1.5: {'met' if cold <= 1.5 else 'MISSED'})"
    )
    print(f"  peak RSS {peak} MB (goal < 150 MB: {'met' if peak < 150 else 'MISSED'})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_mirror(folder / "mirror")
        mirrors = [
            Mirror(folder, "pypi", PYPI_CACHE_CONTROL),
            Mirror(folder, "bare", None),
        ]
        for mirror in mirrors:
            report(mirror.label, measure(mirror, args.rounds))
        pip = timed(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--dry-run",
                "--quiet",
                "--report",
                str(folder / "pip.json"),
                "--index-url",
                mirrors[-1].base + "/whl/cpu",
                "--extra-index-url",
                mirrors[-1].base + "/simple",
                "--ignore-installed",
                "--no-deps",
                *REQUIREMENTS,
            ],
            dict(ENV),
        )
        print(f"pip install --dry-run (this machine, --no-deps): {pip[0] * 1000:.0f} ms")
        last = mirrors[-1]
        for target, verdict in agreement(last.project / "pylock.cpu.toml", last.uv_outputs).items():
            print(f"torchenv vs uv, {target}: {verdict}")
        for mirror in mirrors:
            mirror.server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
