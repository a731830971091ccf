"""Lock torch==2.7.0 + torchvision + torchaudio for four targets: torchenv vs uv vs pip.

A loopback mirror (PEP 503 HTML pages with PEP 658 ``.metadata`` files) is generated
from the recorded PyPI pages in ``fixtures/index/pypi`` (see its PROVENANCE.md) and
served by ``http.server`` on 127.0.0.1: ``/simple`` is the default index and ``/whl/cpu``
serves the recorded torch/torchvision/torchaudio pages as the PyTorch index. torchenv
locks for the four targets in one process; uv runs ``uv pip compile`` once per target
with explicit index routing (torch family pinned to the PyTorch index via
``[tool.uv.sources]``); pip runs ``pip install --dry-run --report`` for this machine
only. Peak RSS is the child's ``ru_maxrss`` from ``os.wait4``.

torchenv reads the mirror with ``torchenv.index.client.IndexClient``. The
client's disk cache (``TORCHENV_CACHE_DIR``) is fresh for every cold round and shared
by the warm rounds.

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
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

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


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def child(base: str) -> None:
    """The torchenv lock run measured by the parent (cpu, four targets, one process)."""
    sys.path.insert(0, str(ROOT / "src"))
    from torchenv.index.client import IndexClient

    source: Any = IndexClient()
    from torchenv.lock.engine import LockRequest, lock_all, plan_lock

    request = LockRequest(
        tuple(REQUIREMENTS), TARGETS, ("3.11",), ("cpu",), base + "/simple", base + "/whl"
    )
    documents = lock_all(plan_lock(request), source, lambda v: f"{base}/whl/{v}")
    print(sum(len(d["packages"]) for d in documents.values()))


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(seconds, peak RSS in MB of the child)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        detail = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"failed: {' '.join(command)}\n{detail}")
    return elapsed, usage.ru_maxrss // 1024


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
    path = folder / "uvproject" / "pyproject.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def compare_with_uv(folder: Path, base: str) -> dict[str, str]:
    """Per target: "same pins" or the differing packages, torchenv vs uv's output files."""
    sys.path.insert(0, str(ROOT / "src"))
    from torchenv.index.client import IndexClient
    from torchenv.resolve.resolver import resolve_target
    from torchenv.resolve.source import SharedSource
    from torchenv.targets import parse_target

    source = SharedSource(IndexClient())
    result = {}
    for target in TARGETS:
        resolved = resolve_target(
            REQUIREMENTS,
            parse_target(target),
            "3.11",
            "cpu",
            source,
            base + "/simple",
            base + "/whl/cpu",
        )
        ours = {str(c.name): str(c.version) for c in resolved.packages}
        theirs = {}
        for line in (folder / f"uv-{target}.txt").read_text().splitlines():
            line = line.strip()
            if "==" in line and not line.startswith(("#", "-")):
                name, version = line.split("==", 1)
                theirs[name.strip().lower()] = version.split()[0]
        differ = sorted(k for k in set(ours) | set(theirs) if ours.get(k) != theirs.get(k))
        result[target] = f"same {len(ours)} pins" if not differ else "differ: " + ", ".join(differ)
    source.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    uv = shutil.which("uv") or str(ROOT / ".venv" / "bin" / "uv")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_mirror(folder / "mirror")
        server, base = serve(folder / "mirror")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
        project = uv_project(folder, base)
        torchenv_cmd = [sys.executable, __file__, "--child", base]

        def uv_all(cache: Path) -> tuple[float, int]:
            total, peak = 0.0, 0
            for target in TARGETS:
                seconds, rss = timed(
                    [
                        uv,
                        "pip",
                        "compile",
                        str(project),
                        "--quiet",
                        "--python-version",
                        "3.11",
                        "--python-platform",
                        UV_PLATFORMS[target],
                        "--index-url",
                        base + "/simple",
                        "--cache-dir",
                        str(cache),
                        "-o",
                        str(folder / f"uv-{target}.txt"),
                    ],
                    env,
                )
                total += seconds
                peak = max(peak, rss)
            return total, peak

        results: dict[str, list[tuple[float, int]]] = {
            "torchenv": [],
            "torchenv warm": [],
            "uv cold": [],
            "uv warm": [],
        }
        warm_cache = folder / "uv-warm"
        uv_all(warm_cache)
        # The index client keeps a disk cache: a fresh one per cold round, one reused warm.
        torchenv_warm = dict(env, TORCHENV_CACHE_DIR=str(folder / "torchenv-warm"))
        timed(torchenv_cmd, torchenv_warm)
        for round_ in range(args.rounds):
            cold_env = dict(env, TORCHENV_CACHE_DIR=str(folder / f"torchenv-cold-{round_}"))
            results["torchenv"].append(timed(torchenv_cmd, cold_env))
            results["torchenv warm"].append(timed(torchenv_cmd, torchenv_warm))
            results["uv cold"].append(uv_all(folder / f"uv-cold-{round_}"))
            results["uv warm"].append(uv_all(warm_cache))
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
                base + "/whl/cpu",
                "--extra-index-url",
                base + "/simple",
                "--ignore-installed",
                "--no-deps",
                *REQUIREMENTS,
            ],
            env,
        )
        agreement = compare_with_uv(folder, base)
        server.shutdown()

    def median(values: list[tuple[float, int]]) -> tuple[float, int]:
        times = sorted(v[0] for v in values)
        return times[len(times) // 2], max(v[1] for v in values)

    torch_t, torch_rss = median(results["torchenv"])
    torch_warm_t, torch_warm_rss = median(results["torchenv warm"])
    cold_t, _ = median(results["uv cold"])
    warm_t, uv_rss = median(results["uv warm"])
    print(
        f"torchenv lock (4 targets, one run), cold: {torch_t * 1000:7.0f} ms"
        f"  peak RSS {torch_rss} MB"
    )
    print(
        f"torchenv lock (4 targets, one run), warm: {torch_warm_t * 1000:7.0f} ms"
        f"  peak RSS {torch_warm_rss} MB"
    )
    print(f"uv pip compile x4, cold cache:      {cold_t * 1000:7.0f} ms")
    print(f"uv pip compile x4, warm cache:      {warm_t * 1000:7.0f} ms  peak RSS {uv_rss} MB")
    print(
        f"pip install --dry-run (this machine, --no-deps): {pip[0] * 1000:7.0f} ms"
        f"  peak RSS {pip[1]} MB"
    )
    print(f"ratio torchenv warm / uv warm: {torch_warm_t / warm_t:.2f}  (goal <= 1.0)")
    print(f"ratio torchenv / uv cold: {torch_t / cold_t:.2f}  (goal <= 1.5)")
    print(f"peak RSS goal < 150 MB: {'met' if torch_rss < 150 else 'NOT met'}")
    for target, verdict in agreement.items():
        print(f"torchenv vs uv, {target}: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
