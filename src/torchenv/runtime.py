"""Pick the best torch device at run time: ``cuda``, ``xpu``, ``mps``, else ``cpu``.

This is the one torchenv module meant to be imported by a user's training script, so it
must stay cheap: torch is imported inside the functions, never at module import (a CLI
that imports torchenv must not pay torch's multi-second import), and a missing torch
means "cpu" rather than an error.

ROCm builds of torch answer through ``torch.cuda`` (HIP masquerades as CUDA), so the
device string is ``cuda`` there too; :func:`device_report` says which runtime it is.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, Optional

from torchenv.errors import UsageError

__all__ = ["DEVICE_ENV", "DEVICE_ORDER", "best_device", "device_report"]

DEVICE_ENV = "TORCHENV_DEVICE"
"""Environment variable that overrides the choice (``cpu``, ``cuda``, ``cuda:1``, ``mps``…)."""

DEVICE_ORDER: tuple[str, ...] = ("cuda", "xpu", "mps", "cpu")
"""Default preference: discrete accelerators first, Apple's MPS next, CPU always last."""


def _import_torch() -> Optional[ModuleType]:
    # import_module rather than `import torch`: torch is optional and untyped here
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None


def _is_available(torch: ModuleType, kind: str) -> bool:
    """Ask torch whether ``kind`` works; any failure of the probe itself means no.

    Older torch releases lack ``torch.xpu`` and ``torch.backends.mps``, and a broken
    driver can make ``is_available`` raise: both must fall through to the next kind.
    """
    if kind == "cpu":
        return True
    try:
        if kind == "cuda":
            return bool(torch.cuda.is_available())
        if kind == "xpu":
            xpu = getattr(torch, "xpu", None)
            return xpu is not None and bool(xpu.is_available())
        if kind == "mps":
            backends = getattr(torch, "backends", None)
            mps = getattr(backends, "mps", None)
            return mps is not None and bool(mps.is_available())
    except Exception:
        return False
    return False


def _check_kinds(kinds: Sequence[str]) -> tuple[str, ...]:
    normalized = tuple(kind.strip().lower() for kind in kinds)
    unknown = [kind for kind in normalized if kind not in DEVICE_ORDER]
    if unknown:
        raise UsageError(
            f"unknown device kind {unknown[0]!r}: expected one of {', '.join(DEVICE_ORDER)}"
        )
    return normalized


def best_device(
    prefer: Optional[Sequence[str]] = None, environ: Optional[Mapping[str, str]] = None
) -> str:
    """The device string to pass to ``torch.device(...)`` / ``tensor.to(...)``.

    ``prefer`` orders the kinds to try (default :data:`DEVICE_ORDER`); ``cpu`` is always
    the last resort even when not listed. ``TORCHENV_DEVICE`` (from ``environ``, default
    ``os.environ``) wins over everything and is returned as given (``cuda:1`` stays
    ``cuda:1``), so a user can pin a device without editing code; ``auto`` or empty
    means "decide". Without torch installed the answer is ``cpu``.
    """
    env = os.environ if environ is None else environ
    override = env.get(DEVICE_ENV, "").strip()
    if override and override.lower() != "auto":
        return override
    kinds = _check_kinds(DEVICE_ORDER if prefer is None else prefer)
    torch = _import_torch()
    if torch is None:
        return "cpu"
    for kind in kinds:
        if _is_available(torch, kind):
            return kind
    return "cpu"


def _device_names(torch: ModuleType, kind: str) -> list[str]:
    module: Any = getattr(torch, kind, None)
    try:
        count = int(module.device_count())
        return [str(module.get_device_name(index)) for index in range(count)]
    except Exception:
        return []


def device_report(environ: Optional[Mapping[str, str]] = None) -> dict[str, Any]:
    """What torch sees on this machine, as plain JSON-able data.

    Keys: ``torch`` (version or None), ``cuda`` / ``hip`` (the runtime torch was built
    with), ``available`` (kind -> bool), ``devices`` (kind -> device names), ``override``
    (the ``TORCHENV_DEVICE`` value or None) and ``best`` (what :func:`best_device` picks).
    """
    env = os.environ if environ is None else environ
    report: dict[str, Any] = {
        "torch": None,
        "cuda": None,
        "hip": None,
        "available": {kind: kind == "cpu" for kind in DEVICE_ORDER},
        "devices": {},
        "override": env.get(DEVICE_ENV) or None,
        "best": best_device(environ=env),
    }
    torch = _import_torch()
    if torch is None:
        return report
    report["torch"] = str(getattr(torch, "__version__", "unknown"))
    version = getattr(torch, "version", None)
    report["cuda"] = getattr(version, "cuda", None)
    report["hip"] = getattr(version, "hip", None)
    for kind in DEVICE_ORDER:
        available = _is_available(torch, kind)
        report["available"][kind] = available
        if available and kind in ("cuda", "xpu"):
            report["devices"][kind] = _device_names(torch, kind)
    return report
