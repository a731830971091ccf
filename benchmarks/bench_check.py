"""How long `torchenv check` takes on a repository of 20 files, against bare Python.

Builds a temporary git repository from the check fixtures (20 files of every kind),
then times, interleaved so machine noise hits all commands equally (medians):
  * ``python -c pass``   (the floor any Python CLI pays)
  * ``torchenv check``   in the repository (git discovery, reading, catalog, rules)
and, for the breakdown, the fixed costs: ``torchenv check --list-rules`` (start-up, command
line, rule table; no files read) and loading the knowledge base. Goal: check at most 4x bare Python.

Run: ``.venv/bin/python benchmarks/bench_check.py [--runs 21]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import BARE_PYTHON, ENV, interleaved_medians, print_ratio, torchenv_command

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "repo"
        build_repository(root)
        check = torchenv_command("check")
        result = subprocess.run(
            [*check, "--json"], cwd=root, capture_output=True, text=True, env=ENV, check=False
        )
        count = len(json.loads(result.stdout))
        medians = interleaved_medians(
            {
                "bare": BARE_PYTHON,
                "check": check,
                "start": torchenv_command("check", "--list-rules"),
                "catalog": [sys.executable, "-c", "import torchenv.catalog as c; c.load_catalog()"],
            },
            args.runs,
            cwd=root,
        )
    print(f"files: {len(FILES)} (diagnostics: {count})")
    print_ratio("torchenv check", medians["check"], medians["bare"], 4, args.runs)
    print("breakdown (each alone, same interpreter):")
    print(f"  check --list-rules (no files)   median {medians['start']:7.1f} ms")
    print(f"  torchenv.catalog load           median {medians['catalog']:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
