"""Shared timing for the start-up benchmarks: interleaved runs, medians, ratios.

Runs are interleaved (A, B, A, B, …) so that background noise hits every command alike,
and each command runs once first to warm the OS file cache and the bytecode cache.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional

__all__ = ["ENV", "BARE_PYTHON", "interleaved_medians", "print_ratio", "torchenv_command"]

# Users' interpreters cache bytecode; a sandbox that sets PYTHONDONTWRITEBYTECODE would
# make every run recompile every module and time the compiler instead of torchenv.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

BARE_PYTHON = [sys.executable, "-c", "pass"]


def torchenv_command(*arguments: str) -> list[str]:
    """The console script users run (no runpy), or ``python -m torchenv`` without one."""
    script = Path(sys.executable).with_name("torchenv")
    if script.exists():
        return [str(script), *arguments]
    return [sys.executable, "-m", "torchenv", *arguments]


def _timed(command: Sequence[str], cwd: Optional[Path]) -> float:
    started = time.perf_counter()
    subprocess.run(
        list(command),
        cwd=cwd,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - started


def interleaved_medians(
    commands: Mapping[str, Sequence[str]], runs: int, cwd: Optional[Path] = None
) -> dict[str, float]:
    """Median wall time in milliseconds of each command over ``runs`` interleaved runs."""
    for command in commands.values():
        _timed(command, cwd)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(_timed(command, cwd))
    return {name: statistics.median(values) * 1000 for name, values in samples.items()}


def print_ratio(label: str, ours_ms: float, bare_ms: float, goal: float, runs: int) -> None:
    print(f"python -c pass                 median {bare_ms:7.1f} ms")
    print(f"{label:30s} median {ours_ms:7.1f} ms")
    verdict = "met" if ours_ms / bare_ms <= goal else "MISSED"
    print(
        f"ratio                          {ours_ms / bare_ms:7.2f}x  "
        f"(goal <= {goal:g}x: {verdict}; {runs} interleaved runs)"
    )
