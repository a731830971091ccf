"""Version pins and Python ranges, read just far enough for the rules.

Exact pins (``==2.7.0+cu128``) are what the release rules judge; Python ranges are
evaluated per minor version (3.9, 3.10, ...) because wheels are tagged per minor.
"""

from __future__ import annotations

import re
from functools import cache

from torchenv._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

__all__ = [
    "PYTHON_MINORS",
    "Pin",
    "conda_pin",
    "exact_pin",
    "lowest_minor",
    "poetry_to_pep440",
    "python_minors",
    "release_tuple",
    "satisfies",
    "split_local",
]

# Python minors a torch release could plausibly tag (cp36 ... cp316).
PYTHON_MINORS: tuple[tuple[int, int], ...] = tuple((3, minor) for minor in range(6, 17))

_RELEASE = re.compile(r"^v?(\d+(?:\.\d+)*)")
_CLAUSE = re.compile(r"^(===|==|!=|<=|>=|~=|<|>)\s*(\S+)$")


class Pin(Record):
    """An exact version pin: ``version`` without local label; ``wildcard`` for ``==2.7.*``."""

    version: str
    local: Optional[str] = None
    wildcard: bool = False


def split_local(version: str) -> tuple[str, Optional[str]]:
    public, plus, local = version.partition("+")
    return public, (local.lower() if plus else None)


@cache
def release_tuple(version: str) -> tuple[int, ...]:
    match = _RELEASE.match(version.strip())
    if not match:
        raise ValueError(f"not a version: {version!r}")
    return tuple(int(part) for part in match.group(1).split("."))


@cache  # every rule asks again for the same requirement's pin: parse each text once
def exact_pin(specifier: str) -> Optional[Pin]:
    """The pinned version of ``==X``/``===X``/``==X.*`` (alone or among range clauses)."""
    for clause in (c.strip() for c in specifier.split(",")):
        match = _CLAUSE.match(clause)
        if not match or match.group(1) not in ("==", "==="):
            continue
        text = match.group(2)
        if text.endswith(".*"):
            return Pin(text[:-2], None, wildcard=True)
        public, local = split_local(text)
        return Pin(public, local)
    return None


def _satisfies(version: tuple[int, ...], op: str, target_text: str) -> bool:
    wildcard = target_text.endswith(".*")
    target = release_tuple(target_text[:-2] if wildcard else target_text)
    if op in ("==", "===", "!="):
        if wildcard:
            equal = version[: len(target)] == target
        else:
            width = max(len(version), len(target))
            equal = version + (0,) * (width - len(version)) == target + (0,) * (width - len(target))
        return equal if op != "!=" else not equal
    width = max(len(version), len(target))
    left = version + (0,) * (width - len(version))
    right = target + (0,) * (width - len(target))
    if op == ">=":
        return left >= right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == "<":
        return left < right
    if op == "~=":
        prefix = target[:-1] if len(target) > 1 else target
        return left >= right and version[: len(prefix)] == prefix
    raise ValueError(f"unknown operator {op!r}")


@cache
def satisfies(version: str, specifier: str) -> bool:
    """Does ``version`` (maybe ``2.7.1+cu128``) meet ``specifier``? PEP 440's local rule:
    a specifier without a local label ignores the version's label."""
    public, local = split_local(version)
    try:
        release = release_tuple(public)
    except ValueError:
        return True  # not a version we can judge: do not call it stale
    for raw in specifier.split(","):
        match = _CLAUSE.match(raw.strip())
        if not match:
            continue
        op, target = match.groups()
        target_public, target_local = split_local(target)
        if target_local is not None:
            equal = _satisfies(release, "==", target_public) and local == target_local
            if (op in ("==", "===") and not equal) or (op == "!=" and equal):
                return False
            continue
        try:
            if not _satisfies(release, op, target_public):
                return False
        except ValueError:
            continue
    return True


@cache
def python_minors(
    specifier: str, candidates: tuple[tuple[int, int], ...] = PYTHON_MINORS
) -> tuple[tuple[int, int], ...]:
    """Minors with at least one patch release inside ``specifier`` (ValueError if invalid)."""
    clauses: list[tuple[str, str]] = []
    for raw in specifier.split(","):
        raw = raw.strip()
        if not raw:
            continue
        match = _CLAUSE.match(raw)
        if not match:
            # conda/pixi/Docker style bare version "3.11" means that minor.
            if re.match(r"^\d+(\.\d+)*(\.\*)?$", raw):
                clauses.append(("==", raw if raw.count(".") >= 2 else raw + ".*"))
                continue
            raise ValueError(f"invalid version specifier {raw!r}")
        clauses.append((match.group(1), match.group(2)))
    # A clause changes its answer only at the patch it names: testing patch 0, a large
    # one, and each named patch with its neighbours decides every minor exactly.
    patches = {0, 99}
    for _, target in clauses:
        parts = release_tuple(target[:-2] if target.endswith(".*") else target)
        if len(parts) >= 3:
            patches.update({max(parts[2] - 1, 0), parts[2], parts[2] + 1})
    allowed = []
    for major, minor in candidates:
        if any(
            all(_satisfies((major, minor, patch), op, target) for op, target in clauses)
            for patch in sorted(patches)
        ):
            allowed.append((major, minor))
    return tuple(allowed)


def lowest_minor(specifier: str) -> Optional[tuple[int, int]]:
    minors = python_minors(specifier)
    return minors[0] if minors else None


def poetry_to_pep440(constraint: str) -> str:
    """Poetry's ``^3.10`` / ``~3.10`` / ``3.10.*`` / ``>=3.9,<3.13`` as PEP 440 text."""
    parts = []
    for raw in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", constraint.strip()):
        if not raw or raw == "*":
            continue
        if raw.startswith("^"):
            base = release_tuple(raw[1:])
            upper = (base[0] + 1,) if base[0] != 0 else (0, base[1] + 1)
            parts += [f">={raw[1:]}", "<" + ".".join(map(str, upper))]
        elif raw.startswith("~") and not raw.startswith("~="):
            base = release_tuple(raw[1:])
            upper = (base[0], base[1] + 1) if len(base) > 1 else (base[0] + 1,)
            parts += [f">={raw[1:]}", "<" + ".".join(map(str, upper))]
        elif raw[0].isdigit():
            parts.append("==" + raw)
        else:
            parts.append(raw)
    return ",".join(parts)


def conda_pin(spec: str) -> tuple[Optional[Pin], Optional[str]]:
    """A conda match spec's version part -> (pin, build string).

    ``2.5.1`` and ``==2.5.1`` pin exactly; ``2.5`` or ``=2.5`` mean ``2.5.*`` (conda's fuzzy
    match); ``2.4.1=cuda120*`` adds a build string; ranges give no pin.
    """
    spec = spec.strip()
    if not spec:
        return None, None
    version, _, build = spec.replace(" ", "").lstrip("=").partition("=")
    exact = spec.replace(" ", "").startswith("==")
    if not re.match(r"^\d+(\.\d+)*(\.\*|\*)?$", version):
        return None, build or None
    if version.endswith("*"):
        return Pin(version.rstrip("*").rstrip("."), None, wildcard=True), build or None
    if exact or version.count(".") >= 2:
        return Pin(version), build or None
    return Pin(version, None, wildcard=True), build or None
