"""How long `torchenv check` takes on a repository of 20 files, against bare Python.

Builds a temporary git repository from the check fixtures (20 files of every kind),
then times, interleaved so machine noise hits both equally:
  * ``python -c pass``                  (the floor any Python CLI pays)
  * ``torchenv check`` in the repository (git discovery, reading, catalog, rules)
and prints the medians and their ratio (goal: at most 4x).

Run: ``.venv/bin/python benchmarks/bench_check.py [--runs 21]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Users' Pythons cache bytecode; a sandbox may set PYTHONDONTWRITEBYTECODE, which
# would time compiling every module on every run instead of running check.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "check"
# 20 readable files: every reader, every rule.
FILES = [
    "req-good/requirements.txt",
    "req-unpublished-variant/requirements.txt",
    "req-macos-cuda/requirements-macos.txt",
    "req-includes/requirements/base.txt",
    "req-includes/requirements/gpu.txt",
    "req-unpinned/requirements-gpu.txt",
    "req-unknown-version/requirements.txt",
    "docker-arm64-cu124/Dockerfile",
    "docker-good/Dockerfile",
    "conda-deepslide/environment.yml",
    "conda-cpuonly/environment-cpu.yml",
    "conda-good/environment.yml",
    "uv-darwin-source/pyproject.toml",
    "uv-good/pyproject.toml",
    "poetry-supplemental/pyproject.toml",
    "pixi-osx-cuda/pixi.toml",
    "pixi-good/pixi.toml",
    "pyproject-python-range/pyproject.toml",
    "gpu-targets/pyproject.toml",
    "pylock-good/pylock.cu128.toml",
]


def build_repository(root: Path) -> None:
    for name in FILES:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / name, target)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)


def timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "repo"
        build_repository(root)
        # The console script is what pre-commit and users run (no runpy).
        script = Path(sys.executable).with_name("torchenv")
        check = (
            [str(script), "check"]
            if script.exists()
            else [sys.executable, "-m", "torchenv", "check"]
        )
        bare = [sys.executable, "-c", "pass"]
        result = subprocess.run(
            [*check, "--json"], cwd=root, capture_output=True, text=True, env=ENV
        )
        count = len(__import__("json").loads(result.stdout))
        for _ in range(3):  # warm the OS file cache and .pyc files
            timed(bare, root)
            timed(check, root)
        # Where the time goes: costs every torchenv command pays (interpreter, CLI
        # parser) and the knowledge base load, measured the same way.
        cli = [sys.executable, "-c", "import torchenv.cli.main as m; m.build_parser()"]
        catalog = [sys.executable, "-c", "import torchenv.catalog as c; c.load_catalog()"]
        times: dict[str, list[float]] = {"bare": [], "check": [], "cli": [], "catalog": []}
        for _ in range(args.runs):
            times["bare"].append(timed(bare, root))
            times["check"].append(timed(check, root))
            times["cli"].append(timed(cli, root))
            times["catalog"].append(timed(catalog, root))
    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    print(f"files: {len(FILES)} (diagnostics: {count}), runs: {args.runs}, interleaved")
    print(f"python -c pass                    median {median['bare']:7.1f} ms")
    print(f"torchenv check                    median {median['check']:7.1f} ms")
    print(
        f"ratio                             {median['check'] / median['bare']:7.2f}x (goal <= 4x)"
    )
    print("breakdown (each alone, same interpreter):")
    print(f"  CLI import + parser (every cmd)  median {median['cli']:7.1f} ms")
    print(f"  torchenv.catalog load            median {median['catalog']:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
