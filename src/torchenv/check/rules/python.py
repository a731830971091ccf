"""TE013: the Python a file pins is outside the pinned torch release's range."""

from __future__ import annotations

from torchenv.check.context import Context
from torchenv.check.diagnostics import Diagnostic, make
from torchenv.check.model import PythonPin, Requirement
from torchenv.check.versions import python_minors

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Optional

    from torchenv.check.knowledge import ReleaseLike

__all__ = ["python_out_of_range"]

# Pins that name the interpreter an environment solver picks; project ranges
# (requires-python, Poetry) must instead hold for their lowest minor (uv refuses a lock
# otherwise).
_EXACT_ORIGINS = ("conda", "pixi", "docker-image")


def _torch_release(context: Context, pin: PythonPin) -> Optional[tuple[Requirement, ReleaseLike]]:
    candidates = [
        *context.requirements("torch"),
        *context.requirements("torch", ecosystem="image"),
        *context.requirements("pytorch", ecosystem="conda"),
    ]
    images = context.document.images
    if images:
        # A Dockerfile: only the torch installed in the python image's own stage counts.
        starts = [image.position.line for image in images]
        stage = max((n for n, line in enumerate(starts) if line <= pin.position.line), default=0)
        end = starts[stage + 1] if stage + 1 < len(starts) else 1 << 30
        candidates = [c for c in candidates if starts[stage] <= c.position.line < end]
    for requirement in candidates:
        release = context.pinned_release(requirement)
        if release is not None:
            return requirement, release
    return None


# id(release) -> (release, its tagged minors). The release is kept so its id cannot be
# reused; every pin of every file asks again, and the scan parses every variant.
_TAGGED: dict[int, tuple[ReleaseLike, frozenset[tuple[int, int]]]] = {}


def _tagged_minors(release: ReleaseLike) -> frozenset[tuple[int, int]]:
    cached = _TAGGED.get(id(release))
    if cached is not None and cached[0] is release:
        return cached[1]
    minors: set[tuple[int, int]] = set()
    from torchenv.check.context import ALL_PLATFORMS

    for platform in ALL_PLATFORMS:
        for tag in release.python_tags(platform):
            digits = tag[2:].rstrip("t")
            if tag.startswith("cp") and digits.isdigit() and len(digits) >= 2:
                minors.add((int(digits[0]), int(digits[1:])))
    _TAGGED[id(release)] = (release, frozenset(minors))
    return frozenset(minors)


def python_out_of_range(context: Context) -> Iterator[Diagnostic]:
    for pin in context.document.pythons:
        found = _torch_release(context, pin)
        if found is None:
            continue
        torch, release = found
        try:
            supported = set(python_minors(release.requires_python))
        except ValueError:
            continue
        tagged = _tagged_minors(release)
        if tagged:
            supported &= tagged
        if not supported:
            continue
        shown = _span(supported)
        try:
            allowed = python_minors(pin.specifier)
        except ValueError:
            continue
        if not allowed:
            continue
        if len(allowed) == 1:
            outside = [m for m in allowed if m not in supported]
        elif pin.origin in _EXACT_ORIGINS:
            # conda/pixi "3.*": the solver picks a Python torch's builds accept.
            outside = [] if any(m in supported for m in allowed) else list(allowed)
        else:
            # A range: uv/Poetry must solve for its lowest minor; beyond the newest
            # supported minor a range is only wrong if nothing overlaps.
            outside = [allowed[0]] if allowed[0] < min(supported) else []
            if not any(m in supported for m in allowed):
                outside = list(allowed)
        if not outside:
            continue
        bad = ", ".join(f"{a}.{b}" for a, b in outside[:3])
        yield make(
            context.document.path,
            pin.position,
            "TE013",
            f"Python {bad} ({pin.origin} {pin.specifier}) is outside torch {release.version}'s "
            f"range {shown} (torch pinned at line {torch.position.line})",
            f"use Python {shown}, or a torch release that supports Python {bad}",
        )


def _span(minors: set[tuple[int, int]]) -> str:
    ordered = sorted(minors)
    low, high = ordered[0], ordered[-1]
    return f"{low[0]}.{low[1]}-{high[0]}.{high[1]}"
