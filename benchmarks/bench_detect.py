"""How much slower is `torchenv detect --json` than starting Python at all?

Runs the ``torchenv`` console script (``torchenv detect --json``, what users type; falls
back to ``python -m torchenv``) and ``python -c pass`` with the same interpreter,
interleaved so background noise hits both alike, and prints the median wall time of each
and their ratio. The goal on a GPU-less machine is a ratio of at most 3.

    python benchmarks/bench_detect.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

__all__ = ["main", "measure"]


# Users' interpreters cache bytecode; an environment with PYTHONDONTWRITEBYTECODE would
# make every run recompile every module and measure the compiler instead.
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=_ENV
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    script = os.path.join(os.path.dirname(sys.executable), "torchenv")
    if os.path.isfile(script):
        detect = [sys.executable, script, "detect", "--json"]
    else:
        detect = [sys.executable, "-m", "torchenv", "detect", "--json"]
    bare = [sys.executable, "-c", "pass"]
    measure(detect)  # warm the page cache and the bytecode cache once
    measure(bare)
    detect_times: list[float] = []
    bare_times: list[float] = []
    for _ in range(args.runs):
        detect_times.append(measure(detect))
        bare_times.append(measure(bare))
    detect_ms = statistics.median(detect_times) * 1000
    bare_ms = statistics.median(bare_times) * 1000
    print(f"python -c pass              median {bare_ms:7.1f} ms  ({args.runs} runs)")
    print(f"torchenv detect --json      median {detect_ms:7.1f} ms  ({args.runs} runs)")
    print(f"ratio                       {detect_ms / bare_ms:7.2f}x  (goal <= 3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
