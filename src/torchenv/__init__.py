"""torchenv: which PyTorch wheel does this machine need?

Importing the package is deliberately cheap: submodules are imported by the
commands that need them, so ``torchenv detect`` and ``torchenv check`` start fast.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
