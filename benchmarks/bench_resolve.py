"""Median wall time of `torchenv resolve --json` for six targets vs bare `python -c pass`.

Run: python benchmarks/bench_resolve.py [--runs N]
Runs are interleaved (resolve, baseline, resolve, …) so that machine noise hits both
alike; prints both medians and the ratio (goal: <= 4x). Offline: resolve reads only the
embedded catalog.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

TARGETS = (
    "linux-x86_64",
    "linux-x86_64-cu128",
    "linux-aarch64",
    "macos-arm64",
    "windows-x86_64-cu126",
    "windows-arm64",
)


# An installed torchenv has .pyc files; PYTHONDONTWRITEBYTECODE (set in some sandboxes)
# would make every run recompile the sources and measure the compiler instead.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    # The console script users run (no runpy); `python -m torchenv` when it is missing.
    script = os.path.join(os.path.dirname(sys.executable), "torchenv")
    entry = [script] if os.path.exists(script) else [sys.executable, "-m", "torchenv"]
    resolve = [*entry, "resolve", "--json", "--python", "3.12"]
    for target in TARGETS:
        resolve += ["--target", target]
    baseline = [sys.executable, "-c", "pass"]
    timed(resolve)  # warm the file cache and .pyc files
    timed(baseline)
    ours: list[float] = []
    base: list[float] = []
    for _ in range(args.runs):
        ours.append(timed(resolve))
        base.append(timed(baseline))
    median_ours = statistics.median(ours)
    median_base = statistics.median(base)
    print(f"torchenv resolve --json ({len(TARGETS)} targets): {median_ours * 1000:.1f} ms median")
    print(f"python -c pass:                          {median_base * 1000:.1f} ms median")
    print(f"ratio: {median_ours / median_base:.2f}x  (goal <= 4x, {args.runs} interleaved runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
