"""Selection: fingerprint or target + the knowledge base -> backend, index, wheel, reasons.

Pure and offline. ``select(subject, torch=..., python=..., channel=..., cuda_compat=...,
index_base=...)`` returns a frozen :class:`Selection`.
"""

from __future__ import annotations

from torchenv.select.engine import select
from torchenv.select.model import Rejection, Selection
from torchenv.select.request import CUDA_COMPAT_MODES, Request, parse_python, parse_torch_spec

__all__ = [
    "CUDA_COMPAT_MODES",
    "Rejection",
    "Request",
    "Selection",
    "parse_python",
    "parse_torch_spec",
    "select",
]
