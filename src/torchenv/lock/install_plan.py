"""Which lock file fits this machine, and which wheels of it to install. Pure.

The variant comes from ``--variant`` or from the backend :func:`torchenv.select.select`
chose for the fingerprint; a lock whose ``environments`` exclude this machine is refused
with the reason (a cu128 lock on macOS covers no environment there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from packaging.markers import Marker
from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from torchenv.errors import ResolutionError

__all__ = [
    "InstallPlan",
    "PlannedWheel",
    "choose_variant",
    "plan_install",
    "requirements_text",
    "variant_blocker",
]

# Which GPU vendor an accelerated variant needs (by name prefix).
_VARIANT_VENDOR = (("cu", "nvidia", "CUDA"), ("rocm", "amd", "ROCm"), ("xpu", "intel", "XPU"))


@dataclass(frozen=True)
class PlannedWheel:
    name: str
    version: str
    url: str
    sha256: str


@dataclass(frozen=True)
class InstallPlan:
    variant: str
    lock_path: str
    reasons: tuple[str, ...]
    wheels: tuple[PlannedWheel, ...]


def choose_variant(
    available: Sequence[str], requested: Optional[str], selected: Optional[str], why: Sequence[str]
) -> tuple[str, tuple[str, ...]]:
    """The variant to install and the reasons, from the flag, the selection, or cpu."""
    if requested is not None:
        if requested not in available:
            raise ResolutionError(
                f"no pylock.{requested}.toml here; available: {', '.join(available) or 'none'}"
            )
        return requested, (f"--variant {requested} was given",)
    if selected is not None and selected in available:
        return selected, (f"this machine's best backend is {selected}", *why)
    if "cpu" in available:
        reason = (
            f"this machine's best backend {selected} has no lock file here; using cpu"
            if selected
            else "no accelerated backend fits this machine; using cpu"
        )
        return "cpu", (reason, *why)
    raise ResolutionError(
        f"no lock file fits this machine (best backend: {selected or 'cpu'}); "
        f"available: {', '.join(available) or 'none'}"
    )


def variant_blocker(variant: str, os_name: str, vendors: Sequence[str]) -> Optional[str]:
    """Why ``variant`` cannot run on a machine (its OS and GPU vendors seen), or None.

    ``cpu`` runs everywhere. An accelerated build needs its vendor's GPU, and none of
    them exists for macOS (Apple GPUs use the default build's MPS backend).
    """
    for prefix, vendor, label in _VARIANT_VENDOR:
        if not variant.startswith(prefix):
            continue
        if os_name == "macos":
            return f"{variant} is a {label} build; macOS has no {label} (use the cpu lock: MPS)"
        if vendor not in vendors:
            return (
                f"{variant} is a {label} build and this machine shows no {vendor} GPU "
                "(pass --fingerprint FILE to install for another machine's fingerprint)"
            )
    return None


def plan_install(
    variant: str,
    lock_path: str,
    document: Mapping[str, Any],
    environment: Mapping[str, str],
    tags: Sequence[Tag],
    machine: str,
    reasons: Sequence[str] = (),
) -> InstallPlan:
    """The wheels of ``document`` that apply to ``environment``, best tag each."""
    environments = document.get("environments") or []
    if environments and not any(Marker(e).evaluate(dict(environment)) for e in environments):
        raise ResolutionError(
            f"{lock_path} cannot run on {machine}: it covers only " + "; ".join(environments)
        )
    locked = document.get("tool", {}).get("torchenv", {}).get("python")
    python = environment.get("python_version", "")
    if isinstance(locked, list) and locked and python not in locked:
        raise ResolutionError(
            f"{lock_path} was locked for Python {', '.join(map(str, locked))}; this "
            f"environment runs {python} (relock with --python {python})"
        )
    rank = {tag: i for i, tag in enumerate(tags)}
    wheels: list[PlannedWheel] = []
    for package in document.get("packages", []):
        marker = package.get("marker")
        if marker and not Marker(marker).evaluate(dict(environment, extra="")):
            continue
        best: Optional[tuple[int, Mapping[str, Any]]] = None
        for wheel in package.get("wheels", []):
            try:
                wheel_tags = parse_wheel_filename(wheel["name"])[3]
            except (InvalidWheelFilename, KeyError):
                continue
            ranks = [rank[t] for t in wheel_tags if t in rank]
            if ranks and (best is None or min(ranks) < best[0]):
                best = (min(ranks), wheel)
        if best is None:
            raise ResolutionError(
                f"{lock_path}: {package['name']} {package['version']} has no wheel for {machine}"
            )
        sha = best[1].get("hashes", {}).get("sha256")
        if not sha:
            raise ResolutionError(f"{lock_path}: {best[1]['name']} has no sha256 hash")
        wheels.append(PlannedWheel(package["name"], package["version"], best[1]["url"], sha))
    return InstallPlan(variant, lock_path, tuple(reasons), tuple(wheels))


def requirements_text(plan: InstallPlan) -> str:
    """A pip/uv requirements file: direct wheel URLs, each with its sha256."""
    return "".join(f"{w.name} @ {w.url} --hash=sha256:{w.sha256}\n" for w in plan.wheels)
