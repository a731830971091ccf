"""How much slower is `torchenv detect --json` than starting Python at all?

Times the ``torchenv`` console script (``torchenv detect --json``, what users type) and
``python -c pass`` with the same interpreter, interleaved, and prints the medians and
their ratio. The goal on a GPU-less machine is a ratio of at most 3.

    python benchmarks/bench_detect.py [--runs 20]
"""

from __future__ import annotations

import argparse
import sys

from _timing import BARE_PYTHON, interleaved_medians, print_ratio, torchenv_command


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    medians = interleaved_medians(
        {"detect": torchenv_command("detect", "--json"), "bare": BARE_PYTHON}, args.runs
    )
    print_ratio("torchenv detect --json", medians["detect"], medians["bare"], 3, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
