"""Median wall time of `torchenv resolve --json` for six targets vs bare `python -c pass`.

Offline: resolve reads only the embedded catalog. Runs are interleaved; prints both
medians and the ratio (goal: at most 4x).

    python benchmarks/bench_resolve.py [--runs 15]
"""

from __future__ import annotations

import argparse
import sys

from _timing import BARE_PYTHON, interleaved_medians, print_ratio, torchenv_command

TARGETS = (
    "linux-x86_64",
    "linux-x86_64-cu128",
    "linux-aarch64",
    "macos-arm64",
    "windows-x86_64-cu126",
    "windows-arm64",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    resolve = torchenv_command("resolve", "--json", "--python", "3.12")
    for target in TARGETS:
        resolve += ["--target", target]
    medians = interleaved_medians({"resolve": resolve, "bare": BARE_PYTHON}, args.runs)
    label = f"torchenv resolve --json ({len(TARGETS)})"
    print_ratio(label, medians["resolve"], medians["bare"], 4, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
