"""Pick the torch device at run time: ``best_device()`` -> "cuda", "xpu", "mps" or "cpu".

torch is imported inside the functions, never when this module is imported, so
``import torchenv.runtime`` stays cheap and works where torch is not installed.
``TORCHENV_DEVICE`` overrides the choice (e.g. to force "cpu" in CI).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, Optional

__all__ = ["DEVICE_ORDER", "ENV_OVERRIDE", "available_devices", "best_device"]

DEVICE_ORDER: tuple[str, ...] = ("cuda", "xpu", "mps", "cpu")
ENV_OVERRIDE = "TORCHENV_DEVICE"


def _import_torch() -> Optional[Any]:
    import importlib

    try:
        torch = importlib.import_module("torch")
    except Exception:
        # not installed, or a broken install (missing CUDA libraries raise OSError):
        # the CPU is still a valid answer for the caller.
        return None
    return torch


def _probe(module: Any, name: str) -> bool:
    """``torch.<name>.is_available()`` without letting a broken backend raise."""
    if name == "mps":
        backend = getattr(getattr(module, "backends", None), "mps", None)
    else:
        backend = getattr(module, name, None)
    check = getattr(backend, "is_available", None)
    if check is None:
        return False
    try:
        return bool(check())
    except Exception:
        return False


def available_devices() -> list[str]:
    """Device types torch can use here, best first; always ends with "cpu"."""
    torch = _import_torch()
    if torch is None:
        return ["cpu"]
    found = [name for name in DEVICE_ORDER[:-1] if _probe(torch, name)]
    return [*found, "cpu"]


def best_device(prefer: Optional[Sequence[str]] = None) -> str:
    """The first of ``prefer`` (default cuda, xpu, mps) torch can use, else "cpu".

    ``TORCHENV_DEVICE`` wins when set (any value torch accepts, e.g. "cuda:1").
    """
    override = os.environ.get(ENV_OVERRIDE, "").strip()
    if override:
        return override
    order = list(prefer) if prefer is not None else list(DEVICE_ORDER)
    available = set(available_devices())
    for name in order:
        if name in available:
            return name
    return "cpu"
