"""``python -m torchenv``."""

from __future__ import annotations

import sys

from torchenv.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
