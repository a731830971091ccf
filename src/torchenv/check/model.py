"""What the readers extract from a file: requirements, indexes, pins, each with a position.

Values are immutable :class:`torchenv._record.Record` classes (``NamedTuple`` to type
checkers) rather than frozen dataclasses: ``check`` runs on every commit, and building
a frozen dataclass costs about 1 ms of ``exec`` at import (x20 classes), a NamedTuple
about 0.3 ms plus importing ``typing``, a record almost nothing.

Readers are pure functions from text to a :class:`Document`; the rules only ever see
these values, so every file kind (requirements, pyproject, environment.yml, pixi,
pylock, Dockerfile) is judged by the same rules.
"""

from __future__ import annotations

from types import MappingProxyType

from torchenv._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Optional

__all__ = [
    "ALL_CODES",
    "BaseImage",
    "Channel",
    "Document",
    "GpuTarget",
    "Include",
    "IndexRef",
    "LockInfo",
    "Position",
    "PythonPin",
    "Requirement",
    "TargetDecl",
]

ALL_CODES = "*"
"""Stands for every code in an ``ignores`` entry (a bare ``# torchenv: ignore``)."""


class Position(Record):
    """1-based line and column in the file the value was read from."""

    line: int
    col: int = 1


class Requirement(Record):
    """One dependency as written: ``name`` is normalized (lower case, ``-``).

    ``specifier`` is PEP 440 text for PyPI requirements and conda match-spec text for
    conda ones (``ecosystem == "conda"``). ``source`` names the index it is routed to
    when the file says so per package (a uv/Poetry/PDM source name, a pixi index URL).
    ``platforms`` is the scope the file structure gives it (a pixi ``target.<platform>``
    table, a Docker stage's ``--platform``), in torchenv platform names, else None.
    ``scope`` groups requirements installed by one command (a Dockerfile ``RUN``).
    """

    name: str
    specifier: str
    position: Position
    marker: Optional[str] = None
    url: Optional[str] = None
    ecosystem: str = "pypi"
    source: Optional[str] = None
    platforms: Optional[frozenset[str]] = None
    scope: int = 0
    path: str = ""
    group: Optional[str] = None
    """None for main dependencies; ``extra:<name>`` / ``group:<name>`` otherwise."""


class IndexRef(Record):
    """An index, find-links location or named source the file declares.

    ``role`` is ``index-url`` (replaces the default index), ``extra-index-url`` (merged
    with it: pip's dependency-confusion route), ``find-links``, or ``source`` (a named
    uv/Poetry/PDM/pixi source). ``explicit`` is True when only packages routed to it by
    name may come from it (uv ``explicit = true``, Poetry ``priority = "explicit"``, PDM
    ``include_packages``), False when the tool may take anything from it, None when the
    notion does not apply.
    """

    url: str
    role: str
    position: Position
    tool: str = "pip"
    name: Optional[str] = None
    explicit: Optional[bool] = None
    scope: int = 0
    path: str = ""
    packages: tuple[str, ...] = ()
    """PDM ``include_packages`` globs: the only packages this source serves."""


class Include(Record):
    """A ``-r``/``-c`` line: ``target`` is resolved relative to the including file."""

    target: str
    constraint: bool
    position: Position


class PythonPin(Record):
    """A Python version requirement, as a PEP 440 specifier (``>=3.9``, ``==3.11.*``)."""

    specifier: str
    position: Position
    origin: str


class Channel(Record):
    """A conda channel, normalized to its short name (``pytorch``, ``conda-forge``)."""

    name: str
    position: Position


class BaseImage(Record):
    """A Dockerfile ``FROM``: ``platform`` in torchenv names when ``--platform`` is given."""

    image: str
    tag: str
    position: Position
    platform: Optional[str] = None
    stage: int = 0


class GpuTarget(Record):
    """A GPU the project must run on: by marketing name or by compute capability."""

    value: str
    position: Position
    is_capability: bool


class TargetDecl(Record):
    """A ``[tool.torchenv] targets`` entry: ``linux-x86_64-cu128`` -> platform and backend."""

    platform: str
    backend: Optional[str]
    position: Position


class LockInfo(Record):
    """What a ``pylock*.toml`` records about its own inputs (``[tool.torchenv]``)."""

    input_hash: Optional[str]
    inputs: tuple[str, ...]
    position: Position


class Document(Record):
    """Everything the rules need from one file."""

    path: str
    kind: str
    requirements: tuple[Requirement, ...] = ()
    indexes: tuple[IndexRef, ...] = ()
    includes: tuple[Include, ...] = ()
    pythons: tuple[PythonPin, ...] = ()
    channels: tuple[Channel, ...] = ()
    images: tuple[BaseImage, ...] = ()
    gpus: tuple[GpuTarget, ...] = ()
    platforms: Optional[frozenset[str]] = None
    platforms_position: Optional[Position] = None
    lock: Optional[LockInfo] = None
    targets: tuple[TargetDecl, ...] = ()
    ignores: Mapping[int, frozenset[str]] = MappingProxyType({})
